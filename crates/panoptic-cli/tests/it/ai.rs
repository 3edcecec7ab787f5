//! `smart_error_detection` on real Chromium: a page with one planted defect of each kind gets
//! each reported exactly once; its healthy twin gets nothing at all, and neither does a form of
//! web components whose labels and button text come through slots.

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
    ] {
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(prefix)).count(),
            1,
            "{what} not found exactly once:\n{actual}"
        );
    }
    assert_eq!(lines.len(), 10, "nothing else:\n{actual}");
    assert!(
        step["error"]["message"].as_str().unwrap().contains("found 10 error(s)"),
        "{step}"
    );

    let clean = &run.test("clean")["attempts"][0]["steps"][2];
    assert_eq!(clean["status"], "passed", "{clean}");
    assert_eq!(clean["output"]["findings"], serde_json::json!([]), "{clean}");

    let components = &run.test("components")["attempts"][0]["steps"][1];
    assert_eq!(components["status"], "passed", "{components}");
    assert_eq!(components["output"]["findings"], serde_json::json!([]), "{components}");

    // Only critical findings fail; the rest are warnings in the output.
    let lenient = &run.test("lenient")["attempts"][0]["steps"][2];
    assert_eq!(lenient["status"], "failed", "{lenient}");
    let errors = lenient["error"]["actual"].as_str().unwrap_or_default();
    assert_eq!(errors.lines().count(), 3, "alt, label, button name:\n{errors}");
}
