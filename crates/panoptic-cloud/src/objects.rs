//! Uploads while a run goes (`settings.cloud.sync: streaming`, the `cloud_sync` step): objects
//! of a run that is not finished, listed in `partial.panoptic.json` so the sync at its end sends
//! only what is still missing — the run stays incomplete until that sync writes its manifest.
//! And the recent runs' results, for `cloud_analytics`.

use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use crate::bucket::{Bucket, CloudError};
use crate::sync::{ManifestEntry, PARTIAL, hex};

/// Uploads at once.
const CONCURRENT: usize = 8;

impl Bucket {
    /// The entries a run's partial list holds (none when there is no list).
    pub(crate) async fn partial(&self, run: &str) -> Result<Vec<ManifestEntry>, CloudError> {
        let key = self.key(&format!("runs/{run}/{PARTIAL}"));
        match self.store.get(&key).await {
            Ok(r) => {
                let bytes = r.bytes().await.map_err(|e| self.error(format!("reading {key}"), e))?;
                Ok(serde_json::from_slice(&bytes).unwrap_or_default())
            }
            Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(self.error(format!("reading {key}"), e)),
        }
    }
}

/// Uploads `objects` (path in the output folder, bytes) of the unfinished run `run`, skipping
/// those already listed unchanged, and adds them to the run's partial list; the entries sent.
pub async fn upload_objects(
    bucket: &Bucket,
    run: &str,
    objects: Vec<(String, Vec<u8>)>,
) -> Result<Vec<ManifestEntry>, CloudError> {
    let mut listed = bucket.partial(run).await?;
    let todo: Vec<(ManifestEntry, Vec<u8>)> = objects
        .into_iter()
        .map(|(path, bytes)| {
            let entry = ManifestEntry {
                path,
                size: bytes.len() as u64,
                sha256: hex(&Sha256::digest(&bytes)),
            };
            (entry, bytes)
        })
        .filter(|(e, _)| !listed.contains(e))
        .collect();
    let sent: Vec<ManifestEntry> = futures::stream::iter(todo.into_iter().map(|(entry, bytes)| async move {
        let key = bucket.key(&format!("runs/{run}/{}", entry.path));
        let what = || format!("uploading {} to {key}", entry.path);
        bucket
            .store
            .put(&key, PutPayload::from(bytes))
            .await
            .map_err(|e| bucket.error(what(), e))?;
        let meta = bucket.store.head(&key).await.map_err(|e| bucket.error(what(), e))?;
        if meta.size != entry.size {
            return Err(CloudError::Integrity(format!(
                "{key} in {} holds {} bytes after upload, {} were sent",
                bucket.url(),
                meta.size,
                entry.size
            )));
        }
        Ok(entry)
    }))
    .buffer_unordered(CONCURRENT)
    .try_collect()
    .await?;
    if sent.is_empty() {
        return Ok(sent);
    }
    listed.retain(|l| !sent.iter().any(|s| s.path == l.path));
    listed.extend(sent.iter().cloned());
    let key = bucket.key(&format!("runs/{run}/{PARTIAL}"));
    let body = serde_json::to_vec(&listed).map_err(|e| CloudError::Integrity(e.to_string()))?;
    bucket
        .store
        .put(&key, PutPayload::from(body))
        .await
        .map_err(|e| bucket.error(format!("writing {key}"), e))?;
    Ok(sent)
}

/// The results.json of the `n` newest complete runs, newest first (runs whose results cannot
/// be read are left out).
pub async fn recent_results(bucket: &Bucket, n: usize) -> Result<Vec<serde_json::Value>, CloudError> {
    let mut runs = crate::retention::runs(bucket).await?;
    runs.retain(|r| r.complete);
    runs.reverse();
    let keys: Vec<_> = runs
        .into_iter()
        .take(n)
        .map(|r| bucket.key(&format!("runs/{}/results.json", r.run)))
        .collect();
    let got: Vec<Option<serde_json::Value>> = futures::stream::iter(keys.into_iter().map(|key| async move {
        let r = bucket.store.get(&key).await.ok()?;
        let bytes = r.bytes().await.ok()?;
        serde_json::from_slice(&bytes).ok()
    }))
    .buffered(CONCURRENT)
    .collect()
    .await;
    Ok(got.into_iter().flatten().collect())
}
