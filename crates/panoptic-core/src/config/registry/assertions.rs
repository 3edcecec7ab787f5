//! Assertions: they retry until `timeouts.expect`.

use super::{NEEDS_SELECTOR, SELECTOR, TARGET};
use crate::config::action::{ActionKind, TextMatch};
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Args, Limit, Need, Runner};

const EQUALS: Field = Field::new("equals", Kind::Text, "Whole text equal (whitespace-trimmed)");
const CONTAINS: Field = Field::new("contains", Kind::Text, "Substring");
const MATCHES: Field = Field::new("matches", Kind::Text, "Regular expression");
const VALUE: Field = Field::new("value", Kind::Text, "Alias of `equals`");
const ONE_MATCH: Need = Need::One(&["equals", "contains", "matches", "value"]);

const fn assertion(
    name: &'static str,
    doc: &'static str,
    fields: &'static [Field],
    needs: &'static [Need],
    decode: fn(&mut Args<'_, '_, '_>) -> Option<ActionKind>,
    example: &'static str,
) -> ActionSpec {
    ActionSpec {
        name,
        doc,
        runner: Runner::Page,
        limit: Limit::Expect,
        fields,
        needs,
        example,
        decode,
    }
}

pub(super) static SPECS: &[ActionSpec] = &[
    assertion(
        "assert_visible",
        "Element is visible",
        &[SELECTOR, TARGET],
        NEEDS_SELECTOR,
        |a| {
            Some(ActionKind::AssertVisible {
                selector: a.locator(true)?,
            })
        },
        "{ type: assert_visible, selector: '#a' }",
    ),
    assertion(
        "assert_hidden",
        "Element is hidden or absent",
        &[SELECTOR, TARGET],
        NEEDS_SELECTOR,
        |a| {
            Some(ActionKind::AssertHidden {
                selector: a.locator(true)?,
            })
        },
        "{ type: assert_hidden, selector: '#a' }",
    ),
    assertion(
        "assert_text",
        "Element text equals, contains or matches",
        &[SELECTOR, TARGET, EQUALS, CONTAINS, MATCHES, VALUE],
        &[Need::One(&["selector", "target"]), ONE_MATCH],
        |a| {
            let selector = a.locator(true);
            let expect = a.text_match()?;
            Some(ActionKind::AssertText {
                selector: selector?,
                expect,
            })
        },
        "{ type: assert_text, selector: '#a', contains: x }",
    ),
    assertion(
        "assert_value",
        "Input value equals, contains or matches",
        &[SELECTOR, TARGET, EQUALS, CONTAINS, MATCHES, VALUE],
        &[Need::One(&["selector", "target"]), ONE_MATCH],
        |a| {
            let selector = a.locator(true);
            let expect = a.text_match()?;
            Some(ActionKind::AssertValue {
                selector: selector?,
                expect,
            })
        },
        "{ type: assert_value, selector: '#a', equals: x }",
    ),
    assertion(
        "assert_attribute",
        "Attribute value equals, contains or matches",
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
        "{ type: assert_attribute, selector: '#a', attribute: href, contains: x }",
    ),
    assertion(
        "assert_count",
        "Number of matching elements",
        &[
            SELECTOR,
            TARGET,
            Field::new("count", Kind::Int { min: 0, max: 1_000_000 }, "Expected count"),
            Field::new("value", Kind::Int { min: 0, max: 1_000_000 }, "Alias of `count`"),
        ],
        &[Need::One(&["selector", "target"]), Need::One(&["count", "value"])],
        |a| {
            let selector = a.locator(true);
            if !a.has("count") && !a.has("value") {
                a.missing("`assert_count` needs `count`".into(), None);
                return None;
            }
            let count = a.int(&["count", "value"])?;
            Some(ActionKind::AssertCount {
                selector: selector?,
                count: count.unsigned_abs(),
            })
        },
        "{ type: assert_count, selector: li, count: 2 }",
    ),
    assertion(
        "assert_url",
        "Page URL contains `url`, or equals, contains or matches",
        &[
            Field::new("url", Kind::Text, "Substring of the URL"),
            EQUALS,
            CONTAINS,
            MATCHES,
            VALUE,
        ],
        &[Need::One(&["url", "equals", "contains", "matches", "value"])],
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
        "{ type: assert_url, contains: /x }",
    ),
    assertion(
        "assert_title",
        "Page title equals, contains or matches",
        &[EQUALS, CONTAINS, MATCHES, VALUE],
        &[ONE_MATCH],
        |a| {
            Some(ActionKind::AssertTitle {
                expect: a.text_match()?,
            })
        },
        "{ type: assert_title, contains: x }",
    ),
    assertion(
        "assert_no_errors",
        "No console errors, uncaught exceptions or failed requests so far",
        &[],
        &[],
        |_| Some(ActionKind::AssertNoErrors),
        "{ type: assert_no_errors }",
    ),
];
