//! The typed actions: one variant per action type, its payload, and the mapping of every user
//! string through a function (how `${…}` is expanded when a step runs). The `type` names, keys,
//! decoding and schema of each variant live in one place, the registry (`config::registry`).

use std::time::Duration;

use super::net::{HttpStep, MockRoute, RequestMatch};
use super::strings::keep_strings;
use super::strings::{MapStrings, VarName};
use crate::analyze::Impact;
use crate::duration::DurationValue;

keep_strings!(WaitState, Impact);

/// How a text is compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextMatch {
    /// Whole text equal (whitespace-trimmed).
    Equals(String),
    /// Substring.
    Contains(String),
    /// Regular expression.
    Matches(String),
}

impl TextMatch {
    /// A phrase for messages: `equal to "x"`.
    pub fn describe(&self) -> String {
        match self {
            TextMatch::Equals(s) => format!("equal to {s:?}"),
            TextMatch::Contains(s) => format!("containing {s:?}"),
            TextMatch::Matches(s) => format!("matching /{s}/"),
        }
    }

    /// The expected text or pattern.
    pub fn expected(&self) -> &str {
        match self {
            TextMatch::Equals(s) | TextMatch::Contains(s) | TextMatch::Matches(s) => s,
        }
    }

    /// Applies the match (a bad regex never matches; configs are validated before running).
    /// `equals` and `contains` compare whitespace-normalised text — runs of spaces, tabs and
    /// line breaks as one space, none at the ends — on both sides, as Playwright's
    /// `toHaveText`/`toContainText` do; a pattern sees the text as it is.
    pub fn is_match(&self, actual: &str) -> bool {
        match self {
            TextMatch::Equals(s) => words(actual).eq(words(s)),
            TextMatch::Contains(s) => normalise(actual).contains(&normalise(s)),
            TextMatch::Matches(s) => regex::Regex::new(s).is_ok_and(|r| r.is_match(actual)),
        }
    }

    /// Applies the match to a value as it is (input values, attributes, URLs: whitespace in them
    /// is data, as for Playwright's `toHaveValue`); `equals` ignores only leading and trailing
    /// whitespace.
    pub fn is_match_verbatim(&self, actual: &str) -> bool {
        match self {
            TextMatch::Equals(s) => actual.trim() == s.trim(),
            TextMatch::Contains(s) => actual.contains(s.as_str()),
            TextMatch::Matches(_) => self.is_match(actual),
        }
    }

    /// The same match with its text mapped (used to expand variables).
    pub fn map(&self, f: impl FnOnce(&str) -> String) -> TextMatch {
        match self {
            TextMatch::Equals(s) => TextMatch::Equals(f(s)),
            TextMatch::Contains(s) => TextMatch::Contains(f(s)),
            TextMatch::Matches(s) => TextMatch::Matches(f(s)),
        }
    }
}

fn words(s: &str) -> std::str::SplitWhitespace<'_> {
    s.split_whitespace()
}

fn normalise(s: &str) -> String {
    words(s).collect::<Vec<_>>().join(" ")
}

/// An `assert_screenshot` step: what is captured and how closely it must match its baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreenshotCheck {
    /// Baseline name (`<name>.png`); by default the step's index and name.
    pub name: Option<String>,
    /// Only this element.
    pub selector: Option<String>,
    /// The whole page, not only the viewport.
    pub full_page: bool,
    /// Elements covered with a solid box before capture (on both images).
    pub mask: Vec<String>,
    /// Per-pixel colour distance (YIQ, 0..1) above which a pixel differs.
    pub threshold: f64,
    /// Most differing pixels allowed.
    pub max_diff_pixels: Option<u64>,
    /// Most differing pixels allowed, as a share of all (0..1).
    pub max_diff_ratio: Option<f64>,
}

impl MapStrings for ScreenshotCheck {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(ScreenshotCheck {
            name: self.name.map_strings(f)?,
            selector: self.selector.map_strings(f)?,
            mask: self.mask.map_strings(f)?,
            ..self.clone()
        })
    }
}

/// Element state a `wait` waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitState {
    /// In the DOM and visible.
    Visible,
    /// Absent or invisible.
    Hidden,
    /// In the DOM.
    Attached,
    /// Not in the DOM.
    Detached,
}

/// What a `wait` waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum WaitFor {
    /// A fixed time (`wait_time`, seconds).
    Time(DurationValue),
    /// An element state.
    Element {
        /// Locator.
        selector: String,
        /// State.
        state: WaitState,
    },
    /// The page URL to contain this text (or match `*` globs).
    Url(String),
    /// No network request in flight for 500 ms.
    NetworkIdle,
}

/// How `select` picks the option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectBy {
    /// By `value` attribute.
    Value(String),
    /// By visible label.
    Label(String),
}

impl MapStrings for TextMatch {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(match self {
            TextMatch::Equals(s) => TextMatch::Equals(f(s)?),
            TextMatch::Contains(s) => TextMatch::Contains(f(s)?),
            TextMatch::Matches(s) => TextMatch::Matches(f(s)?),
        })
    }
}

impl MapStrings for SelectBy {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(match self {
            SelectBy::Value(v) => SelectBy::Value(f(v)?),
            SelectBy::Label(v) => SelectBy::Label(f(v)?),
        })
    }
}

impl MapStrings for WaitFor {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(match self {
            WaitFor::Element { selector, state } => WaitFor::Element {
                selector: f(selector)?,
                state: *state,
            },
            WaitFor::Url(u) => WaitFor::Url(f(u)?),
            other => other.clone(),
        })
    }
}

/// Declares [`ActionKind`] and its string mapping from one list of variants.
macro_rules! action_kinds {
    ($( $(#[$vm:meta])* $v:ident $({ $( $(#[$fm:meta])* $f:ident : $t:ty ),* $(,)? })? ),* $(,)?) => {
        /// What a step does: one variant per action type of the registry.
        #[derive(Clone, Debug, PartialEq)]
        pub enum ActionKind {
            $( $(#[$vm])* $v $({ $( $(#[$fm])* $f: $t ),* })? ),*
        }

        impl ActionKind {
            /// The same action with every user string passed through `f` (used to expand `${…}`).
            pub fn try_map_strings(
                &self,
                f: &mut dyn FnMut(&str) -> Result<String, String>,
            ) -> Result<ActionKind, String> {
                Ok(match self {
                    $( ActionKind::$v $({ $($f),* })? => ActionKind::$v $({ $($f: MapStrings::map_strings($f, f)?),* })? ),*
                })
            }
        }
    };
}

action_kinds! {
    /// Open a URL, relative to the app url.
    Navigate { url: String },
    /// Reload the page.
    Reload,
    /// History back.
    Back,
    /// History forward.
    Forward,
    /// Click an element.
    Click { selector: String },
    /// Double-click an element.
    Dblclick { selector: String },
    /// Replace the text of an input.
    Fill { selector: String, value: String },
    /// Empty an input.
    Clear { selector: String },
    /// Press a key or chord on an element or the focused one.
    Press { selector: Option<String>, key: String },
    /// Move the mouse over an element.
    Hover { selector: String },
    /// Choose an option of a `<select>`.
    Select { selector: String, by: SelectBy },
    /// Tick a checkbox or radio.
    Check { selector: String },
    /// Untick a checkbox.
    Uncheck { selector: String },
    /// Submit the form of an element.
    Submit { selector: String },
    /// Scroll an element into view, or the page by `x`/`y` pixels.
    Scroll { selector: Option<String>, x: i64, y: i64 },
    /// Set files of a file input.
    Upload { selector: String, files: Vec<String> },
    /// Accept or dismiss the next dialog.
    Dialog { accept: bool, prompt_text: Option<String> },
    /// Wait for time, an element state, a URL or network idle.
    Wait { what: WaitFor },
    /// Element is visible.
    AssertVisible { selector: String },
    /// Element is hidden or absent.
    AssertHidden { selector: String },
    /// Element text.
    AssertText { selector: String, expect: TextMatch },
    /// Input value.
    AssertValue { selector: String, expect: TextMatch },
    /// Attribute value.
    AssertAttribute { selector: String, attribute: String, expect: TextMatch },
    /// Number of matching elements.
    AssertCount { selector: String, count: u64 },
    /// Page URL.
    AssertUrl { expect: TextMatch },
    /// Page title.
    AssertTitle { expect: TextMatch },
    /// No console errors, uncaught exceptions or failed requests so far.
    AssertNoErrors,
    /// Save a screenshot (file name, whole page, one element, masked elements).
    Screenshot { filename: Option<String>, full_page: bool, selector: Option<String>, mask: Vec<String> },
    /// Record the tab for a duration (the attempt's video keeps it).
    Record { duration: DurationValue },
    /// Start recording the tab.
    RecordStart,
    /// Stop recording and keep the video.
    RecordStop,
    /// Run JavaScript; keep the result as `${save_as}`.
    Eval { script: String, save_as: Option<VarName> },
    /// Report the page's problems from the browser's own signals; fail on `fail_on` or worse.
    SmartErrorDetection { fail_on: Impact },
    /// Click the element that best matches `text` (and `element`, a kind of
    /// [`crate::analyze::ELEMENT_KINDS`]), found by element detection.
    VisionClick { element: Option<String>, text: Option<String> },
    /// Detect the page's elements: JSON in the step's output, an annotated PNG in its screenshots.
    VisionReport { filename: Option<String> },
    /// Write tests by using the page: its forms, same-origin links and headings, `depth` pages
    /// deep; the config is in the step's output.
    AiTestGeneration { depth: u32 },
    /// An HTTP request from the test runner, its checks and the values it keeps.
    Http { request: Box<HttpStep> },
    /// Answer the page's matching requests from now on.
    Mock { route: Box<MockRoute> },
    /// The page sent exactly `count` matching requests since the test began.
    AssertRequests { matches: RequestMatch, count: u64 },
    /// The page (or one element) looks as its baseline image does.
    AssertScreenshot { check: Box<ScreenshotCheck> },
    /// Upload the run's artifacts so far to `settings.cloud.url` (the run stays incomplete
    /// until the sync at its end).
    CloudSync,
    /// Delete the bucket's runs older than `retention_days`, then past `max_total_mb`.
    CloudCleanup { retention_days: Option<u32>, max_total_mb: Option<u64>, dry_run: bool },
    /// The bucket's history (pass rate, flaky, p50/p95, slowest) and the failure patterns of
    /// its `runs` newest runs.
    CloudAnalytics { runs: u32 },
    /// Run app `app` once on every configured browser endpoint and grid; one result each.
    DistributedTest { app: String },
    /// The test's flow with self-healing on (whatever `settings.ai_testing.self_healing` says)
    /// and, here, one report: the page's problems and every step healed so far.
    AiEnhancedTesting { fail_on: Impact },
}

impl ActionKind {
    /// The fixed wait of a `wait_time` or `record` step, if that is what it is.
    pub fn fixed_wait(&self) -> Option<Duration> {
        match self {
            ActionKind::Wait { what: WaitFor::Time(d) } | ActionKind::Record { duration: d } => Some(d.0),
            _ => None,
        }
    }

    /// Every user string of the action that may hold `${…}` references, in field order.
    pub fn strings(&self) -> Vec<String> {
        let mut v = Vec::new();
        let _ = self.try_map_strings(&mut |s| {
            v.push(s.to_owned());
            Ok(s.to_owned())
        });
        v
    }
}
