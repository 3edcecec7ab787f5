//! What each action does, over `&mut dyn Page` only: the auto-wait before interactions, the
//! retrying assertions, waits and screenshots.
//!
//! Boundary decision: this crate never sees the CDP crate and does no file I/O. Its input is an
//! action whose `${…}` references are already expanded; its output is an [`Outcome`] (a value,
//! screenshot bytes) that the executor stores.

mod assert;
mod auto_wait;
mod ctx;
mod interact;
mod net;
mod run;
mod shot;
mod snapshot;
mod wait;

pub use auto_wait::{Need, wait_for_element};
pub use ctx::{Ctx, MAX_EVENTS, Outcome, gather_events};
pub use net::{body_bytes, body_headers, file_content_type, join_url};
pub use run::run;
pub use shot::{capture, freeze, masked_screenshot};
pub use snapshot::{dom_snapshot, mark_secret_fields};

#[cfg(test)]
mod tests;
