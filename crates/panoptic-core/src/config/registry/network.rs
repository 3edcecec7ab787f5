//! The network: `http` requests beside UI steps, `mock` responses, `assert_requests` counts.

use crate::config::action::ActionKind;
use crate::config::net::{ABORT_REASONS, Body, HttpStep, METHODS, MockReply, MockRoute, RequestMatch, json_pointer};
use crate::config::read::{self, Field, Kind};
use crate::config::step::{ActionSpec, Args, Limit, Need, Runner};
use crate::config::strings::VarName;

const URL: Field = Field::new(
    "url",
    Kind::Text,
    "A glob over the whole URL (`**/api/*`: `**` any text, `*` any text without `/`), or a URL relative to the app url",
);
const URL_REGEX: Field = Field::new("url_regex", Kind::Text, "A regular expression searched in the URL");
const METHOD: Field = Field::new("method", Kind::Choice(METHODS), "Only requests with this method");
const ONE_URL: Need = Need::One(&["url", "url_regex"]);
const BODY: Field = Field::new("body", Kind::Text, "Body text");
const JSON: Field = Field::new(
    "json",
    Kind::Json,
    "Body as JSON (any YAML value), with `Content-Type: application/json`",
);
const HEADERS: Field = Field::new("headers", Kind::TextMap, "Headers: name → value");
const ONE_BODY: Need = Need::AtMostOne(&["body", "json", "body_file"]);

const BODY_FILE: Field = Field::new("body_file", Kind::Text, "Body from a file in the config's folder");

const HTTP_KEYS: &[Field] = &[
    Field::new("method", Kind::Choice(METHODS), "HTTP method (default `GET`)"),
    Field::new("url", Kind::Text, "Absolute, or relative to the app url"),
    HEADERS,
    BODY,
    JSON,
    BODY_FILE,
    Field::new(
        "use_browser_cookies",
        Kind::Bool,
        "Send the test's browser cookies for the URL and keep the cookies the response sets",
    ),
    Field::new(
        "expect_status",
        Kind::Int { min: 100, max: 599 },
        "The status the response must have",
    ),
    Field::new(
        "expect_headers",
        Kind::TextMap,
        "Response headers that must contain these texts (names case-insensitive)",
    ),
    Field::new(
        "expect_json",
        Kind::Json,
        "JSON paths of the body (`$.items[0].id`) and the values they must equal",
    ),
    Field::new("expect_body", Kind::Text, "A text the response body must contain"),
    Field::new(
        "save_as",
        Kind::TextMap,
        "Variables to keep for later steps: name → JSON path of the body (`$` the whole body)",
    ),
];

const MOCK_KEYS: &[Field] = &[
    URL,
    URL_REGEX,
    METHOD,
    Field::new(
        "status",
        Kind::Int { min: 100, max: 599 },
        "Response status (default 200)",
    ),
    HEADERS,
    BODY,
    JSON,
    BODY_FILE,
    Field::new("delay", Kind::Duration, "How long to hold each response"),
    Field::new(
        "abort",
        Kind::Choice(ABORT_REASONS),
        "Fail the request with this network error instead of answering",
    ),
];

/// The `mock` entry: a `mocks:` list holds these steps without their `type`.
pub(super) fn mock() -> &'static ActionSpec {
    &SPECS[1]
}

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec::new(
        "http",
        "An HTTP request from the test (not the page), with checks on status, headers and JSON; `save_as` keeps values",
        Limit::Navigation,
        "{ type: http, url: /api/health, expect_status: 200 }",
        decode_http,
    )
    .keys(HTTP_KEYS, &[Need::One(&["url"]), ONE_BODY])
    .run_by(Runner::Http),
    ActionSpec::new(
        "mock",
        "From now on, answer the page's requests that match (frames included) with this response or network error",
        Limit::Action,
        "{ type: mock, url: '**/api/todos', json: [] }",
        decode_mock,
    )
    .keys(MOCK_KEYS, &[ONE_URL, ONE_BODY]),
    ActionSpec::new(
        "assert_requests",
        "The page sent exactly `count` requests that match, since the test began (mocked ones included)",
        Limit::Expect,
        "{ type: assert_requests, url: '**/api/todos', count: 1 }",
        |a| {
            let matches = request_match(a)?;
            let count = a.int(&["count"]);
            let Some(count) = count else {
                a.missing("`assert_requests` needs a `count`".into(), Some("e.g. `count: 1`"));
                return None;
            };
            Some(ActionKind::AssertRequests {
                matches,
                count: count.unsigned_abs(),
            })
        },
    )
    .keys(
        &[
            URL,
            URL_REGEX,
            METHOD,
            Field::new("count", Kind::Int { min: 0, max: 1_000_000 }, "How many requests"),
        ],
        &[ONE_URL, Need::One(&["count"])],
    ),
];

/// `url` (a glob) or `url_regex`, checked, and `method`.
fn request_match(a: &mut Args<'_, '_, '_>) -> Option<RequestMatch> {
    let t = a.type_name();
    if a.has("url") && a.has("url_regex") {
        a.missing(format!("`{t}` takes `url` or `url_regex`, not both"), None);
    }
    let method = a.choice("method");
    if let Some(node) = a.node("url_regex") {
        let re = read::string(a.cx, node, "url_regex")?;
        if !re.contains("${")
            && let Err(e) = regex::Regex::new(&re)
        {
            a.error_at(
                node.pos,
                format!(
                    "`url_regex`: invalid regular expression: {}",
                    e.to_string().lines().last().unwrap_or("")
                ),
                None,
            );
            return None;
        }
        return Some(RequestMatch {
            url: re,
            regex: true,
            method,
        });
    }
    let Some(url) = a.text(&["url"]) else {
        a.missing(
            format!("`{t}` needs `url` (a glob) or `url_regex`"),
            Some("e.g. `url: \"**/api/todos\"`"),
        );
        return None;
    };
    Some(RequestMatch {
        url,
        regex: false,
        method,
    })
}

/// `body`, `json` or (where declared) `body_file`.
fn body(a: &mut Args<'_, '_, '_>) -> Option<Body> {
    if let Some(t) = a.text(&["body"]) {
        return Some(Body::Text(t));
    }
    if a.has("json") {
        return a.json("json").map(Body::Json);
    }
    if a.spec.field("body_file").is_some()
        && let Some(node) = a.node("body_file")
    {
        let f = read::string(a.cx, node, "body_file")?;
        if std::path::Path::new(&f).is_absolute() {
            a.error_at(
                node.pos,
                format!("`body_file`: `{f}` is absolute"),
                Some("body files are read from the config's folder: give a relative path"),
            );
        }
        return Some(Body::File(f));
    }
    None
}

fn decode_mock(a: &mut Args<'_, '_, '_>) -> Option<ActionKind> {
    let matches = request_match(a);
    let delay = a.duration(&["delay"]);
    let abort = a.choice("abort");
    let status = a.int(&["status"]).map(i64::unsigned_abs);
    let headers = a.pairs("headers").unwrap_or_default();
    let body = body(a);
    let reply = match abort {
        Some(reason) => {
            if status.is_some() || body.is_some() || !headers.is_empty() {
                a.missing(
                    "`mock` with `abort` fails the request: it takes no `status`, `headers` or body".into(),
                    None,
                );
            }
            MockReply::Abort { reason }
        }
        None => MockReply::Fulfil {
            status: status.unwrap_or(200),
            headers,
            body,
        },
    };
    Some(ActionKind::Mock {
        route: Box::new(MockRoute {
            matches: matches?,
            reply,
            delay,
        }),
    })
}

fn decode_http(a: &mut Args<'_, '_, '_>) -> Option<ActionKind> {
    let url = a.required(&["url"]);
    let method = a.choice("method").unwrap_or_else(|| "GET".into());
    let headers = a.pairs("headers").unwrap_or_default();
    let body = body(a);
    let use_browser_cookies = a.flag("use_browser_cookies").unwrap_or(false);
    let expect_status = a.int(&["expect_status"]).map(i64::unsigned_abs);
    let expect_headers = a.pairs("expect_headers").unwrap_or_default();
    let expect_body = a.text(&["expect_body"]);
    let mut expect_json = Vec::new();
    if let Some(node) = a.node("expect_json") {
        match read::json(node) {
            serde_json::Value::Object(m) => {
                for (path, want) in m {
                    if json_pointer(&path).is_none() {
                        a.error_at(
                            node.pos,
                            format!("`expect_json`: `{path}` is not a JSON path"),
                            Some("paths start at `$`: `$.user.name`, `$.items[0]`, `$['odd key']`"),
                        );
                    }
                    expect_json.push((path, want));
                }
            }
            _ => a.error_at(
                node.pos,
                "`expect_json`: expected a mapping of JSON paths to values".into(),
                Some("e.g. `expect_json: { \"$.name\": alice }`"),
            ),
        }
    }
    let mut save_as = Vec::new();
    let save_node = a.node("save_as");
    if let Some(node) = save_node {
        if !matches!(node.value, crate::yaml::Value::Map(_)) {
            a.error_at(
                node.pos,
                format!(
                    "`save_as` of `http` maps variable names to JSON paths, found {}",
                    node.value.kind()
                ),
                Some("e.g. `save_as: { token: $.token }`, then `${token}` in later steps"),
            );
            return None;
        }
        let pairs = read::text_map(a.cx, node, "save_as")?;
        for (name, path) in pairs {
            if json_pointer(&path).is_none() {
                a.error_at(
                    node.pos,
                    format!("`save_as`: `{path}` (for `{name}`) is not a JSON path"),
                    Some("paths start at `$`: `$` is the whole body, `$.token` one value"),
                );
            }
            save_as.push((VarName(name), path));
        }
    }
    Some(ActionKind::Http {
        request: Box::new(HttpStep {
            method,
            url: url?,
            headers,
            body,
            use_browser_cookies,
            expect_status,
            expect_headers,
            expect_json,
            expect_body,
            save_as,
        }),
    })
}
