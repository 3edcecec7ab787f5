//! Every action, every locator kind and every assertion's failure, through the binary.

use crate::support::{demo_site, panoptic_with, png_size, run_yaml};

const ALL_ACTIONS: &str = r##"
name: every action
settings:
  allow: { eval: true, file_upload_roots: ["data"] }
  timeouts: { action: 5s, expect: 5s }
apps:
  - name: navigation
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: navigate, url: "second.html" }
      - { type: assert_title, equals: "Second page" }
      - { type: back }
      - { type: assert_title, equals: "Kitchen sink" }
      - { type: forward }
      - { type: assert_url, contains: "/second.html" }
      - { type: reload }
      - { type: assert_text, selector: "#counter", equals: "loaded reload" }
      - { type: navigate, value: "/kitchen.html" }
      - { type: assert_url, matches: "kitchen\\.html$" }
  - name: interaction
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: fill, selector: "#name", value: "Ada" }
      - { type: assert_value, selector: "#name", equals: "Ada" }
      - { type: clear, selector: "#name" }
      - { type: assert_value, selector: "#name", equals: "" }
      - { type: hover, selector: "#hover" }
      - { type: assert_text, selector: "#out", equals: "hovered" }
      - { type: dblclick, selector: "#dbl" }
      - { type: assert_text, selector: "#out", equals: "double" }
      - { type: select, selector: "#city", value: "par" }
      - { type: assert_value, selector: "#city", equals: "par" }
      - { type: select, selector: "#city", label: "Berlin" }
      - { type: assert_value, selector: "#city", equals: "ber" }
      - { type: check, selector: "#promo" }
      - { type: uncheck, selector: "#agree" }
      - { type: assert_text, selector: "#boxes", equals: "agree=false promo=true" }
      - { type: check, selector: "#promo" }
      - { type: upload, selector: "#file", files: ["data/upload.txt"] }
      - { type: assert_text, selector: "#keys", equals: "attached upload.txt" }
      - { type: press, selector: "#notes", key: "Control+Enter" }
      - { type: assert_text, selector: "#keys", equals: "ctrl+enter" }
      - { type: fill, selector: "#notes", value: "abc" }
      - { type: press, selector: "#notes", key: "Control+A" }
      - { type: press, key: "Backspace" }
      - { type: assert_value, selector: "#notes", equals: "" }
      - { type: dialog, accept: true }
      - { type: click, selector: "#confirm" }
      - { type: assert_text, selector: "#confirm-result", equals: "yes" }
      - { type: dialog, value: dismiss }
      - { type: click, selector: "#confirm" }
      - { type: assert_text, selector: "#confirm-result", equals: "no" }
      - { type: dialog, accept: true, prompt_text: "Grace" }
      - { type: click, selector: "#prompt" }
      - { type: assert_text, selector: "#prompt-result", equals: "Hi Grace" }
      - { type: scroll, selector: "#bottom" }
      - { type: eval, script: "if (window.scrollY < 500) throw new Error('not scrolled: ' + scrollY); return scrollY > 0" }
      - { type: scroll, y: -100000 }
      - { type: eval, script: "if (window.scrollY !== 0) throw new Error('still at ' + scrollY); return true" }
      - { type: fill, selector: "#name", value: "Ada" }
      - { type: press, selector: "#name", key: "Enter" }
      - { type: wait, url: "done.html?name=Ada*" }
      - { type: assert_text, selector: "#done", equals: "Form submitted" }
  - name: submit
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: fill, selector: "#name", value: "Lin" }
      - { type: submit, selector: "#name" }
      - { type: wait, url: "name=Lin" }
      - { type: assert_title, equals: "Submitted" }
  - name: waiting
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: wait, wait_time: 0.2 }
      - { type: wait, duration: 100ms }
      - { type: click, selector: "#toggle" }
      - { type: wait, selector: "#panel", state: hidden }
      - { type: click, selector: "#toggle" }
      - { type: wait, selector: "#panel", state: visible }
      - { type: click, selector: "#remove" }
      - { type: wait, selector: "#gone", state: detached }
      - { type: wait, target: "#title", state: attached }
      - { type: click, selector: "#fetch" }
      - { type: wait, network_idle: true }
      - { type: assert_text, selector: "#fetched", equals: "ok" }
  - name: assertions
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: assert_visible, selector: "#title" }
      - { type: assert_hidden, selector: "#invisible" }
      - { type: assert_hidden, selector: "#does-not-exist" }
      - { type: assert_text, selector: "#title", equals: "Kitchen sink" }
      - { type: assert_text, selector: "#title", contains: "sink" }
      - { type: assert_text, selector: "#title", matches: "^Kitchen\\s+sink$" }
      - { type: assert_value, selector: "#name", equals: "" }
      - { type: assert_attribute, selector: "#name", attribute: placeholder, equals: "Jane Doe" }
      - { type: assert_count, selector: ".item", count: 3 }
      - { type: assert_url, contains: "kitchen.html" }
      - { type: assert_title, matches: "^Kitchen" }
      - { type: assert_no_errors }
  - name: evidence
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: screenshot, parameters: { filename: "view.png" } }
      - { type: screenshot, parameters: { filename: "full.png", full_page: true } }
      - { type: screenshot, selector: "#f", parameters: { filename: "form.png" } }
      - { type: screenshot, parameters: { filename: "masked.png", mask: ["#title", "#f"] } }
      - { type: eval, script: "document.title", save_as: page_title }
      - { type: assert_text, selector: "#title", equals: "${page_title}" }
      - { name: expression naming return, type: eval, script: "document.title + ' (return policy)'" }
      - { name: function body, type: eval, script: "const n = document.querySelectorAll('.item').length; return n * 2" }
"##;

#[test]
fn every_action_passes_end_to_end() {
    let run = panoptic_with(&["run"], ALL_ACTIONS, &[("data/upload.txt", "hello")], &[]);
    run.assert_all_passed();
    // chromiumoxide's undecodable-message errors stay out of the user's output (DESIGN §1.1).
    assert!(!run.stderr.to_lowercase().contains("deserialize"), "{}", run.stderr);
    let results = run.results();
    assert_eq!(results["run"]["totals"]["passed"], 6, "{results:#}");
    let shots = run.out().join("screenshots/evidence");
    let view = png_size(&shots.join("view.png"));
    let full = png_size(&shots.join("full.png"));
    let form = png_size(&shots.join("form.png"));
    assert_eq!(view, (1280, 720));
    assert!(full.1 > 2000, "full page is {full:?}");
    assert!(
        form.0 < 1280 && form.1 < 720 && form.0 > 100,
        "element shot is {form:?}"
    );
    let masked = std::fs::read(shots.join("masked.png")).unwrap();
    assert_ne!(
        masked,
        std::fs::read(shots.join("view.png")).unwrap(),
        "mask changed nothing"
    );
    let steps = &run.test("evidence")["attempts"][0]["steps"];
    assert_eq!(steps[5]["output"], "Kitchen sink");
    // A script is an expression even when it contains the word `return`; a top-level `return`
    // makes it a function body.
    assert_eq!(steps[7]["output"], "Kitchen sink (return policy)");
    assert_eq!(steps[8]["output"], 6);
}

#[test]
fn every_locator_kind_resolves() {
    let yaml = r##"
name: locators
apps:
  - name: locators
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { name: css, type: assert_text, selector: "h1#title", equals: "Kitchen sink" }
      - { name: xpath prefix, type: assert_text, selector: "xpath=//h1[@id='title']", equals: "Kitchen sink" }
      - { name: bare xpath, type: assert_text, selector: "//li[2]", equals: "Two" }
      - { name: text substring, type: assert_count, selector: "text=kitchen SINK", count: 1 }
      - { name: text exact, type: assert_count, selector: "text=\"Two\"", count: 1 }
      - { name: text exact misses case, type: assert_count, selector: "text=\"two\"", count: 0 }
      - { name: role, type: click, selector: "role=button[name='Toggle panel']" }
      - { type: assert_hidden, selector: "#panel" }
      - { name: role list, type: assert_count, selector: "role=listitem", count: 3 }
      - { name: label, type: fill, selector: "label=Full name", value: "Grace" }
      - { name: aria label, type: fill, selector: "label=Notes", value: "n" }
      - { name: placeholder, type: assert_value, selector: "placeholder=Jane", equals: "Grace" }
      - { name: testid, type: assert_value, selector: "testid=name-input", equals: "Grace" }
      - { name: chain, type: click, selector: "testid=card-b >> role=button" }
      - { type: assert_text, selector: "#opened", equals: "Beta" }
      - { name: chain css, type: assert_text, selector: ".card >> h2", equals: "Alpha" }
"##;
    run_yaml(yaml).assert_all_passed();
}

/// One failing case per assertion: the report, the JSON and the JUnit show step, expected, actual.
#[test]
fn failing_assertions_show_expected_and_actual_everywhere() {
    let cases = [
        (
            "assert_visible",
            "{ type: assert_visible, selector: '#invisible' }",
            "visible",
            "attached but hidden",
        ),
        (
            "assert_hidden",
            "{ type: assert_hidden, selector: '#title' }",
            "hidden or absent",
            "visible",
        ),
        (
            "assert_text",
            "{ type: assert_text, selector: '#title', equals: 'Bathroom' }",
            "text equal to \"Bathroom\"",
            "Kitchen sink",
        ),
        (
            "assert_value",
            "{ type: assert_value, selector: '#city', equals: 'par' }",
            "value equal to \"par\"",
            "",
        ),
        (
            "assert_attribute",
            "{ type: assert_attribute, selector: '#name', attribute: placeholder, contains: 'John' }",
            "attribute placeholder containing \"John\"",
            "Jane Doe",
        ),
        (
            "assert_count",
            "{ type: assert_count, selector: '.item', count: 5 }",
            "5 element(s)",
            "3 element(s)",
        ),
        (
            "assert_url",
            "{ type: assert_url, contains: 'checkout' }",
            "URL containing \"checkout\"",
            "/kitchen.html",
        ),
        (
            "assert_title",
            "{ type: assert_title, equals: 'Other' }",
            "title equal to \"Other\"",
            "Kitchen sink",
        ),
    ];
    let mut yaml = String::from("name: failing\nsettings: { retries: 0, timeouts: { expect: 300ms } }\napps:\n");
    for (name, step, _, _) in &cases {
        yaml.push_str(&format!(
            "  - name: {name}\n    url: \"${{FIXTURES}}/kitchen.html\"\n    actions: [{step}]\n"
        ));
    }
    yaml.push_str(
        "  - name: assert_no_errors\n    url: \"${FIXTURES}/broken.html\"\n    actions: [{ type: assert_no_errors }]\n",
    );
    let run = run_yaml(&yaml);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let junit = run.read("junit.xml");
    let html = run.read("report.html");
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    for (name, _, expected, actual) in cases {
        let t = run.test(name);
        assert_eq!(t["status"], "failed", "{name}: {t:#}");
        let step = &t["attempts"][0]["steps"][1];
        assert_eq!(step["action"], name);
        assert_eq!(step["status"], "failed");
        assert_eq!(step["error"]["expected"], expected, "{name}");
        assert!(
            step["error"]["actual"].as_str().unwrap().contains(actual),
            "{name}: {}",
            step["error"]
        );
        assert!(
            !step["screenshots"].as_array().unwrap().is_empty(),
            "{name}: no failure screenshot"
        );
        assert!(
            junit.contains(&format!("expected: {}", esc(expected))),
            "{name} expected missing from junit"
        );
        assert!(junit.contains(&format!("({name})")), "{name} step missing from junit");
        assert!(html.contains(&esc(expected)), "{name} expected missing from report");
    }
    let t = run.test("assert_no_errors");
    let err = &t["attempts"][0]["steps"][1]["error"];
    assert!(err["actual"].as_str().unwrap().contains("boom from the page"), "{err}");
    assert!(err["actual"].as_str().unwrap().contains("HTTP 404"), "{err}");
    assert!(junit.contains("boom from the page"));
}

#[test]
fn late_elements_enable_and_overlays_pass_without_sleeps() {
    let yaml = format!(
        r##"
name: auto-wait
apps:
  - name: slow page
    url: "{}/late.html"
    actions:
      - {{ name: late element, type: assert_text, selector: "#late", equals: "Rendered late" }}
  - name: late button
    url: "{}/late.html"
    actions:
      - {{ name: enabled late, type: click, selector: "#enable-later" }}
      - {{ type: assert_text, selector: "testid=result", equals: "Continued" }}
  - name: overlay
    url: "{}/late.html"
    actions:
      - {{ name: behind overlay, type: click, selector: "#under-overlay" }}
      - {{ type: assert_text, selector: "testid=result", equals: "Clicked behind" }}
"##,
        demo_site(),
        demo_site(),
        demo_site()
    );
    let run = run_yaml(&yaml);
    run.assert_all_passed();
    // Each waiting step really waited for the page (800/500 ms timers started by its script,
    // which runs after the attempt's clock starts), not for a fixed sleep: it ended no earlier
    // than the timer, however long the opening navigation took.
    let ended = |test: &str| {
        let step = &run.test(test)["attempts"][0]["steps"][1];
        step["offset_ms"].as_u64().unwrap() + step["duration_ms"].as_u64().unwrap()
    };
    assert!(
        ended("slow page") >= 800,
        "late element step ended at {}ms",
        ended("slow page")
    );
    assert!(
        ended("late button") >= 500,
        "late button step ended at {}ms",
        ended("late button")
    );
}

#[test]
fn element_that_never_appears_fails_after_the_action_timeout() {
    let yaml = r##"
name: never
settings: { retries: 0, timeouts: { action: 700ms } }
apps:
  - name: never
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: click, selector: "#no-such-button" }
      - { type: click, selector: "#title" }
"##;
    let run = run_yaml(yaml);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let steps = &run.test("never")["attempts"][0]["steps"];
    let msg = steps[1]["error"]["message"].as_str().unwrap();
    assert!(msg.contains("`#no-such-button`"), "{msg}");
    assert!(msg.contains("visible, stable, enabled and not covered"), "{msg}");
    assert!(msg.contains("700ms"), "{msg}");
    assert!(steps[1]["duration_ms"].as_u64().unwrap() >= 700);
    assert_eq!(steps[2]["status"], "skipped");
    assert!(run.stderr.contains("#no-such-button"), "{}", run.stderr);
}
