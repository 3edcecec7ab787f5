//! What a step runs with ([`Ctx`]) and what it produces ([`Outcome`]), and the helpers every
//! action module shares.

use std::time::Duration;

use panoptic_core::config::{Allow, ImageFormat};
use panoptic_core::locator::Locator;
use panoptic_core::page::{Page, PageError, PageEvent};
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
    /// A locator that matches several elements fails the step (`settings.strict_locators`).
    pub strict: bool,
    /// What the page reported so far in this attempt, typed (appended to by every step;
    /// at most [`MAX_EVENTS`], errors first kept).
    pub events: &'a mut Vec<PageEvent>,
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

/// Most page events one attempt keeps: a page that logs without end cannot grow the run's
/// memory without bound. Past it only errors are kept, up to twice as many.
pub const MAX_EVENTS: usize = 10_000;

/// Moves the page's new events into `ctx.events`.
pub(crate) fn collect_events(ctx: &mut Ctx<'_>) {
    for e in ctx.page.drain_events() {
        let room = ctx.events.len() < MAX_EVENTS || (e.is_error() && ctx.events.len() < 2 * MAX_EVENTS);
        if room {
            ctx.events.push(e);
        }
    }
}
