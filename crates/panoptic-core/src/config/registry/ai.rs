//! The page analyzer's steps (`panoptic-ai`, run through the `Analyzer` seam):
//! `vision_click`, `vision_report`, `ai_test_generation`, `ai_enhanced_testing`,
//! `smart_error_detection`.

use crate::analyze::{ELEMENT_KINDS, Impact};
use crate::config::action::ActionKind;
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Args, Limit, Runner};

const CLICK: &[Field] = &[
    Field::new("type", Kind::Choice(ELEMENT_KINDS), "What the element is"),
    Field::new(
        "text",
        Kind::Text,
        "What it says: matched loosely against its name, label, placeholder, alt, title and nearby text",
    ),
];

const FAIL_ON: &[Field] = &[Field::new(
    "fail_on",
    Kind::Choice(Impact::NAMES),
    "Fail on findings of this impact or worse (default serious)",
)];

const REPORT: &[Field] = &[Field::new(
    "filename",
    Kind::Text,
    "Picture's file name under `screenshots/`",
)];

const CLICK_KEYS: &[Field] = &[
    Field::new("element", Kind::Choice(ELEMENT_KINDS), "Alias of `parameters.type`"),
    CLICK[1],
    Field::new("parameters", Kind::Map(CLICK), "`type` and `text`, the Go tool's way"),
];

const REPORT_KEYS: &[Field] = &[
    REPORT[0],
    Field::new("parameters", Kind::Map(REPORT), "The same keys, the Go tool's way"),
];

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec::new(
        "vision_click",
        "Click the element that best matches `parameters.text` (and `parameters.type`), found on the live page by element detection",
        Limit::Action,
        "{ type: vision_click, parameters: { type: button, text: Sign in } }",
        |a| {
            let element = a.choice("element").or_else(|| a.choice("type"));
            let text = a.text(&["text"]);
            if element.is_none() && text.is_none() {
                // A key that was there but wrong has said so already.
                if a.ok {
                    a.missing(
                    "`vision_click` needs `parameters.text` (what the element says) or `parameters.type` (what it is)".into(),
                        Some("e.g. `parameters: { type: button, text: Sign in }`"),
                    );
                }
                return None;
            }
            Some(ActionKind::VisionClick { element, text })
        },
    )
    .keys(CLICK_KEYS, &[])
    .run_by(Runner::Ai),
    ActionSpec::new(
        "vision_report",
        "Detect the page's elements: an annotated PNG (numbered boxes) in the step's screenshots, the elements with their locators in its output",
        Limit::Action,
        "{ type: vision_report }",
        decode_report,
    )
    .keys(REPORT_KEYS, &[])
    .run_by(Runner::Ai),
    ActionSpec::new(
        "ai_test_generation",
        "Write tests by using the page: a flow per form (filled with fitting values, submitted, its outcome asserted), per same-origin link and for the headings; each ran green when written",
        Limit::Action,
        "{ type: ai_test_generation, depth: 1 }",
        |a| {
            let depth = a.int(&["depth"]).unwrap_or(1);
            Some(ActionKind::AiTestGeneration { depth: depth as u32 })
        },
    )
    .keys(
        &[Field::new(
            "depth",
            Kind::Int { min: 1, max: 5 },
            "Pages deep to follow same-origin links (1: only this page)",
        )],
        &[],
    )
    .run_by(Runner::Ai),
    ActionSpec::new(
        "ai_enhanced_testing",
        "Turn self-healing on for the whole test and report, here, the page's problems (as `smart_error_detection`, unless `settings.ai_testing.enable_error_detection: false`) and every step healed so far",
        Limit::Action,
        "{ type: ai_enhanced_testing, fail_on: critical }",
        |a| Some(ActionKind::AiEnhancedTesting { fail_on: fail_on(a)? }),
    )
    .keys(FAIL_ON, &[])
    .run_by(Runner::Ai),
    ActionSpec::new(
    "smart_error_detection",
    "Report the page's problems (exceptions, console errors, failed and 4xx/5xx requests, broken images, missing alt texts, labels and names, low contrast); fail on `fail_on` or worse",
    Limit::Action,
    "{ type: smart_error_detection, fail_on: critical }",
    |a| Some(ActionKind::SmartErrorDetection { fail_on: fail_on(a)? }),
)
.keys(FAIL_ON, &[])
.run_by(Runner::Ai),
];

fn decode_report(a: &mut Args<'_, '_, '_>) -> Option<ActionKind> {
    let filename = super::screenshot_file(a, &["filename"]);
    Some(ActionKind::VisionReport { filename })
}

/// `fail_on`, by default serious.
fn fail_on(a: &mut Args<'_, '_, '_>) -> Option<Impact> {
    match a.choice("fail_on") {
        Some(name) => Impact::from_name(&name),
        None => Some(Impact::Serious),
    }
}
