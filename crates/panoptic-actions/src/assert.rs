//! Assertions: checked once, retried with backoff until `timeouts.expect`; and
//! `assert_no_errors` over what the page reported.

use std::time::Duration;

use panoptic_core::config::{ActionKind, TextMatch};
use panoptic_core::locator::Locator;
use panoptic_core::page::{Page, PageError, PageEvent, ResolveOpts};
use panoptic_core::results::{StepError, bounded};
use tokio::time::Instant;

use crate::auto_wait::{Backoff, backoff, fmt_ms};
use crate::ctx::{Ctx, collect_events, page_err};

/// Result of checking an assertion once.
enum Check {
    Pass,
    Fail { expected: String, actual: String },
}

/// Text and titles compare whitespace-normalised; values, attributes and URLs verbatim.
fn text_check(m: &TextMatch, what: &str, actual: Option<&str>) -> Check {
    let normalised = matches!(what, "text" | "title");
    match actual {
        Some(a)
            if (if normalised {
                m.is_match(a)
            } else {
                m.is_match_verbatim(a)
            }) =>
        {
            Check::Pass
        }
        Some(a) => Check::Fail {
            expected: format!("{what} {}", m.describe()),
            actual: a.to_owned(),
        },
        None => Check::Fail {
            expected: format!("{what} {}", m.describe()),
            actual: "no element matches".into(),
        },
    }
}

async fn check_once(page: &mut dyn Page, kind: &ActionKind, strict: bool) -> Result<Check, PageError> {
    // The element an assertion looks at; under strict locators, several are an error at once
    // (`assert_count` counts them all and is never strict).
    let pick = |l: &Locator, found: Vec<panoptic_core::page::ElementInfo>| {
        if strict && found.len() > 1 {
            return Err(PageError::Invalid(
                crate::auto_wait::strict_violation(l, &found).message,
            ));
        }
        Ok(found.into_iter().next())
    };
    Ok(match kind {
        ActionKind::AssertVisible { selector } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match pick(&l, page.resolve(&l, ResolveOpts::default()).await?)? {
                Some(e) if e.visible => Check::Pass,
                Some(_) => Check::Fail {
                    expected: "visible".into(),
                    actual: "attached but hidden".into(),
                },
                None => Check::Fail {
                    expected: "visible".into(),
                    actual: "no element matches".into(),
                },
            }
        }
        ActionKind::AssertHidden { selector } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match pick(&l, page.resolve(&l, ResolveOpts::default()).await?)? {
                Some(e) if e.visible => Check::Fail {
                    expected: "hidden or absent".into(),
                    actual: "visible".into(),
                },
                _ => Check::Pass,
            }
        }
        ActionKind::AssertText { selector, expect } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            let el = pick(&l, page.resolve(&l, ResolveOpts::default()).await?)?;
            text_check(expect, "text", el.as_ref().map(|e| e.text.as_str()))
        }
        ActionKind::AssertValue { selector, expect } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match pick(&l, page.resolve(&l, ResolveOpts::default()).await?)? {
                Some(e) => match &e.value {
                    Some(v) => text_check(expect, "value", Some(v)),
                    None => Check::Fail {
                        expected: format!("value {}", expect.describe()),
                        actual: format!("<{}> has no value", e.tag),
                    },
                },
                None => text_check(expect, "value", None),
            }
        }
        ActionKind::AssertAttribute {
            selector,
            attribute,
            expect,
        } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match pick(&l, page.resolve(&l, ResolveOpts::default()).await?)? {
                Some(e) => {
                    let name = serde_json::to_string(attribute).unwrap_or_default();
                    let v = page.call_on(&e, &format!("el => el.getAttribute({name})")).await?;
                    match v.as_str() {
                        Some(a) => text_check(expect, &format!("attribute {attribute}"), Some(a)),
                        None => Check::Fail {
                            expected: format!("attribute {attribute} {}", expect.describe()),
                            actual: format!("no attribute {attribute}"),
                        },
                    }
                }
                None => text_check(expect, &format!("attribute {attribute}"), None),
            }
        }
        ActionKind::AssertCount { selector, count } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            let n = page.resolve(&l, ResolveOpts::default()).await?.len() as u64;
            if n == *count {
                Check::Pass
            } else {
                Check::Fail {
                    expected: format!("{count} element(s)"),
                    actual: format!("{n} element(s)"),
                }
            }
        }
        ActionKind::AssertUrl { expect } => text_check(expect, "URL", Some(&page.url().await?)),
        ActionKind::AssertTitle { expect } => text_check(expect, "title", Some(&page.title().await?)),
        _ => Check::Fail {
            expected: "an assertion".into(),
            actual: "another action".into(),
        },
    })
}

fn assertion_locator(kind: &ActionKind) -> Option<String> {
    match kind {
        ActionKind::AssertVisible { selector }
        | ActionKind::AssertHidden { selector }
        | ActionKind::AssertText { selector, .. }
        | ActionKind::AssertValue { selector, .. }
        | ActionKind::AssertAttribute { selector, .. }
        | ActionKind::AssertCount { selector, .. } => Some(selector.clone()),
        _ => None,
    }
}

/// Retries an assertion until it passes or the expect timeout ends.
pub(crate) async fn assert_until(ctx: &mut Ctx<'_>, type_name: &str, kind: &ActionKind) -> Result<(), StepError> {
    let deadline = Instant::now() + ctx.timeout;
    let mut last = (String::new(), String::new());
    let mut wait = Backoff::default();
    loop {
        match check_once(ctx.page, kind, ctx.strict).await {
            Ok(Check::Pass) => return Ok(()),
            Ok(Check::Fail { expected, actual }) => last = (expected, actual),
            Err(PageError::Detached) => {}
            Err(e @ (PageError::Invalid(_) | PageError::Closed(_))) => return Err(page_err(e)),
            Err(e) => last.1 = e.to_string(),
        }
        if Instant::now() >= deadline {
            break;
        }
        wait.wait(&mut *ctx.page, deadline).await;
    }
    let target = assertion_locator(kind)
        .map(|l| format!(" of `{l}`"))
        .unwrap_or_default();
    Err(StepError {
        message: format!(
            "{}{target} failed after {}: expected {}, got {:?}",
            type_name,
            fmt_ms(ctx.timeout),
            last.0,
            last.1
        ),
        locator: assertion_locator(kind),
        expected: Some(last.0),
        actual: Some(last.1),
    })
}

/// The page sent exactly `count` requests that `m` matches (`re` its URL pattern), waiting
/// until `timeouts.expect` for requests still to come (or, for too many, for nothing).
pub(crate) async fn assert_requests(
    ctx: &mut Ctx<'_>,
    m: &panoptic_core::config::net::RequestMatch,
    re: &regex::Regex,
    count: u64,
) -> Result<(), StepError> {
    let deadline = Instant::now() + ctx.timeout;
    let mut seen = Vec::new();
    for n in 0.. {
        seen = crate::net::matching(&*ctx.page, m, re);
        if seen.len() as u64 == count || Instant::now() >= deadline {
            break;
        }
        backoff(n, deadline).await;
    }
    if seen.len() as u64 == count {
        return Ok(());
    }
    let what = match &m.method {
        Some(method) => format!("{method} {}", m.url),
        None => m.url.clone(),
    };
    let mut listed: Vec<String> = seen.iter().take(10).cloned().collect();
    if seen.len() > 10 {
        listed.push(format!("… {} more", seen.len() - 10));
    }
    Err(StepError {
        message: format!(
            "assert_requests failed after {}: expected {count} request(s) matching `{what}`, got {}{}",
            fmt_ms(ctx.timeout),
            seen.len(),
            if listed.is_empty() {
                String::new()
            } else {
                format!(": {}", listed.join(", "))
            }
        ),
        expected: Some(format!("{count} request(s)")),
        actual: Some(format!("{} request(s)", seen.len())),
        ..StepError::default()
    })
}

/// No console errors, exceptions or failed requests so far. Requests in flight may finish
/// first (bounded by the step's timeout, at most 2 s), so their failures count.
pub(crate) async fn assert_no_errors(ctx: &mut Ctx<'_>) -> Result<(), StepError> {
    let settle = Instant::now() + ctx.timeout.min(Duration::from_secs(2));
    while Instant::now() < settle && ctx.page.pending_requests().await.map_err(page_err)? > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    collect_events(ctx);
    let errors: Vec<String> = ctx.events.iter().filter_map(PageEvent::error_text).collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(StepError {
        message: format!("the page reported {} error(s)", errors.len()),
        expected: Some("no console errors, exceptions or failed requests".into()),
        actual: Some(summary(errors)),
        locator: None,
    })
}

/// Errors shown in a failed `assert_no_errors`: the first ones, each cut to a readable length,
/// and a count of the rest — a page that logs without end cannot blow up the results (15 MB of
/// console errors made a 30 MB results.json).
fn summary(errors: Vec<String>) -> String {
    let (mut lines, more) = bounded(errors, 20, 500, |t| t);
    if more > 0 {
        lines.push(format!("… and {more} more"));
    }
    lines.join("\n")
}
