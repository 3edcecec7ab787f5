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
        let c = ok(&format!(
            "apps: [{{ name: A, url: 'http://127.0.0.1:1/' }}]\nactions:\n  - {yaml}\n"
        ));
        assert_eq!(&c.actions[0].kind, want, "{yaml}");
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
    let l = load("apps: [{ name: A }]\nsettings: { workers: 4, browser: { args: [--site-per-process] } }");
    assert!(l.config.is_some());
    assert_eq!(
        l.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count(),
        2,
        "{}",
        render(&l)
    );
}

#[test]
fn flags_that_isolate_sites_again_are_warned_about() {
    let warned = |args: &str| {
        let l = load(&format!(
            "apps: [{{ name: A }}]\nsettings: {{ browser: {{ args: {args} }} }}"
        ));
        assert!(l.config.is_some(), "{}", render(&l));
        render(&l).contains("turns site isolation on")
    };
    for args in [
        "['--site-per-process']",
        "['--lang=en', '--Isolate-Origins=https://a.test']",
        "['--enable-features=Foo,SitePerProcess']",
        "['--enable-features=IsolateOrigins']",
    ] {
        assert!(warned(args), "{args}");
    }
    for args in [
        "[]",
        "['--lang=en', '--disable-features=IsolateOrigins,site-per-process']",
    ] {
        assert!(!warned(args), "{args}");
    }
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
fn every_action_type_has_a_docs_example() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/config.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded: Vec<Config> = text
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter_map(|b| load_str(b, &path, &Env).config)
        .collect();
    for t in registry::action_types() {
        let shown = loaded.iter().any(|c| {
            c.actions
                .iter()
                .chain(c.apps.iter().flat_map(|a| a.actions.iter().flatten()))
                .any(|a| a.type_name() == t)
        });
        assert!(shown, "docs/config.md has no valid example with a `{t}` step");
    }
}

#[test]
fn schema_names_every_action_type() {
    let s = json_schema().to_string();
    for t in registry::action_types() {
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

/// Asserts that `yaml` fails and that its diagnostics contain every fragment.
fn fails_with(yaml: &str, fragments: &[&str]) {
    let shown = errors(yaml);
    for f in fragments {
        assert!(shown.contains(f), "for:\n{yaml}\nexpected `{f}` in:\n{shown}");
    }
}

#[test]
fn every_settings_key_reports_its_own_mistake() {
    let cases: &[(&str, &[&str])] = &[
        (
            "{ profile: turbo }",
            &["2:22: error: `profile`: `turbo` is not one of fast, balanced"],
        ),
        ("{ workers: 0 }", &["`workers`: 0 is out of range; expected 1..=256"]),
        ("{ retries: -1 }", &["`retries`: -1 is out of range; expected 0..=10"]),
        (
            "{ headless: 'yes' }",
            &["`headless`: expected true or false, found a string"],
        ),
        (
            "{ window_width: 10 }",
            &["`window_width`: 10 is out of range; expected 100..=7680"],
        ),
        (
            "{ window_height: 100000 }",
            &["`window_height`: 100000 is out of range"],
        ),
        (
            "{ screenshot_format: gif }",
            &["`gif` is not one of png, jpeg, jpg, webp"],
        ),
        (
            "{ quality: 101 }",
            &["`quality`: 101 is out of range; expected 0..=100"],
        ),
        (
            "{ video_format: avi }",
            &["`video_format`: `avi` is not one of webm, mp4"],
        ),
        (
            "{ video: { mode: maybe, fps: 0, quality: 0, extra: 1 } }",
            &[
                "`maybe` is not one of off, on, retain-on-failure",
                "`fps`: 0 is out of range; expected 1..=60",
                "`quality`: 0 is out of range; expected 1..=100",
                "unknown key `extra` in settings.video",
                "known keys here: mode, fps, quality",
            ],
        ),
        (
            "{ video: 3 }",
            &["settings.video: expected a mapping, found an integer"],
        ),
        (
            "{ timeouts: { action: soon, navigation: -1s, test: [1], tst: 1 } }",
            &[
                "`action`: `soon` is not a duration",
                "`navigation`: `-1s` is not a duration",
                "`test`: expected a duration like `5s`, found a list",
                "unknown key `tst` in settings.timeouts",
            ],
        ),
        (
            "{ browser: { max_contexts_per_browser: 0, argz: [] } }",
            &["`max_contexts_per_browser`: 0 is out of range", "did you mean `args`?"],
        ),
        (
            "{ limits: { memory_budget_mb: 0, max_browser_rss_mb: x, max_artifact_mb: -3 } }",
            &[
                "`memory_budget_mb`: 0 is out of range; expected 64..=1048576",
                "`max_browser_rss_mb`: expected an integer in 64..=1048576, found a string",
                "`max_artifact_mb`: -3 is out of range",
            ],
        ),
        (
            "{ allow: { hosts: 1, eval: 2, more: 1 } }",
            &[
                "`hosts`: expected a list of strings, found an integer",
                "`eval`: expected true or false, found an integer",
                "unknown key `more` in settings.allow",
            ],
        ),
        (
            "{ ai_testing: { enable_error_detection: 1, self_healing: 2, confidence_threshold: 3, max_generated_tests: -1 } }",
            &[
                "`enable_error_detection`: expected true or false",
                "`self_healing`: expected true or false",
                "`confidence_threshold`: 3 is out of range; expected 0.0..=1.0",
                "`max_generated_tests`: -1 is out of range",
            ],
        ),
        (
            "{ cloud: { url: 'ftp://x', retention_days: 0, sync: never } }",
            &[
                "`url`: `ftp://x` is not a URL starting with s3://, gs://, az:// or file://",
                "`retention_days`: 0 is out of range",
                "`sync`: `never` is not one of on-finish, streaming, off, manual",
            ],
        ),
        (
            "{ cloud: { retention_days: 3 } }",
            &["`settings.cloud` needs a `url`", "url: s3://bucket/prefix"],
        ),
        (
            "{ telemetry: { otlp: 3, x: 1 } }",
            &[
                "`otlp`: expected true or false",
                "unknown key `x` in settings.telemetry",
            ],
        ),
        (
            "{ enable_metrics: 3, log_level: loud }",
            &[
                "`enable_metrics`: expected true or false",
                "`loud` is not one of trace, debug, info, warn, error",
            ],
        ),
        (
            "{ screenshots: 1 }",
            &[
                "unknown key `screenshots` in settings",
                "did you mean `screenshot_every_step`?",
            ],
        ),
        ("[]", &["settings: expected a mapping, found a list"]),
    ];
    for (settings, fragments) in cases {
        fails_with(&format!("apps: [{{ name: A }}]\nsettings: {settings}\n"), fragments);
    }
}

#[test]
fn mocks_are_mock_steps_before_the_app_opens() {
    let c = ok(
        "mocks: [{ url: '**/api/a', json: [] }]\napps:\n  - { name: A, url: 'http://127.0.0.1/', mocks: [{ url: /api/b, status: 503 }] }\n  - { name: B }\n",
    );
    let names = |app: usize| -> Vec<String> {
        c.mocks_of(&c.apps[app])
            .map(|m| format!("{} {}", m.type_name(), m.name))
            .collect()
    };
    assert_eq!(names(0).len(), 2, "{:?}", names(0));
    assert!(
        names(0)[0].contains("**/api/a") && names(0)[1].contains("/api/b"),
        "{:?}",
        names(0)
    );
    assert_eq!(names(1).len(), 1);
    assert!(
        c.mocks_of(&c.apps[0])
            .all(|m| m.type_name() == registry::mock_step().name)
    );
}

#[test]
fn app_and_top_level_mistakes_are_reported() {
    let cases: &[(&str, &[&str])] = &[
        (
            "name: [1]\napps: [{ name: A }]",
            &["`name`: expected a string, found a list"],
        ),
        (
            "apps: [{ name: A, type: desktop }]",
            &["app type `desktop` is not supported", "use `type: web`"],
        ),
        (
            "apps: [{ name: A, url: 'javascript:alert(1)' }]",
            &["URL scheme `javascript:` is not allowed"],
        ),
        (
            "apps: [{ name: A, timeout: -5 }]",
            &["`timeout`: -5 seconds is out of range"],
        ),
        (
            "apps: [{ url: 'http://x' }]",
            &["app without `name`", "every app needs a `name`"],
        ),
        ("apps: [{ name: A }, { name: A }]", &["two apps are named `A`"]),
        ("apps: 3", &["`apps`: expected a list of apps, found an integer"]),
        ("apps: []", &["`apps` is empty: expected at least one app"]),
        (
            "apps: [{ name: A, mocks: [{ type: mock, url: '/x' }] }]",
            &["an entry of `mocks of app `A`` has a `type`", "drop `type`"],
        ),
        ("mocks: [3]\napps: [{ name: A }]", &["`mocks`: expected a mock"]),
        (
            "mocks: { url: x }\napps: [{ name: A }]",
            &["`mocks`: expected a list of mocks"],
        ),
        (
            "apps: [{ name: A, mocks: [{ url: '/x', json: [], body: y }] }]",
            &["a `mock` action"],
        ),
        (
            "apps: [{ name: A, mocks: [{ url: '/x', body: '${MISSING}' }] }]",
            &["`${MISSING}` is not set"],
        ),
    ];
    for (yaml, fragments) in cases {
        fails_with(yaml, fragments);
    }
}

#[test]
fn every_action_reports_what_it_is_missing() {
    let cases: &[(&str, &[&str])] = &[
        ("{ type: navigate }", &["3:5: error: `navigate` needs `url` or `value`"]),
        ("{ type: click }", &["`click` needs a `selector` (or `target`)"]),
        (
            "{ type: fill, selector: a }",
            &["`fill` needs a `value`", "the `clear` action"],
        ),
        ("{ type: press }", &["`press` needs `key` or `value`"]),
        ("{ type: select, selector: s }", &["`select` needs `value` or `label`"]),
        (
            "{ type: scroll, x: a }",
            &[
                "`scroll` needs a `selector` or `x`/`y` pixels",
                "`x`: expected an integer",
            ],
        ),
        ("{ type: upload, selector: s }", &["`upload` needs `files`"]),
        (
            "{ type: upload, selector: s, files: 3 }",
            &["`files`: expected a list of strings"],
        ),
        ("{ type: dialog, accept: 3 }", &["`accept`: expected true or false"]),
        ("{ type: wait }", &["`wait` needs something to wait for"]),
        (
            "{ type: wait, wait_time: -1 }",
            &["`wait_time`: -1 seconds is out of range"],
        ),
        (
            "{ type: wait, selector: a, state: gone }",
            &["`state`: `gone` is not one of visible, hidden, attached, detached"],
        ),
        (
            "{ type: wait, network_idle: false }",
            &["`network_idle: false` waits for nothing"],
        ),
        (
            "{ type: assert_text, selector: a }",
            &["`assert_text` needs `equals`, `contains` or `matches`"],
        ),
        (
            "{ type: assert_text, selector: a, matches: '(' }",
            &["`matches`: invalid regular expression"],
        ),
        (
            "{ type: assert_attribute, selector: a, equals: x }",
            &["`assert_attribute` needs `attribute`"],
        ),
        (
            "{ type: assert_count, selector: a, count: -1 }",
            &["`count`: -1 is out of range"],
        ),
        (
            "{ type: assert_url }",
            &["`assert_url` needs `equals`, `contains` or `matches`"],
        ),
        (
            "{ type: screenshot, filename: '../x.png' }",
            &["`../x.png` leaves its folder"],
        ),
        (
            "{ type: screenshot, mask: 3, full_page: 2 }",
            &[
                "`mask`: expected a list of strings",
                "`full_page`: expected true or false",
            ],
        ),
        ("{ type: eval }", &["`eval` needs `script` or `value`"]),
        (
            "{ type: eval, script: '1' }",
            &["`eval` is disabled", "settings.allow.eval: true"],
        ),
        (
            "{ type: vision_click }",
            &["`vision_click` needs `parameters.text` (what the element says) or `parameters.type`"],
        ),
        (
            "{ type: vision_click, parameters: { type: widget, txt: a } }",
            &["`type`: `widget` is not one of button, link", "unknown key `txt`"],
        ),
        ("{ type: vision_report, filename: ../x.png }", &["`filename`: "]),
        (
            "{ type: ai_test_generation, depth: 9 }",
            &["`depth`: 9 is out of range"],
        ),
        (
            "{ type: ai_enhanced_testing, fail_on: never }",
            &["`fail_on`: `never` is not one of minor, moderate, serious, critical"],
        ),
        ("{ type: cloud_sync }", &["`cloud_sync` needs `settings.cloud.url`"]),
        (
            "{ type: distributed_test, app: Nowhere }",
            &["`distributed_test`: no app named `Nowhere`"],
        ),
        (
            "{ type: cloud_cleanup, retention_days: 0 }",
            &["`retention_days`: 0 is out of range"],
        ),
        (
            "{ type: teleport }",
            &["unknown action type `teleport`", "see docs/config.md"],
        ),
        (
            "{ type: clik, selector: a }",
            &["unknown action type `clik`", "did you mean `click`?"],
        ),
        ("{ selector: a }", &["action #1 has no `type`"]),
        (
            "{ type: click, selector: a, timeout: x, optional: 3, screenshot: 4, retries: 99, extra: 1 }",
            &[
                "`timeout`: `x` is not a duration",
                "`optional`: expected true or false",
                "`screenshot`: expected true or false",
                "`retries`: 99 is out of range",
                "unknown key `extra` in a `click` action",
            ],
        ),
        (
            "{ type: fill, selector: a, value: '${MISSING}' }",
            &["`${MISSING}` is not set"],
        ),
        ("{ type: fill, selector: a, value: '${unclosed' }", &["unclosed `${`"]),
        (
            "{ type: fill, selector: a, value: '${secret:MISSING}' }",
            &["secret `MISSING` is not set"],
        ),
        (
            "{ type: navigate, url: 'file:///etc/passwd' }",
            &["URL scheme `file:` is not allowed"],
        ),
        ("3", &["an action: expected a mapping, found an integer"]),
        ("{ type: [1] }", &["`type`: expected a string, found a list"]),
    ];
    for (action, fragments) in cases {
        fails_with(&format!("apps: [{{ name: A }}]\nactions:\n  - {action}\n"), fragments);
    }
    // Without a type, the other keys are not judged (no empty "known keys" hint).
    assert!(!errors("apps: [{ name: A }]\nactions: [{ selector: a }]").contains("unknown key"));
}

/// What `panoptic validate` prints for a table of bad configs: every problem, positioned, with
/// what was expected and a hint. Reviewed as a whole when the wording changes.
#[test]
fn diagnostics_snapshot() {
    let cases = [
        "name: x\napps:\n  - name: A\n    urll: http://a/\n    timeout: soon\nactions:\n  - { type: fil, selector: a }\n  - { type: click }\n  - { type: assert_text, selector: b, equals: x, contains: y }\n",
        "apps: [{ name: A }]\nsettings: { workers: 0, profile: turbo, video: { mode: maybe, fps: 0 }, timeouts: { tst: 1 }, screenshots: 1 }\n",
        "apps: [{ name: A }]\nsettings: { cloud: { url: 'ftp://x', retention_days: 0 }, telemetry: { otlp: true } }\n",
        "apps: [{ name: A, type: desktop }, { name: A, url: 'javascript:alert(1)' }, { url: 'http://x' }]\n",
        "apps: [{ name: A }]\nactions:\n  - { type: wait }\n  - { type: wait, wait_time: 1, url: x }\n  - { type: screenshot, parameters: { filename: '../x.png', zoom: 2 } }\n  - { type: vision_click }\n  - { type: user_create }\n  - { selector: a }\n  - { type: eval, script: '1' }\n  - { type: fill, selector: a, value: '${MISSING}' }\n",
        "apps:\n  - name: [unclosed\n",
        "",
    ];
    let shown: Vec<String> = cases
        .iter()
        .map(|c| format!("--- input\n{c}--- diagnostics\n{}\n", render(&load(c))))
        .collect();
    insta::assert_snapshot!("diagnostics", shown.join("\n"));
}

/// URLs are judged as the browser reads them (WHATWG): the tricks that got past a
/// string-splitting check — tabs, line breaks and control characters inside a scheme, a
/// backslash before `@` in the authority — are seen through.
#[test]
fn urls_are_judged_as_the_browser_reads_them() {
    let allow = Allow::default();
    for url in [
        "fi\tle:///etc/hostname",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "  javascript:alert(1)",
        "\u{1}javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "chrome://settings",
        "data:text/html,<script>1</script>",
    ] {
        let e = url_allowed(url, &allow).unwrap_err();
        assert!(e.contains("is not allowed"), "{url:?}: {e}");
    }
    let hosts = Allow {
        hosts: vec!["good.example".into()],
        ..Allow::default()
    };
    // The browser opens host `evil.example` here: `\` ends the authority in web URLs.
    let e = url_allowed("http://evil.example\\@good.example/", &hosts).unwrap_err();
    assert!(e.contains("host `evil.example`"), "{e}");
    assert!(url_allowed("http://user:pw@good.example/x", &hosts).is_ok());
    assert!(
        url_allowed("http://GOOD.example./", &hosts).is_err(),
        "a trailing dot is another host name"
    );
    // Relative URLs pass validation (resolved against the app url) but never reach the
    // browser unresolved.
    assert!(url_allowed("/login", &allow).is_ok());
    let e = absolute_url_allowed("/login", &allow).unwrap_err();
    assert!(e.contains("nothing to resolve against"), "{e}");
    assert_eq!(
        absolute_url_allowed("HTTP://Example.COM:80/a/../b", &allow).unwrap(),
        "http://example.com/b"
    );
    // In a config: a relative navigate needs an app url, and an app url must be absolute.
    let e =
        errors("apps: [{ name: A }, { name: B, url: 'http://127.0.0.1:1/' }]\nactions: [{ type: navigate, url: /x }]");
    assert!(e.contains("app `A` has no `url` to resolve it against"), "{e}");
    assert!(!e.contains("app `B`"), "{e}");
    let e = errors("apps: [{ name: A, url: '/relative' }]");
    assert!(e.contains("is relative; it must be a full URL"), "{e}");
    let e = errors("apps: [{ name: A, url: \"fi\\tle:///etc/hostname\" }]");
    assert!(e.contains("URL scheme `file:` is not allowed"), "{e}");
}
