//! `summary.md` for `$GITHUB_STEP_SUMMARY`.

use std::fmt::Write;

use panoptic_core::results::{RunResult, Status};

use crate::fmt_ms;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the Markdown summary.
pub fn render_markdown(result: &RunResult) -> String {
    let t = &result.run.totals;
    let mut out = String::new();
    let icon = if result.run.status == Some(Status::Passed) {
        "✅"
    } else {
        "❌"
    };
    let _ = writeln!(out, "## {icon} {}\n", cell(&result.run.name));
    let _ = writeln!(
        out,
        "{} tests: {} passed, {} failed, {} flaky, {} timed out, {} skipped, {} interrupted — {}\n",
        t.total(),
        t.passed,
        t.failed,
        t.flaky,
        t.timed_out,
        t.skipped,
        t.interrupted,
        fmt_ms(result.run.duration_ms)
    );
    let _ = writeln!(
        out,
        "| test | status | attempts | duration | failure |\n|---|---|---|---|---|"
    );
    for test in &result.tests {
        let failure = test
            .attempts
            .last()
            .and_then(|a| {
                a.steps
                    .iter()
                    .find(|s| s.status == Status::Failed && !s.optional)
                    .and_then(|s| s.error.as_ref())
                    .or(a.error.as_ref())
            })
            .map(|e| cell(&e.message))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&test.name),
            test.status.as_str(),
            test.attempts.len(),
            fmt_ms(test.duration_ms),
            failure
        );
    }
    out
}
