//! `panoptic serve` end to end: the binary on a loopback port with real keys, real Chromium
//! runs, and real clients — the API contract by role (read from the server's own OpenAPI
//! document), bad input, event streams, cancel, the audit log, a restart; then Prometheus,
//! load and the dashboard in their own files.

mod alerts;
mod dashboard;
mod load;
mod metrics;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{command, fixtures, wait_exit};

/// An HTTP answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: String,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = raw.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            out.push_str(&rest[..n.min(rest.len())]);
            break;
        }
        out.push_str(&rest[..n]);
        raw = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// One request over a fresh connection (`Connection: close`).
pub(crate) fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    // The server may answer (413) before it reads a large body.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        // The feed of every run never ends: its head is the answer.
        let text = String::from_utf8_lossy(&raw);
        if path == "/api/v1/events" && text.contains("\r\n\r\n") {
            break;
        }
    }
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    Answer {
        status,
        headers: head.to_owned(),
        body: if chunked { dechunk(rest) } else { rest.to_owned() },
    }
}

/// `panoptic serve` on a free port with a key of each role; stopped with SIGTERM on drop.
pub(crate) struct Serve {
    child: Child,
    pub(crate) port: u16,
    pub(crate) data: PathBuf,
    pub(crate) viewer: String,
    pub(crate) runner: String,
    pub(crate) admin: String,
    _tmp: Option<tempfile::TempDir>,
}

pub(crate) fn make_key(data: &Path, role: &str) -> String {
    let out = command()
        .args([
            "keys",
            "create",
            "--name",
            &format!("{role}-key"),
            "--role",
            role,
            "--data",
        ])
        .arg(data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl Serve {
    pub(crate) fn start(args: &[&str]) -> Serve {
        Serve::start_with(args, &[])
    }

    /// … with extra environment variables.
    pub(crate) fn start_with(args: &[&str], env: &[(&str, &str)]) -> Serve {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let (viewer, runner, admin) = (
            make_key(&data, "viewer"),
            make_key(&data, "runner"),
            make_key(&data, "admin"),
        );
        let mut s = Serve::again_with(&data, args, [viewer, runner, admin], env);
        s._tmp = Some(tmp);
        s
    }

    /// A server on an existing data folder (a restart).
    pub(crate) fn again(data: &Path, args: &[&str], keys: [String; 3]) -> Serve {
        Serve::again_with(data, args, keys, &[])
    }

    /// … with extra environment variables.
    pub(crate) fn again_with(
        data: &Path,
        args: &[&str],
        [viewer, runner, admin]: [String; 3],
        env: &[(&str, &str)],
    ) -> Serve {
        let mut child = command()
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(args)
            .envs(env.iter().copied())
            .env("FIXTURES", fixtures())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Serve {
            child,
            port,
            data: data.to_path_buf(),
            viewer,
            runner,
            admin,
            _tmp: None,
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn call(&self, method: &str, path: &str, key: Option<&str>, body: &str) -> Answer {
        let auth = key.map(|k| format!("Bearer {k}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        http(self.port, method, path, &headers, body.as_bytes())
    }

    /// Submits as the runner; the run's id.
    pub(crate) fn submit(&self, yaml: &str) -> String {
        let a = self.call("POST", "/api/v1/runs", Some(&self.runner), yaml);
        assert_eq!(a.status, 202, "{}", a.body);
        a.json()["id"].as_str().unwrap().to_owned()
    }

    /// Waits until the run ended; its record.
    pub(crate) fn finished(&self, id: &str) -> Value {
        let until = Instant::now() + Duration::from_secs(120);
        loop {
            let r = self
                .call("GET", &format!("/api/v1/runs/{id}"), Some(&self.viewer), "")
                .json();
            if !matches!(r["status"].as_str(), Some("queued" | "running")) {
                return r;
            }
            assert!(Instant::now() < until, "run {id} did not end: {r:#}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM; the exit status.
    pub(crate) fn stop(&mut self) -> Option<i32> {
        // SAFETY: signalling the child we spawned.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        wait_exit(&mut self.child, Duration::from_secs(30)).and_then(|s| s.code())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.stop();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub(crate) fn passing(name: &str) -> String {
    format!(
        "name: {name}\nsettings: {{ retries: 0 }}\napps:\n  - {{ name: form, url: \"{}/kitchen.html\", actions: [{{ type: fill, selector: '#name', value: 'x' }}, {{ type: assert_value, selector: '#name', equals: 'x' }}] }}\n",
        fixtures()
    )
}

pub(crate) fn failing(name: &str) -> String {
    format!(
        "name: {name}\nsettings: {{ retries: 0, timeouts: {{ expect: 300ms }} }}\napps:\n  - {{ name: broken, url: \"{}/kitchen.html\", actions: [{{ type: assert_visible, selector: '#nowhere' }}] }}\n",
        fixtures()
    )
}

/// Every operation of the server's OpenAPI document, called with no key, a wrong key and each
/// role: the status is the one the role earns, and always one the document lists.
fn contract(s: &Serve, run: &str, doc: &Value) {
    let roles = [("viewer", &s.viewer), ("runner", &s.runner), ("admin", &s.admin)];
    let rank = |r: &str| ["viewer", "runner", "admin"].iter().position(|x| *x == r).unwrap();
    let mut calls = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let method = method.to_uppercase();
            let url = path.replace("{id}", run).replace("{path}", "report.html");
            let body = if method == "POST" && path == "/api/v1/runs" {
                passing("contract")
            } else {
                String::new()
            };
            let listed = |code: u16| op["responses"].get(code.to_string()).is_some();
            let Some(need) = op["x-panoptic-role"].as_str() else {
                let a = s.call(&method, &url, None, &body);
                assert!(
                    matches!(a.status, 200 | 503) && listed(a.status),
                    "{method} {path}: {} {}",
                    a.status,
                    a.body
                );
                calls += 1;
                continue;
            };
            for key in [None, Some("pk_000000000000_nope")] {
                let a = s.call(&method, &url, key, &body);
                assert_eq!(a.status, 401, "{method} {path} with {key:?}: {}", a.body);
                assert_eq!(a.header("www-authenticate"), Some("Bearer"));
                assert!(listed(401));
            }
            for (role, key) in roles {
                let a = s.call(&method, &url, Some(key), &body);
                let want: &[u16] = if rank(role) < rank(need) {
                    &[403]
                } else if path.ends_with("/cancel") {
                    &[409] // the run ended
                } else if method == "POST" {
                    &[202]
                } else {
                    &[200]
                };
                assert!(
                    want.contains(&a.status),
                    "{method} {path} as {role}: {} {}",
                    a.status,
                    a.body
                );
                assert!(listed(a.status), "{method} {path}: {} is not in the document", a.status);
                if a.status >= 400 {
                    assert!(a.json()["error"]["message"].is_string(), "{}", a.body);
                }
                calls += 1;
            }
        }
    }
    assert!(calls >= 29, "{calls} calls");
}

fn first_error(e: &Value) -> Value {
    e["error"]["diagnostics"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["severity"] == "error"))
        .cloned()
        .unwrap_or_else(|| panic!("no error in {e:#}"))
}

#[test]
#[expect(clippy::disallowed_methods, reason = "the OpenAPI validator, not a browser")]
fn the_api_keeps_its_contract_by_role_refuses_bad_input_and_survives_a_restart() {
    let mut s = Serve::start(&["--body-limit-kb", "8", "--concurrency", "1"]);
    assert_eq!(s.call("GET", "/healthz", None, "").status, 200);
    // The OpenAPI document validates (openapi-spec-validator, installed by `cargo xtask setup`).
    let doc = s.call("GET", "/api/v1/openapi.json", None, "");
    let file = s.data.join("openapi.json");
    std::fs::write(&file, &doc.body).unwrap();
    let check = std::process::Command::new("openapi-spec-validator")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    // A run, followed over its event stream to its end.
    let id = s.submit(&passing("first"));
    let events = s.call("GET", &format!("/api/v1/runs/{id}/events"), Some(&s.viewer), "");
    assert_eq!(events.header("content-type"), Some("text/event-stream"));
    assert!(
        events.body.contains("event: test") && events.body.contains("\"status\":\"passed\""),
        "{}",
        events.body
    );
    let r = s.finished(&id);
    assert_eq!(r["status"], "passed", "{r:#}");
    let report = s.call(
        "GET",
        &format!("/api/v1/runs/{id}/artifacts/report.html"),
        Some(&s.viewer),
        "",
    );
    assert_eq!(
        (report.status, report.header("content-type")),
        (200, Some("text/html; charset=utf-8"))
    );
    for escape in ["../run.json", "..%2Frun.json", "%2E%2E/config.yaml", "/etc/passwd"] {
        let a = s.call(
            "GET",
            &format!("/api/v1/runs/{id}/artifacts/{escape}"),
            Some(&s.viewer),
            "",
        );
        assert!(matches!(a.status, 400 | 404), "{escape}: {} {}", a.status, a.body);
    }
    contract(&s, &id, &doc.json());

    // Bad input: each gets its 4xx with a positioned error, and the server keeps serving.
    let bad = |body: &str, key: &str, want: u16| -> Value {
        let a = s.call("POST", "/api/v1/runs", Some(key), body);
        assert_eq!(a.status, want, "{}", a.body);
        a.json()
    };
    let e = bad("name: x\napps: [ { name: A\n", &s.runner, 400);
    assert!(
        first_error(&e)["text"].as_str().unwrap().starts_with("config.yaml:"),
        "{e:#}"
    );
    assert!(
        first_error(&e)["message"].as_str().unwrap().contains("invalid YAML"),
        "{e:#}"
    );
    let e = bad(
        "name: x\napps:\n  - name: A\n    url: \"http://127.0.0.1:1/\"\n    actoins: []\n",
        &s.runner,
        400,
    );
    let d = first_error(&e);
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(5), Some(5)), "{e:#}");
    assert!(d["hint"].as_str().unwrap().contains("actions"), "{e:#}");
    let e = bad(
        &format!("name: x\n# {}\napps: []\n", "x".repeat(9 * 1024)),
        &s.runner,
        413,
    );
    assert!(e["error"]["message"].as_str().unwrap().contains("8192 bytes"), "{e:#}");
    bad(&passing("no"), &s.viewer, 403);
    let privileged = format!(
        "{}settings: {{ allow: {{ eval: true }} }}\n",
        passing("eval").replace("settings: { retries: 0 }\n", "")
    );
    let e = bad(&privileged, &s.runner, 403);
    assert_eq!(first_error(&e)["line"], 4, "{e:#}");
    assert!(
        first_error(&e)["message"].as_str().unwrap().contains("allow.eval"),
        "{e:#}"
    );
    // The server's environment is the operator's: a runner's config reads none of it.
    let e = bad(
        &passing("env").replace("value: 'x'", "value: '${HOME}'"),
        &s.runner,
        400,
    );
    assert!(e["error"]["diagnostics"].to_string().contains("HOME"), "{e:#}");
    bad("\u{feff}\u{0}\u{1}binary", &s.runner, 400);
    let e = bad(
        &format!("{}schedule: {{ every: 5m }}\n", passing("check")),
        &s.runner,
        400,
    );
    assert_eq!(first_error(&e)["line"], 5, "{e:#}");
    let admin = s.call("POST", "/api/v1/runs", Some(&s.admin), &privileged);
    assert_eq!(admin.status, 202, "{}", admin.body);
    assert_eq!(s.call("GET", "/healthz", None, "").status, 200);

    // Cancel: a long run stops; a queued one never starts; an ended one is a conflict.
    let long = format!(
        "name: long\napps:\n  - {{ name: waits, url: \"{}/kitchen.html\", actions: [{{ type: wait, wait_time: 60 }}] }}\n",
        fixtures()
    );
    let running = s.submit(&long);
    let queued = s.submit(&long);
    let until = Instant::now() + Duration::from_secs(60);
    while s
        .call("GET", &format!("/api/v1/runs/{running}"), Some(&s.viewer), "")
        .json()["status"]
        != "running"
    {
        assert!(Instant::now() < until, "the long run did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    for id in [&queued, &running] {
        let a = s.call("POST", &format!("/api/v1/runs/{id}/cancel"), Some(&s.runner), "");
        assert_eq!(a.status, 202, "{}", a.body);
    }
    assert_eq!(s.finished(&queued)["status"], "cancelled");
    let r = s.finished(&running);
    assert_eq!(r["status"], "cancelled", "{r:#}");
    assert!(
        r["started_at"].is_string()
            && s.call("GET", &format!("/api/v1/runs/{queued}"), Some(&s.viewer), "")
                .json()["started_at"]
                .is_null()
    );

    // Every mutating call is in the audit log, and the chain verifies.
    let audit = std::fs::read_to_string(s.data.join("audit.jsonl")).unwrap();
    assert_eq!(audit.matches("\"event\":\"run.cancel\"").count(), 2, "{audit}");
    assert!(
        audit.contains("\"event\":\"run.submit\"") && audit.contains("\"event\":\"key.create\""),
        "{audit}"
    );
    assert!(!audit.contains(&s.runner), "a key in the audit log");
    let verify = command()
        .args(["audit", "verify"])
        .arg(s.data.join("audit.jsonl"))
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));

    // A restart lists every run; the keys still work.
    let before = s.call("GET", "/api/v1/runs?limit=1000", Some(&s.viewer), "").json()["runs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(s.stop(), Some(0));
    let keys = [s.viewer.clone(), s.runner.clone(), s.admin.clone()];
    let again = Serve::again(&s.data, &[], keys);
    let after = again
        .call("GET", "/api/v1/runs?limit=1000", Some(&again.viewer), "")
        .json();
    assert_eq!(after["runs"].as_array().unwrap().len(), before, "{after:#}");
    assert_eq!(
        again
            .call("GET", &format!("/api/v1/runs/{id}"), Some(&again.viewer), "")
            .json()["status"],
        "passed"
    );
    // A revoked key stops working at once, without a restart.
    let runner_id = again.runner.split('_').nth(1).unwrap().to_owned();
    let revoke = command()
        .args(["keys", "revoke", &runner_id, "--data"])
        .arg(&again.data)
        .output()
        .unwrap();
    assert!(revoke.status.success());
    assert_eq!(
        again
            .call("POST", "/api/v1/runs", Some(&again.runner), &passing("late"))
            .status,
        401
    );
    let list = command()
        .args(["keys", "list", "--data"])
        .arg(&again.data)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains(&runner_id) && !listed.contains(&again.runner),
        "{listed}"
    );
}
