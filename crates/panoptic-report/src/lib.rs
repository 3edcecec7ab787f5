//! Reporters. Every format is rendered from the same `RunResult`; `results.jsonl` is streamed
//! while the run goes, the others are written when it ends (also after a failure, so partial
//! results are never lost).
//!
//! Boundary decision: reporters read the results model only; they know nothing of browsers.

mod html;
mod jsonl;
mod junit;
mod markdown;
mod merge;
mod trace;

use std::path::Path;

use panoptic_core::results::RunResult;

pub use html::render_html;
pub use jsonl::JsonlSink;
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use merge::merge;
pub use trace::render_trace;

/// Writes `report.html`, `results.json`, `junit.xml` and `summary.md` into `dir`.
pub fn write_all(dir: &Path, result: &RunResult) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(result).map_err(std::io::Error::other)?;
    write_file(&dir.join("results.json"), &json)?;
    write_file(&dir.join("junit.xml"), render_junit(result).as_bytes())?;
    write_file(&dir.join("summary.md"), render_markdown(result).as_bytes())?;
    write_file(&dir.join("report.html"), render_html(result).as_bytes())?;
    Ok(())
}

/// Writes a file readable by its owner only, never through a symlink.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    panoptic_security::fs::write_private(path, bytes)
}

/// `1.2s` / `340ms`.
pub(crate) fn fmt_ms(ms: u64) -> String {
    if ms >= 1000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests;
