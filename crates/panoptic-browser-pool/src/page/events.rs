//! The tab's events — console, exceptions, requests and responses, failed loads, dialogs, the
//! browser's security reports —
//! merged into one stream and gathered by one task as typed [`PageEvent`]s.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntrySource};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
};
use chromiumoxide::cdp::browser_protocol::page::{EventJavascriptDialogOpening, HandleJavaScriptDialogParams};
use chromiumoxide::cdp::js_protocol::runtime::{EventConsoleApiCalled, EventExceptionThrown, RemoteObject};
use futures::StreamExt;
use futures::stream::{BoxStream, select_all};
use panoptic_core::page::{MAX_REQUESTS, PageError, PageEvent, RequestRecord};
use serde_json::Value;
use tokio::task::JoinHandle;

use super::eval::cdp_error;
use super::{Shared, lock};

/// One event of any kind the tab listens to.
enum Event {
    Console(Arc<EventConsoleApiCalled>),
    Exception(Arc<EventExceptionThrown>),
    Sent(Arc<EventRequestWillBeSent>),
    Finished(Arc<EventLoadingFinished>),
    Failed(Arc<EventLoadingFailed>),
    Response(Arc<EventResponseReceived>),
    Dialog(Arc<EventJavascriptDialogOpening>),
    Log(Arc<EventEntryAdded>),
}

fn remote_text(o: &RemoteObject) -> String {
    match &o.value {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => o.description.clone().unwrap_or_else(|| format!("{:?}", o.r#type)),
    }
}

/// A protocol enum's wire name (`error`, `alert`).
fn wire_name(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The tab's requests, as `requests()` and `assert_requests` see them: the latest
/// [`MAX_REQUESTS`], each completed by its response and its end as they arrive.
#[derive(Default)]
pub(super) struct NetworkLog {
    pub(super) records: VecDeque<RequestRecord>,
    /// Records dropped from the front so far.
    dropped: usize,
    /// Requests by id → absolute index of its record and its monotonic start (seconds); kept
    /// after their end, as a response may be handled after it.
    open: HashMap<String, (usize, f64)>,
    /// Requests a mock answered before their record was made.
    mocked: HashSet<String>,
    /// Responses and ends that arrived before their request (the event kinds come on separate
    /// streams, so their order across kinds is not kept): status, and end time with failure.
    early: HashMap<String, Early>,
}

/// A request's status and end (monotonic time, failure) seen before the request itself.
type Early = (Option<u16>, Option<(f64, Option<String>)>);

impl NetworkLog {
    fn record(&mut self, id: &str) -> Option<&mut RequestRecord> {
        let (at, _) = *self.open.get(id)?;
        self.records.get_mut(at.checked_sub(self.dropped)?)
    }

    fn sent(&mut self, id: &str, e: &EventRequestWillBeSent) {
        if self.records.len() >= MAX_REQUESTS {
            self.records.pop_front();
            self.dropped += 1;
        }
        if self.open.len() >= MAX_REQUESTS {
            self.open.clear();
        }
        let at = self.dropped + self.records.len();
        let (status, end) = self.early.remove(id).unwrap_or_default();
        self.records.push_back(RequestRecord {
            method: e.request.method.clone(),
            url: e.request.url.clone(),
            resource_type: e.r#type.as_ref().map(wire_name).unwrap_or_default(),
            started_ms: *e.wall_time.inner() * 1000.0,
            mocked: self.mocked.remove(id),
            status,
            ..RequestRecord::default()
        });
        self.open.insert(id.to_owned(), (at, *e.timestamp.inner()));
        if let Some((when, failure)) = end {
            self.ended(id, when, failure);
        }
    }

    /// Keeps what came before its request, bounded (a request may never come).
    fn early(&mut self, id: &str) -> &mut Early {
        if self.early.len() >= MAX_REQUESTS {
            self.early.clear();
        }
        self.early.entry(id.to_owned()).or_default()
    }

    fn responded(&mut self, id: &str, status: Option<u16>) {
        match self.record(id) {
            Some(r) => r.status = status,
            None => self.early(id).0 = status,
        }
    }

    fn ended(&mut self, id: &str, at: f64, failure: Option<String>) {
        let Some(&(_, start)) = self.open.get(id) else {
            self.early(id).1 = Some((at, failure));
            return;
        };
        if let Some(r) = self.record(id) {
            r.duration_ms = Some(((at - start) * 1000.0).max(0.0));
            r.failure = failure;
        }
        // Kept (bounded): its response may still come, on another stream.
    }
}

/// Marks a request as answered by a mock (its record may not exist yet).
pub(super) fn mark_mocked(shared: &Mutex<Shared>, id: &str) {
    let net = &mut lock(shared).network;
    match net.record(id) {
        Some(r) => r.mocked = true,
        None => {
            if net.mocked.len() >= MAX_REQUESTS {
                net.mocked.clear();
            }
            net.mocked.insert(id.to_owned());
        }
    }
}

/// Notes a request's end that came before its start; bounded (a start may never come).
fn remember(early: &mut HashMap<String, Option<String>>, id: &str, failure: Option<String>) {
    if early.len() >= 10_000 {
        early.clear();
    }
    early.insert(id.to_owned(), failure);
}

/// Subscribes to every event kind, then gathers them in one task until the tab goes away.
pub(super) async fn listen(
    page: &chromiumoxide::Page,
    shared: Arc<Mutex<Shared>>,
) -> Result<JoinHandle<()>, PageError> {
    let streams: Vec<BoxStream<'static, Event>> = vec![
        page.event_listener::<EventConsoleApiCalled>()
            .await
            .map_err(cdp_error)?
            .map(Event::Console)
            .boxed(),
        page.event_listener::<EventExceptionThrown>()
            .await
            .map_err(cdp_error)?
            .map(Event::Exception)
            .boxed(),
        page.event_listener::<EventRequestWillBeSent>()
            .await
            .map_err(cdp_error)?
            .map(Event::Sent)
            .boxed(),
        page.event_listener::<EventLoadingFinished>()
            .await
            .map_err(cdp_error)?
            .map(Event::Finished)
            .boxed(),
        page.event_listener::<EventLoadingFailed>()
            .await
            .map_err(cdp_error)?
            .map(Event::Failed)
            .boxed(),
        page.event_listener::<EventResponseReceived>()
            .await
            .map_err(cdp_error)?
            .map(Event::Response)
            .boxed(),
        page.event_listener::<EventJavascriptDialogOpening>()
            .await
            .map_err(cdp_error)?
            .map(Event::Dialog)
            .boxed(),
        // chromiumoxide enables the `Log` domain for every page.
        page.event_listener::<EventEntryAdded>()
            .await
            .map_err(cdp_error)?
            .map(Event::Log)
            .boxed(),
    ];
    let page = page.clone();
    let mut events = select_all(streams);
    // Requests whose end arrived before their start: `Some(reason)` for a failure to report.
    let mut early: HashMap<String, Option<String>> = HashMap::new();
    Ok(tokio::spawn(async move {
        while let Some(e) = events.next().await {
            let event = match e {
                Event::Console(e) => PageEvent::Console {
                    level: wire_name(&e.r#type),
                    text: e.args.iter().map(remote_text).collect::<Vec<_>>().join(" "),
                },
                Event::Exception(e) => {
                    let d = &e.exception_details;
                    let text = d
                        .exception
                        .as_ref()
                        .and_then(|o| o.description.clone())
                        .unwrap_or_else(|| d.text.clone());
                    PageEvent::Exception {
                        text: text.lines().next().unwrap_or("").to_owned(),
                    }
                }
                Event::Sent(e) => {
                    let id = e.request_id.inner();
                    lock(&shared).network.sent(id, &e);
                    match early.remove(id) {
                        // Its end came first (the event kinds arrive on separate streams).
                        Some(Some(reason)) => PageEvent::RequestFailed {
                            url: e.request.url.clone(),
                            reason,
                        },
                        Some(None) => continue,
                        None => {
                            lock(&shared).inflight.insert(id.clone(), e.request.url.clone());
                            continue;
                        }
                    }
                }
                Event::Finished(e) => {
                    lock(&shared)
                        .network
                        .ended(e.request_id.inner(), *e.timestamp.inner(), None);
                    if lock(&shared).inflight.remove(e.request_id.inner()).is_none() {
                        remember(&mut early, e.request_id.inner(), None);
                    }
                    continue;
                }
                Event::Failed(e) => {
                    lock(&shared)
                        .network
                        .ended(e.request_id.inner(), *e.timestamp.inner(), Some(e.error_text.clone()));
                    // Blocked by the guard, which recorded why.
                    let report = !(e.canceled == Some(true) || e.error_text.starts_with("net::ERR_BLOCKED_BY_CLIENT"));
                    // A request the browser itself refused (CSP, mixed content) has no network
                    // error text: say who blocked it.
                    let reason = match &e.blocked_reason {
                        Some(why) if e.error_text.is_empty() => format!("blocked by the browser ({})", wire_name(why)),
                        _ => e.error_text.clone(),
                    };
                    let Some(url) = lock(&shared).inflight.remove(e.request_id.inner()) else {
                        remember(&mut early, e.request_id.inner(), report.then_some(reason));
                        continue;
                    };
                    if !report {
                        continue;
                    }
                    PageEvent::RequestFailed { url, reason }
                }
                Event::Response(e) => {
                    lock(&shared)
                        .network
                        .responded(e.request_id.inner(), u16::try_from(e.response.status).ok());
                    // Chromium asks for /favicon.ico on its own; a missing one is not the page's error.
                    if e.response.url.ends_with("/favicon.ico") {
                        continue;
                    }
                    PageEvent::Response {
                        url: e.response.url.clone(),
                        status: u16::try_from(e.response.status).unwrap_or(0),
                    }
                }
                // Only the browser's security reports (CSP, mixed content): its network and
                // console entries repeat what the other events say.
                Event::Log(e) if e.entry.source == LogEntrySource::Security => PageEvent::Security {
                    text: e.entry.text.clone(),
                },
                Event::Log(_) => continue,
                Event::Dialog(e) => {
                    let policy = std::mem::take(&mut lock(&shared).dialog);
                    let mut params = HandleJavaScriptDialogParams::new(policy.accept);
                    params.prompt_text = policy.prompt_text.clone();
                    let _ = page.execute(params).await;
                    PageEvent::Dialog {
                        kind: wire_name(&e.r#type),
                        message: e.message.clone(),
                        accepted: policy.accept,
                    }
                }
            };
            lock(&shared).events.push(event);
        }
    }))
}
