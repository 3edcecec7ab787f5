//! `panoptic report merge`: joins the outputs of several runs (shards) into one.

use std::path::Path;

use panoptic_core::results::{RunInfo, RunResult, SCHEMA_VERSION, Status, Totals};

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let ty = e.file_type()?;
        let target = to.join(e.file_name());
        if ty.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else if ty.is_file() {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// Reads `results.json` of every dir, copies their screenshots and writes every report into
/// `out`. Tests keep the order of the dirs given.
pub fn merge(dirs: &[impl AsRef<Path>], out: &Path) -> Result<RunResult, String> {
    let mut runs = Vec::new();
    for d in dirs {
        let d = d.as_ref();
        let path = d.join("results.json");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let run: RunResult =
            serde_json::from_str(&text).map_err(|e| format!("{}: not a panoptic results.json: {e}", path.display()))?;
        if run.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "{}: schema_version {} (expected {SCHEMA_VERSION})",
                path.display(),
                run.schema_version
            ));
        }
        runs.push((d.to_path_buf(), run));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut tests = Vec::new();
    let mut configs: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let (mut duration, mut workers, mut peak) = (0, 0, None::<u64>);
    for (dir, run) in runs.iter() {
        copy_tree(&dir.join("screenshots"), &out.join("screenshots"))
            .map_err(|e| format!("copying screenshots of {}: {e}", dir.display()))?;
        for c in &run.run.configs {
            if !configs.contains(c) {
                configs.push(c.clone());
            }
        }
        if !names.contains(&run.run.name) {
            names.push(run.run.name.clone());
        }
        // Shards run side by side: the merged wall time is the longest one.
        duration = duration.max(run.run.duration_ms);
        workers += run.run.workers;
        peak = peak.max(run.run.peak_browser_memory_mb);
        tests.extend(run.tests.iter().cloned());
    }
    let status = if tests.iter().all(|t| t.status.is_ok()) {
        Status::Passed
    } else {
        Status::Failed
    };
    let first = runs.first().map(|(_, r)| r.run.clone()).unwrap_or_default();
    let result = RunResult {
        schema_version: SCHEMA_VERSION,
        run: RunInfo {
            name: names.join(" + "),
            configs,
            started_at: runs
                .iter()
                .map(|(_, r)| r.run.started_at.clone())
                .min()
                .unwrap_or_default(),
            duration_ms: duration,
            status: Some(status),
            totals: Totals::of(&tests),
            browser: first.browser,
            panoptic_version: first.panoptic_version,
            workers,
            shard: None,
            peak_browser_memory_mb: peak,
            panoptic_peak_rss_mb: None,
            trace_id: None,
        },
        tests,
    };
    crate::write_all(out, &result).map_err(|e| format!("writing {}: {e}", out.display()))?;
    Ok(result)
}
