//! `Page` over chromiumoxide: one tab in its own browser context. `eval` runs scripts through
//! raw `Runtime.evaluate` (no execution-context tracking that could go stale), `input` sends
//! real `Input.*` events, `events` gathers the tab's events in one task. The session holds its
//! browser [`Instance`]: closing or dropping it disposes the context in the background and releases the
//! instance, so a retiring browser closes after its last session.

mod eval;
mod events;
mod frames;
mod guard;
mod input;
mod mask;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chromiumoxide::cdp::browser_protocol::accessibility::GetPartialAxTreeParams;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::input::{DispatchMouseEventType, InsertTextParams};
use chromiumoxide::cdp::browser_protocol::network::{GetCookiesParams, SetCookieParams, TimeSinceEpoch};
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, GetNavigationHistoryParams, NavigateParams,
    NavigateToHistoryEntryParams, Viewport,
};
use panoptic_core::config::{ImageFormat, SelectBy};
use panoptic_core::locator::Locator;
use panoptic_core::page::*;
use panoptic_core::session::LeaseOpts;
use serde_json::Value;
use tokio::task::JoinHandle;

pub(crate) use eval::cdp_error;

use crate::instance::Instance;
use crate::recorder::Recorder;

/// What the event task and the page share.
#[derive(Default)]
struct Shared {
    events: Vec<PageEvent>,
    network: events::NetworkLog,
    inflight: HashMap<String, String>,
    dialog: DialogPolicy,
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One tab in its own browser context.
pub(crate) struct CdpPage {
    page: chromiumoxide::Page,
    running: Arc<Instance>,
    context: Option<BrowserContextId>,
    shared: Arc<Mutex<Shared>>,
    listener: Option<JoinHandle<()>>,
    /// Answers the requests `Fetch` paused, once a guard or a mock is set.
    intercept: Option<guard::Intercept>,
    recorder: Option<Recorder>,
    /// The mask over password fields while a video records.
    video_mask: Option<mask::Mask>,
    /// panoptic's isolated JavaScript world in the current document, once made.
    world: Mutex<Option<chromiumoxide::cdp::js_protocol::runtime::ExecutionContextId>>,
    /// panoptic's worlds in the cross-origin frames the last `resolve` went into.
    frames: Mutex<Vec<frames::FrameWorld>>,
}

impl CdpPage {
    pub(crate) async fn new(
        page: chromiumoxide::Page,
        running: Arc<Instance>,
        context: BrowserContextId,
        opts: &LeaseOpts,
    ) -> Result<CdpPage, PageError> {
        let metrics = SetDeviceMetricsOverrideParams::new(i64::from(opts.width), i64::from(opts.height), 1.0, false);
        page.execute(metrics).await.map_err(cdp_error)?;
        let mut this = CdpPage {
            page,
            running,
            context: Some(context),
            shared: Arc::default(),
            listener: None,
            intercept: None,
            world: Mutex::new(None),
            frames: Mutex::default(),
            recorder: None,
            video_mask: None,
        };
        let listener = events::listen(&this.page, this.shared.clone()).await?;
        this.listener = Some(listener);
        Ok(this)
    }

    /// Still on a healthy browser that takes new work.
    pub(crate) fn is_usable(&self) -> bool {
        self.running.is_alive() && !self.running.is_retiring()
    }

    /// Applies another viewport size.
    pub(crate) async fn set_viewport(&self, opts: &LeaseOpts) -> Result<(), PageError> {
        let metrics = SetDeviceMetricsOverrideParams::new(i64::from(opts.width), i64::from(opts.height), 1.0, false);
        self.page.execute(metrics).await.map_err(cdp_error)?;
        Ok(())
    }
}

#[async_trait]
impl Page for CdpPage {
    /// `Page.navigate`, then the new document is polled until it has loaded: no wait on a
    /// lifecycle event that a busy browser may deliver late or out of order (chromiumoxide's
    /// own `goto` waits on those and failed with "Request timed out" under load). The caller
    /// bounds the whole wait (`timeouts.navigation`).
    async fn goto(&mut self, url: &str) -> Result<(), PageError> {
        let failed = |reason: String| PageError::Navigation {
            url: url.to_owned(),
            reason,
        };
        // The old document is marked, so the poll below knows the new one when it sees it.
        let marker = format!("m{}", rand_marker());
        let _ = self.evaluate(format!("window.__panoptic_nav = '{marker}'; true")).await;
        let mut answer = Box::pin(self.page.execute(NavigateParams::new(url)));
        let mut answered = false;
        for poll in 0u32.. {
            if answered {
                match self.loaded_since(&marker).await {
                    Ok(Value::Bool(true)) => return Ok(()),
                    Ok(_) | Err(PageError::Detached | PageError::Script(_)) => {}
                    Err(e) => return Err(e),
                }
                // Most pages load within a few polls: look often at first, then less.
                tokio::time::sleep(Duration::from_millis(if poll < 40 { 5 } else { 20 })).await;
                continue;
            }
            match tokio::time::timeout(Duration::from_millis(15), &mut answer).await {
                Err(_) => {}
                Ok(Ok(r)) => {
                    if let Some(e) = r.result.error_text.clone().filter(|e| !e.is_empty()) {
                        return Err(failed(e));
                    }
                    // No new loader: a same-document navigation (`#hash`), done when answered.
                    if r.result.loader_id.is_none() {
                        return Ok(());
                    }
                    answered = true;
                }
                // The answer itself is late (a slow server): the document decides.
                Ok(Err(chromiumoxide::error::CdpError::Timeout)) => answered = true,
                Ok(Err(e)) => return Err(failed(e.to_string())),
            }
        }
        unreachable!("the loop above only ends by returning")
    }

    async fn reload(&mut self) -> Result<(), PageError> {
        let marker = format!("m{}", rand_marker());
        self.evaluate(format!("window.__panoptic_nav = '{marker}'; location.reload(); true"))
            .await?;
        self.settle_after(&marker).await
    }

    async fn history(&mut self, delta: i32) -> Result<(), PageError> {
        let h = self
            .page
            .execute(GetNavigationHistoryParams::default())
            .await
            .map_err(cdp_error)?;
        let target = i64::from(delta) + h.result.current_index;
        let entry = usize::try_from(target)
            .ok()
            .and_then(|i| h.result.entries.get(i))
            .ok_or_else(|| {
                PageError::Invalid(format!(
                    "no history entry to go {}",
                    if delta < 0 { "back to" } else { "forward to" }
                ))
            })?;
        let marker = format!("m{}", rand_marker());
        self.evaluate(format!("window.__panoptic_nav = '{marker}'; true"))
            .await?;
        self.page
            .execute(NavigateToHistoryEntryParams::new(entry.id))
            .await
            .map_err(cdp_error)?;
        self.settle_after(&marker).await
    }

    async fn resolve(&mut self, locator: &Locator, opts: ResolveOpts) -> Result<Vec<ElementInfo>, PageError> {
        let parts = locator
            .parts
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PageError::Invalid(e.to_string()))?;
        self.frames.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.resolve_from(0, &parts, opts, 0).await
    }

    async fn click(&mut self, el: &ElementInfo, count: u32) -> Result<(), PageError> {
        let (x, y) = self.point(el, true).await?;
        self.mouse(DispatchMouseEventType::MouseMoved, x, y, 0).await?;
        for n in 1..=i64::from(count.max(1)) {
            self.mouse(DispatchMouseEventType::MousePressed, x, y, n).await?;
            self.mouse(DispatchMouseEventType::MouseReleased, x, y, n).await?;
        }
        // A miss means the page moved under the pointer: report it so the click is retried.
        match self.on_element(el, |_| "window.__panoptic.disarm()".into()).await {
            Ok(Value::Bool(false)) => Err(PageError::Detached),
            _ => Ok(()),
        }
    }

    async fn fill(&mut self, el: &ElementInfo, text: &str) -> Result<(), PageError> {
        let value = serde_json::to_string(text).map_err(|e| PageError::Invalid(e.to_string()))?;
        let mode = self
            .on_element(el, |h| format!("window.__panoptic.prepareFill({h}, {value})"))
            .await?;
        if mode.as_str() == Some("type") {
            self.page
                .execute(InsertTextParams::new(text))
                .await
                .map_err(cdp_error)?;
        }
        Ok(())
    }

    async fn focus(&mut self, el: &ElementInfo) -> Result<(), PageError> {
        self.on_element(el, |h| format!("window.__panoptic.get({h}).focus(), true"))
            .await
            .map(drop)
    }

    async fn press(&mut self, key: &str) -> Result<(), PageError> {
        self.press_chord(key).await
    }

    async fn hover(&mut self, el: &ElementInfo) -> Result<(), PageError> {
        let (x, y) = self.point(el, false).await?;
        self.mouse(DispatchMouseEventType::MouseMoved, x, y, 0).await
    }

    async fn select(&mut self, el: &ElementInfo, by: &SelectBy) -> Result<Vec<String>, PageError> {
        let (kind, want) = match by {
            SelectBy::Value(v) => ("value", v),
            SelectBy::Label(l) => ("label", l),
        };
        let want = serde_json::to_string(want).map_err(|e| PageError::Invalid(e.to_string()))?;
        let v = self
            .on_element(el, |h| format!("window.__panoptic.select({h}, '{kind}', {want})"))
            .await?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default())
    }

    async fn set_files(&mut self, el: &ElementInfo, files: &[PathBuf]) -> Result<(), PageError> {
        // The element handle lives in one of panoptic's worlds: ask there for the object.
        let (slot, local) = frames::split(el.handle);
        let object_id = self.object_of(slot, local).await?;
        let mut p = SetFileInputFilesParams::new(files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>());
        p.object_id = Some(object_id);
        self.page
            .execute(p)
            .await
            .map_err(|e| PageError::Script(e.to_string()))?;
        Ok(())
    }

    async fn call_on(&mut self, el: &ElementInfo, function: &str) -> Result<Value, PageError> {
        self.on_element(el, |h| format!("({function})(window.__panoptic.get({h}))"))
            .await
    }

    async fn elements_from(&mut self, el: &ElementInfo, function: &str) -> Result<Vec<ElementInfo>, PageError> {
        let v = self
            .on_element(el, |h| {
                format!("window.__panoptic.infos(({function})(window.__panoptic.get({h})))")
            })
            .await?;
        let slot = frames::split(el.handle).0;
        let mut out: Vec<ElementInfo> = v
            .as_array()
            .map(|a| a.iter().map(eval::element_info).collect())
            .unwrap_or_default();
        for e in &mut out {
            (e.rect.x, e.rect.y) = self.to_top(el, (e.rect.x, e.rect.y))?;
            e.handle |= (slot as u64) << 32;
        }
        Ok(out)
    }

    async fn accessibility(&mut self, els: &[ElementInfo]) -> Result<Vec<Option<AxNode>>, PageError> {
        // Asked all at once: the commands share the connection, Chromium answers in turn.
        let this = &*self;
        let one = |el: &ElementInfo| {
            let (slot, local) = frames::split(el.handle);
            async move {
                let object = this.object_of(slot, local).await?;
                let tree = this
                    .page
                    .execute(
                        GetPartialAxTreeParams::builder()
                            .object_id(object)
                            .fetch_relatives(false)
                            .build(),
                    )
                    .await
                    .map_err(cdp_error)?;
                let text = |v: &Option<chromiumoxide::cdp::browser_protocol::accessibility::AxValue>| {
                    v.as_ref()
                        .and_then(|v| v.value.as_ref())
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                Ok::<_, PageError>(tree.result.nodes.first().map(|n| AxNode {
                    role: text(&n.role),
                    name: text(&n.name),
                    ignored: n.ignored,
                }))
            }
        };
        futures::future::join_all(els.iter().map(one))
            .await
            .into_iter()
            .collect()
    }

    async fn eval(&mut self, script: &str) -> Result<Value, PageError> {
        self.run_script(script).await
    }

    async fn screenshot(&mut self, opts: &ScreenshotOpts) -> Result<Vec<u8>, PageError> {
        let format = match opts.format {
            ImageFormat::Png => CaptureScreenshotFormat::Png,
            ImageFormat::Jpeg => CaptureScreenshotFormat::Jpeg,
            ImageFormat::Webp => CaptureScreenshotFormat::Webp,
        };
        let mut p = CaptureScreenshotParams::builder().format(format).build();
        if opts.format != ImageFormat::Png {
            p.quality = Some(i64::from(opts.quality));
        }
        if let Some(r) = opts.clip {
            let scroll = self.evaluate("[window.scrollX, window.scrollY]".into()).await?;
            let sx = scroll.get(0).and_then(Value::as_f64).unwrap_or(0.0);
            let sy = scroll.get(1).and_then(Value::as_f64).unwrap_or(0.0);
            p.clip = Some(Viewport {
                x: r.x + sx,
                y: r.y + sy,
                width: r.width.max(1.0),
                height: r.height.max(1.0),
                scale: 1.0,
            });
        } else if opts.full_page {
            let size = self
                .evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]".into())
                .await?;
            let w = size.get(0).and_then(Value::as_f64).unwrap_or(1280.0);
            let h = size.get(1).and_then(Value::as_f64).unwrap_or(720.0);
            p.clip = Some(Viewport {
                x: 0.0,
                y: 0.0,
                width: w,
                height: h,
                scale: 1.0,
            });
            p.capture_beyond_viewport = Some(true);
        }
        let resp = self.page.execute(p).await.map_err(cdp_error)?;
        let data: &str = resp.result.data.as_ref();
        BASE64
            .decode(data)
            .map_err(|e| PageError::Protocol(format!("screenshot data is not base64: {e}")))
    }

    async fn url(&mut self) -> Result<String, PageError> {
        self.evaluate_text("location.href").await
    }

    async fn title(&mut self) -> Result<String, PageError> {
        self.evaluate_text("document.title").await
    }

    async fn pending_requests(&mut self) -> Result<usize, PageError> {
        Ok(lock(&self.shared).inflight.len())
    }

    async fn changed_within(&mut self, max: Duration) -> bool {
        CdpPage::changed_within(self, max).await
    }

    fn set_dialog_policy(&mut self, policy: DialogPolicy) {
        lock(&self.shared).dialog = policy;
    }

    async fn guard_requests(&mut self, guard: Arc<dyn RequestGuard>) -> Result<(), PageError> {
        guard::update(
            &self.page,
            &self.shared,
            &mut self.intercept,
            guard::Change::Guard(guard),
        )
        .await
    }

    async fn add_mock(&mut self, mock: Mock) -> Result<(), PageError> {
        guard::update(&self.page, &self.shared, &mut self.intercept, guard::Change::Mock(mock)).await
    }

    fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared).network.records.iter().cloned().collect()
    }

    async fn cookies(&mut self, url: &str) -> Result<Vec<Cookie>, PageError> {
        let p = GetCookiesParams {
            urls: Some(vec![url.to_owned()]),
        };
        let got = self.page.execute(p).await.map_err(cdp_error)?;
        Ok(got
            .result
            .cookies
            .iter()
            .map(|c| Cookie {
                name: c.name.clone(),
                value: c.value.clone(),
            })
            .collect())
    }

    async fn set_cookies(&mut self, url: &str, set_cookie: &[String]) -> Result<(), PageError> {
        for header in set_cookie {
            let Some(p) = cookie_params(url, header) else { continue };
            self.page.execute(p).await.map_err(cdp_error)?;
        }
        Ok(())
    }

    fn drain_events(&mut self) -> Vec<PageEvent> {
        std::mem::take(&mut lock(&self.shared).events)
    }

    fn is_crashed(&self) -> bool {
        !self.running.is_alive()
    }

    async fn start_video(&mut self, opts: &VideoOpts) -> Result<(), PageError> {
        if self.recorder.is_some() {
            return Err(PageError::Invalid("already recording".into()));
        }
        // Never a frame unmasked: the mask is on before the first frame, or nothing records.
        let mask = mask::cover(&self.page).await?;
        match Recorder::start(&self.page, opts).await {
            Ok(r) => {
                self.recorder = Some(r);
                self.video_mask = Some(mask);
                Ok(())
            }
            Err(e) => {
                mask::uncover(&self.page, mask).await;
                Err(e)
            }
        }
    }

    async fn stop_video(&mut self) -> Result<Option<VideoInfo>, PageError> {
        let stopped = match self.recorder.take() {
            Some(r) => r.stop(&self.page).await.map(Some),
            None => Ok(None),
        };
        if let Some(m) = self.video_mask.take() {
            mask::uncover(&self.page, m).await;
        }
        stopped
    }

    fn video_frame(&self) -> Option<Vec<u8>> {
        self.recorder
            .as_ref()
            .and_then(|r| r.latest.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    async fn close(self: Box<Self>) {
        // Dropping disposes the context in the background (`Instance::dispose_later`).
        drop(self);
    }
}

impl Drop for CdpPage {
    fn drop(&mut self) {
        if let Some(task) = &self.listener {
            task.abort();
        }
        match self.context.take() {
            Some(ctx) => self.running.dispose_later(ctx, &self.page),
            None => self.running.release(),
        }
    }
}

/// `Network.setCookie` for one `Set-Cookie` header received from `url`: name, value and the
/// attributes the browser needs (its own parser is not reachable over CDP).
fn cookie_params(url: &str, header: &str) -> Option<SetCookieParams> {
    let mut parts = header.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let mut p = SetCookieParams::new(name.trim(), value.trim());
    p.url = Some(url.to_owned());
    for attr in parts {
        let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "domain" => p.domain = Some(v.trim_start_matches('.').to_owned()),
            "path" => p.path = Some(v.to_owned()),
            "secure" => p.secure = Some(true),
            "httponly" => p.http_only = Some(true),
            "max-age" => {
                if let Ok(secs) = v.parse::<f64>() {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0.0, |d| d.as_secs_f64());
                    p.expires = Some(TimeSinceEpoch::new(now + secs));
                }
            }
            _ => {}
        }
    }
    Some(p)
}

fn rand_marker() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    h.finish()
}
