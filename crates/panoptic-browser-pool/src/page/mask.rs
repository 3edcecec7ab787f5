//! The mask over password fields while a video records: every frame of the screencast — and so
//! every step thumbnail, which is a frame — shows them as solid boxes, as screenshots do. A
//! constructed style sheet adopted by the document and by its open shadow roots (no element in
//! the DOM the test could see), from a script in its own isolated world that runs again on
//! every new document.

use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, CreateIsolatedWorldParams, GetFrameTreeParams,
    RemoveScriptToEvaluateOnNewDocumentParams, ScriptIdentifier,
};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use panoptic_core::page::PageError;

use super::eval::cdp_error;

/// The same colour as the screenshot masks. The document adopts the sheet; so does every open
/// shadow root (a document's sheets do not reach into them), found by a walk before every
/// frame is painted (`requestAnimationFrame`), so a component that attaches its shadow root
/// late is covered before it is shown.
const COVER: &str = "(() => { const s = new CSSStyleSheet(); \
s.replaceSync('input[type=password]{background:#ff00ff!important;color:transparent!important;\
-webkit-text-fill-color:transparent!important;text-shadow:none!important;caret-color:transparent!important}'); \
const adopt = (root) => { if (!root.adoptedStyleSheets.includes(s)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, s]; }; \
const roots = new Set(); \
const walk = (root) => { for (const el of root.querySelectorAll('*')) { const r = el.shadowRoot; if (r) { if (!roots.has(r)) { roots.add(r); adopt(r); } walk(r); } } }; \
let on = true; \
const tick = () => { if (!on) return; walk(document); requestAnimationFrame(tick); }; \
adopt(document); tick(); \
window.__panoptic_mask = { sheet: s, roots, stop: () => { on = false; } }; return true; })()";

const UNCOVER: &str = "(() => { const m = window.__panoptic_mask; if (!m) return true; m.stop(); \
for (const root of [document, ...m.roots]) root.adoptedStyleSheets = root.adoptedStyleSheets.filter((x) => x !== m.sheet); \
return true; })()";

/// The world the mask script runs in (not the helper's: worlds are kept by name).
const WORLD: &str = "panoptic-mask";

/// A mask in place.
pub(crate) struct Mask {
    script: ScriptIdentifier,
}

/// Runs `script` in the mask's world of the current document (worlds are kept by name, so this
/// is the world the new-document script ran in, if it did).
async fn in_world(page: &chromiumoxide::Page, script: &str) -> Result<(), PageError> {
    let tree = page.execute(GetFrameTreeParams::default()).await.map_err(cdp_error)?;
    let mut world = CreateIsolatedWorldParams::new(tree.result.frame_tree.frame.id.clone());
    world.world_name = Some(WORLD.into());
    let context = page
        .execute(world)
        .await
        .map_err(cdp_error)?
        .result
        .execution_context_id;
    let mut eval = EvaluateParams::builder()
        .expression(script)
        .return_by_value(true)
        .build()
        .map_err(PageError::Invalid)?;
    eval.context_id = Some(context);
    let done = page.execute(eval).await.map_err(cdp_error)?;
    match &done.result.exception_details {
        Some(ex) => Err(PageError::Invalid(format!("cannot mask the video: {}", ex.text))),
        None => Ok(()),
    }
}

/// Covers password fields in the current document and every later one.
pub(super) async fn cover(page: &chromiumoxide::Page) -> Result<Mask, PageError> {
    let mut add = AddScriptToEvaluateOnNewDocumentParams::new(COVER);
    add.world_name = Some(WORLD.into());
    let script = page.execute(add).await.map_err(cdp_error)?.result.identifier;
    // The current document: the script above runs only on new ones.
    if let Err(e) = in_world(page, COVER).await {
        let _ = page
            .execute(RemoveScriptToEvaluateOnNewDocumentParams::new(script))
            .await;
        return Err(e);
    }
    Ok(Mask { script })
}

/// Takes the mask away (best effort: the tab may be closing).
pub(super) async fn uncover(page: &chromiumoxide::Page, mask: Mask) {
    let _ = page
        .execute(RemoveScriptToEvaluateOnNewDocumentParams::new(mask.script))
        .await;
    let _ = in_world(page, UNCOVER).await;
}
