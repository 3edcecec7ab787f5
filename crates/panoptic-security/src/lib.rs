//! panoptic's safety rules, synchronous and over core only: files panoptic writes are private
//! and never reached through a symlink (`fs`: `Root` for the output folder, `open_private` for
//! single files), runs leave a tamper-evident audit log (`audit`), what the page opens on its
//! own passes the URL policy (`guard::UrlGuard`, applied by the browser through core's
//! `RequestGuard`), settings that are code can be refused (`policy`), `panoptic serve`'s API
//! keys are kept hashed and checked in constant time (`keys`), and text that leaves the
//! process is made printable and free of credentials (`text`).
//!
//! Boundary decision: this crate holds rules, not wiring, and depends on no runtime and no
//! browser. Reporters, the executor and the CLI call it for every file they write; the browser
//! pool only sees the `RequestGuard` trait. The URL judgement itself is core's
//! (`config::absolute_url_allowed`): validation, which is core, needs it, and core cannot
//! depend on this crate.

pub mod audit;
pub mod fs;
pub mod guard;
pub mod keys;
pub mod policy;
pub mod text;

pub use guard::UrlGuard;
