//! A positioned YAML tree: every node keeps the line and column it came from, so validation can
//! report every problem of a config at once instead of stopping at the first serde error.

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, DefaultHasher};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Line and column (both 1-based) of a node in its file; `0:0` when unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One YAML node with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub pos: Pos,
    /// The value.
    pub value: Value,
}

/// The value of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `~`, `null` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in file order.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// A short name of the kind of value, for "expected …, found …" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Pos,
    /// What the parser said.
    pub message: String,
}

/// Parses YAML text into a positioned tree. Never panics; an empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.trim().is_empty() {
        return Ok(Node {
            pos: Pos { line: 1, column: 1 },
            value: Value::Null,
        });
    }
    // YAML 1.2 booleans only: `y`, `no`, `on` stay strings (the Norway problem); messages
    // without source snippets (positions are reported separately). Duplicate keys and `<<`
    // merge keys are handled in `into_node`: the parser's own handling keeps a randomly seeded
    // hash set per mapping, which made parsing cost vary from run to run (the bench gate needs
    // identical instruction counts) and was slower than a scan of a config's few keys.
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.with_snippet = false;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    options.merge_keys = serde_saphyr::MergeKeyPolicy::AsOrdinary;
    match serde_saphyr::from_str_with_options::<SpannedValue>(text, options) {
        Ok(v) => v.into_node(),
        Err(e) => {
            let pos = e
                .location()
                .map(|l| Pos {
                    line: l.line() as u32,
                    column: l.column() as u32,
                })
                .unwrap_or_default();
            Err(SyntaxError {
                pos,
                message: first_line(&e.to_string()),
            })
        }
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("invalid YAML").trim();
    // serde-saphyr appends " at line X column Y"; the position is reported separately.
    match line.find(" at line ") {
        Some(i) => line[..i].to_owned(),
        None => line.to_owned(),
    }
}

struct SpannedValue(Spanned<RawValue>);

/// A short rendering of a scalar key for messages.
fn key_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::Seq(_) | Value::Map(_) => v.kind().to_owned(),
    }
}

/// Mapping entries under construction: explicit keys, then the entries `<<` merges in (YAML
/// merge keys: explicit keys win, and among merged mappings the first one wins).
#[derive(Default)]
struct Entries {
    own: Vec<(Node, Node)>,
    merged: Vec<(Node, Node)>,
    /// The scalar keys of `own` and of `merged`: a duplicate check in constant time, so a
    /// mapping of 100k keys parses in linear time (a list scan made it quadratic: 65 s).
    own_keys: KeySet,
    merged_keys: KeySet,
}

/// Scalar keys by kind and text; a fixed hasher keeps runs identical (the bench gate counts
/// instructions).
type KeySet = HashSet<(u8, String), BuildHasherDefault<DefaultHasher>>;

/// A hashable identity for scalar keys; `None` for sequence and mapping keys (rare; compared
/// by value).
fn key_id(v: &Value) -> Option<(u8, String)> {
    Some(match v {
        Value::Null => (0, String::new()),
        Value::Bool(b) => (1, b.to_string()),
        Value::Int(i) => (2, i.to_string()),
        Value::Float(f) => (3, f.to_bits().to_string()),
        Value::Str(s) => (4, s.clone()),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

impl Entries {
    /// Records `key` in `set` (or, for a complex key, looks it up in `list`); false when it
    /// was there already.
    fn insert(set: &mut KeySet, list: &[(Node, Node)], key: &Value) -> bool {
        // Config mappings have a handful of keys: a scan is cheapest there. Past `SMALL`
        // keys the scalar keys go into the set once, and every later key costs a lookup.
        const SMALL: usize = 16;
        if set.is_empty() {
            if list.len() < SMALL {
                return !list.iter().any(|(k, _)| k.value == *key);
            }
            set.extend(list.iter().filter_map(|(k, _)| key_id(&k.value)));
        }
        match key_id(key) {
            Some(id) => set.insert(id),
            None => !list.iter().any(|(k, _)| k.value == *key),
        }
    }

    fn push(&mut self, key: Node, value: Node) -> Result<(), SyntaxError> {
        if key.value == Value::Str("<<".to_owned()) {
            return self.merge(value);
        }
        if !Entries::insert(&mut self.own_keys, &self.own, &key.value) {
            return Err(SyntaxError {
                pos: key.pos,
                message: format!("duplicate mapping key `{}`", key_text(&key.value)),
            });
        }
        self.own.push((key, value));
        Ok(())
    }

    fn merge(&mut self, value: Node) -> Result<(), SyntaxError> {
        let maps = match value.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => {
                let mut maps = Vec::with_capacity(items.len());
                for i in items {
                    match i.value {
                        Value::Map(m) => maps.push(m),
                        other => return Err(merge_error(i.pos, &other)),
                    }
                }
                maps
            }
            other => return Err(merge_error(value.pos, &other)),
        };
        for (k, v) in maps.into_iter().flatten() {
            if Entries::insert(&mut self.merged_keys, &self.merged, &k.value) {
                self.merged.push((k, v));
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Vec<(Node, Node)> {
        for (k, v) in std::mem::take(&mut self.merged) {
            if Entries::insert(&mut self.own_keys, &self.own, &k.value) {
                self.own.push((k, v));
            }
        }
        self.own
    }
}

fn merge_error(pos: Pos, found: &Value) -> SyntaxError {
    SyntaxError {
        pos,
        message: format!(
            "merge key `<<` takes a mapping or a list of mappings, found {}",
            found.kind()
        ),
    }
}

impl SpannedValue {
    fn into_node(self) -> Result<Node, SyntaxError> {
        let loc = self.0.referenced;
        let pos = Pos {
            line: loc.line() as u32,
            column: loc.column() as u32,
        };
        let value = match self.0.value {
            RawValue::Null => Value::Null,
            RawValue::Bool(b) => Value::Bool(b),
            RawValue::Int(i) => Value::Int(i),
            RawValue::Float(f) => Value::Float(f),
            RawValue::Str(s) => Value::Str(s),
            RawValue::Seq(items) => Value::Seq(
                items
                    .into_iter()
                    .map(SpannedValue::into_node)
                    .collect::<Result<_, _>>()?,
            ),
            RawValue::Map(entries) => {
                let mut out = Entries::default();
                for (k, v) in entries {
                    out.push(k.into_node()?, v.into_node()?)?;
                }
                Value::Map(out.finish())
            }
        };
        Ok(Node { pos, value })
    }
}

impl<'de> Deserialize<'de> for SpannedValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<RawValue>::deserialize(d).map(SpannedValue)
    }
}

enum RawValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<SpannedValue>),
    Map(Vec<(SpannedValue, SpannedValue)>),
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map_or(RawValue::Float(v as f64), RawValue::Int))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map_or(RawValue::Float(v as f64), RawValue::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map_or(RawValue::Float(v as f64), RawValue::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawValue, E> {
        Ok(RawValue::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<SpannedValue>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<SpannedValue, SpannedValue>()? {
            entries.push((k, v));
        }
        Ok(RawValue::Map(entries))
    }
}

#[cfg(test)]
mod tests;
