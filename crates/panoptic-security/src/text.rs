//! Text that leaves panoptic for a terminal or a file format: control characters written out
//! (`\u{1b}`), because XML 1.0 cannot hold most of them (a test name with one made `junit.xml`
//! unreadable) and a terminal runs them as escape sequences. Tabs and line breaks stay.

use std::borrow::Cow;

fn unprintable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// Bytes as lowercase hex (digests, random tokens).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `s` with every control character but tab and line breaks written as `\u{…}`.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unprintable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unprintable(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `url` with its user name and password replaced by `***` (a browser endpoint such as
/// `wss://user:token@grid/…` must not reach a log, a report or an error message); any other
/// text is returned as given.
pub fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("***");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{printable, without_credentials};

    #[test]
    fn credentials_leave_endpoint_urls() {
        assert_eq!(
            without_credentials("wss://ci:t0ken@grid.example:4444/devtools/browser/1"),
            "wss://***@grid.example:4444/devtools/browser/1"
        );
        assert_eq!(without_credentials("ws://127.0.0.1:9/x"), "ws://127.0.0.1:9/x");
        assert_eq!(without_credentials("not a url"), "not a url");
    }

    #[test]
    fn control_characters_are_written_out() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert!(matches!(printable("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            printable("\u{1b}[31mred\u{0}\u{7f}\u{85}\u{ffff}"),
            "\\u{1b}[31mred\\u{0}\\u{7f}\\u{85}\\u{ffff}"
        );
    }
}
