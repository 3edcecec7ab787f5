//! Key names and chords (`Enter`, `Control+A`, `Shift+Tab`) → CDP key events.

use chromiumoxide::keys::USKEYBOARD_LAYOUT;

/// One key to press with its modifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chord {
    /// Modifier names in press order (`Control`, `Shift`, `Alt`, `Meta`).
    pub(crate) modifiers: Vec<&'static str>,
    /// CDP modifier bit mask.
    pub(crate) mask: i64,
    pub(crate) key: String,
    pub(crate) code: String,
    pub(crate) key_code: i64,
    /// Text the key types (none for control keys or when Control/Meta is held).
    pub(crate) text: Option<String>,
}

fn modifier(name: &str) -> Option<(&'static str, i64)> {
    match name.to_ascii_lowercase().as_str() {
        "alt" | "option" => Some(("Alt", 1)),
        "control" | "ctrl" => Some(("Control", 2)),
        "meta" | "cmd" | "command" => Some(("Meta", 4)),
        "shift" => Some(("Shift", 8)),
        _ => None,
    }
}

/// CDP modifier bit, `code` and key code of a modifier named by [`parse_chord`].
pub(crate) fn modifier_key(name: &str) -> (i64, &'static str, i64) {
    match name {
        "Alt" => (1, "AltLeft", 18),
        "Control" => (2, "ControlLeft", 17),
        "Meta" => (4, "MetaLeft", 91),
        _ => (8, "ShiftLeft", 16),
    }
}

/// Parses `Control+Shift+A`; a trailing `+` is the plus key (`Control++`).
pub(crate) fn parse_chord(spec: &str) -> Result<Chord, String> {
    let (mods, key) = match spec.strip_suffix("++") {
        Some(rest) => (rest, "+"),
        None => match spec.rsplit_once('+') {
            Some((m, k)) if !k.is_empty() => (m, k),
            _ => ("", spec),
        },
    };
    let mut modifiers = Vec::new();
    let mut mask = 0;
    for m in mods.split('+').filter(|m| !m.is_empty()) {
        let (name, bit) = modifier(m)
            .ok_or_else(|| format!("unknown modifier `{m}` in key `{spec}`; use Control, Shift, Alt or Meta"))?;
        modifiers.push(name);
        mask |= bit;
    }
    let key = if key.eq_ignore_ascii_case("space") { " " } else { key };
    let shift = mask & 8 != 0;
    let typed_key = if key.chars().count() == 1 && shift {
        key.to_uppercase()
    } else {
        key.to_owned()
    };
    let def = USKEYBOARD_LAYOUT
        .iter()
        .find(|d| d.key == typed_key)
        .or_else(|| USKEYBOARD_LAYOUT.iter().find(|d| d.key.eq_ignore_ascii_case(key)))
        .ok_or_else(|| format!("unknown key `{key}` in `{spec}`; use a character or a name like Enter, Tab, Escape, ArrowDown, Backspace"))?;
    let produces_text = mask & (2 | 4) == 0;
    let text = if !produces_text {
        None
    } else if let Some(t) = def.text {
        Some(t.to_owned())
    } else if typed_key.chars().count() == 1 {
        Some(typed_key.clone())
    } else {
        None
    };
    Ok(Chord {
        modifiers,
        mask,
        key: typed_key,
        code: def.code.to_owned(),
        key_code: def.key_code,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords() {
        let c = parse_chord("Control+A").unwrap();
        assert_eq!(c.modifiers, vec!["Control"]);
        assert_eq!(c.mask, 2);
        assert_eq!(c.code, "KeyA");
        assert_eq!(c.text, None);
        let e = parse_chord("Enter").unwrap();
        assert_eq!(e.text.as_deref(), Some("\r"));
        assert_eq!(parse_chord("a").unwrap().text.as_deref(), Some("a"));
        assert_eq!(parse_chord("Shift+a").unwrap().text.as_deref(), Some("A"));
        assert_eq!(parse_chord("Control++").unwrap().key, "+");
        assert!(parse_chord("Hyper+A").unwrap_err().contains("modifier"));
        assert!(parse_chord("NoSuchKey").unwrap_err().contains("unknown key"));
    }
}
