//! `wait`: a fixed time, an element state, a URL, or network idle.

use std::time::Duration;

use panoptic_core::config::{WaitFor, WaitState};
use panoptic_core::page::ResolveOpts;
use panoptic_core::results::StepError;
use tokio::time::Instant;

use crate::auto_wait::{Backoff, fmt_ms};
use crate::ctx::{Ctx, locator, page_err};

/// URL patterns: without `*` a substring; with `*` a glob over the whole URL, implicitly
/// starting with `*` unless the pattern names a scheme (`http://…`).
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.contains(pattern);
    }
    if !pattern.contains("://") && !pattern.starts_with('*') {
        return glob_match(&format!("*{pattern}"), text);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        match text[pos..].find(p) {
            Some(at) if i > 0 || at == 0 => pos += at + p.len(),
            _ => return false,
        }
    }
    parts.last().is_some_and(|l| l.is_empty()) || pos == text.len()
}

pub(crate) async fn wait(ctx: &mut Ctx<'_>, what: &WaitFor) -> Result<(), StepError> {
    let t = ctx.timeout;
    let deadline = Instant::now() + t;
    match what {
        WaitFor::Time(d) => {
            tokio::time::sleep(d.0).await;
            Ok(())
        }
        WaitFor::Element { selector, state } => {
            let l = locator(selector)?;
            let mut last = String::new();
            let mut wait = Backoff::default();
            loop {
                let found = ctx.page.resolve(&l, ResolveOpts::default()).await;
                if let Ok(found) = &found {
                    let first_visible = found.first().is_some_and(|e| e.visible);
                    let ok = match state {
                        WaitState::Visible => first_visible,
                        WaitState::Hidden => !first_visible,
                        WaitState::Attached => !found.is_empty(),
                        WaitState::Detached => found.is_empty(),
                    };
                    if ok {
                        return Ok(());
                    }
                    last = match found.first() {
                        None => "no element matches".into(),
                        Some(e) if e.visible => "element is visible".into(),
                        Some(_) => "element is attached but hidden".into(),
                    };
                }
                if Instant::now() >= deadline {
                    break;
                }
                wait.wait(&mut *ctx.page, deadline).await;
            }
            let state = format!("{state:?}").to_lowercase();
            Err(StepError {
                message: format!(
                    "timed out after {} waiting for `{selector}` to be {state}: {last}",
                    fmt_ms(t)
                ),
                locator: Some(selector.clone()),
                expected: Some(state),
                actual: Some(last),
            })
        }
        WaitFor::Url(pattern) => {
            let mut url = String::new();
            let mut wait = Backoff::default();
            loop {
                if let Ok(u) = ctx.page.url().await {
                    url = u;
                    if glob_match(pattern, &url) {
                        return Ok(());
                    }
                }
                if Instant::now() >= deadline {
                    break;
                }
                wait.wait(&mut *ctx.page, deadline).await;
            }
            Err(StepError {
                message: format!("timed out after {} waiting for the URL", fmt_ms(t)),
                expected: Some(format!("URL matching {pattern:?}")),
                actual: Some(url),
                locator: None,
            })
        }
        WaitFor::NetworkIdle => {
            let quiet = Duration::from_millis(500);
            let mut idle_since: Option<Instant> = None;
            let mut pending = 0;
            while Instant::now() < deadline {
                pending = ctx.page.pending_requests().await.map_err(page_err)?;
                if pending == 0 {
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= quiet {
                        return Ok(());
                    }
                } else {
                    idle_since = None;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(StepError {
                message: format!("network did not become idle within {}", fmt_ms(t)),
                expected: Some("no request in flight for 500ms".into()),
                actual: Some(format!("{pending} request(s) in flight")),
                locator: None,
            })
        }
    }
}
