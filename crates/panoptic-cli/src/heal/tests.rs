//! The patch replaces the old locator as a whole scalar, in each YAML quoting.

use super::replace;

#[test]
fn a_locator_is_replaced_as_a_whole_scalar_in_each_quoting() {
    let to = "role=button[name=\"Save\"]";
    let want = "  - { type: click, selector: \"role=button[name=\\\"Save\\\"]\" }";
    assert_eq!(
        replace("  - { type: click, selector: \"#save\" }", "#save", to).as_deref(),
        Some(want)
    );
    assert_eq!(
        replace("  - { type: click, selector: '#save' }", "#save", to).as_deref(),
        Some(want)
    );
    assert_eq!(
        replace("  - { type: click, selector: #save }", "#save", to).as_deref(),
        Some(want)
    );
    assert_eq!(
        replace("    selector: .it's", ".it's", "#x").as_deref(),
        Some("    selector: \"#x\"")
    );
    assert_eq!(
        replace("    selector: 'it''s'", "it's", "#x").as_deref(),
        Some("    selector: \"#x\"")
    );
    // A longer locator that starts the same is another locator.
    assert_eq!(replace("  - { type: click, selector: #save-all }", "#save", to), None);
    assert_eq!(replace("  - { type: fill, selector: a, value: b }", "#save", to), None);
}
