//! Reporter tests on a hand-built result.

use panoptic_core::results::*;

fn sample() -> RunResult {
    let failing = StepResult {
        index: 1,
        name: "check <flash>".into(),
        action: "assert_text".into(),
        status: Status::Failed,
        offset_ms: 5,
        duration_ms: 100,
        error: Some(StepError {
            message: "assert_text failed".into(),
            locator: Some(".flash".into()),
            expected: Some("text equal to \"Welcome\"".into()),
            actual: Some("Goodbye & <bye>".into()),
        }),
        screenshots: vec!["screenshots/a/01-failure.png".into()],
        output: None,
        optional: false,
        thumbnail: Some("videos/a/step-01.jpg".into()),
        healed: None,
        fingerprint: None,
    };
    let attempt = Attempt {
        index: 0,
        status: Status::Failed,
        started_at: "t".into(),
        duration_ms: 120,
        steps: vec![failing],
        error: None,
        page_errors: vec!["console error: boom".into()],
        admission_wait_ms: 0,
        lease_ms: 3,
        peak_browser_memory_mb: Some(400),
        infrastructure_failure: false,
        video: Some("videos/a/video.webm".into()),
        trace: Some("traces/a.html".into()),
    };
    let tests = vec![
        TestResult {
            name: "A".into(),
            config: "c.yaml".into(),
            status: Status::Failed,
            duration_ms: 120,
            attempts: vec![attempt],
            trace_id: None,
            span_id: None,
        },
        TestResult {
            name: "B".into(),
            config: "c.yaml".into(),
            status: Status::Passed,
            duration_ms: 10,
            attempts: vec![],
            trace_id: None,
            span_id: None,
        },
    ];
    RunResult {
        schema_version: SCHEMA_VERSION,
        run: RunInfo {
            name: "suite".into(),
            totals: Totals::of(&tests),
            status: Some(Status::Failed),
            ..RunInfo::default()
        },
        tests,
    }
}

#[test]
fn junit_names_step_expected_and_actual() {
    let x = crate::render_junit(&sample());
    assert!(x.starts_with("<?xml"));
    assert!(x.contains("<testcase name=\"A\""), "{x}");
    assert!(x.contains("step 1 `check &lt;flash&gt;` (assert_text)"), "{x}");
    assert!(x.contains("expected: text equal to &quot;Welcome&quot;"), "{x}");
    assert!(x.contains("actual:   Goodbye &amp; &lt;bye&gt;"), "{x}");
    assert!(x.contains("failures=\"1\""));
}

#[test]
fn html_is_self_contained_and_escaped() {
    let h = crate::render_html(&sample());
    assert!(
        !h.contains("http://") && !h.contains("https://"),
        "network reference in report"
    );
    assert!(h.contains("Goodbye &amp; &lt;bye&gt;"));
    assert!(h.contains("src=\"screenshots/a/01-failure.png\""));
    assert!(h.contains("console error: boom"));
    assert!(
        h.contains("<video id=\"video-0-0\" controls preload=\"metadata\" src=\"videos/a/video.webm\">"),
        "{h}"
    );
    assert!(
        h.contains("data-video=\"video-0-0\" data-seek=\"0.10\""),
        "timeline seek: {h}"
    );
    assert!(h.contains("src=\"videos/a/step-01.jpg\""));
}

#[test]
fn a_healed_step_shows_both_locators_in_the_report_and_warns_in_junit() {
    let mut r = sample();
    let step = &mut r.tests[0].attempts[0].steps[0];
    step.healed = Some(Box::new(Healed {
        from: "#old<x>".into(),
        to: "role=button[name=\"Save\"]".into(),
        score: 0.8312,
        took_ms: 9,
        config: "/w/c.yaml".into(),
        line: 7,
    }));
    let h = crate::render_html(&r);
    assert!(
        h.contains("healed: <code>#old&lt;x&gt;</code> matched nothing; <code>role=button[name=&quot;Save&quot;]</code> was used (match 0.83)"),
        "{h}"
    );
    let x = crate::render_junit(&r);
    assert!(
        x.contains("<system-err>warning: step 1 (check &lt;flash&gt;) healed: `#old&lt;x&gt;` matched nothing"),
        "{x}"
    );
    // Never in the JSON: the fingerprint the step kept.
    let json = serde_json::to_value(&r.tests[0].attempts[0].steps[0]).unwrap();
    assert!(
        json.get("fingerprint").is_none() && json["healed"]["line"] == 7,
        "{json}"
    );
}

#[test]
fn an_analysis_output_is_a_table_of_findings_worst_first() {
    let mut r = sample();
    let step = &mut r.tests[0].attempts[0].steps[0];
    step.output = Some(serde_json::json!({ "findings": [
        { "kind": "console_error", "severity": "warning", "impact": "moderate", "message": "console error: <b>x</b>", "recommendation": "find it" },
        { "kind": "label", "severity": "error", "impact": "critical", "message": "field has no label", "locator": "#q", "recommendation": "label it" },
    ] }));
    let h = crate::render_html(&r);
    let critical = h.find("<tr class=\"finding-error\"><td>critical</td>").expect(&h);
    let moderate = h.find("<tr class=\"finding-warning\"><td>moderate</td>").expect(&h);
    assert!(critical < moderate, "worst first");
    assert!(h.contains("<code>#q</code>"));
    assert!(h.contains("console error: &lt;b&gt;x&lt;/b&gt;"), "escaped");
    r.tests[0].attempts[0].steps[0].output = Some(serde_json::json!({
        "findings": [{ "kind": "vision_report", "severity": "info", "message": "1 element(s) detected in 9 ms" }],
        "elements": [{ "number": 1, "kind": "button", "name": "Save <now>", "locator": "role=button[name=\"Save\"]", "bbox": [8.4, 20.0, 57.0, 21.0] }],
        "yaml": "name: \"Generated <x>\"\n",
    }));
    let h = crate::render_html(&r);
    assert!(
        h.contains("<td>1</td><td>button</td><td>Save &lt;now&gt;</td><td><code>role=button[name=&quot;Save&quot;]</code></td><td>8 20 57 21</td>"),
        "{h}"
    );
    assert!(
        h.contains("<summary>generated config</summary><pre>name: &quot;Generated &lt;x&gt;&quot;"),
        "{h}"
    );
    r.tests[0].attempts[0].steps[0].output = Some(serde_json::json!({ "findings": [] }));
    assert!(crate::render_html(&r).contains("no findings"));
    r.tests[0].attempts[0].steps[0].output = Some(serde_json::json!(42));
    assert!(crate::render_html(&r).contains("→ 42"));
}

#[test]
fn markdown_and_files() {
    let md = crate::render_markdown(&sample());
    assert!(md.contains("| A | failed | 1 |"), "{md}");
    let dir = tempfile::tempdir().unwrap();
    crate::write_all(dir.path(), &sample()).unwrap();
    let back: RunResult = serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    assert_eq!(back.tests.len(), 2);
    assert_eq!(back.schema_version, SCHEMA_VERSION);
}

#[test]
fn merge_joins_runs() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut first = sample();
    first.tests.truncate(1);
    let mut second = sample();
    second.tests.remove(0);
    crate::write_all(a.path(), &first).unwrap();
    crate::write_all(b.path(), &second).unwrap();
    std::fs::create_dir_all(a.path().join("screenshots/a")).unwrap();
    std::fs::write(a.path().join("screenshots/a/01-failure.png"), b"x").unwrap();
    let merged = crate::merge(&[a.path(), b.path()], out.path()).unwrap();
    assert_eq!(merged.tests.len(), 2);
    assert_eq!(merged.run.totals.failed, 1);
    assert!(out.path().join("screenshots/a/01-failure.png").is_file());
    assert!(out.path().join("report.html").is_file());
    assert!(crate::merge(&[out.path().join("nope")], out.path()).is_err());
}

#[test]
fn junit_and_summary_snapshots() {
    insta::assert_snapshot!("junit.xml", crate::render_junit(&sample()));
    insta::assert_snapshot!("summary.md", crate::render_markdown(&sample()));
}

#[test]
fn control_characters_and_foreign_links_never_reach_the_outputs() {
    let mut r = sample();
    r.tests[0].name = "A\u{1b}[31m\u{0}".into();
    let step = &mut r.tests[0].attempts[0].steps[0];
    step.screenshots = vec![
        "javascript:alert(1)".into(),
        "https://evil.example/x.png".into(),
        "../../x.png".into(),
    ];
    step.thumbnail = Some("/etc/passwd".into());
    step.error.as_mut().unwrap().actual = Some("bell\u{7}".into());
    r.tests[0].attempts[0].video = Some("data:text/html,boom".into());
    let x = crate::render_junit(&r);
    assert!(
        !x.chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters in junit.xml"
    );
    assert!(x.contains("A\\u{1b}[31m\\u{0}") && x.contains("bell\\u{7}"), "{x}");
    let h = crate::render_html(&r);
    for bad in [
        "href=\"javascript:",
        "src=\"javascript:",
        "src=\"https://evil",
        "src=\"../../x.png",
        "src=\"/etc/passwd",
        "src=\"data:",
    ] {
        assert!(!h.contains(bad), "{bad} in the report");
    }
    assert!(h.contains("<code>javascript:alert(1)</code>"), "shown as text");
}

#[test]
fn cloud_analytics_output_is_shown_as_tables_not_json() {
    let mut r = sample();
    r.tests[0].attempts[0].steps[0].output = Some(serde_json::json!({
        "bucket": "s3://b/p",
        "history_runs": 12,
        "recent_runs": 5,
        "tests": [{ "name": "checkout", "runs": 12, "pass_rate": 91.7, "flaky": 1, "failed": 0, "p50_ms": 840, "p95_ms": 1210 }],
        "failure_patterns": [{ "action": "assert_text", "pattern": "expected text equal to \"…\" after N ms", "count": 3, "tests": ["checkout", "login"] }],
    }));
    let html = crate::render_html(&r);
    assert!(
        html.contains("<table class=\"analytics\">") && html.contains("<td>checkout</td><td>12</td><td>91.7</td>"),
        "{html}"
    );
    assert!(
        html.contains("<table class=\"patterns\">") && html.contains("<td>checkout, login</td>"),
        "{html}"
    );
    assert!(html.contains("12 run(s) of history"));
    assert!(!html.contains("\"failure_patterns\""), "the raw JSON is not repeated");
}
