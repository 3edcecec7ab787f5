//! The tab's events — console, exceptions, requests and responses, failed loads, dialogs, the
//! browser's security reports —
//! merged into one stream and gathered by one task as typed [`PageEvent`]s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntrySource};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
};
use chromiumoxide::cdp::browser_protocol::page::{EventJavascriptDialogOpening, HandleJavaScriptDialogParams};
use chromiumoxide::cdp::js_protocol::runtime::{EventConsoleApiCalled, EventExceptionThrown, RemoteObject};
use futures::StreamExt;
use futures::stream::{BoxStream, select_all};
use panoptic_core::page::{PageError, PageEvent};
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
                    if lock(&shared).inflight.remove(e.request_id.inner()).is_none() {
                        remember(&mut early, e.request_id.inner(), None);
                    }
                    continue;
                }
                Event::Failed(e) => {
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
