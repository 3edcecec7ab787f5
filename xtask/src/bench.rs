//! `cargo xtask bench-check`: the gungraun benches' instruction counts against
//! `benches/baseline.json`; fails when one grows past the tolerance stored there.
//! `--update-baseline` rewrites the file from this run. `cargo xtask bench` runs the criterion
//! benches for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use xshell::{Shell, cmd};

/// `benches/baseline.json`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Baseline {
    /// Allowed growth in percent before a bench counts as a regression.
    pub(crate) tolerance_percent: f64,
    /// Instructions per bench id (`function id`, e.g. `noop_steps steps_10k`).
    pub(crate) instructions: BTreeMap<String, u64>,
}

/// The table, and whether every bench is within tolerance of the baseline.
pub(crate) fn compare(baseline: &Baseline, now: &BTreeMap<String, u64>) -> (String, bool) {
    let mut table = String::new();
    let mut ok = true;
    let _ = writeln!(
        table,
        "{:<40} {:>14} {:>14} {:>9}",
        "bench", "baseline", "now", "change"
    );
    for (name, &count) in now {
        match baseline.instructions.get(name) {
            Some(&base) => {
                let change = if base == 0 {
                    0.0
                } else {
                    (count as f64 - base as f64) * 100.0 / base as f64
                };
                let bad = change > baseline.tolerance_percent;
                ok &= !bad;
                let _ = writeln!(
                    table,
                    "{name:<40} {base:>14} {count:>14} {change:>+8.2}%{}",
                    if bad { "  REGRESSION" } else { "" }
                );
            }
            None => {
                ok = false;
                let _ = writeln!(
                    table,
                    "{name:<40} {:>14} {count:>14}           NEW (run with --update-baseline)",
                    "-"
                );
            }
        }
    }
    for name in baseline.instructions.keys().filter(|n| !now.contains_key(*n)) {
        ok = false;
        let _ = writeln!(
            table,
            "{name:<40} in the baseline but not run (removed? --update-baseline)"
        );
    }
    (table, ok)
}

/// Instructions per bench from gungraun's JSON lines (one summary per bench).
pub(crate) fn parse_summaries(out: &str) -> Result<BTreeMap<String, u64>> {
    let mut counts = BTreeMap::new();
    for line in out.lines().filter(|l| l.trim_start().starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(line).context("gungraun summary line")?;
        let function = v["function_name"].as_str().context("summary without function_name")?;
        let id = v["id"].as_str().unwrap_or("");
        let ir = instructions(&v).with_context(|| format!("no instruction count for {function} {id}"))?;
        counts.insert(format!("{function} {id}").trim().to_owned(), ir);
    }
    if counts.is_empty() {
        bail!("gungraun printed no benchmark summary");
    }
    Ok(counts)
}

/// The callgrind `Ir` of a summary (`profiles[tool=Callgrind].data.total.metrics.Ir.values.new`,
/// summary schema v7 of gungraun 0.20).
fn instructions(v: &serde_json::Value) -> Option<u64> {
    v["profiles"]
        .as_array()?
        .iter()
        .find(|p| p["tool"] == "Callgrind")
        .and_then(|p| p["data"]["total"]["metrics"]["Ir"]["values"]["new"].as_u64())
}

/// `cargo xtask bench [FILTER…]`: the criterion benches, arguments passed to criterion.
pub(crate) fn criterion(sh: &Shell, args: &[String]) -> Result<()> {
    cmd!(sh, "cargo bench -p panoptic-benches --bench core -- {args...}").run()?;
    Ok(())
}

/// Runs the gungraun benches and compares (or, with `update`, rewrites the baseline).
pub(crate) fn check(sh: &Shell, update: bool) -> Result<()> {
    ensure_tools(sh)?;
    let out = cmd!(
        sh,
        "cargo bench --quiet -p panoptic-benches --bench gate -- --output-format=json"
    )
    .env("GUNGRAUN_COLOR", "never")
    .read()?;
    let now = parse_summaries(&out)?;
    let path = crate::project_root().join("benches").join("baseline.json");
    if update {
        let tolerance_percent = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Baseline>(&t).ok())
            .map_or(5.0, |b| b.tolerance_percent);
        let b = Baseline {
            tolerance_percent,
            instructions: now,
        };
        std::fs::write(&path, serde_json::to_string_pretty(&b)? + "\n")?;
        println!("xtask: wrote {}", path.display());
        return Ok(());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: run `cargo xtask bench-check --update-baseline`", path.display()))?;
    let baseline: Baseline = serde_json::from_str(&text).with_context(|| path.display().to_string())?;
    let (table, ok) = compare(&baseline, &now);
    println!("{table}");
    if !ok {
        bail!(
            "instruction counts regressed past {}% (table above); fix it, or if the change is worth it, \
             `cargo xtask bench-check --update-baseline` and say why in the commit",
            baseline.tolerance_percent
        );
    }
    println!("xtask: benches within {}% of the baseline", baseline.tolerance_percent);
    Ok(())
}

/// valgrind, and gungraun-runner at the version of the `gungraun` library in Cargo.lock.
pub(crate) fn ensure_tools(sh: &Shell) -> Result<()> {
    crate::setup::ensure_packages(sh, &[("valgrind", &["valgrind"])])?;
    let version = gungraun_version()?;
    crate::setup::ensure_cargo_tool(sh, &["gungraun-runner"], "gungraun-runner", Some(&version))
}

/// The gungraun version in Cargo.lock (the runner must match it).
fn gungraun_version() -> Result<String> {
    let lock = std::fs::read_to_string(crate::project_root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"gungraun\"" {
            let v = lines.next().unwrap_or_default();
            return Ok(v.trim_start_matches("version = \"").trim_end_matches('"').to_owned());
        }
    }
    bail!("gungraun is not in Cargo.lock")
}
