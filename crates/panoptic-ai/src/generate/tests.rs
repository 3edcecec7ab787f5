//! Unit tests of the values generation types into fields and of the config it writes.

use super::*;

fn field(input_type: &str) -> Seen {
    Seen {
        tag: "input".into(),
        input_type: input_type.into(),
        ..Seen::default()
    }
}

#[test]
fn values_fit_the_type_and_the_limits() {
    let v = |s: &Seen| value_for(s, "textfield", "").unwrap();
    assert_eq!(v(&field("email")), "test@example.com");
    assert_eq!(v(&field("tel")), "+1 555 0100");
    assert_eq!(v(&field("url")), "https://example.com/");
    assert_eq!(v(&field("number")), "42");
    let aged = Seen {
        min: "18".into(),
        max: "120".into(),
        ..field("number")
    };
    assert_eq!(v(&aged), "18");
    let small = Seen {
        max: "5".into(),
        ..field("number")
    };
    assert_eq!(v(&small), "5");
    let recent = Seen {
        min: "2020-01-01".into(),
        ..field("date")
    };
    assert_eq!(v(&recent), "2020-01-01");
    assert_eq!(v(&field("date")), "2000-01-01");
    let short = Seen {
        maxlength: Some(4),
        ..field("password")
    };
    assert_eq!(v(&short), "Pass");
    let long = Seen {
        minlength: Some(20),
        ..field("password")
    };
    assert_eq!(v(&long).chars().count(), 20);
    // A text field's name says what it wants.
    let zip = Seen {
        name: "postal_code".into(),
        ..field("text")
    };
    assert_eq!(v(&zip), "12345");
    assert_eq!(
        value_for(&field("text"), "textfield", "Your e-mail"),
        Some("test@example.com".into())
    );
    assert_eq!(
        value_for(&field("text"), "textfield", "Full name"),
        Some("Jane Doe".into())
    );
    assert_eq!(
        value_for(&field(""), "textarea", "About"),
        Some("Hello from panoptic.".into())
    );
}

#[test]
fn only_other_pages_of_the_same_origin_are_followed() {
    let here = "http://127.0.0.1:8/a/page.html?x=1";
    assert_eq!(
        same_origin_target(here, "http://127.0.0.1:8/b.html#top"),
        Some("http://127.0.0.1:8/b.html".into())
    );
    assert_eq!(
        same_origin_target(here, "http://127.0.0.1:8/a/page.html?x=1#part"),
        None
    );
    assert_eq!(same_origin_target(here, "http://127.0.0.1:9/b.html"), None);
    assert_eq!(same_origin_target(here, "mailto:desk@example.com"), None);
    assert_eq!(same_origin_target(here, "javascript:void(0)"), None);
    assert_eq!(page_label(here), "page.html");
    assert_eq!(page_label("http://h/"), "home");
    assert_eq!(path_of(here), "/a/page.html?x=1");
}

#[test]
fn the_config_names_every_flow_once_and_lists_what_was_left_out() {
    let mut g = Generated::default();
    for _ in 0..3 {
        push(
            &mut g,
            2,
            "form.html",
            "fill and submit \"Go\"",
            "http://h/form.html",
            vec![ActionKind::Click { selector: "#go".into() }],
        );
    }
    g.skipped.push("http://h/: form 2: it has no submit button".into());
    assert_eq!(g.flows.len(), 2, "capped at max");
    assert_eq!(g.flows[1].name, "form.html: fill and submit \"Go\" (2)");
    let text = yaml("http://h/${x}", &g);
    assert!(
        text.contains("# not generated: http://h/: form 2: it has no submit button"),
        "{text}"
    );
    assert!(text.contains("name: \"Generated from http://h/${x}\""), "{text}");
    assert!(text.contains("      - { type: click, selector: \"#go\" }"), "{text}");
    assert_eq!(findings("http://h/", &g).findings.len(), 3);
}
