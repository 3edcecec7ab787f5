//! The run history in the bucket (`history/*.rkyv`, the archives of `.panoptic/history/`), so
//! CI runners without local state balance shards and report trends from the same records.

use std::path::Path;

use futures::TryStreamExt;
use object_store::{ObjectStoreExt, PutPayload};

use crate::bucket::{Bucket, CloudError};

/// Uploads the archives of `dir` the bucket does not have yet (by name and size); how many.
pub async fn push_history(dir: &Path, bucket: &Bucket) -> Result<usize, CloudError> {
    let root = bucket.key("history");
    let there: std::collections::HashMap<String, u64> = bucket
        .store
        .list(Some(&root))
        .map_ok(|o| (o.location.filename().unwrap_or("").to_owned(), o.size))
        .try_collect()
        .await
        .map_err(|e| bucket.error("listing history", e))?;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut sent = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() || !name.ends_with(".rkyv") || there.get(&name) == Some(&meta.len()) {
            continue;
        }
        let bytes = tokio::fs::read(e.path()).await.map_err(|source| CloudError::Local {
            what: format!("reading {}", e.path().display()),
            source,
        })?;
        let key = bucket.key(&format!("history/{name}"));
        bucket
            .store
            .put(&key, PutPayload::from(bytes))
            .await
            .map_err(|err| bucket.error(format!("uploading {key}"), err))?;
        sent += 1;
    }
    Ok(sent)
}

/// Downloads every archive of the bucket's history into `dir`; how many.
pub async fn pull_history(bucket: &Bucket, dir: &Path) -> Result<usize, CloudError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|source| CloudError::Local {
            what: format!("making {}", dir.display()),
            source,
        })?;
    let root = bucket.key("history");
    let objects: Vec<object_store::ObjectMeta> = bucket
        .store
        .list(Some(&root))
        .try_collect()
        .await
        .map_err(|e| bucket.error("listing history", e))?;
    let mut got = 0;
    for o in objects {
        let Some(name) = o
            .location
            .filename()
            .filter(|n| n.ends_with(".rkyv") && !n.contains('/'))
        else {
            continue;
        };
        let name = name.to_owned();
        let bytes = bucket
            .store
            .get(&o.location)
            .await
            .map_err(|e| bucket.error(format!("reading {}", o.location), e))?
            .bytes()
            .await
            .map_err(|e| bucket.error(format!("reading {}", o.location), e))?;
        tokio::fs::write(dir.join(&name), &bytes)
            .await
            .map_err(|source| CloudError::Local {
                what: format!("writing {}", dir.join(&name).display()),
                source,
            })?;
        got += 1;
    }
    Ok(got)
}
