//! The registry renders what runs did, in the text format scrapers read.

use panoptic_core::results::{Status, TestResult};
use serde_json::json;

use super::*;

fn test(status: Status, steps: &[(&str, Status, u64)]) -> TestResult {
    let steps: Vec<_> = steps
        .iter()
        .enumerate()
        .map(|(i, (action, st, ms))| {
            json!({ "index": i, "name": action, "action": action, "status": st, "offset_ms": 0, "duration_ms": ms })
        })
        .collect();
    serde_json::from_value(json!({
        "name": "t", "config": "c.yaml", "status": status, "duration_ms": 1500,
        "attempts": [{ "index": 0, "status": status, "started_at": "", "duration_ms": 1500,
            "lease_ms": 20, "admission_wait_ms": 5, "steps": steps }],
    }))
    .unwrap()
}

#[test]
fn finished_tests_count_by_status_and_steps_by_action() {
    let m = Metrics::new();
    m.test_finished(&test(
        Status::Passed,
        &[("navigate", Status::Passed, 120), ("click", Status::Passed, 30)],
    ));
    m.test_finished(&test(
        Status::Failed,
        &[("navigate", Status::Passed, 80), ("click", Status::Failed, 5000)],
    ));
    m.server.queued.set(3);
    let text = m.render();
    for line in [
        "panoptic_tests_total{status=\"passed\"} 1",
        "panoptic_tests_total{status=\"failed\"} 1",
        "panoptic_steps_total{action=\"click\",status=\"failed\"} 1",
        "panoptic_steps_total{action=\"navigate\",status=\"passed\"} 2",
        "panoptic_step_duration_seconds_count{action=\"navigate\"} 2",
        "panoptic_step_duration_seconds_bucket{action=\"click\",le=\"5\"} 2",
        "panoptic_step_duration_seconds_bucket{action=\"click\",le=\"2.5\"} 1",
        "panoptic_test_duration_seconds_count 2",
        "panoptic_leases_total 2",
        "panoptic_lease_wait_seconds_sum 0.05",
        "panoptic_runs_queued 3",
        "# TYPE panoptic_tests_total counter",
        "# TYPE panoptic_step_duration_seconds histogram",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
    }
}

struct Pool;

impl PoolStats for Pool {
    fn memory_kb(&self) -> u64 {
        2048
    }
    fn memory_peak_since(&self, _: std::time::Instant) -> u64 {
        4096
    }
    fn undecoded_messages(&self) -> u64 {
        7
    }
    fn launched(&self) -> u32 {
        1
    }
    fn browsers(&self) -> u32 {
        2
    }
    fn contexts(&self) -> u32 {
        3
    }
}

#[test]
fn the_pool_is_sampled_and_its_counter_never_goes_back() {
    let m = Metrics::new();
    m.sample_pool(&Pool);
    m.sample_pool(&Pool);
    let text = m.render();
    for line in [
        "panoptic_pool_browsers 2",
        "panoptic_pool_contexts 3",
        "panoptic_browser_memory_bytes 2097152",
        "panoptic_cdp_undecoded_messages_total 7",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in\n{text}");
    }
}
