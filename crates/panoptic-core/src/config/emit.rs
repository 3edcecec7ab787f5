//! Config text panoptic writes itself (`panoptic generate`): a step as a YAML flow mapping,
//! its type name taken from the registry entry its variant decodes from, every value quoted
//! (a JSON string is a YAML flow scalar) with `${` written `$${`, so nothing in a value is
//! read back as a variable. Reading the text back gives the same step (tested).

use super::action::{ActionKind, SelectBy, TextMatch, WaitFor};
use super::decode::spec_of;

/// `s` as a quoted scalar for a value that is expanded (a step's value, an app's url): reads
/// back as `s`, a `${` in it included.
pub fn quote(s: &str) -> String {
    literal(&s.replace("${", "$${"))
}

/// `s` as a quoted scalar for a value that is never expanded (a config's or an app's name).
pub fn literal(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// The step as `{ type: …, key: value, … }`; `None` for a kind generation does not write.
pub fn step(kind: &ActionKind) -> Option<String> {
    let name = spec_of(kind)?.name;
    let keys: Vec<(&str, String)> = match kind {
        ActionKind::Navigate { url } => vec![("url", quote(url))],
        ActionKind::Click { selector } | ActionKind::Check { selector } | ActionKind::AssertVisible { selector } => {
            vec![("selector", quote(selector))]
        }
        ActionKind::Fill { selector, value } => vec![("selector", quote(selector)), ("value", quote(value))],
        ActionKind::Select { selector, by } => {
            let by = match by {
                SelectBy::Value(v) => ("value", quote(v)),
                SelectBy::Label(l) => ("label", quote(l)),
            };
            vec![("selector", quote(selector)), by]
        }
        ActionKind::Press {
            selector: Some(selector),
            key,
        } => vec![("selector", quote(selector)), ("key", quote(key))],
        ActionKind::Wait {
            what: WaitFor::NetworkIdle,
        } => vec![("network_idle", "true".into())],
        ActionKind::AssertText { selector, expect } => vec![("selector", quote(selector)), text_match(expect)],
        ActionKind::AssertUrl { expect } => vec![text_match(expect)],
        _ => return None,
    };
    let mut out = format!("{{ type: {name}");
    for (k, v) in keys {
        out.push_str(&format!(", {k}: {v}"));
    }
    out.push_str(" }");
    Some(out)
}

fn text_match(m: &TextMatch) -> (&'static str, String) {
    match m {
        TextMatch::Equals(s) => ("equals", quote(s)),
        TextMatch::Contains(s) => ("contains", quote(s)),
        TextMatch::Matches(s) => ("matches", quote(s)),
    }
}

#[cfg(test)]
mod tests;
