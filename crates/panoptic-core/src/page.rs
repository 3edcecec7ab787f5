//! The `Page` trait: one browser tab in an isolated context. Everything the actions do is
//! built on these methods; the CDP adapter implements them, the fake in `testing` mimics them.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::config::{ImageFormat, SelectBy, VideoFormat};
use crate::locator::Locator;

/// A box in CSS pixels, relative to the viewport.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Rect {
    /// Centre point.
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
}

/// One element matched by a locator, with the state the auto-wait checks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ElementInfo {
    /// Handle valid until the next `resolve` on the same page.
    pub handle: u64,
    /// Tag name, lowercase.
    pub tag: String,
    /// Has a non-empty box and is not `visibility: hidden` / `display: none`.
    pub visible: bool,
    /// Not `disabled` (itself or via a disabled fieldset) and not `aria-disabled`.
    pub enabled: bool,
    /// Accepts text input (input, textarea, contenteditable) and is not read-only.
    pub editable: bool,
    /// The same box now and at the next animation frame (only checked with `actionable`).
    pub stable: bool,
    /// The element that receives a click at the centre, when it is not this one or a descendant
    /// (only checked with `actionable`).
    pub covered_by: Option<String>,
    /// Box in the viewport (after scrolling into view when `actionable`).
    pub rect: Rect,
    /// `innerText`, or `textContent` for hidden elements.
    pub text: String,
    /// `value` of form controls.
    pub value: Option<String>,
    /// `checked` of checkboxes and radios.
    pub checked: Option<bool>,
    /// The first match's fingerprint, when asked for ([`ResolveOpts::fingerprint`]).
    pub fingerprint: Option<Fingerprint>,
}

/// What Chromium's accessibility tree says about one element: the role and accessible name
/// the browser computed (not re-implemented by panoptic).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AxNode {
    /// Chromium's role (`button`, `textbox`, `link`, `image`, `generic`, …).
    pub role: String,
    /// Accessible name.
    pub name: String,
    /// Left out of the tree (`aria-hidden`, presentational, …).
    pub ignored: bool,
}

/// What an element was, kept from a passing run so a later run can find it again when its
/// locator no longer matches (self-healing): its tag, id, classes, telling attributes, text,
/// role and name, where it sat (ancestor tags) and its box.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct Fingerprint {
    /// Tag name, lowercase.
    pub tag: String,
    /// `id`.
    pub id: String,
    /// Class names.
    pub classes: Vec<String>,
    /// Telling attributes (`name`, `type`, `placeholder`, `href`, `title`, `alt`,
    /// `aria-label`, `data-testid`, `value` of buttons), `name=value`, sorted.
    pub attrs: Vec<String>,
    /// Text, whitespace-normalised, at most 100 characters.
    pub text: String,
    /// Role (explicit or implicit).
    pub role: String,
    /// Accessible name, at most 100 characters.
    pub name: String,
    /// Ancestor tags from the root down (shadow hosts and frames included), at most 12.
    pub path: Vec<String>,
    /// Box in CSS pixels: x, y, width, height.
    pub bbox: [i32; 4],
}

/// How `resolve` inspects the first match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolveOpts {
    /// Scroll the first match into view and check it is stable and not covered.
    pub actionable: bool,
    /// Take the first match's [`Fingerprint`].
    pub fingerprint: bool,
}

/// What `screenshot` captures.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreenshotOpts {
    /// Encoding.
    pub format: ImageFormat,
    /// JPEG/WebP quality.
    pub quality: u8,
    /// The whole scrollable page.
    pub full_page: bool,
    /// Only this region (document coordinates).
    pub clip: Option<Rect>,
}

/// How to record a video of the tab.
#[derive(Debug)]
pub struct VideoOpts {
    /// The output file, named for messages.
    pub path: PathBuf,
    /// The output file, opened (and created empty) by the artifact writer: the encoder writes
    /// into this descriptor and never opens a path itself.
    pub file: std::fs::File,
    /// Container and codec.
    pub format: VideoFormat,
    /// Frames per second of the output.
    pub fps: u32,
    /// JPEG quality of the captured frames.
    pub quality: u8,
    /// Largest frame width.
    pub width: u32,
    /// Largest frame height.
    pub height: u32,
    /// The file stops growing here (`limits.max_artifact_mb`): the video ends early.
    pub max_bytes: u64,
}

/// A finished recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VideoInfo {
    /// The file.
    pub path: PathBuf,
    /// Frames in the file (the page's frames repeated to a steady rate).
    pub frames: u64,
    /// Frames the page sent.
    pub frames_received: u64,
    /// Wall time recorded.
    pub duration_ms: u64,
}

/// Something the page reported while the test ran.
#[derive(Clone, Debug, PartialEq)]
pub enum PageEvent {
    /// `console.*` call.
    Console {
        /// `log`, `error`, `warning`, …
        level: String,
        /// The text.
        text: String,
    },
    /// Uncaught exception.
    Exception {
        /// Message.
        text: String,
    },
    /// A request that failed at the network level.
    RequestFailed {
        /// URL.
        url: String,
        /// Chromium's reason.
        reason: String,
    },
    /// A response with its status.
    Response {
        /// URL.
        url: String,
        /// HTTP status.
        status: u16,
    },
    /// The browser's security report about the page: a Content Security Policy violation,
    /// mixed content. Not counted by `assert_no_errors` (it predates them); the analyzer reports
    /// them.
    Security {
        /// Chromium's message.
        text: String,
    },
    /// A dialog opened (and was handled by the policy).
    Dialog {
        /// `alert`, `confirm`, `prompt`, `beforeunload`.
        kind: String,
        /// Its message.
        message: String,
        /// Whether it was accepted.
        accepted: bool,
    },
}

impl PageEvent {
    /// True for what `assert_no_errors` counts (see [`PageEvent::error_text`]).
    pub fn is_error(&self) -> bool {
        match self {
            PageEvent::Console { level, .. } => level == "error",
            PageEvent::Exception { .. } | PageEvent::RequestFailed { .. } => true,
            PageEvent::Response { status, .. } => *status >= 400,
            PageEvent::Dialog { .. } | PageEvent::Security { .. } => false,
        }
    }

    /// The text of an error event: what `assert_no_errors` counts: console errors, exceptions, failed requests
    /// and 4xx/5xx responses.
    pub fn error_text(&self) -> Option<String> {
        if !self.is_error() {
            return None;
        }
        match self {
            PageEvent::Console { text, .. } => Some(format!("console error: {text}")),
            PageEvent::Exception { text } => Some(format!("uncaught exception: {text}")),
            PageEvent::RequestFailed { url, reason } => Some(format!("request failed: {url} ({reason})")),
            PageEvent::Response { url, status } => Some(format!("HTTP {status}: {url}")),
            PageEvent::Dialog { .. } | PageEvent::Security { .. } => None,
        }
    }
}

/// One request the page sent, as the network log keeps it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RequestRecord {
    /// `GET`, `POST`, …
    pub method: String,
    /// The URL.
    pub url: String,
    /// Chromium's resource type (`Document`, `Fetch`, `Script`, …).
    pub resource_type: String,
    /// When it was sent, milliseconds since the Unix epoch.
    pub started_ms: f64,
    /// How long until its last byte or its failure, once it ended.
    pub duration_ms: Option<f64>,
    /// The response status, once it came.
    pub status: Option<u16>,
    /// The network error, when it failed.
    pub failure: Option<String>,
    /// Answered by a `mock`.
    pub mocked: bool,
}

/// A response panoptic gives in the page's place (a `mock` step), already resolved: the URL
/// pattern compiled, the body read.
#[derive(Clone, Debug)]
pub struct Mock {
    /// Requests whose URL this matches.
    pub url: regex::Regex,
    /// Only this method; any when absent.
    pub method: Option<String>,
    /// How long to hold each answer.
    pub delay: std::time::Duration,
    /// The answer.
    pub reply: MockAnswer,
}

/// What a [`Mock`] answers.
#[derive(Clone, Debug)]
pub enum MockAnswer {
    /// A response.
    Respond {
        /// HTTP status.
        status: u16,
        /// Headers.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: Vec<u8>,
    },
    /// A network error: Chromium's `Network.ErrorReason` name.
    Abort(String),
}

impl Mock {
    /// True when the request is the mock's.
    pub fn matches(&self, method: &str, url: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && self.url.is_match(url)
    }
}

/// A cookie of the browser context, as an HTTP client sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// What to do with the next JavaScript dialog. Without a policy dialogs are dismissed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DialogPolicy {
    /// Accept (OK) instead of dismiss.
    pub accept: bool,
    /// Text typed into a `prompt()`.
    pub prompt_text: Option<String>,
}

/// Failures of page operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// The element handle is stale (the element left the DOM or the page navigated).
    #[error("element is no longer attached to the page")]
    Detached,
    /// Navigation failed.
    #[error("navigation to {url} failed: {reason}")]
    Navigation {
        /// Target.
        url: String,
        /// Chromium's error text.
        reason: String,
    },
    /// JavaScript threw.
    #[error("script error: {0}")]
    Script(String),
    /// The browser connection or the tab is gone.
    #[error("browser connection lost: {0}")]
    Closed(String),
    /// Any other protocol failure.
    #[error("devtools protocol error: {0}")]
    Protocol(String),
    /// An argument the page cannot use (unknown key name, missing option, …).
    #[error("{0}")]
    Invalid(String),
}

/// Judges the requests a page makes on its own — links, `location = …`, redirects, frames,
/// and with [`RequestGuard::all_requests`] every resource — before they leave the browser.
/// `panoptic_security::UrlGuard` is the policy of `settings.allow`.
pub trait RequestGuard: Send + Sync + std::fmt::Debug {
    /// True when every request is judged, not only navigations (documents, frames included).
    fn all_requests(&self) -> bool;
    /// Why `url` may not be loaded, or `None` when it may; `navigation` for a document.
    fn refuse(&self, url: &str, navigation: bool) -> Option<String>;
}

/// Most requests a page's network log keeps (the oldest are dropped past it).
pub const MAX_REQUESTS: usize = 10_000;

/// One browser tab in its own context.
#[async_trait]
pub trait Page: Send {
    /// Opens `url` and waits for its `load` event.
    async fn goto(&mut self, url: &str) -> Result<(), PageError>;
    /// Reloads and waits for `load`.
    async fn reload(&mut self) -> Result<(), PageError>;
    /// Moves in history (`-1` back, `1` forward) and waits for the page to settle.
    async fn history(&mut self, delta: i32) -> Result<(), PageError>;
    /// Finds the elements a locator matches, in document order.
    async fn resolve(&mut self, locator: &Locator, opts: ResolveOpts) -> Result<Vec<ElementInfo>, PageError>;
    /// Real mouse click(s) at the centre of the element's box.
    async fn click(&mut self, el: &ElementInfo, count: u32) -> Result<(), PageError>;
    /// Focuses the element, selects its content and types `text` in its place.
    async fn fill(&mut self, el: &ElementInfo, text: &str) -> Result<(), PageError>;
    /// Focuses the element.
    async fn focus(&mut self, el: &ElementInfo) -> Result<(), PageError>;
    /// Presses a key or chord (`Enter`, `Control+A`) on the focused element.
    async fn press(&mut self, key: &str) -> Result<(), PageError>;
    /// Moves the mouse to the centre of the element.
    async fn hover(&mut self, el: &ElementInfo) -> Result<(), PageError>;
    /// Selects an option of a `<select>`; returns the selected values.
    async fn select(&mut self, el: &ElementInfo, by: &SelectBy) -> Result<Vec<String>, PageError>;
    /// Sets the files of an `<input type=file>`.
    async fn set_files(&mut self, el: &ElementInfo, files: &[PathBuf]) -> Result<(), PageError>;
    /// Calls `function(el) { … }` with the element; returns its JSON result.
    async fn call_on(&mut self, el: &ElementInfo, function: &str) -> Result<serde_json::Value, PageError>;
    /// Calls `function(el) { … }` with the element; the elements it returns (an array) get
    /// handles, valid until the next `resolve`, and their state as `resolve` reports it.
    async fn elements_from(&mut self, el: &ElementInfo, function: &str) -> Result<Vec<ElementInfo>, PageError>;
    /// The browser's accessibility node of each element (`None` where it has none), in order.
    async fn accessibility(&mut self, els: &[ElementInfo]) -> Result<Vec<Option<AxNode>>, PageError>;
    /// Evaluates JavaScript (awaiting promises); returns its JSON result.
    async fn eval(&mut self, script: &str) -> Result<serde_json::Value, PageError>;
    /// Encoded screenshot.
    async fn screenshot(&mut self, opts: &ScreenshotOpts) -> Result<Vec<u8>, PageError>;
    /// Current URL.
    async fn url(&mut self) -> Result<String, PageError>;
    /// Current title.
    async fn title(&mut self) -> Result<String, PageError>;
    /// Requests started and not yet finished.
    async fn pending_requests(&mut self) -> Result<usize, PageError>;
    /// Waits at most `max` for the page to change (its DOM, open shadow roots included, or a
    /// form control's value); true when it did before `max` ran out. Lets a poll look again as
    /// soon as there is something new to see; a page that cannot watch returns false at once
    /// and the caller sleeps instead.
    async fn changed_within(&mut self, max: std::time::Duration) -> bool {
        let _ = max;
        false
    }
    /// What to do with the next dialog.
    fn set_dialog_policy(&mut self, policy: DialogPolicy);
    /// From now on, fails every request `guard` refuses (recorded as a
    /// [`PageEvent::RequestFailed`] saying why).
    async fn guard_requests(&mut self, guard: std::sync::Arc<dyn RequestGuard>) -> Result<(), PageError>;
    /// Events since the last call.
    fn drain_events(&mut self) -> Vec<PageEvent>;
    /// The requests the page sent so far (the most recent [`MAX_REQUESTS`] of them).
    fn requests(&self) -> Vec<RequestRecord> {
        Vec::new()
    }
    /// From now on, answers the requests `mock` matches; a later mock wins over an earlier one.
    async fn add_mock(&mut self, mock: Mock) -> Result<(), PageError> {
        let _ = mock;
        Err(PageError::Invalid("this page cannot mock requests".into()))
    }
    /// The cookies the browser context would send to `url`.
    async fn cookies(&mut self, url: &str) -> Result<Vec<Cookie>, PageError> {
        let _ = url;
        Err(PageError::Invalid("this page has no cookies to share".into()))
    }
    /// Stores the cookies of `Set-Cookie` headers received from `url` in the browser context.
    async fn set_cookies(&mut self, url: &str, set_cookie: &[String]) -> Result<(), PageError> {
        let _ = (url, set_cookie);
        Err(PageError::Invalid("this page has no cookies to share".into()))
    }
    /// Starts recording the tab into a video file.
    async fn start_video(&mut self, opts: &VideoOpts) -> Result<(), PageError> {
        let _ = opts;
        Err(PageError::Invalid("this page cannot record video".into()))
    }
    /// Stops the recording and finishes the file; `None` when nothing was recording.
    async fn stop_video(&mut self) -> Result<Option<VideoInfo>, PageError> {
        Ok(None)
    }
    /// The latest recorded frame (JPEG), for step thumbnails.
    fn video_frame(&self) -> Option<Vec<u8>> {
        None
    }
    /// True when the browser behind this tab died (crash, kill, lost connection): the attempt
    /// failed for an infrastructure reason and deserves another try on a fresh browser.
    fn is_crashed(&self) -> bool {
        false
    }
    /// Ends the session: its tab and context are disposed (the CDP adapter finishes that in the
    /// background; no later session can see either).
    async fn close(self: Box<Self>);
}
