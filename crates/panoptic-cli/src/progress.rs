//! Progress on stderr: one line per finished test with the failing step underneath, and on a
//! TTY a live line per running attempt (indicatif) showing its current step.

use panoptic_security::text::printable;
use std::collections::HashMap;
use std::io::Write;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use panoptic_core::results::Status;
use panoptic_core::sink::{RunEvent, RunSink};

/// Writes progress to stderr.
pub(crate) struct Progress {
    color: bool,
    live: Option<MultiProgress>,
    bars: HashMap<String, ProgressBar>,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let live = tty.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress {
            color: std::env::var_os("NO_COLOR").is_none() && tty,
            live,
            bars: HashMap::new(),
        }
    }

    /// A line above the live bars (or plain on stderr). User texts in it (test and step
    /// names, messages) went through `printable`; our own colour codes did not.
    fn line(&self, text: &str) {
        match &self.live {
            Some(m) => {
                let _ = m.println(text);
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }

    fn live_event(&mut self, event: &RunEvent<'_>) {
        let Some(m) = &self.live else { return };
        match event {
            RunEvent::TestStarted { test, attempt } => {
                let bar = m.add(ProgressBar::new_spinner());
                let style = ProgressStyle::with_template("  {spinner} {prefix} {wide_msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                bar.set_style(style);
                bar.set_prefix(if *attempt > 0 {
                    format!("{} (retry {attempt})", printable(test))
                } else {
                    printable(test).into_owned()
                });
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                if let Some(old) = self.bars.insert((*test).to_owned(), bar) {
                    old.finish_and_clear();
                }
            }
            RunEvent::StepFinished { test, step, .. } => {
                if let Some(bar) = self.bars.get(*test) {
                    bar.set_message(format!("step {} {}", step.index, printable(&step.name)));
                }
            }
            RunEvent::TestFinished { test } => {
                if let Some(bar) = self.bars.remove(&test.name) {
                    bar.finish_and_clear();
                }
            }
            _ => {}
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
        self.live_event(event);
        match event {
            RunEvent::RunStarted { name, tests, .. } => {
                self.line(&format!("Running {tests} test(s) of {}", printable(name)));
            }
            RunEvent::TestStarted { test, attempt } if *attempt > 0 && self.live.is_none() => {
                self.line(&format!("  retry #{attempt} of {test}"));
            }
            RunEvent::TestFinished { test } => {
                let (mark, code) = match test.status {
                    Status::Passed => ("✓", "32"),
                    Status::Flaky => ("~", "33"),
                    Status::Skipped => ("-", "90"),
                    _ => ("✗", "31"),
                };
                let secs = test.duration_ms as f64 / 1000.0;
                self.line(&format!(
                    "  {} {} ({secs:.1}s) {}",
                    self.paint(code, mark),
                    printable(&test.name),
                    test.status.as_str()
                ));
                if let Some(a) = test.attempts.last() {
                    let failing = a.steps.iter().find(|s| s.status == Status::Failed && !s.optional);
                    if let Some(e) = failing.and_then(|s| s.error.as_ref()).or(a.error.as_ref()) {
                        let step = failing
                            .map(|s| format!("step {} `{}`: ", s.index, printable(&s.name)))
                            .unwrap_or_default();
                        let message = e.to_string();
                        self.line(&format!(
                            "      {step}{}",
                            printable(&message).replace('\n', "\n      ")
                        ));
                    }
                }
            }
            RunEvent::RunFinished { result, .. } => {
                let t = &result.run.totals;
                self.line(&format!(
                    "{} passed, {} failed, {} flaky, {} timed out ({:.1}s)",
                    t.passed,
                    t.failed + t.interrupted,
                    t.flaky,
                    t.timed_out,
                    result.run.duration_ms as f64 / 1000.0
                ));
            }
            _ => {}
        }
    }
}
