//! Runs configs: every app is a test, every attempt gets a fresh session, every step runs
//! under its timeout with `${…}` expanded just before it runs; results stream out as events.
//!
//! Boundary decision: the executor knows the traits (`SessionSource`, `RunSink`) and the
//! actions, never the CDP adapter; the CLI picks the adapter. It builds the one tokio runtime.

mod artifacts;
mod attempt;
mod cloud;
mod distributed;
mod history;
mod load;
mod net;
mod opts;
mod plan;
mod read;
mod redact;
mod run;
mod shared;
mod step;
mod trace;
mod video;
mod visual;

pub use artifacts::{Artifacts, RUN_OUTPUTS, slug, unique_dirs};
pub use history::{History, HistorySink, append as append_history};
pub use load::{MAX_CONFIG_BYTES, SystemLookup, load_file};
pub use opts::{RunOpts, RunOutcome};
pub use plan::{Durations, Selection, TestRef, parse_shard, plan, plan_with};
pub use read::read_regular;
pub use redact::Redactor;
pub use run::{Components, Executor};

/// The process's tokio runtime (built here and nowhere else).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("panoptic")
        .build()
}

#[cfg(test)]
mod tests;
