//! `junit.xml`: one `<testsuite>` per config, one `<testcase>` per app; a failure names the
//! failing step with expected and actual.

use maud::{PreEscaped, html};
use panoptic_core::results::{RunResult, Status, TestResult};
use panoptic_security::text::printable;

fn failure_text(t: &TestResult) -> (String, String) {
    let Some(attempt) = t.attempts.last() else {
        return ("no attempt ran".into(), String::new());
    };
    let failing = attempt.steps.iter().find(|s| s.status == Status::Failed && !s.optional);
    let err = failing.and_then(|s| s.error.as_ref()).or(attempt.error.as_ref());
    let step = failing
        .map(|s| format!("step {} `{}` ({}): ", s.index, s.name, s.action))
        .unwrap_or_default();
    let message = format!("{step}{}", err.map(|e| e.message.as_str()).unwrap_or("failed"));
    let mut body = message.clone();
    if let Some(e) = err {
        if let Some(l) = &e.locator {
            body.push_str(&format!("\nlocator:  {l}"));
        }
        if let Some(x) = &e.expected {
            body.push_str(&format!("\nexpected: {x}"));
        }
        if let Some(a) = &e.actual {
            body.push_str(&format!("\nactual:   {a}"));
        }
    }
    (message, body)
}

/// Renders JUnit XML.
pub fn render_junit(result: &RunResult) -> String {
    let mut suites: Vec<(&str, Vec<&TestResult>)> = Vec::new();
    for t in &result.tests {
        match suites.iter_mut().find(|(c, _)| *c == t.config) {
            Some((_, v)) => v.push(t),
            None => suites.push((&t.config, vec![t])),
        }
    }
    let secs = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let failures = |ts: &[&TestResult]| {
        ts.iter()
            .filter(|t| matches!(t.status, Status::Failed | Status::Interrupted))
            .count()
    };
    let errors = |ts: &[&TestResult]| ts.iter().filter(|t| t.status == Status::TimedOut).count();
    let skipped = |ts: &[&TestResult]| ts.iter().filter(|t| t.status == Status::Skipped).count();
    let all: Vec<&TestResult> = result.tests.iter().collect();
    let markup = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
        testsuites name=(printable(&result.run.name)) tests=(all.len()) failures=(failures(&all)) errors=(errors(&all)) skipped=(skipped(&all)) time=(secs(result.run.duration_ms)) {
            @for (config, tests) in &suites {
                testsuite name=(printable(config)) tests=(tests.len()) failures=(failures(tests)) errors=(errors(tests)) skipped=(skipped(tests)) time=(secs(tests.iter().map(|t| t.duration_ms).sum())) timestamp=(result.run.started_at) {
                    @for t in tests {
                        testcase name=(printable(&t.name)) classname=(printable(config)) time=(secs(t.duration_ms)) {
                            @match t.status {
                                Status::Failed | Status::Interrupted => {
                                    @let (message, body) = failure_text(t);
                                    failure message=(printable(&message)) type=(t.status.as_str()) { (printable(&body)) }
                                }
                                Status::TimedOut => {
                                    @let (message, body) = failure_text(t);
                                    error message=(printable(&message)) type="timed_out" { (printable(&body)) }
                                }
                                Status::Skipped => { skipped {} }
                                Status::Flaky => { system-out { "flaky: passed on attempt " (t.attempts.len()) } }
                                Status::Passed => {}
                            }
                            @let healed = healed_text(t);
                            @if !healed.is_empty() { system-err { (printable(&healed)) } }
                        }
                    }
                }
            }
        }
    };
    markup.into_string()
}

/// A warning per step of the test's last attempt that self-healing changed.
fn healed_text(t: &TestResult) -> String {
    t.attempts
        .last()
        .into_iter()
        .flat_map(|a| &a.steps)
        .filter_map(|s| {
            let h = s.healed.as_ref()?;
            Some(format!(
                "warning: step {} ({}) healed: `{}` matched nothing, `{}` was used (match {:.2}); adopt it with `panoptic heal --write`\n",
                s.index, s.name, h.from, h.to, h.score
            ))
        })
        .collect()
}
