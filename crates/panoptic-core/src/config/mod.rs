//! The config: typed model, action types, decoding with positioned diagnostics.

mod action;
mod decode;
mod diag;
mod model;

pub use action::{
    ACTION_TYPES, Action, ActionKind, ENTERPRISE_TYPES, SelectBy, TextMatch, UNAVAILABLE_TYPES, WaitFor, WaitState,
};
pub use decode::{Loaded, Lookup, action_strings, check_file_name, load_str, split_scheme, step_timeout, url_allowed};
pub use diag::{Diagnostic, Severity, did_you_mean};
pub use model::*;

/// The JSON Schema of a config file (`panoptic schema`).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
