//! Config errors, the Go tool's format, exit codes and isolation between tests.

use crate::support::{command, panoptic_with, run_yaml};

#[test]
fn validate_and_run_report_every_error_at_once() {
    let yaml = "name: broken\nsetings:\n  retries: 1\nsettings:\n  timeouts: { action: 5 parsecs }\napps:\n  - name: A\n    url: \"http://127.0.0.1:1/\"\n    actions:\n      - { type: clik, selector: \"#x\" }\n      - { type: fill, selector: \"#y\" }\n      - { type: cloud_sync }\n";
    for cmd in ["validate", "run"] {
        let run = panoptic_with(&[cmd], yaml, &[], &[]);
        assert_eq!(run.code, 2, "{cmd}: {}", run.stderr);
        let e = &run.stderr;
        assert!(
            e.contains("config.yaml:2:1: error: unknown key `setings`") && e.contains("did you mean `settings`?"),
            "{e}"
        );
        assert!(
            e.contains("config.yaml:5:23: error: `action`: unknown duration unit"),
            "{e}"
        );
        assert!(
            e.contains("config.yaml:10:17: error: unknown action type `clik`") && e.contains("did you mean `click`?"),
            "{e}"
        );
        assert!(e.contains("config.yaml:11:9: error: `fill` needs a `value`"), "{e}");
        assert!(e.contains("5 error(s)") || e.contains("4 error(s)"), "{e}");
        assert!(!run.out().exists(), "{cmd} wrote output for an invalid config");
    }
}

#[test]
fn enterprise_actions_and_desktop_apps_get_clear_errors() {
    let yaml = "name: old\napps:\n  - { name: A, type: desktop }\nactions:\n  - { type: enterprise_sso_login }\n  - { type: user_create }\n";
    let run = panoptic_with(&["validate"], yaml, &[], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("app type `desktop` is not supported"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("replaced by `panoptic serve` API keys").count(),
        2,
        "{}",
        run.stderr
    );
}

#[test]
fn go_tool_config_runs_unchanged_and_screenshot_true_takes_one() {
    let yaml = r##"
name: "Go tool config"
output: "./go-results"
settings:
  screenshot_format: png
  quality: 90
  headless: true
  window_width: 1024
  window_height: 768
  enable_metrics: true
  log_level: info
  video_format: webm
apps:
  - name: "Kitchen"
    type: web
    url: "${FIXTURES}/kitchen.html"
    timeout: 30
actions:
  - name: "open second"
    type: navigate
    value: "${FIXTURES}/second.html"
    screenshot: true
  - name: "wait a little"
    type: wait
    wait_time: 0.1
  - name: "back to the kitchen"
    type: navigate
    url: "${FIXTURES}/kitchen.html"
  - name: "type the name"
    type: fill
    target: "#name"
    value: "Ada"
  - name: "click toggle"
    type: click
    selector: "#toggle"
    screenshot: true
  - name: "shot"
    type: screenshot
    parameters:
      filename: "kitchen.png"
"##;
    let run = run_yaml(yaml);
    run.assert_all_passed();
    let steps = &run.test("Kitchen")["attempts"][0]["steps"];
    let after = steps[1]["screenshots"][0].as_str().unwrap();
    assert!(after.ends_with("-after.png"), "{after}");
    assert!(run.out().join(after).is_file());
    assert!(steps[5]["screenshots"][0].as_str().unwrap().ends_with("-after.png"));
    assert!(run.out().join("screenshots/kitchen/kitchen.png").is_file());
    assert_eq!(crate::support::png_size(&run.out().join(after)), (1024, 768));
}

#[test]
fn exit_codes() {
    let pass = "name: p\napps: [{ name: A, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#title' }] }]\n";
    let fail = "name: f\nsettings: { retries: 0, timeouts: { expect: 200ms } }\napps: [{ name: A, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#nope' }] }]\n";
    assert_eq!(run_yaml(pass).code, 0);
    assert_eq!(run_yaml(fail).code, 1);
    assert_eq!(run_yaml("name: x\napps: 3\n").code, 2);
    let no_browser = panoptic_with(&["run"], pass, &[], &[("PANOPTIC_CHROME", "/nonexistent/chromium")]);
    assert_eq!(no_browser.code, 3, "{}", no_browser.stderr);
    assert!(
        no_browser.stderr.contains("apt-get install chromium"),
        "{}",
        no_browser.stderr
    );
    let unwritable = command()
        .args(["run", "--output", "/proc/panoptic-out"])
        .arg(write_temp(pass).path().join("c.yaml"))
        .env("FIXTURES", crate::support::fixtures())
        .output()
        .unwrap();
    assert_eq!(
        unwritable.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&unwritable.stderr)
    );
    let usage = command().args(["run"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

fn write_temp(yaml: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("c.yaml"), yaml).unwrap();
    d
}

#[test]
fn tests_never_share_cookies_or_local_storage() {
    let yaml = r##"
name: isolation
settings: { workers: 1 }
apps:
  - name: first
    url: "${FIXTURES}/storage.html"
    actions:
      - { type: click, selector: "#set" }
      - { type: assert_text, selector: "#cookie", equals: "cookie:who=first" }
      - { type: assert_text, selector: "#local", equals: "local:first" }
      - { type: reload }
      - { type: assert_text, selector: "#local", equals: "local:first" }
  - name: second
    url: "${FIXTURES}/storage.html"
    actions:
      - { type: assert_text, selector: "#cookie", equals: "cookie:none" }
      - { type: assert_text, selector: "#local", equals: "local:none" }
"##;
    run_yaml(yaml).assert_all_passed();
}

#[test]
fn a_test_past_its_timeout_is_timed_out_and_the_next_one_runs() {
    let yaml = r##"
name: timeouts
settings: { retries: 0 }
apps:
  - name: slow
    url: "${FIXTURES}/kitchen.html"
    timeout: 1
    actions:
      - { type: wait, wait_time: 5 }
  - name: next
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: assert_visible, selector: "#title", timeout: 2s }
"##;
    let run = run_yaml(yaml);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let slow = run.test("slow");
    assert_eq!(slow["status"], "timed_out", "{slow:#}");
    assert!(
        slow["attempts"][0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("timeout of 1s")
    );
    assert_eq!(run.test("next")["status"], "passed");
    assert!(run.read("junit.xml").contains("type=\"timed_out\""));
}
