//! The schema is the decoder's: every YAML example in the docs and examples validates against
//! `panoptic schema` with a real JSON Schema validator, and configs the decoder rejects for a
//! type error are rejected by the schema too (hand-written pairs, and pairs generated from
//! every registry entry and settings key).

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use super::decode::settings::{SECTIONS, TOP};
use super::read::Kind;
use super::registry::{self, COMMON};
use super::step::Need;
use super::*;
use crate::yaml::{self, Node, Value};

struct Env;
impl Lookup for Env {
    fn var(&self, _: &str) -> Option<String> {
        Some("x".into())
    }
    fn secret(&self, _: &str) -> Option<String> {
        Some("x".into())
    }
}

fn to_json(n: &Node) -> Json {
    match &n.value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::Str(s) => json!(s),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        Value::Str(s) => s.clone(),
                        other => format!("{other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&json_schema()).expect("panoptic schema is a valid JSON Schema")
}

/// Schema errors for a config text (YAML), or `None` when it is valid.
fn schema_errors(v: &jsonschema::Validator, text: &str) -> Option<String> {
    let node = yaml::parse(text).expect("the text is YAML");
    let doc = to_json(&node);
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    (!errors.is_empty()).then(|| errors.join("\n"))
}

fn decoder_errors(text: &str) -> Option<String> {
    let l = load_str(text, Path::new("c.yaml"), &Env);
    l.config.is_none().then(|| {
        l.diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every YAML text the project shows users: `*.yaml` under examples/, docs/ and the comparison
/// suite, and the fenced yaml blocks of the Markdown files in docs/ and the README.
fn user_yaml() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("examples"), root().join("docs"), root().join("benches/e2e")];
    let mut files = vec![root().join("README.md")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                // Installed packages (`cargo xtask compare` puts Playwright here) are not ours.
                if p.file_name()
                    .is_some_and(|n| n != "node_modules" && n != "test-results")
                {
                    dirs.push(p);
                }
            } else {
                files.push(p);
            }
        }
    }
    for p in files {
        let name = p.display().to_string();
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        match p.extension().and_then(|x| x.to_str()) {
            Some("yaml" | "yml") => out.push((name, text)),
            Some("md") => {
                for (i, b) in text.split("```yaml\n").skip(1).enumerate() {
                    let block = b.split("```").next().unwrap_or("");
                    out.push((format!("{name} block {}", i + 1), block.to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_user_yaml_example_validates_against_the_schema() {
    let v = validator();
    let examples = user_yaml();
    assert!(examples.len() >= 3, "found only {} examples", examples.len());
    for (name, text) in &examples {
        if let Some(e) = decoder_errors(text) {
            panic!("{name} does not load:\n{e}");
        }
        if let Some(e) = schema_errors(&v, text) {
            panic!("{name} is valid for the decoder but not for the schema:\n{e}\n---\n{text}");
        }
    }
}

/// A config around one step, with the settings every step type may need.
fn with_step(step: &Json) -> String {
    json!({
        "settings": {
            "allow": { "eval": true, "file_upload_roots": ["/tmp"] },
            "cloud": { "url": "s3://bucket/prefix" },
        },
        "apps": [
            { "name": "A", "url": "http://127.0.0.1:1/" },
            { "name": "B", "url": "http://127.0.0.1:1/", "actions": [{ "type": "reload" }] },
        ],
        "actions": [step],
    })
    .to_string()
}

fn example(spec: &ActionSpec) -> Json {
    to_json(&yaml::parse(spec.example).expect("registry examples are YAML"))
}

/// A value the decoder and the schema must both refuse for a key of this kind.
fn wrong(kind: Kind) -> Json {
    match kind {
        Kind::Text | Kind::Locator | Kind::Prefixed(_) => json!([1]),
        Kind::Bool => json!("yes"),
        Kind::Int { max, .. } => json!(max.saturating_add(1)),
        Kind::Number { max, .. } => json!(max + 1.0),
        Kind::Duration => json!("soon"),
        Kind::Choice(_) => json!("bogus"),
        Kind::TextList | Kind::LocatorList => json!({ "a": 1 }),
        Kind::Map(_) => json!(3),
        Kind::TextMap => json!([1]),
        // Any value is JSON: nothing to refuse (callers skip it).
        Kind::Json => Json::Null,
    }
}

fn both_reject(v: &jsonschema::Validator, text: &str, why: &str) {
    assert!(decoder_errors(text).is_some(), "the decoder accepts {why}:\n{text}");
    assert!(
        schema_errors(v, text).is_some(),
        "the schema accepts {why}, which the decoder rejects:\n{text}\n{}",
        decoder_errors(text).unwrap_or_default()
    );
}

#[test]
fn every_registry_entry_agrees_with_the_schema() {
    let v = validator();
    for spec in registry::actions() {
        let base = example(spec);
        let text = with_step(&base);
        assert_eq!(decoder_errors(&text), None, "example of `{}`", spec.name);
        assert_eq!(schema_errors(&v, &text), None, "example of `{}`", spec.name);
        for f in COMMON
            .iter()
            .chain(spec.fields)
            .filter(|f| f.key != "type" && !matches!(f.kind, Kind::Json))
        {
            let mut step = base.clone();
            step[f.key] = wrong(f.kind);
            both_reject(
                &v,
                &with_step(&step),
                &format!("`{}: {}` in `{}`", f.key, step[f.key], spec.name),
            );
        }
        for need in spec.needs {
            let Need::One(keys) = need else { continue };
            let mut step = base.clone();
            for k in *keys {
                if let Json::Object(m) = &mut step {
                    m.remove(*k);
                }
            }
            both_reject(&v, &with_step(&step), &format!("`{}` without {keys:?}", spec.name));
        }
        let mut step = base.clone();
        step["bogus_key"] = json!(1);
        both_reject(&v, &with_step(&step), &format!("an unknown key in `{}`", spec.name));
    }
}

#[test]
fn every_settings_key_agrees_with_the_schema() {
    let v = validator();
    let config = |settings: Json| json!({ "apps": [{ "name": "A" }], "settings": settings }).to_string();
    for s in TOP {
        both_reject(&v, &config(json!({ s.field.key: wrong(s.field.kind) })), s.field.key);
        if let Kind::Choice(names) = s.field.kind {
            for n in names {
                let text = config(json!({ s.field.key: n }));
                assert_eq!(decoder_errors(&text), None, "{text}");
                assert_eq!(schema_errors(&v, &text), None, "{text}");
            }
        }
    }
    for section in SECTIONS {
        let minimal: serde_json::Map<String, Json> = section
            .required
            .iter()
            .map(|(k, _)| (k.to_string(), json!("s3://bucket/prefix")))
            .collect();
        let ok = config(json!({ section.key: minimal }));
        assert_eq!(decoder_errors(&ok), None, "{ok}");
        assert_eq!(schema_errors(&v, &ok), None, "{ok}");
        for s in section.keys {
            let mut m = minimal.clone();
            m.insert(s.field.key.into(), wrong(s.field.kind));
            both_reject(&v, &config(json!({ section.key: m })), s.path);
        }
        let mut m = minimal.clone();
        m.insert("bogus_key".into(), json!(1));
        both_reject(&v, &config(json!({ section.key: m })), section.key);
        if !section.required.is_empty() {
            both_reject(
                &v,
                &config(json!({ section.key: {} })),
                "a section without its required keys",
            );
        }
    }
}

/// Configs rejected for a type error, by the decoder (with this message) and by the schema.
const TYPE_ERRORS: &[(&str, &str)] = &[
    ("name: x", "missing `apps`"),
    ("apps: 3", "expected a list of apps"),
    ("apps: []", "`apps` is empty"),
    ("apps: [{ url: 'http://x' }]", "app without `name`"),
    ("apps: [{ name: A, type: desktop }]", "is not supported"),
    ("apps: [{ name: A, timeout: soon }]", "`soon` is not a duration"),
    ("apps: [{ name: A, urll: 'http://x' }]", "unknown key `urll`"),
    ("apps: [{ name: A }]\nbogus: 1", "unknown key `bogus` in the config"),
    ("apps: [{ name: A }]\nsettings: { workers: 0 }", "0 is out of range"),
    (
        "apps: [{ name: A }]\nsettings: { workers: four }",
        "expected an integer",
    ),
    (
        "apps: [{ name: A }]\nsettings: { headless: 'yes' }",
        "expected true or false",
    ),
    ("apps: [{ name: A }]\nsettings: { profile: turbo }", "is not one of"),
    (
        "apps: [{ name: A }]\nsettings: { video: { mode: sometimes } }",
        "is not one of",
    ),
    (
        "apps: [{ name: A }]\nsettings: { timeouts: { action: 5 parsecs } }",
        "unknown duration unit",
    ),
    (
        "apps: [{ name: A }]\nsettings: { cloud: { url: 'ftp://x' } }",
        "is not a URL starting with",
    ),
    (
        "apps: [{ name: A }]\nsettings: { ai_testing: { confidence_threshold: 2 } }",
        "out of range",
    ),
    (
        "apps: [{ name: A }]\nsettings: { allow: { hosts: { a: 1 } } }",
        "expected a list of strings",
    ),
    ("apps: [{ name: A }]\nsettings: []", "expected a mapping"),
    ("apps: [{ name: A }]\nactions: [{ selector: a }]", "has no `type`"),
    (
        "apps: [{ name: A }]\nactions: [{ type: clik, selector: a }]",
        "unknown action type",
    ),
    ("apps: [{ name: A }]\nactions: [{ type: click }]", "needs a `selector`"),
    (
        "apps: [{ name: A }]\nactions: [{ type: click, selector: a, target: b }]",
        "`target` cannot be combined",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: fill, selector: a }]",
        "`fill` needs a `value`",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: click, selector: a, optional: 3 }]",
        "expected true or false",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: click, selector: a, retries: 99 }]",
        "out of range",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: wait, wait_time: -1 }]",
        "out of range",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: wait, wait_time: 1, url: x }]",
        "takes one thing",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: wait, selector: a, state: gone }]",
        "is not one of",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: assert_text, selector: a }]",
        "needs `equals`",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: assert_text, selector: a, equals: x, contains: y }]",
        "takes one of",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: assert_count, selector: a, count: -1 }]",
        "out of range",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: screenshot, parameters: { full_page: 2 } }]",
        "expected true or false",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: screenshot, parameters: { zoom: 2 } }]",
        "unknown key `zoom`",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: scroll, parameters: { x: a } }]",
        "expected an integer",
    ),
    (
        "apps: [{ name: A }]\nactions: [{ type: dialog, value: maybe }]",
        "is not one of",
    ),
    ("apps: [{ name: A }]\nactions: [{ type: record }]", "needs a `duration`"),
    (
        "apps: [{ name: A }]\nactions: [{ type: upload, selector: a, files: 3 }]",
        "expected a list of strings",
    ),
];

#[test]
fn type_error_pairs_are_rejected_by_decoder_and_schema() {
    let v = validator();
    for (text, message) in TYPE_ERRORS {
        let e = decoder_errors(text).unwrap_or_else(|| panic!("the decoder accepts:\n{text}"));
        assert!(e.contains(message), "for:\n{text}\nexpected `{message}` in:\n{e}");
        assert!(schema_errors(&v, text).is_some(), "the schema accepts:\n{text}");
    }
}

#[test]
fn every_entry_is_found_from_its_variant_and_names_are_unique() {
    let mut names = Vec::new();
    for spec in registry::actions() {
        let l = load_str(&with_step(&example(spec)), Path::new("c.yaml"), &Env);
        let config = l
            .config
            .unwrap_or_else(|| panic!("example of `{}`: {:?}", spec.name, l.diagnostics));
        let kind = &config.actions[0].kind;
        assert_eq!(spec_of(kind).map(|s| s.name), Some(spec.name));
        assert!(!names.contains(&spec.name), "`{}` twice", spec.name);
        assert!(!ENTERPRISE_TYPES.contains(&spec.name));
        names.push(spec.name);
    }
    assert!(names.len() >= 32, "{names:?}");
    let open = registry::opening_navigation();
    assert_eq!(
        spec_of(&ActionKind::Navigate { url: "/".into() }).map(|s| s.name),
        Some(open.name)
    );
}

#[test]
fn schema_snapshot() {
    insta::assert_json_snapshot!("schema", json_schema());
}
