//! Element detection on real Chromium: eleven pages written for it (div buttons, shadow DOM,
//! frames two deep, icon buttons, hidden and covered elements, a form, navigation, ARIA
//! widgets, repeated rows, a page built by script) against hand-written truth files
//! (`tests/data/site/detect/*.truth.json`, `kind: name` per element). Every locator reported
//! is then checked by a second run that asserts it finds exactly one element; `vision_click`
//! clicks by kind and text (in a shadow root and in a frame too) and says clearly what it did
//! not find; `panoptic inspect` prints the elements.

use std::collections::HashMap;

use serde_json::Value;

use crate::support::{fixtures, panoptic_with};

/// The detection fixture pages (`tests/data/site/detect/<page>.html`).
pub(crate) const PAGES: &[&str] = &[
    "div-buttons",
    "shadow",
    "frames",
    "icons",
    "hidden",
    "covered",
    "form",
    "nav",
    "widgets",
    "duplicates",
    "dynamic",
];

fn truth(page: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/data/site/detect/{page}.truth.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// How many of `want` are in `got`, each counted once (both are multisets).
fn matched(want: &[String], got: &[String]) -> usize {
    let mut left: HashMap<&str, usize> = HashMap::new();
    for g in got {
        *left.entry(g).or_default() += 1;
    }
    want.iter()
        .filter(|w| match left.get_mut(w.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count()
}

#[test]
fn detection_matches_the_truth_and_every_locator_finds_its_element() {
    let mut yaml = String::from(
        "name: detect\nsettings: { retries: 0, screenshot_on_failure: false, ai_testing: { confidence_threshold: 0.8 } }\napps:\n",
    );
    for p in PAGES {
        yaml.push_str(&format!(
            "  - name: {p}\n    url: \"${{FIXTURES}}/detect/{p}.html\"\n    actions:\n      - {{ type: wait, network_idle: true }}\n      - {{ type: wait, wait_time: 100ms }}\n      - {{ type: vision_report }}\n"
        ));
    }
    let run = panoptic_with(&["run"], &yaml, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (mut want, mut got, mut hit, mut fallback) = (0, 0, 0, 0);
    let mut check = String::from("name: locators\nsettings: { retries: 0, screenshot_on_failure: false }\napps:\n");
    let mut report = String::new();
    for p in PAGES {
        let step = &run.test(p)["attempts"][0]["steps"][3];
        assert_eq!(step["status"], "passed", "{step}");
        let elements = step["output"]["elements"].as_array().cloned().unwrap_or_default();
        let seen: Vec<String> = elements
            .iter()
            .map(|e| format!("{}: {}", e["kind"].as_str().unwrap(), e["name"].as_str().unwrap()))
            .collect();
        let truth = truth(p);
        let m = matched(&truth, &seen);
        report.push_str(&format!(
            "{p}: {m}/{} found, {} reported: {seen:?}\n",
            truth.len(),
            seen.len()
        ));
        (want, got, hit) = (want + truth.len(), got + seen.len(), hit + m);
        fallback += elements.iter().filter(|e| e["css_fallback"] == true).count();
        // The marked screenshot is a real PNG of the page.
        let shot = step["screenshots"][0].as_str().unwrap_or_default();
        assert!(shot.ends_with(".png"), "{step}");
        let png = std::fs::read(run.out().join(shot)).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{shot}");
        check.push_str(&format!(
            "  - name: {p}\n    url: \"${{FIXTURES}}/detect/{p}.html\"\n    actions:\n      - {{ type: wait, network_idle: true }}\n"
        ));
        for e in &elements {
            let loc = serde_json::to_string(&e["locator"]).unwrap();
            check.push_str(&format!(
                "      - {{ type: assert_count, selector: {loc}, count: 1 }}\n"
            ));
        }
    }
    let recall = hit as f64 / want as f64;
    let precision = hit as f64 / got as f64;
    assert!(recall >= 0.95, "recall {recall:.3}\n{report}");
    assert!(precision >= 0.90, "precision {precision:.3}\n{report}");
    assert!(
        (fallback as f64) <= 0.1 * got as f64,
        "{fallback} of {got} locators are CSS paths\n{report}"
    );
    // Each reported locator, used as a user would, finds exactly one element.
    let run = panoptic_with(&["run"], &check, &[], &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

const CLICKS: &str = r#"name: vision
settings: { retries: 0, screenshot_on_failure: false }
apps:
  - name: div-button
    url: "${FIXTURES}/detect/div-buttons.html"
    actions:
      - { type: vision_click, parameters: { type: button, text: "mark all as read" } }
      - { type: assert_text, selector: "text=Clicked", equals: "Clicked" }
  - name: in-shadow-and-frame
    url: "${FIXTURES}/detect/frames.html"
    actions:
      - { type: vision_click, element: textfield, text: "card number" }
      - { type: press, key: "4" }
      - { type: assert_value, selector: "frame=#pay >> #num", equals: "4" }
      - { type: vision_click, parameters: { text: "I accept the terms" } }
      - { type: assert_text, selector: "frame=#pay >> frame=#terms >> #said", equals: "Accepted" }
  - name: later
    url: "${FIXTURES}/detect/dynamic.html"
    actions:
      - { type: vision_click, parameters: { type: button, text: "invoice 42" } }
  - name: nothing-like-it
    url: "${FIXTURES}/detect/form.html"
    actions:
      - { type: vision_click, parameters: { type: button, text: "delete my account" }, timeout: 1s }
"#;

#[test]
fn vision_click_clicks_the_best_match_and_names_the_closest_when_none_is_good() {
    let run = panoptic_with(&["run"], CLICKS, &[], &[]);
    for t in ["div-button", "in-shadow-and-frame", "later"] {
        assert_eq!(run.test(t)["status"], "passed", "{}", run.test(t));
    }
    let step = &run.test("div-button")["attempts"][0]["steps"][1];
    let clicked = &step["output"]["elements"][0];
    assert_eq!(clicked["name"], "Mark all read", "{step}");
    assert_eq!(step["output"]["findings"][0]["locator"], clicked["locator"], "{step}");
    let failed = &run.test("nothing-like-it")["attempts"][0]["steps"][1];
    assert_eq!(failed["status"], "failed", "{failed}");
    let msg = failed["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("no enabled element is a button matching \"delete my account\"")
            && msg.contains("closest: button \"Create account\""),
        "{msg}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn inspect_prints_the_elements_as_a_table_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let inspect = |json: bool| {
        let mut cmd = crate::support::command();
        cmd.args(["inspect", &format!("{}/detect/shadow.html", fixtures()), "-o", "out"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.current_dir(dir.path()).env("NO_COLOR", "1").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let table = inspect(false);
    assert!(table.starts_with("| # | kind | name | locator | box |"), "{table}");
    assert!(
        table.contains("| textfield | Nickname | `role=textbox[name=\"Nickname\"]` |"),
        "a field labelled through a slot, inside a shadow root:\n{table}"
    );
    let list: Vec<Value> = serde_json::from_str(&inspect(true)).unwrap();
    assert_eq!(list.len(), truth("shadow").len(), "{list:?}");
    assert!(
        list.iter()
            .all(|e| e["candidates"].as_array().is_some_and(|c| !c.is_empty()))
    );
}

/// Every AI action in one config, run as is and again with `settings.ai_testing` spelled out
/// (its defaults, and `max_generated_tests` lower): each passes either way.
#[test]
fn every_ai_action_runs_with_and_without_ai_testing_settings() {
    let steps = r#"    actions:
      - { type: vision_report }
      - { type: vision_click, parameters: { type: textfield, text: "email" } }
      - { type: smart_error_detection, fail_on: critical }
      - { type: ai_test_generation }
      - { type: ai_enhanced_testing, fail_on: critical }
"#;
    for settings in [
        "{ retries: 0, screenshot_on_failure: false }",
        "{ retries: 0, screenshot_on_failure: false, ai_testing: { enable_error_detection: true, self_healing: true, confidence_threshold: 0.7, max_generated_tests: 2 } }",
    ] {
        let yaml = format!(
            "name: every\nsettings: {settings}\napps:\n  - name: form\n    url: \"${{FIXTURES}}/detect/form.html\"\n{steps}"
        );
        let run = panoptic_with(&["run"], &yaml, &[], &[]);
        assert_eq!(run.code, 0, "{settings}\n{}\n{}", run.stderr, run.test("form"));
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
        let steps = &run.test("form")["attempts"][0]["steps"];
        assert_eq!(steps.as_array().map(Vec::len), Some(6), "{steps}");
    }
}
