//! Plain progress lines on stderr: one per finished test, the failing step underneath.

use std::io::Write;

use panoptic_core::results::Status;
use panoptic_core::sink::{RunEvent, RunSink};

/// Writes progress to stderr.
pub(crate) struct Progress {
    color: bool,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress {
            color: std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
}

impl RunSink for Progress {
    fn event(&mut self, event: &RunEvent<'_>) {
        let mut err = std::io::stderr().lock();
        match event {
            RunEvent::RunStarted { name, tests } => {
                let _ = writeln!(err, "Running {tests} test(s) of {name}");
            }
            RunEvent::TestStarted { test, attempt } if *attempt > 0 => {
                let _ = writeln!(err, "  retry #{attempt} of {test}");
            }
            RunEvent::TestFinished { test } => {
                let (mark, code) = match test.status {
                    Status::Passed => ("✓", "32"),
                    Status::Flaky => ("~", "33"),
                    Status::Skipped => ("-", "90"),
                    _ => ("✗", "31"),
                };
                let secs = test.duration_ms as f64 / 1000.0;
                let _ = writeln!(
                    err,
                    "  {} {} ({secs:.1}s) {}",
                    self.paint(code, mark),
                    test.name,
                    test.status.as_str()
                );
                if let Some(a) = test.attempts.last() {
                    let failing = a.steps.iter().find(|s| s.status == Status::Failed && !s.optional);
                    if let Some(e) = failing.and_then(|s| s.error.as_ref()).or(a.error.as_ref()) {
                        let step = failing
                            .map(|s| format!("step {} `{}`: ", s.index, s.name))
                            .unwrap_or_default();
                        let _ = writeln!(err, "      {step}{}", e.to_string().replace('\n', "\n      "));
                    }
                }
            }
            RunEvent::RunFinished { result } => {
                let t = &result.run.totals;
                let _ = writeln!(
                    err,
                    "{} passed, {} failed, {} flaky, {} timed out ({:.1}s)",
                    t.passed,
                    t.failed + t.interrupted,
                    t.flaky,
                    t.timed_out,
                    result.run.duration_ms as f64 / 1000.0
                );
            }
            _ => {}
        }
    }
}

/// Sends every event to several sinks.
pub(crate) struct Fanout(pub(crate) Vec<Box<dyn RunSink>>);

impl RunSink for Fanout {
    fn event(&mut self, event: &RunEvent<'_>) {
        for s in &mut self.0 {
            s.event(event);
        }
    }
}
