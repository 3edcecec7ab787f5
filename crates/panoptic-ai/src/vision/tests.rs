//! Unit tests of `vision_click`'s matching.

use panoptic_core::analyze::DetectedElement;
use panoptic_core::page::ElementInfo;

use super::*;
use crate::elements::Seen;

fn found(kind: &str, name: &str, seen: Seen) -> Found {
    Found {
        element: DetectedElement {
            number: 1,
            kind: kind.into(),
            role: String::new(),
            name: name.into(),
            locator: format!("text={name}"),
            candidates: Vec::new(),
            css_fallback: false,
            bbox: [0.0; 4],
            enabled: true,
        },
        seen,
        info: ElementInfo::default(),
    }
}

#[test]
fn similarity_prefers_the_same_text_then_containment_then_edits() {
    assert_eq!(similarity("sign in", "sign in"), 1.0);
    let contains = similarity("sign in now", "sign in");
    let inside = similarity("sign", "sign in");
    let typo = similarity("sing in", "sign in");
    assert!(contains > 0.8 && contains < 1.0, "{contains}");
    assert!(inside > 0.6 && inside < contains, "{inside}");
    assert!(typo > 0.7, "{typo}");
    assert!(similarity("delete account", "sign in") < 0.5);
    assert_eq!(similarity("", "x"), 0.0);
}

#[test]
fn rank_filters_by_kind_and_orders_by_match() {
    let page = [
        found("link", "Sign in", Seen::default()),
        found("button", "Sign up", Seen::default()),
        found("button", "Sign in", Seen::default()),
        found(
            "textarea",
            "",
            Seen {
                placeholder: "Your message".into(),
                ..Seen::default()
            },
        ),
    ];
    let r = rank(&page, Some("button"), Some("sign  IN"));
    assert_eq!(r[0], (2, 1.0));
    assert_eq!(r.len(), 2, "only buttons: {r:?}");
    // A text field may have several lines; the placeholder is what it says.
    let r = rank(&page, Some("textfield"), Some("message"));
    assert_eq!(r[0].0, 3);
    assert!(r[0].1 > 0.7, "{r:?}");
    // No text: every element of the kind, in document order.
    assert_eq!(rank(&page, Some("link"), None), [(0, 1.0)]);
}

#[test]
fn nearby_text_counts_less_than_a_label() {
    let labelled = found(
        "textfield",
        "Email",
        Seen {
            labels: "Email".into(),
            ..Seen::default()
        },
    );
    let near = found(
        "textfield",
        "",
        Seen {
            near: "Email".into(),
            ..Seen::default()
        },
    );
    assert!(score(&labelled, "email") > score(&near, "email"));
}
