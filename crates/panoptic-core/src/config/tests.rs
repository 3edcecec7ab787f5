//! Config decoding: defaults, every action form, positioned diagnostics, no panics on any input.

use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::yaml::Pos;

struct Env;
impl Lookup for Env {
    fn var(&self, name: &str) -> Option<String> {
        (name != "MISSING").then(|| format!("<{name}>"))
    }
    fn secret(&self, name: &str) -> Option<String> {
        (name != "MISSING").then(|| "s3cret".to_owned())
    }
}

fn load(yaml: &str) -> Loaded {
    load_str(yaml, Path::new("c.yaml"), &Env)
}

fn ok(yaml: &str) -> Config {
    let l = load(yaml);
    let shown = render(&l);
    l.config
        .unwrap_or_else(|| panic!("expected a valid config, got:\n{shown}"))
}

fn render(l: &Loaded) -> String {
    l.diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn errors(yaml: &str) -> String {
    let l = load(yaml);
    assert!(l.config.is_none(), "expected errors for:\n{yaml}");
    render(&l)
}

#[test]
fn minimal_config_has_design_defaults() {
    let c = ok("apps: [{ name: A }]");
    assert_eq!(c.name, "c");
    assert_eq!(c.settings.timeouts.action.0.as_secs(), 5);
    assert_eq!(c.settings.timeouts.navigation.0.as_secs(), 30);
    assert_eq!(c.settings.window_width, 1280);
    assert!(c.settings.headless && c.settings.screenshot_on_failure);
    assert_eq!(c.settings.allow.schemes, ["http", "https"]);
    assert_eq!(c.apps[0].kind, AppKind::Web);
}

#[test]
fn every_action_form_decodes() {
    let cases: &[(&str, ActionKind)] = &[
        (
            "{ type: navigate, value: /x }",
            ActionKind::Navigate { url: "/x".into() },
        ),
        (
            "{ type: click, target: '#a' }",
            ActionKind::Click { selector: "#a".into() },
        ),
        (
            "{ type: press, key: Enter }",
            ActionKind::Press {
                selector: None,
                key: "Enter".into(),
            },
        ),
        (
            "{ type: select, selector: s, label: L }",
            ActionKind::Select {
                selector: "s".into(),
                by: SelectBy::Label("L".into()),
            },
        ),
        (
            "{ type: scroll, parameters: { y: 5 } }",
            ActionKind::Scroll {
                selector: None,
                x: 0,
                y: 5,
            },
        ),
        (
            "{ type: scroll, y: -3 }",
            ActionKind::Scroll {
                selector: None,
                x: 0,
                y: -3,
            },
        ),
        (
            "{ type: dialog, value: dismiss }",
            ActionKind::Dialog {
                accept: false,
                prompt_text: None,
            },
        ),
        (
            "{ type: wait, wait_time: 1.5 }",
            ActionKind::Wait {
                what: WaitFor::Time(DurationValue(std::time::Duration::from_millis(1500))),
            },
        ),
        (
            "{ type: wait, selector: x, state: detached }",
            ActionKind::Wait {
                what: WaitFor::Element {
                    selector: "x".into(),
                    state: WaitState::Detached,
                },
            },
        ),
        (
            "{ type: wait, network_idle: true }",
            ActionKind::Wait {
                what: WaitFor::NetworkIdle,
            },
        ),
        (
            "{ type: assert_text, selector: x, matches: '^a' }",
            ActionKind::AssertText {
                selector: "x".into(),
                expect: TextMatch::Matches("^a".into()),
            },
        ),
        (
            "{ type: assert_url, url: /home }",
            ActionKind::AssertUrl {
                expect: TextMatch::Contains("/home".into()),
            },
        ),
        (
            "{ type: assert_count, selector: li, count: 0 }",
            ActionKind::AssertCount {
                selector: "li".into(),
                count: 0,
            },
        ),
        (
            "{ type: screenshot, parameters: { filename: a.png, full_page: true, mask: ['#m'] } }",
            ActionKind::Screenshot {
                filename: Some("a.png".into()),
                full_page: true,
                selector: None,
                mask: vec!["#m".into()],
            },
        ),
    ];
    for (yaml, want) in cases {
        let c = ok(&format!("apps: [{{ name: A }}]\nactions:\n  - {yaml}\n"));
        assert_eq!(&c.actions[0].kind, want, "{yaml}");
    }
    for t in ACTION_TYPES {
        assert!(!UNAVAILABLE_TYPES.contains(t));
    }
}

#[test]
fn all_errors_at_once_with_positions_and_hints() {
    let e = errors(
        "name: x\napps:\n  - name: A\n    urll: http://a/\n    timeout: soon\nactions:\n  - { type: fil, selector: a }\n  - { type: click }\n  - { type: assert_text, selector: b, equals: x, contains: y }\n",
    );
    assert!(
        e.contains("c.yaml:4:5: error: unknown key `urll` in app `A`\n  hint: did you mean `url`?"),
        "{e}"
    );
    assert!(
        e.contains("c.yaml:5:14: error: `timeout`: `soon` is not a duration"),
        "{e}"
    );
    assert!(
        e.contains("c.yaml:7:13: error: unknown action type `fil`\n  hint: did you mean `fill`?"),
        "{e}"
    );
    assert!(
        e.contains("c.yaml:8:5: error: `click` needs a `selector` (or `target`)"),
        "{e}"
    );
    assert!(
        e.contains("c.yaml:9:5: error: `assert_text` takes one of `equals`, `contains`, `matches`"),
        "{e}"
    );
}

#[test]
fn values_are_checked() {
    assert!(errors("apps: [{ name: A }]\nsettings: { quality: 101 }").contains("101 is out of range"));
    assert!(errors("apps: [{ name: A }]\nsettings: { screenshot_format: gif }").contains("`gif` is not one of png"));
    assert!(errors("apps: [{ name: A }]\nsettings: { profile: fsat }").contains("did you mean `fast`?"));
    assert!(errors("apps: [{ name: A }, { name: A }]").contains("two apps are named `A`"));
    assert!(errors("apps: []").contains("`apps` is empty"));
    assert!(errors("name: x").contains("missing `apps`"));
    assert!(errors("").contains("empty config"));
    assert!(errors("apps: [{ name: A }]\nactions: [{ type: eval, script: '1' }]").contains("`eval` is disabled"));
    assert!(
        errors("apps: [{ name: A }]\nactions: [{ type: click, selector: 'role=button[name=x]' }]")
            .contains("quote the name")
    );
    assert!(
        errors("apps: [{ name: A }]\nactions: [{ type: assert_text, selector: a, matches: '(' }]")
            .contains("invalid regular expression")
    );
    assert!(
        errors("apps: [{ name: A }]\nsettings: { video: { mode: sometimes } }")
            .contains("`sometimes` is not one of off, on, retain-on-failure")
    );
    assert!(errors("apps: [{ name: A }]\nactions: [{ type: record }]").contains("`record` needs a `duration`"));
    assert!(errors("apps: [{ name: A, url: 'file:///etc' }]").contains("`file:` is not allowed"));
    ok("apps: [{ name: A, url: 'file:///etc' }]\nsettings: { allow: { schemes: [file] } }");
    assert!(
        errors("apps: [{ name: A, url: 'http://evil.example/' }]\nsettings: { allow: { hosts: [good.example] } }")
            .contains("host `evil.example`")
    );
    assert!(errors("a: 1\na: 2\napps: [{ name: A }]").contains("invalid YAML"));
}

#[test]
fn references_must_resolve() {
    let e = errors(
        "apps: [{ name: A }]\nactions:\n  - { type: fill, selector: a, value: '${MISSING}' }\n  - { type: fill, selector: a, value: '${secret:MISSING}' }\n",
    );
    assert!(
        e.contains("`${MISSING}` is not set") && e.contains("secret `MISSING` is not set"),
        "{e}"
    );
    ok(
        "apps: [{ name: A }]\nsettings: { allow: { eval: true } }\nactions:\n  - { type: eval, script: '1', save_as: MISSING }\n  - { type: fill, selector: a, value: '${MISSING}' }\n",
    );
}

#[test]
fn yaml_1_1_booleans_stay_strings() {
    let c = ok("apps: [{ name: A }]\nactions: [{ type: scroll, y: 10 }, { type: fill, selector: a, value: no }]");
    assert_eq!(
        c.actions[0].kind,
        ActionKind::Scroll {
            selector: None,
            x: 0,
            y: 10
        }
    );
    assert_eq!(
        c.actions[1].kind,
        ActionKind::Fill {
            selector: "a".into(),
            value: "no".into()
        }
    );
}

#[test]
fn warnings_do_not_block() {
    let l = load("apps: [{ name: A }]\nsettings: { workers: 4, cloud: { url: 's3://b/p' } }");
    assert!(l.config.is_some());
    assert_eq!(
        l.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count(),
        2,
        "{}",
        render(&l)
    );
}

#[test]
fn positions_are_reported_for_syntax_errors() {
    let l = load("apps:\n  - name: [unclosed\n");
    assert!(l.config.is_none());
    assert!(l.diagnostics[0].pos > Pos::default(), "{:?}", l.diagnostics);
}

#[test]
fn every_yaml_example_in_the_docs_is_a_valid_config() {
    for doc in ["../../docs/config.md", "../../README.md"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let blocks: Vec<&str> = text
            .split("```yaml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect();
        assert!(!blocks.is_empty(), "no yaml blocks in {doc}");
        for b in blocks {
            let l = load_str(b, &path, &Env);
            assert!(l.config.is_some(), "{doc} example does not load:\n{b}\n{}", render(&l));
        }
    }
}

#[test]
fn schema_names_every_action_type() {
    let s = json_schema().to_string();
    for t in ACTION_TYPES {
        assert!(s.contains(&format!("\"{t}\"")), "schema lacks {t}");
    }
}

const VALID: &str = "name: x\nsettings: { retries: 1, timeouts: { action: 2s } }\napps:\n  - name: A\n    url: http://127.0.0.1:1/\n    actions:\n      - { type: click, selector: 'role=button[name=\"Go\"]' }\n      - { type: assert_text, selector: '#m', contains: hi }\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = load(&text);
    }

    #[test]
    fn mutated_valid_configs_never_panic(cuts in proptest::collection::vec((0usize..VALID.len(), 0usize..8, any::<char>()), 1..6)) {
        let mut text: Vec<char> = VALID.chars().collect();
        for (at, del, ch) in cuts {
            let at = at.min(text.len());
            let end = (at + del).min(text.len());
            text.splice(at..end, [ch]);
        }
        let text: String = text.into_iter().collect();
        let l = load(&text);
        prop_assert!(l.config.is_some() || l.diagnostics.iter().any(|d| d.severity == Severity::Error));
    }
}
