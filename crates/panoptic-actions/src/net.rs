//! The page's network as steps see it: `mock` turns a route into the page's [`Mock`], and
//! `assert_requests` counts the page's requests that match.

use panoptic_core::config::net::{Body, MockReply, MockRoute, RequestMatch};
use panoptic_core::page::{Mock, MockAnswer, Page};
use panoptic_core::results::StepError;

use crate::ctx::{Ctx, page_err};

/// Resolves a possibly relative URL against a base as the browser does (WHATWG); an absolute
/// URL, or one with no usable base, is returned as given.
pub fn join_url(base: Option<&str>, url: &str) -> String {
    if url::Url::parse(url).is_ok() {
        return url.to_owned();
    }
    base.and_then(|b| url::Url::parse(b).ok())
        .and_then(|b| b.join(url).ok())
        .map_or_else(|| url.to_owned(), String::from)
}

/// The regular expression of a request match: a glob that does not start with a wildcard is
/// first resolved against the app url (`/api/todos`, as Playwright's `baseURL`).
pub(crate) fn url_regex(m: &RequestMatch, base: Option<&str>) -> Result<regex::Regex, StepError> {
    let resolved = if m.regex || m.url.starts_with('*') {
        m.clone()
    } else {
        RequestMatch {
            url: join_url(base, &m.url),
            ..m.clone()
        }
    };
    regex::Regex::new(&resolved.url_regex())
        .map_err(|e| StepError::msg(format!("invalid URL pattern `{}`: {e}", m.url)))
}

/// The content type of a body file, by its extension.
pub fn file_content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("json") => "application/json",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript",
        Some("css") => "text/css",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// The content type a body of this kind is sent with, unless the step gives one.
fn content_type(body: &Body) -> &'static str {
    match body {
        Body::Json(_) => "application/json",
        Body::Text(_) => "text/plain; charset=utf-8",
        Body::File(name) => file_content_type(name),
        Body::Bytes(_) => "application/octet-stream",
    }
}

/// A body's bytes; a file must have been read by the executor (`Bytes`).
pub fn body_bytes(body: &Body) -> Result<Vec<u8>, StepError> {
    Ok(match body {
        Body::Text(t) => t.clone().into_bytes(),
        Body::Json(v) => serde_json::to_vec(v).map_err(|e| StepError::msg(e.to_string()))?,
        Body::Bytes(b) => b.clone(),
        Body::File(f) => return Err(StepError::msg(format!("body file `{f}` was not read"))),
    })
}

/// The headers of a body: the step's, then a content type unless it gave one.
pub fn body_headers(headers: &[(String, String)], body: Option<&Body>) -> Vec<(String, String)> {
    let mut out = headers.to_vec();
    if let Some(b) = body
        && !out.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        out.push(("content-type".into(), content_type(b).into()));
    }
    out
}

/// Installs a `mock` step's route in the page.
pub(crate) async fn mock(ctx: &mut Ctx<'_>, route: &MockRoute) -> Result<(), StepError> {
    let reply = match &route.reply {
        MockReply::Abort { reason } => MockAnswer::Abort(reason.clone()),
        MockReply::Fulfil { status, headers, body } => MockAnswer::Respond {
            status: u16::try_from(*status).unwrap_or(200),
            headers: body_headers(headers, body.as_ref()),
            body: body.as_ref().map(body_bytes).transpose()?.unwrap_or_default(),
        },
    };
    let mock = Mock {
        url: url_regex(&route.matches, ctx.base_url)?,
        method: route.matches.method.clone(),
        delay: route.delay.map(|d| d.0).unwrap_or_default(),
        reply,
    };
    ctx.page.add_mock(mock).await.map_err(page_err)
}

/// The page's requests that match, as URLs.
pub(crate) fn matching(page: &dyn Page, m: &RequestMatch, re: &regex::Regex) -> Vec<String> {
    page.requests()
        .into_iter()
        .filter(|r| m.method.as_deref().is_none_or(|x| x.eq_ignore_ascii_case(&r.method)) && re.is_match(&r.url))
        .map(|r| format!("{} {}", r.method, r.url))
        .collect()
}
