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

/// `settings.strict_locators`: a locator that matches several elements fails at once, listing
/// them (Playwright's strict mode); `nth=` picks one and passes.
#[test]
fn strict_locators_fail_on_several_matches_and_nth_picks_one() {
    let yaml = format!(
        "name: strict\nsettings: {{ retries: 0, strict_locators: true, screenshot_on_failure: false, timeouts: {{ action: 20s }} }}\napps:\n  - name: A\n    url: \"{}/shadow-todo.html\"\n    actions:\n      - {{ type: fill, selector: \".new-todo\", value: \"a\" }}\n      - {{ type: press, key: \"Enter\" }}\n      - {{ type: fill, selector: \".new-todo\", value: \"b\" }}\n      - {{ type: press, key: \"Enter\" }}\n      - {{ type: assert_count, selector: \".toggle\", count: 2 }}\n      - {{ type: check, selector: \".toggle >> nth=1\" }}\n      - {{ type: check, selector: \".toggle\" }}\n",
        bench_site()
    );
    let run = panoptic_with(&["run"], &yaml, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let steps = &run.test("A")["attempts"][0]["steps"];
    assert_eq!(steps[6]["status"], "passed", "{steps}");
    let err = steps[7]["error"]["message"].as_str().unwrap();
    assert_eq!(
        err,
        "strict mode: `.toggle` matches 2 elements, not one: 1) <input> \"\", 2) <input> \"\""
    );
}

/// `label=` finds a control whose label's text comes through a slot (the component's `<label>`
/// wraps a `<slot>` the page fills) and reads the label through it; Playwright's `getByLabel`
/// does not find this one (checked with Playwright 1.65), so it stays out of the shared suite.
#[test]
fn a_label_whose_text_comes_through_a_slot_names_its_control() {
    let yaml = format!(
        "name: slots\nsettings: {{ retries: 0, screenshot_on_failure: false, timeouts: {{ action: 20s }} }}\napps:\n  - name: A\n    url: \"{}/shadow-form.html\"\n    actions:\n      - {{ type: fill, selector: \"label=Phone\", value: \"555 0100\" }}\n      - {{ type: assert_value, selector: \"slot-field input\", equals: \"555 0100\" }}\n      - {{ type: assert_value, selector: \"label=Email\", equals: \"\" }}\n      - {{ type: assert_count, selector: \"label=Phone\", count: 1 }}\n",
        bench_site()
    );
    let run = panoptic_with(&["run"], &yaml, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.test("A")["status"], "passed", "{}", run.test("A"));
}
