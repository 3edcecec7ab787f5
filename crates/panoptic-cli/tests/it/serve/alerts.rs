//! Scheduled checks and their alerts, against a webhook receiver in the test: a rule fires
//! once after the Nth failure, reminds while it holds, survives a restart without firing
//! again, and resolves once; a check whose single failures are retried away never alerts.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Serve;

/// The page state the checks read, and the webhook they alert.
struct Control {
    server: Arc<tiny_http::Server>,
    url: String,
    healthy: Arc<AtomicBool>,
    hooks: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Control {
    fn start() -> Control {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let url = format!("http://{}", server.server_addr());
        let healthy = Arc::new(AtomicBool::new(false));
        let hooks = Arc::new(Mutex::new(Vec::new()));
        let flips = Arc::new(AtomicU64::new(0));
        let (s, h, k) = (server.clone(), healthy.clone(), hooks.clone());
        std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let status = match req.url() {
                    "/state" => {
                        if h.load(Ordering::SeqCst) {
                            200
                        } else {
                            500
                        }
                    }
                    // Every other request fails: a first attempt fails, its retry passes.
                    "/flip" => {
                        if flips.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                            500
                        } else {
                            200
                        }
                    }
                    "/hook" => {
                        let mut body = String::new();
                        let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
                        if let Ok(v) = serde_json::from_str(&body) {
                            k.lock().unwrap().push(v);
                        }
                        204
                    }
                    _ => 404,
                };
                let _ = req.respond(tiny_http::Response::empty(status));
            }
        });
        Control {
            server,
            url,
            healthy,
            hooks,
        }
    }

    fn sent(&self, alert: &str) -> Vec<String> {
        self.hooks
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h["alert"] == alert)
            .map(|h| {
                if h["reminder"] == true {
                    "reminder".to_owned()
                } else {
                    h["state"].as_str().unwrap().to_owned()
                }
            })
            .collect()
    }

    fn wait_for(&self, alert: &str, what: impl Fn(&[String]) -> bool) -> Vec<String> {
        let until = Instant::now() + Duration::from_secs(90);
        loop {
            let sent = self.sent(alert);
            if what(&sent) {
                return sent;
            }
            assert!(Instant::now() < until, "{alert}: {sent:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn check(name: &str, path: &str, retries: u32, alert: &str, control: &Control) -> String {
    format!(
        "name: {name}\nschedule: {{ every: 1s }}\nsettings: {{ retries: {retries}, screenshot_on_failure: false }}\nalerts:\n  - {{ name: {alert}, consecutive_failures: 2, webhook: \"{u}/hook\", remind_every: 2s }}\napps:\n  - name: api\n    actions: [{{ type: http, url: \"{u}{path}\", expect_status: 200 }}]\n",
        u = control.url
    )
}

#[test]
fn an_alert_fires_once_reminds_survives_a_restart_and_resolves_once() {
    let control = Control::start();
    let dir = tempfile::tempdir().unwrap();
    let checks = dir.path().join("checks");
    std::fs::create_dir(&checks).unwrap();
    std::fs::write(checks.join("down.yaml"), check("down", "/state", 0, "down", &control)).unwrap();
    std::fs::write(checks.join("shaky.yaml"), check("shaky", "/flip", 1, "shaky", &control)).unwrap();
    let schedule = checks.to_str().unwrap();
    let mut s = Serve::start(&["--schedule", schedule]);

    let sent = control.wait_for("down", |s| s.iter().filter(|k| *k == "reminder").count() >= 2);
    assert_eq!(sent[0], "firing", "{sent:?}");
    assert_eq!(sent.iter().filter(|k| *k == "firing").count(), 1, "{sent:?}");
    let checks_now = s.call("GET", "/api/v1/checks", Some(&s.viewer), "").json();
    let down = &checks_now["checks"][0];
    assert_eq!(
        (down["name"].as_str(), down["alerts"][0]["firing"].as_bool()),
        (Some("down"), Some(true)),
        "{checks_now:#}"
    );
    assert!(down["alerts"][0]["history"][0]["delivered"] == true, "{checks_now:#}");
    let metrics = s.call("GET", "/metrics", None, "").body;
    assert!(metrics.lines().any(|l| l == "panoptic_alerts_firing 1"), "{metrics}");

    // A restart: the rule is still firing and is not fired again.
    let keys = [s.viewer.clone(), s.runner.clone(), s.admin.clone()];
    assert_eq!(s.stop(), Some(0));
    let before = control.sent("down").len();
    let s = Serve::again(&s.data.clone(), &["--schedule", schedule], keys);
    control.wait_for("down", |x| x.len() > before);
    assert_eq!(
        control.sent("down").iter().filter(|k| *k == "firing").count(),
        1,
        "fired again after a restart"
    );

    // Healthy again: resolved once, then quiet.
    control.healthy.store(true, Ordering::SeqCst);
    let sent = control.wait_for("down", |x| x.iter().any(|k| k == "resolved"));
    std::thread::sleep(Duration::from_secs(4));
    let after = control.sent("down");
    assert_eq!(after, sent, "nothing after the resolution");
    assert_eq!(after.last().map(String::as_str), Some("resolved"));
    assert_eq!(after.iter().filter(|k| *k == "resolved").count(), 1);
    // Retried single failures never alerted (its runs are flaky, so they passed).
    assert!(control.sent("shaky").is_empty(), "{:?}", control.sent("shaky"));
    let runs = s.call("GET", "/api/v1/runs?limit=1000", Some(&s.viewer), "").json();
    let shaky: Vec<_> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["check"] == "shaky" && r["status"] != "cancelled")
        .collect();
    assert!(shaky.len() >= 3, "{runs:#}");
    assert!(
        shaky.iter().all(|r| matches!(
            r["status"].as_str(),
            Some("passed" | "running" | "queued" | "interrupted")
        )),
        "{shaky:#?}"
    );
    // Scheduled runs carry when they were due.
    assert!(shaky.iter().all(|r| r["due_at"].is_string()), "{shaky:#?}");
}
