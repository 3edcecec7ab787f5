//! The results model (DESIGN §3): what `results.json` holds. A wire format: versioned and
//! (de)serialised here, and nowhere else.

use serde::{Deserialize, Serialize};

/// Version of the `results.json` layout; bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The first `max_count` texts, each passed through `prepare` and cut to `max_bytes` (on a
/// character boundary, the cut noted), and how many more there were: what results may keep of
/// an unbounded list (a page that logs without end must not blow up `results.json`).
pub fn bounded(
    items: impl IntoIterator<Item = String>,
    max_count: usize,
    max_bytes: usize,
    prepare: impl Fn(String) -> String,
) -> (Vec<String>, usize) {
    let mut items = items.into_iter();
    let shown = items
        .by_ref()
        .take(max_count)
        .map(|t| {
            let mut t = prepare(t);
            if t.len() > max_bytes {
                let cut = t.floor_char_boundary(max_bytes);
                let dropped = t.len() - cut;
                t.truncate(cut);
                t.push_str(&format!(" … ({dropped} more bytes)"));
            }
            t
        })
        .collect();
    (shown, items.count())
}

/// Final status of a test, an attempt or a step.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Succeeded.
    Passed,
    /// An action or assertion failed.
    Failed,
    /// Failed, then passed on a retry.
    Flaky,
    /// Ran past its time limit.
    TimedOut,
    /// Not run.
    Skipped,
    /// Stopped by Ctrl-C / SIGTERM.
    Interrupted,
}

impl Status {
    /// Counts as a pass for the exit code.
    pub fn is_ok(self) -> bool {
        matches!(self, Status::Passed | Status::Flaky | Status::Skipped)
    }

    /// Lowercase name, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Flaky => "flaky",
            Status::TimedOut => "timed_out",
            Status::Skipped => "skipped",
            Status::Interrupted => "interrupted",
        }
    }
}

/// The whole `results.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResult {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// About the run.
    pub run: RunInfo,
    /// One entry per app of every config.
    pub tests: Vec<TestResult>,
}

/// About the run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunInfo {
    /// Suite name (the config's `name`, joined when several configs ran).
    pub name: String,
    /// Config files.
    pub configs: Vec<String>,
    /// RFC 3339 start time.
    pub started_at: String,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Overall status: passed when every test is ok.
    pub status: Option<Status>,
    /// Tests by status.
    pub totals: Totals,
    /// Chromium version used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// panoptic version.
    pub panoptic_version: String,
    /// Concurrent attempts.
    #[serde(default)]
    pub workers: u32,
    /// `I/N` when this is one shard of a suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Highest total browser memory (PSS) sampled during the run, in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_browser_memory_mb: Option<u64>,
    /// panoptic's own peak RSS, in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panoptic_peak_rss_mb: Option<u64>,
    /// The run's OpenTelemetry trace (32 hex digits), when OTLP export is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// Tests by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Passed.
    pub passed: u32,
    /// Failed.
    pub failed: u32,
    /// Flaky.
    pub flaky: u32,
    /// Timed out.
    pub timed_out: u32,
    /// Skipped.
    pub skipped: u32,
    /// Interrupted.
    pub interrupted: u32,
}

impl Totals {
    /// Counts statuses.
    pub fn of<'a>(tests: impl IntoIterator<Item = &'a TestResult>) -> Totals {
        let mut t = Totals::default();
        for test in tests {
            *match test.status {
                Status::Passed => &mut t.passed,
                Status::Failed => &mut t.failed,
                Status::Flaky => &mut t.flaky,
                Status::TimedOut => &mut t.timed_out,
                Status::Skipped => &mut t.skipped,
                Status::Interrupted => &mut t.interrupted,
            } += 1;
        }
        t
    }

    /// Number of tests.
    pub fn total(&self) -> u32 {
        self.passed + self.failed + self.flaky + self.timed_out + self.skipped + self.interrupted
    }
}

/// One test: one app of one config.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TestResult {
    /// The app's name.
    pub name: String,
    /// Config file it came from.
    pub config: String,
    /// Final status over the attempts.
    pub status: Status,
    /// Wall time of all attempts.
    pub duration_ms: u64,
    /// Every attempt, first to last.
    pub attempts: Vec<Attempt>,
    /// The OpenTelemetry trace the test's span is in (32 hex digits), when OTLP export is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The test's span in that trace (16 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_id: Option<String>,
}

/// One attempt of a test.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Attempt {
    /// 0-based attempt number.
    pub index: u32,
    /// Status of this attempt.
    pub status: Status,
    /// RFC 3339 start time.
    pub started_at: String,
    /// Wall time.
    pub duration_ms: u64,
    /// The steps, including the opening of the app url.
    pub steps: Vec<StepResult>,
    /// Why the attempt failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// Console errors, exceptions and failed requests seen by the page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page_errors: Vec<String>,
    /// Milliseconds spent waiting for memory below `limits.memory_budget_mb` before starting.
    #[serde(default)]
    pub admission_wait_ms: u64,
    /// Milliseconds to lease the browser context + tab.
    #[serde(default)]
    pub lease_ms: u64,
    /// Highest total browser memory (PSS of every browser process tree) sampled while the
    /// attempt ran, in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_browser_memory_mb: Option<u64>,
    /// The attempt failed because its browser died (retried on a fresh browser).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub infrastructure_failure: bool,
    /// The attempt's video, relative to the output folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<String>,
    /// The attempt's trace viewer (`settings.trace`), relative to the output folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// One step.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepResult {
    /// 0-based index in the attempt.
    pub index: u32,
    /// Step name.
    pub name: String,
    /// Action type.
    pub action: String,
    /// Status.
    pub status: Status,
    /// Milliseconds since the attempt started.
    pub offset_ms: u64,
    /// Wall time.
    pub duration_ms: u64,
    /// The failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// Screenshots taken by or after the step, relative to the output folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screenshots: Vec<String>,
    /// Value produced by the step (`eval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<serde_json::Value>,
    /// The failure was allowed (`optional: true`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// The video frame at the end of the step (JPEG), relative to the output folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// The step's locator matched nothing and self-healing found the element elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healed: Option<Box<Healed>>,
    /// The step's locator and what the element it acted on was (kept in the run history, not
    /// in the JSON).
    #[serde(skip)]
    pub fingerprint: Option<Box<(String, crate::page::Fingerprint)>>,
}

/// A locator self-healing replaced for one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Healed {
    /// The locator in the config, which matched nothing.
    pub from: String,
    /// The locator of the element healing chose (adopt it: `panoptic heal --write`).
    pub to: String,
    /// How closely the element matches what the locator found before, 0 to 1.
    pub score: f64,
    /// How long the search took.
    pub took_ms: u64,
    /// Where the locator is written: config file and line.
    pub config: String,
    /// 1-based line of the step in `config`.
    pub line: u32,
}

/// Why a step failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepError {
    /// What happened.
    pub message: String,
    /// The locator involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// What the step expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What it found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

impl StepError {
    /// An error with only a message.
    pub fn msg(message: impl Into<String>) -> StepError {
        StepError {
            message: message.into(),
            ..StepError::default()
        }
    }

    /// Applies `f` to every text of the error (used for redaction).
    pub fn map_text(&mut self, f: &dyn Fn(&str) -> String) {
        self.message = f(&self.message);
        for s in [&mut self.locator, &mut self.expected, &mut self.actual]
            .into_iter()
            .flatten()
        {
            *s = f(s);
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(e) = &self.expected {
            write!(f, "\n  expected: {e}")?;
        }
        if let Some(a) = &self.actual {
            write!(f, "\n  actual:   {a}")?;
        }
        Ok(())
    }
}
