//! One step: dispatch on the action type.

use std::path::PathBuf;
use std::time::Duration;

use panoptic_core::config::{ActionKind, Allow, ImageFormat, TextMatch, WaitFor, WaitState, split_scheme, url_allowed};
use panoptic_core::locator::Locator;
use panoptic_core::page::{DialogPolicy, Page, PageError, Rect, ResolveOpts, ScreenshotOpts};
use panoptic_core::results::StepError;
use serde_json::Value;
use tokio::time::Instant;

use crate::auto_wait::{Need, backoff, fmt_ms, wait_for_element, wait_until};

/// What a step runs with.
pub struct Ctx<'a> {
    /// The tab.
    pub page: &'a mut dyn Page,
    /// This step's limit: auto-wait, assertion retry or navigation, by kind.
    pub timeout: Duration,
    /// The app url that relative URLs resolve against.
    pub base_url: Option<&'a str>,
    /// URL and eval policy.
    pub allow: &'a Allow,
    /// Screenshot encoding.
    pub format: ImageFormat,
    /// JPEG/WebP quality.
    pub quality: u8,
    /// Error texts the page reported so far in this attempt (appended to by every step).
    pub page_errors: &'a mut Vec<String>,
}

/// What a step produced.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Nothing to keep.
    Done,
    /// A value (`eval`).
    Value(Value),
    /// An encoded image to store.
    Screenshot {
        /// Name the user asked for.
        filename: Option<String>,
        /// Bytes in `Ctx::format`.
        bytes: Vec<u8>,
    },
}

fn page_err(e: PageError) -> StepError {
    StepError::msg(e.to_string())
}

fn locator(s: &str) -> Result<Locator, StepError> {
    Locator::parse(s).map_err(|e| StepError {
        message: format!("invalid locator: {e}"),
        locator: Some(s.to_owned()),
        ..StepError::default()
    })
}

/// Moves the page's new console errors, exceptions and failed requests into `ctx.page_errors`.
pub(crate) fn collect_errors(ctx: &mut Ctx<'_>) {
    for e in ctx.page.drain_events() {
        if let Some(t) = e.error_text() {
            ctx.page_errors.push(t);
        }
    }
}

/// Joins a possibly relative URL onto a base (`/x` → origin + `/x`; `x` → base folder + `x`).
pub fn join_url(base: Option<&str>, url: &str) -> String {
    let has_scheme = split_scheme(url).is_some();
    let Some(base) = base.filter(|_| !has_scheme) else {
        return url.to_owned();
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..authority_end]);
    if let Some(u) = url.strip_prefix("//") {
        return format!("{scheme}://{u}");
    }
    if url.starts_with('/') {
        return format!("{origin}{url}");
    }
    let path = &rest[authority_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    if url.starts_with('?') || url.starts_with('#') || url.is_empty() {
        return format!("{origin}{path}{url}");
    }
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    format!("{origin}{dir}{url}")
}

/// Runs one step whose strings are already expanded.
pub async fn run(kind: &ActionKind, ctx: &mut Ctx<'_>) -> Result<Outcome, StepError> {
    collect_errors(ctx);
    let t = ctx.timeout;
    let out = match kind {
        ActionKind::Navigate { url } => {
            let full = join_url(ctx.base_url, url);
            url_allowed(&full, ctx.allow).map_err(StepError::msg)?;
            timed(t, "navigation", ctx.page.goto(&full)).await?;
            Outcome::Done
        }
        ActionKind::Reload => {
            timed(t, "reload", ctx.page.reload()).await?;
            Outcome::Done
        }
        ActionKind::Back => {
            timed(t, "back", ctx.page.history(-1)).await?;
            Outcome::Done
        }
        ActionKind::Forward => {
            timed(t, "forward", ctx.page.history(1)).await?;
            Outcome::Done
        }
        ActionKind::Click { selector } => {
            pointer(ctx, selector, 1).await?;
            Outcome::Done
        }
        ActionKind::Dblclick { selector } => {
            pointer(ctx, selector, 2).await?;
            Outcome::Done
        }
        ActionKind::Hover { selector } => {
            pointer(ctx, selector, 0).await?;
            Outcome::Done
        }
        ActionKind::Fill { selector, value } => {
            fill(ctx, selector, value).await?;
            Outcome::Done
        }
        ActionKind::Clear { selector } => {
            fill(ctx, selector, "").await?;
            Outcome::Done
        }
        ActionKind::Press { selector, key } => {
            if let Some(s) = selector {
                let l = locator(s)?;
                let el = wait_for_element(
                    ctx.page,
                    &l,
                    Need {
                        visible: true,
                        enabled: true,
                        ..Need::ATTACHED
                    },
                    t,
                )
                .await?;
                ctx.page.focus(&el).await.map_err(page_err)?;
            }
            ctx.page.press(key).await.map_err(page_err)?;
            Outcome::Done
        }
        ActionKind::Select { selector, by } => {
            let l = locator(selector)?;
            let el = wait_for_element(ctx.page, &l, Need::ENABLED, t).await?;
            let chosen = ctx.page.select(&el, by).await.map_err(|e| StepError {
                locator: Some(selector.clone()),
                ..page_err(e)
            })?;
            Outcome::Value(Value::from(chosen))
        }
        ActionKind::Check { selector } => {
            set_checked(ctx, selector, true).await?;
            Outcome::Done
        }
        ActionKind::Uncheck { selector } => {
            set_checked(ctx, selector, false).await?;
            Outcome::Done
        }
        ActionKind::Submit { selector } => {
            let l = locator(selector)?;
            let el = wait_for_element(ctx.page, &l, Need::ATTACHED, t).await?;
            ctx.page
                .call_on(&el, "el => { const f = el.form || el.closest('form'); if (!f) throw new Error('element is not inside a <form>'); f.requestSubmit ? f.requestSubmit() : f.submit(); return true; }")
                .await
                .map_err(|e| StepError { locator: Some(selector.clone()), ..page_err(e) })?;
            Outcome::Done
        }
        ActionKind::Scroll { selector, x, y } => {
            match selector {
                Some(s) => {
                    let l = locator(s)?;
                    let el = wait_for_element(ctx.page, &l, Need::ATTACHED, t).await?;
                    ctx.page
                        .call_on(&el, &format!("el => {{ el.scrollIntoView({{block: 'center', inline: 'center', behavior: 'instant'}}); window.scrollBy({x}, {y}); return true; }}"))
                        .await
                        .map_err(page_err)?;
                }
                None => {
                    ctx.page
                        .eval(&format!(
                            "window.scrollBy({{left: {x}, top: {y}, behavior: 'instant'}}), true"
                        ))
                        .await
                        .map_err(page_err)?;
                }
            }
            Outcome::Done
        }
        ActionKind::Upload { selector, files } => {
            let l = locator(selector)?;
            let el = wait_for_element(ctx.page, &l, Need::ENABLED, t).await?;
            if el.tag != "input" {
                return Err(StepError {
                    message: format!("`upload` needs an <input type=file>, found <{}>", el.tag),
                    locator: Some(selector.clone()),
                    ..StepError::default()
                });
            }
            let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
            ctx.page.set_files(&el, &paths).await.map_err(page_err)?;
            Outcome::Done
        }
        ActionKind::Dialog { accept, prompt_text } => {
            ctx.page.set_dialog_policy(DialogPolicy {
                accept: *accept,
                prompt_text: prompt_text.clone(),
            });
            Outcome::Done
        }
        ActionKind::Wait { what } => {
            wait(ctx, what).await?;
            Outcome::Done
        }
        ActionKind::AssertNoErrors => {
            // Let requests in flight finish (bounded) so their failures count, then look at
            // everything reported so far.
            let settle = Instant::now() + t.min(Duration::from_secs(2));
            while Instant::now() < settle && ctx.page.pending_requests().await.map_err(page_err)? > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            collect_errors(ctx);
            if !ctx.page_errors.is_empty() {
                return Err(StepError {
                    message: format!("the page reported {} error(s)", ctx.page_errors.len()),
                    expected: Some("no console errors, exceptions or failed requests".into()),
                    actual: Some(ctx.page_errors.join("\n")),
                    locator: None,
                });
            }
            Outcome::Done
        }
        k if k.is_assertion() => {
            assert_until(ctx, k).await?;
            Outcome::Done
        }
        ActionKind::Screenshot {
            filename,
            full_page,
            selector,
            mask,
        } => {
            let bytes = screenshot(ctx, *full_page, selector.as_deref(), mask).await?;
            Outcome::Screenshot {
                filename: filename.clone(),
                bytes,
            }
        }
        ActionKind::Eval { script, .. } => {
            if !ctx.allow.eval {
                return Err(StepError::msg("`eval` is disabled; set `settings.allow.eval: true`"));
            }
            Outcome::Value(ctx.page.eval(script).await.map_err(page_err)?)
        }
        other => {
            return Err(StepError::msg(format!(
                "action `{}` cannot run here",
                other.type_name()
            )));
        }
    };
    collect_errors(ctx);
    Ok(out)
}

async fn timed<F: std::future::Future<Output = Result<(), PageError>>>(
    t: Duration,
    what: &str,
    f: F,
) -> Result<(), StepError> {
    match tokio::time::timeout(t, f).await {
        Ok(r) => r.map_err(page_err),
        Err(_) => Err(StepError::msg(format!("{what} did not finish within {}", fmt_ms(t)))),
    }
}

/// Click (`count` 1/2) or hover (`count` 0) once the target is actionable; a target that
/// detaches between the check and the click is looked up again.
async fn pointer(ctx: &mut Ctx<'_>, selector: &str, count: u32) -> Result<(), StepError> {
    let l = locator(selector)?;
    let deadline = Instant::now() + ctx.timeout;
    loop {
        let el = wait_until(ctx.page, &l, Need::POINTER, deadline, ctx.timeout).await?;
        let r = if count == 0 {
            ctx.page.hover(&el).await
        } else {
            ctx.page.click(&el, count).await
        };
        match r {
            Ok(()) => return Ok(()),
            Err(PageError::Detached) if Instant::now() < deadline => continue,
            Err(e) => {
                return Err(StepError {
                    locator: Some(selector.to_owned()),
                    ..page_err(e)
                });
            }
        }
    }
}

async fn fill(ctx: &mut Ctx<'_>, selector: &str, value: &str) -> Result<(), StepError> {
    let l = locator(selector)?;
    let deadline = Instant::now() + ctx.timeout;
    loop {
        let el = wait_until(ctx.page, &l, Need::EDITABLE, deadline, ctx.timeout).await?;
        match ctx.page.fill(&el, value).await {
            Ok(()) => return Ok(()),
            Err(PageError::Detached) if Instant::now() < deadline => continue,
            Err(e) => {
                return Err(StepError {
                    locator: Some(selector.to_owned()),
                    ..page_err(e)
                });
            }
        }
    }
}

async fn set_checked(ctx: &mut Ctx<'_>, selector: &str, want: bool) -> Result<(), StepError> {
    let l = locator(selector)?;
    let el = wait_for_element(ctx.page, &l, Need::POINTER, ctx.timeout).await?;
    let Some(state) = el.checked else {
        return Err(StepError {
            message: format!("<{}> is not a checkbox or radio", el.tag),
            locator: Some(selector.to_owned()),
            ..StepError::default()
        });
    };
    if state == want {
        return Ok(());
    }
    ctx.page.click(&el, 1).await.map_err(page_err)?;
    let now = ctx.page.resolve(&l, ResolveOpts::default()).await.map_err(page_err)?;
    let after = now.first().and_then(|e| e.checked);
    if after != Some(want) {
        return Err(StepError {
            message: format!(
                "clicking did not {} the element",
                if want { "check" } else { "uncheck" }
            ),
            locator: Some(selector.to_owned()),
            expected: Some(format!("checked = {want}")),
            actual: Some(format!(
                "checked = {}",
                after.map_or("unknown".into(), |b| b.to_string())
            )),
        });
    }
    Ok(())
}

/// URL patterns: without `*` a substring; with `*` a glob over the whole URL, implicitly
/// starting with `*` unless the pattern names a scheme (`http://…`).
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.contains(pattern);
    }
    if !pattern.contains("://") && !pattern.starts_with('*') {
        return glob_match(&format!("*{pattern}"), text);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        match text[pos..].find(p) {
            Some(at) if i > 0 || at == 0 => pos += at + p.len(),
            _ => return false,
        }
    }
    parts.last().is_some_and(|l| l.is_empty()) || pos == text.len()
}

async fn wait(ctx: &mut Ctx<'_>, what: &WaitFor) -> Result<(), StepError> {
    let t = ctx.timeout;
    let deadline = Instant::now() + t;
    match what {
        WaitFor::Time(d) => {
            tokio::time::sleep(d.0).await;
            Ok(())
        }
        WaitFor::Element { selector, state } => {
            let l = locator(selector)?;
            let mut last = String::new();
            for n in 0.. {
                let found = ctx.page.resolve(&l, ResolveOpts::default()).await;
                if let Ok(found) = &found {
                    let first_visible = found.first().is_some_and(|e| e.visible);
                    let ok = match state {
                        WaitState::Visible => first_visible,
                        WaitState::Hidden => !first_visible,
                        WaitState::Attached => !found.is_empty(),
                        WaitState::Detached => found.is_empty(),
                    };
                    if ok {
                        return Ok(());
                    }
                    last = match found.first() {
                        None => "no element matches".into(),
                        Some(e) if e.visible => "element is visible".into(),
                        Some(_) => "element is attached but hidden".into(),
                    };
                }
                if Instant::now() >= deadline {
                    break;
                }
                backoff(n, deadline).await;
            }
            let state = format!("{state:?}").to_lowercase();
            Err(StepError {
                message: format!(
                    "timed out after {} waiting for `{selector}` to be {state}: {last}",
                    fmt_ms(t)
                ),
                locator: Some(selector.clone()),
                expected: Some(state),
                actual: Some(last),
            })
        }
        WaitFor::Url(pattern) => {
            let mut url = String::new();
            for n in 0.. {
                if let Ok(u) = ctx.page.url().await {
                    url = u;
                    if glob_match(pattern, &url) {
                        return Ok(());
                    }
                }
                if Instant::now() >= deadline {
                    break;
                }
                backoff(n, deadline).await;
            }
            Err(StepError {
                message: format!("timed out after {} waiting for the URL", fmt_ms(t)),
                expected: Some(format!("URL matching {pattern:?}")),
                actual: Some(url),
                locator: None,
            })
        }
        WaitFor::NetworkIdle => {
            let quiet = Duration::from_millis(500);
            let mut idle_since: Option<Instant> = None;
            let mut pending = 0;
            while Instant::now() < deadline {
                pending = ctx.page.pending_requests().await.map_err(page_err)?;
                if pending == 0 {
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= quiet {
                        return Ok(());
                    }
                } else {
                    idle_since = None;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(StepError {
                message: format!("network did not become idle within {}", fmt_ms(t)),
                expected: Some("no request in flight for 500ms".into()),
                actual: Some(format!("{pending} request(s) in flight")),
                locator: None,
            })
        }
    }
}

/// Result of checking an assertion once.
enum Check {
    Pass,
    Fail { expected: String, actual: String },
}

fn text_check(m: &TextMatch, what: &str, actual: Option<&str>) -> Check {
    match actual {
        Some(a) if m.is_match(a) => Check::Pass,
        Some(a) => Check::Fail {
            expected: format!("{what} {}", m.describe()),
            actual: a.to_owned(),
        },
        None => Check::Fail {
            expected: format!("{what} {}", m.describe()),
            actual: "no element matches".into(),
        },
    }
}

async fn check_once(page: &mut dyn Page, kind: &ActionKind) -> Result<Check, PageError> {
    let first = |found: Vec<panoptic_core::page::ElementInfo>| found.into_iter().next();
    Ok(match kind {
        ActionKind::AssertVisible { selector } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match first(page.resolve(&l, ResolveOpts::default()).await?) {
                Some(e) if e.visible => Check::Pass,
                Some(_) => Check::Fail {
                    expected: "visible".into(),
                    actual: "attached but hidden".into(),
                },
                None => Check::Fail {
                    expected: "visible".into(),
                    actual: "no element matches".into(),
                },
            }
        }
        ActionKind::AssertHidden { selector } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match first(page.resolve(&l, ResolveOpts::default()).await?) {
                Some(e) if e.visible => Check::Fail {
                    expected: "hidden or absent".into(),
                    actual: "visible".into(),
                },
                _ => Check::Pass,
            }
        }
        ActionKind::AssertText { selector, expect } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            let el = first(page.resolve(&l, ResolveOpts::default()).await?);
            text_check(expect, "text", el.as_ref().map(|e| e.text.as_str()))
        }
        ActionKind::AssertValue { selector, expect } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match first(page.resolve(&l, ResolveOpts::default()).await?) {
                Some(e) => match &e.value {
                    Some(v) => text_check(expect, "value", Some(v)),
                    None => Check::Fail {
                        expected: format!("value {}", expect.describe()),
                        actual: format!("<{}> has no value", e.tag),
                    },
                },
                None => text_check(expect, "value", None),
            }
        }
        ActionKind::AssertAttribute {
            selector,
            attribute,
            expect,
        } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            match first(page.resolve(&l, ResolveOpts::default()).await?) {
                Some(e) => {
                    let name = serde_json::to_string(attribute).unwrap_or_default();
                    let v = page.call_on(&e, &format!("el => el.getAttribute({name})")).await?;
                    match v.as_str() {
                        Some(a) => text_check(expect, &format!("attribute {attribute}"), Some(a)),
                        None => Check::Fail {
                            expected: format!("attribute {attribute} {}", expect.describe()),
                            actual: format!("no attribute {attribute}"),
                        },
                    }
                }
                None => text_check(expect, &format!("attribute {attribute}"), None),
            }
        }
        ActionKind::AssertCount { selector, count } => {
            let l = Locator::parse(selector).map_err(PageError::Invalid)?;
            let n = page.resolve(&l, ResolveOpts::default()).await?.len() as u64;
            if n == *count {
                Check::Pass
            } else {
                Check::Fail {
                    expected: format!("{count} element(s)"),
                    actual: format!("{n} element(s)"),
                }
            }
        }
        ActionKind::AssertUrl { expect } => text_check(expect, "URL", Some(&page.url().await?)),
        ActionKind::AssertTitle { expect } => text_check(expect, "title", Some(&page.title().await?)),
        other => Check::Fail {
            expected: "an assertion".into(),
            actual: other.type_name().into(),
        },
    })
}

fn assertion_locator(kind: &ActionKind) -> Option<String> {
    match kind {
        ActionKind::AssertVisible { selector }
        | ActionKind::AssertHidden { selector }
        | ActionKind::AssertText { selector, .. }
        | ActionKind::AssertValue { selector, .. }
        | ActionKind::AssertAttribute { selector, .. }
        | ActionKind::AssertCount { selector, .. } => Some(selector.clone()),
        _ => None,
    }
}

/// Retries an assertion until it passes or the expect timeout ends.
async fn assert_until(ctx: &mut Ctx<'_>, kind: &ActionKind) -> Result<(), StepError> {
    let deadline = Instant::now() + ctx.timeout;
    let mut last = (String::new(), String::new());
    for n in 0.. {
        match check_once(ctx.page, kind).await {
            Ok(Check::Pass) => return Ok(()),
            Ok(Check::Fail { expected, actual }) => last = (expected, actual),
            Err(PageError::Detached) => {}
            Err(e @ (PageError::Invalid(_) | PageError::Closed(_))) => return Err(page_err(e)),
            Err(e) => last.1 = e.to_string(),
        }
        if Instant::now() >= deadline {
            break;
        }
        backoff(n, deadline).await;
    }
    let target = assertion_locator(kind)
        .map(|l| format!(" of `{l}`"))
        .unwrap_or_default();
    Err(StepError {
        message: format!(
            "{}{target} failed after {}: expected {}, got {:?}",
            kind.type_name(),
            fmt_ms(ctx.timeout),
            last.0,
            last.1
        ),
        locator: assertion_locator(kind),
        expected: Some(last.0),
        actual: Some(last.1),
    })
}

const MASK_JS: &str = "el => { const r = el.getBoundingClientRect(); const d = document.createElement('div'); d.className = '__panoptic_mask'; d.style.cssText = `position:absolute;left:${r.left + scrollX}px;top:${r.top + scrollY}px;width:${r.width}px;height:${r.height}px;background:#ff00ff;z-index:2147483647;pointer-events:none`; document.body.appendChild(d); return true; }";

/// Password fields are always masked; `mask` adds more.
const ALWAYS_MASKED: &str = "input[type=password]";

async fn screenshot(
    ctx: &mut Ctx<'_>,
    full_page: bool,
    selector: Option<&str>,
    mask: &[String],
) -> Result<Vec<u8>, StepError> {
    let mut clip: Option<Rect> = None;
    if let Some(s) = selector {
        let l = locator(s)?;
        let el = wait_for_element(ctx.page, &l, Need::VISIBLE, ctx.timeout).await?;
        let r = ctx
            .page
            .call_on(&el, "el => { el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'}); const r = el.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }")
            .await
            .map_err(page_err)?;
        let n = |i: usize| r.get(i).and_then(Value::as_f64).unwrap_or(0.0);
        clip = Some(Rect {
            x: n(0),
            y: n(1),
            width: n(2),
            height: n(3),
        });
    }
    let mut masked = 0;
    for m in std::iter::once(ALWAYS_MASKED).chain(mask.iter().map(String::as_str)) {
        let l = locator(m)?;
        let els = ctx.page.resolve(&l, ResolveOpts::default()).await.map_err(page_err)?;
        for el in els.iter().filter(|e| e.visible) {
            if ctx.page.call_on(el, MASK_JS).await.is_ok() {
                masked += 1;
            }
        }
    }
    let opts = ScreenshotOpts {
        format: ctx.format,
        quality: ctx.quality,
        full_page,
        clip,
    };
    let shot = ctx.page.screenshot(&opts).await.map_err(page_err);
    if masked > 0 {
        let _ = ctx
            .page
            .eval("document.querySelectorAll('.__panoptic_mask').forEach(d => d.remove()), true")
            .await;
    }
    shot
}
