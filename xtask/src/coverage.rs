//! The coverage gate: the whole suite once under cargo-llvm-cov, a per-crate line table, and a
//! failure when any crate (or the total) is below its threshold in `xtask/coverage.toml`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use xshell::{Shell, cmd};

/// Files that are not product code: test modules and fixtures, test-support fakes, the xtask
/// and bench crates. Coverage of tests by tests would only inflate the numbers.
pub(crate) const IGNORE: &str = r"(^|/)(xtask|benches)/|/tests/|/([a-z_]+_)?tests\.rs$|/testing\.rs$|/\.cargo/|/rustc/";

/// Thresholds from `xtask/coverage.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Thresholds {
    /// Minimum line coverage of all product crates together.
    pub(crate) overall: f64,
    /// Minimum for a crate not listed in `crates`.
    pub(crate) default: f64,
    /// Per-crate minimums.
    #[serde(default)]
    pub(crate) crates: BTreeMap<String, f64>,
}

impl Thresholds {
    pub(crate) fn parse(text: &str) -> Result<Thresholds> {
        toml::from_str(text).context("xtask/coverage.toml")
    }

    fn of(&self, krate: &str) -> f64 {
        self.crates.get(krate).copied().unwrap_or(self.default)
    }
}

#[derive(Deserialize)]
struct Export {
    data: Vec<ExportData>,
}

#[derive(Deserialize)]
struct ExportData {
    files: Vec<ExportFile>,
}

#[derive(Deserialize)]
struct ExportFile {
    filename: String,
    summary: FileSummary,
}

#[derive(Deserialize)]
struct FileSummary {
    lines: Counts,
}

#[derive(Deserialize)]
struct Counts {
    count: u64,
    covered: u64,
}

/// Lines (covered, total) of one crate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Lines {
    pub(crate) covered: u64,
    pub(crate) total: u64,
}

impl Lines {
    fn percent(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.total as f64
        }
    }
}

/// Sums an `llvm-cov export --summary-only` JSON report by crate (`crates/<name>/…`).
pub(crate) fn by_crate(report: &str) -> Result<BTreeMap<String, Lines>> {
    let export: Export = serde_json::from_str(report).context("not an llvm-cov JSON export")?;
    let mut out: BTreeMap<String, Lines> = BTreeMap::new();
    for file in export.data.iter().flat_map(|d| &d.files) {
        let Some(rest) = file.filename.split("/crates/").nth(1) else {
            continue;
        };
        let Some((krate, _)) = rest.split_once('/') else {
            continue;
        };
        let e = out.entry(krate.to_owned()).or_default();
        e.covered += file.summary.lines.covered;
        e.total += file.summary.lines.count;
    }
    if out.is_empty() {
        bail!("the coverage report names no file under crates/");
    }
    Ok(out)
}

/// The table, and whether every crate and the total meet their thresholds.
pub(crate) fn check(per_crate: &BTreeMap<String, Lines>, t: &Thresholds) -> (String, bool) {
    let mut table = String::new();
    let mut ok = true;
    let _ = writeln!(
        table,
        "{:<24} {:>8} {:>8} {:>8} {:>7}",
        "crate", "lines", "covered", "percent", "min"
    );
    let mut all = Lines::default();
    for (name, lines) in per_crate {
        let min = t.of(name);
        let pass = lines.percent() >= min;
        ok &= pass;
        all.covered += lines.covered;
        all.total += lines.total;
        let _ = writeln!(
            table,
            "{name:<24} {:>8} {:>8} {:>7.2}% {min:>6.1}%{}",
            lines.total,
            lines.covered,
            lines.percent(),
            if pass { "" } else { "  BELOW" }
        );
    }
    let pass = all.percent() >= t.overall;
    ok &= pass;
    let _ = writeln!(
        table,
        "{:<24} {:>8} {:>8} {:>7.2}% {:>6.1}%{}",
        "overall",
        all.total,
        all.covered,
        all.percent(),
        t.overall,
        if pass { "" } else { "  BELOW" }
    );
    (table, ok)
}

/// Reads the report and the thresholds, prints the table, fails below a threshold.
pub(crate) fn gate(report: &Path, thresholds: &Path) -> Result<()> {
    let report = std::fs::read_to_string(report).with_context(|| format!("reading {}", report.display()))?;
    let t = Thresholds::parse(&std::fs::read_to_string(thresholds)?)?;
    let (table, ok) = check(&by_crate(&report)?, &t);
    println!("{table}");
    if !ok {
        bail!("line coverage is below a threshold of xtask/coverage.toml (table above)");
    }
    Ok(())
}

/// Runs the suite once, instrumented, then applies the gate. `profile` is the nextest profile.
pub(crate) fn run_suite(sh: &Shell, nextest_profile: &str) -> Result<()> {
    crate::setup::ensure_llvm_cov(sh)?;
    crate::setup::ensure_cargo_tool(sh, &["cargo", "nextest"], "cargo-nextest", None)?;
    let root = crate::project_root();
    let target: PathBuf = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
    // `cargo llvm-cov report` reads every test executable in the target dir. When a crate's
    // dependencies, features or the toolchain change, its test binary gets a new file name and
    // the old one stays, so its files' lines were counted twice (seen after a split: the old
    // and the new layout both in the table). Such changes show in the manifests, the lock file
    // and `rustc -V`: when they differ from the last run, clean the workspace's instrumented
    // artifacts first (dependencies stay built).
    let stamp_file = target.join("llvm-cov-target").join("panoptic-build-inputs.stamp");
    let stamp = build_inputs_stamp(sh, &root)?;
    if std::fs::read_to_string(&stamp_file).ok().as_deref() != Some(stamp.as_str()) {
        cmd!(sh, "cargo llvm-cov clean --workspace").run()?;
        std::fs::create_dir_all(target.join("llvm-cov-target"))?;
        std::fs::write(&stamp_file, &stamp).with_context(|| format!("writing {}", stamp_file.display()))?;
    }
    // `cargo llvm-cov --profile` is the cargo profile; nextest takes its own from the environment.
    cmd!(sh, "cargo llvm-cov nextest --workspace --no-report")
        .env("NEXTEST_PROFILE", nextest_profile)
        .run()?;
    let out = target.join("coverage-summary.json");
    let out_s = out.display().to_string();
    cmd!(
        sh,
        "cargo llvm-cov report --json --summary-only --ignore-filename-regex {IGNORE} --output-path {out_s}"
    )
    .quiet()
    .run()?;
    println!("xtask: coverage (lines; HTML: cargo llvm-cov report --html --ignore-filename-regex '{IGNORE}')");
    gate(&out, &root.join("xtask").join("coverage.toml"))
}

pub(crate) fn run(sh: &Shell) -> Result<()> {
    crate::setup::run(sh)?;
    let profile = crate::test::nextest_profile();
    run_suite(sh, profile)
}

/// What decides the names of the test binaries: every manifest, the lock file, cargo's config
/// and the compiler version, hashed.
fn build_inputs_stamp(sh: &Shell, root: &Path) -> Result<String> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut files = vec![
        root.join("Cargo.lock"),
        root.join("Cargo.toml"),
        root.join(".cargo/config.toml"),
    ];
    for dir in ["crates", "xtask", "benches"] {
        let base = root.join(dir);
        files.push(base.join("Cargo.toml"));
        for e in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            files.push(e.path().join("Cargo.toml"));
        }
    }
    files.sort();
    let mut h = DefaultHasher::new();
    for f in &files {
        if let Ok(text) = std::fs::read(f) {
            f.hash(&mut h);
            text.hash(&mut h);
        }
    }
    cmd!(sh, "rustc -V").quiet().read()?.hash(&mut h);
    Ok(format!("{:016x}\n", h.finish()))
}
