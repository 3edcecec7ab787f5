//! A step of an app: its registry entry ([`ActionSpec`]) and typed action, and [`Args`], the
//! reader every entry's decode function uses. An entry declares its keys once; `Args` only
//! reads declared keys, so the decoder, the unknown-key hints and the schema cannot disagree.

use super::action::{ActionKind, TextMatch};
use super::read::{self, Cx, Field, Kind, Obj, Val};
use crate::duration::DurationValue;
use crate::yaml::{Node, Pos};

/// Which part of panoptic runs an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// `panoptic-actions`, against the `Page` trait.
    Page,
    /// The executor itself (recording, which owns the attempt's video).
    Executor,
    /// The AI analyzer (`panoptic-ai`).
    Ai,
    /// The test runner's HTTP client (`panoptic-http`), beside the browser.
    Http,
    /// The artifact store and history (`panoptic-cloud`).
    Cloud,
    /// Telemetry sinks.
    Telemetry,
}

/// Which of `settings.timeouts` limits a step that sets no `timeout` of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `timeouts.action`: auto-wait of an action.
    Action,
    /// `timeouts.navigation`.
    Navigation,
    /// `timeouts.expect`: how long an assertion retries.
    Expect,
}

/// Keys of which a step must have exactly one (`selector` or its alias `target`).
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// Exactly one of these keys.
    One(&'static [&'static str]),
    /// At most one of these keys.
    AtMostOne(&'static [&'static str]),
}

/// One action type, described once: everything else derives from it.
#[derive(Debug)]
pub struct ActionSpec {
    /// The `type` name.
    pub name: &'static str,
    /// One line for the schema and the docs.
    pub doc: &'static str,
    /// Who runs it.
    pub runner: Runner,
    /// Which timeout applies.
    pub limit: Limit,
    /// The keys it reads besides the common ones (aliases are keys of their own).
    pub fields: &'static [Field],
    /// Key groups the schema enforces (the decode function reports them in its own words).
    pub needs: &'static [Need],
    /// A smallest valid step of this type, as YAML flow mapping (tested against decoder and schema).
    pub example: &'static str,
    /// Reads the step's keys into its typed action.
    pub decode: Decode,
}

/// Reads a step's keys into its typed action.
pub type Decode = fn(&mut Args<'_, '_, '_>) -> Option<ActionKind>;

impl ActionSpec {
    /// An entry that panoptic-actions runs (`Runner::Page`) and that reads no keys of its own;
    /// `keys` and `run_by` change that.
    pub const fn new(
        name: &'static str,
        doc: &'static str,
        limit: Limit,
        example: &'static str,
        decode: Decode,
    ) -> ActionSpec {
        ActionSpec {
            name,
            doc,
            runner: Runner::Page,
            limit,
            fields: &[],
            needs: &[],
            example,
            decode,
        }
    }

    /// The same entry reading `fields`, with the key groups `needs`.
    pub const fn keys(self, fields: &'static [Field], needs: &'static [Need]) -> ActionSpec {
        ActionSpec { fields, needs, ..self }
    }

    /// The same entry run by `runner`.
    pub const fn run_by(self, runner: Runner) -> ActionSpec {
        ActionSpec { runner, ..self }
    }

    /// The declared field for `key`.
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// One step.
#[derive(Clone, Debug)]
pub struct Action {
    /// Step name (defaults to the type and its target).
    pub name: String,
    /// Its registry entry: type name, runner, timeout class.
    pub spec: &'static ActionSpec,
    /// What the step does.
    pub kind: ActionKind,
    /// Overrides the action/navigation/expect timeout of this step.
    pub timeout: Option<DurationValue>,
    /// A failure of this step is recorded but does not fail the test.
    pub optional: bool,
    /// Take a screenshot after the step.
    pub screenshot: bool,
    /// Extra tries of this step before it fails.
    pub retries: u32,
    /// Where the step is in its file.
    pub pos: Pos,
}

impl Action {
    /// The `type` name.
    pub fn type_name(&self) -> &'static str {
        self.spec.name
    }
}

/// The keys of one step being read for its spec.
pub struct Args<'c, 'l, 'n> {
    pub(crate) cx: &'c mut Cx<'l>,
    pub(crate) obj: &'c mut Obj<'n>,
    pub(crate) params: Option<Obj<'n>>,
    pub(crate) spec: &'static ActionSpec,
    /// Where the step is.
    pub pos: Pos,
    pub(crate) ok: bool,
}

impl<'n> Args<'_, '_, 'n> {
    /// The `type` name being read.
    pub fn type_name(&self) -> &'static str {
        self.spec.name
    }

    fn declared(&self, key: &str) -> Kind {
        match self.spec.field(key) {
            Some(f) => f.kind,
            None => {
                debug_assert!(false, "`{}` reads undeclared key `{key}`", self.spec.name);
                Kind::Text
            }
        }
    }

    /// The node of a declared key, at the top level or inside `parameters` when the spec
    /// declares it there too.
    pub fn node(&mut self, key: &str) -> Option<&'n Node> {
        if self.spec.field(key).is_some()
            && let Some(n) = self.obj.take(key)
        {
            return Some(n);
        }
        let Some(Field {
            kind: Kind::Map(inner), ..
        }) = self.spec.field("parameters")
        else {
            self.declared(key);
            return None;
        };
        if !inner.iter().any(|f| f.key == key) {
            self.declared(key);
            return None;
        }
        if self.params.is_none()
            && let Some(p) = self.obj.take("parameters")
        {
            self.params = Some(Obj::new(self.cx, p, "parameters").unwrap_or_else(Obj::empty));
        }
        self.params.as_mut().and_then(|p| p.take(key))
    }

    /// True when the step has a value for `key` at its top level.
    pub fn has(&self, key: &str) -> bool {
        self.obj.has(key)
    }

    fn kind_of(&self, key: &str) -> Kind {
        if let Some(f) = self.spec.field(key) {
            return f.kind;
        }
        if let Some(Field {
            kind: Kind::Map(inner), ..
        }) = self.spec.field("parameters")
            && let Some(f) = inner.iter().find(|f| f.key == key)
        {
            return f.kind;
        }
        self.declared(key)
    }

    /// Reads `key` by its declared kind; `None` when absent. A bad value is reported and
    /// makes the step fail.
    fn value(&mut self, key: &str, shown: &str) -> Option<Val> {
        let kind = self.kind_of(key);
        let node = self.node(key)?;
        let v = read::read(self.cx, node, shown, kind);
        if v.is_none() {
            self.ok = false;
        }
        v
    }

    /// A text key, or the first present of several (`url` or `value`).
    pub fn text(&mut self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.value(k, keys[0])).map(Val::text)
    }

    /// A boolean key.
    pub fn flag(&mut self, key: &str) -> Option<bool> {
        self.value(key, key).map(|v| v.flag())
    }

    /// An integer key (range from its declaration).
    pub fn int(&mut self, keys: &[&str]) -> Option<i64> {
        keys.iter().find_map(|k| self.value(k, keys[0])).map(|v| v.int())
    }

    /// A duration key, or the first present of several.
    pub fn duration(&mut self, keys: &[&str]) -> Option<DurationValue> {
        keys.iter().find_map(|k| self.value(k, keys[0])).map(|v| v.duration())
    }

    /// A number key (range from its declaration).
    pub fn number(&mut self, key: &str) -> Option<f64> {
        self.value(key, key).map(|v| v.number())
    }

    /// A mapping of names to strings, in file order.
    pub fn pairs(&mut self, key: &str) -> Option<Vec<(String, String)>> {
        self.value(key, key).map(Val::pairs)
    }

    /// Any value as JSON.
    pub fn json(&mut self, key: &str) -> Option<serde_json::Value> {
        self.value(key, key).map(Val::json)
    }

    /// A list key.
    pub fn list(&mut self, keys: &[&str]) -> Option<Vec<String>> {
        keys.iter().find_map(|k| self.value(k, keys[0])).map(Val::list)
    }

    /// A choice key: the chosen name.
    pub fn choice(&mut self, key: &str) -> Option<String> {
        self.value(key, key).map(Val::text)
    }

    /// Reports what the step lacks; the step fails.
    pub fn missing(&mut self, message: String, hint: Option<&str>) {
        self.error_at(self.pos, message, hint);
    }

    /// Reports a problem at `pos`; the step fails.
    pub fn error_at(&mut self, pos: Pos, message: String, hint: Option<&str>) {
        self.cx.error(pos, message, hint);
        self.ok = false;
    }

    /// `Some(())` when one of `keys` is present; otherwise reports `message` (the step fails).
    pub fn present(&mut self, keys: &[&str], message: &str, hint: Option<&str>) -> Option<()> {
        if keys.iter().any(|k| self.obj.has(k)) {
            return Some(());
        }
        self.missing(message.to_owned(), hint);
        None
    }

    /// The first present of `keys`, or a report that the step needs one of them.
    pub fn required(&mut self, keys: &[&str]) -> Option<String> {
        let present = keys.iter().any(|k| self.obj.has(k));
        if !present {
            let t = self.type_name();
            self.missing(format!("`{t}` needs `{}`", keys.join("` or `")), None);
            return None;
        }
        self.text(keys)
    }

    /// `selector` or its alias `target`, syntax-checked; reported when required and absent.
    pub fn locator(&mut self, required: bool) -> Option<String> {
        if !self.obj.has("selector") && !self.obj.has("target") {
            if required {
                let t = self.type_name();
                self.missing(
                    format!("`{t}` needs a `selector` (or `target`)"),
                    Some("e.g. `selector: \"#submit\"` or `selector: \"role=button[name='Save']\"`"),
                );
            }
            let _ = (self.obj.take("selector"), self.obj.take("target"));
            return None;
        }
        self.text(&["selector", "target"])
    }

    /// One of `equals` (or `value`), `contains`, `matches`, reported when none or several.
    pub fn text_match(&mut self) -> Option<TextMatch> {
        let t = self.type_name();
        let present: Vec<&str> = ["equals", "contains", "matches", "value"]
            .into_iter()
            .filter(|k| self.obj.has(k))
            .collect();
        if present.len() > 1 {
            self.missing(
                format!(
                    "`{t}` takes one of `equals`, `contains`, `matches`; found {}",
                    present.join(", ")
                ),
                None,
            );
        }
        if let Some(s) = self.text(&["equals", "value"]) {
            Some(TextMatch::Equals(s))
        } else if let Some(s) = self.text(&["contains"]) {
            Some(TextMatch::Contains(s))
        } else if self.obj.has("matches") {
            let node = self.obj.take("matches")?;
            let re = read::string(self.cx, node, "matches")?;
            if let Err(e) = regex::Regex::new(&re) {
                self.error_at(
                    node.pos,
                    format!(
                        "`matches`: invalid regular expression: {}",
                        e.to_string().lines().last().unwrap_or("")
                    ),
                    None,
                );
            }
            Some(TextMatch::Matches(re))
        } else {
            if present.is_empty() {
                self.missing(
                    format!("`{t}` needs `equals`, `contains` or `matches`"),
                    Some("e.g. `contains: \"Welcome\"`"),
                );
            }
            None
        }
    }
}
