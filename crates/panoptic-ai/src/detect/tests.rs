//! The rules over events, the DOM answer's parsing, de-duplication and severities.

use panoptic_core::analyze::{Impact, Severity};
use panoptic_core::page::PageEvent;
use serde_json::json;

use super::{from_dom, from_events, settle};

fn events() -> Vec<PageEvent> {
    vec![
        PageEvent::Exception {
            text: "TypeError: x is undefined".into(),
        },
        PageEvent::Console {
            level: "error".into(),
            text: "cart failed".into(),
        },
        PageEvent::Console {
            level: "warning".into(),
            text: "deprecated".into(),
        },
        PageEvent::Security {
            text: "Refused to load manifest from 'http://h/m.json' because it violates the following Content Security Policy directive: \"manifest-src 'none'\".".into(),
        },
        PageEvent::Security { text: "Mixed Content: The page at 'https://h/' was loaded over HTTPS, but requested an insecure image 'http://h/a.png'.".into() },
        PageEvent::Security { text: "something new".into() },
        PageEvent::RequestFailed {
            url: "http://h/api".into(),
            reason: "net::ERR_CONNECTION_REFUSED".into(),
        },
        PageEvent::RequestFailed {
            url: "http://h/old".into(),
            reason: "net::ERR_ABORTED".into(),
        },
        PageEvent::Response {
            url: "http://h/missing.css".into(),
            status: 404,
        },
        PageEvent::Response {
            url: "http://h/api/cart".into(),
            status: 503,
        },
        PageEvent::Response {
            url: "http://h/".into(),
            status: 200,
        },
        PageEvent::Dialog {
            kind: "alert".into(),
            message: "hi".into(),
            accepted: true,
        },
    ]
}

#[test]
fn events_become_one_finding_each_without_cancellations() {
    let raw = from_events(&events());
    let got: Vec<(&str, Impact, &str)> = raw.iter().map(|r| (r.rule, r.impact, r.message.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "uncaught_exception",
                Impact::Serious,
                "uncaught exception: TypeError: x is undefined"
            ),
            ("console_error", Impact::Moderate, "console error: cart failed"),
            (
                "csp_violation",
                Impact::Serious,
                "blocked by the page's Content Security Policy: Refused to load manifest from 'http://h/m.json' because it violates the following Content Security Policy directive: \"manifest-src 'none'\"."
            ),
            (
                "mixed_content",
                Impact::Serious,
                "Mixed Content: The page at 'https://h/' was loaded over HTTPS, but requested an insecure image 'http://h/a.png'."
            ),
            ("security_issue", Impact::Moderate, "security: something new"),
            (
                "request_failed",
                Impact::Serious,
                "request failed: http://h/api (net::ERR_CONNECTION_REFUSED)"
            ),
            ("http_error", Impact::Moderate, "HTTP 404: http://h/missing.css"),
            ("http_error", Impact::Serious, "HTTP 503: http://h/api/cart"),
        ]
    );
}

#[test]
fn fail_on_sets_which_findings_are_errors() {
    let count = |fail_on| {
        settle(from_events(&events()), fail_on)
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    };
    assert_eq!(count(Impact::Minor), 8);
    assert_eq!(count(Impact::Moderate), 8);
    assert_eq!(count(Impact::Serious), 5);
    assert_eq!(count(Impact::Critical), 0);
    let f = &settle(from_events(&events()), Impact::Critical).findings[0];
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.impact, Some(Impact::Serious));
    assert!(f.recommendation.as_deref().is_some_and(|r| !r.is_empty()));
}

#[test]
fn the_dom_answer_is_read_strictly_and_repeats_are_dropped_and_capped() {
    let answer = json!([
        { "rule": "image_alt", "impact": "critical", "message": "image has no alt text: <img>", "locator": "#logo" },
        { "rule": "image_alt", "impact": "critical", "message": "image has no alt text: <img>", "locator": "#logo" },
        { "rule": "made_up", "impact": "critical", "message": "x", "locator": "#x" },
        { "rule": "label", "impact": "enormous", "message": "x", "locator": "#y" },
        { "rule": "link_name", "impact": "serious", "message": "link has no name: <a>" },
        "not an object",
    ]);
    let raw = from_dom(&answer);
    assert_eq!(raw.len(), 3, "{raw:?}");
    let findings = settle(raw, Impact::Serious).findings;
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0].locator.as_deref(), Some("#logo"));
    assert_eq!(findings[1].locator, None);
    assert!(from_dom(&json!({ "rule": "label" })).is_empty());
    let many: Vec<_> = (0..120)
        .map(|i| json!({ "rule": "label", "impact": "critical", "message": "field has no label", "locator": format!("#f{i}") }))
        .collect();
    assert_eq!(settle(from_dom(&json!(many)), Impact::Serious).findings.len(), 50);
}
