//! Unit tests of healing's scores: what may stand for an element, and what may not.

use super::*;

fn fp(tag: &str, id: &str, classes: &[&str], text: &str, role: &str, path: &[&str]) -> Fingerprint {
    Fingerprint {
        tag: tag.into(),
        id: id.into(),
        classes: classes.iter().map(|c| c.to_string()).collect(),
        attrs: vec!["type=button".into()],
        text: text.into(),
        role: role.into(),
        name: text.into(),
        path: path.iter().map(|p| p.to_string()).collect(),
        bbox: [10, 10, 80, 20],
    }
}

const PATH: &[&str] = &["html", "body", "div"];

#[test]
fn a_renamed_or_moved_element_outscores_its_look_alikes() {
    let was = fp("button", "save", &["primary", "btn"], "Save", "button", PATH);
    let renamed = fp(
        "button",
        "btn-17",
        &["x1"],
        "Save",
        "button",
        &["html", "body", "div", "span"],
    );
    let look_alike = fp("button", "", &["btn"], "Save as", "button", PATH);
    let other = fp("button", "cancel", &["btn"], "Cancel", "button", PATH);
    let s = score(&was, &renamed).unwrap();
    assert!(s >= 0.7, "{s}");
    assert!(score(&was, &look_alike).unwrap() < 0.7);
    assert_eq!(score(&was, &other), None, "another name is another purpose");
    assert_eq!(best(&was, &[look_alike.clone(), renamed.clone(), other]), Some((1, s)));
    assert_eq!(score(&was, &was), Some(1.0));
}

#[test]
fn another_role_or_input_type_never_matches() {
    let was = fp("button", "save", &[], "Save", "button", PATH);
    let link = fp("a", "save", &[], "Save", "link", PATH);
    assert_eq!(score(&was, &link), None);
    let mut email = fp("input", "e", &[], "", "textbox", PATH);
    email.attrs = vec!["type=email".into()];
    let mut number = email.clone();
    number.attrs = vec!["type=number".into()];
    assert_eq!(score(&email, &number), None);
    assert!(score(&email, &email).is_some());
}

#[test]
fn paths_and_sets_compare_by_what_they_share() {
    let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(path_similarity(&p(&["a", "b", "c"]), &p(&["a", "b", "c"])), 1.0);
    assert_eq!(path_similarity(&p(&["a", "b", "c"]), &p(&["a", "x", "b", "c"])), 0.75);
    assert_eq!(path_similarity(&[], &[]), 1.0);
    assert_eq!(jaccard(&p(&["a", "b"]), &p(&["b", "c"])), 1.0 / 3.0);
    assert_eq!(jaccard(&[], &[]), 1.0);
}

#[test]
fn the_new_locator_prefers_test_ids_and_roles_and_keeps_the_frame() {
    let mut f = fp("button", "save-2", &[], "Save", "button", PATH);
    f.attrs.push("data-testid=save".into());
    let place = Place {
        frame: "frame=#f >> ".into(),
        path: "html > body > button".into(),
    };
    assert_eq!(
        locators(&f, &place),
        [
            "frame=#f >> testid=save",
            "frame=#f >> role=button[name=\"Save\"]",
            "frame=#f >> text=\"Save\"",
            "frame=#f >> #save-2",
            "frame=#f >> html > body > button",
        ]
    );
}
