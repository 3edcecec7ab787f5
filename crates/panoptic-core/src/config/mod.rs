//! The config: typed model, the action registry, decoding with positioned diagnostics, and the
//! JSON Schema generated from the same tables.

mod action;
mod cron;
mod decode;
mod diag;
pub mod emit;
mod lookup;
mod model;
mod monitor;
pub mod net;
mod read;
pub mod registry;
mod schema;
mod step;
mod strings;

pub use action::{ActionKind, ScreenshotCheck, SelectBy, TextMatch, WaitFor, WaitState};
pub use cron::Cron;
pub use decode::spec_of;
pub use decode::{Loaded, absolute_url_allowed, load_str, step_timeout, url_allowed};
pub use diag::{Diagnostic, Severity, did_you_mean};
pub use lookup::{Lookup, NoLookup};
pub use model::*;
pub use monitor::{AlertRule, AlertWhen, Schedule, ScheduleWhen};
pub use read::{Field, Kind, check_file_name};
pub use registry::ENTERPRISE_TYPES;
pub use schema::json_schema;
pub use step::{Action, ActionSpec, Args, Decode, Limit, Need, Runner};
pub use strings::{MapStrings, VarName};

#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod tests;
