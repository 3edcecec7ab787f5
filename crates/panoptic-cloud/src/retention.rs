//! What a bucket holds (`runs`) and retention (`cleanup`): whole runs are deleted, oldest
//! first — those older than the retention, then more until the rest fit the size cap. A run's
//! manifest goes first, so a half-deleted run is never listed as complete.

use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path;

use crate::bucket::{Bucket, CloudError};
use crate::sync::MANIFEST;
use crate::time::unix_seconds;

/// One run in a bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunEntry {
    /// Its id (folder under `runs/`).
    pub run: String,
    /// Unix seconds it started (its manifest's `started_at`; for an incomplete run, its newest
    /// object's time).
    pub started: i64,
    /// Bytes of its objects.
    pub bytes: u64,
    /// It has a manifest: every file it lists was uploaded.
    pub complete: bool,
}

/// What `cleanup` deleted (or, in a dry run, would delete).
#[derive(Debug, Default)]
pub struct Cleanup {
    /// The runs, oldest first, each with why.
    pub deleted: Vec<(RunEntry, String)>,
    /// Runs kept.
    pub kept: usize,
}

/// Every run in the bucket, oldest first.
pub async fn runs(bucket: &Bucket) -> Result<Vec<RunEntry>, CloudError> {
    let root = bucket.key("runs");
    let objects: Vec<object_store::ObjectMeta> = bucket
        .store
        .list(Some(&root))
        .try_collect()
        .await
        .map_err(|e| bucket.error("listing runs", e))?;
    let mut by_run: std::collections::BTreeMap<String, RunEntry> = Default::default();
    let mut manifests = Vec::new();
    for o in &objects {
        let Some(rel) = o.location.prefix_match(&root) else {
            continue;
        };
        let parts: Vec<String> = rel.map(|p| p.as_ref().to_owned()).collect();
        let Some(run) = parts.first().cloned() else { continue };
        let e = by_run.entry(run.clone()).or_insert_with(|| RunEntry {
            run: run.clone(),
            started: 0,
            bytes: 0,
            complete: false,
        });
        e.bytes += o.size;
        e.started = e.started.max(o.last_modified.timestamp());
        if parts.len() == 2 && parts[1] == MANIFEST {
            manifests.push(run);
        }
    }
    for run in manifests {
        if let Some(m) = bucket.manifest(&run).await?
            && let Some(e) = by_run.get_mut(&run)
        {
            e.complete = true;
            if let Some(t) = unix_seconds(&m.started_at) {
                e.started = t;
            }
        }
    }
    let mut out: Vec<RunEntry> = by_run.into_values().collect();
    out.sort_by(|a, b| (a.started, &a.run).cmp(&(b.started, &b.run)));
    Ok(out)
}

/// Deletes whole runs older than `retention_days` (counted from `now`, Unix seconds), then the
/// oldest of the rest until they total at most `max_bytes`; with `dry_run`, only says which.
pub async fn cleanup(
    bucket: &Bucket,
    now: i64,
    retention_days: Option<u32>,
    max_bytes: Option<u64>,
    dry_run: bool,
) -> Result<Cleanup, CloudError> {
    let all = runs(bucket).await?;
    let mut total: u64 = all.iter().map(|r| r.bytes).sum();
    let mut report = Cleanup::default();
    for r in all {
        let age_days = (now - r.started) as f64 / 86_400.0;
        let why = match (retention_days, max_bytes) {
            (Some(d), _) if age_days > f64::from(d) => format!("{age_days:.1} days old (retention {d} days)"),
            (_, Some(cap)) if total > cap => format!("the bucket's runs total {total} bytes (cap {cap})"),
            _ => {
                report.kept += 1;
                continue;
            }
        };
        if !dry_run {
            delete_run(bucket, &r.run).await?;
        }
        total = total.saturating_sub(r.bytes);
        report.deleted.push((r, why));
    }
    Ok(report)
}

/// Deletes one run: its manifest first, then every object.
async fn delete_run(bucket: &Bucket, run: &str) -> Result<(), CloudError> {
    let manifest = bucket.key(&format!("runs/{run}/{MANIFEST}"));
    match bucket.store.delete(&manifest).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(bucket.error(format!("deleting {manifest}"), e)),
    }
    let prefix = bucket.key(&format!("runs/{run}"));
    let keys: Vec<Path> = bucket
        .store
        .list(Some(&prefix))
        .map_ok(|o| o.location)
        .try_collect()
        .await
        .map_err(|e| bucket.error(format!("listing {prefix}"), e))?;
    for k in keys {
        match bucket.store.delete(&k).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(bucket.error(format!("deleting {k}"), e)),
        }
    }
    Ok(())
}
