//! What operators ask: alive (`/healthz`), able to take work (`/readyz`), how loaded
//! (`/pressure`, with browserless's fields), and the Prometheus `/metrics`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use panoptic_core::session::PoolStats;
use serde_json::{Value, json};

use crate::app::App;

/// `/proc/stat`'s first line: busy and total jiffies of the machine.
fn cpu_times() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let nums: Vec<u64> = text
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    let total: u64 = nums.iter().sum();
    let idle = nums.get(3).copied().unwrap_or(0) + nums.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// Samples the machine's CPU use once a second.
pub(crate) async fn sample_cpu(app: Arc<App>) {
    let mut last = cpu_times();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu_times();
        if let (Some((b0, t0)), Some((b1, t1))) = (last, now)
            && t1 > t0
        {
            app.cpu_permille.store((b1 - b0) * 1000 / (t1 - t0), Ordering::Relaxed);
        }
        last = now;
    }
}

/// Share of the machine's memory in use (0–1), from `/proc/meminfo`.
fn memory_used() -> f64 {
    let Ok(text) = std::fs::read_to_string("/proc/meminfo") else {
        return 0.0;
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
    };
    match (field("MemTotal:"), field("MemAvailable:")) {
        (Some(t), Some(a)) if t > 0.0 => (t - a) / t,
        _ => 0.0,
    }
}

/// Why the server cannot take work now, if it cannot.
fn unavailable(app: &App) -> Option<String> {
    let pool = match &app.pool {
        Err(e) => return Some(format!("no browser: {e}")),
        Ok(p) => p,
    };
    if let Some(e) = app.pool_error.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return Some(format!("the last run could not get a browser: {e}"));
    }
    let mb = pool.memory_kb() / 1024;
    if mb > app.opts.memory_budget_mb {
        return Some(format!(
            "browsers use {mb} MiB, over the budget of {} MiB",
            app.opts.memory_budget_mb
        ));
    }
    if app.waiting.load(Ordering::Acquire) >= app.opts.queue {
        return Some(format!("the queue is full ({} runs)", app.opts.queue));
    }
    None
}

pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

pub(crate) async fn readyz(State(app): State<Arc<App>>) -> Response {
    match unavailable(&app) {
        None => (StatusCode::OK, axum::Json(json!({ "ready": true }))).into_response(),
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "ready": false, "reason": reason })),
        )
            .into_response(),
    }
}

pub(crate) fn pressure_value(app: &App) -> Value {
    let reason = unavailable(app);
    let browser_mb = app.pool.as_ref().map_or(0, |p| p.memory_kb() / 1024);
    let recently = app
        .last_rejected
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some_and(|t| t.elapsed() < Duration::from_secs(60));
    json!({ "pressure": {
        "date": crate::now(),
        "is_available": reason.is_none(),
        "running": app.running.load(Ordering::Acquire),
        "queued": app.queued(),
        "max_concurrent": app.opts.concurrency,
        "max_queued": app.opts.queue,
        "rejected": app.rejected.load(Ordering::Relaxed),
        "recently_rejected": recently,
        "cpu": app.cpu_permille.load(Ordering::Relaxed) as f64 / 10.0,
        "memory": (memory_used() * 1000.0).round() / 10.0,
        "browser_memory_mb": browser_mb,
        "memory_budget_mb": app.opts.memory_budget_mb,
        "uptime_s": app.started.elapsed().as_secs(),
        "reason": reason.clone().unwrap_or_default(),
        "message": reason.map_or_else(|| "ready for work".to_owned(), |r| format!("not taking work: {r}")),
    } })
}

pub(crate) async fn pressure(State(app): State<Arc<App>>) -> axum::Json<Value> {
    axum::Json(pressure_value(&app))
}

pub(crate) async fn metrics(State(app): State<Arc<App>>) -> Response {
    if let Ok(p) = &app.pool {
        app.metrics.sample_pool(&**p);
    }
    app.gauges();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        app.metrics.render(),
    )
        .into_response()
}
