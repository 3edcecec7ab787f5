//! `panoptic cloud sync|list|cleanup`, the sync after a run (`settings.cloud.sync: on-finish`)
//! and the bucket's run history for `history --from` and `run --history-from`.

use std::io::Write;
use std::path::Path;

use panoptic_cloud::{Bucket, CloudError};
use panoptic_core::config::{CloudSettings, CloudSync};

use crate::cli::CloudCommand;
use crate::{exit, say};

fn runtime() -> Option<tokio::runtime::Runtime> {
    match panoptic_executor::runtime() {
        Ok(rt) => Some(rt),
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}"));
            None
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The exit code of a cloud error: a bad URL or missing credentials is usage, the rest is
/// infrastructure.
fn code_of(e: &CloudError) -> u8 {
    match e {
        CloudError::Url { .. } | CloudError::Credentials { .. } => exit::USAGE,
        _ => exit::INFRA,
    }
}

fn out(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// Syncs `output` to `bucket` and says what it did.
async fn sync(output: &Path, bucket: &Bucket) -> Result<(), CloudError> {
    let r = panoptic_cloud::sync_run(output, bucket).await?;
    let mb = r.bytes as f64 / 1_048_576.0;
    say(&format!(
        "cloud: run {} in {}: {} file(s) uploaded ({mb:.1} MB), {} unchanged",
        r.run,
        bucket.url(),
        r.uploaded.len(),
        r.unchanged
    ));
    Ok(())
}

fn cleanup_lines(c: &panoptic_cloud::Cleanup, dry_run: bool) -> String {
    let verb = if dry_run { "would delete" } else { "deleted" };
    let mut lines: Vec<String> = c
        .deleted
        .iter()
        .map(|(r, why)| {
            format!(
                "{verb} {} ({} bytes{}): {why}",
                r.run,
                r.bytes,
                if r.complete { "" } else { ", incomplete" }
            )
        })
        .collect();
    lines.push(format!("{} run(s) {verb}, {} kept", c.deleted.len(), c.kept));
    lines.join("\n")
}

pub(crate) fn command(cmd: &CloudCommand) -> u8 {
    let Some(rt) = runtime() else { return exit::INFRA };
    let url = match cmd {
        CloudCommand::Sync { url, .. } | CloudCommand::List { url } | CloudCommand::Cleanup { url, .. } => url,
    };
    let bucket = match Bucket::open(url) {
        Ok(b) => b,
        Err(e) => {
            say(&format!("error: {e}"));
            return code_of(&e);
        }
    };
    let done = rt.block_on(async {
        match cmd {
            CloudCommand::Sync { output, .. } => sync(output, &bucket).await,
            CloudCommand::List { .. } => {
                let runs = panoptic_cloud::runs(&bucket).await?;
                for r in &runs {
                    out(&format!(
                        "{}\t{} bytes\t{}",
                        r.run,
                        r.bytes,
                        if r.complete {
                            "complete"
                        } else {
                            "incomplete (no manifest)"
                        }
                    ));
                }
                say(&format!("{} run(s) in {}", runs.len(), bucket.url()));
                Ok(())
            }
            CloudCommand::Cleanup {
                retention_days,
                max_total_mb,
                dry_run,
                ..
            } => {
                let max = max_total_mb.map(|m| m * 1_048_576);
                let c = panoptic_cloud::cleanup(&bucket, now(), *retention_days, max, *dry_run).await?;
                out(&cleanup_lines(&c, *dry_run));
                Ok(())
            }
        }
    });
    match done {
        Ok(()) => exit::OK,
        Err(e) => {
            say(&format!("error: {e}"));
            code_of(&e)
        }
    }
}

/// After a run: uploads its output and history, then applies retention; `Err` says why not,
/// naming the setting.
pub(crate) fn after_run(output: &Path, cloud: &CloudSettings, history: Option<&Path>) -> Result<(), String> {
    if cloud.sync == CloudSync::Off {
        return Ok(());
    }
    let named = |e: CloudError| format!("settings.cloud.url: {e}");
    let bucket = Bucket::open(&cloud.url).map_err(named)?;
    let rt = runtime().ok_or("settings.cloud: no async runtime")?;
    rt.block_on(async {
        sync(output, &bucket).await?;
        if let Some(dir) = history {
            panoptic_cloud::push_history(dir, &bucket).await?;
        }
        if cloud.retention_days.is_some() || cloud.max_total_mb.is_some() {
            let max = cloud.max_total_mb.map(|m| m * 1_048_576);
            let c = panoptic_cloud::cleanup(&bucket, now(), cloud.retention_days, max, false).await?;
            if !c.deleted.is_empty() {
                say(&format!("cloud: {}", cleanup_lines(&c, false)));
            }
        }
        Ok(())
    })
    .map_err(named)
}

/// `settings.cloud.sync: streaming`: every artifact goes up as it is written (a background
/// task; a failure is logged, and the sync at the run's end sends what is missing).
pub(crate) struct Streaming {
    tx: tokio::sync::mpsc::UnboundedSender<Upload>,
}

enum Upload {
    Run(String),
    File(String),
}

impl panoptic_core::sink::RunSink for Streaming {
    fn event(&mut self, e: &panoptic_core::sink::RunEvent<'_>) {
        use panoptic_core::sink::RunEvent;
        let _ = match e {
            RunEvent::RunStarted {
                name,
                started_at,
                shard,
                ..
            } => self
                .tx
                .send(Upload::Run(panoptic_cloud::run_id_of(name, started_at, *shard))),
            RunEvent::ArtifactWritten { path } => self.tx.send(Upload::File((*path).to_owned())),
            _ => Ok(()),
        };
    }
}

impl Streaming {
    /// Starts uploading the artifacts written under `output` to `url`; the task ends when the
    /// sink is dropped, after the last upload.
    pub(crate) fn start(output: &Path, url: &str) -> Result<(Streaming, tokio::task::JoinHandle<()>), String> {
        let bucket = Bucket::open(url).map_err(|e| format!("settings.cloud.url: {e}"))?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Upload>();
        let output = output.to_path_buf();
        let task = tokio::spawn(async move {
            let mut run = None;
            while let Some(first) = rx.recv().await {
                // What arrived meanwhile goes up in one batch (one update of the partial list).
                let mut batch = vec![first];
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                let mut files = Vec::new();
                for u in batch {
                    match u {
                        Upload::Run(id) => run = Some(id),
                        Upload::File(rel) => {
                            if let Ok(bytes) = tokio::fs::read(output.join(&rel)).await {
                                files.push((rel, bytes));
                            }
                        }
                    }
                }
                let Some(id) = &run else { continue };
                if !files.is_empty()
                    && let Err(e) = panoptic_cloud::upload_objects(&bucket, id, files).await
                {
                    tracing::warn!("streaming an artifact to the bucket failed (the run's end syncs it): {e}");
                }
            }
        });
        Ok((Streaming { tx }, task))
    }
}

/// Downloads the bucket's run history into `dir` (`run --history-from`, `history --from`).
pub(crate) fn pull_history(url: &str, dir: &Path) -> Result<usize, String> {
    let bucket = Bucket::open(url).map_err(|e| format!("--from: {e}"))?;
    let rt = runtime().ok_or("no async runtime")?;
    rt.block_on(panoptic_cloud::pull_history(&bucket, dir))
        .map_err(|e| format!("--from: {e}"))
}
