//! The cloud steps the executor runs (`Runner::Cloud`): `cloud_sync` (the run's artifacts so
//! far, to `settings.cloud.url`, listed as partial until the run's end), `cloud_cleanup`
//! (retention), `cloud_analytics` (the bucket's history and recent failures, in the step's
//! output and the report). The bucket is opened on first use (a lazy component).

use std::collections::BTreeMap;

use panoptic_actions::Outcome;
use panoptic_cloud::Bucket;
use panoptic_core::config::ActionKind;
use panoptic_core::results::StepError;
use serde_json::{Value, json};

use crate::run::Executor;
use crate::shared::{AttemptCx, Shared};

/// Failing steps grouped by action and message (numbers, quoted texts and URLs made generic),
/// most frequent first.
pub(crate) fn failure_patterns(results: &[Value]) -> Vec<Value> {
    let generic = |m: &str| -> String {
        let re = regex::Regex::new(r#""[^"]*"|https?://\S+|\d+"#).expect("a valid pattern");
        re.replace_all(m, |c: &regex::Captures<'_>| {
            let s = &c[0];
            if s.starts_with('"') {
                "\"…\"".to_owned()
            } else if s.contains("://") {
                "<url>".to_owned()
            } else {
                "N".to_owned()
            }
        })
        .into_owned()
    };
    let mut groups: BTreeMap<(String, String), (u64, Vec<String>)> = BTreeMap::new();
    for r in results {
        for t in r["tests"].as_array().into_iter().flatten() {
            let last = t["attempts"].as_array().and_then(|a| a.last());
            let failed = last.and_then(|a| {
                a["steps"]
                    .as_array()?
                    .iter()
                    .find(|s| s["status"] == "failed" && s["optional"] != true)
            });
            let Some(step) = failed else { continue };
            let action = step["action"].as_str().unwrap_or("").to_owned();
            let message = step["error"]["message"]
                .as_str()
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("");
            let g = groups.entry((action, generic(message))).or_default();
            g.0 += 1;
            let name = t["name"].as_str().unwrap_or("").to_owned();
            if !g.1.contains(&name) {
                g.1.push(name);
            }
        }
    }
    let mut out: Vec<(u64, Value)> = groups
        .into_iter()
        .map(|((action, pattern), (count, tests))| {
            (
                count,
                json!({ "action": action, "pattern": pattern, "count": count, "tests": tests }),
            )
        })
        .collect();
    out.sort_by_key(|o| std::cmp::Reverse(o.0));
    out.into_iter().map(|(_, v)| v).collect()
}

impl Executor<'_> {
    /// The bucket of `settings.cloud.url`, opened once.
    fn bucket(&self, cx: &AttemptCx<'_>) -> Result<&Bucket, StepError> {
        let url = cx
            .settings
            .cloud
            .as_ref()
            .map(|c| c.url.clone())
            .ok_or_else(|| StepError::msg("cloud steps need `settings.cloud.url`"))?;
        self.components
            .bucket
            .get_or_init(|| Bucket::open(&url).map_err(|e| format!("settings.cloud.url: {e}")))
            .as_ref()
            .map_err(|e| StepError::msg(e.clone()))
    }

    /// Runs a cloud step; on failure, what it found is still the step's output.
    pub(crate) async fn cloud_step(
        &self,
        cx: &AttemptCx<'_>,
        shared: &Shared<'_>,
        kind: &ActionKind,
    ) -> (Result<Outcome, StepError>, Option<Value>) {
        let bucket = match self.bucket(cx) {
            Ok(b) => b,
            Err(e) => return (Err(e), None),
        };
        let err = |e: panoptic_cloud::CloudError| StepError::msg(e.to_string());
        let out = match kind {
            ActionKind::CloudSync => {
                let run = panoptic_cloud::run_id_of(
                    &shared.run_name,
                    &shared.started_at,
                    shared.opts.select.shard.map(|(i, n)| format!("{i}/{n}")).as_deref(),
                );
                let store = shared.artifacts.clone();
                let read = tokio::task::spawn_blocking(move || -> Result<Vec<(String, Vec<u8>)>, String> {
                    // What the run's steps wrote so far (reports and logs come at its end).
                    let mut keys = Vec::new();
                    for folder in ["screenshots/", "videos/", "traces/", "analysis/", "downloads/"] {
                        keys.extend(store.list(folder).unwrap_or_default());
                    }
                    keys.into_iter()
                        .map(|k| store.get(&k).map(|b| (k, b)).map_err(|e| e.to_string()))
                        .collect()
                })
                .await;
                let objects = match read {
                    Ok(Ok(o)) => o,
                    Ok(Err(e)) => return (Err(StepError::msg(format!("reading the run's artifacts: {e}"))), None),
                    Err(e) => return (Err(StepError::msg(e.to_string())), None),
                };
                let total = objects.len();
                match panoptic_cloud::upload_objects(bucket, &run, objects).await {
                    Ok(sent) => json!({
                        "bucket": bucket.url(),
                        "run": run,
                        "uploaded": sent.iter().map(|e| e.path.clone()).collect::<Vec<_>>(),
                        "unchanged": total - sent.len(),
                        "complete": false,
                    }),
                    Err(e) => return (Err(err(e)), None),
                }
            }
            ActionKind::CloudCleanup {
                retention_days,
                max_total_mb,
                dry_run,
            } => {
                let settings = cx.settings.cloud.as_ref();
                let days = retention_days.or_else(|| settings.and_then(|c| c.retention_days));
                let max = max_total_mb.or_else(|| settings.and_then(|c| c.max_total_mb));
                if days.is_none() && max.is_none() {
                    return (
                        Err(StepError::msg(
                            "`cloud_cleanup` needs `retention_days` or `max_total_mb` (on the step or in `settings.cloud`)",
                        )),
                        None,
                    );
                }
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                match panoptic_cloud::cleanup(bucket, now, days, max.map(|m| m * 1_048_576), *dry_run).await {
                    Ok(c) => json!({
                        "bucket": bucket.url(),
                        "dry_run": dry_run,
                        "deleted": c.deleted.iter().map(|(r, why)| json!({ "run": r.run, "bytes": r.bytes, "complete": r.complete, "why": why })).collect::<Vec<_>>(),
                        "kept": c.kept,
                    }),
                    Err(e) => return (Err(err(e)), None),
                }
            }
            ActionKind::CloudAnalytics { runs } => {
                let dir = match tempfile::tempdir() {
                    Ok(d) => d,
                    Err(e) => return (Err(StepError::msg(format!("no temporary folder: {e}"))), None),
                };
                if let Err(e) = panoptic_cloud::pull_history(bucket, dir.path()).await {
                    return (Err(err(e)), None);
                }
                let path = dir.path().to_path_buf();
                let stats = tokio::task::spawn_blocking(move || crate::History::load(&path))
                    .await
                    .ok()
                    .and_then(Result::ok);
                let Some(history) = stats else {
                    return (Err(StepError::msg("the bucket's history cannot be read")), None);
                };
                let recent = match panoptic_cloud::recent_results(bucket, *runs as usize).await {
                    Ok(r) => r,
                    Err(e) => return (Err(err(e)), None),
                };
                let stats = history.stats();
                let mut slowest = stats.clone();
                slowest.sort_by_key(|s| std::cmp::Reverse(s.p50_ms));
                slowest.truncate(10);
                json!({
                    "bucket": bucket.url(),
                    "history_runs": history.len(),
                    "tests": stats.iter().map(|s| json!({
                        "name": s.name, "runs": s.runs, "passed": s.passed, "flaky": s.flaky, "failed": s.failed,
                        "pass_rate": (s.pass_rate() * 10.0).round() / 10.0, "p50_ms": s.p50_ms, "p95_ms": s.p95_ms,
                    })).collect::<Vec<_>>(),
                    "flaky": stats.iter().filter(|s| s.is_flaky()).map(|s| s.name.clone()).collect::<Vec<_>>(),
                    "slowest": slowest.iter().map(|s| json!({ "name": s.name, "p50_ms": s.p50_ms, "p95_ms": s.p95_ms })).collect::<Vec<_>>(),
                    "failure_patterns": failure_patterns(&recent),
                    "recent_runs": recent.len(),
                })
            }
            _ => return (Err(StepError::msg("not a cloud step")), None),
        };
        (Ok(Outcome::Value(out)), None)
    }
}
