//! Assertions: they retry until `timeouts.expect`.

use super::{NEEDS_SELECTOR, ON_ELEMENT, SELECTOR, TARGET};
use crate::config::action::{ActionKind, TextMatch};
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Args, Limit, Need};

const EQUALS: Field = Field::new("equals", Kind::Text, "Whole text equal (whitespace-trimmed)");
const CONTAINS: Field = Field::new("contains", Kind::Text, "Substring");
const MATCHES: Field = Field::new("matches", Kind::Text, "Regular expression");
const VALUE: Field = Field::new("value", Kind::Text, "Alias of `equals`");
const ONE_MATCH: Need = Need::One(&["equals", "contains", "matches", "value"]);
/// An element's text or value compared: its keys and key groups.
const ELEMENT_TEXT: &[Field] = &[SELECTOR, TARGET, EQUALS, CONTAINS, MATCHES, VALUE];
const ELEMENT_TEXT_NEEDS: &[Need] = &[Need::One(&["selector", "target"]), ONE_MATCH];

/// Reads an element assertion with a text match into the variant `make` builds.
fn element_text(a: &mut Args<'_, '_, '_>, make: fn(String, TextMatch) -> ActionKind) -> Option<ActionKind> {
    let selector = a.locator(true);
    let expect = a.text_match()?;
    Some(make(selector?, expect))
}

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec::new(
        "assert_visible",
        "Element is visible",
        Limit::Expect,
        "{ type: assert_visible, selector: '#a' }",
        |a| {
            Some(ActionKind::AssertVisible {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "assert_hidden",
        "Element is hidden or absent",
        Limit::Expect,
        "{ type: assert_hidden, selector: '#a' }",
        |a| {
            Some(ActionKind::AssertHidden {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "assert_text",
        "Element text equals, contains or matches",
        Limit::Expect,
        "{ type: assert_text, selector: '#a', contains: x }",
        |a| element_text(a, |selector, expect| ActionKind::AssertText { selector, expect }),
    )
    .keys(ELEMENT_TEXT, ELEMENT_TEXT_NEEDS),
    ActionSpec::new(
        "assert_value",
        "Input value equals, contains or matches",
        Limit::Expect,
        "{ type: assert_value, selector: '#a', equals: x }",
        |a| element_text(a, |selector, expect| ActionKind::AssertValue { selector, expect }),
    )
    .keys(ELEMENT_TEXT, ELEMENT_TEXT_NEEDS),
    ActionSpec::new(
        "assert_attribute",
        "Attribute value equals, contains or matches",
        Limit::Expect,
        "{ type: assert_attribute, selector: '#a', attribute: href, contains: x }",
        |a| {
            let selector = a.locator(true);
            let attribute = a.required(&["attribute"]);
            let expect = a.text_match()?;
            Some(ActionKind::AssertAttribute {
                selector: selector?,
                attribute: attribute?,
                expect,
            })
        },
    )
    .keys(
        &[
            SELECTOR,
            TARGET,
            Field::new("attribute", Kind::Text, "Attribute name"),
            EQUALS,
            CONTAINS,
            MATCHES,
            VALUE,
        ],
        &[Need::One(&["selector", "target"]), Need::One(&["attribute"]), ONE_MATCH],
    ),
    ActionSpec::new(
        "assert_count",
        "Number of matching elements",
        Limit::Expect,
        "{ type: assert_count, selector: li, count: 2 }",
        |a| {
            let selector = a.locator(true);
            a.present(&["count", "value"], "`assert_count` needs `count`", None)?;
            let count = a.int(&["count", "value"])?;
            Some(ActionKind::AssertCount {
                selector: selector?,
                count: count.unsigned_abs(),
            })
        },
    )
    .keys(
        &[
            SELECTOR,
            TARGET,
            Field::new("count", Kind::Int { min: 0, max: 1_000_000 }, "Expected count"),
            Field::new("value", Kind::Int { min: 0, max: 1_000_000 }, "Alias of `count`"),
        ],
        &[Need::One(&["selector", "target"]), Need::One(&["count", "value"])],
    ),
    ActionSpec::new(
        "assert_url",
        "Page URL contains `url`, or equals, contains or matches",
        Limit::Expect,
        "{ type: assert_url, contains: /x }",
        |a| {
            if a.has("url") {
                return Some(ActionKind::AssertUrl {
                    expect: TextMatch::Contains(a.text(&["url"])?),
                });
            }
            Some(ActionKind::AssertUrl {
                expect: a.text_match()?,
            })
        },
    )
    .keys(
        &[
            Field::new("url", Kind::Text, "Substring of the URL"),
            EQUALS,
            CONTAINS,
            MATCHES,
            VALUE,
        ],
        &[Need::One(&["url", "equals", "contains", "matches", "value"])],
    ),
    ActionSpec::new(
        "assert_title",
        "Page title equals, contains or matches",
        Limit::Expect,
        "{ type: assert_title, contains: x }",
        |a| {
            Some(ActionKind::AssertTitle {
                expect: a.text_match()?,
            })
        },
    )
    .keys(&[EQUALS, CONTAINS, MATCHES, VALUE], &[ONE_MATCH]),
    ActionSpec::new(
        "assert_no_errors",
        "No console errors, uncaught exceptions or failed requests so far",
        Limit::Expect,
        "{ type: assert_no_errors }",
        |_| Some(ActionKind::AssertNoErrors),
    ),
];
