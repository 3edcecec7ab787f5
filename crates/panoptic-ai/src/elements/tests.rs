//! Unit tests of element kinds and locator candidates.

use super::*;

fn seen(tag: &str) -> Seen {
    Seen {
        tag: tag.into(),
        path: format!("html > body > {tag}"),
        ..Seen::default()
    }
}

fn ax(role: &str, name: &str) -> AxNode {
    AxNode {
        role: role.into(),
        name: name.into(),
        ignored: false,
    }
}

#[test]
fn kinds_come_from_the_tag_then_the_role() {
    let input = |t: &str| Seen {
        input_type: t.into(),
        ..seen("input")
    };
    assert_eq!(kind_of(&input("email"), &ax("textbox", "")), Some("textfield"));
    assert_eq!(kind_of(&input("checkbox"), &ax("checkbox", "")), Some("checkbox"));
    assert_eq!(kind_of(&input("submit"), &ax("button", "")), Some("button"));
    assert_eq!(kind_of(&input("file"), &ax("button", "")), Some("file"));
    assert_eq!(kind_of(&input("hidden"), &ax("", "")), None);
    assert_eq!(kind_of(&seen("img"), &ax("image", "Logo")), Some("image"));
    // An explicit role wins over the tag: a link styled and marked as a button is a button.
    let a = Seen {
        role: "button".into(),
        ..seen("a")
    };
    assert_eq!(kind_of(&a, &ax("button", "Go")), Some("button"));
    // A div only a script made clickable is a button; a plain div is nothing.
    let div = Seen {
        hinted: true,
        ..seen("div")
    };
    assert_eq!(kind_of(&div, &ax("generic", "")), Some("button"));
    assert_eq!(kind_of(&seen("div"), &ax("generic", "")), None);
    let editor = Seen {
        editable: true,
        ..seen("div")
    };
    assert_eq!(kind_of(&editor, &ax("textbox", "")), Some("textfield"));
}

#[test]
fn candidates_follow_codegen_order_and_end_with_the_css_path() {
    let s = Seen {
        testid: "save".into(),
        placeholder: "Name".into(),
        labels: "Full name".into(),
        title: "Saves".into(),
        id: "save-btn".into(),
        text: "Save".into(),
        ..seen("button")
    };
    assert_eq!(
        candidates(&s, &ax("button", "Save")),
        [
            "testid=save",
            "role=button[name=\"Save\"]",
            "placeholder=Name",
            "label=Full name",
            "text=\"Save\"",
            "[title=\"Saves\"]",
            "#save-btn",
            "html > body > button",
        ]
    );
}

#[test]
fn candidates_skip_what_a_locator_cannot_hold_and_carry_the_frame() {
    let s = Seen {
        text: "say \"hi\"".into(),
        alt: "a \"quoted\" alt".into(),
        id: "1st".into(),
        frame: "frame=#f >> ".into(),
        ..seen("a")
    };
    let c = candidates(&s, &ax("link", "say >> hi"));
    assert_eq!(
        c,
        [
            "frame=#f >> a[alt=\"a \\\"quoted\\\" alt\"]",
            "frame=#f >> [id=\"1st\"]",
            "frame=#f >> html > body > a",
        ]
    );
    // Roles the locator engine has no name for give no role candidate.
    assert_eq!(candidates(&seen("div"), &ax("generic", "x")), ["html > body > div"]);
    assert_eq!(
        candidates(&seen("img"), &ax("image", "Logo"))[0],
        "role=img[name=\"Logo\"]"
    );
}

#[test]
fn a_lone_id_is_not_a_structural_path() {
    assert!(!structural("#go"));
    assert!(structural("#form > button"));
    assert!(structural("html > body > div:nth-of-type(2)"));
    assert!(structural("#a:nth-of-type(2)"));
}
