//! `http` steps: a request from the test runner beside the browser (an API call to set up or
//! check state), its checks on status, headers and JSON, and the values it keeps for later steps.
//!
//! Boundary decision: the HTTP client (reqwest over rustls with the ring provider) lives only
//! here; the executor hands in an expanded [`HttpStep`], the URL policy as a function and the
//! browser's cookies, and gets back what the server said. Redirects are followed here, hop by
//! hop, so every URL a request reaches passes the same policy as navigation.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use panoptic_core::config::net::{Body, HttpStep, json_pointer};
use panoptic_core::page::Cookie;
use panoptic_core::results::StepError;
use serde_json::Value;

/// Most redirects one step follows.
const MAX_REDIRECTS: usize = 10;

/// Most body bytes kept in the step's output (the checks see all of it).
const OUTPUT_BODY: usize = 64 * 1024;

/// What the server answered, after redirects.
#[derive(Debug)]
pub struct Answer {
    /// The URL that answered.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// Response headers, names lowercase, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// `Set-Cookie` headers of every hop, with the URL that sent them.
    pub set_cookies: Vec<(String, String)>,
    /// From the first byte sent to the last received.
    pub elapsed: Duration,
}

/// The one client (connection pool) every step shares; redirects are not followed by it.
fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            // Another part of the process may have installed a provider already: either will do.
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("panoptic/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("cannot make the HTTP client: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Sends the step's request to `url` (absolute, already allowed), following redirects that
/// `allowed` accepts (it returns the URL to load, or why not), within `timeout`.
pub async fn send(
    step: &HttpStep,
    url: &str,
    cookies: &[Cookie],
    allowed: &(dyn Fn(&str) -> Result<String, String> + Sync),
    timeout: Duration,
) -> Result<Answer, StepError> {
    let started = Instant::now();
    match tokio::time::timeout(timeout, follow(step, url, cookies, allowed)).await {
        Ok(Ok(mut a)) => {
            a.elapsed = started.elapsed();
            Ok(a)
        }
        Ok(Err(e)) => Err(StepError::msg(e)),
        Err(_) => Err(StepError::msg(format!(
            "{} {url} did not answer within {}",
            step.method,
            panoptic_core::duration::format_duration(timeout)
        ))),
    }
}

async fn follow(
    step: &HttpStep,
    url: &str,
    cookies: &[Cookie],
    allowed: &(dyn Fn(&str) -> Result<String, String> + Sync),
) -> Result<Answer, String> {
    let client = client()?;
    let mut method = reqwest::Method::from_bytes(step.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut body = step.body.as_ref().map(body_bytes).transpose()?;
    let mut current = url.to_owned();
    let mut set_cookies = Vec::new();
    for _ in 0..=MAX_REDIRECTS {
        let mut req = client.request(method.clone(), &current);
        for (name, value) in headers(step) {
            req = req.header(name, value);
        }
        if !cookies.is_empty() && same_origin(url, &current) {
            let header: Vec<String> = cookies.iter().map(|c| format!("{}={}", c.name, c.value)).collect();
            req = req.header("cookie", header.join("; "));
        }
        if let Some(b) = &body {
            req = req.body(b.clone());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{method} {current} failed: {}", error_chain(&e)))?;
        let status = resp.status();
        for v in resp.headers().get_all("set-cookie") {
            if let Ok(v) = v.to_str() {
                set_cookies.push((current.clone(), v.to_owned()));
            }
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        if status.is_redirection()
            && let Some(loc) = location
        {
            let next = url::Url::parse(&current)
                .and_then(|b| b.join(&loc))
                .map_err(|e| format!("redirect to `{loc}`: {e}"))?;
            current = allowed(next.as_str()).map_err(|why| format!("redirect to {next} refused: {why}"))?;
            // 303, and 301/302 after a POST, turn into a GET without a body (as browsers do).
            if status == reqwest::StatusCode::SEE_OTHER
                || (method == reqwest::Method::POST && matches!(status.as_u16(), 301 | 302))
            {
                method = reqwest::Method::GET;
                body = None;
            }
            continue;
        }
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the body of {current}: {}", error_chain(&e)))?;
        return Ok(Answer {
            url: current,
            status: status.as_u16(),
            headers,
            body: bytes.to_vec(),
            set_cookies,
            elapsed: Duration::ZERO,
        });
    }
    Err(format!("more than {MAX_REDIRECTS} redirects from {url}"))
}

fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// reqwest's error with its causes ("error sending request: … connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

fn body_bytes(b: &Body) -> Result<Vec<u8>, String> {
    Ok(match b {
        Body::Text(t) => t.clone().into_bytes(),
        Body::Json(v) => serde_json::to_vec(v).map_err(|e| e.to_string())?,
        Body::Bytes(b) => b.clone(),
        Body::File(f) => return Err(format!("body file `{f}` was not read")),
    })
}

/// The step's headers, with a content type for a JSON body unless it gives one.
fn headers(step: &HttpStep) -> Vec<(String, String)> {
    let mut out = step.headers.clone();
    let typed = out.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    match &step.body {
        Some(Body::Json(_)) if !typed => out.push(("content-type".into(), "application/json".into())),
        Some(Body::Text(_)) if !typed => out.push(("content-type".into(), "text/plain; charset=utf-8".into())),
        _ => {}
    }
    out
}

impl Answer {
    /// The body as JSON, when it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// What the step's output shows: status, headers, time and the body (JSON when it is).
    pub fn output(&self) -> Value {
        let body = match self.json() {
            Some(v) if self.body.len() <= OUTPUT_BODY => v,
            _ => {
                let text = String::from_utf8_lossy(&self.body[..self.body.len().min(OUTPUT_BODY)]).into_owned();
                Value::String(text)
            }
        };
        serde_json::json!({
            "url": self.url,
            "status": self.status,
            "headers": self.headers.iter().map(|(n, v)| serde_json::json!([n, v])).collect::<Vec<_>>(),
            "elapsed_ms": self.elapsed.as_millis() as u64,
            "body": body,
        })
    }
}

/// Two JSON values the same for a check: numbers by value (`1` is `1.0`), the rest exactly.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The value at a JSON path of the body.
fn at<'v>(body: &'v Value, path: &str) -> Option<&'v Value> {
    body.pointer(&json_pointer(path)?)
}

fn fail(message: String, expected: String, actual: String) -> StepError {
    StepError {
        message,
        expected: Some(expected),
        actual: Some(actual),
        ..StepError::default()
    }
}

/// Checks the answer against the step's expectations; the first that does not hold fails.
pub fn check(step: &HttpStep, a: &Answer) -> Result<(), StepError> {
    let what = format!("{} {}", step.method, a.url);
    if let Some(want) = step.expect_status
        && u64::from(a.status) != want
    {
        return Err(fail(
            format!("{what}: expected status {want}, got {}", a.status),
            format!("status {want}"),
            format!("status {}", a.status),
        ));
    }
    for (name, want) in &step.expect_headers {
        match a.header(name) {
            Some(v) if v.contains(want.as_str()) => {}
            Some(v) => {
                return Err(fail(
                    format!("{what}: expected header `{name}` containing {want:?}, got {v:?}"),
                    format!("{name} containing {want:?}"),
                    v.to_owned(),
                ));
            }
            None => {
                return Err(fail(
                    format!("{what}: expected header `{name}` containing {want:?}, but the response has no `{name}`"),
                    format!("{name} containing {want:?}"),
                    format!("no {name} header"),
                ));
            }
        }
    }
    if let Some(want) = &step.expect_body {
        let text = String::from_utf8_lossy(&a.body);
        if !text.contains(want.as_str()) {
            let shown: String = text.chars().take(200).collect();
            return Err(fail(
                format!("{what}: expected the body to contain {want:?}"),
                format!("body containing {want:?}"),
                shown,
            ));
        }
    }
    if !step.expect_json.is_empty() {
        let Some(body) = a.json() else {
            return Err(fail(
                format!("{what}: expected a JSON body"),
                "a JSON body".into(),
                String::from_utf8_lossy(&a.body).chars().take(200).collect(),
            ));
        };
        for (path, want) in &step.expect_json {
            match at(&body, path) {
                Some(v) if same(v, want) => {}
                Some(v) => {
                    return Err(fail(
                        format!("{what}: expected {path} to be {want}, got {v}"),
                        format!("{path} = {want}"),
                        v.to_string(),
                    ));
                }
                None => {
                    return Err(fail(
                        format!("{what}: expected {path} to be {want}, but the body has no {path}"),
                        format!("{path} = {want}"),
                        format!("no {path}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The variables the step keeps: each `save_as` name with the text of its value (a string as
/// it is, anything else as JSON).
pub fn saved(step: &HttpStep, a: &Answer) -> Result<Vec<(String, String)>, StepError> {
    if step.save_as.is_empty() {
        return Ok(Vec::new());
    }
    let body = a.json();
    let mut out = Vec::new();
    for (name, path) in &step.save_as {
        let value = match (&body, path.trim()) {
            (_, "$") => match &body {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::from_utf8_lossy(&a.body).into_owned(),
            },
            (Some(b), p) => match at(b, p) {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => {
                    return Err(StepError::msg(format!("`save_as` {}: the body has no {p}", name.0)));
                }
            },
            (None, p) => {
                return Err(StepError::msg(format!(
                    "`save_as` {}: {p} needs a JSON body, the response is not JSON",
                    name.0
                )));
            }
        };
        out.push((name.0.clone(), value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
