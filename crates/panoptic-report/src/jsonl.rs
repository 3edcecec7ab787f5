//! `results.jsonl`: one JSON object per event, flushed as the run goes, so a killed run still
//! leaves everything up to its last step.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use panoptic_core::sink::{RunEvent, RunSink};
use panoptic_security::fs::{Mode, open_private};
use serde_json::json;

/// Streams run events to a file.
pub struct JsonlSink {
    out: BufWriter<File>,
}

impl JsonlSink {
    /// Creates (truncates) the file.
    pub fn create(path: &Path) -> std::io::Result<JsonlSink> {
        let f = open_private(path, Mode::Truncate)?;
        Ok(JsonlSink { out: BufWriter::new(f) })
    }
}

impl RunSink for JsonlSink {
    fn event(&mut self, event: &RunEvent<'_>) {
        let v = match event {
            RunEvent::RunStarted { name, tests, .. } => {
                json!({"event": "run_started", "name": name, "tests": tests})
            }
            RunEvent::TestStarted { test, attempt } => {
                json!({"event": "test_started", "test": test, "attempt": attempt})
            }
            RunEvent::StepFinished { test, attempt, step } => {
                json!({"event": "step_finished", "test": test, "attempt": attempt, "step": step})
            }
            RunEvent::ArtifactWritten { path } => json!({"event": "artifact", "path": path}),
            RunEvent::TestFinished { test } => json!({"event": "test_finished", "test": test}),
            RunEvent::RunFinished { result, .. } => json!({"event": "run_finished", "run": result.run}),
            _ => return,
        };
        // A full disk must not stop the run; results.json is still attempted at the end.
        let _ = serde_json::to_writer(&mut self.out, &v)
            .map_err(std::io::Error::other)
            .and_then(|()| {
                self.out.write_all(b"\n")?;
                self.out.flush()
            });
    }
}
