//! `settings.trace`: per step, the DOM after it (the one before is the previous step's), a
//! masked screenshot, the console messages and exceptions it saw; at the end, the tab's network
//! log. Kept as `traces/<test>/attempt-<n>.html` (`panoptic-report`'s offline viewer) when the
//! mode says so: always (`on`), or when the attempt did not pass (`retain-on-failure`).
//! Every text passes the `Redactor`; password fields are masked in snapshots and screenshots.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use panoptic_core::config::{ImageFormat, VideoMode};
use panoptic_core::page::{Page, PageEvent, ScreenshotOpts};
use panoptic_core::results::{Status, StepResult};
use serde_json::{Value, json};

use crate::redact::Redactor;

/// Longest DOM snapshot kept, in characters (a page past it is cut and says so).
const MAX_SNAPSHOT: usize = 4_000_000;

/// How long one step's snapshot and screenshot may take together.
const CAPTURE_LIMIT: Duration = Duration::from_secs(5);

/// Milliseconds since the Unix epoch (the clock the network log uses).
pub(crate) fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What an attempt's trace has gathered so far.
pub(crate) struct Trace {
    steps: Vec<Value>,
    /// Events of the attempt already given to a step.
    events_seen: usize,
    /// When the step now running began (wall clock).
    step_start: f64,
}

impl Trace {
    pub(crate) fn new() -> Trace {
        Trace {
            steps: Vec::new(),
            events_seen: 0,
            step_start: wall_ms(),
        }
    }

    /// Marks the start of the next step.
    pub(crate) fn step_begins(&mut self) {
        self.step_start = wall_ms();
    }

    /// Records a finished step: its result, the page after it and what the page said.
    pub(crate) async fn step_ends(
        &mut self,
        page: &mut dyn Page,
        step: &StepResult,
        events: &mut Vec<PageEvent>,
        redactor: &Redactor,
    ) {
        let end = wall_ms();
        // A failing step returns before it gathers what the page said meanwhile.
        panoptic_actions::gather_events(page, events);
        let from = self.events_seen.min(events.len());
        let console: Vec<Value> = events[from..]
            .iter()
            .filter_map(|e| {
                let (level, text) = match e {
                    PageEvent::Console { level, text } => (level.clone(), text.clone()),
                    PageEvent::Exception { text } => ("exception".into(), text.clone()),
                    PageEvent::RequestFailed { url, reason } => {
                        ("error".into(), format!("request failed: {url} ({reason})"))
                    }
                    PageEvent::Security { text } => ("warning".into(), text.clone()),
                    PageEvent::Dialog {
                        kind,
                        message,
                        accepted,
                    } => (
                        "info".into(),
                        format!(
                            "{kind} dialog {}: {message}",
                            if *accepted { "accepted" } else { "dismissed" }
                        ),
                    ),
                    PageEvent::Response { .. } => return None,
                };
                Some(json!({ "level": level, "text": redactor.text(&text) }))
            })
            .collect();
        self.events_seen = events.len();
        let (snapshot, screenshot) = if page.is_crashed() || step.status == Status::Skipped {
            (None, None)
        } else {
            tokio::time::timeout(CAPTURE_LIMIT, capture(page, redactor.forms()))
                .await
                .unwrap_or_default()
        };
        self.steps.push(json!({
            "index": step.index,
            "name": step.name,
            "action": step.action,
            "status": step.status.as_str(),
            "error": step.error,
            "start_ms": self.step_start,
            "end_ms": end,
            "snapshot": snapshot.map(|s| redactor.text(&s)),
            "image": screenshot,
            "console": console,
        }));
    }

    /// The whole trace, with the tab's network log; `None` when the mode keeps none for an
    /// attempt of this status.
    pub(crate) fn finish(
        self,
        mode: VideoMode,
        status: Status,
        page: Option<&dyn Page>,
        head: Value,
        redactor: &Redactor,
    ) -> Option<Value> {
        let keep = match mode {
            VideoMode::Off => false,
            VideoMode::On => true,
            VideoMode::RetainOnFailure => status != Status::Passed,
        };
        if !keep {
            return None;
        }
        let network: Vec<Value> = page
            .map(|p| p.requests())
            .unwrap_or_default()
            .into_iter()
            .map(|mut r| {
                r.url = redactor.text(&r.url);
                r.failure = r.failure.map(|f| redactor.text(&f));
                serde_json::to_value(r).unwrap_or(Value::Null)
            })
            .collect();
        let mut doc = head;
        if let Some(o) = doc.as_object_mut() {
            o.insert("steps".into(), Value::Array(self.steps));
            o.insert("network".into(), Value::Array(network));
            o.insert("start_snapshot".into(), Value::Null);
        }
        Some(doc)
    }
}

/// The page's DOM as offline HTML and a masked JPEG screenshot as a data URL: password fields
/// and fields holding a secret are covered.
async fn capture(page: &mut dyn Page, secrets: &[String]) -> (Option<String>, Option<String>) {
    let snapshot = panoptic_actions::dom_snapshot(page, MAX_SNAPSHOT).await.ok();
    // A field whose value is unknown cannot be proven free of secrets: no picture then.
    let Ok(marked) = panoptic_actions::mark_secret_fields(page, secrets, true).await else {
        return (snapshot, None);
    };
    let mask = if marked > 0 {
        vec!["[data-panoptic-secret]".to_owned()]
    } else {
        Vec::new()
    };
    let opts = ScreenshotOpts {
        format: ImageFormat::Jpeg,
        quality: 50,
        full_page: false,
        clip: None,
    };
    let shot = panoptic_actions::masked_screenshot(page, &opts, &mask)
        .await
        .ok()
        .map(|b| format!("data:image/jpeg;base64,{}", BASE64.encode(b)));
    if marked > 0 {
        let _ = panoptic_actions::mark_secret_fields(page, secrets, false).await;
    }
    (snapshot, shot)
}
