//! Synthetic monitoring keys of a config, used by `panoptic serve --schedule`: when the check
//! runs (`schedule`) and when it alerts (`alerts`). `panoptic run` ignores both.

use std::time::Duration;

use crate::yaml::Pos;

/// When a check runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Its rule.
    pub when: ScheduleWhen,
    /// Where the file sets it.
    pub pos: Pos,
}

/// A schedule's rule.
#[derive(Clone, Debug, PartialEq)]
pub enum ScheduleWhen {
    /// At the server's start, then every interval, anchored to the start (no drift).
    Every(Duration),
    /// At the minutes a cron expression names (UTC).
    Cron(super::Cron),
}

/// What makes an alert fire.
#[derive(Clone, Debug, PartialEq)]
pub enum AlertWhen {
    /// The last N runs failed (a retry that passed makes a run pass: flaky is not failing).
    ConsecutiveFailures(u32),
    /// At least `rate` (0–1) of the runs that ended within `window` failed, over `min_runs`.
    ErrorRate {
        /// The share of failed runs.
        rate: f64,
        /// How far back runs count.
        window: Duration,
        /// Fewer runs than this in the window never fire.
        min_runs: u32,
    },
    /// The last run took longer than this.
    DurationOver(Duration),
}

/// One alert rule: fires once when its condition starts to hold, reminds while it holds,
/// resolves once when it stops.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRule {
    /// The rule's name (unique in its config).
    pub name: String,
    /// Its condition.
    pub when: AlertWhen,
    /// Where notifications are POSTed (JSON).
    pub webhook: String,
    /// While firing, notify again this often.
    pub remind_every: Option<Duration>,
    /// Where the file sets it.
    pub pos: Pos,
}
