//! What a step runs with ([`Ctx`]) and what it produces ([`Outcome`]), and the helpers every
//! action module shares.

use std::time::Duration;

use panoptic_core::config::{Allow, ImageFormat};
use panoptic_core::locator::Locator;
use panoptic_core::page::{Page, PageError};
use panoptic_core::results::StepError;
use serde_json::Value;

/// What a step runs with.
pub struct Ctx<'a> {
    /// The tab.
    pub page: &'a mut dyn Page,
    /// This step's limit: auto-wait, assertion retry or navigation, by kind.
    pub timeout: Duration,
    /// The app url that relative URLs resolve against.
    pub base_url: Option<&'a str>,
    /// URL and eval policy.
    pub allow: &'a Allow,
    /// Screenshot encoding.
    pub format: ImageFormat,
    /// JPEG/WebP quality.
    pub quality: u8,
    /// Error texts the page reported so far in this attempt (appended to by every step).
    pub page_errors: &'a mut Vec<String>,
}

/// What a step produced.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Nothing to keep.
    Done,
    /// A value (`eval`).
    Value(Value),
    /// An encoded image to store.
    Screenshot {
        /// Name the user asked for.
        filename: Option<String>,
        /// Bytes in `Ctx::format`.
        bytes: Vec<u8>,
    },
}

pub(crate) fn page_err(e: PageError) -> StepError {
    StepError::msg(e.to_string())
}

pub(crate) fn locator(s: &str) -> Result<Locator, StepError> {
    Locator::parse(s).map_err(|e| StepError {
        message: format!("invalid locator: {e}"),
        locator: Some(s.to_owned()),
        ..StepError::default()
    })
}

/// Moves the page's new console errors, exceptions and failed requests into `ctx.page_errors`.
pub(crate) fn collect_errors(ctx: &mut Ctx<'_>) {
    for e in ctx.page.drain_events() {
        if let Some(t) = e.error_text() {
            ctx.page_errors.push(t);
        }
    }
}
