//! Screenshots: viewport, full page or one element, with password fields and `mask` locators
//! covered by solid boxes while the image is taken.

use panoptic_core::page::{Page, Rect, ResolveOpts, ScreenshotOpts};
use panoptic_core::results::StepError;
use serde_json::Value;

use crate::auto_wait::{Need, wait_for_element};
use crate::ctx::{Ctx, locator, page_err};

/// Covers the element with a solid box in its own document (a frame's, for an element inside one).
const MASK_JS: &str = "el => { const doc = el.ownerDocument, w = doc.defaultView; const r = el.getBoundingClientRect(); const d = doc.createElement('div'); d.className = '__panoptic_mask'; d.style.cssText = `position:absolute;left:${r.left + w.scrollX}px;top:${r.top + w.scrollY}px;width:${r.width}px;height:${r.height}px;background:#ff00ff;z-index:2147483647;pointer-events:none`; doc.body.appendChild(d); return true; }";

/// Takes the boxes away again from the element's document.
const UNMASK_JS: &str =
    "el => { el.ownerDocument.querySelectorAll('.__panoptic_mask').forEach(d => d.remove()); return true; }";

/// Password fields are always masked — in the page, in its frames and their frames, whatever
/// their origin; `mask` adds more.
const ALWAYS_MASKED: &[&str] = &[
    "input[type=password]",
    "frame=iframe >> input[type=password]",
    "frame=iframe >> frame=iframe >> input[type=password]",
];

/// Stills the page for a comparison, as Playwright's `toHaveScreenshot` does: finite
/// animations and transitions jump to their end, infinite ones go back to their start, the
/// text caret is transparent (in open shadow roots too). Returns once the page has painted.
const FREEZE_JS: &str = r#"(() => {
  const css = '*, *::before, *::after { caret-color: transparent !important; transition: none !important; animation-play-state: paused !important; }';
  const roots = [document];
  for (let i = 0; i < roots.length; i++) {
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  for (const r of roots) {
    if (r.__panopticFrozen) continue;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    r.adoptedStyleSheets = [...r.adoptedStyleSheets, sheet];
    r.__panopticFrozen = true;
  }
  for (const a of document.getAnimations()) {
    try {
      const t = a.effect && a.effect.getComputedTiming();
      if (t && t.endTime === Infinity) a.cancel(); else a.finish();
    } catch (e) { a.cancel(); }
  }
  return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
})()"#;

/// Stills the page for a comparison: finite animations end, infinite ones restart, no
/// transitions, a transparent caret (open shadow roots included).
pub async fn freeze(page: &mut dyn Page) -> Result<(), StepError> {
    page.eval(FREEZE_JS).await.map(drop).map_err(page_err)
}

/// A screenshot of the viewport, the whole page or one element, masked, in `ctx.format`.
pub async fn capture(
    ctx: &mut Ctx<'_>,
    full_page: bool,
    selector: Option<&str>,
    mask: &[String],
) -> Result<Vec<u8>, StepError> {
    screenshot(ctx, full_page, selector, mask).await
}

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
    let mut masked = Vec::new();
    for m in ALWAYS_MASKED.iter().copied().chain(mask.iter().map(String::as_str)) {
        let l = locator(m)?;
        let els = page.resolve(&l, ResolveOpts::default()).await.map_err(page_err)?;
        for el in els.iter().filter(|e| e.visible) {
            if page.call_on(el, MASK_JS).await.is_ok() && !masked.contains(&l) {
                masked.push(l.clone());
            }
        }
    }
    let shot = page.screenshot(opts).await.map_err(page_err);
    // Each box sits in its element's document; a frame's is reached through the element again
    // (every resolve makes new handles).
    for l in &masked {
        if let Ok(els) = page.resolve(l, ResolveOpts::default()).await {
            for el in &els {
                let _ = page.call_on(el, UNMASK_JS).await;
            }
        }
    }
    shot
}
