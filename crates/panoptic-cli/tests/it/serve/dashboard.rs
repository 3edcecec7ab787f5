//! The live dashboard, tested in real Chromium by panoptic itself: `examples/serve/dashboard.yaml`
//! signs in with a viewer key, reads the runs and the error rate, submits a failing run with
//! an `http` step and waits for the page — never reloaded — to show it.

use std::path::Path;

use super::{Serve, passing};
use crate::support::{command, walk};

#[test]
fn panoptic_checks_its_own_live_dashboard() {
    let s = Serve::start(&[]);
    let first = s.submit(&passing("dashboard-ok"));
    assert_eq!(s.finished(&first)["status"], "passed");
    let flow = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/serve/dashboard.yaml");
    let out = tempfile::tempdir().unwrap();
    let run = command()
        .arg("run")
        .arg(&flow)
        .arg("--output")
        .arg(out.path())
        .args(["--no-history"])
        .env("PANOPTIC_SERVE_URL", s.url())
        .env("PANOPTIC_VIEWER_KEY", &s.viewer)
        .env("PANOPTIC_RUNNER_KEY", &s.runner)
        .env("PASSED_RUNS", "1")
        .output()
        .unwrap();
    let results = std::fs::read_to_string(out.path().join("results.json")).unwrap_or_default();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}\n{results}",
        String::from_utf8_lossy(&run.stderr)
    );
    // The run the flow submitted is the server's second, and failed.
    let runs = s.call("GET", "/api/v1/runs", Some(&s.viewer), "").json();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2, "{runs:#}");
    assert_eq!(runs["runs"][0]["status"], "failed", "{runs:#}");
    // The keys stayed secrets: in no file of the flow's output.
    for entry in walk(out.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&s.viewer) && !text.contains(&s.runner),
            "a key in {}",
            entry.display()
        );
    }
}
