//! Runs the server knows: one folder each under `<data>/runs/<id>/` (the submitted
//! `config.yaml`, `run.json` with the record below, `out/` with the run's reports and
//! artifacts). Records are kept in memory and written on every change, so a restarted server
//! lists every run it had; a run that was queued or running when it stopped is marked
//! `interrupted`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use panoptic_core::results::{RunResult, Totals};
use serde::{Deserialize, Serialize};

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RunState {
    /// Waiting for its turn.
    Queued,
    /// Executing.
    Running,
    /// Every test passed (flaky ones count as passed).
    Passed,
    /// A test failed or timed out.
    Failed,
    /// No browser could be provided, or the output could not be written.
    Error,
    /// Cancelled by a caller.
    Cancelled,
    /// The server stopped before it finished.
    Interrupted,
}

impl RunState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Passed => "passed",
            RunState::Failed => "failed",
            RunState::Error => "error",
            RunState::Cancelled => "cancelled",
            RunState::Interrupted => "interrupted",
        }
    }

    pub(crate) fn finished(self) -> bool {
        !matches!(self, RunState::Queued | RunState::Running)
    }
}

/// One test of a finished run, as lists show it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TestLine {
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The last screenshot of a failed test (path under the run's artifacts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) screenshot: Option<String>,
}

/// What the API says about a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RunRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) status: RunState,
    /// `api` or `schedule`.
    pub(crate) source: String,
    /// The key (id and name) that submitted it, or the check's file.
    pub(crate) submitted_by: String,
    pub(crate) submitted_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) finished_at: Option<String>,
    #[serde(default)]
    pub(crate) duration_ms: u64,
    #[serde(default)]
    pub(crate) totals: Totals,
    #[serde(default)]
    pub(crate) tests: Vec<TestLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The scheduled check this run is of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) check: Option<String>,
    /// When the schedule wanted it to start (its start minus this is the scheduler's jitter
    /// plus the queue's wait).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) due_at: Option<String>,
}

impl RunRecord {
    /// A record for a run just accepted.
    pub(crate) fn queued(id: String, name: String, source: &str, submitted_by: String) -> RunRecord {
        RunRecord {
            id,
            name,
            status: RunState::Queued,
            source: source.to_owned(),
            submitted_by,
            submitted_at: crate::now(),
            started_at: None,
            finished_at: None,
            duration_ms: 0,
            totals: Totals::default(),
            tests: Vec::new(),
            error: None,
            check: None,
            due_at: None,
        }
    }

    /// Fills in what a finished run produced.
    pub(crate) fn finish(&mut self, result: &RunResult, state: RunState, error: Option<String>) {
        self.status = state;
        self.finished_at = Some(crate::now());
        self.duration_ms = result.run.duration_ms;
        self.totals = result.run.totals;
        self.error = error;
        self.tests = result
            .tests
            .iter()
            .map(|t| {
                let last = t.attempts.last();
                TestLine {
                    name: t.name.clone(),
                    status: t.status.as_str().to_owned(),
                    duration_ms: t.duration_ms,
                    error: last.and_then(|a| a.error.as_ref()).map(|e| e.message.clone()),
                    screenshot: (!t.status.is_ok())
                        .then(|| last.and_then(|a| a.steps.iter().rev().find_map(|s| s.screenshots.last().cloned())))
                        .flatten(),
                }
            })
            .collect();
    }
}

/// Every run's record, by id (ids sort by submission time).
pub(crate) struct RunStore {
    dir: PathBuf,
    runs: Mutex<BTreeMap<String, RunRecord>>,
}

impl RunStore {
    /// Reads the records under `<data>/runs`; unfinished ones become `interrupted`.
    pub(crate) fn open(data: &Path) -> std::io::Result<RunStore> {
        let dir = data.join("runs");
        panoptic_security::fs::create_private_dir(&dir)?;
        let mut runs = BTreeMap::new();
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let path = entry.path().join("run.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            match serde_json::from_str::<RunRecord>(&text) {
                Ok(mut r) => {
                    if !r.status.finished() {
                        r.status = RunState::Interrupted;
                        r.error = Some("the server stopped before the run finished".into());
                        r.finished_at = Some(crate::now());
                        let _ = write_record(&path, &r);
                    }
                    runs.insert(r.id.clone(), r);
                }
                Err(e) => tracing::warn!("{}: not a run record ({e}); left alone", path.display()),
            }
        }
        Ok(RunStore {
            dir,
            runs: Mutex::new(runs),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, RunRecord>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The run's folder.
    pub(crate) fn dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Adds or replaces a record, and writes it.
    pub(crate) fn put(&self, r: RunRecord) -> std::io::Result<()> {
        let path = self.dir(&r.id).join("run.json");
        write_record(&path, &r)?;
        self.lock().insert(r.id.clone(), r);
        Ok(())
    }

    /// Changes a record with `f` and writes it; the record after the change.
    pub(crate) fn update(&self, id: &str, f: impl FnOnce(&mut RunRecord)) -> Option<RunRecord> {
        let mut runs = self.lock();
        let r = runs.get_mut(id)?;
        f(r);
        let r = r.clone();
        drop(runs);
        if let Err(e) = write_record(&self.dir(id).join("run.json"), &r) {
            tracing::warn!(run = id, "cannot write the run's record: {e}");
        }
        Some(r)
    }

    pub(crate) fn get(&self, id: &str) -> Option<RunRecord> {
        self.lock().get(id).cloned()
    }

    /// The ended runs of a check (passed, failed or error), oldest first.
    pub(crate) fn of_check(&self, check: &str) -> Vec<RunRecord> {
        self.lock()
            .values()
            .filter(|r| r.check.as_deref() == Some(check))
            .filter(|r| matches!(r.status, RunState::Passed | RunState::Failed | RunState::Error))
            .cloned()
            .collect()
    }

    /// Whether a run of the check is queued or running.
    pub(crate) fn check_busy(&self, check: &str) -> bool {
        self.lock()
            .values()
            .any(|r| r.check.as_deref() == Some(check) && !r.status.finished())
    }

    /// The newest `limit` runs, newest first.
    pub(crate) fn newest(&self, limit: usize) -> Vec<RunRecord> {
        self.lock().values().rev().take(limit).cloned().collect()
    }
}

fn write_record(path: &Path, r: &RunRecord) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(r).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    panoptic_security::fs::write_private(&tmp, &text)?;
    std::fs::rename(tmp, path)
}
