//! Navigation: `navigate`, `reload`, `back`, `forward`.

use crate::config::action::ActionKind;
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Limit, Need};

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec::new(
        "navigate",
        "Open a URL (`url` or `value`), relative to the app url",
        Limit::Navigation,
        "{ type: navigate, url: /x }",
        |a| {
            Some(ActionKind::Navigate {
                url: a.required(&["url", "value"])?,
            })
        },
    )
    .keys(
        &[
            Field::new("url", Kind::Text, "Target URL"),
            Field::new("value", Kind::Text, "Alias of `url`"),
        ],
        &[Need::One(&["url", "value"])],
    ),
    ActionSpec::new(
        "reload",
        "Reload the page",
        Limit::Navigation,
        "{ type: reload }",
        |_| Some(ActionKind::Reload),
    ),
    ActionSpec::new("back", "History back", Limit::Navigation, "{ type: back }", |_| {
        Some(ActionKind::Back)
    }),
    ActionSpec::new(
        "forward",
        "History forward",
        Limit::Navigation,
        "{ type: forward }",
        |_| Some(ActionKind::Forward),
    ),
];

/// The `navigate` entry: the executor opens an app's url as this step.
pub(super) fn navigate() -> &'static ActionSpec {
    &SPECS[0]
}
