//! Evidence and scripting: `screenshot`, `record`, `record_start`, `record_stop`, `eval`.

use super::{OPTIONAL_SELECTOR, SELECTOR, TARGET};
use crate::config::action::{ActionKind, VarName};
use crate::config::read::{Field, Kind, check_file_name};
use crate::config::step::{ActionSpec, Args, Limit, Need, Runner};

const SHOT: &[Field] = &[
    Field::new("filename", Kind::Text, "File name under `screenshots/`"),
    Field::new("full_page", Kind::Bool, "The whole page, not only the viewport"),
    Field::new("mask", Kind::LocatorList, "Elements covered with a solid box"),
    SELECTOR,
];

const fn recording(
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
        runner: Runner::Executor,
        limit: Limit::Action,
        fields,
        needs,
        example,
        decode,
    }
}

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec {
        name: "screenshot",
        doc: "Save a screenshot: viewport, `full_page`, one element (`selector`), `mask` selectors",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
            SELECTOR,
            TARGET,
            SHOT[0],
            Field::new("value", Kind::Text, "Alias of `filename`"),
            SHOT[1],
            SHOT[2],
            Field::new("parameters", Kind::Map(SHOT), "The same keys, the Go tool's way"),
        ],
        needs: &[OPTIONAL_SELECTOR],
        example: "{ type: screenshot, parameters: { filename: a.png, full_page: true } }",
        decode: decode_screenshot,
    },
    recording(
        "record",
        "Record the tab for `duration` seconds (the attempt's video keeps it)",
        &[
            Field::new("duration", Kind::Duration, "How long"),
            Field::new("value", Kind::Duration, "Alias of `duration`"),
        ],
        &[Need::One(&["duration", "value"])],
        |a| {
            if !a.has("duration") && !a.has("value") {
                a.missing(
                    "`record` needs a `duration` (seconds)".into(),
                    Some("e.g. `duration: 3`, or use `record_start` / `record_stop`"),
                );
                return None;
            }
            Some(ActionKind::Record {
                duration: a.duration(&["duration", "value"])?,
            })
        },
        "{ type: record, duration: 1 }",
    ),
    recording(
        "record_start",
        "Start recording the tab (until `record_stop` or the end of the attempt)",
        &[],
        &[],
        |_| Some(ActionKind::RecordStart),
        "{ type: record_start }",
    ),
    recording(
        "record_stop",
        "Stop recording and keep the video",
        &[],
        &[],
        |_| Some(ActionKind::RecordStop),
        "{ type: record_stop }",
    ),
    ActionSpec {
        name: "eval",
        doc: "Run JavaScript (only with `allow.eval: true`); `save_as` keeps the result as `${name}`",
        runner: Runner::Page,
        limit: Limit::Action,
        fields: &[
            Field::new("script", Kind::Text, "An expression, or a function body with `return`"),
            Field::new("value", Kind::Text, "Alias of `script`"),
            Field::new("save_as", Kind::Text, "Keep the result as `${name}` for later steps"),
        ],
        needs: &[Need::One(&["script", "value"])],
        example: "{ type: eval, script: '1 + 1' }",
        decode: |a| {
            let script = a.required(&["script", "value"])?;
            let save_as = a.text(&["save_as"]).map(VarName);
            Some(ActionKind::Eval { script, save_as })
        },
    },
];

fn decode_screenshot(a: &mut Args<'_, '_, '_>) -> Option<ActionKind> {
    let mut selector = a.locator(false);
    let file_node = a.node("filename").or_else(|| a.node("value"));
    let mut filename = None;
    if let Some(n) = file_node
        && let Some(f) = super::super::read::string(a.cx, n, "filename")
    {
        if let Err(e) = check_file_name(&f) {
            a.error_at(
                n.pos,
                format!("`filename`: {e}"),
                Some("screenshot file names are relative to <output>/screenshots/"),
            );
        }
        filename = Some(f);
    }
    let full_page = a.flag("full_page").unwrap_or(false);
    let mask = a.list(&["mask"]).unwrap_or_default();
    if selector.is_none() {
        selector = a.text(&["selector"]);
    }
    Some(ActionKind::Screenshot {
        filename,
        full_page,
        selector,
        mask,
    })
}
