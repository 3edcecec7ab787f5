//! Where pages come from: a `SessionSource` leases one isolated context + tab per test attempt.

use async_trait::async_trait;

use crate::page::Page;

/// What a lease asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseOpts {
    /// Viewport width.
    pub width: u32,
    /// Viewport height.
    pub height: u32,
}

/// A leased tab. Close it with [`Session::close`]; a dropped session is disposed in the background.
pub struct Session {
    /// The tab.
    pub page: Box<dyn Page>,
}

impl Session {
    /// Closes the tab and its context.
    pub async fn close(self) {
        self.page.close().await;
    }
}

/// Why no session could be leased.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// No browser could be started or reached: an infrastructure failure (exit 3).
    #[error("no browser available: {0}")]
    NoBrowser(String),
    /// The browser refused to create a context or tab.
    #[error("could not open a browser context: {0}")]
    Context(String),
}

/// Hands out sessions.
#[async_trait]
pub trait SessionSource: Send + Sync {
    /// One fresh incognito context + tab.
    async fn lease(&self, opts: &LeaseOpts) -> Result<Session, LeaseError>;
    /// The browser's version string, once known.
    fn browser_version(&self) -> Option<String>;
    /// Memory (PSS) of every browser the source runs, in KiB (latest sample), if measured.
    fn memory_kb(&self) -> Option<u64> {
        None
    }
    /// Highest total browser memory sampled since `since`, in KiB, if measured.
    fn memory_peak_since(&self, since: std::time::Instant) -> Option<u64> {
        let _ = since;
        None
    }
}
