//! The run-history folder (`.panoptic/history/` by default): one rkyv archive per run, written
//! 0600 in a 0700 folder, read back whole and viewed in place.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use panoptic_core::history::{self, ArchivedRunRecord, RunRecord, TestStats};
use panoptic_core::page::Fingerprint;
use panoptic_core::results::{RunResult, Status};
use panoptic_core::sink::{RunEvent, RunSink};
use rkyv::util::AlignedVec;

/// Largest run archive read (a run of 10 000 tests is well under 1 MiB).
const MAX_ARCHIVE_BYTES: u64 = 64 << 20;

/// Past runs loaded from a history folder, oldest first.
#[derive(Debug, Default)]
pub struct History {
    runs: Vec<AlignedVec>,
    /// Files that could not be read, with the reason (they are skipped, never fatal).
    pub skipped: Vec<(PathBuf, String)>,
}

impl History {
    /// Reads every `*.rkyv` file of `dir` (none when it does not exist).
    pub fn load(dir: &Path) -> std::io::Result<History> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "rkyv"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        // Names start with the UTC start time, so name order is time order.
        files.sort();
        let mut h = History::default();
        for f in files {
            // A FIFO, a device or a huge file named `*.rkyv` is skipped, never read or waited on.
            let bytes = match crate::read::read_regular(&f, MAX_ARCHIVE_BYTES) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                    h.skipped.push((f, e.to_string()));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut aligned = AlignedVec::<16>::with_capacity(bytes.len());
            aligned.extend_from_slice(&bytes);
            match history::access(&aligned) {
                Ok(_) => h.runs.push(aligned),
                Err(e) => h.skipped.push((f, e.to_string())),
            }
        }
        Ok(h)
    }

    /// The runs, viewed in place, oldest first.
    pub fn runs(&self) -> impl Iterator<Item = &ArchivedRunRecord> {
        // Every buffer was validated when it was loaded.
        self.runs.iter().filter_map(|b| history::access(b).ok())
    }

    /// Number of runs loaded.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// No runs.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Per-test statistics.
    pub fn stats(&self) -> Vec<TestStats> {
        history::stats(self.runs())
    }

    /// What `locator` found in the last run of `(config, test)` that recorded it.
    pub fn fingerprint(&self, config: &str, test: &str, locator: &str) -> Option<Fingerprint> {
        let runs: Vec<&ArchivedRunRecord> = self.runs().collect();
        runs.into_iter().rev().find_map(|run| {
            let at = run.tests.iter().position(|t| t.name == test && t.config == config)?;
            let kept = run
                .fingerprints
                .iter()
                .rev()
                .find(|k| k.test.to_native() as usize == at && k.locator.as_str() == locator)?;
            rkyv::deserialize::<Fingerprint, rkyv::rancor::Error>(&kept.fingerprint).ok()
        })
    }

    /// Expected duration per `(config, test)`: the median of its runs.
    pub fn durations(&self) -> HashMap<(String, String), u64> {
        self.stats()
            .into_iter()
            .map(|s| ((s.config, s.name), s.p50_ms))
            .collect()
    }
}

/// Adds a finished run to `dir`; returns the file written.
pub fn append(dir: &Path, run: &RunResult) -> std::io::Result<PathBuf> {
    let bytes = RunRecord::of(run)
        .encode()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let stamp: String = run
        .run
        .started_at
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    // Two runs of one process can start within the same millisecond: number them.
    for n in 0u32.. {
        let path = dir.join(format!("{stamp}-{}-{n}.rkyv", std::process::id()));
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        f.write_all(&bytes)?;
        return Ok(path);
    }
    Err(std::io::Error::other("no free history file name"))
}

/// Adds every finished run to a history folder, as a [`RunSink`]. A run that was interrupted or
/// had no browser is left out: its durations would mislead shard balancing.
#[derive(Debug)]
pub struct HistorySink {
    dir: PathBuf,
}

impl HistorySink {
    /// A sink that writes into `dir` (created when needed).
    pub fn new(dir: PathBuf) -> HistorySink {
        HistorySink { dir }
    }
}

impl RunSink for HistorySink {
    fn event(&mut self, event: &RunEvent<'_>) {
        let RunEvent::RunFinished { result, infra_error } = event else {
            return;
        };
        if result.run.status == Some(Status::Interrupted) || infra_error.is_some() {
            return;
        }
        if let Err(e) = append(&self.dir, result) {
            tracing::warn!("cannot add the run to the history in {}: {e}", self.dir.display());
        }
    }
}
