//! The page analyzer's steps (`panoptic-ai`, run through the `Analyzer` seam):
//! `smart_error_detection`.

use crate::analyze::Impact;
use crate::config::action::ActionKind;
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Limit, Runner};

pub(super) static SPECS: &[ActionSpec] = &[ActionSpec::new(
    "smart_error_detection",
    "Report the page's problems (exceptions, console errors, failed and 4xx/5xx requests, broken images, missing alt texts, labels and names, low contrast); fail on `fail_on` or worse",
    Limit::Action,
    "{ type: smart_error_detection, fail_on: critical }",
    |a| {
        let fail_on = match a.choice("fail_on") {
            Some(name) => Impact::from_name(&name)?,
            None => Impact::Serious,
        };
        Some(ActionKind::SmartErrorDetection { fail_on })
    },
)
.keys(
    &[Field::new(
        "fail_on",
        Kind::Choice(Impact::NAMES),
        "Fail on findings of this impact or worse (default serious)",
    )],
    &[],
)
.run_by(Runner::Ai)];
