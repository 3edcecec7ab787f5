//! panoptic's domain: the config model and its validation, the results model and the narrow
//! traits (`Page`, `SessionSource`, `RunSink`) that adapters implement.
//!
//! Boundary decision: this crate does no I/O and depends on no async runtime. It parses text
//! it is given, and asks a [`config::Lookup`] for environment values, so every rule about
//! configs and results can be tested without a browser, a file system or tokio.

pub mod analyze;
pub mod config;
pub mod duration;
pub mod history;
pub mod locator;
pub mod page;
pub mod results;
pub mod session;
pub mod sink;
pub mod store;
pub mod template;
pub mod yaml;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
