//! A [`RequestGuard`] in the browser: CDP `Fetch` pauses each navigation (documents, frames
//! included) — or every request, when the guard asks — before it leaves; allowed ones go on,
//! refused ones fail with `BlockedByClient` and are recorded as a page error saying why.

use std::sync::{Arc, Mutex};

use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams, RequestPattern,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType};
use futures::StreamExt;
use panoptic_core::page::{PageError, PageEvent, RequestGuard};
use tokio::task::JoinHandle;

use super::eval::cdp_error;
use super::{Shared, lock};

/// Starts judging the tab's requests; the returned task answers each paused one.
pub(super) async fn install(
    page: &chromiumoxide::Page,
    shared: Arc<Mutex<Shared>>,
    guard: Arc<dyn RequestGuard>,
) -> Result<JoinHandle<()>, PageError> {
    let mut paused = page.event_listener::<EventRequestPaused>().await.map_err(cdp_error)?;
    let pattern = RequestPattern {
        url_pattern: Some("*".into()),
        resource_type: (!guard.all_requests()).then_some(ResourceType::Document),
        request_stage: None,
    };
    let tab = page.clone();
    let task = tokio::spawn(async move {
        while let Some(ev) = paused.next().await {
            let navigation = ev.resource_type == ResourceType::Document;
            let url = ev.request.url.clone();
            let refused = guard.refuse(&url, navigation);
            let tab = tab.clone();
            let shared = shared.clone();
            // Answered concurrently: a page's requests are not held up one round trip each.
            tokio::spawn(async move {
                match refused {
                    None => {
                        let _ = tab.execute(ContinueRequestParams::new(ev.request_id.clone())).await;
                    }
                    Some(why) => {
                        let _ = tab
                            .execute(FailRequestParams::new(
                                ev.request_id.clone(),
                                ErrorReason::BlockedByClient,
                            ))
                            .await;
                        lock(&shared).events.push(PageEvent::RequestFailed {
                            url,
                            reason: format!("blocked by panoptic's URL policy: {why}"),
                        });
                    }
                }
            });
        }
    });
    let enable = EnableParams {
        patterns: Some(vec![pattern]),
        handle_auth_requests: None,
    };
    if let Err(e) = page.execute(enable).await {
        task.abort();
        return Err(cdp_error(e));
    }
    Ok(task)
}
