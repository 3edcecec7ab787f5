//! Steps: one action of an app, typed by its `type`. Strings may hold `${VAR}`,
//! `${secret:NAME}` or `${name}` of an earlier `save_as`; they are expanded when the step runs.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use super::model::DurationValue;
use crate::yaml::Pos;

/// One step.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Action {
    /// Step name (defaults to the type and its target).
    pub name: String,
    /// What the step does.
    #[serde(flatten)]
    pub kind: ActionKind,
    /// Overrides the action/navigation/expect timeout of this step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationValue>,
    /// A failure of this step is recorded but does not fail the test.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Take a screenshot after the step.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub screenshot: bool,
    /// Extra tries of this step before it fails.
    #[serde(skip_serializing_if = "is_zero")]
    pub retries: u32,
    /// Where the step is in its file.
    #[serde(skip)]
    #[schemars(skip)]
    pub pos: Pos,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// How a text is compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
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
    pub fn is_match(&self, actual: &str) -> bool {
        match self {
            TextMatch::Equals(s) => actual.trim() == s.trim(),
            TextMatch::Contains(s) => actual.contains(s.as_str()),
            TextMatch::Matches(s) => regex::Regex::new(s).is_ok_and(|r| r.is_match(actual)),
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

/// Element state a `wait` waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
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
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitFor {
    /// A fixed time (`wait_time`, seconds).
    Time(#[schemars(with = "f64")] DurationValue),
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelectBy {
    /// By `value` attribute.
    Value(String),
    /// By visible label.
    Label(String),
}

/// The action types of DESIGN §2 available in this build.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActionKind {
    /// Open a URL (`url` or `value`), relative to the app url.
    Navigate {
        /// Target URL.
        url: String,
    },
    /// Reload the page.
    Reload,
    /// History back.
    Back,
    /// History forward.
    Forward,
    /// Click an element.
    Click {
        /// Locator (`selector` or `target`).
        selector: String,
    },
    /// Double-click an element.
    Dblclick {
        /// Locator.
        selector: String,
    },
    /// Replace the text of an input.
    Fill {
        /// Locator.
        selector: String,
        /// Text to type.
        value: String,
    },
    /// Empty an input.
    Clear {
        /// Locator.
        selector: String,
    },
    /// Press a key or chord (`Enter`, `Control+A`), on an element or the focused one.
    Press {
        /// Locator (optional).
        selector: Option<String>,
        /// Key.
        key: String,
    },
    /// Move the mouse over an element.
    Hover {
        /// Locator.
        selector: String,
    },
    /// Choose an option of a `<select>`.
    Select {
        /// Locator.
        selector: String,
        /// By value or label.
        #[serde(flatten)]
        by: SelectBy,
    },
    /// Tick a checkbox or radio.
    Check {
        /// Locator.
        selector: String,
    },
    /// Untick a checkbox.
    Uncheck {
        /// Locator.
        selector: String,
    },
    /// Submit the form of an element.
    Submit {
        /// Locator.
        selector: String,
    },
    /// Scroll an element into view, or the page by `x`/`y` pixels.
    Scroll {
        /// Locator (optional).
        selector: Option<String>,
        /// Horizontal pixels.
        x: i64,
        /// Vertical pixels.
        y: i64,
    },
    /// Set files of a file input (only from `allow.file_upload_roots`).
    Upload {
        /// Locator.
        selector: String,
        /// Paths.
        files: Vec<String>,
    },
    /// Accept or dismiss the next dialog.
    Dialog {
        /// Accept (true) or dismiss.
        accept: bool,
        /// Text for a `prompt()`.
        prompt_text: Option<String>,
    },
    /// Wait for time, an element state, a URL or network idle.
    Wait {
        /// What to wait for.
        #[serde(flatten)]
        what: WaitFor,
    },
    /// Element is visible.
    AssertVisible {
        /// Locator.
        selector: String,
    },
    /// Element is hidden or absent.
    AssertHidden {
        /// Locator.
        selector: String,
    },
    /// Element text.
    AssertText {
        /// Locator.
        selector: String,
        /// Expected text.
        #[serde(flatten)]
        expect: TextMatch,
    },
    /// Input value.
    AssertValue {
        /// Locator.
        selector: String,
        /// Expected value.
        #[serde(flatten)]
        expect: TextMatch,
    },
    /// Attribute value.
    AssertAttribute {
        /// Locator.
        selector: String,
        /// Attribute name.
        attribute: String,
        /// Expected value.
        #[serde(flatten)]
        expect: TextMatch,
    },
    /// Number of matching elements.
    AssertCount {
        /// Locator.
        selector: String,
        /// Expected count.
        count: u64,
    },
    /// Page URL.
    AssertUrl {
        /// Expected URL.
        #[serde(flatten)]
        expect: TextMatch,
    },
    /// Page title.
    AssertTitle {
        /// Expected title.
        #[serde(flatten)]
        expect: TextMatch,
    },
    /// No console errors, uncaught exceptions or failed requests so far.
    AssertNoErrors,
    /// Save a screenshot.
    Screenshot {
        /// File name under `screenshots/` (`parameters.filename`).
        filename: Option<String>,
        /// The whole page, not only the viewport.
        full_page: bool,
        /// Only this element.
        selector: Option<String>,
        /// Elements covered with a solid box.
        mask: Vec<String>,
    },
    /// Record the tab for `duration` (the attempt's video keeps it).
    Record {
        /// How long.
        #[schemars(with = "f64")]
        duration: DurationValue,
    },
    /// Start recording the tab (until `record_stop` or the end of the attempt).
    RecordStart,
    /// Stop recording and keep the video.
    RecordStop,
    /// Run JavaScript (only with `allow.eval: true`).
    Eval {
        /// Script (an expression or a function body with `return`).
        script: String,
        /// Keep the result as `${name}` for later steps.
        save_as: Option<String>,
    },
}

impl ActionKind {
    /// The `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ActionKind::Navigate { .. } => "navigate",
            ActionKind::Reload => "reload",
            ActionKind::Back => "back",
            ActionKind::Forward => "forward",
            ActionKind::Click { .. } => "click",
            ActionKind::Dblclick { .. } => "dblclick",
            ActionKind::Fill { .. } => "fill",
            ActionKind::Clear { .. } => "clear",
            ActionKind::Press { .. } => "press",
            ActionKind::Hover { .. } => "hover",
            ActionKind::Select { .. } => "select",
            ActionKind::Check { .. } => "check",
            ActionKind::Uncheck { .. } => "uncheck",
            ActionKind::Submit { .. } => "submit",
            ActionKind::Scroll { .. } => "scroll",
            ActionKind::Upload { .. } => "upload",
            ActionKind::Dialog { .. } => "dialog",
            ActionKind::Wait { .. } => "wait",
            ActionKind::AssertVisible { .. } => "assert_visible",
            ActionKind::AssertHidden { .. } => "assert_hidden",
            ActionKind::AssertText { .. } => "assert_text",
            ActionKind::AssertValue { .. } => "assert_value",
            ActionKind::AssertAttribute { .. } => "assert_attribute",
            ActionKind::AssertCount { .. } => "assert_count",
            ActionKind::AssertUrl { .. } => "assert_url",
            ActionKind::AssertTitle { .. } => "assert_title",
            ActionKind::AssertNoErrors => "assert_no_errors",
            ActionKind::Screenshot { .. } => "screenshot",
            ActionKind::Eval { .. } => "eval",
            ActionKind::Record { .. } => "record",
            ActionKind::RecordStart => "record_start",
            ActionKind::RecordStop => "record_stop",
        }
    }

    /// True for assertions (they retry until `timeouts.expect`).
    pub fn is_assertion(&self) -> bool {
        self.type_name().starts_with("assert_")
    }

    /// The fixed wait of a `wait_time` or `record` step, if that is what it is.
    pub fn fixed_wait(&self) -> Option<Duration> {
        match self {
            ActionKind::Wait { what: WaitFor::Time(d) } | ActionKind::Record { duration: d } => Some(d.0),
            _ => None,
        }
    }
}

/// Every type name this build runs, for hints.
pub const ACTION_TYPES: &[&str] = &[
    "navigate",
    "reload",
    "back",
    "forward",
    "click",
    "dblclick",
    "fill",
    "clear",
    "press",
    "hover",
    "select",
    "check",
    "uncheck",
    "submit",
    "scroll",
    "upload",
    "dialog",
    "wait",
    "assert_visible",
    "assert_hidden",
    "assert_text",
    "assert_value",
    "assert_attribute",
    "assert_count",
    "assert_url",
    "assert_title",
    "assert_no_errors",
    "screenshot",
    "eval",
    "record",
    "record_start",
    "record_stop",
];

/// Types of DESIGN §2 whose subsystems are not part of this build: validation refuses them.
pub const UNAVAILABLE_TYPES: &[&str] = &[
    "vision_click",
    "vision_report",
    "ai_test_generation",
    "smart_error_detection",
    "ai_enhanced_testing",
    "cloud_sync",
    "cloud_analytics",
    "cloud_cleanup",
    "distributed_test",
];

/// The Go tool's enterprise actions, replaced by the server's API keys, roles and audit log.
pub const ENTERPRISE_TYPES: &[&str] = &[
    "user_create",
    "user_delete",
    "user_update",
    "team_create",
    "team_delete",
    "team_update",
    "role_assign",
    "permission_grant",
    "audit_log",
    "compliance_report",
];

impl ActionKind {
    /// The same action with every user string passed through `f` (used to expand `${…}`).
    pub fn try_map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<ActionKind, String> {
        let opt = |o: &Option<String>, f: &mut dyn FnMut(&str) -> Result<String, String>| {
            o.as_deref().map(&mut *f).transpose()
        };
        Ok(match self {
            ActionKind::Navigate { url } => ActionKind::Navigate { url: f(url)? },
            ActionKind::Reload
            | ActionKind::Back
            | ActionKind::Forward
            | ActionKind::AssertNoErrors
            | ActionKind::Record { .. }
            | ActionKind::RecordStart
            | ActionKind::RecordStop => self.clone(),
            ActionKind::Click { selector } => ActionKind::Click { selector: f(selector)? },
            ActionKind::Dblclick { selector } => ActionKind::Dblclick { selector: f(selector)? },
            ActionKind::Fill { selector, value } => ActionKind::Fill {
                selector: f(selector)?,
                value: f(value)?,
            },
            ActionKind::Clear { selector } => ActionKind::Clear { selector: f(selector)? },
            ActionKind::Press { selector, key } => ActionKind::Press {
                selector: opt(selector, f)?,
                key: f(key)?,
            },
            ActionKind::Hover { selector } => ActionKind::Hover { selector: f(selector)? },
            ActionKind::Select { selector, by } => ActionKind::Select {
                selector: f(selector)?,
                by: match by {
                    SelectBy::Value(v) => SelectBy::Value(f(v)?),
                    SelectBy::Label(v) => SelectBy::Label(f(v)?),
                },
            },
            ActionKind::Check { selector } => ActionKind::Check { selector: f(selector)? },
            ActionKind::Uncheck { selector } => ActionKind::Uncheck { selector: f(selector)? },
            ActionKind::Submit { selector } => ActionKind::Submit { selector: f(selector)? },
            ActionKind::Scroll { selector, x, y } => ActionKind::Scroll {
                selector: opt(selector, f)?,
                x: *x,
                y: *y,
            },
            ActionKind::Upload { selector, files } => ActionKind::Upload {
                selector: f(selector)?,
                files: files.iter().map(|s| f(s)).collect::<Result<_, _>>()?,
            },
            ActionKind::Dialog { accept, prompt_text } => ActionKind::Dialog {
                accept: *accept,
                prompt_text: opt(prompt_text, f)?,
            },
            ActionKind::Wait { what } => ActionKind::Wait {
                what: match what {
                    WaitFor::Element { selector, state } => WaitFor::Element {
                        selector: f(selector)?,
                        state: *state,
                    },
                    WaitFor::Url(u) => WaitFor::Url(f(u)?),
                    other => other.clone(),
                },
            },
            ActionKind::AssertVisible { selector } => ActionKind::AssertVisible { selector: f(selector)? },
            ActionKind::AssertHidden { selector } => ActionKind::AssertHidden { selector: f(selector)? },
            ActionKind::AssertText { selector, expect } => ActionKind::AssertText {
                selector: f(selector)?,
                expect: map_match(expect, f)?,
            },
            ActionKind::AssertValue { selector, expect } => ActionKind::AssertValue {
                selector: f(selector)?,
                expect: map_match(expect, f)?,
            },
            ActionKind::AssertAttribute {
                selector,
                attribute,
                expect,
            } => ActionKind::AssertAttribute {
                selector: f(selector)?,
                attribute: f(attribute)?,
                expect: map_match(expect, f)?,
            },
            ActionKind::AssertCount { selector, count } => ActionKind::AssertCount {
                selector: f(selector)?,
                count: *count,
            },
            ActionKind::AssertUrl { expect } => ActionKind::AssertUrl {
                expect: map_match(expect, f)?,
            },
            ActionKind::AssertTitle { expect } => ActionKind::AssertTitle {
                expect: map_match(expect, f)?,
            },
            ActionKind::Screenshot {
                filename,
                full_page,
                selector,
                mask,
            } => ActionKind::Screenshot {
                filename: opt(filename, f)?,
                full_page: *full_page,
                selector: opt(selector, f)?,
                mask: mask.iter().map(|s| f(s)).collect::<Result<_, _>>()?,
            },
            ActionKind::Eval { script, save_as } => ActionKind::Eval {
                script: f(script)?,
                save_as: save_as.clone(),
            },
        })
    }
}

fn map_match(m: &TextMatch, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<TextMatch, String> {
    Ok(match m {
        TextMatch::Equals(s) => TextMatch::Equals(f(s)?),
        TextMatch::Contains(s) => TextMatch::Contains(f(s)?),
        TextMatch::Matches(s) => TextMatch::Matches(f(s)?),
    })
}
