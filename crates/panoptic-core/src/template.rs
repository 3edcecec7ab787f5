//! `${VAR}`, `${secret:NAME}` and `${name}` (an earlier `save_as`) in config strings.
//! `$${` writes a literal `${`.

/// One reference inside a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateRef {
    /// `${NAME}`: an earlier step's `save_as`, else the environment variable.
    Var(String),
    /// `${secret:NAME}`: a secret, redacted from every output.
    Secret(String),
}

/// The references in `s`, or what is malformed.
pub fn references(s: &str) -> Result<Vec<TemplateRef>, String> {
    let mut out = Vec::new();
    expand(s, |r| {
        out.push(r.clone());
        Some(String::new())
    })?;
    Ok(out)
}

/// Expands every reference with `lookup`; an unknown reference is an error naming it.
pub fn expand(s: &str, mut lookup: impl FnMut(&TemplateRef) -> Option<String>) -> Result<String, String> {
    if !s.contains('$') {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(lit) = after.strip_prefix("${") {
            out.push_str("${");
            rest = lit;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let end = body
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in {s:?}; close it with `}}`"))?;
        let inner = body[..end].trim();
        let r = match inner.strip_prefix("secret:") {
            Some(name) => TemplateRef::Secret(valid_name(name.trim(), s)?),
            None => TemplateRef::Var(valid_name(inner, s)?),
        };
        let value = lookup(&r).ok_or_else(|| match &r {
            TemplateRef::Var(n) => {
                format!("`${{{n}}}` is not set: no environment variable and no earlier `save_as` named {n}")
            }
            TemplateRef::Secret(n) => {
                format!("secret `{n}` is not set: no environment variable {n} and no file {n} in $PANOPTIC_SECRETS_DIR")
            }
        })?;
        out.push_str(&value);
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn valid_name(name: &str, whole: &str) -> Result<String, String> {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
    {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "`${{{name}}}` in {whole:?} is not a valid variable name (letters, digits, `_`, `.`, `-`)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_and_escapes() {
        let got = expand("a ${X} b ${secret:S} $${lit} $5", |r| match r {
            TemplateRef::Var(n) => Some(format!("<{n}>")),
            TemplateRef::Secret(n) => Some(format!("[{n}]")),
        });
        assert_eq!(got.unwrap(), "a <X> b [S] ${lit} $5");
        assert!(expand("${X", |_| None).unwrap_err().contains("unclosed"));
        assert!(expand("${X}", |_| None).unwrap_err().contains("not set"));
        assert!(expand("${a b}", |_| Some(String::new())).is_err());
        assert_eq!(
            references("${A}${secret:B}").unwrap(),
            vec![TemplateRef::Var("A".into()), TemplateRef::Secret("B".into())]
        );
    }
}
