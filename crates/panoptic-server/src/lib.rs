//! `panoptic serve`: the engine as a service. Runs are submitted over an HTTP API (YAML body,
//! API keys with roles), queued with a bound, executed on one warm browser pool, and kept on
//! disk with their reports and artifacts. Operators get `/healthz`, `/readyz`, `/pressure`
//! and Prometheus `/metrics`; people get a live dashboard; synthetic checks run on schedules
//! and alert by webhook.
//!
//! Boundary decision: this crate owns HTTP and the server's state; running a config is the
//! executor's, keys and the audit log are the security crate's, metrics the telemetry crate's.

mod alerts;
mod api;
mod app;
mod check;
mod dashboard;
mod exec;
mod health;
mod notify;
mod runs;
mod schedule;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use serve::serve;

/// How the server is set up (`panoptic serve` flags).
#[derive(Clone, Debug)]
pub struct ServeOpts {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Folder for runs, keys, the audit log and alert state.
    pub data: PathBuf,
    /// The API keys file (`<data>/keys.json` unless given).
    pub keys: PathBuf,
    /// Runs waiting at most; more submissions get 429.
    pub queue: usize,
    /// Runs executing at once.
    pub concurrency: usize,
    /// Largest request body, in bytes; more gets 413.
    pub body_limit: usize,
    /// Browser memory above which `/readyz` says not ready, in MiB.
    pub memory_budget_mb: u64,
    /// Remote browsers instead of a local Chromium.
    pub endpoints: Vec<String>,
    /// A folder of configs to run on their `schedule`, with their `alerts`.
    pub schedule: Option<PathBuf>,
}

/// Now, as the records and the audit log write it (RFC 3339, milliseconds).
pub fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
