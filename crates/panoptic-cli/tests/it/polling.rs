//! Polls that look again when the page changes: what they promise holds on a page that never
//! stops changing, changes inside a shadow root, blocks its only thread, and replaced the
//! observers, timers and listeners of its own world.

use crate::support::panoptic_with;

#[test]
fn polls_hold_on_a_page_that_never_stops_changing_or_blocks_its_thread() {
    let yaml = r##"name: changing
settings: { retries: 0, screenshot_on_failure: false, timeouts: { expect: 5s, action: 5s } }
apps:
  - name: waits
    url: "${FIXTURES}/changing.html"
    actions:
      - { type: assert_text, selector: "#inner", equals: ready }
      - { type: assert_visible, selector: "#late" }
      - { type: click, selector: "#block" }
      - { type: assert_text, selector: "#after", equals: unblocked }
      - { type: wait, selector: "#late", state: visible }
  - name: never
    url: "${FIXTURES}/changing.html"
    actions:
      - { type: assert_text, selector: "#tick", equals: never, timeout: 1s }
"##;
    let run = panoptic_with(&["run"], yaml, &[], &[]);
    let results = run.results();
    let tests = results["tests"].as_array().unwrap();
    let by = |name: &str| tests.iter().find(|t| t["name"] == name).unwrap().clone();
    assert_eq!(by("waits")["status"], "passed", "{}\n{:#}", run.stderr, by("waits"));
    let never = by("never");
    assert_eq!(never["status"], "failed", "{never:#}");
    let step = &never["attempts"][0]["steps"][1];
    let message = step["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("assert_text of `#tick` failed after 1s"),
        "{message}"
    );
    assert_eq!(step["error"]["expected"], "text equal to \"never\"", "{step:#}");
    assert_eq!(run.code, 1, "{}", run.stderr);
}
