//! Run events and their receivers: reporters, the streamed JSONL, logs.

use crate::results::{RunResult, StepResult, TestResult};

/// Something that happened in a run, in order.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunEvent<'a> {
    /// The run begins.
    RunStarted {
        /// Suite name.
        name: &'a str,
        /// Number of tests.
        tests: usize,
        /// When it started (RFC 3339), as results.json will say.
        started_at: &'a str,
        /// `I/N` when this is one shard of a suite.
        shard: Option<&'a str>,
    },
    /// An attempt of a test begins.
    TestStarted {
        /// Test name.
        test: &'a str,
        /// 0-based attempt.
        attempt: u32,
    },
    /// A step ended.
    StepFinished {
        /// Test name.
        test: &'a str,
        /// 0-based attempt.
        attempt: u32,
        /// The step.
        step: &'a StepResult,
    },
    /// A file was written under the output folder.
    ArtifactWritten {
        /// Path relative to the output folder.
        path: &'a str,
    },
    /// A test has its final status.
    TestFinished {
        /// The test.
        test: &'a TestResult,
    },
    /// The run ended (also after an interruption).
    RunFinished {
        /// Everything.
        result: &'a RunResult,
        /// Set when no browser could be provided (exit code 3).
        infra_error: Option<&'a str>,
    },
}

/// Receives run events. Called on the executor's task: keep it cheap.
pub trait RunSink: Send {
    /// One event.
    fn event(&mut self, event: &RunEvent<'_>);
}

/// Every sink gets every event, in order.
pub struct Fanout(pub Vec<Box<dyn RunSink>>);

impl RunSink for Fanout {
    fn event(&mut self, event: &RunEvent<'_>) {
        for s in &mut self.0 {
            s.event(event);
        }
    }
}
