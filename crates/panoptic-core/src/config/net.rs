//! The payloads of the network actions — `http` requests beside UI steps, `mock` responses,
//! `assert_requests` counts — and the URL patterns they match requests with.

use serde_json::Value;

use super::strings::{MapStrings, VarName};
use crate::duration::DurationValue;

/// A request body.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// Text as given (`body`).
    Text(String),
    /// A JSON document (`json`), sent with `Content-Type: application/json`.
    Json(Value),
    /// A file under the config's folder (`body_file`); the executor reads it into `Bytes`
    /// (with the file's content type) before the step runs.
    File(String),
    /// Bytes read from a `File`.
    Bytes(Vec<u8>),
}

impl MapStrings for Body {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(match self {
            Body::Text(s) => Body::Text(f(s)?),
            Body::Json(v) => Body::Json(v.map_strings(f)?),
            Body::File(p) => Body::File(f(p)?),
            Body::Bytes(b) => Body::Bytes(b.clone()),
        })
    }
}

/// An `http` step: one request from the test runner, its checks and the values it keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpStep {
    /// `GET`, `POST`, …
    pub method: String,
    /// Absolute, or relative to the app url.
    pub url: String,
    /// Request headers, in order.
    pub headers: Vec<(String, String)>,
    /// Request body.
    pub body: Option<Body>,
    /// Send the browser context's cookies for the URL, and keep the cookies the response sets.
    pub use_browser_cookies: bool,
    /// The status the response must have.
    pub expect_status: Option<u64>,
    /// Response headers that must contain these texts (names case-insensitive).
    pub expect_headers: Vec<(String, String)>,
    /// JSON paths of the response body and the values they must hold.
    pub expect_json: Vec<(String, Value)>,
    /// A text the response body must contain.
    pub expect_body: Option<String>,
    /// Variables to keep: name and the JSON path of the value (`$` for the whole body).
    pub save_as: Vec<(VarName, String)>,
}

impl MapStrings for HttpStep {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(HttpStep {
            method: self.method.clone(),
            url: f(&self.url)?,
            headers: self.headers.map_strings(f)?,
            body: self.body.map_strings(f)?,
            use_browser_cookies: self.use_browser_cookies,
            expect_status: self.expect_status,
            expect_headers: self.expect_headers.map_strings(f)?,
            expect_json: self
                .expect_json
                .iter()
                .map(|(p, v)| Ok((p.clone(), v.map_strings(f)?)))
                .collect::<Result<_, String>>()?,
            expect_body: self.expect_body.map_strings(f)?,
            save_as: self.save_as.clone(),
        })
    }
}

/// Which requests a `mock` or `assert_requests` step means.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestMatch {
    /// A glob over the whole URL (`**/api/*`), or a URL relative to the app url; or, with
    /// `regex`, a regular expression searched in the URL.
    pub url: String,
    /// `url` is a regular expression.
    pub regex: bool,
    /// Only this method (`GET`, …); any when absent.
    pub method: Option<String>,
}

impl MapStrings for RequestMatch {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(RequestMatch {
            url: f(&self.url)?,
            regex: self.regex,
            method: self.method.clone(),
        })
    }
}

impl RequestMatch {
    /// The regular expression a request's URL must match: a glob becomes an anchored pattern
    /// where `**` is any text, `*` any text without `/`, `{a,b}` either; every other character
    /// stands for itself (`?` too: URLs have query strings).
    pub fn url_regex(&self) -> String {
        if self.regex {
            return self.url.clone();
        }
        glob_regex(&self.url)
    }
}

/// The anchored regular expression of a URL glob (see [`RequestMatch::url_regex`]).
pub fn glob_regex(glob: &str) -> String {
    let mut out = String::from("^");
    let mut chars = glob.chars().peekable();
    let mut in_group = false;
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str(".*");
            }
            '*' => out.push_str("[^/]*"),
            '{' if !in_group => {
                in_group = true;
                out.push_str("(?:");
            }
            '}' if in_group => {
                in_group = false;
                out.push(')');
            }
            ',' if in_group => out.push('|'),
            c => out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    if in_group {
        out.push(')');
    }
    out.push('$');
    out
}

/// What a `mock` step answers.
#[derive(Clone, Debug, PartialEq)]
pub enum MockReply {
    /// A response.
    Fulfil {
        /// HTTP status.
        status: u64,
        /// Response headers.
        headers: Vec<(String, String)>,
        /// Response body.
        body: Option<Body>,
    },
    /// A network error (Chromium's reason name, e.g. `Failed`, `ConnectionRefused`).
    Abort {
        /// The reason.
        reason: String,
    },
}

impl MapStrings for MockReply {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(match self {
            MockReply::Fulfil { status, headers, body } => MockReply::Fulfil {
                status: *status,
                headers: headers.map_strings(f)?,
                body: body.map_strings(f)?,
            },
            MockReply::Abort { reason } => MockReply::Abort { reason: reason.clone() },
        })
    }
}

/// A `mock` step: from now on, requests that match are answered by panoptic.
#[derive(Clone, Debug, PartialEq)]
pub struct MockRoute {
    /// Which requests.
    pub matches: RequestMatch,
    /// The answer.
    pub reply: MockReply,
    /// How long to hold each answer.
    pub delay: Option<DurationValue>,
}

impl MapStrings for MockRoute {
    fn map_strings(&self, f: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        Ok(MockRoute {
            matches: self.matches.map_strings(f)?,
            reply: self.reply.map_strings(f)?,
            delay: self.delay,
        })
    }
}

/// Chromium's network error names a `mock` may abort with (CDP `Network.ErrorReason`).
pub const ABORT_REASONS: &[&str] = &[
    "Failed",
    "Aborted",
    "TimedOut",
    "AccessDenied",
    "ConnectionClosed",
    "ConnectionReset",
    "ConnectionRefused",
    "ConnectionAborted",
    "ConnectionFailed",
    "NameNotResolved",
    "InternetDisconnected",
    "AddressUnreachable",
    "BlockedByClient",
    "BlockedByResponse",
];

/// The HTTP methods a step may name.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Reads a JSON path (`$`, `$.a.b`, `$.items[0].id`, `$['odd key']`) into a JSON pointer;
/// `None` when it is not one.
pub fn json_pointer(path: &str) -> Option<String> {
    let rest = path.trim().strip_prefix('$')?;
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    let push = |out: &mut String, key: &str| {
        out.push('/');
        out.push_str(&key.replace('~', "~0").replace('/', "~1"));
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut key = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    key.push(n);
                    chars.next();
                }
                if key.is_empty() {
                    return None;
                }
                push(&mut out, &key);
            }
            '[' => {
                let mut inner = String::new();
                let mut quote = None;
                loop {
                    let n = chars.next()?;
                    match (quote, n) {
                        (None, '\'' | '"') if inner.is_empty() => quote = Some(n),
                        (Some(q), n) if n == q => {
                            if chars.next()? != ']' {
                                return None;
                            }
                            break;
                        }
                        (None, ']') => {
                            inner.parse::<usize>().ok()?;
                            break;
                        }
                        _ => inner.push(n),
                    }
                }
                push(&mut out, &inner);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
