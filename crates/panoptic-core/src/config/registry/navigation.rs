//! Navigation: `navigate`, `reload`, `back`, `forward`.

use crate::config::action::ActionKind;
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Limit, Need, Runner};

const fn plain(
    name: &'static str,
    doc: &'static str,
    decode: fn(&mut crate::config::Args<'_, '_, '_>) -> Option<ActionKind>,
    example: &'static str,
) -> ActionSpec {
    ActionSpec {
        name,
        doc,
        runner: Runner::Page,
        limit: Limit::Navigation,
        fields: &[],
        needs: &[],
        example,
        decode,
    }
}

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec {
        name: "navigate",
        doc: "Open a URL (`url` or `value`), relative to the app url",
        runner: Runner::Page,
        limit: Limit::Navigation,
        fields: &[
            Field::new("url", Kind::Text, "Target URL"),
            Field::new("value", Kind::Text, "Alias of `url`"),
        ],
        needs: &[Need::One(&["url", "value"])],
        example: "{ type: navigate, url: /x }",
        decode: |a| {
            Some(ActionKind::Navigate {
                url: a.required(&["url", "value"])?,
            })
        },
    },
    plain(
        "reload",
        "Reload the page",
        |_| Some(ActionKind::Reload),
        "{ type: reload }",
    ),
    plain("back", "History back", |_| Some(ActionKind::Back), "{ type: back }"),
    plain(
        "forward",
        "History forward",
        |_| Some(ActionKind::Forward),
        "{ type: forward }",
    ),
];

/// The `navigate` entry: the executor opens an app's url as this step.
pub(super) fn navigate() -> &'static ActionSpec {
    &SPECS[0]
}
