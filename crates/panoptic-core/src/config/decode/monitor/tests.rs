//! `schedule:` and `alerts:`: what they read, and every mistake at its line and column.

use std::path::Path;
use std::time::Duration;

use crate::config::{AlertWhen, Loaded, NoLookup, ScheduleWhen, load_str};

fn load(extra: &str) -> Loaded {
    let yaml = format!(
        "name: check\napps: [{{ name: A, url: \"http://127.0.0.1:1/\", actions: [{{ type: reload }}] }}]\n{extra}"
    );
    load_str(&yaml, Path::new("c.yaml"), &NoLookup)
}

fn errors(extra: &str) -> Vec<String> {
    load(extra).diagnostics.iter().map(ToString::to_string).collect()
}

#[test]
fn schedules_and_alert_rules_read_as_written() {
    let l = load(
        "schedule: { every: 5m }\nalerts:\n  - { name: down, consecutive_failures: 3, webhook: \"http://127.0.0.1:9/h\", remind_every: 30m }\n  - { name: shaky, error_rate: 0.5, window: 10m, min_runs: 4, webhook: \"https://hooks.example/x\" }\n  - { name: slow, duration_over: 10s, webhook: \"http://127.0.0.1:9/h\" }\n",
    );
    let c = l.config.unwrap_or_else(|| panic!("{:?}", l.diagnostics));
    assert_eq!(c.schedule.unwrap().when, ScheduleWhen::Every(Duration::from_secs(300)));
    let cron = load("schedule: { cron: \"*/5 * * * *\" }\n").config.unwrap();
    assert!(matches!(cron.schedule.unwrap().when, ScheduleWhen::Cron(_)));
    let whens: Vec<_> = c.alerts.iter().map(|a| a.when.clone()).collect();
    assert_eq!(
        whens,
        [
            AlertWhen::ConsecutiveFailures(3),
            AlertWhen::ErrorRate {
                rate: 0.5,
                window: Duration::from_secs(600),
                min_runs: 4
            },
            AlertWhen::DurationOver(Duration::from_secs(10)),
        ]
    );
    assert_eq!(c.alerts[0].remind_every, Some(Duration::from_secs(1800)));
    assert_eq!((c.alerts[1].pos.line, c.alerts[1].pos.column), (6, 5));
    // Absent: a plain config has neither.
    let plain = load("").config.unwrap();
    assert!(plain.schedule.is_none() && plain.alerts.is_empty());
}

#[test]
fn mistakes_are_positioned() {
    let cases: &[(&str, &str)] = &[
        (
            "schedule: { every: 500ms }\n",
            "c.yaml:3:20: error: `every`: expected at least 1s",
        ),
        (
            "schedule: {}\n",
            "c.yaml:3:11: error: `schedule` needs one of `every` and `cron`",
        ),
        (
            "schedule: { every: 1m, cron: \"* * * * *\" }\n",
            "c.yaml:3:11: error: `schedule` needs one of",
        ),
        (
            "schedule: { cron: \"61 * * * *\" }\n",
            "c.yaml:3:19: error: `cron`: minute: `61` is not a number in 0–59",
        ),
        (
            "schedule: { evry: 5m }\n",
            "c.yaml:3:13: error: unknown key `evry` in schedule",
        ),
        (
            "alerts: { name: x }\n",
            "c.yaml:3:9: error: `alerts`: expected a list of alert rules",
        ),
        (
            "alerts: [{ name: x, webhook: \"http://h/\" }]\n",
            "c.yaml:3:10: error: an alert rule needs exactly one of `consecutive_failures`, `error_rate`, `duration_over`",
        ),
        (
            "alerts: [{ name: x, webhook: \"http://h/\", consecutive_failures: 2, duration_over: 1s }]\n",
            "c.yaml:3:10: error: an alert rule needs exactly one of",
        ),
        (
            "alerts: [{ name: x, consecutive_failures: 2 }]\n",
            "c.yaml:3:10: error: an alert rule needs `name` and `webhook`",
        ),
        (
            "alerts: [{ name: x, webhook: \"ftp://h/\", consecutive_failures: 2 }]\n",
            "c.yaml:3:30: error: `webhook`",
        ),
        (
            "alerts: [{ name: x, webhook: \"http://h/\", error_rate: 2, window: 1h }]\n",
            "c.yaml:3:55: error: `error_rate`",
        ),
        (
            "alerts: [{ name: x, webhook: \"http://h/\", duration_over: 1s, window: 1h }]\n",
            "c.yaml:3:10: error: `window` and `min_runs` belong to `error_rate`",
        ),
        (
            "alerts: [{ name: x, webhook: \"http://h/\", duration_over: 1s }, { name: x, webhook: \"http://h/\", duration_over: 2s }]\n",
            "c.yaml:3:64: error: two alert rules are named `x`",
        ),
        (
            "alerts: [{ name: x, webhook: \"http://h/\", duration_over: 1s, remindevery: 1m }]\n",
            "c.yaml:3:62: error: unknown key `remindevery` in an alert rule",
        ),
    ];
    for (extra, want) in cases {
        let got = errors(extra);
        assert!(
            got.iter().any(|g| g.starts_with(want)),
            "{extra:?}: wanted {want:?}, got {got:#?}"
        );
    }
}
