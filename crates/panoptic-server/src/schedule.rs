//! Scheduled checks (`panoptic serve --schedule DIR`): every config in the folder with a
//! `schedule: { every: … }` runs at start and then on its interval, counted from the server's
//! start (a late tick does not push the next ones back); one with `schedule: { cron: … }` runs
//! at the minutes its expression names (UTC). A check whose last run has not
//! ended yet skips a tick rather than piling runs up. Scheduled runs go through the same queue
//! as submitted ones (never refused: each check holds at most one place).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use panoptic_core::config::ScheduleWhen;
use serde_json::json;

use crate::app::App;
use crate::check::Check;
use crate::runs::RunRecord;

/// Runs one check on its schedule until the server stops.
pub(crate) async fn run(app: Arc<App>, check: Check) {
    match check.when.clone() {
        ScheduleWhen::Every(every) => {
            let (start, wall) = (Instant::now(), SystemTime::now());
            let mut tick: u32 = 0;
            loop {
                let offset = every * tick;
                tokio::time::sleep_until((start + offset).into()).await;
                fire(&app, &check, wall + offset);
                // Late by more than an interval (a suspended machine): the next tick is the next one due.
                let behind = start.elapsed().as_nanos() / every.as_nanos().max(1);
                tick = (tick + 1).max(u32::try_from(behind).unwrap_or(u32::MAX));
            }
        }
        ScheduleWhen::Cron(cron) => loop {
            let now = SystemTime::now();
            let now_s = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let Some(next) = cron.next_after(now_s) else {
                tracing::warn!(check = %check.name, "its cron expression names no minute in the next five years");
                return;
            };
            let due = SystemTime::UNIX_EPOCH + Duration::from_secs(next as u64);
            let wait = due.duration_since(now).unwrap_or_default();
            tokio::time::sleep_until((Instant::now() + wait).into()).await;
            fire(&app, &check, due);
        },
    }
}

fn fire(app: &App, check: &Check, due: SystemTime) {
    if app.runs.check_busy(&check.name) {
        tracing::warn!(check = %check.name, "its last run has not ended: this tick is skipped");
    } else {
        enqueue(app, check, due);
    }
}

fn enqueue(app: &App, check: &Check, due: SystemTime) {
    let id = crate::app::new_id();
    let dir = app.runs.dir(&id);
    let copy = std::fs::read(&check.file).unwrap_or_default();
    let kept = panoptic_security::fs::create_private_dir(&dir)
        .and_then(|()| panoptic_security::fs::write_private(&dir.join("config.yaml"), &copy));
    let mut record = RunRecord::queued(
        id,
        check.name.clone(),
        "schedule",
        format!("schedule ({})", check.file.display()),
    );
    record.check = Some(check.name.clone());
    record.due_at = Some(humantime::format_rfc3339_millis(due).to_string());
    if let Err(e) = kept.and_then(|()| app.runs.put(record.clone())) {
        tracing::error!(check = %check.name, "cannot keep a scheduled run: {e}");
        return;
    }
    app.waiting.fetch_add(1, Ordering::AcqRel);
    app.enqueue(&record, check.config.clone());
}

/// What `/api/v1/checks` and the dashboard show of each check.
pub(crate) fn describe(app: &App) -> serde_json::Value {
    let book = app.alerts.lock().unwrap_or_else(|e| e.into_inner());
    let checks: Vec<_> = app
        .checks
        .iter()
        .map(|c| {
            let last = app.runs.of_check(&c.name).pop();
            let alerts: Vec<_> = c
                .config
                .alerts
                .iter()
                .map(|r| {
                    let state = book
                        .rules
                        .get(&format!("{}/{}", c.name, r.name))
                        .cloned()
                        .unwrap_or_default();
                    json!({
                        "name": r.name,
                        "firing": state.firing,
                        "since": state.since,
                        "history": state.history.iter().rev().take(10).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "name": c.name,
                "file": c.file.display().to_string(),
                "every": match &c.when {
                    ScheduleWhen::Every(d) => panoptic_core::duration::format_duration(*d),
                    ScheduleWhen::Cron(cron) => format!("cron {} (UTC)", cron.as_str()),
                },
                "last_run": last.map(|r| json!({ "id": r.id, "status": r.status, "finished_at": r.finished_at })),
                "alerts": alerts,
            })
        })
        .collect();
    json!({ "checks": checks })
}
