//! `schedule:` and `alerts:` (see `config::monitor`).

use crate::config::Cron;
use crate::config::monitor::{AlertRule, AlertWhen, Schedule, ScheduleWhen};
use crate::config::read::{Cx, Field, Kind, Obj, keys_of, read};
use crate::yaml::{Node, Value};

/// The keys of `schedule`.
pub(crate) const SCHEDULE: &[Field] = &[
    Field::new(
        "every",
        Kind::Duration,
        "Run the check at start, then this often (at least 1s), counted from the server's start",
    ),
    Field::new(
        "cron",
        Kind::Text,
        "Or: run it at the minutes a 5-field cron expression names, in UTC (`*/5 * * * *`)",
    ),
];

/// The keys of one alert rule.
pub(crate) const ALERT: &[Field] = &[
    Field::new("name", Kind::Text, "The rule's name"),
    Field::new(
        "webhook",
        Kind::Prefixed(&["http://", "https://"]),
        "URL notifications are POSTed to (JSON)",
    ),
    Field::new(
        "consecutive_failures",
        Kind::Int { min: 1, max: 1000 },
        "Fire when this many runs in a row failed",
    ),
    Field::new(
        "error_rate",
        Kind::Number { min: 0.01, max: 1.0 },
        "Fire when this share (0–1) of the runs within `window` failed",
    ),
    Field::new("window", Kind::Duration, "How far back `error_rate` looks (default 1h)"),
    Field::new(
        "min_runs",
        Kind::Int { min: 1, max: 100_000 },
        "Runs `error_rate` needs in its window before it can fire (default 1)",
    ),
    Field::new(
        "duration_over",
        Kind::Duration,
        "Fire when a run takes longer than this",
    ),
    Field::new("remind_every", Kind::Duration, "While firing, notify again this often"),
];

const CONDITIONS: [&str; 3] = ["consecutive_failures", "error_rate", "duration_over"];

pub(super) fn decode_schedule(cx: &mut Cx<'_>, node: &Node) -> Option<Schedule> {
    let mut obj = Obj::new(cx, node, "schedule")?;
    let every = obj.take("every").map(|n| (n.pos, read(cx, n, "every", Kind::Duration)));
    let cron = obj.take("cron").map(|n| (n.pos, read(cx, n, "cron", Kind::Text)));
    obj.finish(cx, "schedule", &keys_of(SCHEDULE));
    let when = match (every, cron) {
        (None, None) | (Some(_), Some(_)) => {
            cx.error(
                node.pos,
                "`schedule` needs one of `every` and `cron`".into(),
                Some("e.g. `schedule: { every: 5m }` or `schedule: { cron: \"*/5 * * * *\" }`"),
            );
            return None;
        }
        (Some((_, None)), _) | (_, Some((_, None))) => return None,
        (Some((pos, Some(v))), None) => {
            let every = v.duration().0;
            if every < std::time::Duration::from_secs(1) {
                cx.error(pos, "`every`: expected at least 1s".into(), None);
                return None;
            }
            ScheduleWhen::Every(every)
        }
        (None, Some((pos, Some(v)))) => match Cron::parse(&v.text()) {
            Ok(c) => ScheduleWhen::Cron(c),
            Err(e) => {
                cx.error(
                    pos,
                    format!("`cron`: {e}"),
                    Some("five fields: minute hour day-of-month month day-of-week, in UTC"),
                );
                return None;
            }
        },
    };
    Some(Schedule { when, pos: node.pos })
}

pub(super) fn decode_alerts(cx: &mut Cx<'_>, node: &Node) -> Vec<AlertRule> {
    let Value::Seq(items) = &node.value else {
        cx.expected(node, "a list of alert rules", "alerts");
        return Vec::new();
    };
    let mut rules: Vec<AlertRule> = Vec::new();
    for item in items {
        if let Some(rule) = decode_rule(cx, item) {
            if rules.iter().any(|r| r.name == rule.name) {
                cx.error(item.pos, format!("two alert rules are named `{}`", rule.name), None);
            }
            rules.push(rule);
        }
    }
    rules
}

fn decode_rule(cx: &mut Cx<'_>, node: &Node) -> Option<AlertRule> {
    let mut obj = Obj::new(cx, node, "an alert rule")?;
    let mut get = |cx: &mut Cx<'_>, key: &str| {
        let kind = ALERT.iter().find(|f| f.key == key).map_or(Kind::Text, |f| f.kind);
        obj.take(key).and_then(|n| read(cx, n, key, kind))
    };
    let name = get(cx, "name").map(|v| v.text());
    let webhook = get(cx, "webhook").map(|v| v.text());
    let failures = get(cx, "consecutive_failures").map(|v| v.int() as u32);
    let rate = get(cx, "error_rate").map(|v| v.number());
    let window = get(cx, "window").map(|v| v.duration().0);
    let min_runs = get(cx, "min_runs").map(|v| v.int() as u32);
    let over = get(cx, "duration_over").map(|v| v.duration().0);
    let remind_every = get(cx, "remind_every").map(|v| v.duration().0);
    obj.finish(cx, "an alert rule", &keys_of(ALERT));
    let set = [failures.is_some(), rate.is_some(), over.is_some()];
    if set.iter().filter(|s| **s).count() != 1 {
        cx.error(
            node.pos,
            format!(
                "an alert rule needs exactly one of {}",
                CONDITIONS.map(|c| format!("`{c}`")).join(", ")
            ),
            Some("e.g. `{ name: down, consecutive_failures: 3, webhook: \"https://hooks.example/…\" }`"),
        );
        return None;
    }
    if rate.is_none() && (window.is_some() || min_runs.is_some()) {
        cx.error(node.pos, "`window` and `min_runs` belong to `error_rate`".into(), None);
        return None;
    }
    let (Some(name), Some(webhook)) = (name, webhook) else {
        cx.error(node.pos, "an alert rule needs `name` and `webhook`".into(), None);
        return None;
    };
    let when = match (failures, rate, over) {
        (Some(n), _, _) => AlertWhen::ConsecutiveFailures(n),
        (_, Some(rate), _) => AlertWhen::ErrorRate {
            rate,
            window: window.unwrap_or(std::time::Duration::from_secs(3600)),
            min_runs: min_runs.unwrap_or(1),
        },
        (_, _, Some(d)) => AlertWhen::DurationOver(d),
        _ => return None,
    };
    Some(AlertRule {
        name,
        when,
        webhook,
        remind_every,
        pos: node.pos,
    })
}

#[cfg(test)]
mod tests;
