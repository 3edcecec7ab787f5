//! `panoptic schema`: the JSON Schema (draft 2020-12) of a config file, generated from the same
//! tables the decoder reads — the action registry, the settings sections, the app keys — so an
//! editor wired to it accepts exactly the keys and value kinds `panoptic validate` accepts.
//! Where a rule needs the whole config (references, URL policy) only the decoder checks it.

use serde_json::{Map, Value, json};

use super::decode::settings::{SECTIONS, Setting, TOP as SETTINGS};
use super::model::Settings;
use super::read::{Field, Kind};
use super::registry::{self, COMMON};
use super::step::{ActionSpec, Need};

const DURATION: &str = r"^\s*([0-9]+\.?[0-9]*|\.[0-9]+)\s*(ms|s|sec|secs|m|min|h)?\s*$";

fn scalar() -> Value {
    json!({ "type": ["string", "number", "boolean", "null"] })
}

/// The schema of one value kind (null is accepted everywhere: the decoder reads it as absent).
fn kind(k: Kind) -> Value {
    match k {
        Kind::Text | Kind::Locator => scalar(),
        Kind::Prefixed(prefixes) => {
            let alts: Vec<String> = prefixes.iter().map(|p| regex::escape(p)).collect();
            json!({ "type": ["string", "null"], "pattern": format!("^({})", alts.join("|")) })
        }
        Kind::Bool => json!({ "type": ["boolean", "null"] }),
        Kind::Int { min, max } => json!({ "type": ["integer", "null"], "minimum": min, "maximum": max }),
        Kind::Number { min, max } => json!({ "type": ["number", "null"], "minimum": min, "maximum": max }),
        Kind::Duration => json!({ "anyOf": [
            { "type": "number", "minimum": 0, "maximum": 86_400 },
            { "type": "string", "pattern": DURATION },
            { "type": "null" },
        ] }),
        Kind::Choice(names) => {
            let mut options: Vec<Value> = names.iter().map(|n| json!(n)).collect();
            options.push(Value::Null);
            json!({ "enum": options })
        }
        Kind::TextList | Kind::LocatorList => json!({ "anyOf": [
            { "type": "array", "items": { "type": ["string", "number", "boolean"] } },
            { "type": ["string", "null"] },
        ] }),
        Kind::Map(fields) => object(fields.iter().map(|f| (f.key, field(f))), &[], true),
        Kind::TextMap => json!({
            "type": ["object", "null"],
            "additionalProperties": { "type": ["string", "number", "boolean"] },
        }),
        Kind::Json => json!({}),
    }
}

fn field(f: &Field) -> Value {
    with_doc(kind(f.kind), f.doc)
}

fn with_doc(mut v: Value, doc: &str) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("description".into(), json!(doc));
    }
    v
}

fn object<'a>(props: impl Iterator<Item = (&'a str, Value)>, required: &[&str], nullable: bool) -> Value {
    let props: Map<String, Value> = props.map(|(k, v)| (k.to_owned(), v)).collect();
    let mut o = json!({
        "type": if nullable { json!(["object", "null"]) } else { json!("object") },
        "additionalProperties": false,
        "properties": props,
    });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

fn need(n: &Need) -> Value {
    let each = |keys: &[&str]| -> Vec<Value> { keys.iter().map(|k| json!({ "required": [k] })).collect() };
    match n {
        Need::One(keys) => json!({ "oneOf": each(keys) }),
        Need::AtMostOne(keys) => {
            let mut alts = each(keys);
            alts.push(json!({ "not": { "anyOf": each(keys) } }));
            json!({ "oneOf": alts })
        }
    }
}

/// The schema of one action type.
pub(crate) fn action(spec: &ActionSpec) -> Value {
    let props = COMMON
        .iter()
        .map(|f| {
            let v = if f.key == "type" {
                with_doc(json!({ "const": spec.name }), spec.doc)
            } else {
                field(f)
            };
            (f.key, v)
        })
        .chain(spec.fields.iter().map(|f| (f.key, field(f))));
    let mut o = object(props, &["type"], false);
    if !spec.needs.is_empty() {
        o["allOf"] = Value::Array(spec.needs.iter().map(need).collect());
    }
    with_doc(o, spec.doc)
}

fn setting(s: &Setting, defaults: &Value) -> (&'static str, Value) {
    let mut v = field(&s.field);
    if let Some(d) = defaults.get(s.field.key).filter(|d| !d.is_null()) {
        v["default"] = d.clone();
    }
    (s.field.key, v)
}

fn settings() -> Value {
    let defaults = serde_json::to_value(Settings::default()).unwrap_or_default();
    let top = SETTINGS.iter().map(|s| setting(s, &defaults));
    let sections = SECTIONS.iter().map(|section| {
        let d = defaults.get(section.key).cloned().unwrap_or_default();
        let required: Vec<&str> = section.required.iter().map(|(k, _)| *k).collect();
        let o = object(section.keys.iter().map(|s| setting(s, &d)), &required, true);
        (section.key, with_doc(o, section.doc))
    });
    with_doc(object(top.chain(sections), &[], true), "Run settings")
}

/// The JSON Schema of a config file.
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    let mut refs = Vec::new();
    for spec in registry::actions() {
        let id = format!("action_{}", spec.name);
        refs.push(json!({ "$ref": format!("#/$defs/{id}") }));
        defs.insert(id, action(spec));
    }
    defs.insert(
        "action".into(),
        json!({ "type": "object", "required": ["type"], "oneOf": refs, "description": "One step" }),
    );
    let actions = json!({ "type": ["array", "null"], "items": { "$ref": "#/$defs/action" } });
    // A `mocks:` entry is a `mock` step without its `type`.
    let mut mock = action(registry::mock_step());
    if let Some(o) = mock.as_object_mut() {
        o.remove("required");
        if let Some(Value::Object(props)) = o.get_mut("properties") {
            props.remove("type");
        }
    }
    defs.insert("mocks_item".into(), mock);
    let mocks = json!({ "type": ["array", "null"], "items": { "$ref": "#/$defs/mocks_item" } });
    let app = super::decode::app_fields().iter().map(|f| {
        let v = match f.key {
            "actions" => with_doc(actions.clone(), f.doc),
            "mocks" => with_doc(mocks.clone(), f.doc),
            _ => field(f),
        };
        (f.key, v)
    });
    defs.insert("app".into(), object(app, &["name"], false));
    let top = super::decode::top_fields().iter().map(|f| {
        let v = match f.key {
            "settings" => settings(),
            "apps" => with_doc(
                json!({ "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/app" } }),
                f.doc,
            ),
            "actions" => with_doc(actions.clone(), f.doc),
            "mocks" => with_doc(mocks.clone(), f.doc),
            "alerts" => {
                let rule = object(
                    super::decode::alert_fields().iter().map(|a| (a.key, field(a))),
                    &["name", "webhook"],
                    false,
                );
                with_doc(json!({ "type": ["array", "null"], "items": rule }), f.doc)
            }
            _ => field(f),
        };
        (f.key, v)
    });
    let mut root = object(top, &["apps"], false);
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["title"] = json!("panoptic config, version 1");
    root["$defs"] = Value::Object(defs);
    root
}
