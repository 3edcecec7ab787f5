//! Executing queued runs: each worker takes the oldest job, runs its config on the shared
//! pool (or on a pool of its own when an admin's config names other browsers), writes the
//! reports into the run's folder and updates the record.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use panoptic_browser_pool::{BrowserPool, PoolOpts};
use panoptic_core::config::Config;
use panoptic_core::results::Status;
use panoptic_core::sink::{Fanout, RunEvent, RunSink};
use panoptic_core::store::ArtifactStore;
use panoptic_executor::{Artifacts, Executor, RunOpts, SystemLookup};
use serde_json::json;

use crate::app::{App, Job};
use crate::runs::RunState;

/// Takes jobs until the server stops.
pub(crate) async fn worker(app: Arc<App>) {
    loop {
        let job = loop {
            let next = app.queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
            if let Some(j) = next {
                app.waiting.fetch_sub(1, Ordering::AcqRel);
                break j;
            }
            app.work.notified().await;
        };
        app.running.fetch_add(1, Ordering::AcqRel);
        app.gauges();
        execute(&app, job).await;
        app.running.fetch_sub(1, Ordering::AcqRel);
        app.gauges();
    }
}

/// Forwards finished tests to the event bus and the metrics.
struct Events {
    app: Arc<App>,
    run: String,
}

impl RunSink for Events {
    fn event(&mut self, event: &RunEvent<'_>) {
        if let RunEvent::TestFinished { test } = event {
            self.app.metrics.test_finished(test);
            self.app.publish(
                "test",
                &self.run,
                json!({ "name": test.name, "status": test.status, "duration_ms": test.duration_ms }),
            );
        }
    }
}

/// Whether a config chooses its own browsers (only an admin's can).
fn own_browsers(c: &Config) -> bool {
    let b = &c.settings.browser;
    b.executable.is_some() || !b.args.is_empty() || !b.endpoints.is_empty() || b.grid.is_some()
}

async fn execute(app: &Arc<App>, job: Job) {
    let id = job.id;
    let alerts = job.config.alerts.clone();
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    app.cancels
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), cancel_tx);
    if let Some(r) = app.runs.update(&id, |r| {
        r.status = RunState::Running;
        r.started_at = Some(crate::now());
    }) {
        app.publish("run", &id, json!(r));
    }
    let out = app.runs.dir(&id).join("out");
    let opts = RunOpts {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        cancel: Some(cancel_rx),
        ..RunOpts::default()
    };
    let trace_ids = Arc::new(std::sync::Mutex::new(panoptic_telemetry::TraceIds::default()));
    let mut sinks: Vec<Box<dyn RunSink>> = vec![Box::new(Events {
        app: app.clone(),
        run: id.clone(),
    })];
    if app.otlp.is_some() {
        sinks.push(Box::new(panoptic_telemetry::TelemetrySink::new(
            None,
            app.otlp.clone(),
            trace_ids.clone(),
        )));
    }
    let (outcome, error) = match Artifacts::create(&out) {
        Err(e) => (None, Some(format!("the run's folder is not writable: {e}"))),
        Ok(artifacts) => {
            let artifacts: Arc<dyn ArtifactStore> = Arc::new(artifacts);
            match panoptic_report::JsonlSink::create(&out.join("results.jsonl")) {
                Ok(s) => sinks.push(Box::new(s)),
                Err(e) => tracing::warn!(run = %id, "cannot stream results.jsonl: {e}"),
            }
            let mut sink = Fanout(sinks);
            let configs = [job.config];
            let own = own_browsers(&configs[0]);
            let pool = if own {
                let settings = Executor::effective(&configs[0], &opts);
                PoolOpts::for_settings(&settings, true, Vec::new(), None).map(|p| Arc::new(BrowserPool::new(p)))
            } else {
                app.pool.clone()
            };
            match pool {
                Err(e) => (None, Some(e)),
                Ok(pool) => {
                    let outcome = Executor::new(&*pool, &SystemLookup)
                        .with_analyzer(panoptic_ai::make)
                        .run(&configs, &opts, &artifacts, &mut sink)
                        .await;
                    if own {
                        pool.shutdown().await;
                    }
                    (Some(outcome), None)
                }
            }
        }
    };
    app.cancels.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    let record = match outcome {
        None => app.runs.update(&id, |r| {
            r.status = RunState::Error;
            r.finished_at = Some(crate::now());
            r.error = error.clone();
        }),
        Some(mut outcome) => {
            trace_ids
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .apply(&mut outcome.result);
            if let Err(e) = panoptic_report::write_all(&out, &outcome.result) {
                tracing::error!(run = %id, "cannot write the reports: {e}");
            }
            *app.pool_error.lock().unwrap_or_else(|e| e.into_inner()) = outcome.infra_error.clone();
            let tests = &outcome.result.tests;
            let state = if outcome.interrupted {
                RunState::Cancelled
            } else if outcome.infra_error.is_some() {
                RunState::Error
            } else if tests.iter().all(|t| t.status.is_ok() || t.status == Status::Skipped) {
                RunState::Passed
            } else {
                RunState::Failed
            };
            app.runs
                .update(&id, |r| r.finish(&outcome.result, state, outcome.infra_error.clone()))
        }
    };
    if let Some(r) = record {
        app.metrics.server.runs.with_label_values(&[r.status.as_str()]).inc();
        app.publish("run", &id, json!(r));
        if let Some(check) = &r.check {
            crate::notify::after_run(app, check, &alerts, &r).await;
        }
    }
}
