//! Uploading an output folder: every regular file under `runs/<run>/`, only what is new or
//! changed against the run's manifest in the bucket, a bounded number at once, large files in
//! parts, each checked after upload, and the manifest (path, size, sha256 of every file)
//! written last — a run without one is not complete, whatever objects it has.

use std::path::{Path, PathBuf};

use futures::{StreamExt, TryStreamExt};
use object_store::buffered::BufWriter;
use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::bucket::{Bucket, CloudError};

/// The manifest's name inside a run's folder in the bucket.
pub const MANIFEST: &str = "manifest.panoptic.json";

/// The list of objects uploaded before the run's end (`upload_objects`).
pub const PARTIAL: &str = "partial.panoptic.json";

/// Files larger than this go up in parts (multipart upload).
const MULTIPART_FROM: u64 = 8 * 1024 * 1024;

/// Uploads at once.
const CONCURRENT: usize = 8;

/// One file of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path in the output folder (`/`-separated).
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// What a run in the bucket holds; written after every file it lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version.
    pub version: u32,
    /// The run's id (its folder under `runs/`).
    pub run: String,
    /// When the run started (RFC 3339, from its results.json): retention counts from here.
    pub started_at: String,
    /// Its files.
    pub files: Vec<ManifestEntry>,
    /// Their total size.
    pub total_bytes: u64,
}

/// What one sync did.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// The run's id.
    pub run: String,
    /// Files uploaded.
    pub uploaded: Vec<String>,
    /// Files already there, unchanged.
    pub unchanged: usize,
    /// Bytes uploaded.
    pub bytes: u64,
}

/// The id of the run in `output`: its start time and name from results.json
/// (`20261128T031502Z-checkout-smoke`), so ids sort by age.
pub fn run_id(results: &serde_json::Value) -> Option<(String, String)> {
    let run = results.get("run")?;
    let started = run.get("started_at")?.as_str()?.to_owned();
    let name = run.get("name").and_then(serde_json::Value::as_str).unwrap_or("run");
    let shard = run.get("shard").and_then(serde_json::Value::as_str);
    Some((run_id_of(name, &started, shard), started))
}

/// The id of a run from its name, start time (RFC 3339) and shard (`I/N`).
pub fn run_id_of(name: &str, started_at: &str, shard: Option<&str>) -> String {
    let stamp: String = started_at.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut id = format!("{stamp}-{}", name.trim_matches('-'));
    if let Some(shard) = shard {
        id.push_str(&format!("-shard{}", shard.replace('/', "of")));
    }
    id.truncate(120);
    id
}

/// Every regular file under `dir` (symlinks are not followed), with its size and hash.
fn local_files(dir: &Path) -> Result<Vec<(ManifestEntry, PathBuf)>, CloudError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| CloudError::Local {
            what: format!("reading {}", d.display()),
            source,
        })?;
        for e in entries {
            let e = e.map_err(|source| CloudError::Local {
                what: format!("reading {}", d.display()),
                source,
            })?;
            let kind = e.file_type().map_err(|source| CloudError::Local {
                what: format!("reading {}", e.path().display()),
                source,
            })?;
            let path = e.path();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .map(|r| {
                        r.components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/")
                    })
                    .unwrap_or_default();
                let (size, sha256) = hash_file(&path)?;
                out.push((
                    ManifestEntry {
                        path: rel,
                        size,
                        sha256,
                    },
                    path,
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    Ok(out)
}

fn hash_file(path: &Path) -> Result<(u64, String), CloudError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|source| CloudError::Local {
        what: format!("reading {}", path.display()),
        source,
    })?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|source| CloudError::Local {
            what: format!("reading {}", path.display()),
            source,
        })?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((size, hex(&h.finalize())))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Bucket {
    /// The manifest of a run, when the run is complete.
    pub(crate) async fn manifest(&self, run: &str) -> Result<Option<Manifest>, CloudError> {
        let key = self.key(&format!("runs/{run}/{MANIFEST}"));
        match self.store.get(&key).await {
            Ok(r) => {
                let bytes = r.bytes().await.map_err(|e| self.error(format!("reading {key}"), e))?;
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| CloudError::Integrity(format!("{key} in {} is not a manifest: {e}", self.url())))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(format!("reading {key}"), e)),
        }
    }

    async fn upload(&self, run: &str, entry: &ManifestEntry, path: &Path) -> Result<(), CloudError> {
        let key = self.key(&format!("runs/{run}/{}", entry.path));
        let what = || format!("uploading {} to {key}", entry.path);
        if entry.size >= MULTIPART_FROM {
            let mut w = BufWriter::with_capacity(self.store.clone(), key.clone(), MULTIPART_FROM as usize);
            let mut f = tokio::fs::File::open(path)
                .await
                .map_err(|source| CloudError::Local { what: what(), source })?;
            let copied = tokio::io::copy(&mut f, &mut w).await;
            let closed = match copied {
                Ok(_) => w.shutdown().await,
                Err(e) => {
                    let _ = w.abort().await;
                    Err(e)
                }
            };
            closed.map_err(|source| CloudError::Local { what: what(), source })?;
        } else {
            let bytes = tokio::fs::read(path)
                .await
                .map_err(|source| CloudError::Local { what: what(), source })?;
            if bytes.len() as u64 != entry.size {
                return Err(CloudError::Integrity(format!(
                    "{} changed while it was uploaded",
                    entry.path
                )));
            }
            self.store
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| self.error(what(), e))?;
        }
        // The store must hold what was sent.
        let meta = self.store.head(&key).await.map_err(|e| self.error(what(), e))?;
        if meta.size != entry.size {
            return Err(CloudError::Integrity(format!(
                "{key} in {} holds {} bytes after upload, {} were sent",
                self.url(),
                meta.size,
                entry.size
            )));
        }
        Ok(())
    }
}

/// Uploads the output folder `output` into `bucket` (see the module doc).
pub async fn sync_run(output: &Path, bucket: &Bucket) -> Result<SyncReport, CloudError> {
    let results_path = output.join("results.json");
    let text = tokio::fs::read(&results_path)
        .await
        .map_err(|source| CloudError::Local {
            what: format!("{} (is it a panoptic output folder?)", results_path.display()),
            source,
        })?;
    let results: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| CloudError::Integrity(format!("{} is not JSON: {e}", results_path.display())))?;
    let Some((run, started_at)) = run_id(&results) else {
        return Err(CloudError::Integrity(format!(
            "{} names no run",
            results_path.display()
        )));
    };
    let dir = output.to_path_buf();
    let files = tokio::task::spawn_blocking(move || local_files(&dir))
        .await
        .map_err(|e| CloudError::Local {
            what: "hashing the output folder".into(),
            source: std::io::Error::other(e),
        })??;
    let before = bucket.manifest(&run).await?;
    // Without a manifest, what went up while the run went (its partial list) is known too.
    let partial = if before.is_none() {
        bucket.partial(&run).await?
    } else {
        Vec::new()
    };
    let known: std::collections::HashMap<&str, (u64, &str)> = before
        .iter()
        .flat_map(|m| m.files.iter())
        .chain(partial.iter())
        .map(|f| (f.path.as_str(), (f.size, f.sha256.as_str())))
        .collect();
    let todo: Vec<&(ManifestEntry, PathBuf)> = files
        .iter()
        .filter(|(e, _)| known.get(e.path.as_str()) != Some(&(e.size, e.sha256.as_str())))
        .collect();
    let mut report = SyncReport {
        run: run.clone(),
        unchanged: files.len() - todo.len(),
        ..SyncReport::default()
    };
    let manifest = Manifest {
        version: 1,
        run: run.clone(),
        started_at,
        total_bytes: files.iter().map(|(e, _)| e.size).sum(),
        files: files.iter().map(|(e, _)| e.clone()).collect(),
    };
    if todo.is_empty() && before.as_ref() == Some(&manifest) {
        return Ok(report);
    }
    // While files change, the run is not complete: its old manifest goes first.
    if before.is_some() {
        let key = bucket.key(&format!("runs/{run}/{MANIFEST}"));
        bucket
            .store
            .delete(&key)
            .await
            .map_err(|e| bucket.error(format!("replacing {key}"), e))?;
    }
    let run_ref = run.as_str();
    let uploaded: Vec<String> = futures::stream::iter(
        todo.iter()
            .map(|(e, p)| async move { bucket.upload(run_ref, e, p).await.map(|()| e.path.clone()) }),
    )
    .buffer_unordered(CONCURRENT)
    .try_collect()
    .await?;
    report.bytes = todo.iter().map(|(e, _)| e.size).sum();
    report.uploaded = uploaded;
    report.uploaded.sort();
    let key = bucket.key(&format!("runs/{run}/{MANIFEST}"));
    let body = serde_json::to_vec_pretty(&manifest).map_err(|e| CloudError::Integrity(e.to_string()))?;
    bucket
        .store
        .put(&key, PutPayload::from(body))
        .await
        .map_err(|e| bucket.error(format!("writing {key}"), e))?;
    if !partial.is_empty() {
        let key = bucket.key(&format!("runs/{run}/{}", PARTIAL));
        match bucket.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(bucket.error(format!("removing {key}"), e)),
        }
    }
    Ok(report)
}
