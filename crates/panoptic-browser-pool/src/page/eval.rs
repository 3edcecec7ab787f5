//! Evaluation in the page: `Runtime.evaluate` by value in the main frame's current context, the
//! in-page helper (`injected.js`), scripts of the `eval` action, and the typed mapping of
//! chromiumoxide's errors onto [`PageError`].

use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::page::{CreateIsolatedWorldParams, GetFrameTreeParams};
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, ExecutionContextId};
use chromiumoxide::error::CdpError;
use panoptic_core::page::{ElementInfo, PageError, Rect};
use serde_json::Value;

use super::CdpPage;

const INJECTED: &str = include_str!("../injected.js");
const WATCH: &str = include_str!("../watch.js");
const MISSING: &str = "__panoptic_missing__";

/// A CDP error response that says the page's JavaScript context went away (a navigation).
fn context_gone(message: &str) -> bool {
    message.contains("context") || message.contains("navigated")
}

/// chromiumoxide's error as a page error, by kind: a broken transport or a closed target is
/// `Closed` (the attempt may deserve another browser), anything else `Protocol`.
pub(crate) fn cdp_error(e: CdpError) -> PageError {
    match e {
        CdpError::Ws(_) | CdpError::Io(_) | CdpError::ChannelSendError(_) | CdpError::NoResponse => {
            PageError::Closed(e.to_string())
        }
        CdpError::Chrome(ref c) if c.message.contains("closed") => PageError::Closed(e.to_string()),
        e => PageError::Protocol(e.to_string()),
    }
}

/// `eval`'s script as an async function body (for scripts that `return` a value).
fn as_function_body(script: &str) -> String {
    format!("(async () => {{ {script} \n}})()")
}

impl CdpPage {
    /// `Runtime.evaluate` by value, awaiting promises, in the main frame's current context.
    pub(super) async fn evaluate(&self, expression: String) -> Result<Value, PageError> {
        self.evaluate_in(expression, None).await
    }

    /// A string-valued expression (`location.href`); anything else reads as empty.
    pub(super) async fn evaluate_text(&self, expression: &str) -> Result<String, PageError> {
        Ok(self
            .evaluate(expression.to_owned())
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// panoptic's own JavaScript world in the main frame (`Page.createIsolatedWorld`): it shares
    /// the DOM with the page but not its globals, so a page cannot see, replace or define the
    /// helper first (one that did made a failing assertion pass). Made once per document.
    async fn world(&self) -> Result<ExecutionContextId, PageError> {
        if let Some(id) = *self.world.lock().unwrap_or_else(|e| e.into_inner()) {
            return Ok(id);
        }
        let tree = self
            .page
            .execute(GetFrameTreeParams::default())
            .await
            .map_err(cdp_error)?;
        let mut params = CreateIsolatedWorldParams::new(tree.result.frame_tree.frame.id.clone());
        params.world_name = Some("panoptic".into());
        let id = self
            .page
            .execute(params)
            .await
            .map_err(cdp_error)?
            .result
            .execution_context_id;
        *self.world.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        Ok(id)
    }

    /// Evaluates in panoptic's world; a world that a navigation took away is made again.
    pub(super) async fn evaluate_isolated(&self, expression: String) -> Result<Value, PageError> {
        for _ in 0..3 {
            let world = self.world().await?;
            match self.evaluate_in(expression.clone(), Some(world)).await {
                Err(PageError::Detached) if self.world.lock().unwrap_or_else(|e| e.into_inner()).is_none() => {}
                other => return other,
            }
        }
        Err(PageError::Detached)
    }

    /// `Runtime.evaluate` in `world`, or in the page's own main world.
    async fn evaluate_in(&self, expression: String, world: Option<ExecutionContextId>) -> Result<Value, PageError> {
        let mut params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true)
            .user_gesture(true)
            .build()
            .map_err(PageError::Invalid)?;
        params.context_id = world;
        let resp = self.page.execute(params).await.map_err(|e| match e {
            // The page navigated away between our lookup and the call: its context is gone
            // (and with it our world, which the next call makes again).
            CdpError::Chrome(ref c) if context_gone(&c.message) => {
                let mut main = self.world.lock().unwrap_or_else(|e| e.into_inner());
                if world.is_some() && world == *main {
                    *main = None;
                }
                PageError::Detached
            }
            e => cdp_error(e),
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
            // A locator the page can never match (a malformed selector): fail now, not after
            // the whole auto-wait.
            if let Some((_, why)) = text.split_once("__panoptic_invalid__ ") {
                return Err(PageError::Invalid(why.lines().next().unwrap_or("").to_owned()));
            }
            return Err(PageError::Script(text.lines().next().unwrap_or("").to_owned()));
        }
        Ok(resp.result.result.value.clone().unwrap_or(Value::Null))
    }

    /// Evaluates `expr`, which uses `window.__panoptic`, in panoptic's world `frame` inside a
    /// frame (`None`: the main frame's), installing the helper there first if needed.
    pub(super) async fn helper_in(&self, frame: Option<ExecutionContextId>, expr: &str) -> Result<Value, PageError> {
        let guarded = format!("window.__panoptic ? ({expr}) : '{MISSING}'");
        let v = self.evaluate_world(frame, guarded.clone()).await?;
        if v.as_str() != Some(MISSING) {
            return Ok(v);
        }
        self.evaluate_world(frame, INJECTED.to_owned()).await?;
        self.evaluate_world(frame, guarded).await
    }

    async fn evaluate_world(&self, frame: Option<ExecutionContextId>, expr: String) -> Result<Value, PageError> {
        match frame {
            None => self.evaluate_isolated(expr).await,
            Some(context) => self.evaluate_in(expr, Some(context)).await,
        }
    }

    /// The `eval` action: the script as an expression; a script the engine refuses because
    /// it `return`s at top level runs again as a function body (a syntax error ran nothing).
    pub(super) async fn run_script(&self, script: &str) -> Result<Value, PageError> {
        match self.evaluate(script.to_owned()).await {
            Err(PageError::Script(m)) if m.contains("Illegal return statement") => {
                self.evaluate(as_function_body(script)).await
            }
            other => other,
        }
    }

    /// Whether a document newer than the one marked `marker` has loaded. While the new one is
    /// still loading, the answer waits in the page for its `load` event (at most 200 ms), so
    /// the caller learns of it at once instead of at its next poll. The wait is bounded here
    /// too: a page that broke its own timers or events cannot hold a navigation.
    pub(super) async fn loaded_since(&self, marker: &str) -> Result<Value, PageError> {
        let check = format!(
            "window.__panoptic_nav !== '{marker}' && (document.readyState === 'complete' || new Promise((done) => {{ addEventListener('load', () => done(true), {{ once: true }}); setTimeout(() => done(false), 200); }}))"
        );
        match tokio::time::timeout(Duration::from_millis(400), self.evaluate(check)).await {
            Ok(answer) => answer,
            Err(_) => Ok(Value::Bool(false)),
        }
    }

    /// [`Page::changed_within`](panoptic_core::page::Page::changed_within): the wait runs in
    /// panoptic's world (`watch.js`), and is bounded here too, so a page whose main thread is
    /// stuck cannot hold the poll past `max`.
    pub(super) async fn changed_within(&self, max: Duration) -> bool {
        let ms = max.as_millis();
        let expr = format!("window.__panoptic_watch ? window.__panoptic_watch.wait({ms}) : ({WATCH})({ms})");
        match tokio::time::timeout(max + Duration::from_millis(50), self.evaluate_isolated(expr)).await {
            Ok(Ok(v)) => v.as_bool() == Some(true),
            // The document went away (a navigation): that is a change.
            Ok(Err(PageError::Detached)) => true,
            _ => false,
        }
    }

    /// Waits (up to 30 s) until a navigation started by `marker`'s page has produced a new,
    /// fully loaded document.
    pub(super) async fn settle_after(&self, marker: &str) -> Result<(), PageError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            match self.loaded_since(marker).await {
                Ok(Value::Bool(true)) => return Ok(()),
                // A page that broke what the check uses: the next poll, once it has loaded, decides.
                Ok(_) | Err(PageError::Detached | PageError::Script(_)) => {}
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

pub(super) fn element_info(v: &Value) -> ElementInfo {
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
        fingerprint: v
            .get("fingerprint")
            .filter(|f| f.is_object())
            .and_then(|f| serde_json::from_value(f.clone()).ok()),
    }
}
