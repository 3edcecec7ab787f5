//! Where a run's files go: an [`ArtifactStore`] holds objects by key (`screenshots/a/01.png`),
//! the same keys the reports refer to. The local output folder is one store (in the executor);
//! object storage (S3, GCS, Azure; `panoptic-cloud`) is another. Synchronous on purpose: `core`
//! has no runtime, and callers run it off their async threads (`spawn_blocking`).

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The key is empty, absolute, has `..`, or leads outside the store (a symlink).
    #[error("artifact path `{0}` leaves the output folder")]
    OutsideStore(String),
    /// The object could not be read or written.
    #[error("{key}: {source}")]
    Io {
        /// The key.
        key: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// Objects of one run, by key.
pub trait ArtifactStore: Send + Sync {
    /// Writes an object (replacing one of the same key); returns the key reports use.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<String, StoreError>;
    /// Reads an object.
    fn get(&self, key: &str) -> Result<Vec<u8>, StoreError>;
    /// Keys under `prefix` (a folder-like `videos/a/`), sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
    /// Removes an object; an absent one is not an error.
    fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// A new local file, opened for writing by the store, for writers that stream (ffmpeg
    /// writes videos into it); `None` for a store that is not a local folder.
    fn create_file(&self, key: &str) -> Option<Result<std::fs::File, StoreError>>;
    /// True when the object exists.
    fn exists(&self, key: &str) -> bool {
        self.get(key).is_ok()
    }
}
