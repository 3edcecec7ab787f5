//! Test generation on real Chromium: `panoptic generate` on every detection fixture page and on
//! the demo site (two pages deep) writes configs that validate and run green; the sign-up form
//! with email, tel, number, date, password, url, select, radio, checkbox and textarea fields is
//! submitted and its outcome asserted; the `ai_test_generation` step keeps the YAML in its
//! output and leaves the page where it was.

use std::path::Path;
use std::process::Output;

use crate::support::{bench_site, command, demo_site, fixtures, panoptic_with};

fn panoptic(dir: &Path, args: &[&str]) -> Output {
    command()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn said(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `panoptic generate` from `url` into `name`.yaml; returns the YAML.
fn generate(dir: &Path, url: &str, name: &str, depth: &str) -> String {
    let file = format!("{name}.yaml");
    let report = format!("{name}-explore");
    let out = panoptic(
        dir,
        &["generate", url, "--depth", depth, "-o", &file, "--report-dir", &report],
    );
    assert_eq!(out.status.code(), Some(0), "generate {url}:\n{}", said(&out));
    std::fs::read_to_string(dir.join(&file)).unwrap()
}

#[test]
fn generated_configs_validate_and_run_green_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    // The `ai_test_generation` step on every fixture page in one run …
    let pages = [
        "div-buttons",
        "shadow",
        "frames",
        "icons",
        "hidden",
        "covered",
        "nav",
        "widgets",
        "duplicates",
        "dynamic",
    ];
    let mut yaml = String::from("name: gen\nsettings: { retries: 0, screenshot_on_failure: false }\napps:\n");
    for p in pages {
        yaml.push_str(&format!(
            "  - name: {p}\n    url: \"${{FIXTURES}}/detect/{p}.html\"\n    actions: [{{ type: ai_test_generation }}]\n"
        ));
    }
    // A to-do app of web components, its input outside any form: typed into, sent with Enter.
    yaml.push_str(
        "  - name: todo\n    url: \"${BENCH}/shadow-todo.html\"\n    actions: [{ type: ai_test_generation }]\n",
    );
    let run = panoptic_with(&["run"], &yaml, &[], &[("BENCH", bench_site())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut files = Vec::new();
    for p in pages.iter().chain(&["todo"]) {
        let step = &run.test(p)["attempts"][0]["steps"][1];
        let written = step["output"]["yaml"].as_str().unwrap_or_default();
        assert!(written.contains("\n  - name: "), "{p}: no flow\n{step}");
        let file = format!("{p}.yaml");
        std::fs::write(dir.path().join(&file), written).unwrap();
        files.push(file);
    }
    // … and `panoptic generate` on the sign-up form and on the demo site, two pages deep.
    let form = generate(dir.path(), &format!("{}/detect/form.html", fixtures()), "form", "1");
    let demo = generate(dir.path(), &format!("{}/", demo_site()), "demo", "2");
    files.extend(["form.yaml".to_owned(), "demo.yaml".to_owned()]);
    // Everything written validates and runs green.
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = panoptic(dir.path(), &[&["validate"], args.as_slice()].concat());
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let out = panoptic(
        dir.path(),
        &[&["run"], args.as_slice(), &["-o", "out", "--no-history"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    for value in [
        "value: \"test@example.com\"",
        "value: \"+1 555 0100\"",
        "value: \"18\"",
        "value: \"2000-01-01\"",
        "value: \"Passw0rd!2024\"",
        "value: \"https://example.com/\"",
        "{ type: select, selector: \"role=combobox[name=\\\"Plan\\\"]\", value: \"free\" }",
        "{ type: check, selector: \"role=radio[name=\\\"Mail\\\"]\" }",
        "{ type: check, selector: \"role=checkbox[name=\\\"I accept the terms\\\"]\" }",
        "{ type: assert_url, contains: \"/detect/form-done.html\" }",
        "{ type: assert_text, selector: \"role=heading[name=\\\"Account created\\\"]\", equals: \"Account created\" }",
    ] {
        assert!(form.contains(value), "`{value}` not in:\n{form}");
    }
    let todo = std::fs::read_to_string(dir.path().join("todo.yaml")).unwrap();
    assert!(
        todo.contains("{ type: press, selector: \"role=textbox[name=\\\"New todo\\\"]\", key: \"Enter\" }")
            && todo.contains("{ type: assert_visible, selector: \"text=\\\"Item from panoptic\\\"\" }"),
        "{todo}"
    );
    let flows = demo.matches("\n  - name: ").count();
    assert!(flows >= 10, "{flows} flows:\n{demo}");
    assert!(demo.contains("fill and submit \\\"Send message\\\""), "{demo}");
    assert!(
        demo.contains("{ type: assert_url, contains: \"/thanks.html\" }"),
        "{demo}"
    );
}

#[test]
fn the_generation_step_keeps_its_yaml_and_leaves_the_page_where_it_was() {
    let yaml = "name: gen\nsettings: { retries: 0, screenshot_on_failure: false, ai_testing: { max_generated_tests: 1 } }\napps:\n  - name: form\n    url: \"${FIXTURES}/detect/form.html\"\n    actions:\n      - { type: ai_test_generation }\n      - { type: assert_url, contains: \"/detect/form.html\" }\n      - { type: assert_text, selector: h1, equals: \"Create your account\" }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let step = &run.test("form")["attempts"][0]["steps"][1];
    let written = step["output"]["yaml"].as_str().unwrap_or_default();
    assert_eq!(
        written.matches("\n  - name: ").count(),
        1,
        "capped by max_generated_tests:\n{written}"
    );
    assert!(written.starts_with("# Written by panoptic from "), "{written}");
}

#[test]
fn a_page_with_nothing_to_test_is_an_error_not_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let blank = format!("{}/detect/frame-terms.html", fixtures());
    let out = panoptic(dir.path(), &["generate", &blank, "-o", "g.yaml"]);
    // A lone checkbox outside a form, no heading, no link: nothing to write a test about.
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("no test could be generated"), "{}", said(&out));
}
