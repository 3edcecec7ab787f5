//! Evidence and scripting: `assert_screenshot`, `screenshot`, `record`, `record_start`, `record_stop`, `eval`.

use super::{OPTIONAL_SELECTOR, SELECTOR, TARGET};
use crate::config::action::{ActionKind, ScreenshotCheck};
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Args, Limit, Need, Runner};
use crate::config::strings::VarName;

const SHOT: &[Field] = &[
    Field::new("filename", Kind::Text, "File name under `screenshots/`"),
    Field::new("full_page", Kind::Bool, "The whole page, not only the viewport"),
    Field::new("mask", Kind::LocatorList, "Elements covered with a solid box"),
    SELECTOR,
];

const SCREENSHOT_KEYS: &[Field] = &[
    SELECTOR,
    TARGET,
    SHOT[0],
    Field::new("value", Kind::Text, "Alias of `filename`"),
    SHOT[1],
    SHOT[2],
    Field::new("parameters", Kind::Map(SHOT), "The same keys, the Go tool's way"),
];

const COMPARE_KEYS: &[Field] = &[
    Field::new(
        "name",
        Kind::Text,
        "Baseline name: `<config>-snapshots/<test>/<name>.png`",
    ),
    SELECTOR,
    TARGET,
    SHOT[1],
    Field::new(
        "mask",
        Kind::LocatorList,
        "Elements covered with a solid box on both images",
    ),
    Field::new(
        "threshold",
        Kind::Number { min: 0.0, max: 1.0 },
        "Colour distance (YIQ, 0..1) above which a pixel differs (default 0.2)",
    ),
    Field::new(
        "max_diff_pixels",
        Kind::Int {
            min: 0,
            max: 1_000_000_000,
        },
        "Most differing pixels allowed (default 0)",
    ),
    Field::new(
        "max_diff_ratio",
        Kind::Number { min: 0.0, max: 1.0 },
        "Most differing pixels allowed, as a share of all",
    ),
];

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec::new(
        "assert_screenshot",
        "The page (or `selector`) looks as its baseline image does; animations frozen, caret hidden",
        Limit::Expect,
        "{ type: assert_screenshot, name: home }",
        |a| {
            let selector = a.locator(false);
            let name = a.node("name");
            let name = match name {
                Some(node) => {
                    let n = crate::config::read::string(a.cx, node, "name")?;
                    if let Err(e) = crate::config::read::check_file_name(&format!("{n}.png")) {
                        a.error_at(
                            node.pos,
                            format!("`name`: {e}"),
                            Some("a baseline name is a file name without `.png`"),
                        );
                    }
                    Some(n)
                }
                None => None,
            };
            let check = ScreenshotCheck {
                name,
                selector,
                full_page: a.flag("full_page").unwrap_or(false),
                mask: a.list(&["mask"]).unwrap_or_default(),
                threshold: a.number("threshold").unwrap_or(0.2),
                max_diff_pixels: a.int(&["max_diff_pixels"]).map(i64::unsigned_abs),
                max_diff_ratio: a.number("max_diff_ratio"),
            };
            Some(ActionKind::AssertScreenshot { check: Box::new(check) })
        },
    )
    .keys(COMPARE_KEYS, &[OPTIONAL_SELECTOR])
    .run_by(Runner::Executor),
    ActionSpec::new(
        "screenshot",
        "Save a screenshot: viewport, `full_page`, one element (`selector`), `mask` selectors",
        Limit::Action,
        "{ type: screenshot, parameters: { filename: a.png, full_page: true } }",
        decode_screenshot,
    )
    .keys(SCREENSHOT_KEYS, &[OPTIONAL_SELECTOR]),
    ActionSpec::new(
        "record",
        "Record the tab for `duration` seconds (the attempt's video keeps it)",
        Limit::Action,
        "{ type: record, duration: 1 }",
        |a| {
            a.present(
                &["duration", "value"],
                "`record` needs a `duration` (seconds)",
                Some("e.g. `duration: 3`, or use `record_start` / `record_stop`"),
            )?;
            Some(ActionKind::Record {
                duration: a.duration(&["duration", "value"])?,
            })
        },
    )
    .keys(
        &[
            Field::new("duration", Kind::Duration, "How long"),
            Field::new("value", Kind::Duration, "Alias of `duration`"),
        ],
        &[Need::One(&["duration", "value"])],
    )
    .run_by(Runner::Executor),
    ActionSpec::new(
        "record_start",
        "Start recording the tab (until `record_stop` or the end of the attempt)",
        Limit::Action,
        "{ type: record_start }",
        |_| Some(ActionKind::RecordStart),
    )
    .run_by(Runner::Executor),
    ActionSpec::new(
        "record_stop",
        "Stop recording and keep the video",
        Limit::Action,
        "{ type: record_stop }",
        |_| Some(ActionKind::RecordStop),
    )
    .run_by(Runner::Executor),
    ActionSpec::new(
        "eval",
        "Run JavaScript (only with `allow.eval: true`); `save_as` keeps the result as `${name}`",
        Limit::Action,
        "{ type: eval, script: '1 + 1' }",
        |a| {
            let script = a.required(&["script", "value"])?;
            let save_as = a.text(&["save_as"]).map(VarName);
            Some(ActionKind::Eval { script, save_as })
        },
    )
    .keys(
        &[
            Field::new("script", Kind::Text, "An expression, or a function body with `return`"),
            Field::new("value", Kind::Text, "Alias of `script`"),
            Field::new("save_as", Kind::Text, "Keep the result as `${name}` for later steps"),
        ],
        &[Need::One(&["script", "value"])],
    ),
];

fn decode_screenshot(a: &mut Args<'_, '_, '_>) -> Option<ActionKind> {
    let mut selector = a.locator(false);
    let filename = super::screenshot_file(a, &["filename", "value"]);
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
