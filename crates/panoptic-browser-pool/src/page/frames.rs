//! Chains that cross into cross-origin frames (`frame=#pay >> …` where `#pay` shows another
//! origin). The main world may not read such a frame's document, so the chain goes on in a world
//! panoptic makes inside that frame (`Page.createIsolatedWorld` with its frame id): the frame is
//! in the tab's own renderer because the browser runs without site isolation (see `launch`).
//!
//! An element handle says which world it lives in: its high 32 bits are a slot, 0 for the main
//! world and `n` for `frames[n - 1]`, the low bits the helper's own handle there. The slots are
//! made again by every `resolve`, as the helper's handles are.

use chromiumoxide::cdp::browser_protocol::dom::DescribeNodeParams;
use chromiumoxide::cdp::browser_protocol::page::CreateIsolatedWorldParams;
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, ExecutionContextId, RemoteObjectId};
use panoptic_core::page::{ElementInfo, PageError, ResolveOpts};
use serde_json::Value;

use super::CdpPage;
use super::eval::{cdp_error, element_info};

/// How deep frames may nest in one chain (each `frame=` part is one level).
const MAX_DEPTH: usize = 16;

/// panoptic's world inside a cross-origin frame, and where that frame's viewport starts in the
/// top page.
#[derive(Clone, Copy, Debug)]
pub(super) struct FrameWorld {
    context: ExecutionContextId,
    dx: f64,
    dy: f64,
}

/// A handle's slot and the helper's own handle in that slot's world.
pub(super) fn split(handle: u64) -> (usize, u64) {
    ((handle >> 32) as usize, handle & 0xffff_ffff)
}

impl CdpPage {
    /// The world of `slot` (`None`: the main world) and its offset in the top page.
    pub(super) fn frame_world(&self, slot: usize) -> Result<Option<FrameWorld>, PageError> {
        if slot == 0 {
            return Ok(None);
        }
        let frames = self.frames.lock().unwrap_or_else(|e| e.into_inner());
        // A handle from before the last resolve: its world is no longer known.
        frames.get(slot - 1).copied().map(Some).ok_or(PageError::Detached)
    }

    /// Runs the helper expression `expr` in `slot`'s world.
    pub(super) async fn helper_at(&self, slot: usize, expr: &str) -> Result<Value, PageError> {
        let context = self.frame_world(slot)?.map(|w| w.context);
        self.helper_in(context, expr).await
    }

    /// Runs `call(handle)` (a helper expression over the element's own handle) where `el` lives.
    pub(super) async fn on_element(
        &self,
        el: &ElementInfo,
        call: impl FnOnce(u64) -> String,
    ) -> Result<Value, PageError> {
        let (slot, local) = split(el.handle);
        self.helper_at(slot, &call(local)).await
    }

    /// A point in `el`'s frame as a point in the top page.
    pub(super) fn to_top(&self, el: &ElementInfo, point: (f64, f64)) -> Result<(f64, f64), PageError> {
        self.to_top_of(split(el.handle).0, point)
    }

    /// The JavaScript object of the element behind `handle` in `slot`'s world. The handle came
    /// from a resolve in that world, so the world exists unless a navigation took it away, and
    /// then the element is gone too: never evaluated in the page's own world, where the page
    /// could answer with an object of its choosing.
    pub(super) async fn object_of(&self, slot: usize, local: u64) -> Result<RemoteObjectId, PageError> {
        let context = match self.frame_world(slot)? {
            Some(w) => w.context,
            None => self
                .world
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .ok_or(PageError::Detached)?,
        };
        let mut params = EvaluateParams::builder()
            .expression(format!("window.__panoptic.get({local})"))
            .build()
            .map_err(PageError::Invalid)?;
        params.context_id = Some(context);
        let resp = self.page.execute(params).await.map_err(cdp_error)?;
        if resp.result.exception_details.is_some() {
            return Err(PageError::Detached);
        }
        resp.result.result.object_id.clone().ok_or(PageError::Detached)
    }

    /// Resolves the chain `parts` (JSON values of `LocatorPart`) from the document of `slot`'s
    /// world; where the helper hands back cross-origin frames, goes on inside each of them.
    pub(super) async fn resolve_from(
        &self,
        slot: usize,
        parts: &[Value],
        opts: ResolveOpts,
        depth: usize,
    ) -> Result<Vec<ElementInfo>, PageError> {
        let json = serde_json::to_string(parts).map_err(|e| PageError::Invalid(e.to_string()))?;
        let v = self
            .helper_at(
                slot,
                &format!(
                    "window.__panoptic.resolve({json}, {}, {})",
                    opts.actionable, opts.fingerprint
                ),
            )
            .await?;
        let Some(frames) = v.get("descend").and_then(Value::as_array) else {
            let mut out: Vec<ElementInfo> = v
                .as_array()
                .map(|a| a.iter().map(element_info).collect())
                .unwrap_or_default();
            for el in &mut out {
                (el.rect.x, el.rect.y) = self.to_top_of(slot, (el.rect.x, el.rect.y))?;
                el.handle |= (slot as u64) << 32;
            }
            return Ok(out);
        };
        if depth >= MAX_DEPTH {
            return Err(PageError::Invalid(format!(
                "frames nest deeper than {MAX_DEPTH} in one locator"
            )));
        }
        let next = v.get("next").and_then(Value::as_u64).unwrap_or(parts.len() as u64) as usize;
        let rest = parts.get(next..).unwrap_or_default();
        let mut out = Vec::new();
        for f in frames {
            let local = f.get("handle").and_then(Value::as_u64).unwrap_or(0);
            let at = |k: &str| {
                f.get("offset")
                    .and_then(|o| o.get(k))
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
            };
            let (dx, dy) = self.to_top_of(slot, (at("x"), at("y")))?;
            let Some(context) = self.world_in_frame(slot, local).await? else {
                continue;
            };
            let inner = {
                let mut frames = self.frames.lock().unwrap_or_else(|e| e.into_inner());
                frames.push(FrameWorld { context, dx, dy });
                frames.len()
            };
            let opts = ResolveOpts {
                actionable: opts.actionable && out.is_empty(),
                ..opts
            };
            out.extend(Box::pin(self.resolve_from(inner, rest, opts, depth + 1)).await?);
        }
        Ok(out)
    }

    fn to_top_of(&self, slot: usize, (x, y): (f64, f64)) -> Result<(f64, f64), PageError> {
        Ok(match self.frame_world(slot)? {
            None => (x, y),
            Some(w) => (x + w.dx, y + w.dy),
        })
    }

    /// panoptic's world inside the frame element `local` of `slot`'s world; `None` while the
    /// frame has no document of its own yet (auto-wait tries again).
    async fn world_in_frame(&self, slot: usize, local: u64) -> Result<Option<ExecutionContextId>, PageError> {
        let object = self.object_of(slot, local).await?;
        let node = self
            .page
            .execute(DescribeNodeParams::builder().object_id(object).build())
            .await
            .map_err(cdp_error)?;
        let Some(frame) = node.result.node.frame_id.clone() else {
            return Ok(None);
        };
        let mut params = CreateIsolatedWorldParams::new(frame);
        params.world_name = Some("panoptic".into());
        match self.page.execute(params).await {
            Ok(r) => Ok(Some(r.result.execution_context_id)),
            // The frame runs in another renderer: only possible when the user turned site
            // isolation back on (`--site-per-process` in `browser.args`).
            Err(chromiumoxide::error::CdpError::Chrome(c)) if c.message.contains("No frame") => Err(PageError::Invalid(
                "the frame runs in a separate process (site isolation is on, e.g. `--site-per-process` in `browser.args`); panoptic reaches into cross-origin frames only without it".into(),
            )),
            Err(e) => Err(cdp_error(e)),
        }
    }
}
