//! Reading positioned YAML nodes by key tables: the diagnostics context, a mapping that
//! remembers which keys were read, the key descriptors (`Field`, `Kind`) that the decoder, the
//! hints and `panoptic schema` all derive from, and the typed readers behind them.

use std::path::{Path, PathBuf};

use super::diag::{Diagnostic, Severity, did_you_mean};
use super::lookup::Lookup;
use crate::duration::{DurationValue, parse_duration, seconds};
use crate::locator::Locator;
use crate::yaml::{Node, Pos, Value};

/// What a key holds: how the decoder reads it and what the schema says of it.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A string (numbers and booleans are taken as their text).
    Text,
    /// A locator; its syntax is checked unless it holds `${…}`.
    Locator,
    /// A text that must start with one of these prefixes (`s3://`).
    Prefixed(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// An integer in a range.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// A number in a range.
    Number {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// `5s`, `250ms`, `2m` or a number of seconds.
    Duration,
    /// One of these names.
    Choice(&'static [&'static str]),
    /// A list of strings (a single string is a list of one).
    TextList,
    /// A list of locators.
    LocatorList,
    /// A mapping of these keys (`parameters`).
    Map(&'static [Field]),
    /// A mapping of free names to strings (HTTP headers, variables), in file order.
    TextMap,
    /// Any YAML value, taken as JSON (a request's JSON body, expected JSON values).
    Json,
}

/// One key of a mapping.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The key.
    pub key: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// One line for the schema's `description`.
    pub doc: &'static str,
}

impl Field {
    /// A field.
    pub const fn new(key: &'static str, kind: Kind, doc: &'static str) -> Field {
        Field { key, kind, doc }
    }
}

/// The keys of `fields`, for hints.
pub(crate) fn keys_of(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| f.key).collect()
}

/// Collects diagnostics for one file.
pub(crate) struct Cx<'a> {
    pub(crate) file: PathBuf,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) lookup: &'a dyn Lookup,
    /// Settings present whose value is code, with where they are.
    pub(crate) code: Vec<(Pos, &'static str)>,
    /// Settings present that reach past the run, with where they are.
    pub(crate) privileged: Vec<(Pos, &'static str)>,
}

impl Cx<'_> {
    fn push(&mut self, severity: Severity, pos: Pos, message: String, hint: Option<&str>) {
        self.diags.push(Diagnostic {
            severity,
            file: self.file.clone(),
            pos,
            message,
            hint: hint.map(str::to_owned),
        });
    }
    pub(crate) fn error(&mut self, pos: Pos, message: String, hint: Option<&str>) {
        self.push(Severity::Error, pos, message, hint);
    }
    pub(crate) fn warn(&mut self, pos: Pos, message: String, hint: Option<&str>) {
        self.push(Severity::Warning, pos, message, hint);
    }
    pub(crate) fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Error).count()
    }
    pub(crate) fn expected(&mut self, node: &Node, what: &str, key: &str) {
        self.error(
            node.pos,
            format!("`{key}`: expected {what}, found {}", node.value.kind()),
            None,
        );
    }
}

/// A mapping being decoded; remembers which keys were read so the rest can be reported.
pub(crate) struct Obj<'n> {
    entries: &'n [(Node, Node)],
    used: Vec<bool>,
    pub(crate) pos: Pos,
}

impl<'n> Obj<'n> {
    pub(crate) fn new(cx: &mut Cx<'_>, node: &'n Node, what: &str) -> Option<Obj<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Obj {
                entries,
                used: vec![false; entries.len()],
                pos: node.pos,
            }),
            Value::Null => Some(Obj {
                entries: &[],
                used: Vec::new(),
                pos: node.pos,
            }),
            other => {
                cx.error(
                    node.pos,
                    format!("{what}: expected a mapping, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// A mapping with no keys (after a value that was not one was reported).
    pub(crate) fn empty() -> Obj<'n> {
        Obj {
            entries: &[],
            used: Vec::new(),
            pos: Pos::default(),
        }
    }

    /// The value of `key` (a null value counts as absent); marks the key as read.
    pub(crate) fn take(&mut self, key: &str) -> Option<&'n Node> {
        let i = self
            .entries
            .iter()
            .position(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))?;
        self.used[i] = true;
        Some(&self.entries[i].1).filter(|n| n.value != Value::Null)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, v)| matches!(&k.value, Value::Str(s) if s == key) && v.value != Value::Null)
    }

    /// Reports every key not read, against `known`. A known key left unread conflicts with
    /// another key given (`selector` and `target`, `equals` and `contains`): reported as such,
    /// unless `conflicts_reported` says the reader already said so.
    pub(crate) fn finish(self, cx: &mut Cx<'_>, section: &str, known: &[&str]) {
        self.finish_with(cx, section, known, false);
    }

    pub(crate) fn finish_with(self, cx: &mut Cx<'_>, section: &str, known: &[&str], conflicts_reported: bool) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let name = match &k.value {
                Value::Str(s) => s.clone(),
                other => format!("{other:?}"),
            };
            if known.contains(&name.as_str()) {
                if !conflicts_reported {
                    cx.error(
                        k.pos,
                        format!("`{name}` cannot be combined with the other keys of {section}"),
                        Some("give only one of the alternatives (e.g. `selector` or `target`)"),
                    );
                }
                continue;
            }
            let hint = did_you_mean(&name, known)
                .map(|m| format!("did you mean `{m}`?"))
                .unwrap_or_else(|| format!("known keys here: {}", known.join(", ")));
            cx.error(k.pos, format!("unknown key `{name}` in {section}"), Some(&hint));
        }
    }
}

pub(crate) fn string(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => {
            cx.expected(node, "a string", key);
            None
        }
    }
}

pub(crate) fn boolean(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        _ => {
            cx.expected(node, "true or false", key);
            None
        }
    }
}

pub(crate) fn int(cx: &mut Cx<'_>, node: &Node, key: &str, min: i64, max: i64) -> Option<i64> {
    match &node.value {
        Value::Int(i) if (min..=max).contains(i) => Some(*i),
        Value::Int(i) => {
            cx.error(
                node.pos,
                format!("`{key}`: {i} is out of range; expected {min}..={max}"),
                None,
            );
            None
        }
        _ => {
            cx.expected(node, &format!("an integer in {min}..={max}"), key);
            None
        }
    }
}

pub(crate) fn number(cx: &mut Cx<'_>, node: &Node, key: &str, min: f64, max: f64) -> Option<f64> {
    let v = match &node.value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => {
            cx.expected(node, "a number", key);
            return None;
        }
    };
    if (min..=max).contains(&v) {
        return Some(v);
    }
    cx.error(
        node.pos,
        format!("`{key}`: {v} is out of range; expected {min:?}..={max:?}"),
        None,
    );
    None
}

pub(crate) fn duration(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<DurationValue> {
    let parsed = match &node.value {
        Value::Int(i) => seconds(*i as f64).ok_or_else(|| format!("`{key}`: {i} seconds is out of range")),
        Value::Float(f) => seconds(*f).ok_or_else(|| format!("`{key}`: {f} seconds is out of range")),
        Value::Str(s) => parse_duration(s).map_err(|e| format!("`{key}`: {e}")),
        other => Err(format!(
            "`{key}`: expected a duration like `5s`, found {}",
            other.kind()
        )),
    };
    match parsed {
        Ok(d) => Some(DurationValue(d)),
        Err(m) => {
            cx.error(
                node.pos,
                m,
                Some("durations are written `250ms`, `5s`, `2m`, or a number of seconds"),
            );
            None
        }
    }
}

pub(crate) fn choice(cx: &mut Cx<'_>, node: &Node, key: &str, names: &'static [&'static str]) -> Option<&'static str> {
    let s = string(cx, node, key)?;
    if let Some(n) = names.iter().find(|n| **n == s) {
        return Some(n);
    }
    let hint = did_you_mean(&s, names).map(|m| format!("did you mean `{m}`?"));
    cx.error(
        node.pos,
        format!("`{key}`: `{s}` is not one of {}", names.join(", ")),
        hint.as_deref(),
    );
    None
}

pub(crate) fn string_list(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<Vec<String>> {
    match &node.value {
        Value::Seq(items) => items.iter().map(|n| string(cx, n, key)).collect(),
        Value::Str(s) => Some(vec![s.clone()]),
        _ => {
            cx.expected(node, "a list of strings", key);
            None
        }
    }
}

/// Checks a locator's syntax unless it holds `${…}` (checked after expansion).
pub(crate) fn check_locator(cx: &mut Cx<'_>, node: &Node, s: &str, what: &str) -> bool {
    if s.contains("${") {
        return true;
    }
    match Locator::parse(s) {
        Ok(_) => true,
        Err(e) => {
            cx.error(node.pos, format!("invalid {what} `{s}`: {e}"), None);
            false
        }
    }
}

/// A value read by its [`Kind`].
#[derive(Clone, Debug)]
pub(crate) enum Val {
    Text(String),
    Bool(bool),
    Int(i64),
    Number(f64),
    Duration(DurationValue),
    List(Vec<String>),
    Pairs(Vec<(String, String)>),
    Json(serde_json::Value),
}

impl Val {
    pub(crate) fn text(self) -> String {
        match self {
            Val::Text(s) => s,
            _ => String::new(),
        }
    }
    pub(crate) fn flag(&self) -> bool {
        matches!(self, Val::Bool(true))
    }
    pub(crate) fn int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            _ => 0,
        }
    }
    pub(crate) fn number(&self) -> f64 {
        match self {
            Val::Number(n) => *n,
            _ => 0.0,
        }
    }
    pub(crate) fn duration(&self) -> DurationValue {
        match self {
            Val::Duration(d) => *d,
            _ => DurationValue(std::time::Duration::ZERO),
        }
    }
    pub(crate) fn pairs(self) -> Vec<(String, String)> {
        match self {
            Val::Pairs(v) => v,
            _ => Vec::new(),
        }
    }
    pub(crate) fn json(self) -> serde_json::Value {
        match self {
            Val::Json(v) => v,
            _ => serde_json::Value::Null,
        }
    }
    pub(crate) fn list(self) -> Vec<String> {
        match self {
            Val::List(v) => v,
            _ => Vec::new(),
        }
    }
}

/// Reads `node` as `kind` says; `None` after reporting what was wrong.
pub(crate) fn read(cx: &mut Cx<'_>, node: &Node, key: &str, kind: Kind) -> Option<Val> {
    Some(match kind {
        Kind::Text => Val::Text(string(cx, node, key)?),
        Kind::Locator => {
            let s = string(cx, node, key)?;
            check_locator(cx, node, &s, "locator").then_some(Val::Text(s))?
        }
        Kind::Prefixed(prefixes) => {
            let s = string(cx, node, key)?;
            if !prefixes.iter().any(|p| s.starts_with(p)) {
                let (last, rest) = prefixes.split_last().unwrap_or((&"", &[]));
                let alternatives = if rest.is_empty() {
                    (*last).to_owned()
                } else {
                    format!("{} or {last}", rest.join(", "))
                };
                cx.error(
                    node.pos,
                    format!("`{key}`: `{s}` is not a URL starting with {alternatives}"),
                    None,
                );
                return None;
            }
            Val::Text(s)
        }
        Kind::Bool => Val::Bool(boolean(cx, node, key)?),
        Kind::Int { min, max } => Val::Int(int(cx, node, key, min, max)?),
        Kind::Number { min, max } => Val::Number(number(cx, node, key, min, max)?),
        Kind::Duration => Val::Duration(duration(cx, node, key)?),
        Kind::Choice(names) => Val::Text(choice(cx, node, key, names)?.to_owned()),
        Kind::TextList => Val::List(string_list(cx, node, key)?),
        Kind::LocatorList => {
            let list = string_list(cx, node, key)?;
            let mut good = true;
            for m in &list {
                good &= check_locator(cx, node, m, &format!("{key} locator"));
            }
            good.then_some(Val::List(list))?
        }
        Kind::Map(_) => {
            cx.expected(node, "a value", key);
            return None;
        }
        Kind::TextMap => Val::Pairs(text_map(cx, node, key)?),
        Kind::Json => Val::Json(json(node)),
    })
}

/// A mapping of names to strings, in file order.
pub(crate) fn text_map(cx: &mut Cx<'_>, node: &Node, key: &str) -> Option<Vec<(String, String)>> {
    let Value::Map(entries) = &node.value else {
        cx.expected(node, "a mapping of names to strings", key);
        return None;
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let name = string(cx, k, key)?;
        if out.iter().any(|(n, _): &(String, String)| *n == name) {
            cx.error(k.pos, format!("`{key}`: `{name}` is given twice"), None);
            return None;
        }
        let value = string(cx, v, &format!("{key}.{name}"))?;
        out.push((name, value));
    }
    Some(out)
}

/// A YAML value as JSON (integers stay integers; a float that JSON cannot hold is null).
pub(crate) fn json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let name = match json(k) {
                        J::String(s) => s,
                        other => other.to_string(),
                    };
                    (name, json(v))
                })
                .collect(),
        ),
    }
}

/// A user-given artifact file name must stay inside its folder: relative, no `..`, no NUL.
pub fn check_file_name(name: &str) -> Result<(), String> {
    let p = Path::new(name);
    if name.is_empty() {
        return Err("empty file name".into());
    }
    if name.contains('\0') || name.contains('\\') {
        return Err(format!("`{name}` contains a forbidden character"));
    }
    if p.is_absolute() {
        return Err(format!("`{name}` is absolute; artifact names must be relative"));
    }
    if p.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(format!(
            "`{name}` leaves its folder (`..` or `.` parts are not allowed)"
        ));
    }
    Ok(())
}
