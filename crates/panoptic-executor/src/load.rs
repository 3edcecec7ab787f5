//! Reading config files and resolving `${VAR}` / `${secret:NAME}` from the environment.

use std::path::{Path, PathBuf};

use panoptic_core::config::{Diagnostic, Loaded, Lookup, Severity, load_str};
use panoptic_core::yaml::Pos;

/// Environment variables; secrets from the environment or `$PANOPTIC_SECRETS_DIR/<NAME>`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn secret(&self, name: &str) -> Option<String> {
        if let Ok(v) = std::env::var(name) {
            return Some(v);
        }
        let dir = std::env::var_os("PANOPTIC_SECRETS_DIR").map(PathBuf::from)?;
        if name.contains('/') || name.starts_with('.') {
            return None;
        }
        std::fs::read_to_string(dir.join(name))
            .ok()
            .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
    }
}

/// Largest config file read (a config is text a person wrote; this is far above any).
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// Loads one config file; an unreadable file — missing, not a regular file (a FIFO, a device),
/// larger than [`MAX_CONFIG_BYTES`] — is a diagnostic like any other.
pub fn load_file(path: &Path, lookup: &dyn Lookup) -> Loaded {
    match crate::read::read_regular(path, MAX_CONFIG_BYTES) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => load_str(&text, path, lookup),
            Err(e) => one_error(
                path,
                format!(
                    "file is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            ),
        },
        Err(e) => one_error(path, format!("cannot read the config: {e}")),
    }
}

fn one_error(path: &Path, message: String) -> Loaded {
    Loaded {
        config: None,
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            file: path.to_path_buf(),
            pos: Pos { line: 1, column: 1 },
            message,
            hint: None,
        }],
        code: Vec::new(),
        privileged: Vec::new(),
    }
}
