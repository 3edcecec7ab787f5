//! `distributed_test`: one app's steps, once on every browser endpoint and grid the session
//! source is configured with, all at once; one result per endpoint in the step's output, and
//! the step fails when one of them did.

use panoptic_actions::Outcome;
use panoptic_core::config::ActionKind;
use panoptic_core::results::{Status, StepError};
use panoptic_core::session::LeaseOpts;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::run::Executor;
use crate::shared::{AttemptCx, Shared, StepState, ms};

impl Executor<'_> {
    pub(crate) async fn distributed(
        &self,
        cx: &AttemptCx<'_>,
        shared: &Shared<'_>,
        kind: &ActionKind,
    ) -> (Result<Outcome, StepError>, Option<Value>) {
        let ActionKind::DistributedTest { app } = kind else {
            return (Err(StepError::msg("not a `distributed_test` step")), None);
        };
        let Some(target) = cx.config.apps.iter().find(|a| &a.name == app) else {
            return (Err(StepError::msg(format!("no app named `{app}`"))), None);
        };
        let endpoints = self.source.endpoints();
        if endpoints.is_empty() {
            return (
                Err(StepError::msg(
                    "no browser endpoints or grid to run on: set `browser.endpoints` or `browser.grid` (or --browser-endpoint / --grid)",
                )),
                None,
            );
        }
        let lease = LeaseOpts {
            width: cx.settings.window_width,
            height: cx.settings.window_height,
        };
        let runs = endpoints.iter().enumerate().map(|(i, name)| {
            let lease = lease.clone();
            async move {
                let t0 = Instant::now();
                let mut page = match self.source.lease_at(i, &lease).await {
                    Ok(s) => s.page,
                    Err(e) => {
                        return json!({ "endpoint": name, "status": "failed", "duration_ms": ms(t0.elapsed()), "error": e.to_string() });
                    }
                };
                let guard = std::sync::Arc::new(panoptic_security::UrlGuard::new(&cx.settings.allow));
                if let Err(e) = page.guard_requests(guard).await {
                    page.close().await;
                    return json!({ "endpoint": name, "status": "failed", "duration_ms": ms(t0.elapsed()), "error": format!("cannot apply the URL policy: {e}") });
                }
                let tcx = AttemptCx {
                    config: cx.config,
                    settings: cx.settings,
                    app: target,
                    index: cx.index,
                    dir: format!("{}-on-{}", cx.dir, i + 1),
                };
                let mut steps = Vec::new();
                let mut state = StepState::default();
                self.run_steps(&tcx, shared, page.as_mut(), Instant::now(), &mut steps, &mut state)
                    .await;
                page.close().await;
                let failed = steps.iter().find(|s| s.status == Status::Failed && !s.optional);
                json!({
                    "endpoint": name,
                    "status": if failed.is_some() { "failed" } else { "passed" },
                    "duration_ms": ms(t0.elapsed()),
                    "steps": steps.len(),
                    "failed_step": failed.map(|s| s.name.clone()),
                    "error": failed.and_then(|s| s.error.as_ref()).map(|e| e.message.clone()),
                })
            }
        });
        let results: Vec<Value> = futures::future::join_all(runs).await;
        let bad: Vec<String> = results
            .iter()
            .filter(|r| r["status"] != "passed")
            .map(|r| {
                format!(
                    "{}: {}",
                    r["endpoint"].as_str().unwrap_or(""),
                    r["error"].as_str().unwrap_or("failed")
                )
            })
            .collect();
        let out = json!({ "app": app, "endpoints": results });
        if bad.is_empty() {
            (Ok(Outcome::Value(out)), None)
        } else {
            let e = StepError {
                message: format!(
                    "`{app}` failed on {} of {} endpoint(s): {}",
                    bad.len(),
                    endpoints.len(),
                    bad.join("; ")
                ),
                expected: Some(format!("passed on all {} endpoint(s)", endpoints.len())),
                actual: Some(format!("failed on {}", bad.len())),
                ..StepError::default()
            };
            (Err(e), Some(out))
        }
    }
}
