//! panoptic's page analyzer, offline and from the live page: element detection (every element
//! a user sees, with its role and name from Chromium's accessibility tree and locators checked
//! unique), `vision_click` and `vision_report` on top of it; and what is wrong with the page,
//! from the browser's own signals —
//! the typed events the page reported (exceptions, console errors, failed and 4xx/5xx
//! requests) and a look at its DOM from panoptic's isolated world (broken images, images
//! without alt text, unlabeled fields, nameless buttons and links, low text contrast). No model
//! is downloaded and nothing leaves the machine.
//!
//! Boundary decision: the executor sees only core's `Analyzer` trait and builds this crate's
//! analyzer on the first AI step ([`make`]); the analyzer sees only core's `Page`, so it runs
//! on the fake page in unit tests and never touches the CDP crate.
#![warn(missing_docs)]

mod detect;
mod draw;
mod elements;
mod generate;
mod heal;
mod vision;

use async_trait::async_trait;
use panoptic_core::analyze::{AnalyzeError, AnalyzeOpts, Analyzer, Findings, Heal};
use panoptic_core::config::ActionKind;
use panoptic_core::page::{Fingerprint, Page, PageEvent};

/// The analyzer the executor builds on first use.
pub fn make() -> Box<dyn Analyzer> {
    Box::new(PageAnalyzer)
}

/// Runs the registry's AI steps this build has.
struct PageAnalyzer;

#[async_trait]
impl Analyzer for PageAnalyzer {
    async fn analyze(
        &self,
        page: &mut dyn Page,
        events: &[PageEvent],
        opts: &AnalyzeOpts,
    ) -> Result<Findings, AnalyzeError> {
        match &opts.kind {
            ActionKind::SmartErrorDetection { fail_on } => detect::run(page, events, *fail_on).await,
            ActionKind::VisionClick { element, text } => {
                vision::click(
                    page,
                    &opts.action,
                    element.as_deref(),
                    text.as_deref(),
                    opts.confidence_threshold,
                    opts.timeout,
                )
                .await
            }
            ActionKind::VisionReport { .. } => vision::report(page, &opts.action).await,
            ActionKind::AiEnhancedTesting { fail_on } => {
                let mut f = if opts.detect_errors {
                    detect::run(page, events, *fail_on).await?
                } else {
                    Findings::default()
                };
                f.findings.splice(0..0, opts.healed.iter().map(heal::finding));
                Ok(f)
            }
            ActionKind::AiTestGeneration { depth } => {
                let start = page.url().await?;
                // Each action of the exploration waits less than a test's would: a page that
                // does not answer is left out, not waited on.
                let timeout = opts.timeout.min(std::time::Duration::from_secs(5));
                let max = opts.max_generated_tests as usize;
                let g = generate::generate(page, &start, *depth, max, &opts.allow, timeout).await?;
                Ok(generate::findings(&start, &g))
            }
            _ => Err(AnalyzeError::Unsupported(format!(
                "`{}` is not available in this build's analyzer",
                opts.action
            ))),
        }
    }

    async fn heal(&self, page: &mut dyn Page, was: &Fingerprint, threshold: f64) -> Result<Option<Heal>, AnalyzeError> {
        heal::heal(page, was, threshold).await
    }
}
