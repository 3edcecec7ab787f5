//! Positioned YAML tree → typed [`Config`], collecting every problem instead of stopping at the
//! first: `app` reads the config and its apps, `action` the steps (through the registry),
//! `settings` the settings sections (through their key tables), `checks` what needs the whole
//! config (references, URL policy, permissions).

mod action;
pub use action::spec_of;
mod app;
mod checks;
mod monitor;
pub(crate) mod settings;

use std::path::Path;

pub use checks::{absolute_url_allowed, url_allowed};

use super::diag::{Diagnostic, Severity};
use super::lookup::Lookup;
use super::model::{Config, Timeouts};
use super::read::Cx;
use super::step::{Action, Limit};
use crate::yaml;
use crate::yaml::Pos;

/// A config with its diagnostics. `config` is `None` when there was an error.
#[derive(Debug)]
pub struct Loaded {
    /// The config when it has no errors.
    pub config: Option<Config>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Settings whose value is code — it decides what program runs (`browser.executable`,
    /// `browser.args`) — with where the file sets them; a policy may refuse them
    /// (`panoptic_security::policy`).
    pub code: Vec<(Pos, &'static str)>,
    /// Settings that reach past the run — every code setting, and `browser.endpoints`,
    /// `browser.grid`, `allow.eval`, `allow.schemes`, `allow.file_upload_roots`, `cloud.*` —
    /// with where the file sets them; `panoptic serve` refuses them from callers that are not
    /// admins.
    pub privileged: Vec<(Pos, &'static str)>,
}

/// Parses and validates one config text.
pub fn load_str(text: &str, file: &Path, lookup: &dyn Lookup) -> Loaded {
    let mut cx = Cx {
        file: file.to_path_buf(),
        diags: Vec::new(),
        lookup,
        code: Vec::new(),
        privileged: Vec::new(),
    };
    let config = match yaml::parse(text) {
        Ok(root) => app::decode_config(&mut cx, &root),
        Err(e) => {
            cx.error(
                e.pos,
                format!("invalid YAML: {}", e.message),
                Some("check indentation and quoting near this position"),
            );
            None
        }
    };
    cx.diags.sort_by_key(|d| d.pos);
    let has_error = cx.diags.iter().any(|d| d.severity == Severity::Error);
    Loaded {
        config: if has_error { None } else { config },
        diagnostics: cx.diags,
        code: cx.code,
        privileged: cx.privileged,
    }
}

/// The timeout of a step given the settings: its own, else the one its type's entry names.
pub fn step_timeout(action: &Action, t: &Timeouts) -> std::time::Duration {
    if let Some(d) = action.timeout {
        return d.0;
    }
    match action.spec.limit {
        Limit::Navigation => t.navigation.0,
        Limit::Expect => t.expect.0,
        Limit::Action => t.action.0,
    }
}

/// The keys at the top of a config file, for the schema.
pub(crate) fn top_fields() -> &'static [super::read::Field] {
    app::TOP
}

/// The keys of an app, for the schema.
pub(crate) fn app_fields() -> &'static [super::read::Field] {
    app::APP
}

/// The keys of an alert rule, for the schema.
pub(crate) fn alert_fields() -> &'static [super::read::Field] {
    monitor::ALERT
}
