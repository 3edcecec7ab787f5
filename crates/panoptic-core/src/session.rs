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
    /// How many more tests the caller will start after the ones running now (their retries
    /// not counted). A source that prepares tabs ahead prepares none when nothing follows: an
    /// unused tab costs the browser a renderer while the run's last tests still need the CPU.
    fn upcoming(&self, tests: usize) {
        let _ = tests;
    }
    /// What the source measures about its browsers, if it measures anything.
    fn stats(&self) -> Option<&dyn PoolStats> {
        None
    }
    /// The browser endpoints and grids it is configured with, by name (`distributed_test`
    /// runs an app once on each).
    fn endpoints(&self) -> Vec<String> {
        Vec::new()
    }
    /// A tab on endpoint `index` of [`SessionSource::endpoints`] only.
    async fn lease_at(&self, index: usize, opts: &LeaseOpts) -> Result<Session, LeaseError> {
        let _ = (index, opts);
        Err(LeaseError::NoBrowser(
            "this source has no endpoints to choose from".into(),
        ))
    }
}

/// What a source measures about its browsers: memory for admission under
/// `limits.memory_budget_mb` and for the results, and the driver's health.
pub trait PoolStats: Send + Sync {
    /// Memory (PSS) of every browser the source runs, in KiB (latest sample).
    fn memory_kb(&self) -> u64;
    /// Highest total browser memory sampled since `since`, in KiB.
    fn memory_peak_since(&self, since: std::time::Instant) -> u64;
    /// Protocol messages the driver could not decode so far (DESIGN §1.1).
    fn undecoded_messages(&self) -> u64;
    /// Local browsers launched so far, replacements included.
    fn launched(&self) -> u32;
    /// Browsers connected now (local, remote and grid sessions).
    fn browsers(&self) -> u32;
    /// Tabs open now: one per running attempt, and any prepared for the next lease.
    fn contexts(&self) -> u32;
}
