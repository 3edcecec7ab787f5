//! Unit tests of the executor with the fake session source.

use std::path::Path;

use panoptic_core::config::{Lookup, load_str};
use panoptic_core::results::Status;
use panoptic_core::sink::{RunEvent, RunSink};
use panoptic_core::testing::{FakeElement, FakePage, FakeSource};

use crate::{Artifacts, Executor, Redactor, RunOpts, slug};

struct Env;
impl Lookup for Env {
    fn var(&self, name: &str) -> Option<String> {
        (name == "USER").then(|| "ada".to_owned())
    }
    fn secret(&self, name: &str) -> Option<String> {
        (name == "PW").then(|| "hunter2-secret".to_owned())
    }
}

#[derive(Default)]
struct Collect(Vec<String>);
impl RunSink for Collect {
    fn event(&mut self, e: &RunEvent<'_>) {
        self.0.push(format!("{e:?}"));
    }
}

fn config(yaml: &str) -> panoptic_core::config::Config {
    let loaded = load_str(yaml, Path::new("t.yaml"), &Env);
    loaded.config.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics))
}

#[tokio::test]
async fn runs_steps_expands_vars_and_redacts_secrets() {
    let cfg = config(
        "name: t\napps:\n  - name: A\n    url: http://127.0.0.1:1/\nactions:\n  - { type: fill, selector: '#u', value: '${USER}' }\n  - { type: fill, selector: '#p', value: '${secret:PW}' }\n  - { type: assert_value, selector: '#p', equals: nope }\n",
    );
    let mut page = FakePage::default();
    page.elements.push(FakeElement {
        value: Some(String::new()),
        ..FakeElement::new("#u", "")
    });
    page.elements.push(FakeElement {
        value: Some(String::new()),
        ..FakeElement::new("#p", "")
    });
    let source = FakeSource { template: page };
    let dir = tempfile::tempdir().unwrap();
    let artifacts = Artifacts::create(dir.path()).unwrap();
    let mut sink = Collect::default();
    let mut cfg = cfg;
    cfg.settings.timeouts.expect.0 = std::time::Duration::from_millis(100);
    let out = Executor::new(&source, &Env)
        .run(
            &[cfg],
            &RunOpts {
                output: dir.path().into(),
                retries: None,
                tool_version: "test".into(),
            },
            &artifacts,
            &mut sink,
        )
        .await;
    let log = source.template.log.lock().unwrap().clone();
    assert!(log.contains(&"fill #u ada".to_owned()), "{log:?}");
    assert!(log.contains(&"fill #p hunter2-secret".to_owned()), "{log:?}");
    let test = &out.result.tests[0];
    assert_eq!(test.status, Status::Failed);
    let err = test.attempts[0].steps[3].error.as_ref().unwrap();
    assert_eq!(err.actual.as_deref(), Some("***"));
    let json = serde_json::to_string(&out.result).unwrap();
    assert!(!json.contains("hunter2"), "{json}");
    assert!(!sink.0.iter().any(|e| e.contains("hunter2")));
    assert!(log.contains(&"close".to_owned()));
}

#[tokio::test]
async fn retries_mark_flaky_only_on_pass_after_fail() {
    let cfg = config(
        "name: t\nsettings: { retries: 2, timeouts: { action: 100ms } }\napps: [{ name: A }]\nactions:\n  - { type: click, selector: '#late' }\n",
    );
    let mut page = FakePage::default();
    page.elements.push(FakeElement::new("#late", "x"));
    let source = FakeSource { template: page };
    let dir = tempfile::tempdir().unwrap();
    let artifacts = Artifacts::create(dir.path()).unwrap();
    let out = Executor::new(&source, &Env)
        .run(
            &[cfg],
            &RunOpts {
                output: dir.path().into(),
                retries: None,
                tool_version: "test".into(),
            },
            &artifacts,
            &mut Collect::default(),
        )
        .await;
    assert_eq!(out.result.tests[0].status, Status::Passed);
    assert_eq!(out.result.tests[0].attempts.len(), 1);
}

#[test]
fn artifacts_stay_inside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let a = Artifacts::create(dir.path()).unwrap();
    assert!(a.write("screenshots/x/ok.png", b"1").is_ok());
    assert!(a.write("../escape.png", b"1").is_err());
    assert!(a.write("/etc/passwd", b"1").is_err());
    std::os::unix::fs::symlink("/tmp", dir.path().join("link")).unwrap();
    assert!(a.write("link/x.png", b"1").is_err());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("screenshots/x/ok.png"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn slugs_and_redaction() {
    assert_eq!(slug("Log in / out!"), "log-in-out");
    assert_eq!(slug("///"), "x");
    let mut r = Redactor::default();
    r.add("abc");
    r.add("");
    assert_eq!(r.text("xabcx"), "x***x");
    assert_eq!(
        r.json(&serde_json::json!({"k": ["abc"]})),
        serde_json::json!({"k": ["***"]})
    );
}
