//! The CDP adapter: finds and launches Chromium, hands out one isolated incognito context + tab
//! per lease, and implements `panoptic_core::page::Page` over chromiumoxide.
//!
//! Boundary decision: chromiumoxide appears in this crate only. Everything above talks to the
//! `Page` and `SessionSource` traits, so the driver can be replaced without touching actions.

mod discover;
mod grid;
mod instance;
mod keys;
mod launch;
pub mod monitor;
mod page;
mod pool;
mod pool_opts;
pub mod process;
mod recorder;
mod retime;
mod sweep;

pub use discover::find_chromium;
pub use grid::GridOpts;
pub use launch::{BASE_FLAGS, LaunchOpts, grid_flags};
pub use pool::BrowserPool;
pub use pool_opts::PoolOpts;

/// Why a browser could not be provided.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// No Chromium executable.
    #[error("chromium not found: {0}; install it with `apt-get install chromium` or set PANOPTIC_CHROME")]
    NotFound(String),
    /// Chromium did not start.
    #[error("chromium did not start: {0}")]
    Launch(String),
}
