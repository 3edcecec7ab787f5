//! Run artifacts in object storage: a [`Bucket`] is an `s3://`, `gs://`, `az://` or `file://`
//! URL opened with `object_store` (credentials and endpoints from the standard environment
//! variables); [`sync_run`] uploads an output folder under `runs/<run>/` with a manifest written
//! last; [`runs`] lists what a bucket holds; [`cleanup`] deletes whole runs by age and size;
//! [`push_history`] / [`pull_history`] keep the run history beside them.
//!
//! Boundary decision: object storage appears only here; the CLI hands in folders and URLs and
//! gets reports back. Everything is async on the caller's runtime; hashing runs on the
//! blocking pool.

mod bucket;
mod history;
mod objects;
mod retention;
mod sync;
mod time;

pub use bucket::{Bucket, CloudError};
pub use history::{pull_history, push_history};
pub use objects::{recent_results, upload_objects};
pub use retention::{Cleanup, RunEntry, cleanup, runs};
pub use sync::{MANIFEST, Manifest, ManifestEntry, PARTIAL, SyncReport, run_id, run_id_of, sync_run};

#[cfg(test)]
mod tests;
