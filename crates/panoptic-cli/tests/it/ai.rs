//! `smart_error_detection` on real Chromium: a page with one planted defect of each kind gets
//! each reported exactly once; its healthy twin gets nothing at all, and neither does a form of
//! web components whose labels and button text come through slots. The planted page overrides
//! the DOM API in its own world to hide its defects; the analysis runs in panoptic's world.

use crate::support::panoptic_with;

const YAML: &str = r#"name: health
settings: { retries: 0, screenshot_on_failure: false }
apps:
  - name: defects
    url: "${FIXTURES}/defects.html"
    actions:
      - { type: wait, wait_time: 300ms }
      - { type: smart_error_detection, fail_on: minor }
  - name: clean
    url: "${FIXTURES}/clean.html"
    actions:
      - { type: wait, wait_time: 300ms }
      - { type: smart_error_detection, fail_on: minor }
  - name: components
    url: "${BENCH}/shadow-form.html"
    actions:
      - { type: smart_error_detection, fail_on: minor }
  - name: settles
    url: "${FIXTURES}/defects.html"
    actions:
      - { type: wait, network_idle: true, timeout: 4s }
      - { type: fill, selector: "frame=#promo >> #coupon", value: "SAVE10" }
      - { type: assert_value, selector: "frame=#promo >> #coupon", equals: "SAVE10" }
  - name: lenient
    url: "${FIXTURES}/defects.html"
    actions:
      - { type: wait, wait_time: 300ms }
      - { type: smart_error_detection, fail_on: critical }
"#;

#[test]
fn each_planted_defect_is_found_once_and_the_clean_twin_has_none() {
    let run = panoptic_with(&["run"], YAML, &[], &[("BENCH", crate::support::bench_site())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let step = &run.test("defects")["attempts"][0]["steps"][2];
    let actual = step["error"]["actual"].as_str().unwrap_or_default().to_owned();
    let lines: Vec<&str> = actual.lines().collect();
    for (what, prefix) in [
        ("exception", "uncaught exception: "),
        ("console", "console error: planted console error"),
        ("failed request", "request failed: http://127.0.0.1:1/unreachable"),
        ("5xx", "HTTP 500: "),
        ("broken image", "image did not load: <img id=\"broken\""),
        ("alt", "image has no alt text: <img id=\"logo\""),
        ("label", "field has no label: <input id=\"search\""),
        ("button in a shadow root", "button has no name: <button"),
        ("link", "link has no name: <a id=\"empty\""),
        ("contrast", "text contrast "),
        ("CSP", "blocked by the page's Content Security Policy: Loading the font"),
        (
            "label in a frame",
            "field has no label: <input id=\"coupon\"> (at `frame=#promo >> #coupon`)",
        ),
    ] {
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(prefix)).count(),
            1,
            "{what} not found exactly once:\n{actual}"
        );
    }
    assert_eq!(lines.len(), 12, "nothing else:\n{actual}");
    let kept = step["output"]["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(kept.len(), 12, "the failed step keeps its findings: {step}");
    assert!(
        kept.iter()
            .all(|f| f["impact"].is_string() && f["recommendation"].is_string()),
        "{step}"
    );
    assert!(
        step["error"]["message"].as_str().unwrap().contains("found 12 error(s)"),
        "{step}"
    );

    let report = run.read("report.html");
    assert!(
        report.contains("<code>#search</code>") && report.contains("class=\"findings\""),
        "the report shows the findings"
    );

    let clean = &run.test("clean")["attempts"][0]["steps"][2];
    assert_eq!(clean["status"], "passed", "{clean}");
    assert_eq!(clean["output"]["findings"], serde_json::json!([]), "{clean}");

    // The reported locator of the field in the frame is one panoptic acts on. A request's end
    // that arrives before its start (separate event streams; the blocked font
    // does that here) once kept it "in flight" forever, so network idle never came.
    assert_eq!(run.test("settles")["status"], "passed", "{}", run.test("settles"));

    let components = &run.test("components")["attempts"][0]["steps"][1];
    assert_eq!(components["status"], "passed", "{components}");
    assert_eq!(components["output"]["findings"], serde_json::json!([]), "{components}");

    // Only critical findings fail; the rest are warnings in the output.
    let lenient = &run.test("lenient")["attempts"][0]["steps"][2];
    assert_eq!(lenient["status"], "failed", "{lenient}");
    let errors = lenient["error"]["actual"].as_str().unwrap_or_default();
    assert_eq!(errors.lines().count(), 4, "alt, two labels, button name:\n{errors}");
    let kept = lenient["output"]["findings"].as_array().cloned().unwrap_or_default();
    let warnings = kept.iter().filter(|f| f["severity"] == "warning").count();
    assert_eq!((kept.len(), warnings), (12, 8), "{lenient}");
}

/// `panoptic analyze <URL>`: the same analysis without a config, findings as a Markdown table,
/// exit 1 on a finding at `--fail-on` or worse.
#[test]
fn analyze_prints_the_findings_and_exits_by_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let analyze = |page: &str, fail_on: &str| {
        let out = crate::support::command()
            .args([
                "analyze",
                &format!("{}/{page}", crate::support::fixtures()),
                "--fail-on",
                fail_on,
                "-o",
                "out",
            ])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let said = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), said)
    };
    let (code, table) = analyze("defects.html", "serious");
    assert_eq!(code, Some(1), "{table}");
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| impact"))
        .collect();
    assert_eq!(rows.len(), 12, "{table}");
    assert!(rows[0].starts_with("| critical |"), "worst first: {table}");
    assert!(table.contains("| `#search` |"), "{table}");
    let (code, _) = analyze("defects.html", "critical");
    assert_eq!(code, Some(1));
    let (code, table) = analyze("clean.html", "minor");
    assert_eq!(code, Some(0), "{table}");
    assert!(table.contains("No findings."), "{table}");
    let bad = crate::support::command()
        .args(["analyze", "javascript:alert(1)"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
