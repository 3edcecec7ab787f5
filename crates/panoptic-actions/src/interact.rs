//! Pointer and form input: click, hover, fill, check — each after its auto-wait; a target
//! that detaches between the check and the input is looked up again.

use panoptic_core::page::{PageError, ResolveOpts};
use panoptic_core::results::StepError;
use tokio::time::Instant;

use crate::auto_wait::{Need, wait_for_element, wait_until};
use crate::ctx::{Ctx, locator, page_err};

/// Click (`count` 1/2) or hover (`count` 0) once the target is actionable; a target that
/// detaches between the check and the click is looked up again.
pub(crate) async fn pointer(ctx: &mut Ctx<'_>, selector: &str, count: u32) -> Result<(), StepError> {
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

pub(crate) async fn fill(ctx: &mut Ctx<'_>, selector: &str, value: &str) -> Result<(), StepError> {
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

pub(crate) async fn set_checked(ctx: &mut Ctx<'_>, selector: &str, want: bool) -> Result<(), StepError> {
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
            message: format!("clicking did not {} the element", if want { "tick" } else { "untick" }),
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
