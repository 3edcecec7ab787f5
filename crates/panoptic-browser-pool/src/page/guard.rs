//! Request interception in the browser: CDP `Fetch` pauses each navigation (documents, frames
//! included) — or every request, when the [`RequestGuard`] asks or a `mock` is set — before it
//! leaves. The guard judges first: refused requests fail with `BlockedByClient` and are recorded
//! as a page error saying why. Then the latest matching [`Mock`] answers (after its delay) or
//! fails the request; everything else continues untouched. One `Fetch.enable` serves both, so
//! a mock never switches the URL policy off, nor the policy a mock.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams, FulfillRequestParams, HeaderEntry,
    RequestPattern,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType};
use futures::StreamExt;
use panoptic_core::page::{Mock, MockAnswer, PageError, PageEvent, RequestGuard};
use tokio::task::JoinHandle;

use super::eval::cdp_error;
use super::{Shared, lock};

/// What judges and answers the paused requests.
#[derive(Default)]
pub(super) struct Rules {
    guard: Option<Arc<dyn RequestGuard>>,
    mocks: Vec<Mock>,
}

/// The tab's interception: its rules and the task answering paused requests.
pub(super) struct Intercept {
    rules: Arc<Mutex<Rules>>,
    task: JoinHandle<()>,
    /// What `Fetch` was last enabled for: every request (`true`) or only documents.
    enabled: Option<bool>,
}

impl Drop for Intercept {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn rules(m: &Mutex<Rules>) -> std::sync::MutexGuard<'_, Rules> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a change asks of the interception.
pub(super) enum Change {
    /// Judge requests with this policy (replacing any earlier one).
    Guard(Arc<dyn RequestGuard>),
    /// Answer matching requests.
    Mock(Mock),
}

/// Applies `change`, starting the interception on first use and widening what `Fetch` pauses
/// when a mock needs every request.
pub(super) async fn update(
    page: &chromiumoxide::Page,
    shared: &Arc<Mutex<Shared>>,
    slot: &mut Option<Intercept>,
    change: Change,
) -> Result<(), PageError> {
    if slot.is_none() {
        let rules = Arc::new(Mutex::new(Rules::default()));
        let task = start(page, shared.clone(), rules.clone()).await?;
        *slot = Some(Intercept {
            rules,
            task,
            enabled: None,
        });
    }
    let Some(icpt) = slot.as_mut() else {
        return Ok(());
    };
    let all = {
        let mut r = rules(&icpt.rules);
        match change {
            Change::Guard(g) => r.guard = Some(g),
            Change::Mock(m) => r.mocks.push(m),
        }
        !r.mocks.is_empty() || r.guard.as_ref().is_some_and(|g| g.all_requests())
    };
    // Enabled once, and again only when what is paused changes.
    if icpt.enabled != Some(all) {
        let pattern = RequestPattern {
            url_pattern: Some("*".into()),
            resource_type: (!all).then_some(ResourceType::Document),
            request_stage: None,
        };
        let enable = EnableParams {
            patterns: Some(vec![pattern]),
            handle_auth_requests: None,
        };
        page.execute(enable).await.map_err(cdp_error)?;
        icpt.enabled = Some(all);
    }
    Ok(())
}

/// Starts the task that answers each paused request.
async fn start(
    page: &chromiumoxide::Page,
    shared: Arc<Mutex<Shared>>,
    rules_of: Arc<Mutex<Rules>>,
) -> Result<JoinHandle<()>, PageError> {
    let mut paused = page.event_listener::<EventRequestPaused>().await.map_err(cdp_error)?;
    let tab = page.clone();
    Ok(tokio::spawn(async move {
        while let Some(ev) = paused.next().await {
            let navigation = ev.resource_type == ResourceType::Document;
            let url = ev.request.url.clone();
            let (refused, mock) = {
                let r = rules(&rules_of);
                let refused = r.guard.as_ref().and_then(|g| g.refuse(&url, navigation));
                let mock = r
                    .mocks
                    .iter()
                    .rev()
                    .find(|m| m.matches(&ev.request.method, &url))
                    .cloned();
                (refused, mock)
            };
            if refused.is_none()
                && mock.is_some()
                && let Some(id) = &ev.network_id
            {
                super::events::mark_mocked(&shared, id.inner());
            }
            // A mocked cross-origin answer is readable by the page that asked, as Playwright's
            // `fulfill` makes it: the request's origin is allowed unless the mock says otherwise.
            let origin = serde_json::to_value(&ev.request.headers).ok().and_then(|h| {
                h.as_object()?
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("origin"))
                    .and_then(|(_, v)| v.as_str().map(str::to_owned))
            });
            let tab = tab.clone();
            let shared = shared.clone();
            // Answered concurrently: a page's requests are not held up one round trip each.
            tokio::spawn(async move {
                let id = ev.request_id.clone();
                if let Some(why) = refused {
                    let _ = tab
                        .execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
                        .await;
                    lock(&shared).events.push(PageEvent::RequestFailed {
                        url,
                        reason: format!("blocked by panoptic's URL policy: {why}"),
                    });
                    return;
                }
                let Some(mock) = mock else {
                    let _ = tab.execute(ContinueRequestParams::new(id)).await;
                    return;
                };
                if !mock.delay.is_zero() {
                    tokio::time::sleep(mock.delay).await;
                }
                match mock.reply {
                    MockAnswer::Respond {
                        status,
                        mut headers,
                        body,
                    } => {
                        if let Some(o) = origin
                            && !headers
                                .iter()
                                .any(|(n, _)| n.eq_ignore_ascii_case("access-control-allow-origin"))
                        {
                            headers.push(("access-control-allow-origin".into(), o));
                            headers.push(("access-control-allow-credentials".into(), "true".into()));
                        }
                        let mut p = FulfillRequestParams::new(id, i64::from(status));
                        p.response_headers = Some(
                            headers
                                .into_iter()
                                .map(|(name, value)| HeaderEntry { name, value })
                                .collect(),
                        );
                        p.body = Some(BASE64.encode(body).into());
                        let _ = tab.execute(p).await;
                    }
                    MockAnswer::Abort(reason) => {
                        let reason = serde_json::from_value::<ErrorReason>(serde_json::Value::String(reason))
                            .unwrap_or(ErrorReason::Failed);
                        let _ = tab.execute(FailRequestParams::new(id, reason)).await;
                    }
                }
            });
        }
    }))
}
