//! What a step runs with ([`Ctx`]) and what it produces ([`Outcome`]), and the helpers every
//! action module shares.

use std::time::Duration;

use panoptic_core::config::{Allow, ImageFormat};
use panoptic_core::locator::Locator;
use panoptic_core::page::{ElementInfo, Fingerprint, Page, PageError, PageEvent};

use crate::auto_wait::Need;
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
    /// Take the fingerprint of the element an action acts on (self-healing in later runs).
    pub fingerprint: bool,
    /// The step's locator and the fingerprint of the element it acted on.
    pub touched: Option<Box<(String, Fingerprint)>>,
}

impl Ctx<'_> {
    /// What an action's auto-wait needs, strict and fingerprinting as this run says.
    pub(crate) fn need(&self, need: Need) -> Need {
        Need {
            fingerprint: self.fingerprint,
            ..need.strict_if(self.strict)
        }
    }

    /// Keeps the fingerprint `el` carries, under the step's locator.
    pub(crate) fn touch(&mut self, l: &Locator, el: &ElementInfo) {
        if let Some(fp) = &el.fingerprint {
            self.touched = Some(Box::new((l.source.clone(), fp.clone())));
        }
    }

    /// Auto-waits for an action's target (see [`Ctx::need`]) and keeps its fingerprint.
    pub(crate) async fn target(
        &mut self,
        l: &Locator,
        need: Need,
        timeout: Duration,
    ) -> Result<ElementInfo, StepError> {
        let need = self.need(need);
        let el = crate::auto_wait::wait_for_element(self.page, l, need, timeout).await?;
        self.touch(l, &el);
        Ok(el)
    }
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
    gather_events(ctx.page, ctx.events);
}

/// Moves the page's new events into `events`, within [`MAX_EVENTS`] (errors kept first).
pub fn gather_events(page: &mut dyn Page, events: &mut Vec<PageEvent>) {
    for e in page.drain_events() {
        let room = events.len() < MAX_EVENTS || (e.is_error() && events.len() < 2 * MAX_EVENTS);
        if room {
            events.push(e);
        }
    }
}
