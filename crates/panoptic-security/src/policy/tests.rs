//! The browser-code policy on real config texts.

use panoptic_core::config::NoLookup;

use super::*;

fn load(yaml: &str) -> Loaded {
    panoptic_core::config::load_str(yaml, Path::new("c.yaml"), &NoLookup)
}

#[test]
fn executable_and_args_are_refused_where_they_are_written() {
    let yaml = "name: x\nsettings:\n  browser:\n    executable: /bin/sh\n    args: [\"--renderer-cmd-prefix=touch /tmp/pwned\"]\napps: [{ name: A, url: \"http://127.0.0.1:1/\" }]\n";
    let mut loaded = load(yaml);
    assert!(
        loaded.config.is_some(),
        "valid without the policy: {:?}",
        loaded.diagnostics
    );
    assert_eq!(refuse_browser_code(&mut loaded, Path::new("c.yaml")), 2);
    assert!(loaded.config.is_none());
    let shown: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        shown[0].starts_with("c.yaml:4:17: error: `browser.executable` is code"),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with("c.yaml:5:11: error: `browser.args` is code"),
        "{shown:?}"
    );
}

#[test]
fn configs_without_code_pass_and_the_other_browser_keys_are_not_code() {
    let yaml = "name: x\nsettings: { browser: { endpoints: [\"ws://127.0.0.1:9/devtools/browser/x\"], max_contexts_per_browser: 3 } }\napps: [{ name: A, url: \"http://127.0.0.1:1/\" }]\n";
    let mut loaded = load(yaml);
    assert_eq!(refuse_browser_code(&mut loaded, Path::new("c.yaml")), 0);
    assert!(loaded.config.is_some(), "{:?}", loaded.diagnostics);
}

#[test]
fn privileged_settings_are_refused_where_they_are_written_and_web_schemes_pass() {
    let yaml = "name: x\nsettings:\n  browser: { endpoints: [\"ws://10.0.0.1:9222/\"], grid: \"http://grid:4444\", args: [\"--x\"] }\n  allow: { eval: true, schemes: [http, https], file_upload_roots: [/etc] }\n  cloud: { url: \"s3://b/p\" }\napps: [{ name: A, url: \"http://127.0.0.1:1/\" }]\n";
    let mut loaded = load(yaml);
    assert!(loaded.config.is_some(), "{:?}", loaded.diagnostics);
    assert_eq!(refuse_privileged(&mut loaded, Path::new("c.yaml"), "a runner key"), 6);
    assert!(loaded.config.is_none());
    let keys: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{}:{} {}",
                d.pos.line,
                d.pos.column,
                d.message.split('`').nth(1).unwrap()
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            "3:25 browser.endpoints",
            "3:56 browser.grid",
            "3:82 browser.args",
            "4:18 allow.eval",
            "4:67 allow.file_upload_roots",
            "5:17 cloud.url",
        ]
    );
    // Other schemes are refused too; a plain config passes untouched.
    let mut other = load(
        "name: x\nsettings: { allow: { schemes: [http, file] } }\napps: [{ name: A, url: \"http://127.0.0.1:1/\" }]\n",
    );
    assert_eq!(refuse_privileged(&mut other, Path::new("c.yaml"), "a runner key"), 1);
    let mut plain = load("name: x\napps: [{ name: A, url: \"http://127.0.0.1:1/\" }]\n");
    assert_eq!(refuse_privileged(&mut plain, Path::new("c.yaml"), "a runner key"), 0);
    assert!(plain.config.is_some());
}
