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

/// Runs one config against clones of `page`; returns the outcome, the source (its log) and the events.
async fn run_fake(cfg: panoptic_core::config::Config, page: FakePage) -> (crate::RunOutcome, FakeSource, Collect) {
    let source = FakeSource { template: page };
    let dir = tempfile::tempdir().unwrap();
    let artifacts = Artifacts::create(dir.path()).unwrap();
    let mut sink = Collect::default();
    let opts = RunOpts::default();
    let out = Executor::new(&source, &Env)
        .run(&[cfg], &opts, &artifacts, &mut sink)
        .await;
    (out, source, sink)
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
    let mut cfg = cfg;
    cfg.settings.timeouts.expect.0 = std::time::Duration::from_millis(100);
    let (out, source, sink) = run_fake(cfg, page).await;
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
async fn a_passing_test_runs_once_whatever_its_retries() {
    let cfg = config(
        "name: t\nsettings: { retries: 2, timeouts: { action: 100ms } }\napps: [{ name: A }]\nactions:\n  - { type: click, selector: '#late' }\n",
    );
    let mut page = FakePage::default();
    page.elements.push(FakeElement::new("#late", "x"));
    let (out, _, _) = run_fake(cfg, page).await;
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

#[test]
fn shards_partition_the_selected_tests_and_grep_filters() {
    use crate::{Selection, parse_shard, plan};
    let cfg = config("name: t\napps: [{ name: a1 }, { name: a2 }, { name: b1 }, { name: b2 }, { name: a3 }]\n");
    let configs = [cfg];
    let all = plan(&configs, &Selection::default());
    assert_eq!(all.len(), 5);
    let one = plan(
        &configs,
        &Selection {
            shard: Some((1, 2)),
            ..Selection::default()
        },
    );
    let two = plan(
        &configs,
        &Selection {
            shard: Some((2, 2)),
            ..Selection::default()
        },
    );
    assert_eq!(one.len() + two.len(), 5);
    assert!(one.iter().all(|t| !two.contains(t)));
    let grep = Selection {
        grep: Some(regex::Regex::new("^a").unwrap()),
        ..Selection::default()
    };
    assert_eq!(plan(&configs, &grep).len(), 3);
    assert_eq!(parse_shard("2/3"), Ok((2, 3)));
    assert!(parse_shard("0/3").is_err() && parse_shard("4/3").is_err() && parse_shard("x").is_err());
}

#[test]
fn profiles_fill_only_what_the_file_left_out() {
    use panoptic_core::config::{ImageFormat, Profile};
    let c = config("name: t\nsettings: { profile: fast, retries: 2 }\napps: [{ name: A }]\n");
    let s = Executor::effective(&c, &RunOpts::default());
    assert_eq!(s.retries, 2, "explicit setting wins");
    assert_eq!(s.screenshot_format, ImageFormat::Jpeg);
    assert!(!s.screenshot_on_failure);
    let s = Executor::effective(
        &c,
        &RunOpts {
            profile: Some(Profile::LowResource),
            workers: Some(3),
            ..RunOpts::default()
        },
    );
    assert_eq!(s.workers, Some(3));
    assert_eq!(s.quality, 60);
    assert_eq!(s.browser.max_contexts_per_browser, 50);
}
