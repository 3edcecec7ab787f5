//! `settings.trace: retain-on-failure`: a failing test keeps a trace, a passing one none; the
//! trace holds no secret; and the report opens it in real Chromium — driven by panoptic
//! itself — showing the failing step's DOM (shadow root and masked password included),
//! console messages and network requests.

use crate::support::{command, fixtures, results_in, test_named};

const SECRET: &str = "s3cr3t-pw-81723";

const TRACED: &str = r##"name: traced
settings: { retries: 0, trace: retain-on-failure, screenshot_on_failure: false }
apps:
  - name: failing
    url: "${FIXTURES}/trace.html"
    actions:
      - { type: fill, selector: "#user", value: "ada" }
      - { type: fill, selector: "#password", value: "${secret:TRACE_PASSWORD}" }
      - { type: fill, selector: "#note", value: "token ${secret:TRACE_PASSWORD}" }
      - { type: click, selector: "#go" }
      - { type: assert_text, selector: "#result", equals: "never", timeout: 3s }
  - name: passing
    url: "${FIXTURES}/trace.html"
    actions:
      - { type: click, selector: "#go" }
      - { type: assert_text, selector: "#result", equals: "done: real" }
"##;

const VIEWER: &str = r##"name: viewer
settings: { retries: 0, allow: { schemes: [file, http], eval: true } }
apps:
  - name: the report opens the trace
    url: "${REPORT}"
    actions:
      - { type: click, selector: "text=Open the trace" }
      - { type: assert_url, contains: "/traces/" }
      - { type: assert_text, selector: "#step-title", contains: "assert_text" }
      - { type: assert_text, selector: "#step-error", contains: "never" }
      - { type: assert_text, selector: "frame=#after >> #result", equals: "done: real" }
      - { type: assert_text, selector: "frame=#after >> #shadowed", equals: "inside the shadow" }
      - { type: assert_value, selector: "frame=#after >> #user", equals: "ada" }
      - { type: assert_value, selector: "frame=#after >> #password", equals: "••••••••" }
      - { type: eval, script: "const r = document.getElementById('after').contentDocument.getElementById('note').getBoundingClientRect(); window.noteArea = r.width * r.height; return window.noteArea" }
      - { type: click, selector: "role=button[name='Screenshot']" }
      - { type: assert_visible, selector: "#shot" }
      - { type: eval, script: "${COVERED}" }
      - { type: click, selector: "role=button[name='Console']" }
      - { type: assert_text, selector: "#console", contains: "late failure" }
      - { type: click, selector: "role=button[name='Network']" }
      - { type: assert_text, selector: "#network", contains: "/api/todos" }
      - { type: assert_text, selector: "#network tr:has-text('/api/todos')", contains: "200" }
      - { type: click, selector: "#steps button:has-text('click')" }
      - { type: click, selector: "role=button[name='Console']" }
      - { type: assert_text, selector: "#console", contains: "clicked by ada" }
      - { type: click, selector: "role=button[name='Before']" }
      - { type: assert_text, selector: "frame=#before >> #result", equals: "waiting" }
"##;

/// Fails unless the step's screenshot covers two fields with the mask's magenta: the password
/// field and the text field holding the secret (each about the size of `#note`, measured in the
/// DOM snapshot by the step before).
const COVERED: &str = "const img = document.getElementById('shot'); \
if (!img.complete || !img.naturalWidth) throw new Error('no screenshot shown'); \
const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight; \
const g = c.getContext('2d'); g.drawImage(img, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data; \
let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 90 && d[i + 2] > 200) n++; \
if (!(window.noteArea > 100)) throw new Error('no field size: ' + window.noteArea); \
const fields = n / window.noteArea; if (!(fields >= 1.7)) throw new Error('masked fields: ' + fields); return fields;";

#[test]
fn a_failing_test_keeps_a_trace_the_report_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("traced.yaml"), TRACED).unwrap();
    std::fs::write(dir.join("viewer.yaml"), VIEWER).unwrap();
    let run = |config: &str, out: &str, env: &[(&str, &str)]| {
        command()
            .args(["run", config, "--output", out])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("FIXTURES", fixtures())
            .env("TRACE_PASSWORD", SECRET)
            .envs(env.iter().copied())
            .output()
            .expect("run panoptic")
    };
    let first = run("traced.yaml", "out", &[]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let results = results_in(&dir.join("out"));
    let test = |name: &str| test_named(&results, name);
    assert_eq!(test("passing")["status"], "passed");
    assert!(
        test("passing")["attempts"][0].get("trace").is_none(),
        "a passing test keeps no trace"
    );
    let rel = test("failing")["attempts"][0]["trace"]
        .as_str()
        .expect("a trace")
        .to_owned();
    let traces: Vec<_> = std::fs::read_dir(dir.join("out/traces")).unwrap().collect();
    assert_eq!(traces.len(), 1, "only the failing test's trace: {traces:?}");
    let bytes = std::fs::read(dir.join("out").join(&rel)).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(SECRET), "the secret is in the trace");
    assert!(
        text.contains("token ***") || text.contains("token [secret"),
        "the secret is replaced, not dropped"
    );
    assert!(
        !text.contains("<script>fetch") && !text.contains("customElements.define"),
        "no page script"
    );

    let report = format!("file://{}", dir.join("out/report.html").display());
    let second = run("viewer.yaml", "view", &[("REPORT", &report), ("COVERED", COVERED)]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr)
    );
}
