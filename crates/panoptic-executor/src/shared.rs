//! What the tests, attempts and steps of one run share: the run-wide state, where an attempt
//! runs, the state of its steps, and small helpers.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use panoptic_core::config::{App, Config, Settings};
use panoptic_core::page::PageEvent;
use panoptic_core::sink::{RunEvent, RunSink};
use panoptic_core::store::ArtifactStore;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::opts::RunOpts;
use crate::redact::Redactor;

pub(crate) fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

pub(crate) fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// State shared by every test of a run.
pub(crate) struct Shared<'s> {
    pub(crate) opts: &'s RunOpts,
    pub(crate) artifacts: Arc<dyn ArtifactStore>,
    pub(crate) redactor: Redactor,
    pub(crate) sink: Mutex<&'s mut dyn RunSink>,
    pub(crate) infra_error: Mutex<Option<String>>,
    pub(crate) running: AtomicUsize,
    /// Tests of the run not started yet (the session source hears it: `SessionSource::upcoming`).
    pub(crate) unstarted: AtomicUsize,
    pub(crate) budget_kb: u64,
    /// The run's name and start (RFC 3339): its id in a bucket.
    pub(crate) run_name: String,
    pub(crate) started_at: String,
}

impl Shared<'_> {
    pub(crate) fn emit(&self, e: &RunEvent<'_>) {
        self.sink.lock().unwrap_or_else(|p| p.into_inner()).event(e);
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.opts.cancel.as_ref().is_some_and(|c| *c.borrow())
    }
}

pub(crate) async fn until_cancelled(cancel: Option<watch::Receiver<bool>>) {
    match cancel {
        Some(mut c) => {
            let _ = c.wait_for(|v| *v).await;
        }
        None => std::future::pending().await,
    }
}

/// Where one attempt runs.
pub(crate) struct AttemptCx<'r> {
    pub(crate) config: &'r Config,
    pub(crate) settings: &'r Settings,
    pub(crate) app: &'r App,
    pub(crate) index: u32,
    pub(crate) dir: String,
}

/// What the steps of one attempt share.
#[derive(Default)]
pub(crate) struct StepState {
    /// `save_as` values.
    pub(crate) vars: HashMap<String, String>,
    /// What the page reported, typed.
    pub(crate) events: Vec<PageEvent>,
    /// The attempt's video is recording.
    pub(crate) recording: bool,
    /// A `record` step asked for the video: keep it whatever the outcome.
    pub(crate) keep_video: bool,
    /// Files under `videos/` this attempt created (its video, step thumbnails): the only ones
    /// a video that is not kept may delete.
    pub(crate) video_files: Vec<String>,
    /// Steps self-healing changed in this attempt (`ai_enhanced_testing` reports them).
    pub(crate) healed: Vec<panoptic_core::results::Healed>,
    /// The attempt's trace, while `settings.trace` records one.
    pub(crate) trace: Option<Box<crate::trace::Trace>>,
}

/// Where a step sits in its attempt.
pub(crate) struct StepCx<'u> {
    pub(crate) base_url: Option<&'u str>,
    pub(crate) started: Instant,
    pub(crate) index: u32,
}
