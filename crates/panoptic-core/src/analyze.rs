//! The AI seam: an [`Analyzer`] looks at a live page — its DOM, accessibility tree and layout
//! through [`Page`], and what the page reported so far as typed [`PageEvent`]s — and returns
//! findings. `panoptic-ai` implements it; the executor builds it on first use and runs the
//! registry's `Runner::Ai` steps through it.

use async_trait::async_trait;
use serde::Serialize;

use crate::config::ActionKind;
use crate::page::{Fingerprint, Page, PageError, PageEvent};

/// How an analysis runs (from `settings.ai_testing`).
#[derive(Clone, Debug)]
pub struct AnalyzeOpts {
    /// The `type` of the step that asked.
    pub action: String,
    /// Report console errors, failed requests and accessibility problems.
    pub detect_errors: bool,
    /// Lowest confidence a finding (or a healed locator) may have.
    pub confidence_threshold: f64,
    /// The step, typed: what to analyze and how.
    pub kind: ActionKind,
    /// How long the step may wait for what it looks for (`vision_click`'s element).
    pub timeout: std::time::Duration,
    /// The URL policy the steps an analysis runs keep to (`settings.allow`).
    pub allow: crate::config::Allow,
    /// Most tests generation writes (`settings.ai_testing.max_generated_tests`).
    pub max_generated_tests: u32,
    /// The steps of this attempt self-healing changed so far.
    pub healed: Vec<crate::results::Healed>,
}

/// How much a problem hurts the page's users, on axe-core's scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// Annoying.
    Minor,
    /// Gets in the way.
    Moderate,
    /// Blocks some users or hides a real fault.
    Serious,
    /// Blocks users outright.
    Critical,
}

impl Impact {
    /// Every impact's name, mildest first (the `fail_on` choices).
    pub const NAMES: &'static [&'static str] = &["minor", "moderate", "serious", "critical"];

    /// The impact named `name` (one of [`Impact::NAMES`]).
    pub fn from_name(name: &str) -> Option<Impact> {
        [Impact::Minor, Impact::Moderate, Impact::Serious, Impact::Critical]
            .into_iter()
            .zip(Impact::NAMES)
            .find_map(|(i, n)| (*n == name).then_some(i))
    }
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be looked at.
    Warning,
    /// Fails the step.
    Error,
}

/// One thing the analyzer found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// What kind (`console_error`, `unlabeled_input`, `element`, …).
    pub kind: String,
    /// How much it matters.
    pub severity: Severity,
    /// For people.
    pub message: String,
    /// The element it is about, as a locator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// How much it hurts users (checks of the page's health say; others leave it out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
}

/// The kinds of element detection reports (also the `type` choices of `vision_click`).
pub const ELEMENT_KINDS: &[&str] = &[
    "button",
    "link",
    "textfield",
    "textarea",
    "checkbox",
    "radio",
    "switch",
    "select", // tidy: not an action (element kind)
    "slider",
    "file",
    "image",
    "heading",
    "tab",
    "menuitem",
    "option",
];

/// One element of the page, as element detection sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetectedElement {
    /// Its number on the annotated picture (1-based, document order).
    pub number: usize,
    /// One of [`ELEMENT_KINDS`].
    pub kind: String,
    /// The role Chromium's accessibility tree gives it.
    pub role: String,
    /// Its accessible name, as Chromium computes it.
    pub name: String,
    /// The best locator: the first of `candidates`.
    pub locator: String,
    /// Locators that find exactly this element, best first (Playwright codegen's order).
    pub candidates: Vec<String>,
    /// The best locator is a structural CSS path: nothing more telling was unique.
    pub css_fallback: bool,
    /// Box in the top page, CSS pixels: x, y, width, height.
    pub bbox: [f64; 4],
    /// Accepts input (not disabled).
    pub enabled: bool,
}

/// Everything one analysis found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Findings {
    /// In the order found.
    pub findings: Vec<Finding>,
    /// The page's elements, when the step looked for them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<DetectedElement>,
    /// A picture for the step's screenshots (PNG): the page with its elements marked.
    #[serde(skip)]
    pub image: Option<Vec<u8>>,
    /// A config the step wrote (generated tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yaml: Option<String>,
}

impl Findings {
    /// Findings of `Error` severity.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Error)
    }
}

/// Why an analysis could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// The page failed under it.
    #[error(transparent)]
    Page(#[from] PageError),
    /// The analyzer cannot do what the step asked.
    #[error("{0}")]
    Unsupported(String),
}

/// The element self-healing chose for a locator that matched nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Heal {
    /// A locator that finds it (checked unique).
    pub locator: String,
    /// How closely it matches the fingerprint, 0 to 1.
    pub score: f64,
}

/// Looks at a page.
#[async_trait]
pub trait Analyzer: Send + Sync {
    /// Analyzes the page as it is now, with the events it reported so far.
    async fn analyze(
        &self,
        page: &mut dyn Page,
        events: &[PageEvent],
        opts: &AnalyzeOpts,
    ) -> Result<Findings, AnalyzeError>;

    /// The element on the page now that best matches `was` (what a locator found in a passing
    /// run), when one matches at least `threshold` and has the same role; `None` otherwise.
    async fn heal(&self, page: &mut dyn Page, was: &Fingerprint, threshold: f64) -> Result<Option<Heal>, AnalyzeError> {
        let _ = (page, was, threshold);
        Err(AnalyzeError::Unsupported("this analyzer does not heal locators".into()))
    }
}
