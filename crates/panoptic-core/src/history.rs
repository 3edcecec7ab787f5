//! Run history (DESIGN §8): what one run leaves for later runs, as an rkyv archive that is read
//! in place (zero-copy), and the analytics over many of them (pass rate, flaky, slowest,
//! p50/p95). The files themselves are the executor's business; this module only encodes,
//! validates and counts.

use std::collections::HashMap;

use rkyv::rancor;
use rkyv::util::AlignedVec;

use crate::page::Fingerprint;
use crate::results::{ArchivedStatus, RunResult, Status};

/// Format version stored in every archive; bump on any layout change (old files are skipped).
pub const HISTORY_VERSION: u32 = 2;

/// One run, as history keeps it.
#[derive(Clone, Debug, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct RunRecord {
    /// [`HISTORY_VERSION`].
    pub version: u32,
    /// RFC 3339 start time.
    pub started_at: String,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// One entry per test that ran.
    pub tests: Vec<TestRecord>,
    /// What each locator of a passed test found (one list per run, not per test: a run
    /// without any costs one empty list).
    pub fingerprints: Vec<Touched>,
}

/// A locator of a passed test and what it found.
#[derive(Clone, Debug, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Touched {
    /// Index of the test in [`RunRecord::tests`].
    pub test: u32,
    /// The locator, as the step ran it.
    pub locator: String,
    /// What it found.
    pub fingerprint: Fingerprint,
}

/// One test of a run.
#[derive(Clone, Debug, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct TestRecord {
    /// Test (app) name.
    pub name: String,
    /// Config file it came from.
    pub config: String,
    /// Final status.
    pub status: Status,
    /// Wall time of the whole test, every attempt included.
    pub duration_ms: u64,
    /// Attempts made.
    pub attempts: u32,
}

/// An archive that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Not a valid archive (truncated, edited or another format).
    #[error("not a panoptic history archive: {0}")]
    Invalid(String),
    /// Written by another layout version.
    #[error("history archive version {found}, this panoptic reads version {HISTORY_VERSION}")]
    Version {
        /// The version in the file.
        found: u32,
    },
}

/// The fingerprints of each passed test's last attempt, one per locator (the last one seen).
fn fingerprints(run: &RunResult) -> Vec<Touched> {
    let mut out: Vec<Touched> = Vec::new();
    for (i, t) in run.tests.iter().enumerate() {
        if !matches!(t.status, Status::Passed | Status::Flaky) {
            continue;
        }
        let test = u32::try_from(i).unwrap_or(u32::MAX);
        for step in t.attempts.last().map(|a| a.steps.as_slice()).unwrap_or_default() {
            let Some(kept) = &step.fingerprint else {
                continue;
            };
            let (locator, fp) = kept.as_ref();
            out.retain(|x| x.test != test || x.locator != *locator);
            out.push(Touched {
                test,
                locator: locator.clone(),
                fingerprint: fp.clone(),
            });
        }
    }
    out
}

impl RunRecord {
    /// The history entry of a finished run.
    pub fn of(run: &RunResult) -> RunRecord {
        RunRecord {
            version: HISTORY_VERSION,
            started_at: run.run.started_at.clone(),
            duration_ms: run.run.duration_ms,
            tests: run
                .tests
                .iter()
                .map(|t| TestRecord {
                    name: t.name.clone(),
                    config: t.config.clone(),
                    status: t.status,
                    duration_ms: t.duration_ms,
                    attempts: u32::try_from(t.attempts.len()).unwrap_or(u32::MAX),
                })
                .collect(),
            fingerprints: fingerprints(run),
        }
    }

    /// The archive bytes.
    pub fn encode(&self) -> Result<AlignedVec, HistoryError> {
        rkyv::to_bytes::<rancor::Error>(self).map_err(|e| HistoryError::Invalid(e.to_string()))
    }
}

/// Validates `bytes` (which must be 16-byte aligned, as an [`AlignedVec`] is) and views them
/// as a run without copying.
pub fn access(bytes: &[u8]) -> Result<&ArchivedRunRecord, HistoryError> {
    let run =
        rkyv::access::<ArchivedRunRecord, rancor::Error>(bytes).map_err(|e| HistoryError::Invalid(e.to_string()))?;
    let found = run.version.to_native();
    if found != HISTORY_VERSION {
        return Err(HistoryError::Version { found });
    }
    Ok(run)
}

impl ArchivedStatus {
    /// The live value.
    pub fn get(&self) -> Status {
        match self {
            ArchivedStatus::Passed => Status::Passed,
            ArchivedStatus::Failed => Status::Failed,
            ArchivedStatus::Flaky => Status::Flaky,
            ArchivedStatus::TimedOut => Status::TimedOut,
            ArchivedStatus::Skipped => Status::Skipped,
            ArchivedStatus::Interrupted => Status::Interrupted,
        }
    }
}

/// What history says about one test.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestStats {
    /// Test name.
    pub name: String,
    /// Config file.
    pub config: String,
    /// Runs it appeared in.
    pub runs: u32,
    /// Passed on the first attempt.
    pub passed: u32,
    /// Passed after a retry.
    pub flaky: u32,
    /// Failed, timed out or was interrupted.
    pub failed: u32,
    /// Median duration.
    pub p50_ms: u64,
    /// 95th percentile duration.
    pub p95_ms: u64,
    /// Duration in the newest run.
    pub last_ms: u64,
}

impl TestStats {
    /// Passed and flaky runs over all runs, in percent.
    pub fn pass_rate(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            f64::from(self.passed + self.flaky) * 100.0 / f64::from(self.runs)
        }
    }

    /// Both passed and failed (or flaky) at least once: the outcome depends on more than the code.
    pub fn is_flaky(&self) -> bool {
        self.flaky > 0 || (self.passed > 0 && self.failed > 0)
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Per-test statistics over `runs` (oldest first), in first-seen order. Skipped tests count
/// as runs only for their status, not for durations.
pub fn stats<'a>(runs: impl IntoIterator<Item = &'a ArchivedRunRecord>) -> Vec<TestStats> {
    let mut order: Vec<TestStats> = Vec::new();
    let mut index: HashMap<(&'a str, &'a str), usize> = HashMap::new();
    let mut durations: Vec<Vec<u64>> = Vec::new();
    for run in runs {
        for t in run.tests.iter() {
            let key = (t.config.as_str(), t.name.as_str());
            let i = *index.entry(key).or_insert_with(|| {
                order.push(TestStats {
                    name: t.name.to_string(),
                    config: t.config.to_string(),
                    ..TestStats::default()
                });
                durations.push(Vec::new());
                order.len() - 1
            });
            let s = &mut order[i];
            s.runs += 1;
            let status = t.status.get();
            match status {
                Status::Passed => s.passed += 1,
                Status::Flaky => s.flaky += 1,
                Status::Skipped => {}
                Status::Failed | Status::TimedOut | Status::Interrupted => s.failed += 1,
            }
            if status != Status::Skipped {
                s.last_ms = t.duration_ms.to_native();
                durations[i].push(s.last_ms);
            }
        }
    }
    for (s, d) in order.iter_mut().zip(&mut durations) {
        d.sort_unstable();
        s.p50_ms = percentile(d, 50.0);
        s.p95_ms = percentile(d, 95.0);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(tests: &[(&str, Status, u64)]) -> RunRecord {
        RunRecord {
            version: HISTORY_VERSION,
            started_at: "2026-11-27T00:00:00.000Z".into(),
            duration_ms: 10,
            tests: tests
                .iter()
                .map(|&(name, status, duration_ms)| TestRecord {
                    name: name.into(),
                    config: "a.yaml".into(),
                    status,
                    duration_ms,
                    attempts: 1,
                })
                .collect(),
            fingerprints: Vec::new(),
        }
    }

    #[test]
    fn archives_round_trip_and_are_read_in_place() {
        let r = record(&[("Login", Status::Passed, 120), ("Cart", Status::Flaky, 900)]);
        let bytes = r.encode().unwrap();
        let a = access(&bytes).unwrap();
        assert_eq!(a.tests.len(), 2);
        assert_eq!(a.tests[1].name.as_str(), "Cart");
        assert_eq!(a.tests[1].status.get(), Status::Flaky);
        let back: RunRecord = rkyv::deserialize::<RunRecord, rancor::Error>(a).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn damaged_or_foreign_archives_are_refused() {
        let bytes = record(&[("Login", Status::Passed, 120)]).encode().unwrap();
        let mut cut = AlignedVec::<16>::new();
        cut.extend_from_slice(&bytes[..bytes.len() / 2]);
        assert!(matches!(access(&cut), Err(HistoryError::Invalid(_))));
        let mut other = record(&[]);
        other.version = 99;
        let bytes = other.encode().unwrap();
        assert!(matches!(access(&bytes), Err(HistoryError::Version { found: 99 })));
    }

    #[test]
    fn stats_count_statuses_and_percentiles() {
        let runs: Vec<AlignedVec> = [
            record(&[("A", Status::Passed, 100), ("B", Status::Failed, 10)]),
            record(&[("A", Status::Passed, 300), ("B", Status::Passed, 20)]),
            record(&[("A", Status::Flaky, 200), ("B", Status::Skipped, 0)]),
        ]
        .iter()
        .map(|r| r.encode().unwrap())
        .collect();
        let s = stats(runs.iter().map(|b| access(b).unwrap()));
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].runs, s[0].passed, s[0].flaky, s[0].failed), (3, 2, 1, 0));
        assert_eq!((s[0].p50_ms, s[0].p95_ms, s[0].last_ms), (200, 300, 200));
        assert!(s[0].is_flaky());
        assert!((s[0].pass_rate() - 100.0).abs() < 1e-9);
        assert_eq!((s[1].runs, s[1].passed, s[1].failed), (3, 1, 1));
        assert_eq!((s[1].p50_ms, s[1].last_ms), (20, 20));
        assert!(s[1].is_flaky());
    }
}
