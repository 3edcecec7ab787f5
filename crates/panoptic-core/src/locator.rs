//! Locators: how a step names the element it acts on. Parsed here, resolved in the page by the
//! browser adapter's injected script, so every kind works the same in every adapter.

use serde::Serialize;

/// One part of a locator chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LocatorPart {
    /// A CSS selector (the default).
    Css {
        /// The selector.
        selector: String,
    },
    /// An XPath expression (`xpath=…`, or a selector starting with `//`).
    Xpath {
        /// The expression.
        expr: String,
    },
    /// Visible text (`text=…` substring, case-insensitive; `text="…"` exact).
    Text {
        /// The text.
        text: String,
        /// Whole-text, case-sensitive match.
        exact: bool,
    },
    /// ARIA role with an optional accessible name (`role=button[name='Sign in']`).
    Role {
        /// The role.
        role: String,
        /// The accessible name (case-insensitive substring; exact when quoted with `"`).
        name: Option<String>,
    },
    /// The control labelled by this text (`label=Email`).
    Label {
        /// The label text.
        text: String,
    },
    /// An input with this placeholder (`placeholder=…`).
    Placeholder {
        /// The placeholder text.
        text: String,
    },
    /// `data-testid` (`testid=…`).
    TestId {
        /// The id.
        id: String,
    },
    /// The documents of the `<iframe>`s a CSS selector matches (`frame=#pay >> button`): the
    /// rest of the chain searches inside them, same-origin or cross-origin. Never the last part.
    Frame {
        /// CSS selector of the frame element.
        selector: String,
    },
    /// One of the matches so far (`nth=0` the first, `nth=-1` the last), in a chain.
    Nth {
        /// Zero-based; negative counts from the end.
        index: i64,
    },
}

/// A parsed locator: parts chained with ` >> `, each searched inside the matches of the one before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Locator {
    /// The locator as the user wrote it, for messages.
    pub source: String,
    /// The chain.
    pub parts: Vec<LocatorPart>,
}

impl std::fmt::Display for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl Locator {
    /// Parses a locator; the error says what is wrong and how to write it.
    pub fn parse(source: &str) -> Result<Locator, String> {
        if source.trim().is_empty() {
            return Err("empty locator; write a CSS selector or e.g. `text=Sign in`".into());
        }
        let parts = source.split(" >> ").map(parse_part).collect::<Result<Vec<_>, _>>()?;
        if matches!(parts.first(), Some(LocatorPart::Nth { .. })) {
            return Err("`nth=` picks among the matches of what comes before it, e.g. `li >> nth=1`".into());
        }
        if matches!(parts.last(), Some(LocatorPart::Frame { .. })) {
            return Err(
                "`frame=` picks the frame to search in; say what to find inside it, e.g. `frame=#pay >> text=Pay`"
                    .into(),
            );
        }
        Ok(Locator {
            source: source.to_owned(),
            parts,
        })
    }
}

fn unquote(s: &str) -> (&str, bool) {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return (&s[1..s.len() - 1], true);
        }
    }
    (s, false)
}

fn parse_part(raw: &str) -> Result<LocatorPart, String> {
    let p = raw.trim();
    if p.is_empty() {
        return Err("empty part in a ` >> ` chain".into());
    }
    let nonempty = |kind: &str, v: &str| {
        if v.is_empty() {
            Err(format!("`{kind}=` needs a value, e.g. `{kind}=Submit`"))
        } else {
            Ok(())
        }
    };
    if let Some(rest) = p.strip_prefix("xpath=") {
        nonempty("xpath", rest)?;
        return Ok(LocatorPart::Xpath { expr: rest.to_owned() });
    }
    if p.starts_with("//") || p.starts_with("(//") {
        return Ok(LocatorPart::Xpath { expr: p.to_owned() });
    }
    if let Some(rest) = p.strip_prefix("text=") {
        let (text, quoted) = unquote(rest);
        let exact = quoted && rest.trim().starts_with('"');
        nonempty("text", text)?;
        return Ok(LocatorPart::Text {
            text: text.to_owned(),
            exact,
        });
    }
    if let Some(rest) = p.strip_prefix("label=") {
        let (text, _) = unquote(rest);
        nonempty("label", text)?;
        return Ok(LocatorPart::Label { text: text.to_owned() });
    }
    if let Some(rest) = p.strip_prefix("placeholder=") {
        let (text, _) = unquote(rest);
        nonempty("placeholder", text)?;
        return Ok(LocatorPart::Placeholder { text: text.to_owned() });
    }
    if let Some(rest) = p.strip_prefix("testid=") {
        let (id, _) = unquote(rest);
        nonempty("testid", id)?;
        return Ok(LocatorPart::TestId { id: id.to_owned() });
    }
    if let Some(rest) = p.strip_prefix("role=") {
        return parse_role(rest);
    }
    if let Some(rest) = p.strip_prefix("frame=") {
        nonempty("frame", rest.trim())?;
        return Ok(LocatorPart::Frame {
            selector: rest.trim().to_owned(),
        });
    }
    if let Some(rest) = p.strip_prefix("nth=") {
        return rest
            .trim()
            .parse::<i64>()
            .map(|index| LocatorPart::Nth { index })
            .map_err(|_| format!("`nth={rest}`: expected a whole number, e.g. `nth=0` (first) or `nth=-1` (last)"));
    }
    if let Some(css) = p.strip_prefix("css=") {
        return Ok(LocatorPart::Css {
            selector: css.to_owned(),
        });
    }
    Ok(LocatorPart::Css { selector: p.to_owned() })
}

fn parse_role(rest: &str) -> Result<LocatorPart, String> {
    let hint = "write it like `role=button` or `role=button[name='Sign in']`";
    let (role, attrs) = match rest.find('[') {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let role = role.trim();
    if role.is_empty() || !role.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("invalid role `{role}`; {hint}"));
    }
    let name = match attrs {
        None => None,
        Some(a) => {
            let inner = a
                .strip_prefix('[')
                .and_then(|a| a.strip_suffix(']'))
                .ok_or_else(|| format!("unclosed `[` in role locator; {hint}"))?;
            let value = inner
                .trim()
                .strip_prefix("name")
                .map(str::trim_start)
                .and_then(|v| v.strip_prefix('='))
                .ok_or_else(|| format!("only `name` is supported inside `[…]`; {hint}"))?;
            let trimmed = value.trim();
            let (n, quoted) = unquote(trimmed);
            if !quoted {
                return Err(format!("quote the name: `[name='{trimmed}']`"));
            }
            // `"…"` asks for an exact name, `'…'` for a case-insensitive substring.
            Some(if trimmed.starts_with('"') {
                format!("\"{n}\"")
            } else {
                n.to_owned()
            })
        }
    };
    Ok(LocatorPart::Role {
        role: role.to_owned(),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let l = Locator::parse("#a >> text=Sign in").unwrap();
        assert_eq!(l.parts[0], LocatorPart::Css { selector: "#a".into() });
        assert_eq!(
            l.parts[1],
            LocatorPart::Text {
                text: "Sign in".into(),
                exact: false
            }
        );
        assert_eq!(
            Locator::parse("text=\"Exact\"").unwrap().parts[0],
            LocatorPart::Text {
                text: "Exact".into(),
                exact: true
            }
        );
        assert_eq!(
            Locator::parse("role=button[name='Go']").unwrap().parts[0],
            LocatorPart::Role {
                role: "button".into(),
                name: Some("Go".into())
            }
        );
        assert_eq!(
            Locator::parse("//div[@id='x']").unwrap().parts[0],
            LocatorPart::Xpath {
                expr: "//div[@id='x']".into()
            }
        );
        assert_eq!(
            Locator::parse("testid=save").unwrap().parts[0],
            LocatorPart::TestId { id: "save".into() }
        );
        assert_eq!(
            Locator::parse("label=Email").unwrap().parts[0],
            LocatorPart::Label { text: "Email".into() }
        );
    }

    #[test]
    fn errors() {
        assert!(Locator::parse("").is_err());
        assert!(Locator::parse("text=").is_err());
        assert!(Locator::parse("role=button[name=Go]").unwrap_err().contains("quote"));
        assert!(
            Locator::parse("role=button[title='x']")
                .unwrap_err()
                .contains("only `name`")
        );
        assert!(Locator::parse("a >>  >> b").is_err());
        assert!(Locator::parse("nth=0").unwrap_err().contains("picks among the matches"));
        assert!(Locator::parse("li >> nth=first").unwrap_err().contains("whole number"));
        assert!(
            Locator::parse("frame=#pay")
                .unwrap_err()
                .contains("say what to find inside it")
        );
        assert!(
            Locator::parse("frame=#a >> frame=#b")
                .unwrap_err()
                .contains("`frame=#pay >> text=Pay`")
        );
        assert!(Locator::parse("frame=#a >> frame=#b >> button").is_ok());
    }

    #[test]
    fn nth_picks_in_a_chain() {
        let l = Locator::parse("li:has-text('x') >> nth=-1 >> .toggle").unwrap();
        assert_eq!(
            l.parts,
            [
                LocatorPart::Css {
                    selector: "li:has-text('x')".into()
                },
                LocatorPart::Nth { index: -1 },
                LocatorPart::Css {
                    selector: ".toggle".into()
                },
            ]
        );
    }

    #[test]
    fn text_matches_compare_normalised_whitespace_values_verbatim() {
        use crate::config::TextMatch;
        let eq = TextMatch::Equals("  buy\n  milk ".into());
        assert!(eq.is_match("buy milk"));
        assert!(eq.is_match("buy \t milk\n"));
        assert!(!eq.is_match("buymilk"));
        assert!(!eq.is_match_verbatim("buy milk"), "a value keeps its inner whitespace");
        assert!(TextMatch::Contains("two  words".into()).is_match("some two\nwords here"));
        assert!(!TextMatch::Contains("two  words".into()).is_match_verbatim("some two\nwords here"));
        assert!(
            TextMatch::Matches("^a\\s{2}b$".into()).is_match("a  b"),
            "patterns see the text as is"
        );
    }
}
