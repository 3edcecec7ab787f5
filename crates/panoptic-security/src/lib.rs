//! panoptic's safety rules, synchronous and over core only: files panoptic writes are private
//! and never followed through a symlink (`fs`), and runs leave a tamper-evident audit log
//! (`audit`).
//!
//! Boundary decision: this crate holds rules, not policy wiring. Reporters, the executor and
//! the CLI call it for every file they write; it depends on no runtime and no browser.

pub mod audit;
pub mod fs;
pub mod guard;
pub mod policy;
pub mod text;

pub use guard::UrlGuard;
