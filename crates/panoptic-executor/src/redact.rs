//! Secret redaction: every text that leaves the executor passes through here.

/// Replaces secret values with `***`.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// What a secret is replaced with.
pub(crate) const MASK: &str = "***";

impl Redactor {
    /// Adds a value to hide (empty values are ignored; longest first).
    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// True when there is nothing to hide.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The text with every secret masked.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_owned();
        self.mask(&mut out);
        out
    }

    /// Masks every secret in `s`, in place: no copy when it holds none.
    pub fn mask(&self, s: &mut String) {
        for secret in &self.secrets {
            if s.contains(secret.as_str()) {
                *s = s.replace(secret.as_str(), MASK);
            }
        }
    }

    /// A JSON value with every string masked.
    pub fn json(&self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.json(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (self.text(k), self.json(x))).collect()),
            other => other.clone(),
        }
    }
}
