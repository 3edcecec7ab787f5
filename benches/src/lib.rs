//! Inputs shared by the benches: a config of N actions and a run result of N tests.

use panoptic_core::results::*;

/// A config text with one app and `n` actions of mixed types.
pub fn config_text(n: usize) -> String {
    let mut s = String::from(
        "name: bench\nsettings: { retries: 1, timeouts: { action: 2s, expect: 3s } }\napps:\n  - name: App\n    url: \"http://127.0.0.1:8080/\"\nactions:\n",
    );
    let kinds = [
        "{ type: click, selector: \"role=button[name='Save']\" }",
        "{ type: fill, selector: \"label=Email\", value: \"ada@example.com\" }",
        "{ type: assert_text, selector: \".flash\", contains: \"Welcome\" }",
        "{ type: navigate, url: \"/items?page=2\" }",
        "{ type: wait, selector: \"#spinner\", state: hidden }",
    ];
    for i in 0..n {
        s.push_str(&format!("  - {{ name: step-{i}, {} \n", &kinds[i % kinds.len()][1..]));
    }
    s
}

/// A passing test with `steps` steps.
pub fn test_result(steps: u32) -> TestResult {
    let steps = (0..steps)
        .map(|i| StepResult {
            index: i,
            name: format!("step {i}"),
            action: "click".into(),
            status: Status::Passed,
            offset_ms: u64::from(i) * 40,
            duration_ms: 35,
            error: None,
            screenshots: Vec::new(),
            output: None,
            optional: false,
            thumbnail: None,
        })
        .collect();
    let attempt = Attempt {
        index: 0,
        status: Status::Passed,
        started_at: "2026-11-26T00:00:00.000Z".into(),
        duration_ms: 800,
        steps,
        error: None,
        page_errors: Vec::new(),
        admission_wait_ms: 0,
        lease_ms: 4,
        peak_browser_memory_mb: Some(420),
        infrastructure_failure: false,
        video: None,
    };
    TestResult {
        name: "Checkout".into(),
        config: "shop.yaml".into(),
        status: Status::Passed,
        duration_ms: 800,
        attempts: vec![attempt],
    }
}
