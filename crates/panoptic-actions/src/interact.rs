//! Pointer and form input: click, hover, fill, check — each after its auto-wait; a target
//! that detaches between the check and the input is looked up again.

use panoptic_core::page::{PageError, ResolveOpts};
use panoptic_core::results::StepError;
use tokio::time::Instant;

use crate::auto_wait::{Need, wait_until};
use crate::ctx::{Ctx, locator, page_err};

/// Click (`count` 1/2) or hover (`count` 0) once the target is actionable.
pub(crate) async fn pointer(ctx: &mut Ctx<'_>, selector: &str, count: u32) -> Result<(), StepError> {
    act(ctx, selector, Input::Pointer(count)).await
}

/// Type `value` in place of the field's content once the field is editable.
pub(crate) async fn fill(ctx: &mut Ctx<'_>, selector: &str, value: &str) -> Result<(), StepError> {
    act(ctx, selector, Input::Fill(value)).await
}

/// What `act` does to the element.
enum Input<'v> {
    /// Click `n` times; 0 hovers.
    Pointer(u32),
    /// Replace the text.
    Fill(&'v str),
}

/// Waits until the target is ready for `input` and does it; a target that detaches between
/// the check and the input is looked up again until the step's deadline.
async fn act(ctx: &mut Ctx<'_>, selector: &str, input: Input<'_>) -> Result<(), StepError> {
    let l = locator(selector)?;
    let need = ctx.need(match input {
        Input::Pointer(_) => Need::POINTER,
        Input::Fill(_) => Need::EDITABLE,
    });
    let deadline = Instant::now() + ctx.timeout;
    loop {
        let el = wait_until(ctx.page, &l, need, deadline, ctx.timeout).await?;
        ctx.touch(&l, &el);
        let r = match input {
            Input::Pointer(0) => ctx.page.hover(&el).await,
            Input::Pointer(n) => ctx.page.click(&el, n).await,
            Input::Fill(value) => ctx.page.fill(&el, value).await,
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

pub(crate) async fn set_checked(ctx: &mut Ctx<'_>, selector: &str, want: bool) -> Result<(), StepError> {
    let l = locator(selector)?;
    let el = ctx.target(&l, Need::POINTER, ctx.timeout).await?;
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
