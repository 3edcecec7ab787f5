//! Starting and stopping: bind, spawn the run workers (on this thread: the executor's futures
//! are not `Send`) and the CPU sampler, serve until Ctrl-C / SIGTERM, then cancel running runs,
//! let them write their partial results, and close the pool.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::ServeOpts;
use crate::app::App;

/// Runs the server until Ctrl-C / SIGTERM; then running runs are cancelled and the pool closed.
/// Runs execute on the thread that polls this future (the executor's futures are not `Send`);
/// requests are served by the runtime's workers.
pub async fn serve(
    opts: ServeOpts,
    otlp: Option<Arc<panoptic_telemetry::Otlp>>,
    ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), String> {
    tokio::task::LocalSet::new()
        .run_until(serve_here(opts, otlp, ready))
        .await
}

async fn serve_here(
    opts: ServeOpts,
    otlp: Option<Arc<panoptic_telemetry::Otlp>>,
    ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(opts.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let checks = match &opts.schedule {
        Some(dir) => crate::check::load(dir)?,
        None => Vec::new(),
    };
    let app = App::new(opts, checks, otlp).map_err(|e| format!("cannot use the data folder: {e}"))?;
    app.metrics
        .server
        .alerts_firing
        .set(app.alerts.lock().unwrap_or_else(|e| e.into_inner()).firing() as i64);
    for _ in 0..app.opts.concurrency.max(1) {
        tokio::task::spawn_local(crate::exec::worker(app.clone()));
    }
    tokio::spawn(crate::health::sample_cpu(app.clone()));
    for check in app.checks.clone() {
        tokio::task::spawn_local(crate::schedule::run(app.clone(), check));
    }
    let rules = app
        .checks
        .iter()
        .map(|c| (c.name.clone(), c.config.alerts.clone()))
        .collect();
    tokio::task::spawn_local(crate::notify::reminders(app.clone(), rules));
    let router = crate::api::router(app.clone());
    ready(addr);
    tracing::info!("serving on http://{addr}");
    let stopping = app.stopping.clone();
    let stop = async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
        tracing::warn!("stopping: cancelling running runs");
        let _ = stopping.send(true);
    };
    let served = axum::serve(listener, router).with_graceful_shutdown(stop).await;
    for tx in app.cancels.lock().unwrap_or_else(|e| e.into_inner()).values() {
        let _ = tx.send(true);
    }
    // Give running runs a moment to write their partial results.
    let until = Instant::now() + std::time::Duration::from_secs(10);
    while app.running.load(Ordering::Acquire) > 0 && Instant::now() < until {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if let Ok(pool) = &app.pool {
        pool.shutdown().await;
    }
    served.map_err(|e| format!("the server stopped: {e}"))
}
