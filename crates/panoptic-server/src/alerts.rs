//! Alert rules of scheduled checks: their judgement and their state (`notify.rs` sends). After every ended run of a check its rules are judged
//! against the check's ended runs; a rule that starts to hold fires once, one that stops holding
//! resolves once, and while one fires a reminder goes out every `remind_every`. Each
//! notification is a JSON POST to the rule's webhook. State and history live in
//! `<data>/alerts.json`, written on every change, so a restart neither repeats a fire nor
//! forgets to resolve.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::runs::{RunRecord, RunState};
use panoptic_core::config::AlertWhen;
use serde::{Deserialize, Serialize};

/// Notifications kept per rule.
pub(crate) const HISTORY: usize = 50;

/// One notification.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Sent {
    pub(crate) at: String,
    /// `firing`, `reminder` or `resolved`.
    pub(crate) kind: String,
    pub(crate) run: String,
    pub(crate) message: String,
    /// The webhook answered 2xx.
    pub(crate) delivered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

/// The state of one rule of one check.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct RuleState {
    pub(crate) firing: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) since: Option<String>,
    /// When the last notification went out (UNIX seconds), for reminders.
    #[serde(default)]
    pub(crate) last_sent_s: u64,
    #[serde(default)]
    pub(crate) history: Vec<Sent>,
}

/// Every rule's state, by `check/rule`.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct AlertBook {
    pub(crate) rules: BTreeMap<String, RuleState>,
    #[serde(skip)]
    path: PathBuf,
}

pub(crate) fn unix_s() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AlertBook {
    pub(crate) fn open(data: &Path) -> AlertBook {
        let path = data.join("alerts.json");
        let mut book: AlertBook = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        book.path = path;
        book
    }

    pub(crate) fn save(&self) {
        let write = serde_json::to_vec_pretty(self)
            .map_err(std::io::Error::other)
            .and_then(|text| {
                let tmp = self.path.with_extension("json.tmp");
                panoptic_security::fs::write_private(&tmp, &text)?;
                std::fs::rename(&tmp, &self.path)
            });
        if let Err(e) = write {
            tracing::error!("cannot write {}: {e}", self.path.display());
        }
    }

    pub(crate) fn firing(&self) -> usize {
        self.rules.values().filter(|r| r.firing).count()
    }
}

/// Whether a rule holds over a check's ended runs (oldest first), and why.
pub(crate) fn judge(when: &AlertWhen, runs: &[RunRecord]) -> (bool, String) {
    let failed = |r: &RunRecord| r.status != RunState::Passed;
    match when {
        AlertWhen::ConsecutiveFailures(n) => {
            let streak = runs.iter().rev().take_while(|r| failed(r)).count();
            (
                streak >= *n as usize,
                format!("{streak} run(s) in a row failed (limit {n})"),
            )
        }
        AlertWhen::ErrorRate { rate, window, min_runs } => {
            let since = SystemTime::now() - *window;
            let recent: Vec<_> = runs
                .iter()
                .filter(|r| {
                    r.finished_at
                        .as_deref()
                        .and_then(|t| humantime::parse_rfc3339(t).ok())
                        .is_some_and(|t| t >= since)
                })
                .collect();
            let bad = recent.iter().filter(|r| failed(r)).count();
            let share = if recent.is_empty() {
                0.0
            } else {
                bad as f64 / recent.len() as f64
            };
            (
                recent.len() >= *min_runs as usize && share >= *rate,
                format!(
                    "{bad} of {} run(s) in the last {} failed ({:.0}%, limit {:.0}%)",
                    recent.len(),
                    panoptic_core::duration::format_duration(*window),
                    share * 100.0,
                    rate * 100.0
                ),
            )
        }
        AlertWhen::DurationOver(limit) => {
            let took = runs.last().map_or(0, |r| r.duration_ms);
            (
                Duration::from_millis(took) > *limit,
                format!(
                    "the last run took {took} ms (limit {})",
                    panoptic_core::duration::format_duration(*limit)
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests;
