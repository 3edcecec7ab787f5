//! A static file server on 127.0.0.1:0 for end-to-end tests and `cargo xtask demo`
//! (shared by path so both serve pages the same way). `/__delay/<ms>` answers after a pause,
//! `/__status/<code>` with that status (and a short body);
//! `/api/…` is a small JSON API (see `api` below);
//! `/__flaky/<key>` serves a page that says `first` on its first visit and `again` afterwards;
//! `/__hit/<key>` counts a request and `/__hits/<key>` answers how many there were.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running server; stops when dropped.
pub(crate) struct StaticServer {
    server: Arc<tiny_http::Server>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// `http://127.0.0.1:<port>`.
    pub(crate) url: String,
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

const FLAKY_PAGE: &str = "<!doctype html><title>Flaky</title><p id=state>STATE</p><p id=cookie></p>\
<script>document.getElementById('cookie').textContent = 'cookie:' + (document.cookie || 'none'); document.cookie = 'dirty=1';</script>";

/// A small JSON API under `/api/` for `http` and `mock` tests. `/api/todos` says `real`:
/// a page that shows anything else got it from a mock.
fn api(path: &str, mut req: tiny_http::Request) {
    let json = |v: serde_json::Value| {
        let header = tiny_http::Header::from_bytes("Content-Type", "application/json").expect("static header");
        tiny_http::Response::from_string(v.to_string()).with_header(header)
    };
    let header_of = |req: &tiny_http::Request, name: &'static str| {
        req.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_owned())
            .unwrap_or_default()
    };
    let r = match path {
        "user" => json(serde_json::json!({ "name": "alice", "token": "t-1", "n": 3, "tags": ["a", "b"] })),
        "echo" => {
            let mut body = String::new();
            let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
            let parsed = serde_json::from_str::<serde_json::Value>(&body).unwrap_or(serde_json::Value::String(body));
            json(serde_json::json!({
                "method": req.method().as_str(),
                "body": parsed,
                "content_type": header_of(&req, "Content-Type"),
                "auth": header_of(&req, "Authorization"),
            }))
        }
        "login" => json(serde_json::json!({ "ok": true }))
            .with_header(tiny_http::Header::from_bytes("Set-Cookie", "auth=yes; Path=/").expect("static header")),
        "whoami" => json(serde_json::json!({ "cookie": header_of(&req, "Cookie") })),
        "todos" => json(serde_json::json!([{ "title": "real" }])),
        "other" => tiny_http::Response::from_string("real-other"),
        "teapot" => json(serde_json::json!({ "error": "teapot" })).with_status_code(418),
        _ => tiny_http::Response::from_string("no such api").with_status_code(404),
    };
    let _ = req.respond(r);
}

fn respond(root: &Path, visits: &Mutex<HashMap<String, u32>>, req: tiny_http::Request) {
    let url = req.url().split(['?', '#']).next().unwrap_or("/").to_owned();
    if let Some(path) = url.strip_prefix("/api/") {
        api(path, req);
        return;
    }
    if let Some(key) = url.strip_prefix("/__hit/") {
        *visits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(format!("hit:{key}"))
            .or_insert(0) += 1;
        let _ = req.respond(tiny_http::Response::from_string("ok"));
        return;
    }
    if let Some(key) = url.strip_prefix("/__hits/") {
        let n = visits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&format!("hit:{key}"))
            .copied()
            .unwrap_or(0);
        let _ = req.respond(tiny_http::Response::from_string(n.to_string()));
        return;
    }
    if let Some(key) = url.strip_prefix("/__flaky/") {
        let n = {
            let mut v = visits.lock().unwrap_or_else(|e| e.into_inner());
            let n = v.entry(key.to_owned()).or_insert(0);
            *n += 1;
            *n
        };
        let page = FLAKY_PAGE.replace("STATE", if n == 1 { "first" } else { "again" });
        let header = tiny_http::Header::from_bytes("Content-Type", "text/html").expect("static header");
        let _ = req.respond(tiny_http::Response::from_string(page).with_header(header));
        return;
    }
    // `/__redirect?to=URL`: a 302 to anywhere (the page's server sends it elsewhere).
    if url == "/__redirect" {
        let to = req
            .url()
            .split_once("?to=")
            .map(|(_, t)| t.to_owned())
            .unwrap_or_default();
        let header = tiny_http::Header::from_bytes("Location", to.as_bytes()).expect("location header");
        let _ = req.respond(tiny_http::Response::empty(302).with_header(header));
        return;
    }
    // `/__status/<code>`: an empty answer with that status.
    if let Some(code) = url.strip_prefix("/__status/") {
        // A body with its length: an empty answer left the browser waiting for the end.
        let status = code.parse::<u16>().unwrap_or(500);
        let _ = req.respond(tiny_http::Response::from_string(format!("status {status}")).with_status_code(status));
        return;
    }
    if let Some(ms) = url.strip_prefix("/__delay/") {
        std::thread::sleep(Duration::from_millis(ms.parse().unwrap_or(0)));
        let _ = req.respond(tiny_http::Response::from_string("ok"));
        return;
    }
    let rel = PathBuf::from(url.trim_start_matches('/'));
    let safe = rel.components().all(|c| matches!(c, Component::Normal(_)));
    let mut path = root.join(&rel);
    if path.is_dir() {
        path = path.join("index.html");
    }
    match std::fs::read(&path) {
        Ok(bytes) if safe => {
            let header = tiny_http::Header::from_bytes("Content-Type", content_type(&path)).expect("static header");
            let _ = req.respond(tiny_http::Response::from_data(bytes).with_header(header));
        }
        _ => {
            let _ = req.respond(tiny_http::Response::from_string("not found").with_status_code(404));
        }
    }
}

impl StaticServer {
    /// Serves `root` with four worker threads.
    pub(crate) fn start(root: &Path) -> std::io::Result<StaticServer> {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(std::io::Error::other)?);
        let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(0);
        let visits = Arc::new(Mutex::new(HashMap::new()));
        let threads = (0..4)
            .map(|_| {
                let server = server.clone();
                let root = root.to_path_buf();
                let visits = visits.clone();
                std::thread::spawn(move || {
                    while let Ok(req) = server.recv() {
                        respond(&root, &visits, req);
                    }
                })
            })
            .collect();
        Ok(StaticServer {
            server,
            threads,
            url: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.server.unblock();
        for _ in 1..self.threads.len() {
            self.server.unblock();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
