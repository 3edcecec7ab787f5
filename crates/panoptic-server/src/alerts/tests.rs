//! The rules' judgement over a check's runs.

use std::time::Duration;

use super::*;

fn run(status: RunState, ms: u64, ago_s: u64) -> RunRecord {
    let mut r = RunRecord::queued("r".into(), "c".into(), "schedule", "s".into());
    r.status = status;
    r.duration_ms = ms;
    r.finished_at = Some(humantime::format_rfc3339_millis(SystemTime::now() - Duration::from_secs(ago_s)).to_string());
    r
}

#[test]
fn consecutive_failures_count_only_the_latest_streak() {
    use RunState::{Error, Failed, Passed};
    let when = AlertWhen::ConsecutiveFailures(2);
    let runs = |s: &[RunState]| s.iter().map(|s| run(*s, 10, 1)).collect::<Vec<_>>();
    assert!(!judge(&when, &runs(&[])).0);
    assert!(!judge(&when, &runs(&[Failed])).0);
    assert!(judge(&when, &runs(&[Passed, Failed, Error])).0);
    assert!(
        !judge(&when, &runs(&[Failed, Failed, Passed])).0,
        "a pass ends the streak"
    );
    let (_, why) = judge(&when, &runs(&[Failed, Failed, Failed]));
    assert_eq!(why, "3 run(s) in a row failed (limit 2)");
}

#[test]
fn error_rate_looks_only_inside_its_window_and_needs_its_runs() {
    let when = AlertWhen::ErrorRate {
        rate: 0.5,
        window: Duration::from_secs(60),
        min_runs: 2,
    };
    let old_failures = vec![
        run(RunState::Failed, 1, 600),
        run(RunState::Failed, 1, 600),
        run(RunState::Passed, 1, 5),
    ];
    assert!(
        !judge(&when, &old_failures).0,
        "failures outside the window do not count"
    );
    assert!(
        !judge(&when, &[run(RunState::Failed, 1, 5)]).0,
        "one run is under min_runs"
    );
    let (holds, why) = judge(&when, &[run(RunState::Failed, 1, 5), run(RunState::Passed, 1, 4)]);
    assert!(holds, "{why}");
    assert_eq!(why, "1 of 2 run(s) in the last 60s failed (50%, limit 50%)");
}

#[test]
fn duration_over_judges_the_last_run() {
    let when = AlertWhen::DurationOver(Duration::from_secs(1));
    assert!(judge(&when, &[run(RunState::Passed, 100, 1), run(RunState::Passed, 1500, 1)]).0);
    assert!(!judge(&when, &[run(RunState::Passed, 1500, 1), run(RunState::Passed, 100, 1)]).0);
    assert!(!judge(&when, &[]).0);
}
