//! Interaction and waiting: pointer, keyboard, form and dialog actions, and `wait`.

use super::{NEEDS_SELECTOR, ON_ELEMENT, OPTIONAL_SELECTOR, SELECTOR, TARGET};
use crate::config::action::{ActionKind, SelectBy, WaitFor, WaitState};
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Args, Limit, Need};

const PIXELS: Kind = Kind::Int {
    min: -1_000_000,
    max: 1_000_000,
};
const SCROLL_BY: &[Field] = &[
    Field::new("x", PIXELS, "Horizontal pixels"),
    Field::new("y", PIXELS, "Vertical pixels"),
];
const SCROLL_KEYS: &[Field] = &[
    SELECTOR,
    TARGET,
    SCROLL_BY[0],
    SCROLL_BY[1],
    Field::new("parameters", Kind::Map(SCROLL_BY), "`x` and `y`, the Go tool's way"),
];
const WAIT_STATES: &[&str] = &["visible", "hidden", "attached", "detached"];
const WAIT_FORMS: &[&str] = &["wait_time", "duration", "selector", "target", "url", "network_idle"];

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec::new(
        "click",
        "Click an element (`selector` or `target`)",
        Limit::Action,
        "{ type: click, selector: '#a' }",
        |a| {
            Some(ActionKind::Click {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "dblclick",
        "Double-click an element",
        Limit::Action,
        "{ type: dblclick, selector: '#a' }",
        |a| {
            Some(ActionKind::Dblclick {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "fill",
        "Replace the text of an input",
        Limit::Action,
        "{ type: fill, selector: '#a', value: x }",
        |a| {
            let selector = a.locator(true);
            a.present(
                &["value"],
                "`fill` needs a `value`",
                Some("use `value: \"\"` to empty the field, or the `clear` action"),
            )?;
            let value = a.text(&["value"])?;
            Some(ActionKind::Fill {
                selector: selector?,
                value,
            })
        },
    )
    .keys(
        &[SELECTOR, TARGET, Field::new("value", Kind::Text, "Text to type")],
        &[Need::One(&["selector", "target"]), Need::One(&["value"])],
    ),
    ActionSpec::new(
        "clear",
        "Empty an input",
        Limit::Action,
        "{ type: clear, selector: '#a' }",
        |a| {
            Some(ActionKind::Clear {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "press",
        "Press a key or chord (`Enter`, `Control+A`), on an element or the focused one",
        Limit::Action,
        "{ type: press, key: Enter }",
        |a| {
            let selector = a.locator(false);
            let key = a.required(&["key", "value"])?;
            Some(ActionKind::Press { selector, key })
        },
    )
    .keys(
        &[
            SELECTOR,
            TARGET,
            Field::new("key", Kind::Text, "Key or chord"),
            Field::new("value", Kind::Text, "Alias of `key`"),
        ],
        &[OPTIONAL_SELECTOR, Need::One(&["key", "value"])],
    ),
    ActionSpec::new(
        "hover",
        "Move the mouse over an element",
        Limit::Action,
        "{ type: hover, selector: '#a' }",
        |a| {
            Some(ActionKind::Hover {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "select",
        "Choose an option of a `<select>` by `value` or `label`",
        Limit::Action,
        "{ type: select, selector: '#a', value: x }",
        |a| {
            let selector = a.locator(true);
            let by = if a.has("label") {
                SelectBy::Label(a.text(&["label"])?)
            } else if a.has("value") {
                SelectBy::Value(a.text(&["value"])?)
            } else {
                a.missing("`select` needs `value` or `label`".into(), None);
                return None;
            };
            Some(ActionKind::Select {
                selector: selector?,
                by,
            })
        },
    )
    .keys(
        &[
            SELECTOR,
            TARGET,
            Field::new("value", Kind::Text, "Option value"),
            Field::new("label", Kind::Text, "Option label"),
        ],
        &[Need::One(&["selector", "target"]), Need::One(&["value", "label"])],
    ),
    ActionSpec::new(
        "check",
        "Tick a checkbox or radio",
        Limit::Action,
        "{ type: check, selector: '#a' }",
        |a| {
            Some(ActionKind::Check {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "uncheck",
        "Untick a checkbox",
        Limit::Action,
        "{ type: uncheck, selector: '#a' }",
        |a| {
            Some(ActionKind::Uncheck {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "submit",
        "Submit the form of an element",
        Limit::Action,
        "{ type: submit, selector: '#a' }",
        |a| {
            Some(ActionKind::Submit {
                selector: a.locator(true)?,
            })
        },
    )
    .keys(ON_ELEMENT, NEEDS_SELECTOR),
    ActionSpec::new(
        "scroll",
        "Scroll an element into view, or the page by `x`/`y` pixels",
        Limit::Action,
        "{ type: scroll, y: 200 }",
        |a| {
            let selector = a.locator(false);
            let x = a.int(&["x"]).unwrap_or(0);
            let y = a.int(&["y"]).unwrap_or(0);
            if selector.is_none() && x == 0 && y == 0 {
                a.missing("`scroll` needs a `selector` or `x`/`y` pixels".into(), None);
            }
            Some(ActionKind::Scroll { selector, x, y })
        },
    )
    .keys(SCROLL_KEYS, &[OPTIONAL_SELECTOR]),
    ActionSpec::new(
        "upload",
        "Set files of a file input (only from `allow.file_upload_roots`)",
        Limit::Action,
        "{ type: upload, selector: '#f', files: [a.txt] }",
        |a| {
            let selector = a.locator(true);
            a.present(&["files", "value"], "`upload` needs `files`", None)?;
            let files = a.list(&["files", "value"])?;
            Some(ActionKind::Upload {
                selector: selector?,
                files,
            })
        },
    )
    .keys(
        &[
            SELECTOR,
            TARGET,
            Field::new("files", Kind::TextList, "Paths"),
            Field::new("value", Kind::TextList, "Alias of `files`"),
        ],
        &[Need::One(&["selector", "target"]), Need::One(&["files", "value"])],
    ),
    ActionSpec::new(
        "dialog",
        "Accept or dismiss the next dialog",
        Limit::Action,
        "{ type: dialog, accept: false }",
        |a| {
            let accept = if a.has("accept") {
                a.flag("accept")?
            } else if a.has("value") {
                a.choice("value")? == "accept"
            } else {
                true
            };
            let prompt_text = a.text(&["prompt_text"]);
            Some(ActionKind::Dialog { accept, prompt_text })
        },
    )
    .keys(
        &[
            Field::new("accept", Kind::Bool, "Accept (true) or dismiss"),
            Field::new("value", Kind::Choice(&["accept", "dismiss"]), "`accept` or `dismiss`"),
            Field::new("prompt_text", Kind::Text, "Text for a `prompt()`"),
        ],
        &[Need::AtMostOne(&["accept", "value"])],
    ),
    ActionSpec::new(
        "wait",
        "Wait for time (`wait_time`), an element state, a URL or network idle",
        Limit::Action,
        "{ type: wait, wait_time: 1 }",
        decode_wait,
    )
    .keys(
        &[
            Field::new("wait_time", Kind::Duration, "A fixed time"),
            Field::new("duration", Kind::Duration, "Alias of `wait_time`"),
            SELECTOR,
            TARGET,
            Field::new(
                "state",
                Kind::Choice(WAIT_STATES),
                "Element state to wait for (default visible)",
            ),
            Field::new("url", Kind::Text, "URL substring, or a `*` glob"),
            Field::new("network_idle", Kind::Bool, "No request in flight for 500 ms"),
        ],
        &[Need::One(WAIT_FORMS)],
    ),
];

fn decode_wait(a: &mut Args<'_, '_, '_>) -> Option<ActionKind> {
    let forms: Vec<&str> = WAIT_FORMS.iter().copied().filter(|k| a.has(k)).collect();
    let hint = Some("use one of `wait_time: 2`, `selector: …` (+ `state`), `url: …`, `network_idle: true`");
    if forms.len() > 1 && (forms != ["selector", "target"]) {
        a.missing(
            format!("`wait` takes one thing to wait for; found {}", forms.join(", ")),
            hint,
        );
    }
    let what = if a.has("wait_time") || a.has("duration") {
        WaitFor::Time(a.duration(&["wait_time", "duration"])?)
    } else if a.has("selector") || a.has("target") {
        let selector = a.locator(true)?;
        let state = match a.choice("state").as_deref() {
            Some("hidden") => WaitState::Hidden,
            Some("attached") => WaitState::Attached,
            Some("detached") => WaitState::Detached,
            _ => WaitState::Visible,
        };
        WaitFor::Element { selector, state }
    } else if a.has("url") {
        WaitFor::Url(a.text(&["url"])?)
    } else if a.has("network_idle") {
        if !a.flag("network_idle")? {
            a.missing("`network_idle: false` waits for nothing".into(), hint);
        }
        WaitFor::NetworkIdle
    } else {
        a.missing("`wait` needs something to wait for".into(), hint);
        return None;
    };
    Some(ActionKind::Wait { what })
}
