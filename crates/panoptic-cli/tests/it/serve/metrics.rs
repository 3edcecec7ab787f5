//! `/metrics` passes `promtool check metrics`, and a real Prometheus (Debian's package,
//! installed by `cargo xtask setup`) scrapes it and answers queries over what a run did.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Serve, failing, http, passing};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills Prometheus on drop.
struct Prometheus(std::process::Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "the test's own promtool and Prometheus, not a browser"
)]
fn metrics_pass_promtool_and_a_real_prometheus_scrapes_them() {
    // Every run's trace also goes over OTLP when the standard variable names an endpoint.
    let (otlp, received, receiver) = crate::telemetry::receiver();
    let mut s = Serve::start_with(&[], &[("OTEL_EXPORTER_OTLP_ENDPOINT", &otlp)]);
    let ok = s.submit(&passing("metrics-ok"));
    let bad = s.submit(&failing("metrics-bad"));
    assert_eq!(s.finished(&ok)["status"], "passed");
    assert_eq!(s.finished(&bad)["status"], "failed");
    let text = s.call("GET", "/metrics", None, "").body;
    for line in [
        "panoptic_runs_total{status=\"passed\"} 1",
        "panoptic_runs_total{status=\"failed\"} 1",
        "panoptic_tests_total{status=\"failed\"} 1",
        "panoptic_pool_browsers 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (cargo xtask setup installs Debian's prometheus)");
    std::io::Write::write_all(check.stdin.as_mut().unwrap(), text.as_bytes()).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global: {{ scrape_interval: 1s, evaluation_interval: 1s }}\nscrape_configs:\n  - job_name: panoptic\n    static_configs: [{{ targets: ['127.0.0.1:{}'] }}]\n",
            s.port
        ),
    )
    .unwrap();
    let port = free_port();
    let _prom = Prometheus(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (cargo xtask setup installs it)"),
    );
    let query = |q: &str| -> Option<serde_json::Value> {
        let path = format!("/api/v1/query?query={q}");
        let a = std::panic::catch_unwind(|| http(port, "GET", &path, &[], b"")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&a.body).ok()?;
        v["data"]["result"]
            .as_array()
            .filter(|r| !r.is_empty())
            .map(|r| r[0].clone())
    };
    let until = Instant::now() + Duration::from_secs(60);
    let failed = loop {
        if let Some(v) = query("panoptic_runs_total%7Bstatus%3D%22failed%22%7D") {
            break v;
        }
        assert!(Instant::now() < until, "Prometheus never scraped panoptic's /metrics");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(failed["value"][1], "1", "{failed:#}");
    let up = query("up%7Bjob%3D%22panoptic%22%7D").unwrap();
    assert_eq!(up["value"][1], "1", "{up:#}");
    let steps = query("sum(panoptic_steps_total)").unwrap();
    assert!(
        steps["value"][1].as_str().unwrap().parse::<f64>().unwrap() >= 3.0,
        "{steps:#}"
    );
    // Stopping flushes the exporters: both runs' traces arrived, each one trace.
    assert_eq!(s.stop(), Some(0));
    receiver.unblock();
    let got = received.lock().unwrap();
    let runs: Vec<_> = got
        .spans
        .iter()
        .filter(|sp| sp.name.starts_with("run metrics-"))
        .collect();
    assert_eq!(
        runs.len(),
        2,
        "{:?}",
        got.spans.iter().map(|sp| &sp.name).collect::<Vec<_>>()
    );
    assert_ne!(runs[0].trace_id, runs[1].trace_id);
    let results: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(s.data.join("runs").join(&bad).join("out/results.json")).unwrap(),
    )
    .unwrap();
    assert!(results["run"]["trace_id"].is_string(), "{results:#}");
}
