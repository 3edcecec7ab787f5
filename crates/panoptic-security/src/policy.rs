//! Policies a caller applies to a loaded config. Some settings are code — `browser.executable`
//! names the program panoptic runs, `browser.args` are flags that can make Chromium run
//! others (`--renderer-cmd-prefix`, `--utility-cmd-prefix`, `--gpu-launcher`) — so whoever
//! may submit a config may run programs as panoptic's user. A caller that takes configs from
//! people it does not trust that far (`panoptic run --no-browser-code`, the serve API) refuses
//! them here; the decoder only records where they are.

use std::path::Path;

use panoptic_core::config::{Diagnostic, Loaded, Severity};

/// Turns every code setting of `loaded` into an error (at its line and column) and drops the
/// config; returns how many were refused.
pub fn refuse_browser_code(loaded: &mut Loaded, file: &Path) -> usize {
    for (pos, key) in &loaded.code {
        loaded.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            pos: *pos,
            message: format!("`{key}` is code (it decides what program runs), and this run refuses code from configs"),
            hint: Some(
                "remove it; the browser is then found on PATH or in PANOPTIC_CHROME, set by whoever runs panoptic"
                    .into(),
            ),
        });
    }
    if !loaded.code.is_empty() {
        loaded.config = None;
        loaded.diagnostics.sort_by_key(|d| d.pos);
    }
    loaded.code.len()
}

/// Turns every privileged setting of `loaded` (see [`Loaded::privileged`]) into an error at its
/// line and column and drops the config; `allow.schemes` passes while it names only `http`
/// and `https`. For configs from callers who are not the operator (`panoptic serve`'s runner
/// keys). Returns how many were refused.
pub fn refuse_privileged(loaded: &mut Loaded, file: &Path, whom: &str) -> usize {
    let web_only = loaded
        .config
        .as_ref()
        .is_some_and(|c| c.settings.allow.schemes.iter().all(|s| s == "http" || s == "https")); // tidy: not an action (URL schemes)
    let refused: Vec<_> = loaded
        .privileged
        .iter()
        .filter(|(_, key)| !(*key == "allow.schemes" && web_only))
        .copied()
        .collect();
    for (pos, key) in &refused {
        loaded.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            pos: *pos,
            message: format!("`{key}` reaches past the run (programs, other browsers, buckets, files or page scripts); {whom} may not set it"),
            hint: Some("remove it, or submit with an admin key".into()),
        });
    }
    if !refused.is_empty() {
        loaded.config = None;
        loaded.diagnostics.sort_by_key(|d| d.pos);
    }
    refused.len()
}

#[cfg(test)]
mod tests;
