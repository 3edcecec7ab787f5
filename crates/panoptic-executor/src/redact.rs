//! Secret redaction: every text that leaves the executor passes through here. A secret is found
//! in every form it reaches a text in: as written, escaped for JSON, Rust's `{:?}` or HTML,
//! percent-encoded by a browser (any of its characters, in either hex case, space as `+`),
//! cut short at the end of a text (a `maxlength` field keeps a prefix), and as a JSON number.

use regex::Regex;

/// Replaces secret values with `***`.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Every literal form of every secret, longest first.
    forms: Vec<String>,
    /// The secrets as written, for prefixes and numbers.
    secrets: Vec<String>,
    /// Each secret with any character optionally percent-encoded.
    encoded: Vec<Regex>,
}

/// What a secret is replaced with.
pub(crate) const MASK: &str = "***";

/// Shortest prefix of a secret that is masked at the end of a text.
const MIN_PREFIX: usize = 4;

fn html_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn quoted_inner(s: &str) -> String {
    s.get(1..s.len().saturating_sub(1)).unwrap_or("").to_owned()
}

/// `secret` with every character that is not ASCII alphanumeric free to appear as written
/// or percent-encoded (`%2f`/`%2F`; a space also as `+`).
fn encoded_pattern(secret: &str) -> Option<Regex> {
    let mut pattern = String::new();
    for c in secret.chars() {
        if c.is_ascii_alphanumeric() {
            pattern.push(c);
            continue;
        }
        let mut bytes = [0; 4];
        let hex: String = c.encode_utf8(&mut bytes).bytes().map(|b| format!("%{b:02X}")).collect();
        let space = if c == ' ' { "|\\+" } else { "" };
        pattern.push_str(&format!("(?:{}|(?i:{}){space})", regex::escape(&c.to_string()), hex));
    }
    Regex::new(&pattern).ok()
}

impl Redactor {
    /// Adds a value to hide (empty values are ignored).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() || self.secrets.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.push(secret.to_owned());
        let json = serde_json::to_string(secret)
            .map(|q| quoted_inner(&q))
            .unwrap_or_default();
        let debug = quoted_inner(&format!("{secret:?}"));
        for form in [secret.to_owned(), json, debug, html_escaped(secret)] {
            if !form.is_empty() && !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
        if !secret.chars().all(|c| c.is_ascii_alphanumeric())
            && let Some(re) = encoded_pattern(secret)
        {
            self.encoded.push(re);
        }
    }

    /// Every form of every secret (as given, and encoded as URLs and HTML carry it).
    pub(crate) fn forms(&self) -> &[String] {
        &self.forms
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
        for form in &self.forms {
            if s.contains(form.as_str()) {
                *s = s.replace(form.as_str(), MASK);
            }
        }
        if s.contains(['%', '+']) {
            for re in &self.encoded {
                if re.is_match(s) {
                    *s = re.replace_all(s, MASK).into_owned();
                }
            }
        }
        // A field that kept only the first characters of a secret (`maxlength`).
        for secret in &self.secrets {
            let cut = (MIN_PREFIX..secret.len())
                .rev()
                .filter(|&k| secret.is_char_boundary(k))
                .find(|&k| s.ends_with(&secret[..k]));
            if let Some(k) = cut {
                let keep = s.len() - k;
                s.truncate(keep);
                s.push_str(MASK);
            }
        }
    }

    /// A JSON value with every string masked, and numbers that spell a secret replaced.
    pub fn json(&self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Number(n) if self.secrets.iter().any(|s| *s == n.to_string()) => Value::String(MASK.into()),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.json(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (self.text(k), self.json(x))).collect()),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Redactor;

    #[test]
    fn every_form_of_a_secret_is_masked() {
        let mut r = Redactor::default();
        r.add("pa\"ss w/rd\\9");
        r.add("123456");
        let cases = [
            ("as written: pa\"ss w/rd\\9.", "as written: ***."),
            ("json: \"pa\\\"ss w/rd\\\\9\"", "json: \"***\""),
            ("html: pa&quot;ss w/rd\\9", "html: ***"),
            ("url: /x?p=pa%22ss%20w%2Frd%5C9&y", "url: /x?p=***&y"),
            ("form: pa%22ss+w%2frd%5c9", "form: ***"),
            ("mixed: pa\"ss%20w/rd%5C9", "mixed: ***"),
            ("cut by maxlength: pa\"ss", "cut by maxlength: ***"),
            ("pin 1234", "pin ***"),
            ("unrelated: pass, 123, pa", "unrelated: pass, 123, pa"),
        ];
        for (text, want) in cases {
            assert_eq!(r.text(text), want, "{text}");
        }
        let debug = format!("{:?}", "pa\"ss w/rd\\9");
        assert_eq!(r.text(&debug), "\"***\"");
        let v = serde_json::json!({ "n": 123456, "m": 42, "s": ["pa\"ss w/rd\\9"] });
        assert_eq!(r.json(&v), serde_json::json!({ "n": "***", "m": 42, "s": ["***"] }));
    }
}
