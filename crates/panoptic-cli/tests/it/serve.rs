//! `panoptic serve` end to end: the binary on a loopback port with real keys, real Chromium
//! runs, and real clients — the API contract by role (read from the server's own OpenAPI
//! document), bad input, event streams, cancel, the audit log, a restart; then Prometheus,
//! load and the dashboard in their own files.

mod alerts;
pub(crate) mod client;
mod dashboard;
mod load;
mod metrics;

use std::io::{BufRead, BufReader};

pub(crate) use client::{Answer, http};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{command, fixtures, wait_exit};

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
fn a_server_without_keys_lets_no_one_in() {
    let dir = tempfile::tempdir().unwrap();
    let s = Serve::again(
        &dir.path().join("data"),
        &[],
        [String::new(), String::new(), String::new()],
    );
    for (method, path) in [
        ("GET", "/api/v1/runs"),
        ("POST", "/api/v1/runs"),
        ("GET", "/api/v1/events"),
        ("GET", "/api/v1/checks"),
    ] {
        for key in [
            None,
            Some(""),
            Some("pk_"),
            Some("pk_a_b"),
            Some("admin"),
            Some("Bearer"),
        ] {
            let a = s.call(method, path, key, &passing("none"));
            assert_eq!(a.status, 401, "{method} {path} {key:?}: {}", a.body);
        }
    }
    assert!(
        !dir.path().join("data/keys.json").exists(),
        "no key was made on the side"
    );
    assert_eq!(s.call("GET", "/healthz", None, "").status, 200);
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
    assert_eq!(s.call("GET", "/api/v1/runs/0000nope", Some(&s.viewer), "").status, 404);
    // A link planted in a run's output leads nowhere outside it.
    std::os::unix::fs::symlink("/etc/passwd", s.data.join("runs").join(&id).join("out/passwd")).unwrap();
    std::os::unix::fs::symlink(
        s.data.join("keys.json"),
        s.data.join("runs").join(&id).join("out/keys.json"),
    )
    .unwrap();
    for planted in ["passwd", "keys.json"] {
        let a = s.call(
            "GET",
            &format!("/api/v1/runs/{id}/artifacts/{planted}"),
            Some(&s.viewer),
            "",
        );
        assert_eq!(a.status, 404, "{planted}: {}", a.body);
    }
    // The dashboard's session cookie reads but never writes.
    let login = http(
        s.port,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        format!("key={}", s.admin).as_bytes(),
    );
    assert_eq!(login.status, 303, "{}", login.body);
    let cookie = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        login.header("set-cookie").unwrap().contains("HttpOnly")
            && login.header("set-cookie").unwrap().contains("SameSite=Strict")
    );
    assert_eq!(
        http(s.port, "GET", "/api/v1/runs", &[("Cookie", &cookie)], b"").status,
        200
    );
    let forged = http(
        s.port,
        "POST",
        "/api/v1/runs",
        &[("Cookie", &cookie)],
        passing("csrf").as_bytes(),
    );
    assert_eq!(forged.status, 401, "{}", forged.body);
    let wrong = http(
        s.port,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"key=pk_000000000000_nope",
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());

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
    let d = first_error(&e);
    assert_eq!(d["message"], "`${HOME}` is not set for this key", "{e:#}");
    assert!(
        d["hint"].as_str().unwrap().contains("none of the server's variables"),
        "{e:#}"
    );
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
