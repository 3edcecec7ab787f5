//! Web components: locators pierce open shadow roots as Playwright's do. The suite is the one
//! `cargo xtask compare` runs against Playwright Test (`benches/e2e/shadow.yaml`).

use crate::support::{bench_site, command, panoptic_with};

#[test]
fn the_shadow_dom_suite_passes_as_it_does_in_playwright() {
    let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/e2e/shadow.yaml");
    let dir = tempfile::tempdir().unwrap();
    let out = command()
        .arg("run")
        .arg(&suite)
        .args(["--output", "out"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("BENCH_URL", bench_site())
        .output()
        .unwrap();
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/results.json")).unwrap()).unwrap();
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 12);
    let failed: Vec<String> = tests
        .iter()
        .filter(|t| t["status"] != "passed")
        .map(|t| format!("{}: {}", t["name"], t["attempts"][0]["error"]))
        .collect();
    assert!(
        failed.is_empty(),
        "{failed:#?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}

/// A selector the browser cannot parse fails its step at once, naming the piece and its
/// column — not after the whole action timeout as a script error. XPath does not pierce shadow
/// roots (as in Playwright): it finds nothing inside a component.
#[test]
fn malformed_selectors_fail_at_once_and_xpath_stays_outside_components() {
    let yaml = format!(
        "name: bad\nsettings: {{ retries: 0, screenshot_on_failure: false, timeouts: {{ action: 20s, expect: 300ms }} }}\napps:\n  - name: A\n    url: \"{}/shadow-todo.html\"\n    actions:\n      - {{ type: click, selector: \".todo-list li:bogus-state > .toggle\" }}\n  - name: B\n    url: \"{}/shadow-todo.html\"\n    actions:\n      - {{ type: assert_count, selector: \"//input[@class='new-todo']\", count: 0 }}\n      - {{ type: assert_count, selector: \"input.new-todo\", count: 1 }}\n",
        bench_site(),
        bench_site()
    );
    let run = panoptic_with(&["run"], &yaml, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let err = run.test("A")["attempts"][0]["steps"][1]["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        err.contains(
            "`.todo-list li:bogus-state > .toggle` is not a valid CSS selector: `li:bogus-state` (at column 12)"
        ),
        "{err}"
    );
    assert!(!err.contains("timed out"), "failed at once: {err}");
    assert_eq!(run.test("B")["status"], "passed", "{}", run.test("B"));
}
