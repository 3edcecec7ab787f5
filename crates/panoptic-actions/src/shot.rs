//! Screenshots: viewport, full page or one element, with password fields and `mask` locators
//! covered by solid boxes while the image is taken.

use panoptic_core::page::{Page, Rect, ResolveOpts, ScreenshotOpts};
use panoptic_core::results::StepError;
use serde_json::Value;

use crate::auto_wait::{Need, wait_for_element};
use crate::ctx::{Ctx, locator, page_err};

const MASK_JS: &str = "el => { const r = el.getBoundingClientRect(); const d = document.createElement('div'); d.className = '__panoptic_mask'; d.style.cssText = `position:absolute;left:${r.left + scrollX}px;top:${r.top + scrollY}px;width:${r.width}px;height:${r.height}px;background:#ff00ff;z-index:2147483647;pointer-events:none`; document.body.appendChild(d); return true; }";

/// Password fields are always masked; `mask` adds more.
const ALWAYS_MASKED: &str = "input[type=password]";

pub(crate) async fn screenshot(
    ctx: &mut Ctx<'_>,
    full_page: bool,
    selector: Option<&str>,
    mask: &[String],
) -> Result<Vec<u8>, StepError> {
    let mut clip: Option<Rect> = None;
    if let Some(s) = selector {
        let l = locator(s)?;
        let el = wait_for_element(ctx.page, &l, Need::VISIBLE.strict_if(ctx.strict), ctx.timeout).await?;
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
    let opts = ScreenshotOpts {
        format: ctx.format,
        quality: ctx.quality,
        full_page,
        clip,
    };
    masked_screenshot(ctx.page, &opts, mask).await
}

/// A screenshot with password fields and the `mask` locators covered by solid boxes while it
/// is taken — for every screenshot panoptic takes, the explicit step's and the automatic ones
/// (`screenshot: true`, failures, every step).
pub async fn masked_screenshot(
    page: &mut dyn Page,
    opts: &ScreenshotOpts,
    mask: &[String],
) -> Result<Vec<u8>, StepError> {
    let mut masked = 0;
    for m in std::iter::once(ALWAYS_MASKED).chain(mask.iter().map(String::as_str)) {
        let l = locator(m)?;
        let els = page.resolve(&l, ResolveOpts::default()).await.map_err(page_err)?;
        for el in els.iter().filter(|e| e.visible) {
            if page.call_on(el, MASK_JS).await.is_ok() {
                masked += 1;
            }
        }
    }
    let shot = page.screenshot(opts).await.map_err(page_err);
    if masked > 0 {
        let _ = page
            .eval("document.querySelectorAll('.__panoptic_mask').forEach(d => d.remove()), true")
            .await;
    }
    shot
}
