//! Opening a bucket URL: the scheme picks the store, the standard environment variables give
//! credentials and endpoints, and what is missing is said before anything is sent.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

/// Why a cloud operation failed; every message names the URL (and the setting) involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudError {
    /// The URL is not one panoptic can open.
    #[error("`{url}`: {why}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong, with what to do.
        why: String,
    },
    /// Credentials for the bucket are not in the environment.
    #[error("`{url}`: no credentials: {what}")]
    Credentials {
        /// The URL as given.
        url: String,
        /// Which variables to set.
        what: String,
    },
    /// The store refused or could not be reached.
    #[error("{what} ({url}): {source}")]
    Store {
        /// The URL of the bucket.
        url: String,
        /// What panoptic was doing.
        what: String,
        /// What the store said.
        #[source]
        source: object_store::Error,
    },
    /// A local file could not be read or written.
    #[error("{what}: {source}")]
    Local {
        /// What panoptic was doing.
        what: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// What was uploaded is not what was sent.
    #[error("{0}")]
    Integrity(String),
}

/// An opened bucket and the prefix panoptic keeps its objects under.
#[derive(Clone, Debug)]
pub struct Bucket {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) prefix: Path,
    url: String,
}

/// Retries with exponential backoff (object_store retries 5xx, timeouts and dropped
/// connections); bounded so an unreachable bucket fails in seconds, not minutes.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 4,
        retry_timeout: Duration::from_secs(20),
    }
}

fn client() -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(5))
        .with_timeout(Duration::from_secs(120))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn any_env(names: &[&str]) -> bool {
    names.iter().any(|n| env(n).is_some())
}

impl Bucket {
    /// Opens `url`: `s3://bucket/prefix` (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL` for S3-compatible servers), `gs://bucket/prefix`
    /// (`GOOGLE_APPLICATION_CREDENTIALS` or `GOOGLE_SERVICE_ACCOUNT*`), `az://container/prefix`
    /// (`AZURE_STORAGE_ACCOUNT_NAME` with a key, SAS or client secret; `AZURE_STORAGE_USE_EMULATOR`),
    /// `file:///folder`.
    pub fn open(url: &str) -> Result<Bucket, CloudError> {
        // The HTTP client speaks TLS through rustls with the ring provider (no aws-lc build).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let bad = |why: &str| CloudError::Url {
            url: url.to_owned(),
            why: why.to_owned(),
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(&format!("not a URL ({e}); e.g. s3://bucket/prefix")))?;
        let creds = |what: &str| CloudError::Credentials {
            url: url.to_owned(),
            what: what.to_owned(),
        };
        fn built<S: ObjectStore>(url: &str, r: object_store::Result<S>) -> Result<Arc<dyn ObjectStore>, CloudError> {
            r.map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
                .map_err(|source| CloudError::Store {
                    url: url.to_owned(),
                    what: "opening the bucket".into(),
                    source,
                })
        }
        let (store, prefix): (Arc<dyn ObjectStore>, &str) = match parsed.scheme() {
            "s3" => {
                if !any_env(&[
                    "AWS_ACCESS_KEY_ID",
                    "AWS_WEB_IDENTITY_TOKEN_FILE",
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                ]) {
                    return Err(creds(
                        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for an S3-compatible server)",
                    ));
                }
                if env("AWS_ACCESS_KEY_ID").is_some() && env("AWS_SECRET_ACCESS_KEY").is_none() {
                    return Err(creds("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
                }
                let mut b = AmazonS3Builder::from_env()
                    .with_url(url)
                    .with_retry(retry())
                    .with_client_options(client())
                    // Each upload carries its SHA-256; the server refuses a body that does not
                    // match it (a part of a multipart upload too).
                    .with_checksum_algorithm(object_store::aws::Checksum::SHA256);
                let endpoint = env("AWS_ENDPOINT_URL").or_else(|| env("AWS_ENDPOINT"));
                if endpoint.as_deref().is_some_and(|e| e.starts_with("http://")) {
                    b = b.with_allow_http(true);
                }
                if env("AWS_REGION").is_none() && env("AWS_DEFAULT_REGION").is_none() {
                    b = b.with_region("us-east-1");
                }
                (built(url, b.build())?, parsed.path())
            }
            "gs" => {
                if !any_env(&[
                    "GOOGLE_APPLICATION_CREDENTIALS",
                    "GOOGLE_SERVICE_ACCOUNT",
                    "GOOGLE_SERVICE_ACCOUNT_PATH",
                    "GOOGLE_SERVICE_ACCOUNT_KEY",
                ]) {
                    return Err(creds(
                        "set GOOGLE_APPLICATION_CREDENTIALS (a service account key file) or GOOGLE_SERVICE_ACCOUNT_KEY",
                    ));
                }
                let b = GoogleCloudStorageBuilder::from_env()
                    .with_url(url)
                    .with_retry(retry())
                    .with_client_options(client());
                (built(url, b.build())?, parsed.path())
            }
            "az" | "azure" => {
                let emulator = env("AZURE_STORAGE_USE_EMULATOR").is_some_and(|v| v == "true" || v == "1");
                let account = any_env(&["AZURE_STORAGE_ACCOUNT_NAME"]);
                let secret = any_env(&[
                    "AZURE_STORAGE_ACCOUNT_KEY",
                    "AZURE_STORAGE_SAS_KEY",
                    "AZURE_CLIENT_SECRET",
                    "AZURE_STORAGE_TOKEN",
                    "AZURE_FEDERATED_TOKEN_FILE",
                ]);
                let configured = emulator || (account && secret);
                if !configured {
                    return Err(creds(
                        "set AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY (or a SAS key or client secret), or AZURE_STORAGE_USE_EMULATOR=true",
                    ));
                }
                let b = MicrosoftAzureBuilder::from_env()
                    .with_url(url)
                    .with_retry(retry())
                    .with_client_options(client());
                (built(url, b.build())?, parsed.path())
            }
            "file" => {
                let dir = parsed
                    .to_file_path()
                    .map_err(|()| bad("a file URL needs an absolute local path, e.g. file:///var/panoptic"))?;
                std::fs::create_dir_all(&dir).map_err(|source| CloudError::Local {
                    what: format!("making {}", dir.display()),
                    source,
                })?;
                (built(url, LocalFileSystem::new_with_prefix(&dir))?, "")
            }
            other => {
                return Err(bad(&format!(
                    "`{other}://` is not a bucket panoptic can use; use s3://, gs://, az:// or file://"
                )));
            }
        };
        Ok(Bucket {
            store,
            prefix: Path::from(prefix.trim_matches('/')),
            url: url.to_owned(),
        })
    }

    /// The URL it was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The object key of `rel` under the prefix.
    pub(crate) fn key(&self, rel: &str) -> Path {
        let mut p = self.prefix.clone();
        for part in rel.split('/').filter(|s| !s.is_empty()) {
            p = p.join(part);
        }
        p
    }

    /// An error of the store while doing `what`.
    pub(crate) fn error(&self, what: impl Into<String>, source: object_store::Error) -> CloudError {
        CloudError::Store {
            url: self.url.clone(),
            what: what.into(),
            source,
        }
    }
}
