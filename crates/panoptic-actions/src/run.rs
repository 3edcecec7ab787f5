//! One step: dispatch on the action type.

use std::path::PathBuf;
use std::time::Duration;

use panoptic_core::config::{ActionKind, ActionSpec, absolute_url_allowed};
use panoptic_core::page::{DialogPolicy, PageError};
use panoptic_core::results::StepError;
use serde_json::Value;

use crate::assert::{assert_no_errors, assert_until};
use crate::auto_wait::{Need, fmt_ms};
use crate::ctx::{Ctx, Outcome, collect_events, locator, page_err};
use crate::interact::{fill, pointer, set_checked};
use crate::net::join_url;
use crate::shot::screenshot;
use crate::wait::wait;

/// Runs one step whose strings are already expanded; `spec` is its registry entry.
pub async fn run(spec: &ActionSpec, kind: &ActionKind, ctx: &mut Ctx<'_>) -> Result<Outcome, StepError> {
    collect_events(ctx);
    let t = ctx.timeout;
    let out = match kind {
        ActionKind::Navigate { url } => {
            // The URL the browser gets is the one the policy judged: parsed and normalised.
            let full = absolute_url_allowed(&join_url(ctx.base_url, url), ctx.allow).map_err(StepError::msg)?;
            timed(t, "navigation", ctx.page.goto(&full)).await?;
            Outcome::Done
        }
        ActionKind::Reload => {
            timed(t, spec.name, ctx.page.reload()).await?;
            Outcome::Done
        }
        ActionKind::Back => {
            timed(t, spec.name, ctx.page.history(-1)).await?;
            Outcome::Done
        }
        ActionKind::Forward => {
            timed(t, spec.name, ctx.page.history(1)).await?;
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
                let need = Need {
                    visible: true,
                    enabled: true,
                    ..Need::ATTACHED
                };
                let el = ctx.target(&l, need, t).await?;
                ctx.page.focus(&el).await.map_err(page_err)?;
            }
            ctx.page.press(key).await.map_err(page_err)?;
            Outcome::Done
        }
        ActionKind::Select { selector, by } => {
            let l = locator(selector)?;
            let el = ctx.target(&l, Need::ENABLED, t).await?;
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
            let el = ctx.target(&l, Need::ATTACHED, t).await?;
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
                    let el = ctx.target(&l, Need::ATTACHED, t).await?;
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
            let el = ctx.target(&l, Need::ENABLED, t).await?;
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
            assert_no_errors(ctx).await?;
            Outcome::Done
        }
        k @ (ActionKind::AssertVisible { .. }
        | ActionKind::AssertHidden { .. }
        | ActionKind::AssertText { .. }
        | ActionKind::AssertValue { .. }
        | ActionKind::AssertAttribute { .. }
        | ActionKind::AssertCount { .. }
        | ActionKind::AssertUrl { .. }
        | ActionKind::AssertTitle { .. }) => {
            assert_until(ctx, spec.name, k).await?;
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
        ActionKind::Mock { route } => {
            crate::net::mock(ctx, route).await?;
            Outcome::Done
        }
        ActionKind::AssertRequests { matches, count } => {
            let re = crate::net::url_regex(matches, ctx.base_url)?;
            crate::assert::assert_requests(ctx, matches, &re, *count).await?;
            Outcome::Done
        }
        ActionKind::Eval { script, .. } => {
            if !ctx.allow.eval {
                return Err(StepError::msg("`eval` is disabled; set `settings.allow.eval: true`"));
            }
            Outcome::Value(ctx.page.eval(script).await.map_err(page_err)?)
        }
        // Recording owns the attempt's video: the executor runs it (`Runner::Executor`). No
        // catch-all arm: a new variant does not compile until it has its runner here or there.
        ActionKind::Record { .. }
        | ActionKind::RecordStart
        | ActionKind::RecordStop
        | ActionKind::SmartErrorDetection { .. }
        | ActionKind::VisionClick { .. }
        | ActionKind::VisionReport { .. }
        | ActionKind::AiTestGeneration { .. }
        | ActionKind::AiEnhancedTesting { .. }
        | ActionKind::Http { .. }
        | ActionKind::AssertScreenshot { .. }
        | ActionKind::CloudSync
        | ActionKind::CloudCleanup { .. }
        | ActionKind::CloudAnalytics { .. }
        | ActionKind::DistributedTest { .. } => {
            return Err(StepError::msg(format!("action `{}` cannot run here", spec.name)));
        }
    };
    collect_events(ctx);
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
