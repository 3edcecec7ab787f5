//! The run loop: configs → tests (apps) → attempts → steps.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use panoptic_actions::{Ctx, Outcome};
use panoptic_core::config::{Action, ActionKind, App, Config, Lookup, step_timeout};
use panoptic_core::page::{Page, ScreenshotOpts};
use panoptic_core::results::*;
use panoptic_core::session::{LeaseError, LeaseOpts, SessionSource};
use panoptic_core::sink::{RunEvent, RunSink};
use panoptic_core::template::{self, TemplateRef};
use tokio::time::Instant;

use crate::artifacts::{Artifacts, slug};
use crate::redact::Redactor;

/// Run-wide options from the command line.
#[derive(Clone, Debug)]
pub struct RunOpts {
    /// Output folder.
    pub output: PathBuf,
    /// Overrides `settings.retries` of every config.
    pub retries: Option<u32>,
    /// Version of the tool, for the results.
    pub tool_version: String,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// Every test's result.
    pub result: RunResult,
    /// Set when no browser could be provided (exit code 3).
    pub infra_error: Option<String>,
}

/// Runs configs against sessions from a `SessionSource`.
pub struct Executor<'a> {
    source: &'a dyn SessionSource,
    lookup: &'a dyn Lookup,
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Where one attempt runs: its config, app, artifacts and the run-wide redactor.
struct AttemptCx<'r> {
    config: &'r Config,
    app: &'r App,
    index: u32,
    artifacts: &'r Artifacts,
    redactor: &'r Redactor,
    dir: String,
}

impl<'a> Executor<'a> {
    /// An executor over a session source; `lookup` resolves `${…}`.
    pub fn new(source: &'a dyn SessionSource, lookup: &'a dyn Lookup) -> Executor<'a> {
        Executor { source, lookup }
    }

    /// Runs every app of every config, in order, and streams events to `sink`.
    pub async fn run(
        &self,
        configs: &[Config],
        opts: &RunOpts,
        artifacts: &Artifacts,
        sink: &mut dyn RunSink,
    ) -> RunOutcome {
        let started = Instant::now();
        let started_at = now_rfc3339();
        let name = configs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" + ");
        let total: usize = configs.iter().map(|c| c.apps.len()).sum();
        sink.event(&RunEvent::RunStarted {
            name: &name,
            tests: total,
        });
        let redactor = self.redactor_for(configs);
        let mut tests = Vec::new();
        let mut infra_error = None;
        for config in configs {
            for app in &config.apps {
                let test = self
                    .run_test(config, app, opts, artifacts, &redactor, sink, &mut infra_error)
                    .await;
                sink.event(&RunEvent::TestFinished { test: &test });
                tests.push(test);
            }
        }
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
                status: Some(status),
                totals,
                browser: self.source.browser_version(),
                panoptic_version: opts.tool_version.clone(),
            },
            tests,
        };
        sink.event(&RunEvent::RunFinished { result: &result });
        RunOutcome { result, infra_error }
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

    #[expect(clippy::too_many_arguments, reason = "one call site; the pieces are unrelated")]
    async fn run_test(
        &self,
        config: &Config,
        app: &App,
        opts: &RunOpts,
        artifacts: &Artifacts,
        redactor: &Redactor,
        sink: &mut dyn RunSink,
        infra_error: &mut Option<String>,
    ) -> TestResult {
        let started = Instant::now();
        let retries = opts.retries.unwrap_or(config.settings.retries);
        let mut attempts = Vec::new();
        for index in 0..=retries {
            sink.event(&RunEvent::TestStarted {
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
                app,
                index,
                artifacts,
                redactor,
                dir,
            };
            let attempt = self.run_attempt(&cx, sink, infra_error).await;
            let ok = attempt.status == Status::Passed;
            attempts.push(attempt);
            if ok || infra_error.is_some() {
                break;
            }
        }
        let last = attempts.last().map_or(Status::Skipped, |a| a.status);
        let status = if last == Status::Passed && attempts.len() > 1 {
            Status::Flaky
        } else {
            last
        };
        TestResult {
            name: app.name.clone(),
            config: config.source.display().to_string(),
            status,
            duration_ms: ms(started.elapsed()),
            attempts,
        }
    }

    async fn run_attempt(
        &self,
        cx: &AttemptCx<'_>,
        sink: &mut dyn RunSink,
        infra_error: &mut Option<String>,
    ) -> Attempt {
        let started = Instant::now();
        let started_at = now_rfc3339();
        let settings = &cx.config.settings;
        let mut steps: Vec<StepResult> = Vec::new();
        let mut page_errors = Vec::new();
        let lease = LeaseOpts {
            width: settings.window_width,
            height: settings.window_height,
        };
        let session = match self.source.lease(&lease).await {
            Ok(s) => s,
            Err(e) => {
                if matches!(e, LeaseError::NoBrowser(_)) {
                    *infra_error = Some(e.to_string());
                }
                return Attempt {
                    index: cx.index,
                    status: Status::Failed,
                    started_at,
                    duration_ms: ms(started.elapsed()),
                    steps,
                    error: Some(StepError::msg(e.to_string())),
                    page_errors,
                };
            }
        };
        let mut page = session.page;
        let test_timeout = cx.app.timeout.map_or(settings.timeouts.test.0, |d| d.0);
        // Step offsets count from the moment the page is ready, so they line up with its timeline.
        let body = self.run_steps(cx, page.as_mut(), Instant::now(), &mut steps, &mut page_errors, sink);
        let (status, error) = match tokio::time::timeout(test_timeout, body).await {
            Ok(()) => {
                page.close().await;
                let failed = steps
                    .iter()
                    .find(|s| s.status != Status::Passed && s.status != Status::Skipped && !s.optional);
                match failed {
                    Some(s) => (Status::Failed, s.error.clone()),
                    None => (Status::Passed, None),
                }
            }
            Err(_) => {
                // The session may be mid-command: discard it (its context is disposed on drop).
                drop(page);
                let msg = format!(
                    "test exceeded its timeout of {}",
                    panoptic_core::duration::format_duration(test_timeout)
                );
                (Status::TimedOut, Some(StepError::msg(msg)))
            }
        };
        for e in &mut page_errors {
            *e = cx.redactor.text(e);
        }
        Attempt {
            index: cx.index,
            status,
            started_at,
            duration_ms: ms(started.elapsed()),
            steps,
            error,
            page_errors,
        }
    }

    async fn run_steps(
        &self,
        cx: &AttemptCx<'_>,
        page: &mut dyn Page,
        started: Instant,
        steps: &mut Vec<StepResult>,
        page_errors: &mut Vec<String>,
        sink: &mut dyn RunSink,
    ) {
        let mut vars: HashMap<String, String> = HashMap::new();
        let base_url = match &cx.app.url {
            Some(u) => match self.expand(u, &vars) {
                Ok(u) => Some(u),
                Err(e) => {
                    self.push(
                        cx,
                        steps,
                        sink,
                        failed_step(
                            0,
                            "open app url",
                            "navigate",
                            started,
                            Instant::now(),
                            StepError::msg(e),
                        ),
                    );
                    return;
                }
            },
            None => None,
        };
        let mut failed = false;
        if let Some(url) = &base_url {
            let open = Action {
                name: format!("open {}", cx.redactor.text(url)),
                kind: ActionKind::Navigate { url: url.clone() },
                timeout: None,
                optional: false,
                screenshot: false,
                retries: 0,
                pos: cx.app.pos,
            };
            let r = self
                .run_step(cx, page, &open, 0, base_url.as_deref(), &mut vars, page_errors, started)
                .await;
            failed = r.status == Status::Failed;
            self.push(cx, steps, sink, r);
        }
        let offset = u32::from(base_url.is_some());
        for (i, action) in cx.config.actions_of(cx.app).iter().enumerate() {
            let index = offset + i as u32;
            if failed {
                let now = Instant::now();
                let mut s = failed_step(
                    index,
                    &action.name,
                    action.kind.type_name(),
                    started,
                    now,
                    StepError::default(),
                );
                s.status = Status::Skipped;
                s.error = None;
                self.push(cx, steps, sink, s);
                continue;
            }
            let r = self
                .run_step(
                    cx,
                    page,
                    action,
                    index,
                    base_url.as_deref(),
                    &mut vars,
                    page_errors,
                    started,
                )
                .await;
            failed = r.status == Status::Failed && !r.optional;
            self.push(cx, steps, sink, r);
        }
    }

    fn push(&self, cx: &AttemptCx<'_>, steps: &mut Vec<StepResult>, sink: &mut dyn RunSink, mut step: StepResult) {
        step.name = cx.redactor.text(&step.name);
        if let Some(e) = step.error.as_mut() {
            e.map_text(&|s| cx.redactor.text(s));
        }
        if let Some(v) = step.output.as_mut() {
            *v = cx.redactor.json(v);
        }
        sink.event(&RunEvent::StepFinished {
            test: &cx.app.name,
            attempt: cx.index,
            step: &step,
        });
        steps.push(step);
    }

    fn expand(&self, s: &str, vars: &HashMap<String, String>) -> Result<String, String> {
        template::expand(s, |r| match r {
            TemplateRef::Var(n) => vars.get(n).cloned().or_else(|| self.lookup.var(n)),
            TemplateRef::Secret(n) => self.lookup.secret(n),
        })
    }

    #[expect(clippy::too_many_arguments, reason = "the step's whole context, passed down once")]
    async fn run_step(
        &self,
        cx: &AttemptCx<'_>,
        page: &mut dyn Page,
        action: &Action,
        index: u32,
        base_url: Option<&str>,
        vars: &mut HashMap<String, String>,
        page_errors: &mut Vec<String>,
        started: Instant,
    ) -> StepResult {
        let settings = &cx.config.settings;
        let step_start = Instant::now();
        let type_name = action.kind.type_name();
        let kind = match action.kind.try_map_strings(&mut |s| self.expand(s, vars)) {
            Ok(k) => k,
            Err(e) => {
                return failed_step(index, &action.name, type_name, started, step_start, StepError::msg(e));
            }
        };
        let kind = match check_upload(kind, cx.config) {
            Ok(k) => k,
            Err(e) => {
                return failed_step(index, &action.name, type_name, started, step_start, StepError::msg(e));
            }
        };
        let timeout = step_timeout(action, &settings.timeouts);
        // The outer guard only catches a hung browser call; the action keeps its own deadline.
        let guard = timeout + kind.fixed_wait().unwrap_or_default() + Duration::from_secs(5);
        let mut result = Err(StepError::default());
        for _ in 0..=action.retries {
            let mut ctx = Ctx {
                page: &mut *page,
                timeout,
                base_url,
                allow: &settings.allow,
                format: settings.screenshot_format,
                quality: settings.quality,
                page_errors: &mut *page_errors,
            };
            result = match tokio::time::timeout(guard, panoptic_actions::run(&kind, &mut ctx)).await {
                Ok(r) => r,
                Err(_) => Err(StepError::msg(format!(
                    "step did not finish within {}",
                    panoptic_core::duration::format_duration(guard)
                ))),
            };
            if result.is_ok() {
                break;
            }
        }
        let mut step = StepResult {
            index,
            name: action.name.clone(),
            action: type_name.to_owned(),
            status: Status::Passed,
            offset_ms: ms(step_start.duration_since(started)),
            duration_ms: 0,
            error: None,
            screenshots: Vec::new(),
            output: None,
            optional: action.optional,
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
                    vars.insert(name.clone(), text);
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
                match self.store(cx, &name, bytes).await {
                    Ok(rel) => step.screenshots.push(rel),
                    Err(e) => step.error = Some(StepError::msg(format!("cannot write screenshot: {e}"))),
                }
            }
            Err(e) => step.error = Some(e),
        }
        if step.error.is_some() {
            step.status = Status::Failed;
        }
        let failed_shot = step.status == Status::Failed && settings.screenshot_on_failure;
        if action.screenshot || failed_shot {
            let suffix = if step.status == Status::Failed {
                "failure"
            } else {
                "after"
            };
            let name = format!(
                "{index:02}-{}-{suffix}.{}",
                slug(&action.name),
                settings.screenshot_format.extension()
            );
            let opts = ScreenshotOpts {
                format: settings.screenshot_format,
                quality: settings.quality,
                full_page: false,
                clip: None,
            };
            match tokio::time::timeout(Duration::from_secs(10), page.screenshot(&opts)).await {
                Ok(Ok(bytes)) => match self.store(cx, &name, bytes).await {
                    Ok(rel) => step.screenshots.push(rel),
                    Err(e) => tracing::warn!("cannot write screenshot {name}: {e}"),
                },
                Ok(Err(e)) => tracing::warn!("screenshot after step {} failed: {e}", step.name),
                Err(_) => tracing::warn!("screenshot after step {} timed out", step.name),
            }
        }
        step.duration_ms = ms(step_start.elapsed());
        step
    }

    async fn store(&self, cx: &AttemptCx<'_>, name: &str, bytes: Vec<u8>) -> std::io::Result<String> {
        let rel = format!("screenshots/{}/{name}", cx.dir);
        let artifacts = cx.artifacts.clone();
        tokio::task::spawn_blocking(move || artifacts.write(&rel, &bytes))
            .await
            .map_err(std::io::Error::other)?
    }
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
    }
}
