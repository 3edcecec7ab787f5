//! What a run is asked to do (from the command line) and what it produced.

use std::path::PathBuf;

use panoptic_core::config::Profile;
use panoptic_core::results::RunResult;
use tokio::sync::watch;

use crate::plan::Selection;

/// Run-wide options from the command line.
#[derive(Clone, Debug, Default)]
pub struct RunOpts {
    /// Overrides `settings.retries` of every config.
    pub retries: Option<u32>,
    /// Overrides the workers of the first config (and its profile).
    pub workers: Option<u32>,
    /// Overrides `settings.profile` of every config.
    pub profile: Option<Profile>,
    /// Which tests run.
    pub select: Selection,
    /// Version of the tool, for the results.
    pub tool_version: String,
    /// Becomes `true` on Ctrl-C / SIGTERM: nothing new starts, running attempts stop.
    pub cancel: Option<watch::Receiver<bool>>,
    /// Run-history folder that `--shard` balances by (the durations it holds). `None`: no
    /// history. Runs are added to it by a [`crate::HistorySink`].
    pub history: Option<PathBuf>,
    /// `assert_screenshot` writes the baselines that are missing or differ, and passes.
    pub update_snapshots: bool,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// Every test's result.
    pub result: RunResult,
    /// Set when no browser could be provided (exit code 3).
    pub infra_error: Option<String>,
    /// The run was interrupted (exit code 130).
    pub interrupted: bool,
}
