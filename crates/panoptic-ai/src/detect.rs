//! `smart_error_detection`: findings from the page's events (the browser's security reports
//! included) and from a look at its DOM
//! (`detect.js`, run on the document element in panoptic's isolated world, so the page's own
//! scripts cannot change what it sees). Each finding has an axe-style impact; those at
//! `fail_on` or worse are errors and fail the step. The same problem is reported once.

use std::collections::HashSet;

use panoptic_core::analyze::{AnalyzeError, Finding, Findings, Impact, Severity};
use panoptic_core::locator::Locator;
use panoptic_core::page::{Page, PageEvent, ResolveOpts};
use serde_json::Value;

const DOM_RULES: &str = concat!(
    "(html) => {\n",
    include_str!("prelude.js"),
    include_str!("detect.js"),
    "}"
);

/// Most findings one rule reports (a page with 10 000 unlabeled inputs says so 50 times).
const PER_RULE: usize = 50;

pub(crate) async fn run(page: &mut dyn Page, events: &[PageEvent], fail_on: Impact) -> Result<Findings, AnalyzeError> {
    let mut raw = from_events(events);
    let html = Locator::parse("html").map_err(AnalyzeError::Unsupported)?;
    let root = page.resolve(&html, ResolveOpts::default()).await?;
    if let Some(el) = root.first() {
        let found = page.call_on(el, DOM_RULES).await?;
        raw.extend(from_dom(&found));
    }
    Ok(settle(raw, fail_on))
}

/// One finding before its severity is set.
#[derive(Debug, PartialEq)]
pub(crate) struct Raw {
    pub(crate) rule: &'static str,
    pub(crate) impact: Impact,
    pub(crate) message: String,
    pub(crate) locator: Option<String>,
    pub(crate) recommendation: &'static str,
}

/// The page's own reports: exceptions, console errors, failed requests, 4xx/5xx responses.
pub(crate) fn from_events(events: &[PageEvent]) -> Vec<Raw> {
    let raw = |rule, impact, message, recommendation| Raw {
        rule,
        impact,
        message,
        locator: None,
        recommendation,
    };
    events
        .iter()
        .filter_map(|e| match e {
            PageEvent::Exception { text } => Some(raw(
                "uncaught_exception",
                Impact::Serious,
                format!("uncaught exception: {text}"),
                "catch the error or fix its cause; the page's script stopped there",
            )),
            PageEvent::Console { level, text } if level == "error" => Some(raw(
                "console_error",
                Impact::Moderate,
                format!("console error: {text}"),
                "find what logs it; console errors usually mean a failed operation",
            )),
            PageEvent::Security { text } if text.contains("Content Security Policy") => Some(raw(
                "csp_violation",
                Impact::Serious,
                format!("blocked by the page's Content Security Policy: {text}"),
                "allow the resource in the policy, or stop the page from using it",
            )),
            PageEvent::Security { text } if text.starts_with("Mixed Content") => Some(raw(
                "mixed_content",
                Impact::Serious,
                text.clone(),
                "load every resource of an https page over https",
            )),
            PageEvent::Security { text } => Some(raw(
                "security_issue",
                Impact::Moderate,
                format!("security: {text}"),
                "read Chromium's message: it says what the page did",
            )),
            // A request the page or a navigation cancelled is not a fault; one the browser
            // refused for CSP or mixed content is reported by its security report.
            PageEvent::RequestFailed { url, reason }
                if !reason.contains("ERR_ABORTED")
                    && !reason.ends_with("(csp)")
                    && !reason.ends_with("(mixed-content)") =>
            {
                Some(raw(
                    "request_failed",
                    Impact::Serious,
                    format!("request failed: {url} ({reason})"),
                    "check the URL and that its server answers",
                ))
            }
            PageEvent::Response { url, status } if *status >= 400 => Some(raw(
                "http_error",
                if *status >= 500 {
                    Impact::Serious
                } else {
                    Impact::Moderate
                },
                format!("HTTP {status}: {url}"),
                "the server answered with an error: fix the URL or the server",
            )),
            _ => None,
        })
        .collect()
}

/// The DOM rules' answer: `[{rule, impact, message, locator}]`; anything else is ignored.
pub(crate) fn from_dom(found: &Value) -> Vec<Raw> {
    found
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let (rule, recommendation) = dom_rule(f.get("rule")?.as_str()?)?;
            Some(Raw {
                rule,
                impact: Impact::from_name(f.get("impact")?.as_str()?)?,
                message: f.get("message")?.as_str()?.to_owned(),
                locator: f.get("locator").and_then(Value::as_str).map(str::to_owned),
                recommendation,
            })
        })
        .collect()
}

/// A DOM rule's id as a static name, with what to do about it.
fn dom_rule(id: &str) -> Option<(&'static str, &'static str)> {
    Some(match id {
        "broken_image" => ("broken_image", "the image did not load: fix its `src`"),
        "image_alt" => (
            "image_alt",
            "give the image an `alt` text (`alt=\"\"` if it is decoration)",
        ),
        "label" => (
            "label",
            "label the field: a `<label>`, `aria-label` or `aria-labelledby`",
        ),
        "button_name" => ("button_name", "give the button a text or an `aria-label`"),
        "link_name" => (
            "link_name",
            "give the link a text, an image with `alt`, or an `aria-label`",
        ),
        "color_contrast" => ("color_contrast", "raise the contrast to 4.5:1 (3:1 for large text)"),
        _ => return None,
    })
}

/// De-duplicated findings in the order found, each rule capped, with severities: `fail_on` or
/// worse is an error, the rest warnings.
pub(crate) fn settle(raw: Vec<Raw>, fail_on: Impact) -> Findings {
    let mut seen = HashSet::new();
    let mut per_rule: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut findings = Vec::new();
    for r in raw {
        if !seen.insert((r.rule, r.message.clone(), r.locator.clone())) {
            continue;
        }
        let n = per_rule.entry(r.rule).or_default();
        *n += 1;
        if *n > PER_RULE {
            continue;
        }
        findings.push(Finding {
            kind: r.rule.to_owned(),
            severity: if r.impact >= fail_on {
                Severity::Error
            } else {
                Severity::Warning
            },
            message: r.message,
            locator: r.locator,
            impact: Some(r.impact),
            recommendation: Some(r.recommendation.to_owned()),
        });
    }
    Findings {
        findings,
        ..Findings::default()
    }
}

#[cfg(test)]
mod tests;
