//! One step: `${…}` expansion, dispatch by the registry entry's runner, retries of the step,
//! its outcome stored as artifacts, screenshots after it and its video thumbnail.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use panoptic_actions::{Ctx, Outcome};
use panoptic_core::analyze::AnalyzeOpts;
use panoptic_core::config::{Action, ActionKind, Config, Runner, Settings, step_timeout};
use panoptic_core::page::{Fingerprint, Page, PageEvent, ScreenshotOpts};
use panoptic_core::results::*;
use panoptic_core::sink::RunEvent;
use panoptic_core::template::{self, TemplateRef};
use tokio::time::Instant;

use crate::artifacts::slug;
use crate::run::Executor;
use crate::shared::*;
use crate::video::*;

impl Executor<'_> {
    pub(crate) fn expand(&self, s: &str, vars: &HashMap<String, String>) -> Result<String, String> {
        template::expand(s, |r| match r {
            TemplateRef::Var(n) => vars.get(n).cloned().or_else(|| self.lookup.var(n)),
            TemplateRef::Secret(n) => self.lookup.secret(n),
        })
    }

    pub(crate) async fn run_step(
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
        let type_name = action.type_name();
        let kind = match action
            .kind
            .try_map_strings(&mut |s| self.expand(s, &state.vars))
            .and_then(|k| check_upload(k, cx.config))
            .and_then(|k| crate::net::read_body_file(k, cx.config))
        {
            Ok(k) => k,
            Err(e) => {
                // An optional step stays optional when it cannot even start (a missing file).
                return StepResult {
                    optional: action.optional,
                    ..failed_step(
                        index,
                        &action.name,
                        type_name,
                        at.started,
                        step_start,
                        StepError::msg(e),
                    )
                };
            }
        };
        let timeout = step_timeout(action, &settings.timeouts);
        // The outer guard only catches a hung browser call; the action keeps its own deadline.
        let guard = timeout + kind.fixed_wait().unwrap_or_default() + Duration::from_secs(5);
        let mut result = Err(StepError::default());
        // An analysis that fails its step still reports every finding.
        let mut findings = None;
        let mut picture = None;
        let mut images = Vec::new();
        let mut fingerprint = None;
        for _ in 0..=action.retries {
            match action.spec.runner {
                Runner::Page => {}
                Runner::Executor if matches!(kind, ActionKind::AssertScreenshot { .. }) => {
                    (result, findings, images) = self
                        .assert_screenshot(cx, shared, page, action, &kind, at, state, timeout)
                        .await;
                    break;
                }
                Runner::Executor => {
                    result = record_step(cx, shared, page, type_name, &kind, state).await;
                    break;
                }
                Runner::Cloud if matches!(kind, ActionKind::DistributedTest { .. }) => {
                    (result, findings) = Box::pin(self.distributed(cx, shared, &kind)).await;
                    break;
                }
                Runner::Cloud => {
                    (result, findings) = self.cloud_step(cx, shared, &kind).await;
                    break;
                }
                Runner::Http => {
                    (result, findings) = crate::net::http_step(cx, page, at, &kind, state, timeout).await;
                    break;
                }
                Runner::Ai => {
                    (result, findings, picture) = self.analyze_step(cx, page, type_name, &kind, state, timeout).await;
                    break;
                }
                other => {
                    result = Err(StepError::msg(format!(
                        "`{type_name}` runs in the {other:?} component, which this build does not have"
                    )));
                    break;
                }
            }
            // Only a run history keeps fingerprints: without one they are not taken.
            let keep = shared.opts.history.is_some() && (settings.ai_testing.self_healing || enhanced(cx));
            let mut ctx = action_ctx(&mut *page, settings, at, timeout, &mut state.events, keep);
            result = match tokio::time::timeout(guard, panoptic_actions::run(action.spec, &kind, &mut ctx)).await {
                Ok(r) => r,
                Err(_) => Err(StepError::msg(format!(
                    "step did not finish within {}",
                    panoptic_core::duration::format_duration(guard)
                ))),
            };
            fingerprint = ctx.touched.take();
            if result.is_ok() || page.is_crashed() {
                break;
            }
        }
        let mut healed = None;
        if let Err(e) = &result
            && e.actual.as_deref() == Some(NO_MATCH)
            && action.spec.runner == Runner::Page
            && (settings.ai_testing.self_healing || enhanced(cx))
            && !page.is_crashed()
            // Boxed: the rare path does not grow every step's future.
            && let Some((r, h, fp)) = Box::pin(self.heal_step(cx, shared, page, action, &kind, at, state, guard)).await
        {
            result = r;
            state.healed.push(h.clone());
            healed = Some(h);
            fingerprint = fp;
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
            healed: healed.map(Box::new),
            fingerprint: None,
        };
        step.screenshots.append(&mut images);
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
                    state.vars.insert(name.0.clone(), text);
                }
                step.output = Some(v);
            }
            Ok(Outcome::Screenshot { filename, bytes }) => {
                // A name built from `${secret:…}` must not put the secret in a file name.
                let name = shared.redactor.text(&filename.unwrap_or_else(|| {
                    format!(
                        "{index:02}-{}.{}",
                        slug(&action.name),
                        settings.screenshot_format.extension()
                    )
                }));
                match store(shared, cx, &format!("screenshots/{}/{name}", cx.dir), bytes).await {
                    Ok(rel) => step.screenshots.push(rel),
                    Err(e) => step.error = Some(StepError::msg(format!("cannot write screenshot: {e}"))),
                }
            }
            Err(e) => {
                step.error = Some(e);
                step.output = findings;
            }
        }
        if let Some(png) = picture {
            let name = match &kind {
                ActionKind::VisionReport { filename: Some(f) } => shared.redactor.text(f),
                _ => format!("{index:02}-{}.png", slug(&action.name)),
            };
            match store(shared, cx, &format!("screenshots/{}/{name}", cx.dir), png).await {
                Ok(rel) => step.screenshots.push(rel),
                Err(e) => step.error = Some(StepError::msg(format!("cannot write the step's picture: {e}"))),
            }
        }
        if step.error.is_some() {
            step.status = Status::Failed;
        } else {
            step.fingerprint = fingerprint;
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
            // Password fields are covered here too, as in the explicit step.
            let shot = panoptic_actions::masked_screenshot(&mut *page, &opts, &[]);
            match tokio::time::timeout(Duration::from_secs(10), shot).await {
                Ok(Ok(bytes)) => match store(shared, cx, &format!("screenshots/{}/{name}", cx.dir), bytes).await {
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
            match store(shared, cx, &format!("videos/{}/step-{index:02}.jpg", cx.dir), jpeg).await {
                Ok(rel) => {
                    state.video_files.push(rel.clone());
                    step.thumbnail = Some(rel);
                }
                Err(e) => tracing::warn!("cannot write a step thumbnail: {e}"),
            }
        }
        step.duration_ms = ms(step_start.elapsed());
        step
    }
}
/// Redacts a step, emits it and keeps it.
pub(crate) fn push(cx: &AttemptCx<'_>, shared: &Shared<'_>, steps: &mut Vec<StepResult>, mut step: StepResult) {
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

/// Writes an artifact through the run's store, off the runtime's threads; refuses one larger
/// than `limits.max_artifact_mb`.
pub(crate) async fn store(
    shared: &Shared<'_>,
    cx: &AttemptCx<'_>,
    rel: &str,
    bytes: Vec<u8>,
) -> Result<String, String> {
    let max = cx.settings.limits.max_artifact_mb.saturating_mul(1 << 20);
    if bytes.len() as u64 > max {
        return Err(format!(
            "{rel} would be {} bytes, more than `limits.max_artifact_mb` ({} MiB)",
            bytes.len(),
            cx.settings.limits.max_artifact_mb
        ));
    }
    let rel = rel.to_owned();
    let artifacts = shared.artifacts.clone();
    let written = tokio::task::spawn_blocking(move || artifacts.put(&rel, &bytes))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    shared.emit(&RunEvent::ArtifactWritten { path: &written });
    Ok(written)
}

/// `upload` reads only regular files under `allow.file_upload_roots`; paths become absolute.
pub(crate) fn check_upload(kind: ActionKind, config: &Config) -> Result<ActionKind, String> {
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

pub(crate) fn failed_step(
    index: u32,
    name: &str,
    action: &str,
    started: Instant,
    at: Instant,
    error: StepError,
) -> StepResult {
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
        healed: None,
        fingerprint: None,
    }
}

/// What auto-wait says when a locator matches nothing: the only failure healing looks at.
const NO_MATCH: &str = "no element matches";

/// What an action runs with, from the run's settings.
pub(crate) fn action_ctx<'a>(
    page: &'a mut dyn Page,
    settings: &'a Settings,
    at: &StepCx<'a>,
    timeout: Duration,
    events: &'a mut Vec<PageEvent>,
    fingerprint: bool,
) -> Ctx<'a> {
    Ctx {
        page,
        timeout,
        base_url: at.base_url,
        allow: &settings.allow,
        format: settings.screenshot_format,
        quality: settings.quality,
        strict: settings.strict_locators,
        events,
        fingerprint,
        touched: None,
    }
}

/// The test has an `ai_enhanced_testing` step: self-healing is on for all its steps.
fn enhanced(cx: &AttemptCx<'_>) -> bool {
    cx.config
        .actions_of(cx.app)
        .iter()
        .any(|a| matches!(a.kind, ActionKind::AiEnhancedTesting { .. }))
}

/// The locator of an action self-healing may replace; `None` for assertions (they never heal)
/// and steps without a target.
fn target_mut(kind: &mut ActionKind) -> Option<&mut String> {
    match kind {
        ActionKind::Click { selector }
        | ActionKind::Dblclick { selector }
        | ActionKind::Fill { selector, .. }
        | ActionKind::Clear { selector }
        | ActionKind::Hover { selector }
        | ActionKind::Select { selector, .. }
        | ActionKind::Check { selector }
        | ActionKind::Uncheck { selector }
        | ActionKind::Submit { selector }
        | ActionKind::Upload { selector, .. } => Some(selector),
        ActionKind::Press { selector, .. } | ActionKind::Scroll { selector, .. } => selector.as_mut(),
        _ => None,
    }
}

impl Executor<'_> {
    /// Self-healing of an action whose locator matched nothing: what the locator found in the
    /// last passing run (the run history's fingerprint) is looked for on the page by the
    /// analyzer; when it finds an element of the same role scoring at least
    /// `confidence_threshold`, the action runs on it. `None`: nothing to heal with (no
    /// history, no fingerprint, no analyzer, no match, or the action failed there too).
    #[expect(clippy::too_many_arguments, reason = "the step's whole context, as run_step has it")]
    async fn heal_step(
        &self,
        cx: &AttemptCx<'_>,
        shared: &Shared<'_>,
        page: &mut dyn Page,
        action: &Action,
        kind: &ActionKind,
        at: &StepCx<'_>,
        state: &mut StepState,
        guard: Duration,
    ) -> Option<(Result<Outcome, StepError>, Healed, Option<Box<(String, Fingerprint)>>)> {
        let mut healed_kind = kind.clone();
        let target = target_mut(&mut healed_kind)?;
        let from = target.clone();
        let from = from.as_str();
        let dir = shared.opts.history.as_ref()?;
        let analyzer = self.analyzer()?;
        let key = cx.config.source.display().to_string();
        let was = self.history(dir).fingerprint(&key, &cx.app.name, from)?;
        // Where `panoptic heal --write` finds the locator, from any folder.
        let config = std::path::absolute(&cx.config.source).map_or(key, |p| p.display().to_string());
        let settings = cx.settings;
        let started = Instant::now();
        let heal = match analyzer
            .heal(page, &was, settings.ai_testing.confidence_threshold)
            .await
        {
            Ok(h) => h?,
            Err(e) => {
                tracing::warn!("self-healing of `{from}` failed: {e}");
                return None;
            }
        };
        let took_ms = ms(started.elapsed());
        if let Some(t) = target_mut(&mut healed_kind) {
            *t = heal.locator.clone();
        }
        let timeout = step_timeout(action, &settings.timeouts);
        let mut ctx = action_ctx(&mut *page, settings, at, timeout, &mut state.events, true);
        let r = match tokio::time::timeout(guard, panoptic_actions::run(action.spec, &healed_kind, &mut ctx)).await {
            Ok(r) => r,
            Err(_) => return None,
        };
        if r.is_err() {
            return None;
        }
        // Kept under the locator the config still has, so the next run heals it again.
        let touched = ctx.touched.take().map(|t| Box::new((from.to_owned(), t.1)));
        let healed = Healed {
            from: from.to_owned(),
            to: heal.locator,
            score: heal.score,
            took_ms,
            config,
            line: action.pos.line,
        };
        Some((r, healed, touched))
    }

    /// An AI step: the analyzer looks at the page and what it reported; its findings are the
    /// step's output, and a finding of error severity fails the step.
    async fn analyze_step(
        &self,
        cx: &AttemptCx<'_>,
        page: &mut dyn Page,
        type_name: &str,
        kind: &ActionKind,
        state: &StepState,
        timeout: Duration,
    ) -> (Result<Outcome, StepError>, Option<serde_json::Value>, Option<Vec<u8>>) {
        let Some(analyzer) = self.analyzer() else {
            return (
                Err(StepError::msg(format!(
                    "`{type_name}` needs the page analyzer, which this build does not have"
                ))),
                None,
                None,
            );
        };
        let ai = &cx.settings.ai_testing;
        let opts = AnalyzeOpts {
            action: type_name.to_owned(),
            detect_errors: ai.enable_error_detection,
            confidence_threshold: ai.confidence_threshold,
            kind: kind.clone(),
            timeout,
            allow: cx.settings.allow.clone(),
            max_generated_tests: ai.max_generated_tests,
            healed: state.healed.clone(),
        };
        let mut findings = match analyzer.analyze(page, &state.events, &opts).await {
            Ok(f) => f,
            Err(e) => return (Err(StepError::msg(format!("{type_name}: {e}"))), None, None),
        };
        let picture = findings.image.take();
        let output = serde_json::to_value(&findings).unwrap_or_default();
        // Each with where it is, so the element can be found (and used as a locator).
        let errors: Vec<String> = findings
            .errors()
            .map(|f| match &f.locator {
                Some(l) => format!("{} (at `{l}`)", f.message),
                None => f.message.clone(),
            })
            .collect();
        if !errors.is_empty() {
            let error = StepError {
                message: format!("{type_name} found {} error(s)", errors.len()),
                expected: Some("no findings of error severity".into()),
                actual: Some(errors.join("\n")),
                locator: None,
            };
            return (Err(error), Some(output), picture);
        }
        (Ok(Outcome::Value(output)), None, picture)
    }
}
