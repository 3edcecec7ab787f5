//! Interaction and waiting: pointer, keyboard, form and dialog actions, and `wait`.

use super::{NEEDS_SELECTOR, OPTIONAL_SELECTOR, SELECTOR, TARGET};
use crate::config::action::{ActionKind, SelectBy, WaitFor, WaitState};
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Args, Limit, Need, Runner};

/// An action that only needs a target element.
const fn on_element(
    name: &'static str,
    doc: &'static str,
    decode: fn(&mut Args<'_, '_, '_>) -> Option<ActionKind>,
    example: &'static str,
) -> ActionSpec {
    ActionSpec {
        name,
        doc,
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[SELECTOR, TARGET],
        needs: NEEDS_SELECTOR,
        example,
        decode,
    }
}

const PIXELS: Kind = Kind::Int {
    min: -1_000_000,
    max: 1_000_000,
};
const SCROLL_BY: &[Field] = &[
    Field::new("x", PIXELS, "Horizontal pixels"),
    Field::new("y", PIXELS, "Vertical pixels"),
];
const WAIT_STATES: &[&str] = &["visible", "hidden", "attached", "detached"];
const WAIT_FORMS: &[&str] = &["wait_time", "duration", "selector", "target", "url", "network_idle"];

pub(super) static SPECS: &[ActionSpec] = &[
    on_element(
        "click",
        "Click an element (`selector` or `target`)",
        |a| {
            Some(ActionKind::Click {
                selector: a.locator(true)?,
            })
        },
        "{ type: click, selector: '#a' }",
    ),
    on_element(
        "dblclick",
        "Double-click an element",
        |a| {
            Some(ActionKind::Dblclick {
                selector: a.locator(true)?,
            })
        },
        "{ type: dblclick, selector: '#a' }",
    ),
    ActionSpec {
        name: "fill",
        doc: "Replace the text of an input",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[SELECTOR, TARGET, Field::new("value", Kind::Text, "Text to type")],
        needs: &[Need::One(&["selector", "target"]), Need::One(&["value"])],
        example: "{ type: fill, selector: '#a', value: x }",
        decode: |a| {
            let selector = a.locator(true);
            if !a.has("value") {
                a.missing(
                    "`fill` needs a `value`".into(),
                    Some("use `value: \"\"` to empty the field, or the `clear` action"),
                );
                return None;
            }
            let value = a.text(&["value"])?;
            Some(ActionKind::Fill {
                selector: selector?,
                value,
            })
        },
    },
    on_element(
        "clear",
        "Empty an input",
        |a| {
            Some(ActionKind::Clear {
                selector: a.locator(true)?,
            })
        },
        "{ type: clear, selector: '#a' }",
    ),
    ActionSpec {
        name: "press",
        doc: "Press a key or chord (`Enter`, `Control+A`), on an element or the focused one",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
            SELECTOR,
            TARGET,
            Field::new("key", Kind::Text, "Key or chord"),
            Field::new("value", Kind::Text, "Alias of `key`"),
        ],
        needs: &[OPTIONAL_SELECTOR, Need::One(&["key", "value"])],
        example: "{ type: press, key: Enter }",
        decode: |a| {
            let selector = a.locator(false);
            let key = a.required(&["key", "value"])?;
            Some(ActionKind::Press { selector, key })
        },
    },
    on_element(
        "hover",
        "Move the mouse over an element",
        |a| {
            Some(ActionKind::Hover {
                selector: a.locator(true)?,
            })
        },
        "{ type: hover, selector: '#a' }",
    ),
    ActionSpec {
        name: "select",
        doc: "Choose an option of a `<select>` by `value` or `label`",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
            SELECTOR,
            TARGET,
            Field::new("value", Kind::Text, "Option value"),
            Field::new("label", Kind::Text, "Option label"),
        ],
        needs: &[Need::One(&["selector", "target"]), Need::One(&["value", "label"])],
        example: "{ type: select, selector: '#a', value: x }",
        decode: |a| {
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
    },
    on_element(
        "check",
        "Tick a checkbox or radio",
        |a| {
            Some(ActionKind::Check {
                selector: a.locator(true)?,
            })
        },
        "{ type: check, selector: '#a' }",
    ),
    on_element(
        "uncheck",
        "Untick a checkbox",
        |a| {
            Some(ActionKind::Uncheck {
                selector: a.locator(true)?,
            })
        },
        "{ type: uncheck, selector: '#a' }",
    ),
    on_element(
        "submit",
        "Submit the form of an element",
        |a| {
            Some(ActionKind::Submit {
                selector: a.locator(true)?,
            })
        },
        "{ type: submit, selector: '#a' }",
    ),
    ActionSpec {
        name: "scroll",
        doc: "Scroll an element into view, or the page by `x`/`y` pixels",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
            SELECTOR,
            TARGET,
            SCROLL_BY[0],
            SCROLL_BY[1],
            Field::new("parameters", Kind::Map(SCROLL_BY), "`x` and `y`, the Go tool's way"),
        ],
        needs: &[OPTIONAL_SELECTOR],
        example: "{ type: scroll, y: 200 }",
        decode: |a| {
            let selector = a.locator(false);
            let x = a.int(&["x"]).unwrap_or(0);
            let y = a.int(&["y"]).unwrap_or(0);
            if selector.is_none() && x == 0 && y == 0 {
                a.missing("`scroll` needs a `selector` or `x`/`y` pixels".into(), None);
            }
            Some(ActionKind::Scroll { selector, x, y })
        },
    },
    ActionSpec {
        name: "upload",
        doc: "Set files of a file input (only from `allow.file_upload_roots`)",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
            SELECTOR,
            TARGET,
            Field::new("files", Kind::TextList, "Paths"),
            Field::new("value", Kind::TextList, "Alias of `files`"),
        ],
        needs: &[Need::One(&["selector", "target"]), Need::One(&["files", "value"])],
        example: "{ type: upload, selector: '#f', files: [a.txt] }",
        decode: |a| {
            let selector = a.locator(true);
            if !a.has("files") && !a.has("value") {
                a.missing("`upload` needs `files`".into(), None);
                return None;
            }
            let files = a.list(&["files", "value"])?;
            Some(ActionKind::Upload {
                selector: selector?,
                files,
            })
        },
    },
    ActionSpec {
        name: "dialog",
        doc: "Accept or dismiss the next dialog",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
            Field::new("accept", Kind::Bool, "Accept (true) or dismiss"),
            Field::new("value", Kind::Choice(&["accept", "dismiss"]), "`accept` or `dismiss`"),
            Field::new("prompt_text", Kind::Text, "Text for a `prompt()`"),
        ],
        needs: &[Need::AtMostOne(&["accept", "value"])],
        example: "{ type: dialog, accept: false }",
        decode: |a| {
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
    },
    ActionSpec {
        name: "wait",
        doc: "Wait for time (`wait_time`), an element state, a URL or network idle",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
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
        needs: &[Need::One(WAIT_FORMS)],
        example: "{ type: wait, wait_time: 1 }",
        decode: decode_wait,
    },
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
