//! One test: its attempts (retries, flaky, crash, timeout, interrupt), admission under the
//! memory budget, and the steps of one attempt in order.

use std::sync::atomic::Ordering;
use std::time::Duration;

use panoptic_core::config::{Action, ActionKind, App, Config, Settings, VideoMode, registry};
use panoptic_core::page::Page;
use panoptic_core::results::*;
use panoptic_core::session::{LeaseError, LeaseOpts};
use panoptic_core::sink::RunEvent;
use tokio::time::Instant;

use crate::run::Executor;
use crate::shared::*;
use crate::step::*;
use crate::video::*;

impl Executor<'_> {
    pub(crate) async fn run_test(
        &self,
        config: &Config,
        settings: &Settings,
        app: &App,
        base_dir: &str,
        shared: &Shared<'_>,
    ) -> TestResult {
        let started = Instant::now();
        let left = shared.unstarted.fetch_sub(1, Ordering::AcqRel).saturating_sub(1);
        self.source.upcoming(left);
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut infra_retries = 0;
        let mut index = 0;
        while index <= settings.retries + infra_retries {
            if shared.cancelled() || shared.infra_error.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                break;
            }
            shared.emit(&RunEvent::TestStarted {
                test: &app.name,
                attempt: index,
            });
            let dir = if index == 0 {
                base_dir.to_owned()
            } else {
                format!("{base_dir}-retry{index}")
            };
            let cx = AttemptCx {
                config,
                settings,
                app,
                index,
                dir,
            };
            let attempt = self.run_attempt(&cx, shared).await;
            let passed = attempt.status == Status::Passed;
            let stop = matches!(attempt.status, Status::Interrupted);
            if attempt.infrastructure_failure && infra_retries == 0 {
                infra_retries = 1;
            }
            attempts.push(attempt);
            index += 1;
            if passed || stop {
                break;
            }
        }
        let status = match attempts.last() {
            None => Status::Interrupted,
            Some(a)
                if a.status == Status::Passed
                    && attempts
                        .iter()
                        .any(|x| x.status != Status::Passed && !x.infrastructure_failure) =>
            {
                Status::Flaky
            }
            Some(a) => a.status,
        };
        TestResult {
            name: app.name.clone(),
            config: config.source.display().to_string(),
            status,
            duration_ms: ms(started.elapsed()),
            attempts,
            trace_id: None,
            span_id: None,
        }
    }

    /// Waits until total browser memory is under the budget (or nothing else runs).
    async fn admit(&self, shared: &Shared<'_>) -> u64 {
        let start = Instant::now();
        while shared.budget_kb > 0 && !shared.cancelled() && shared.running.load(Ordering::Acquire) > 0 {
            match self.source.stats().map(|s| s.memory_kb()) {
                Some(kb) if kb > shared.budget_kb => tokio::time::sleep(Duration::from_millis(100)).await,
                _ => break,
            }
        }
        ms(start.elapsed())
    }

    async fn run_attempt(&self, cx: &AttemptCx<'_>, shared: &Shared<'_>) -> Attempt {
        let admission_wait_ms = self.admit(shared).await;
        shared.running.fetch_add(1, Ordering::AcqRel);
        let attempt = self.attempt_body(cx, shared, admission_wait_ms).await;
        shared.running.fetch_sub(1, Ordering::AcqRel);
        attempt
    }

    async fn attempt_body(&self, cx: &AttemptCx<'_>, shared: &Shared<'_>, admission_wait_ms: u64) -> Attempt {
        let started = Instant::now();
        let mut attempt = Attempt {
            index: cx.index,
            status: Status::Failed,
            started_at: now_rfc3339(),
            duration_ms: 0,
            steps: Vec::new(),
            error: None,
            page_errors: Vec::new(),
            admission_wait_ms,
            lease_ms: 0,
            peak_browser_memory_mb: None,
            infrastructure_failure: false,
            video: None,
            trace: None,
        };
        if shared.cancelled() {
            attempt.status = Status::Interrupted;
            attempt.error = Some(StepError::msg("interrupted before it started"));
            return attempt;
        }
        let settings = cx.settings;
        let lease = LeaseOpts {
            width: settings.window_width,
            height: settings.window_height,
        };
        // `biased`: a fixed polling order, so a run does the same work every time (the bench
        // gate counts instructions); a cancellation is still seen at the next poll.
        let session = tokio::select! {
            biased;
            s = self.source.lease(&lease) => s,
            () = until_cancelled(shared.opts.cancel.clone()) => {
                attempt.status = Status::Interrupted;
                attempt.error = Some(StepError::msg("interrupted"));
                return attempt;
            }
        };
        attempt.lease_ms = ms(started.elapsed());
        let mut page = match session {
            Ok(s) => s.page,
            Err(e) => {
                if matches!(e, LeaseError::NoBrowser(_)) {
                    *shared.infra_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                }
                attempt.error = Some(StepError::msg(e.to_string()));
                attempt.duration_ms = ms(started.elapsed());
                return attempt;
            }
        };
        // The URL policy also holds for what the page opens on its own (links, redirects,
        // frames; every request when `allow.hosts` is set). A page that cannot be guarded is
        // not run: an attempt must not seem to hold the policy when it does not.
        let guard = std::sync::Arc::new(panoptic_security::UrlGuard::new(&settings.allow));
        if let Err(e) = page.guard_requests(guard).await {
            attempt.error = Some(StepError::msg(format!("cannot apply the URL policy to the page: {e}")));
            attempt.infrastructure_failure = page.is_crashed();
            attempt.duration_ms = ms(started.elapsed());
            return attempt;
        }
        let test_timeout = cx.app.timeout.map_or(settings.timeouts.test.0, |d| d.0);
        // Every action plus the opening navigation: no regrowth (and copying) of long lists.
        let mut steps = Vec::with_capacity(cx.config.actions_of(cx.app).len() + cx.config.mocks_of(cx.app).count() + 1);
        let mut state = StepState {
            trace: (settings.trace != VideoMode::Off).then(|| Box::new(crate::trace::Trace::new())),
            ..StepState::default()
        };
        if settings.video.mode != VideoMode::Off {
            match start_video(cx, shared, page.as_mut(), &mut state).await {
                Ok(()) => state.recording = true,
                Err(e) => tracing::warn!(test = %cx.app.name, "no video for this attempt: {e}"),
            }
        }
        // Step offsets count from the moment the page is ready (and its video starts), so they
        // line up with its timeline.
        let body = self.run_steps(cx, shared, page.as_mut(), Instant::now(), &mut steps, &mut state);
        let outcome = tokio::select! {
            biased;
            r = tokio::time::timeout(test_timeout, body) => Some(r.is_ok()),
            () = until_cancelled(shared.opts.cancel.clone()) => None,
        };
        let (status, error) = match outcome {
            Some(true) => {
                let failed = steps.iter().find(|s| s.status == Status::Failed && !s.optional);
                match failed {
                    Some(s) => (Status::Failed, s.error.clone()),
                    None => (Status::Passed, None),
                }
            }
            Some(false) => {
                let msg = format!(
                    "test exceeded its timeout of {}",
                    panoptic_core::duration::format_duration(test_timeout)
                );
                (Status::TimedOut, Some(StepError::msg(msg)))
            }
            None => (Status::Interrupted, Some(StepError::msg("interrupted"))),
        };
        attempt.infrastructure_failure = status != Status::Passed && page.is_crashed();
        if attempt.infrastructure_failure {
            attempt.error = Some(StepError::msg(
                "the browser died during the attempt; retrying on a fresh browser",
            ));
        } else {
            attempt.error = error;
        }
        if let Some(t) = state.trace.take() {
            attempt.trace = keep_trace(cx, shared, *t, status, page.as_ref()).await;
        }
        attempt.video = finish_video(
            cx,
            shared,
            page.as_mut(),
            &mut state,
            status,
            &mut steps,
            outcome == Some(true),
        )
        .await;
        if outcome == Some(true) {
            page.close().await;
        } else {
            // The session may be mid-command: discard it (its context is disposed on drop).
            drop(page);
        }
        attempt.status = status;
        attempt.steps = steps;
        attempt.page_errors = page_errors(&state.events, &shared.redactor);
        attempt.duration_ms = ms(started.elapsed());
        attempt.peak_browser_memory_mb = self
            .source
            .stats()
            .map(|s| s.memory_peak_since(started.into_std()) / 1024);
        attempt
    }

    pub(crate) async fn run_steps(
        &self,
        cx: &AttemptCx<'_>,
        shared: &Shared<'_>,
        page: &mut dyn Page,
        started: Instant,
        steps: &mut Vec<StepResult>,
        state: &mut StepState,
    ) {
        // The app url opens as a `navigate` step.
        let open_spec = registry::opening_navigation();
        let base_url = match &cx.app.url {
            Some(u) => match self.expand(u, &state.vars) {
                Ok(u) => Some(u),
                Err(e) => {
                    let step = failed_step(
                        0,
                        "open app url",
                        open_spec.name,
                        started,
                        Instant::now(),
                        StepError::msg(e),
                    );
                    push(cx, shared, steps, step);
                    return;
                }
            },
            None => None,
        };
        // The mocks go in place before the app's url opens; then the url, then the actions.
        let open = base_url.as_ref().map(|url| Action {
            name: format!("open {}", shared.redactor.text(url)),
            spec: open_spec,
            kind: ActionKind::Navigate { url: url.clone() },
            timeout: None,
            optional: false,
            screenshot: false,
            retries: 0,
            pos: cx.app.pos,
        });
        let sequence = cx
            .config
            .mocks_of(cx.app)
            .chain(open.as_ref())
            .chain(cx.config.actions_of(cx.app));
        let mut failed = false;
        for (i, action) in sequence.enumerate() {
            let index = i as u32;
            if failed {
                let mut s = failed_step(
                    index,
                    &action.name,
                    action.type_name(),
                    started,
                    Instant::now(),
                    StepError::default(),
                );
                s.status = Status::Skipped;
                s.error = None;
                push(cx, shared, steps, s);
                continue;
            }
            let step = StepCx {
                base_url: base_url.as_deref(),
                started,
                index,
            };
            if let Some(t) = state.trace.as_mut() {
                t.step_begins();
            }
            let r = self.run_step(cx, shared, page, action, &step, state).await;
            failed = r.status == Status::Failed && !r.optional;
            if let Some(t) = state.trace.as_mut() {
                t.step_ends(page, &r, &mut state.events, &shared.redactor).await;
            }
            push(cx, shared, steps, r);
        }
    }
}

/// Writes the attempt's trace viewer when `settings.trace` keeps it; its path.
async fn keep_trace(
    cx: &AttemptCx<'_>,
    shared: &Shared<'_>,
    trace: crate::trace::Trace,
    status: Status,
    page: &dyn Page,
) -> Option<String> {
    let head = serde_json::json!({
        "test": cx.app.name,
        "config": cx.config.source.display().to_string(),
        "attempt": cx.index,
        "status": status.as_str(),
    });
    let doc = trace.finish(cx.settings.trace, status, Some(page), head, &shared.redactor)?;
    let html = tokio::task::spawn_blocking(move || panoptic_report::render_trace(&doc))
        .await
        .ok()?;
    match crate::step::store(shared, cx, &format!("traces/{}.html", cx.dir), html.into_bytes()).await {
        Ok(rel) => Some(rel),
        Err(e) => {
            tracing::warn!(test = %cx.app.name, "cannot write the trace: {e}");
            None
        }
    }
}

/// Most page errors an attempt records, and most bytes of one: a page that logs errors without
/// end cannot blow up `results.json` (20 MB of console errors made a 62 MB file).
const MAX_PAGE_ERRORS: usize = 200;
const MAX_PAGE_ERROR_BYTES: usize = 2048;

/// The attempt's page errors as redacted texts, bounded in count and length.
fn page_errors(events: &[panoptic_core::page::PageEvent], redactor: &crate::redact::Redactor) -> Vec<String> {
    // Redact before the cut: a cut must not keep a prefix of a secret the whole text would mask.
    let (mut texts, more) = bounded(
        events.iter().filter_map(|e| e.error_text()),
        MAX_PAGE_ERRORS,
        MAX_PAGE_ERROR_BYTES,
        |t| redactor.text(&t),
    );
    if more > 0 {
        texts.push(format!("… and {more} more page error(s) not recorded"));
    }
    texts
}
