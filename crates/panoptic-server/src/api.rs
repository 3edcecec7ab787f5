//! The HTTP API (`/api/v1`, described by `openapi.json`) and the routes around it. Every API
//! call needs a key (`Authorization: Bearer pk_…`; the dashboard's session cookie for reads);
//! errors are JSON `{ "error": { "status", "message", "diagnostics"? } }`.

use std::convert::Infallible;
use std::path::{Component, Path};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path as UrlPath, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::Stream;
use panoptic_core::config::{Diagnostic, Lookup, NoLookup, Severity};
use panoptic_executor::SystemLookup;
use panoptic_security::keys::{Caller, Role};
use serde_json::{Value, json};

use crate::app::App;
use crate::runs::{RunRecord, RunState};

/// The OpenAPI 3.1 document of this API.
pub(crate) const OPENAPI: &str = include_str!("openapi.json");

/// An answer that is not a success.
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    diagnostics: Vec<Diagnostic>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            diagnostics: Vec::new(),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "status": self.status.as_u16(), "message": self.message });
        if !self.diagnostics.is_empty() {
            body["diagnostics"] = json!(
                self.diagnostics
                    .iter()
                    .map(|d| json!({
                        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                        "file": d.file.display().to_string(),
                        "line": d.pos.line,
                        "column": d.pos.column,
                        "message": d.message,
                        "hint": d.hint,
                        "text": d.to_string(),
                    }))
                    .collect::<Vec<_>>()
            );
        }
        let mut r = (self.status, axum::Json(json!({ "error": body }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

type ApiResult = Result<Response, ApiError>;

/// The key of a request: its bearer token, or (for reads) the dashboard's session cookie.
pub(crate) async fn caller(
    app: &Arc<App>,
    method: &Method,
    headers: &HeaderMap,
    need: Role,
) -> Result<Caller, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let who = match bearer {
        Some(key) => {
            let (app2, key) = (app.clone(), key.to_owned());
            tokio::task::spawn_blocking(move || app2.keys.check(&key))
                .await
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
                .map_err(|e| {
                    tracing::error!("the key file cannot be read: {e}");
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the server's key file cannot be read",
                    )
                })?
        }
        // Cookies only read: a form on another site cannot make a signed-in browser submit.
        None if method == Method::GET => crate::dashboard::session(app, headers),
        None => None,
    };
    let who = who.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "an API key is needed: `Authorization: Bearer pk_…` (`panoptic keys create`)",
        )
    })?;
    if who.role < need {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "key {} ({}) is a {}; this needs a {} key",
                who.id,
                who.name,
                who.role.as_str(),
                need.as_str()
            ),
        ));
    }
    Ok(who)
}

/// A request by a key of at least the viewer role, with the server's state.
pub(crate) struct Viewer(pub(crate) Arc<App>);

/// A request by a key of at least the runner role, with the server's state.
pub(crate) struct Runner(pub(crate) Arc<App>, pub(crate) Caller);

impl FromRequestParts<Arc<App>> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        caller(app, &parts.method, &parts.headers, Role::Viewer).await?;
        Ok(Viewer(app.clone()))
    }
}

impl FromRequestParts<Arc<App>> for Runner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let who = caller(app, &parts.method, &parts.headers, Role::Runner).await?;
        Ok(Runner(app.clone(), who))
    }
}

/// The routes.
pub(crate) fn router(app: Arc<App>) -> Router {
    let limit = app.opts.body_limit;
    Router::new()
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .route("/pressure", get(crate::health::pressure))
        .route("/metrics", get(crate::health::metrics))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/runs", post(submit).get(list))
        .route("/api/v1/runs/{id}", get(one))
        .route("/api/v1/runs/{id}/cancel", post(cancel))
        .route("/api/v1/runs/{id}/results", get(results))
        .route("/api/v1/runs/{id}/events", get(run_events))
        .route("/api/v1/runs/{id}/artifacts/{*path}", get(artifact))
        .route("/api/v1/events", get(all_events))
        .route("/api/v1/checks", get(checks))
        .merge(crate::dashboard::routes())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such route (see /api/v1/openapi.json)") })
        .layer(DefaultBodyLimit::max(limit))
        .with_state(app)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Holds one place in the queue while a submission is checked; gives it back unless kept.
struct Place<'a>(&'a App, bool);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if !self.1 {
            self.0.waiting.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

async fn submit(Runner(app, who): Runner, body: Result<Bytes, BytesRejection>) -> ApiResult {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the config is over the body limit of {} bytes", app.opts.body_limit),
            )
        } else {
            ApiError::new(e.status(), e.body_text())
        }
    })?;
    if app.waiting.fetch_add(1, Ordering::AcqRel) >= app.opts.queue {
        app.waiting.fetch_sub(1, Ordering::AcqRel);
        app.rejected.fetch_add(1, Ordering::Relaxed);
        app.metrics.server.rejected.inc();
        *app.last_rejected.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("the queue is full ({} runs waiting); try again later", app.opts.queue),
        );
        e.retry_after = Some(5);
        return Err(e);
    }
    let mut place = Place(&app, false);
    let text = String::from_utf8(body.to_vec()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "the body is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let file = Path::new("config.yaml");
    let admin = who.role >= Role::Admin;
    // Variables and secrets of the server's environment are the operator's: a config from a
    // key that is not admin reads none of them.
    let lookup: &dyn Lookup = if admin { &SystemLookup } else { &NoLookup };
    let mut loaded = panoptic_core::config::load_str(&text, file, lookup);
    if !admin {
        // "is not set" would mislead: it may well be set, for the operator only.
        for d in &mut loaded.diagnostics {
            if d.message.ends_with("is not set") {
                d.message.push_str(" for this key");
                d.hint = Some(format!(
                    "a {} key reads none of the server's variables or secrets; write the value into the config, or submit with an admin key",
                    who.role.as_str()
                ));
            }
        }
    }
    let mut status = StatusCode::BAD_REQUEST;
    if !admin && loaded.config.is_some() {
        let whom = format!("a {} key", who.role.as_str());
        if panoptic_security::policy::refuse_privileged(&mut loaded, file, &whom) > 0 {
            status = StatusCode::FORBIDDEN;
        }
    }
    // A check's keys take effect only in `--schedule`: refused here rather than ignored.
    if let Some(c) = &loaded.config {
        let pos = c
            .schedule
            .as_ref()
            .map(|s| s.pos)
            .or_else(|| c.alerts.first().map(|a| a.pos));
        if let Some(pos) = pos {
            loaded.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                file: file.to_path_buf(),
                pos,
                message: "`schedule` and `alerts` take effect only for checks the server loads with `--schedule`"
                    .into(),
                hint: Some(
                    "remove them to run this config once, or put the file in the server's schedule folder".into(),
                ),
            });
            loaded.config = None;
        }
    }
    let Some(mut config) = loaded.config else {
        let errors = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let mut e = ApiError::new(status, format!("{errors} error(s) in the config; nothing was run"));
        e.diagnostics = loaded.diagnostics;
        return Err(e);
    };
    let id = crate::app::new_id();
    let dir = app.runs.dir(&id);
    let write = panoptic_security::fs::create_private_dir(&dir)
        .and_then(|()| panoptic_security::fs::write_private(&dir.join("config.yaml"), text.as_bytes()));
    if let Err(e) = write {
        tracing::error!("cannot keep a submitted run: {e}");
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server cannot store the run",
        ));
    }
    config.source = dir.join("config.yaml");
    let record = RunRecord::queued(
        id.clone(),
        config.name.clone(),
        "api",
        format!("{} ({})", who.id, who.name),
    );
    if let Err(e) = app.runs.put(record.clone()) {
        tracing::error!("cannot keep a submitted run: {e}");
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server cannot store the run",
        ));
    }
    use sha2::Digest;
    let sha = sha2::Sha256::digest(text.as_bytes());
    app.audit(json!({
        "event": "run.submit", "who": who.id, "role": who.role.as_str(), "run": id,
        "config_sha256": panoptic_security::text::hex(&sha),
    }));
    app.enqueue(&record, config);
    place.1 = true;
    let mut r = (StatusCode::ACCEPTED, axum::Json(with_links(&record))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/runs/{id}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

fn with_links(r: &RunRecord) -> Value {
    let mut v = json!(r);
    let id = &r.id;
    v["links"] = json!({
        "self": format!("/api/v1/runs/{id}"),
        "results": format!("/api/v1/runs/{id}/results"),
        "report": format!("/api/v1/runs/{id}/artifacts/report.html"),
        "events": format!("/api/v1/runs/{id}/events"),
    });
    v
}

#[derive(serde::Deserialize)]
struct ListQuery {
    limit: Option<usize>,
}

async fn list(Viewer(app): Viewer, q: Query<ListQuery>) -> ApiResult {
    let runs: Vec<Value> = app
        .runs
        .newest(q.limit.unwrap_or(50).clamp(1, 1000))
        .iter()
        .map(with_links)
        .collect();
    Ok(axum::Json(json!({ "runs": runs })).into_response())
}

fn find(app: &App, id: &str) -> Result<RunRecord, ApiError> {
    app.runs
        .get(id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no run {id}")))
}

async fn one(Viewer(app): Viewer, UrlPath(id): UrlPath<String>) -> ApiResult {
    Ok(axum::Json(with_links(&find(&app, &id)?)).into_response())
}

async fn cancel(Runner(app, who): Runner, UrlPath(id): UrlPath<String>) -> ApiResult {
    let record = find(&app, &id)?;
    if record.status.finished() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("run {id} already ended ({})", record.status.as_str()),
        ));
    }
    let was_queued = {
        let mut q = app.queue.lock().unwrap_or_else(|e| e.into_inner());
        let before = q.len();
        q.retain(|j| j.id != id);
        before != q.len()
    };
    app.audit(json!({ "event": "run.cancel", "who": who.id, "role": who.role.as_str(), "run": id }));
    if was_queued {
        app.waiting.fetch_sub(1, Ordering::AcqRel);
        app.gauges();
        if let Some(r) = app.runs.update(&id, |r| {
            r.status = RunState::Cancelled;
            r.finished_at = Some(crate::now());
        }) {
            app.metrics.server.runs.with_label_values(&["cancelled"]).inc();
            app.publish("run", &id, json!(r));
        }
    } else if let Some(tx) = app.cancels.lock().unwrap_or_else(|e| e.into_inner()).get(&id) {
        let _ = tx.send(true);
    }
    let now = find(&app, &id)?;
    Ok((StatusCode::ACCEPTED, axum::Json(with_links(&now))).into_response())
}

async fn results(Viewer(app): Viewer, UrlPath(id): UrlPath<String>) -> ApiResult {
    let record = find(&app, &id)?;
    let path = app.runs.dir(&id).join("out/results.json");
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response()),
        Err(_) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("run {id} has no results yet ({})", record.status.as_str()),
        )),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "jsonl" => "application/x-ndjson",
        "xml" => "application/xml",
        "md" | "log" | "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "webm" => "video/webm",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

async fn artifact(Viewer(app): Viewer, UrlPath((id, path)): UrlPath<(String, String)>) -> ApiResult {
    find(&app, &id)?;
    let rel = Path::new(&path);
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, format!("run {id} has no artifact {path}"));
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(not_found());
    }
    let root = app.runs.dir(&id).join("out");
    // Resolved links must stay inside the run's output.
    let (Ok(root), Ok(full)) = (root.canonicalize(), root.join(rel).canonicalize()) else {
        return Err(not_found());
    };
    if !full.starts_with(&root) || !full.is_file() {
        return Err(not_found());
    }
    let bytes = tokio::fs::read(&full).await.map_err(|_| not_found())?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type(&full)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}

fn sse(event: &crate::app::Event) -> Result<SseEvent, Infallible> {
    Ok(SseEvent::default()
        .event(event.kind)
        .data(json!({ "run": event.run, "data": event.data }).to_string()))
}

/// Events of the bus that `keep` accepts, until `last` says a stream is done or the server stops.
fn follow(
    app: &Arc<App>,
    rx: tokio::sync::broadcast::Receiver<Arc<crate::app::Event>>,
    first: Vec<crate::app::Event>,
    keep: impl Fn(&crate::app::Event) -> bool + Send + Sync + 'static,
    last: impl Fn(&crate::app::Event) -> bool + Send + Sync + 'static,
) -> impl Stream<Item = Result<SseEvent, Infallible>> + Send + 'static {
    let stop = app.stopping.subscribe();
    let done = first.iter().any(&last);
    let head = futures::stream::iter(first.into_iter().map(|e| sse(&e)).collect::<Vec<_>>());
    let filters = Arc::new((keep, last));
    let tail = futures::stream::unfold((rx, stop, done), move |(mut rx, mut stop, done)| {
        let filters = filters.clone();
        async move {
            let (keep, last) = &*filters;
            if done {
                return None;
            }
            loop {
                let got = tokio::select! {
                    got = rx.recv() => got,
                    _ = stop.wait_for(|s| *s) => return None,
                };
                match got {
                    Ok(e) if keep(&e) => {
                        let end = last(&e);
                        return Some((sse(&e), (rx, stop, end)));
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    futures::StreamExt::chain(head, tail)
}

async fn run_events(Viewer(app): Viewer, UrlPath(id): UrlPath<String>) -> ApiResult {
    // Listening before the record is read: an end between the two is not missed.
    let rx = app.events.subscribe();
    let record = find(&app, &id)?;
    let first = vec![crate::app::Event {
        kind: "run",
        run: id.clone(),
        data: json!(record),
    }];
    let id2 = id.clone();
    let stream = follow(
        &app,
        rx,
        first,
        move |e| e.run == id,
        move |e| {
            e.run == id2
                && e.kind == "run"
                && e.data["status"]
                    .as_str()
                    .is_some_and(|s| !matches!(s, "queued" | "running"))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

async fn checks(Viewer(app): Viewer) -> ApiResult {
    Ok(axum::Json(crate::schedule::describe(&app)).into_response())
}

async fn all_events(Viewer(app): Viewer) -> ApiResult {
    let stream = follow(&app, app.events.subscribe(), Vec::new(), |_| true, |_| false);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}
