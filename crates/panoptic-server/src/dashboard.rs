//! The live dashboard at `/`: server-rendered HTML (no script from anywhere else), brought up
//! to date by server-sent events. Signing in takes an API key once and sets a session cookie
//! (HttpOnly, SameSite=Strict) that only reads.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use panoptic_core::session::PoolStats;
use panoptic_security::keys::{Caller, Role};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::runs::{RunRecord, RunState};

const COOKIE: &str = "panoptic_session";
const SESSION_LIFE: Duration = Duration::from_secs(12 * 3600);

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(page))
        .route("/dashboard/fragment", get(fragment))
        .route("/login", post(login))
        .route("/logout", post(logout))
}

/// Who the session cookie belongs to, while it lasts.
pub(crate) fn session(app: &App, headers: &HeaderMap) -> Option<Caller> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))?;
    let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let mut sessions = app.sessions.lock().unwrap_or_else(|e| e.into_inner());
    sessions.retain(|_, (_, until)| *until > Instant::now());
    sessions.get(&digest).map(|(c, _)| c.clone())
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}\
header{display:flex;justify-content:space-between;align-items:center;padding:10px 20px;background:#1d2430;color:#fff}\
main{padding:16px 20px}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border-radius:6px;padding:10px 14px;min-width:150px;box-shadow:0 1px 2px #0002}\
.card b{display:block;font-size:22px}table{border-collapse:collapse;width:100%;background:#fff;margin-top:8px}\
td,th{padding:5px 8px;border-bottom:1px solid #e3e6ea;text-align:left}.passed{color:#17803d}.failed,.error{color:#b42318}\
.cancelled,.interrupted{color:#8a6d00}.queued,.running{color:#1d4ed8}img.shot{max-width:240px;border:1px solid #ccc}\
form.inline{display:inline}svg{background:#fff;border-radius:6px}";

fn frame(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
}

fn login_page(message: Option<&str>) -> Markup {
    frame(
        "panoptic — sign in",
        html! {
            header { strong { "panoptic serve" } }
            main {
                h1 { "Sign in" }
                @if let Some(m) = message { p.error role="alert" { (m) } }
                form method="post" action="/login" {
                    label for="key" { "API key" }
                    " "
                    input #key type="password" name="key" autocomplete="off" size="60";
                    " "
                    button type="submit" { "Sign in" } // tidy: not an action (a form button)
                }
                p { "Make a key with " code { "panoptic keys create --role viewer" } "." }
            }
        },
    )
}

/// Share of the finished runs among `runs` that did not pass (failed or error), in percent.
fn error_rate(runs: &[RunRecord]) -> Option<f64> {
    let done: Vec<_> = runs
        .iter()
        .filter(|r| matches!(r.status, RunState::Passed | RunState::Failed | RunState::Error))
        .collect();
    if done.is_empty() {
        return None;
    }
    let bad = done.iter().filter(|r| r.status != RunState::Passed).count();
    Some(bad as f64 * 100.0 / done.len() as f64)
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}%"))
}

/// One bar per finished run, oldest on the left: green passed, red failed.
fn timeline(runs: &[RunRecord]) -> Markup {
    let done: Vec<_> = runs.iter().rev().filter(|r| r.status.finished()).collect();
    let w = 8;
    html! {
        svg width=(done.len().max(1) * w + 4) height="34" role="img" aria-label="runs over time, oldest first" data-testid="timeline" {
            @for (i, r) in done.iter().enumerate() {
                rect x=(2 + i * w) y="2" width=(w - 2) height="30"
                    fill=(if r.status == RunState::Passed { "#17803d" } else if matches!(r.status, RunState::Failed | RunState::Error) { "#b42318" } else { "#c9a400" }) {
                    title { (r.name) " — " (r.status.as_str()) }
                }
            }
        }
    }
}

fn content(app: &App) -> Markup {
    let runs = app.runs.newest(50);
    let (browsers, tabs, mem) = app
        .pool
        .as_ref()
        .map_or((0, 0, 0), |p| (p.browsers(), p.contexts(), p.memory_kb() / 1024));
    let pressure = crate::health::pressure_value(app);
    let p = &pressure["pressure"];
    let failures: Vec<(&RunRecord, &crate::runs::TestLine)> = runs
        .iter()
        .flat_map(|r| {
            r.tests
                .iter()
                .filter(|t| t.status != "passed" && t.status != "flaky")
                .map(move |t| (r, t))
        })
        .take(8)
        .collect();
    html! {
        div.cards {
            div.card { "Runs" b data-testid="run-count" { (runs.len()) } }
            div.card { "Error rate (last 10)" b data-testid="error-rate-10" { (rate(error_rate(&runs[..runs.len().min(10)]))) } }
            div.card { "Error rate (last 50)" b data-testid="error-rate" { (rate(error_rate(&runs))) } }
            div.card { "Queue" b data-testid="queue" { (p["queued"]) " queued · " (p["running"]) " running" } small { "limit " (p["max_queued"]) } }
            div.card { "Pool" b data-testid="pool" { (browsers) " browser(s) · " (tabs) " tab(s) open" } }
            div.card { "Browser memory" b data-testid="memory" { (mem) " MiB" } small { "budget " (app.opts.memory_budget_mb) " MiB · CPU " (p["cpu"]) "%" } }
            div.card { "Ready" b data-testid="ready" { @if p["is_available"] == true { "yes" } @else { "no" } } small { (p["reason"].as_str().unwrap_or("")) } }
        }
        h2 { "Pass and error rate over time" }
        (timeline(&runs))
        h2 { "Runs" }
        table data-testid="runs" {
            thead { tr { th { "Run" } th { "Name" } th { "Status" } th { "Tests" } th { "By" } th { "Submitted" } th { "Took" } } }
            tbody {
                @for r in &runs {
                    tr data-testid="run-row" {
                        td { a href={ "/api/v1/runs/" (r.id) "/artifacts/report.html" } { (r.id) } }
                        td { (r.name) }
                        td class=(r.status.as_str()) { (r.status.as_str()) }
                        td { (r.totals.passed + r.totals.flaky) " passed, " (r.totals.failed + r.totals.timed_out) " failed" }
                        td { (r.submitted_by) }
                        td { (r.submitted_at) }
                        td { (r.duration_ms) " ms" }
                    }
                }
            }
        }
        @if !app.checks.is_empty() {
            h2 { "Checks and alerts" }
            table data-testid="checks" {
                thead { tr { th { "Check" } th { "Every" } th { "Last run" } th { "Alerts" } } }
                tbody {
                    @for c in crate::schedule::describe(app)["checks"].as_array().into_iter().flatten() {
                        tr data-testid="check-row" {
                            td { (c["name"].as_str().unwrap_or("")) }
                            td { (c["every"].as_str().unwrap_or("")) }
                            td class=(c["last_run"]["status"].as_str().unwrap_or("")) { (c["last_run"]["status"].as_str().unwrap_or("–")) }
                            td {
                                @for a in c["alerts"].as_array().into_iter().flatten() {
                                    span class=(if a["firing"] == true { "failed" } else { "passed" }) data-testid="alert" {
                                        (a["name"].as_str().unwrap_or("")) ": " (if a["firing"] == true { "firing" } else { "ok" })
                                    }
                                    " "
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Recent failures" }
        @if failures.is_empty() { p { "None." } }
        @for (r, t) in &failures {
            div.card data-testid="failure" {
                strong { (r.name) " › " (t.name) } " " span.failed { (t.status) }
                @if let Some(e) = &t.error { p { (e) } }
                @if let Some(s) = &t.screenshot {
                    img.shot src={ "/api/v1/runs/" (r.id) "/artifacts/" (s) } alt={ "screenshot of " (t.name) };
                }
            }
        }
    }
}

const LIVE: &str = "(function(){var main=document.getElementById('live');var t=null;\
function refresh(){if(t)return;t=setTimeout(function(){t=null;fetch('/dashboard/fragment',{credentials:'same-origin'})\
.then(function(r){return r.ok?r.text():null}).then(function(h){if(h!==null){main.innerHTML=h;}});},200);}\
var es=new EventSource('/api/v1/events');es.addEventListener('run',refresh);es.addEventListener('test',refresh);\
setInterval(refresh,5000);})();";

async fn page(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let Some(who) = session(&app, &headers) else {
        return Html(login_page(None).into_string()).into_response();
    };
    let page = frame(
        "panoptic — dashboard",
        html! {
            header {
                strong { "panoptic serve" }
                span { (who.name) " (" (who.role.as_str()) ") "
                    form.inline method="post" action="/logout" { button type="submit" { "Sign out" } } } // tidy: not an action (a form button)
            }
            main #live { (content(&app)) }
            script { (PreEscaped(LIVE)) }
        },
    );
    Html(page.into_string()).into_response()
}

async fn fragment(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match session(&app, &headers) {
        Some(_) => Html(content(&app).into_string()).into_response(),
        None => (StatusCode::UNAUTHORIZED, "sign in again").into_response(),
    }
}

#[derive(serde::Deserialize)]
struct LoginForm {
    key: String,
}

async fn login(State(app): State<Arc<App>>, Form(form): Form<LoginForm>) -> Response {
    let app2 = app.clone();
    let key = form.key.trim().to_owned();
    let who = tokio::task::spawn_blocking(move || app2.keys.check(&key))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    let Some(who) = who.filter(|w| w.role >= Role::Viewer) else {
        return (
            StatusCode::UNAUTHORIZED,
            Html(login_page(Some("That key is not valid.")).into_string()),
        )
            .into_response();
    };
    let mut token = [0u8; 32];
    if getrandom::fill(&mut token).is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness").into_response();
    }
    let token = panoptic_security::text::hex(&token);
    let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    app.sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(digest, (who.clone(), Instant::now() + SESSION_LIFE));
    app.audit(serde_json::json!({ "event": "dashboard.login", "who": who.id, "role": who.role.as_str() }));
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_LIFE.as_secs()
    );
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Some(token) = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).and_then(|v| {
        v.split(';')
            .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
    }) {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        app.sessions.lock().unwrap_or_else(|e| e.into_inner()).remove(&digest);
    }
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("panoptic_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    r
}
