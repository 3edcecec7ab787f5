//! `Page` over chromiumoxide: evaluation through raw `Runtime.evaluate` (no context tracking
//! to go stale), real input events through `Input.*`, page events collected by listener tasks.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams, DispatchMouseEventType, InsertTextParams,
    MouseButton,
};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
};
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, EventJavascriptDialogOpening, GetNavigationHistoryParams,
    HandleJavaScriptDialogParams, NavigateToHistoryEntryParams, Viewport,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    EvaluateParams, EventConsoleApiCalled, EventExceptionThrown, RemoteObject,
};
use futures::StreamExt;
use panoptic_core::config::{ImageFormat, SelectBy};
use panoptic_core::locator::Locator;
use panoptic_core::page::*;
use panoptic_core::session::LeaseOpts;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::keys::{modifier_key, parse_chord};
use crate::pool::Instance;
use crate::recorder::Recorder;

const INJECTED: &str = include_str!("injected.js");
const MISSING: &str = "__panoptic_missing__";

#[derive(Default)]
struct Shared {
    events: Vec<PageEvent>,
    inflight: HashMap<String, String>,
    dialog: DialogPolicy,
}

/// One tab in its own browser context.
pub(crate) struct CdpPage {
    page: chromiumoxide::Page,
    running: Arc<Instance>,
    context: Option<BrowserContextId>,
    shared: Arc<Mutex<Shared>>,
    listeners: Vec<JoinHandle<()>>,
    recorder: Option<Recorder>,
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn protocol(e: impl std::fmt::Display) -> PageError {
    let s = e.to_string();
    if s.contains("closed") || s.contains("receiver is gone") || s.contains("ChannelSend") || s.contains("Ws(") {
        PageError::Closed(s)
    } else {
        PageError::Protocol(s)
    }
}

fn remote_text(o: &RemoteObject) -> String {
    match &o.value {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => o.description.clone().unwrap_or_else(|| format!("{:?}", o.r#type)),
    }
}

impl CdpPage {
    pub(crate) async fn new(
        page: chromiumoxide::Page,
        running: Arc<Instance>,
        context: BrowserContextId,
        opts: &LeaseOpts,
    ) -> Result<CdpPage, PageError> {
        let metrics = SetDeviceMetricsOverrideParams::new(i64::from(opts.width), i64::from(opts.height), 1.0, false);
        page.execute(metrics).await.map_err(protocol)?;
        let mut this = CdpPage {
            page,
            running,
            context: Some(context),
            shared: Arc::default(),
            listeners: Vec::new(),
            recorder: None,
        };
        this.listen().await?;
        Ok(this)
    }

    async fn listen(&mut self) -> Result<(), PageError> {
        let shared = self.shared.clone();
        let mut console = self
            .page
            .event_listener::<EventConsoleApiCalled>()
            .await
            .map_err(protocol)?;
        self.listeners.push(tokio::spawn(async move {
            while let Some(e) = console.next().await {
                let level = serde_json::to_value(&e.r#type)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let text = e.args.iter().map(remote_text).collect::<Vec<_>>().join(" ");
                lock(&shared).events.push(PageEvent::Console { level, text });
            }
        }));
        let shared = self.shared.clone();
        let mut exceptions = self
            .page
            .event_listener::<EventExceptionThrown>()
            .await
            .map_err(protocol)?;
        self.listeners.push(tokio::spawn(async move {
            while let Some(e) = exceptions.next().await {
                let d = &e.exception_details;
                let text = d
                    .exception
                    .as_ref()
                    .and_then(|o| o.description.clone())
                    .unwrap_or_else(|| d.text.clone());
                lock(&shared).events.push(PageEvent::Exception {
                    text: text.lines().next().unwrap_or("").to_owned(),
                });
            }
        }));
        let shared = self.shared.clone();
        let mut sent = self
            .page
            .event_listener::<EventRequestWillBeSent>()
            .await
            .map_err(protocol)?;
        self.listeners.push(tokio::spawn(async move {
            while let Some(e) = sent.next().await {
                lock(&shared)
                    .inflight
                    .insert(e.request_id.inner().clone(), e.request.url.clone());
            }
        }));
        let shared = self.shared.clone();
        let mut finished = self
            .page
            .event_listener::<EventLoadingFinished>()
            .await
            .map_err(protocol)?;
        self.listeners.push(tokio::spawn(async move {
            while let Some(e) = finished.next().await {
                lock(&shared).inflight.remove(e.request_id.inner());
            }
        }));
        let shared = self.shared.clone();
        let mut failed = self
            .page
            .event_listener::<EventLoadingFailed>()
            .await
            .map_err(protocol)?;
        self.listeners.push(tokio::spawn(async move {
            while let Some(e) = failed.next().await {
                let mut s = lock(&shared);
                let url = s.inflight.remove(e.request_id.inner()).unwrap_or_default();
                if e.canceled != Some(true) {
                    s.events.push(PageEvent::RequestFailed {
                        url,
                        reason: e.error_text.clone(),
                    });
                }
            }
        }));
        let shared = self.shared.clone();
        let mut responses = self
            .page
            .event_listener::<EventResponseReceived>()
            .await
            .map_err(protocol)?;
        self.listeners.push(tokio::spawn(async move {
            while let Some(e) = responses.next().await {
                let status = u16::try_from(e.response.status).unwrap_or(0);
                // Chromium asks for /favicon.ico on its own; a missing one is not the page's error.
                if e.response.url.ends_with("/favicon.ico") {
                    continue;
                }
                lock(&shared).events.push(PageEvent::Response {
                    url: e.response.url.clone(),
                    status,
                });
            }
        }));
        let shared = self.shared.clone();
        let page = self.page.clone();
        let mut dialogs = self
            .page
            .event_listener::<EventJavascriptDialogOpening>()
            .await
            .map_err(protocol)?;
        self.listeners.push(tokio::spawn(async move {
            while let Some(e) = dialogs.next().await {
                let policy = std::mem::take(&mut lock(&shared).dialog);
                let mut params = HandleJavaScriptDialogParams::new(policy.accept);
                params.prompt_text = policy.prompt_text.clone();
                let kind = serde_json::to_value(&e.r#type)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let _ = page.execute(params).await;
                lock(&shared).events.push(PageEvent::Dialog {
                    kind,
                    message: e.message.clone(),
                    accepted: policy.accept,
                });
            }
        }));
        Ok(())
    }

    /// Where to click the element now: its centre, re-measured, when it would receive the click.
    async fn point(&self, el: &ElementInfo, arm: bool) -> Result<(f64, f64), PageError> {
        let v = self
            .helper(&format!("window.__panoptic.point({}, {arm})", el.handle))
            .await?;
        match (v.get(0).and_then(Value::as_f64), v.get(1).and_then(Value::as_f64)) {
            (Some(x), Some(y)) => Ok((x, y)),
            _ => Ok(el.rect.center()),
        }
    }

    /// Still on a healthy browser that takes new work.
    pub(crate) fn is_usable(&self) -> bool {
        self.running.is_alive() && !self.running.is_retiring()
    }

    /// Applies another viewport size.
    pub(crate) async fn set_viewport(&self, opts: &LeaseOpts) -> Result<(), PageError> {
        let metrics = SetDeviceMetricsOverrideParams::new(i64::from(opts.width), i64::from(opts.height), 1.0, false);
        self.page.execute(metrics).await.map_err(protocol)?;
        Ok(())
    }

    /// `Runtime.evaluate` by value, awaiting promises, in the main frame's current context.
    async fn evaluate(&self, expression: String) -> Result<Value, PageError> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true)
            .user_gesture(true)
            .build()
            .map_err(PageError::Invalid)?;
        let resp = self.page.execute(params).await.map_err(|e| {
            let s = e.to_string();
            if s.contains("context") || s.contains("navigated") {
                PageError::Detached
            } else {
                protocol(s)
            }
        })?;
        if let Some(ex) = &resp.result.exception_details {
            let text = ex
                .exception
                .as_ref()
                .and_then(|o| o.description.clone())
                .unwrap_or_else(|| ex.text.clone());
            if text.contains("__panoptic_detached__") {
                return Err(PageError::Detached);
            }
            return Err(PageError::Script(text.lines().next().unwrap_or("").to_owned()));
        }
        Ok(resp.result.result.value.clone().unwrap_or(Value::Null))
    }

    /// Evaluates `expr`, which uses `window.__panoptic`, installing the helper first if needed.
    async fn helper(&self, expr: &str) -> Result<Value, PageError> {
        let guarded = format!("window.__panoptic ? ({expr}) : '{MISSING}'");
        let v = self.evaluate(guarded.clone()).await?;
        if v.as_str() != Some(MISSING) {
            return Ok(v);
        }
        self.evaluate(INJECTED.to_owned()).await?;
        self.evaluate(guarded).await
    }

    async fn mouse(&self, kind: DispatchMouseEventType, x: f64, y: f64, clicks: i64) -> Result<(), PageError> {
        let mut p = DispatchMouseEventParams::new(kind.clone(), x, y);
        if kind != DispatchMouseEventType::MouseMoved {
            p.button = Some(MouseButton::Left);
            p.buttons = Some(if kind == DispatchMouseEventType::MousePressed {
                1
            } else {
                0
            });
            p.click_count = Some(clicks);
        }
        self.page.execute(p).await.map_err(protocol)?;
        Ok(())
    }

    async fn key(
        &self,
        kind: DispatchKeyEventType,
        key: &str,
        code: &str,
        key_code: i64,
        mask: i64,
        text: Option<&str>,
    ) -> Result<(), PageError> {
        let mut p = DispatchKeyEventParams::new(kind);
        p.key = Some(key.to_owned());
        p.code = Some(code.to_owned());
        p.windows_virtual_key_code = Some(key_code);
        p.native_virtual_key_code = Some(key_code);
        p.modifiers = Some(mask);
        if let Some(t) = text {
            p.text = Some(t.to_owned());
            p.unmodified_text = Some(t.to_owned());
        }
        if mask & 2 != 0 && key.eq_ignore_ascii_case("a") {
            // Chromium on Linux does not map Control+A to select-all for synthetic events.
            p.commands = Some(vec!["selectAll".to_owned()]);
        }
        self.page.execute(p).await.map_err(protocol)?;
        Ok(())
    }

    /// Waits (up to 30 s) until a navigation started by `marker`'s page has produced a new,
    /// fully loaded document.
    async fn settle_after(&self, marker: &str) -> Result<(), PageError> {
        let check = format!("window.__panoptic_nav !== '{marker}' && document.readyState === 'complete'");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            match self.evaluate(check.clone()).await {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(_) | Err(PageError::Detached) => {}
                Err(e) => return Err(e),
            }
            if tokio::time::Instant::now() > deadline {
                return Err(PageError::Navigation {
                    url: "history entry".into(),
                    reason: "page did not finish loading in 30s".into(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn handle_expr(el: &ElementInfo) -> String {
    format!("window.__panoptic.get({})", el.handle)
}

#[async_trait]
impl Page for CdpPage {
    async fn goto(&mut self, url: &str) -> Result<(), PageError> {
        self.page.goto(url).await.map_err(|e| PageError::Navigation {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(())
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
            .map_err(protocol)?;
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
            .map_err(protocol)?;
        self.settle_after(&marker).await
    }

    async fn resolve(&mut self, locator: &Locator, opts: ResolveOpts) -> Result<Vec<ElementInfo>, PageError> {
        let parts = serde_json::to_string(&locator.parts).map_err(|e| PageError::Invalid(e.to_string()))?;
        let v = self
            .helper(&format!("window.__panoptic.resolve({parts}, {})", opts.actionable))
            .await?;
        let items = v.as_array().cloned().unwrap_or_default();
        Ok(items.iter().map(element_info).collect())
    }

    async fn click(&mut self, el: &ElementInfo, count: u32) -> Result<(), PageError> {
        let (x, y) = self.point(el, true).await?;
        self.mouse(DispatchMouseEventType::MouseMoved, x, y, 0).await?;
        for n in 1..=i64::from(count.max(1)) {
            self.mouse(DispatchMouseEventType::MousePressed, x, y, n).await?;
            self.mouse(DispatchMouseEventType::MouseReleased, x, y, n).await?;
        }
        // A miss means the page moved under the pointer: report it so the click is retried.
        match self
            .evaluate("window.__panoptic ? window.__panoptic.disarm() : null".into())
            .await
        {
            Ok(Value::Bool(false)) => Err(PageError::Detached),
            _ => Ok(()),
        }
    }

    async fn fill(&mut self, el: &ElementInfo, text: &str) -> Result<(), PageError> {
        let value = serde_json::to_string(text).map_err(|e| PageError::Invalid(e.to_string()))?;
        let mode = self
            .helper(&format!("window.__panoptic.prepareFill({}, {value})", el.handle))
            .await?;
        if mode.as_str() == Some("type") {
            self.page.execute(InsertTextParams::new(text)).await.map_err(protocol)?;
        }
        Ok(())
    }

    async fn focus(&mut self, el: &ElementInfo) -> Result<(), PageError> {
        self.helper(&format!("({}).focus(), true", handle_expr(el)))
            .await
            .map(drop)
    }

    async fn press(&mut self, key: &str) -> Result<(), PageError> {
        let chord = parse_chord(key).map_err(PageError::Invalid)?;
        let mut mask = 0;
        for m in &chord.modifiers {
            let (bit, code, key_code) = modifier_key(m);
            mask |= bit;
            self.key(DispatchKeyEventType::RawKeyDown, m, code, key_code, mask, None)
                .await?;
        }
        let down = if chord.text.is_some() {
            DispatchKeyEventType::KeyDown
        } else {
            DispatchKeyEventType::RawKeyDown
        };
        let text = chord.text.as_deref();
        self.key(down, &chord.key, &chord.code, chord.key_code, chord.mask, text)
            .await?;
        self.key(
            DispatchKeyEventType::KeyUp,
            &chord.key,
            &chord.code,
            chord.key_code,
            chord.mask,
            None,
        )
        .await?;
        for m in chord.modifiers.iter().rev() {
            let (bit, code, key_code) = modifier_key(m);
            mask &= !bit;
            self.key(DispatchKeyEventType::KeyUp, m, code, key_code, mask, None)
                .await?;
        }
        Ok(())
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
            .helper(&format!("window.__panoptic.select({}, '{kind}', {want})", el.handle))
            .await?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default())
    }

    async fn set_files(&mut self, el: &ElementInfo, files: &[PathBuf]) -> Result<(), PageError> {
        let params = EvaluateParams::builder()
            .expression(handle_expr(el))
            .build()
            .map_err(PageError::Invalid)?;
        let resp = self.page.execute(params).await.map_err(protocol)?;
        if resp.result.exception_details.is_some() {
            return Err(PageError::Detached);
        }
        let object_id = resp.result.result.object_id.clone().ok_or(PageError::Detached)?;
        let mut p = SetFileInputFilesParams::new(files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>());
        p.object_id = Some(object_id);
        self.page
            .execute(p)
            .await
            .map_err(|e| PageError::Script(e.to_string()))?;
        Ok(())
    }

    async fn call_on(&mut self, el: &ElementInfo, function: &str) -> Result<Value, PageError> {
        self.helper(&format!("({function})({})", handle_expr(el))).await
    }

    async fn eval(&mut self, script: &str) -> Result<Value, PageError> {
        // A script with `return` is a function body; anything else is an expression.
        let expr = if script.contains("return") {
            format!("(async () => {{ {script} \n}})()")
        } else {
            script.to_owned()
        };
        self.evaluate(expr).await
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
        let resp = self.page.execute(p).await.map_err(protocol)?;
        let data: &str = resp.result.data.as_ref();
        decode_base64(data).ok_or_else(|| PageError::Protocol("screenshot data is not base64".into()))
    }

    async fn url(&mut self) -> Result<String, PageError> {
        Ok(self
            .evaluate("location.href".into())
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    async fn title(&mut self) -> Result<String, PageError> {
        Ok(self
            .evaluate("document.title".into())
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    async fn pending_requests(&mut self) -> Result<usize, PageError> {
        Ok(lock(&self.shared).inflight.len())
    }

    fn set_dialog_policy(&mut self, policy: DialogPolicy) {
        lock(&self.shared).dialog = policy;
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
        self.recorder = Some(Recorder::start(&self.page, opts).await?);
        Ok(())
    }

    async fn stop_video(&mut self) -> Result<Option<VideoInfo>, PageError> {
        match self.recorder.take() {
            Some(r) => r.stop(&self.page).await.map(Some),
            None => Ok(None),
        }
    }

    fn video_frame(&self) -> Option<Vec<u8>> {
        self.recorder
            .as_ref()
            .and_then(|r| r.latest.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    async fn close(mut self: Box<Self>) {
        if let Some(ctx) = self.context.take() {
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                self.running.browser.dispose_browser_context(ctx),
            )
            .await;
        }
    }
}

impl Drop for CdpPage {
    fn drop(&mut self) {
        for l in &self.listeners {
            l.abort();
        }
        // A session dropped without `close` (a timed-out attempt): dispose it in the background.
        let running = self.running.clone();
        match (self.context.take(), tokio::runtime::Handle::try_current()) {
            (Some(ctx), Ok(rt)) => {
                rt.spawn(async move {
                    let _ = running.browser.dispose_browser_context(ctx).await;
                    running.release();
                });
            }
            _ => running.release(),
        }
    }
}

fn element_info(v: &Value) -> ElementInfo {
    let f = |k: &str| {
        v.get("rect")
            .and_then(|r| r.get(k))
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    };
    let b = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    ElementInfo {
        handle: v.get("handle").and_then(Value::as_u64).unwrap_or(0),
        tag: v.get("tag").and_then(Value::as_str).unwrap_or_default().to_owned(),
        visible: b("visible"),
        enabled: b("enabled"),
        editable: b("editable"),
        stable: b("stable"),
        covered_by: v.get("covered_by").and_then(Value::as_str).map(str::to_owned),
        rect: Rect {
            x: f("x"),
            y: f("y"),
            width: f("width"),
            height: f("height"),
        },
        text: v.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
        value: v.get("value").and_then(Value::as_str).map(str::to_owned),
        checked: v.get("checked").and_then(Value::as_bool),
    }
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

pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}
