//! Every step generation writes reads back as the same step, values with quotes, newlines and
//! `${` included.

use std::path::Path;

use super::*;
use crate::config::{Lookup, load_str};

struct NoEnv;

impl Lookup for NoEnv {
    fn var(&self, _: &str) -> Option<String> {
        Some("EXPANDED".into())
    }
    fn secret(&self, _: &str) -> Option<String> {
        Some("EXPANDED".into())
    }
}

#[test]
fn written_steps_read_back_the_same() {
    let odd = "a \"quoted\" ${HOME} $${x} 'single'\nnew line: {brace} # not a comment";
    let kinds = [
        ActionKind::Navigate {
            url: "http://127.0.0.1:1/a?b=${c}".into(),
        },
        ActionKind::Click {
            selector: "role=button[name=\"Save\"] >> nth=1".into(),
        },
        ActionKind::Check {
            selector: "label=I agree".into(),
        },
        ActionKind::AssertVisible { selector: "#a".into() },
        ActionKind::Press {
            selector: Some("#new-todo".into()),
            key: "Enter".into(),
        },
        ActionKind::Fill {
            selector: "#f".into(),
            value: odd.into(),
        },
        ActionKind::Select {
            selector: "#s".into(),
            by: SelectBy::Value("pro".into()),
        },
        ActionKind::Select {
            selector: "#s".into(),
            by: SelectBy::Label(odd.into()),
        },
        ActionKind::Wait {
            what: WaitFor::NetworkIdle,
        },
        ActionKind::AssertText {
            selector: "h1".into(),
            expect: TextMatch::Equals(odd.into()),
        },
        ActionKind::AssertUrl {
            expect: TextMatch::Contains("/done?x=1&y=${z}".into()),
        },
    ];
    for kind in kinds {
        let line = step(&kind).unwrap_or_else(|| panic!("{kind:?} is not written"));
        let text = format!(
            "name: {}\napps:\n  - name: {}\n    url: {}\n    actions:\n      - {line}\n",
            literal("g ${X}"),
            literal("app \"${Y}\""),
            quote("http://127.0.0.1:1/?q=${Z}")
        );
        let loaded = load_str(&text, Path::new("g.yaml"), &NoEnv);
        let config = loaded
            .config
            .unwrap_or_else(|| panic!("{text}\n{:?}", loaded.diagnostics));
        assert_eq!(config.name, "g ${X}");
        assert_eq!(config.apps[0].name, "app \"${Y}\"");
        // An app's url is expanded when the test opens it.
        let url = config.apps[0].url.clone().unwrap_or_default();
        assert_eq!(
            crate::template::expand(&url, |_| None).as_deref(),
            Ok("http://127.0.0.1:1/?q=${Z}")
        );
        // Values are expanded when the step runs: then they are what was written.
        let read = &config.apps[0].actions.as_ref().unwrap()[0].kind;
        let expanded = read.try_map_strings(&mut |s| crate::template::expand(s, |_| None));
        assert_eq!(expanded, Ok(kind), "{line}");
    }
    assert_eq!(step(&ActionKind::Reload), None);
}
