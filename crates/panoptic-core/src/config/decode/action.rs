//! Steps: the common keys, then the registry entry of the step's `type` reads the rest.

use crate::config::action::ActionKind;
use crate::config::diag::did_you_mean;
use crate::config::read::{Cx, Field, Kind, Obj, boolean, duration, int, keys_of, string};
use crate::config::registry::{self, COMMON, ENTERPRISE_TYPES};
use crate::config::step::{Action, ActionSpec, Args};
use crate::yaml::{Node, Value};

pub(super) fn decode_actions(cx: &mut Cx<'_>, node: &Node, what: &str) -> Vec<Action> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| decode_action(cx, n, i))
            .collect(),
        _ => {
            cx.expected(node, "a list of actions", what);
            Vec::new()
        }
    }
}

/// A `mocks:` list: `mock` steps written without their `type`.
pub(super) fn decode_mocks(cx: &mut Cx<'_>, node: &Node, what: &str) -> Vec<Action> {
    let Value::Seq(items) = &node.value else {
        cx.expected(node, "a list of mocks", what);
        return Vec::new();
    };
    let spec = registry::mock_step();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Map(entries) = &item.value else {
            cx.expected(item, "a mock (a mapping such as `{ url: '**/api/*', json: [] }`)", what);
            continue;
        };
        if let Some((k, _)) = entries.iter().find(|(k, _)| k.value == Value::Str("type".into())) {
            cx.error(
                k.pos,
                format!(
                    "an entry of `{what}` has a `type`: every entry is a `{}` step",
                    spec.name
                ),
                Some("drop `type`, or move the step to `actions`"),
            );
            continue;
        }
        let typed = Node {
            pos: item.pos,
            value: Value::Map(
                std::iter::once((
                    Node {
                        pos: item.pos,
                        value: Value::Str("type".into()),
                    },
                    Node {
                        pos: item.pos,
                        value: Value::Str(spec.name.into()),
                    },
                ))
                .chain(entries.iter().cloned())
                .collect(),
            ),
        };
        out.extend(decode_action(cx, &typed, i));
    }
    out
}

/// The entry of a step's `type`, or a report of why there is none.
fn spec_named(cx: &mut Cx<'_>, type_node: &Node) -> Option<&'static ActionSpec> {
    let t = string(cx, type_node, "type")?;
    if let Some(spec) = registry::spec(&t) {
        return Some(spec);
    }
    if ENTERPRISE_TYPES.contains(&t.as_str()) || t.starts_with("enterprise_") {
        cx.error(
            type_node.pos,
            format!(
                "action type `{t}` was removed: the Go tool's enterprise actions are replaced by `panoptic serve` API keys with roles and its audit log"
            ),
            Some("manage users with `panoptic keys create|list|revoke`; mutating calls are audited"),
        );
    } else {
        let types = registry::action_types();
        let hint = did_you_mean(&t, &types).map(|m| format!("did you mean `{m}`?"));
        cx.error(
            type_node.pos,
            format!("unknown action type `{t}`"),
            hint.as_deref().or(Some("see docs/config.md for all types")),
        );
    }
    None
}

fn decode_action(cx: &mut Cx<'_>, node: &Node, index: usize) -> Option<Action> {
    let mut obj = Obj::new(cx, node, "an action")?;
    let Some(type_node) = obj.take("type") else {
        cx.error(
            node.pos,
            format!("action #{} has no `type`", index + 1),
            Some("e.g. `type: click`; see docs/config.md for all types"),
        );
        // Its other keys cannot be judged without a type: report the missing type only.
        return None;
    };
    // Without a known type its other keys cannot be judged either: report the type only.
    let spec = spec_named(cx, type_node)?;
    let name = obj.take("name").and_then(|n| string(cx, n, "name"));
    if let Some(n) = obj.take("description") {
        let _ = string(cx, n, "description");
    }
    let timeout = obj.take("timeout").and_then(|n| duration(cx, n, "timeout"));
    let optional = obj.take("optional").and_then(|n| boolean(cx, n, "optional"));
    let screenshot = obj.take("screenshot").and_then(|n| boolean(cx, n, "screenshot"));
    let retries = obj.take("retries").and_then(|n| int(cx, n, "retries", 0, 10));
    let errors_before = cx.error_count();
    let mut args = Args {
        cx: &mut *cx,
        obj: &mut obj,
        params: None,
        spec,
        pos: node.pos,
        ok: true,
    };
    let kind = (spec.decode)(&mut args);
    let (ok, params) = (args.ok, args.params.take());
    if let Some(p) = params
        && let Some(Field {
            kind: Kind::Map(inner), ..
        }) = spec.field("parameters")
    {
        p.finish(cx, &format!("{} parameters", spec.name), &keys_of(inner));
    }
    let known: Vec<&str> = keys_of(COMMON).into_iter().chain(keys_of(spec.fields)).collect();
    obj.finish_with(cx, &format!("a `{}` action", spec.name), &known, !ok);
    let kind = kind.filter(|_| ok);
    if kind.is_none() && cx.error_count() == errors_before {
        // A decode function that gives up must say why; never drop a step silently.
        cx.error(node.pos, format!("this `{}` step could not be read", spec.name), None);
    }
    let kind = kind?;
    let name = name.unwrap_or_else(|| default_name(spec, &kind, index));
    Some(Action {
        name,
        spec,
        kind,
        timeout,
        optional: optional.unwrap_or(false),
        screenshot: screenshot.unwrap_or(false),
        retries: retries.map_or(0, |r| r as u32),
        pos: node.pos,
    })
}

fn default_name(spec: &ActionSpec, kind: &ActionKind, index: usize) -> String {
    let first = kind.strings().into_iter().next();
    match first {
        Some(target) if !matches!(kind, ActionKind::Eval { .. }) => format!("{} {target}", spec.name),
        _ => format!("{} #{}", spec.name, index + 1),
    }
}

/// Reads a registry entry's `example` step (no config around it, no semantic checks).
fn decode_example(spec: &'static ActionSpec) -> Option<ActionKind> {
    let node = crate::yaml::parse(spec.example).ok()?;
    let mut cx = Cx {
        file: std::path::PathBuf::new(),
        diags: Vec::new(),
        lookup: &crate::config::NoLookup,
        code: Vec::new(),
        privileged: Vec::new(),
    };
    let action = decode_action(&mut cx, &node, 0)?;
    // By name: entries are statics, but identity of `&'static` data is not a promise to lean on.
    (cx.error_count() == 0 && action.spec.name == spec.name).then_some(action.kind)
}

/// The registry entry of an action built in code (generated steps, tests of the crates above):
/// the entry whose example decodes to the same variant. The run path never needs it: steps
/// carry their entry.
pub fn spec_of(kind: &ActionKind) -> Option<&'static ActionSpec> {
    type Table = Vec<(std::mem::Discriminant<ActionKind>, &'static ActionSpec)>;
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        registry::actions()
            .filter_map(|s| Some((std::mem::discriminant(&decode_example(s)?), s)))
            .collect()
    });
    let d = std::mem::discriminant(kind);
    table.iter().find(|(k, _)| *k == d).map(|(_, s)| *s)
}
