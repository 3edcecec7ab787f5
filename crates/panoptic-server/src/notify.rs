//! Sending alert notifications: after a check's run (fire or resolve), and reminders while a
//! rule fires. Each is a JSON POST to the rule's webhook, retried once; what was sent, and
//! whether it was delivered, goes into the rule's history.

use std::sync::Arc;
use std::time::Duration;

use panoptic_core::config::AlertRule;
use serde_json::json;

use crate::alerts::{HISTORY, Sent, judge, unix_s};
use crate::app::App;
use crate::runs::RunRecord;

async fn post(client: &reqwest::Client, url: &str, body: &serde_json::Value) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        match client
            .post(url)
            .json(body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("the webhook answered {}", r.status()),
            Err(e) => last = format!("the webhook cannot be reached: {e}"),
        }
    }
    Err(panoptic_security::text::without_credentials(&last))
}

/// Sends one notification and records it.
async fn notify(app: &Arc<App>, check: &str, rule: &AlertRule, kind: &str, run: &str, message: String) {
    let body = json!({
        "check": check, // tidy: not an action (the check's name)
        "alert": rule.name,
        "state": if kind == "resolved" { "resolved" } else { "firing" },
        "reminder": kind == "reminder",
        "message": message,
        "run": run,
        "at": crate::now(),
    });
    let sent = post(&app.http, &rule.webhook, &body).await;
    if let Err(e) = &sent {
        tracing::warn!(check, alert = %rule.name, "{kind} not delivered: {e}");
    }
    let mut book = app.alerts.lock().unwrap_or_else(|e| e.into_inner());
    let state = book.rules.entry(format!("{check}/{}", rule.name)).or_default();
    state.last_sent_s = unix_s();
    state.history.push(Sent {
        at: crate::now(),
        kind: kind.to_owned(),
        run: run.to_owned(),
        message,
        delivered: sent.is_ok(),
        error: sent.err(),
    });
    if state.history.len() > HISTORY {
        let extra = state.history.len() - HISTORY;
        state.history.drain(..extra);
    }
    book.save();
    app.metrics.server.alerts_firing.set(book.firing() as i64);
}

/// Judges every rule of `check` after one of its runs ended.
pub(crate) async fn after_run(app: &Arc<App>, check: &str, rules: &[AlertRule], run: &RunRecord) {
    let runs = app.runs.of_check(check);
    for rule in rules {
        let (holds, why) = judge(&rule.when, &runs);
        let key = format!("{check}/{}", rule.name);
        let change = {
            let mut book = app.alerts.lock().unwrap_or_else(|e| e.into_inner());
            let state = book.rules.entry(key).or_default();
            let change = match (state.firing, holds) {
                (false, true) => Some("firing"),
                (true, false) => Some("resolved"),
                _ => None,
            };
            if let Some(c) = change {
                state.firing = c == "firing";
                state.since = Some(crate::now());
                book.save();
            }
            change
        };
        if let Some(kind) = change {
            notify(app, check, rule, kind, &run.id, why).await;
            app.publish(
                "alert",
                &run.id,
                json!({ "check": check, "alert": rule.name, "state": kind }), // tidy: not an action (the check's name)
            );
        }
    }
}

/// Sends reminders for firing rules, once a second at most.
pub(crate) async fn reminders(app: Arc<App>, checks: Vec<(String, Vec<AlertRule>)>) {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        for (check, rules) in &checks {
            for rule in rules {
                let Some(every) = rule.remind_every else { continue };
                let due = {
                    let book = app.alerts.lock().unwrap_or_else(|e| e.into_inner());
                    book.rules
                        .get(&format!("{check}/{}", rule.name))
                        .filter(|s| s.firing && unix_s() >= s.last_sent_s + every.as_secs().max(1))
                        .map(|s| s.history.last().map(|h| h.run.clone()).unwrap_or_default())
                };
                if let Some(run) = due {
                    let runs = app.runs.of_check(check);
                    let (_, why) = judge(&rule.when, &runs);
                    notify(&app, check, rule, "reminder", &run, format!("still firing: {why}")).await;
                }
            }
        }
    }
}
