//! The network steps the executor runs itself: `http` (through `panoptic-http`, beside the
//! browser, sharing its cookies when asked) and the body files of `mock` and `http` steps,
//! read from the config's folder and nowhere else.

use std::path::Path;
use std::time::Duration;

use panoptic_actions::{Outcome, join_url};
use panoptic_core::config::net::{Body, MockReply};
use panoptic_core::config::{ActionKind, Config, absolute_url_allowed};
use panoptic_core::page::Page;
use panoptic_core::results::StepError;

use crate::shared::{AttemptCx, StepCx, StepState};

/// Largest body file a `mock` may answer with.
const MAX_BODY_FILE: u64 = 64 * 1024 * 1024;

/// Reads the `body_file` of a `mock` or `http` step into its body: a regular file inside the
/// config's folder (symlinks resolved first, so one pointing outside is refused), with its
/// content type unless the step gives one.
pub(crate) fn read_body_file(kind: ActionKind, config: &Config) -> Result<ActionKind, String> {
    match kind {
        ActionKind::Mock { mut route } => {
            if let MockReply::Fulfil { headers, body, .. } = &mut route.reply {
                load(body, headers, config)?;
            }
            Ok(ActionKind::Mock { route })
        }
        ActionKind::Http { mut request } => {
            let r = request.as_mut();
            load(&mut r.body, &mut r.headers, config)?;
            Ok(ActionKind::Http { request })
        }
        other => Ok(other),
    }
}

/// Replaces a `Body::File` with its bytes (and a content type by its extension).
fn load(body: &mut Option<Body>, headers: &mut Vec<(String, String)>, config: &Config) -> Result<(), String> {
    let Some(Body::File(name)) = body.as_ref() else {
        return Ok(());
    };
    let name = name.clone();
    let base = config
        .source
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = base
        .canonicalize()
        .map_err(|e| format!("body file {name}: the config's folder: {e}"))?;
    let path = base
        .join(&name)
        .canonicalize()
        .map_err(|e| format!("body file {name}: {e}"))?;
    if !path.starts_with(&root) {
        return Err(format!(
            "body file {name} is outside the config's folder ({})",
            root.display()
        ));
    }
    let meta = std::fs::metadata(&path).map_err(|e| format!("body file {name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("body file {name} is not a regular file"));
    }
    if meta.len() > MAX_BODY_FILE {
        return Err(format!(
            "body file {name} is {} bytes; a step sends at most {MAX_BODY_FILE}",
            meta.len()
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("body file {name}: {e}"))?;
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        headers.push(("content-type".into(), panoptic_actions::file_content_type(&name).into()));
    }
    *body = Some(Body::Bytes(bytes));
    Ok(())
}

/// Runs an `http` step. The answer is the step's output whether its checks pass or not.
pub(crate) async fn http_step(
    cx: &AttemptCx<'_>,
    page: &mut dyn Page,
    at: &StepCx<'_>,
    kind: &ActionKind,
    state: &mut StepState,
    timeout: Duration,
) -> (Result<Outcome, StepError>, Option<serde_json::Value>) {
    let ActionKind::Http { request } = kind else {
        return (Err(StepError::msg("not an `http` step")), None);
    };
    let allow = &cx.settings.allow;
    let url = match absolute_url_allowed(&join_url(at.base_url, &request.url), allow) {
        Ok(u) => u,
        Err(e) => return (Err(StepError::msg(e)), None),
    };
    let cookies = if request.use_browser_cookies {
        match page.cookies(&url).await {
            Ok(c) => c,
            Err(e) => return (Err(StepError::msg(format!("the browser's cookies: {e}"))), None),
        }
    } else {
        Vec::new()
    };
    let allowed = |u: &str| absolute_url_allowed(u, allow);
    let answer = match panoptic_http::send(request, &url, &cookies, &allowed, timeout).await {
        Ok(a) => a,
        Err(e) => return (Err(e), None),
    };
    if request.use_browser_cookies {
        for (from, header) in &answer.set_cookies {
            if let Err(e) = page.set_cookies(from, std::slice::from_ref(header)).await {
                return (
                    Err(StepError::msg(format!("keeping a cookie in the browser: {e}"))),
                    None,
                );
            }
        }
    }
    let output = answer.output();
    if let Err(e) = panoptic_http::check(request, &answer) {
        return (Err(e), Some(output));
    }
    match panoptic_http::saved(request, &answer) {
        Ok(kept) => {
            state.vars.extend(kept);
            (Ok(Outcome::Value(output)), None)
        }
        Err(e) => (Err(e), Some(output)),
    }
}
