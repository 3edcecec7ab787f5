//! The run loop: configs → tests (apps) → attempts → steps, `workers` attempts at a time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use panoptic_actions::{Ctx, Outcome};
use panoptic_core::config::{
    Action, ActionKind, App, Config, Lookup, Profile, Settings, VideoFormat, VideoMode, step_timeout,
};
use panoptic_core::page::{Page, ScreenshotOpts, VideoOpts};
use panoptic_core::results::*;
use panoptic_core::session::{LeaseError, LeaseOpts, SessionSource};
use panoptic_core::sink::{RunEvent, RunSink};
use panoptic_core::template::{self, TemplateRef};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::artifacts::{Artifacts, slug};
use crate::history::History;
use crate::plan::{Selection, TestRef, plan_with};
use crate::redact::Redactor;

/// Run-wide options from the command line.
#[derive(Clone, Debug, Default)]
pub struct RunOpts {
    /// Overrides `settings.retries` of every config.
    pub retries: Option<u32>,
    /// Overrides the workers of the first config (and its profile).
    pub workers: Option<u32>,
    /// Overrides `settings.profile` of every config.
    pub profile: Option<Profile>,
    /// Which tests run.
    pub select: Selection,
    /// Version of the tool, for the results.
    pub tool_version: String,
    /// Becomes `true` on Ctrl-C / SIGTERM: nothing new starts, running attempts stop.
    pub cancel: Option<watch::Receiver<bool>>,
    /// Run-history folder: the run is added to it, and `--shard` balances by the durations
    /// it holds. `None`: no history.
    pub history: Option<PathBuf>,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// Every test's result.
    pub result: RunResult,
    /// Set when no browser could be provided (exit code 3).
    pub infra_error: Option<String>,
    /// The run was interrupted (exit code 130).
    pub interrupted: bool,
}

/// Runs configs against sessions from a `SessionSource`.
pub struct Executor<'a> {
    source: &'a dyn SessionSource,
    lookup: &'a dyn Lookup,
    components: Components,
}

/// Parts the executor builds on first use, so a run pays only for what its configs need
/// (DESIGN §1 "Lazy components"). Each is a `OnceLock`: constructing the executor allocates
/// nothing for them.
#[derive(Default)]
pub struct Components {
    /// Past runs, loaded when a run first needs them (`--shard` balancing).
    history: OnceLock<History>,
}

impl Components {
    /// Which components have been built so far, by name.
    pub fn built(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.history.get().is_some() {
            v.push("history");
        }
        v
    }
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Number of CPUs, for profile defaults.
pub fn cores() -> u32 {
    // Reading the cgroup quota allocates and touches /proc: once per process is enough.
    static CORES: OnceLock<u32> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32))
}

/// State shared by every test of a run.
struct Shared<'s> {
    opts: &'s RunOpts,
    artifacts: &'s Artifacts,
    redactor: Redactor,
    sink: Mutex<&'s mut dyn RunSink>,
    infra_error: Mutex<Option<String>>,
    running: AtomicUsize,
    budget_kb: u64,
}

impl Shared<'_> {
    fn emit(&self, e: &RunEvent<'_>) {
        self.sink.lock().unwrap_or_else(|p| p.into_inner()).event(e);
    }

    fn cancelled(&self) -> bool {
        self.opts.cancel.as_ref().is_some_and(|c| *c.borrow())
    }
}

async fn until_cancelled(cancel: Option<watch::Receiver<bool>>) {
    match cancel {
        Some(mut c) => {
            let _ = c.wait_for(|v| *v).await;
        }
        None => std::future::pending().await,
    }
}

/// Where one attempt runs.
struct AttemptCx<'r> {
    config: &'r Config,
    settings: &'r Settings,
    app: &'r App,
    index: u32,
    dir: String,
}

impl<'a> Executor<'a> {
    /// An executor over a session source; `lookup` resolves `${…}`.
    pub fn new(source: &'a dyn SessionSource, lookup: &'a dyn Lookup) -> Executor<'a> {
        Executor {
            source,
            lookup,
            components: Components::default(),
        }
    }

    /// The lazily built components (for tests and diagnostics).
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// Run history from `dir`, loaded once, on first use.
    fn history(&self, dir: &Path) -> &History {
        self.components.history.get_or_init(|| match History::load(dir) {
            Ok(h) => {
                for (file, why) in &h.skipped {
                    tracing::warn!("run history: skipping {}: {why}", file.display());
                }
                h
            }
            Err(e) => {
                tracing::warn!("run history {} cannot be read: {e}", dir.display());
                History::default()
            }
        })
    }

    /// The settings a config runs with: its own, the profile's defaults, the CLI overrides.
    pub fn effective(config: &Config, opts: &RunOpts) -> Settings {
        let mut s = config.settings.with_profile(opts.profile, cores());
        if let Some(r) = opts.retries {
            s.retries = r;
        }
        if let Some(w) = opts.workers {
            s.workers = Some(w);
        }
        s
    }

    /// Runs the selected tests, `workers` at a time, and streams events to `sink`.
    pub async fn run(
        &self,
        configs: &[Config],
        opts: &RunOpts,
        artifacts: &Artifacts,
        sink: &mut dyn RunSink,
    ) -> RunOutcome {
        let started = Instant::now();
        let started_at = now_rfc3339();
        let settings: Vec<Settings> = configs.iter().map(|c| Self::effective(c, opts)).collect();
        let durations = match (&opts.history, opts.select.shard) {
            (Some(dir), Some(_)) => Some(self.history(dir).durations()),
            _ => None,
        };
        let tests = plan_with(configs, &opts.select, durations.as_ref());
        let workers = settings.first().and_then(|s| s.workers).unwrap_or(1).max(1);
        let name = configs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" + ");
        sink.event(&RunEvent::RunStarted {
            name: &name,
            tests: tests.len(),
        });
        let budget_kb = settings.first().map_or(0, |s| s.limits.memory_budget_mb * 1024);
        let shared = Shared {
            opts,
            artifacts,
            redactor: self.redactor_for(configs),
            sink: Mutex::new(sink),
            infra_error: Mutex::new(None),
            running: AtomicUsize::new(0),
            budget_kb,
        };
        let mut results: Vec<Option<TestResult>> = vec![None; tests.len()];
        {
            let shared = &shared;
            let settings = &settings;
            let mut stream = futures::stream::iter(tests.iter().copied().enumerate())
                .map(|(i, t): (usize, TestRef)| async move {
                    let config = &configs[t.config];
                    let test = self
                        .run_test(config, &settings[t.config], &config.apps[t.app], shared)
                        .await;
                    (i, test)
                })
                .buffer_unordered(workers as usize);
            while let Some((i, test)) = stream.next().await {
                shared.emit(&RunEvent::TestFinished { test: &test });
                results[i] = Some(test);
            }
        }
        let tests: Vec<TestResult> = results.into_iter().flatten().collect();
        let interrupted = shared.cancelled();
        let totals = Totals::of(&tests);
        let status = if tests.iter().all(|t| t.status.is_ok()) {
            Status::Passed
        } else {
            Status::Failed
        };
        let result = RunResult {
            schema_version: SCHEMA_VERSION,
            run: RunInfo {
                name,
                configs: configs.iter().map(|c| c.source.display().to_string()).collect(),
                started_at,
                duration_ms: ms(started.elapsed()),
                status: Some(if interrupted { Status::Interrupted } else { status }),
                totals,
                browser: self.source.browser_version(),
                panoptic_version: opts.tool_version.clone(),
                workers,
                shard: opts.select.shard.map(|(i, n)| format!("{i}/{n}")),
                peak_browser_memory_mb: self.source.memory_peak_since(started.into_std()).map(|kb| kb / 1024),
                panoptic_peak_rss_mb: None,
            },
            tests,
        };
        let infra_error = shared.infra_error.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(dir) = &opts.history
            && !interrupted
            && infra_error.is_none()
            && let Err(e) = crate::history::append(dir, &result)
        {
            tracing::warn!("cannot add the run to the history in {}: {e}", dir.display());
        }
        shared.emit(&RunEvent::RunFinished { result: &result });
        RunOutcome {
            result,
            infra_error,
            interrupted,
        }
    }

    /// Every secret any config references, so they are masked from the first event on.
    fn redactor_for(&self, configs: &[Config]) -> Redactor {
        let mut r = Redactor::default();
        for config in configs {
            let lists = std::iter::once(&config.actions).chain(config.apps.iter().filter_map(|a| a.actions.as_ref()));
            let strings = lists
                .flat_map(|l| l.iter())
                .flat_map(|a| panoptic_core::config::action_strings(&a.kind));
            let app_urls = config.apps.iter().filter_map(|a| a.url.clone());
            for s in strings.chain(app_urls) {
                for reference in template::references(&s).unwrap_or_default() {
                    if let TemplateRef::Secret(n) = reference
                        && let Some(v) = self.lookup.secret(&n)
                    {
                        r.add(&v);
                    }
                }
            }
        }
        r
    }

    async fn run_test(&self, config: &Config, settings: &Settings, app: &App, shared: &Shared<'_>) -> TestResult {
        let started = Instant::now();
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
                slug(&app.name)
            } else {
                format!("{}-retry{index}", slug(&app.name))
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
        }
    }

    /// Waits until total browser memory is under the budget (or nothing else runs).
    async fn admit(&self, shared: &Shared<'_>) -> u64 {
        let start = Instant::now();
        while shared.budget_kb > 0 && !shared.cancelled() && shared.running.load(Ordering::Acquire) > 0 {
            match self.source.memory_kb() {
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
        let test_timeout = cx.app.timeout.map_or(settings.timeouts.test.0, |d| d.0);
        // Every action plus the opening navigation: no regrowth (and copying) of long lists.
        let mut steps = Vec::with_capacity(cx.config.actions_of(cx.app).len() + 1);
        let mut state = StepState::default();
        if settings.video.mode != VideoMode::Off {
            match page.start_video(&video_opts(cx, shared)).await {
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
        attempt.page_errors = state.page_errors.iter().map(|e| shared.redactor.text(e)).collect();
        attempt.duration_ms = ms(started.elapsed());
        attempt.peak_browser_memory_mb = self.source.memory_peak_since(started.into_std()).map(|kb| kb / 1024);
        attempt
    }

    async fn run_steps(
        &self,
        cx: &AttemptCx<'_>,
        shared: &Shared<'_>,
        page: &mut dyn Page,
        started: Instant,
        steps: &mut Vec<StepResult>,
        state: &mut StepState,
    ) {
        let base_url = match &cx.app.url {
            Some(u) => match self.expand(u, &state.vars) {
                Ok(u) => Some(u),
                Err(e) => {
                    let step = failed_step(
                        0,
                        "open app url",
                        "navigate",
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
        let mut failed = false;
        if let Some(url) = &base_url {
            let open = Action {
                name: format!("open {}", shared.redactor.text(url)),
                kind: ActionKind::Navigate { url: url.clone() },
                timeout: None,
                optional: false,
                screenshot: false,
                retries: 0,
                pos: cx.app.pos,
            };
            let step = StepCx {
                base_url: base_url.as_deref(),
                started,
                index: 0,
            };
            let r = self.run_step(cx, shared, page, &open, &step, state).await;
            failed = r.status == Status::Failed;
            push(cx, shared, steps, r);
        }
        let offset = u32::from(base_url.is_some());
        for (i, action) in cx.config.actions_of(cx.app).iter().enumerate() {
            let index = offset + i as u32;
            if failed {
                let mut s = failed_step(
                    index,
                    &action.name,
                    action.kind.type_name(),
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
            let r = self.run_step(cx, shared, page, action, &step, state).await;
            failed = r.status == Status::Failed && !r.optional;
            push(cx, shared, steps, r);
        }
    }

    fn expand(&self, s: &str, vars: &HashMap<String, String>) -> Result<String, String> {
        template::expand(s, |r| match r {
            TemplateRef::Var(n) => vars.get(n).cloned().or_else(|| self.lookup.var(n)),
            TemplateRef::Secret(n) => self.lookup.secret(n),
        })
    }

    async fn run_step(
        &self,
        cx: &AttemptCx<'_>,
        shared: &Shared<'_>,
        page: &mut dyn Page,
        action: &Action,
        at: &StepCx<'_>,
        state: &mut StepState,
    ) -> StepResult {
        let settings = cx.settings;
        let index = at.index;
        let step_start = Instant::now();
        let type_name = action.kind.type_name();
        let kind = match action
            .kind
            .try_map_strings(&mut |s| self.expand(s, &state.vars))
            .and_then(|k| check_upload(k, cx.config))
        {
            Ok(k) => k,
            Err(e) => {
                return failed_step(
                    index,
                    &action.name,
                    type_name,
                    at.started,
                    step_start,
                    StepError::msg(e),
                );
            }
        };
        let timeout = step_timeout(action, &settings.timeouts);
        // The outer guard only catches a hung browser call; the action keeps its own deadline.
        let guard = timeout + kind.fixed_wait().unwrap_or_default() + Duration::from_secs(5);
        let mut result = Err(StepError::default());
        let mut recording = record_step(cx, shared, page, &kind, state).await;
        for _ in 0..=action.retries {
            if let Some(r) = recording.take() {
                result = r;
                break;
            }
            let mut ctx = Ctx {
                page: &mut *page,
                timeout,
                base_url: at.base_url,
                allow: &settings.allow,
                format: settings.screenshot_format,
                quality: settings.quality,
                page_errors: &mut state.page_errors,
            };
            result = match tokio::time::timeout(guard, panoptic_actions::run(&kind, &mut ctx)).await {
                Ok(r) => r,
                Err(_) => Err(StepError::msg(format!(
                    "step did not finish within {}",
                    panoptic_core::duration::format_duration(guard)
                ))),
            };
            if result.is_ok() || page.is_crashed() {
                break;
            }
        }
        let mut step = StepResult {
            index,
            name: action.name.clone(),
            action: type_name.to_owned(),
            status: Status::Passed,
            offset_ms: ms(step_start.duration_since(at.started)),
            duration_ms: 0,
            error: None,
            screenshots: Vec::new(),
            output: None,
            optional: action.optional,
            thumbnail: None,
        };
        match result {
            Ok(Outcome::Done) => {}
            Ok(Outcome::Value(v)) => {
                if let ActionKind::Eval {
                    save_as: Some(name), ..
                } = &kind
                {
                    let text = match &v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    state.vars.insert(name.clone(), text);
                }
                step.output = Some(v);
            }
            Ok(Outcome::Screenshot { filename, bytes }) => {
                let name = filename.unwrap_or_else(|| {
                    format!(
                        "{index:02}-{}.{}",
                        slug(&action.name),
                        settings.screenshot_format.extension()
                    )
                });
                match store(shared, &format!("screenshots/{}/{name}", cx.dir), bytes).await {
                    Ok(rel) => step.screenshots.push(rel),
                    Err(e) => step.error = Some(StepError::msg(format!("cannot write screenshot: {e}"))),
                }
            }
            Err(e) => step.error = Some(e),
        }
        if step.error.is_some() {
            step.status = Status::Failed;
        }
        let failed = step.status == Status::Failed;
        let wanted = action.screenshot || settings.screenshot_every_step || (failed && settings.screenshot_on_failure);
        if wanted && !page.is_crashed() {
            let suffix = if failed { "failure" } else { "after" };
            let name = format!(
                "{index:02}-{}-{suffix}.{}",
                slug(&action.name),
                settings.screenshot_format.extension()
            );
            let full_page = settings.screenshot_every_step && !failed;
            let opts = ScreenshotOpts {
                format: settings.screenshot_format,
                quality: settings.quality,
                full_page,
                clip: None,
            };
            match tokio::time::timeout(Duration::from_secs(10), page.screenshot(&opts)).await {
                Ok(Ok(bytes)) => match store(shared, &format!("screenshots/{}/{name}", cx.dir), bytes).await {
                    Ok(rel) => step.screenshots.push(rel),
                    Err(e) => tracing::warn!("cannot write screenshot {name}: {e}"),
                },
                Ok(Err(e)) => tracing::warn!("screenshot after step {} failed: {e}", step.name),
                Err(_) => tracing::warn!("screenshot after step {} timed out", step.name),
            }
        }
        if state.recording
            && let Some(jpeg) = page.video_frame()
        {
            match store(shared, &format!("videos/{}/step-{index:02}.jpg", cx.dir), jpeg).await {
                Ok(rel) => step.thumbnail = Some(rel),
                Err(e) => tracing::warn!("cannot write a step thumbnail: {e}"),
            }
        }
        step.duration_ms = ms(step_start.elapsed());
        step
    }
}

/// What the steps of one attempt share.
#[derive(Default)]
struct StepState {
    /// `save_as` values.
    vars: HashMap<String, String>,
    /// Errors the page reported.
    page_errors: Vec<String>,
    /// The attempt's video is recording.
    recording: bool,
    /// A `record` step asked for the video: keep it whatever the outcome.
    keep_video: bool,
}

fn video_rel(cx: &AttemptCx<'_>) -> String {
    let ext = match cx.settings.video_format {
        VideoFormat::Webm => "webm",
        VideoFormat::Mp4 => "mp4",
    };
    format!("videos/{}/video.{ext}", cx.dir)
}

fn video_opts(cx: &AttemptCx<'_>, shared: &Shared<'_>) -> VideoOpts {
    let path = shared.artifacts.root().join(video_rel(cx));
    let v = &cx.settings.video;
    VideoOpts {
        path,
        format: cx.settings.video_format,
        fps: v.fps,
        quality: v.quality,
        width: cx.settings.window_width,
        height: cx.settings.window_height,
    }
}

/// `record`, `record_start`, `record_stop`: they drive the attempt's one video.
async fn record_step(
    cx: &AttemptCx<'_>,
    shared: &Shared<'_>,
    page: &mut dyn Page,
    kind: &ActionKind,
    state: &mut StepState,
) -> Option<Result<Outcome, StepError>> {
    if !matches!(
        kind,
        ActionKind::Record { .. } | ActionKind::RecordStart | ActionKind::RecordStop
    ) {
        return None;
    }
    let opts = video_opts(cx, shared);
    let r = match kind {
        ActionKind::RecordStart if !state.recording => page.start_video(&opts).await,
        ActionKind::Record { duration } => {
            let started = if state.recording {
                Ok(())
            } else {
                page.start_video(&opts).await
            };
            match started {
                Ok(()) => {
                    state.recording = true;
                    tokio::time::sleep(duration.0).await;
                    if state.keep_video || cx.settings.video.mode != VideoMode::Off {
                        Ok(())
                    } else {
                        // A `record` on its own makes its own clip.
                        state.recording = false;
                        page.stop_video().await.map(drop)
                    }
                }
                Err(e) => Err(e),
            }
        }
        ActionKind::RecordStart => Ok(()),
        ActionKind::RecordStop => {
            state.recording = false;
            page.stop_video().await.map(drop)
        }
        _ => return None,
    };
    match r {
        Ok(()) => {
            if matches!(kind, ActionKind::RecordStart) {
                state.recording = true;
            }
            state.keep_video = true;
            Some(Ok(Outcome::Done))
        }
        Err(e) => Some(Err(StepError::msg(format!("{}: {e}", kind.type_name())))),
    }
}

/// Stops the attempt's video and decides whether to keep it (`on`, a failed attempt under
/// `retain-on-failure`, or a `record` step); returns its path.
async fn finish_video(
    cx: &AttemptCx<'_>,
    shared: &Shared<'_>,
    page: &mut dyn Page,
    state: &mut StepState,
    status: Status,
    steps: &mut [StepResult],
    healthy: bool,
) -> Option<String> {
    let rel = video_rel(cx);
    let exists = shared.artifacts.root().join(&rel).is_file();
    let limit = if healthy {
        Duration::from_secs(70)
    } else {
        Duration::from_secs(10)
    };
    let stopped = if state.recording {
        state.recording = false;
        match tokio::time::timeout(limit, page.stop_video()).await {
            Ok(Ok(info)) => info.is_some(),
            Ok(Err(e)) => {
                tracing::warn!(test = %cx.app.name, "video failed: {e}");
                false
            }
            Err(_) => false,
        }
    } else {
        exists
    };
    let keep = stopped
        && (state.keep_video
            || match cx.settings.video.mode {
                VideoMode::On => true,
                VideoMode::RetainOnFailure => status != Status::Passed,
                VideoMode::Off => false,
            });
    if keep {
        // ffmpeg creates files with the umask; artifacts are the owner's only.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(
            shared.artifacts.root().join(&rel),
            std::fs::Permissions::from_mode(0o600),
        );
        return Some(rel);
    }
    let _ = std::fs::remove_dir_all(shared.artifacts.root().join(format!("videos/{}", cx.dir)));
    for s in steps {
        s.thumbnail = None;
    }
    None
}

/// Where a step sits in its attempt.
struct StepCx<'u> {
    base_url: Option<&'u str>,
    started: Instant,
    index: u32,
}

/// Redacts a step, emits it and keeps it.
fn push(cx: &AttemptCx<'_>, shared: &Shared<'_>, steps: &mut Vec<StepResult>, mut step: StepResult) {
    shared.redactor.mask(&mut step.name);
    if let Some(e) = step.error.as_mut() {
        e.map_text(&|s| shared.redactor.text(s));
    }
    if let Some(v) = step.output.as_mut() {
        *v = shared.redactor.json(v);
    }
    shared.emit(&RunEvent::StepFinished {
        test: &cx.app.name,
        attempt: cx.index,
        step: &step,
    });
    steps.push(step);
}

async fn store(shared: &Shared<'_>, rel: &str, bytes: Vec<u8>) -> std::io::Result<String> {
    let rel = rel.to_owned();
    let artifacts = shared.artifacts.clone();
    let written = tokio::task::spawn_blocking(move || artifacts.write(&rel, &bytes))
        .await
        .map_err(std::io::Error::other)??;
    shared.emit(&RunEvent::ArtifactWritten { path: &written });
    Ok(written)
}

/// `upload` reads only regular files under `allow.file_upload_roots`; paths become absolute.
fn check_upload(kind: ActionKind, config: &Config) -> Result<ActionKind, String> {
    let ActionKind::Upload { selector, files } = kind else {
        return Ok(kind);
    };
    let base = config
        .source
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let roots: Vec<PathBuf> = config
        .settings
        .allow
        .file_upload_roots
        .iter()
        .filter_map(|r| base.join(r).canonicalize().ok())
        .collect();
    let mut checked = Vec::new();
    for f in &files {
        let p = base
            .join(f)
            .canonicalize()
            .map_err(|e| format!("upload file {f}: {e}"))?;
        if !roots.iter().any(|r| p.starts_with(r)) {
            return Err(format!("upload file {f} is outside `settings.allow.file_upload_roots`"));
        }
        if !p.is_file() {
            return Err(format!("upload file {f} is not a regular file"));
        }
        checked.push(p.display().to_string());
    }
    Ok(ActionKind::Upload {
        selector,
        files: checked,
    })
}

fn failed_step(index: u32, name: &str, action: &str, started: Instant, at: Instant, error: StepError) -> StepResult {
    StepResult {
        index,
        name: name.to_owned(),
        action: action.to_owned(),
        status: Status::Failed,
        offset_ms: ms(at.duration_since(started)),
        duration_ms: ms(at.elapsed()),
        error: Some(error),
        screenshots: Vec::new(),
        output: None,
        optional: false,
        thumbnail: None,
    }
}
