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
    let source = FakeSource {
        template: page,
        ..FakeSource::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let artifacts = store(dir.path());
    let mut sink = Collect::default();
    let opts = RunOpts::default();
    let out = Executor::new(&source, &Env)
        .run(&[cfg], &opts, &artifacts, &mut sink)
        .await;
    (out, source, sink)
}

/// The output folder `dir` as the run's artifact store.
fn store(dir: &Path) -> std::sync::Arc<dyn panoptic_core::store::ArtifactStore> {
    std::sync::Arc::new(Artifacts::create(dir).unwrap())
}

fn config(yaml: &str) -> panoptic_core::config::Config {
    let loaded = load_str(yaml, Path::new("t.yaml"), &Env);
    loaded.config.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics))
}

#[tokio::test(start_paused = true)]
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

#[tokio::test(start_paused = true)]
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
    // The same folder as an `ArtifactStore`: keys in, keys out, nothing outside.
    use panoptic_core::store::ArtifactStore;
    a.put("videos/t/video.webm", b"v").unwrap();
    a.put("videos/t/step-01.jpg", b"j").unwrap();
    assert_eq!(
        a.list("videos/t/").unwrap(),
        ["videos/t/step-01.jpg", "videos/t/video.webm"]
    );
    assert_eq!(a.get("videos/t/video.webm").unwrap(), b"v");
    for key in a.list("videos/t/").unwrap() {
        a.delete(&key).unwrap();
    }
    assert!(!dir.path().join("videos").exists(), "emptied folders are removed");
    a.delete("videos/t/gone.webm").unwrap();
    assert!(a.list("nothing/").unwrap().is_empty());
    let victim = dir.path().with_extension("victim");
    std::fs::write(&victim, b"keep").unwrap();
    let escape = format!("../{}", victim.file_name().unwrap().to_string_lossy());
    assert!(a.delete(&escape).is_err());
    assert!(a.list("link/").is_err(), "a symlinked folder is not walked");
    assert!(a.get("link/passwd").is_err());
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    assert!(a.create_file("../x").is_some_and(|r| r.is_err()));
    std::fs::remove_file(&victim).unwrap();
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
    // A nested key the profile defaults wins when the file sets it; others stay the profile's.
    let c =
        config("name: t\nsettings: { profile: fast, browser: { max_contexts_per_browser: 7 } }\napps: [{ name: A }]\n");
    let s = Executor::effective(&c, &RunOpts::default());
    assert_eq!(s.browser.max_contexts_per_browser, 7);
    assert_eq!(s.retries, 0);
    // Workers: 4 × cores in balanced (the default) and fast, measured (docs/PERFORMANCE.md).
    let cores = panoptic_core::config::cores();
    for profile in ["balanced", "fast"] {
        let c = config(&format!(
            "name: t\nsettings: {{ profile: {profile} }}\napps: [{{ name: A }}]\n"
        ));
        assert_eq!(
            Executor::effective(&c, &RunOpts::default()).workers,
            Some(4 * cores),
            "{profile}"
        );
    }
    let c = config("name: t\napps: [{ name: A }]\n");
    assert_eq!(Executor::effective(&c, &RunOpts::default()).workers, Some(4 * cores));
}

/// Counts allocations on the current thread (the executor's construction is synchronous).
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    }

    pub(super) struct Counting;

    fn bump() {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    }

    // SAFETY: every call is forwarded unchanged to the system allocator.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            bump();
            // SAFETY: same contract as ours.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: same contract as ours.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            bump();
            // SAFETY: same contract as ours.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            bump();
            // SAFETY: same contract as ours.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// Allocations made by `f` on this thread.
    pub(super) fn allocations<T>(f: impl FnOnce() -> T) -> u64 {
        let before = ALLOCATIONS.with(Cell::get);
        std::hint::black_box(f());
        ALLOCATIONS.with(Cell::get) - before
    }
}

#[global_allocator]
static COUNTING: counting::Counting = counting::Counting;

#[test]
fn construction_allocates_nothing_for_components_a_config_does_not_use() {
    let source = FakeSource::default();
    let plain = config("name: p\napps: [{ name: A }]\nactions: [{ type: reload }]\n");
    let ai_cloud = config(
        "name: c\nsettings:\n  ai_testing: { self_healing: true }\n  cloud: { url: \"s3://b/p\" }\napps: [{ name: A }]\nactions: [{ type: reload }]\n",
    );
    let opts = RunOpts::default();
    let n = counting::allocations(|| {
        let e = Executor::new(&source, &Env);
        assert!(e.components().built().is_empty());
        e
    });
    assert_eq!(n, 0, "Executor::new allocated");
    // Resolving settings copies them (the scheme allow-list and such); configuring AI and cloud
    // adds only the copy of their own settings (the URL and the list of keys set), no handle.
    let _ = Executor::effective(&plain, &opts);
    let plain_n = counting::allocations(|| Executor::effective(&plain, &opts));
    let ai_cloud_n = counting::allocations(|| Executor::effective(&ai_cloud, &opts));
    assert!(
        ai_cloud_n <= plain_n + 2,
        "plain {plain_n}, with AI and cloud {ai_cloud_n}"
    );
}

#[tokio::test(start_paused = true)]
async fn history_is_built_on_first_use_only() {
    let cfg = config("name: h\napps: [{ name: A }, { name: B }]\nactions: [{ type: reload }]\n");
    let source = FakeSource::default();
    let dir = tempfile::tempdir().unwrap();
    let artifacts = store(&dir.path().join("out"));
    let history = dir.path().join("history");
    let mut opts = RunOpts {
        history: Some(history.clone()),
        ..RunOpts::default()
    };
    let mut sink = crate::HistorySink::new(history.clone());
    let e = Executor::new(&source, &Env);
    let out = e.run(std::slice::from_ref(&cfg), &opts, &artifacts, &mut sink).await;
    assert_eq!(out.result.run.totals.passed, 2);
    assert!(
        e.components().built().is_empty(),
        "writing history needs no loaded history"
    );
    assert_eq!(std::fs::read_dir(&history).unwrap().count(), 1);
    opts.select.shard = Some((1, 2));
    let out = e.run(std::slice::from_ref(&cfg), &opts, &artifacts, &mut sink).await;
    assert_eq!(out.result.tests.len(), 1);
    assert_eq!(e.components().built(), ["history"]);
    let h = crate::History::load(&history).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h.stats()[0].runs, 2);
    // Runs without a browser or interrupted ones stay out of the history: their durations
    // would mislead shard balancing.
    let source = FakeSource::with_faults(FakePage::default(), &[panoptic_core::testing::Fault::NoBrowser]);
    let out = Executor::new(&source, &Env)
        .run(std::slice::from_ref(&cfg), &RunOpts::default(), &artifacts, &mut sink)
        .await;
    assert!(out.infra_error.is_some());
    let (tx, rx) = tokio::sync::watch::channel(true);
    let cancelled = RunOpts {
        cancel: Some(rx),
        ..RunOpts::default()
    };
    let out = Executor::new(&FakeSource::default(), &Env)
        .run(std::slice::from_ref(&cfg), &cancelled, &artifacts, &mut sink)
        .await;
    drop(tx);
    assert!(out.interrupted);
    assert_eq!(crate::History::load(&history).unwrap().len(), 2, "neither was added");
}

#[tokio::test(start_paused = true)]
async fn the_source_hears_how_many_tests_are_still_to_start() {
    // Three tests, one retried: each start says what follows; the retry says nothing.
    let cfg = config(
        "name: u\nsettings: { workers: 1, retries: 1 }\napps: [{ name: A, url: \"http://127.0.0.1/\" }, { name: B }, { name: C }]\nactions: [{ type: reload }]\n",
    );
    let source = FakeSource::with_faults(FakePage::default(), &[panoptic_core::testing::Fault::Fail]);
    let dir = tempfile::tempdir().unwrap();
    let out = Executor::new(&source, &Env)
        .run(
            std::slice::from_ref(&cfg),
            &RunOpts::default(),
            &store(dir.path()),
            &mut Collect::default(),
        )
        .await;
    assert_eq!(out.result.tests.len(), 3);
    assert_eq!(source.leases.load(std::sync::atomic::Ordering::Acquire), 4, "one retry");
    assert_eq!(*source.upcoming.lock().unwrap(), [2, 1, 0]);
}

#[test]
fn shards_balance_by_history_durations() {
    use crate::{Durations, Selection, plan_with};
    let cfg = config("name: t\napps: [{ name: a }, { name: b }, { name: c }, { name: d }, { name: e }]\n");
    let configs = [cfg];
    let key = |n: &str| ("t.yaml".to_owned(), n.to_owned());
    let durations: Durations = [(key("a"), 9000), (key("b"), 1000), (key("c"), 1000), (key("d"), 1000)]
        .into_iter()
        .collect();
    let shard = |i| {
        let sel = Selection {
            shard: Some((i, 2)),
            ..Selection::default()
        };
        plan_with(&configs, &sel, Some(&durations))
            .iter()
            .map(|t| configs[0].apps[t.app].name.clone())
            .collect::<Vec<_>>()
    };
    // `e` is unknown: it counts as the median (1000).
    assert_eq!(shard(1), ["a"]);
    assert_eq!(shard(2), ["b", "c", "d", "e"]);
    let none = Durations::new();
    let sel = Selection {
        shard: Some((1, 2)),
        ..Selection::default()
    };
    assert_eq!(
        plan_with(&configs, &sel, Some(&none)).len(),
        3,
        "no history: round-robin"
    );
}

#[tokio::test(start_paused = true)]
async fn result_json_into_a_reused_buffer_allocates_nothing() {
    let cfg = config("name: j\napps: [{ name: A }]\nactions: [{ type: reload }, { type: reload }, { type: reload }]\n");
    let (out, _, _) = run_fake(cfg, FakePage::default()).await;
    let test = &out.result.tests[0];
    let mut buf = Vec::with_capacity(64 * 1024);
    serde_json::to_writer(&mut buf, test).unwrap();
    let n = counting::allocations(|| {
        buf.clear();
        serde_json::to_writer(&mut buf, test).unwrap();
    });
    assert_eq!(n, 0);
    assert!(buf.len() > 200);
}

#[test]
fn unreadable_and_non_utf8_files_are_diagnostics() {
    use crate::load_file;
    let dir = tempfile::tempdir().unwrap();
    let missing = load_file(&dir.path().join("nope.yaml"), &Env);
    assert!(missing.config.is_none());
    let d = &missing.diagnostics[0];
    assert!(d.message.starts_with("cannot read the config:"), "{d}");
    assert!(d.file.ends_with("nope.yaml"));
    let bin = dir.path().join("bin.yaml");
    std::fs::write(&bin, b"name: x\n\xff\xfe").unwrap();
    let l = load_file(&bin, &Env);
    assert!(l.config.is_none());
    assert_eq!(
        l.diagnostics[0].message,
        "file is not UTF-8 text (invalid byte at offset 8)"
    );
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, "apps: [{ name: A }]\nactions: [{ type: reload }]\n").unwrap();
    assert!(load_file(&good, &Env).config.is_some());
}

/// The attempt rules on tokio's paused clock: hung pages, timeouts and interrupts take no real
/// time, and every rule is checked in milliseconds beside its end-to-end test.
mod rules {
    use std::time::Duration;

    use panoptic_core::results::{Status, TestResult};
    use panoptic_core::testing::{FakePage, FakeSource, Fault};
    use tokio::sync::watch;

    use super::{Collect, Env, config, store};
    use crate::{Executor, RunOpts, RunOutcome};

    const TWO_APPS: &str = "name: t\nsettings: { retries: RETRIES, screenshot_on_failure: false, timeouts: { test: 30s, navigation: 60s } }\napps:\n  - { name: A, url: 'http://127.0.0.1:1/a' }\n  - { name: B, url: 'http://127.0.0.1:1/b' }\n";

    async fn run(
        retries: u32,
        workers: u32,
        faults: &[Fault],
        cancel_after: Option<Duration>,
    ) -> (RunOutcome, FakeSource) {
        let mut cfg = config(&TWO_APPS.replace("RETRIES", &retries.to_string()));
        cfg.settings.workers = Some(workers);
        cfg.settings.explicit.push("workers");
        let source = FakeSource::with_faults(FakePage::default(), faults);
        let dir = tempfile::tempdir().unwrap();
        let artifacts = store(dir.path());
        let (tx, rx) = watch::channel(false);
        let opts = RunOpts {
            cancel: Some(rx),
            ..RunOpts::default()
        };
        if let Some(after) = cancel_after {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = tx.send(true);
            });
        }
        let out = Executor::new(&source, &Env)
            .run(&[cfg], &opts, &artifacts, &mut Collect::default())
            .await;
        (out, source)
    }

    fn test<'a>(out: &'a RunOutcome, name: &str) -> &'a TestResult {
        out.result.tests.iter().find(|t| t.name == name).unwrap()
    }

    fn statuses(t: &TestResult) -> Vec<Status> {
        t.attempts.iter().map(|a| a.status).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_then_a_pass_is_flaky() {
        let (out, source) = run(1, 1, &[Fault::Fail], None).await;
        let a = test(&out, "A");
        assert_eq!(statuses(a), [Status::Failed, Status::Passed]);
        assert_eq!(a.status, Status::Flaky);
        assert_eq!(test(&out, "B").status, Status::Passed);
        assert_eq!(source.leases.load(std::sync::atomic::Ordering::Acquire), 3);
        assert!(out.infra_error.is_none() && !out.interrupted);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_test_uses_every_retry_then_fails() {
        let (out, _) = run(2, 1, &[Fault::Fail; 3], None).await;
        let a = test(&out, "A");
        assert_eq!(statuses(a), [Status::Failed; 3]);
        assert_eq!(a.status, Status::Failed);
        let err = a.attempts[2].error.as_ref().unwrap();
        assert!(err.message.contains("ERR_CONNECTION_REFUSED"), "{err:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_crashed_browser_gets_one_extra_attempt_that_does_not_make_it_flaky() {
        let (out, _) = run(0, 1, &[Fault::Crash], None).await;
        let a = test(&out, "A");
        assert_eq!(statuses(a), [Status::Failed, Status::Passed]);
        assert!(a.attempts[0].infrastructure_failure);
        assert_eq!(a.status, Status::Passed, "a crash is not the test's flakiness");
        // Only one extra attempt: a second crash fails the test.
        let (out, _) = run(0, 1, &[Fault::Crash, Fault::Crash], None).await;
        assert_eq!(statuses(test(&out, "A")), [Status::Failed, Status::Failed]);
        assert_eq!(test(&out, "A").status, Status::Failed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_page_times_out_is_discarded_and_the_retry_starts_clean() {
        let started = tokio::time::Instant::now();
        let (out, source) = run(1, 1, &[Fault::Hang], None).await;
        let a = test(&out, "A");
        assert_eq!(statuses(a), [Status::TimedOut, Status::Passed]);
        assert_eq!(a.status, Status::Flaky);
        let err = a.attempts[0].error.as_ref().unwrap();
        assert!(err.message.contains("exceeded its timeout of 30s"), "{err:?}");
        assert!(
            started.elapsed() >= Duration::from_secs(30),
            "virtual time ran to the timeout"
        );
        // The hung session was dropped, not closed and reused: two healthy pages closed.
        let log = source.template.log.lock().unwrap().clone();
        assert_eq!(log.iter().filter(|l| *l == "close").count(), 2, "{log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_interrupt_stops_the_running_attempt_and_starts_nothing_new() {
        let (out, source) = run(2, 1, &[Fault::Hang], Some(Duration::from_secs(5))).await;
        assert!(out.interrupted);
        assert_eq!(statuses(test(&out, "A")), [Status::Interrupted]);
        assert_eq!(test(&out, "A").status, Status::Interrupted);
        assert_eq!(test(&out, "B").status, Status::Interrupted);
        assert!(test(&out, "B").attempts.is_empty(), "B never started");
        assert_eq!(source.leases.load(std::sync::atomic::Ordering::Acquire), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn no_browser_is_an_infrastructure_error_and_nothing_else_starts() {
        let (out, _) = run(3, 1, &[Fault::NoBrowser], None).await;
        assert!(out.infra_error.as_deref().unwrap_or("").contains("chromium not found"));
        assert_eq!(test(&out, "A").attempts.len(), 1, "no retry without a browser");
        assert!(test(&out, "B").attempts.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn workers_run_tests_side_by_side_in_virtual_time() {
        // Both tests hang until their timeout: with two workers the run takes one timeout, not two.
        let started = tokio::time::Instant::now();
        let (out, _) = run(0, 2, &[Fault::Hang, Fault::Hang], None).await;
        assert_eq!(test(&out, "A").status, Status::TimedOut);
        assert_eq!(test(&out, "B").status, Status::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    }
}

/// The analyzer seam: built on the first AI step only, once per executor; its findings are the
/// step's output and an error finding fails the step.
mod analyzer {
    use std::sync::atomic::{AtomicU32, Ordering};

    use async_trait::async_trait;
    use panoptic_core::analyze::{AnalyzeError, AnalyzeOpts, Analyzer, Finding, Findings, Severity};
    use panoptic_core::config::{ActionKind, ActionSpec, Limit, Runner};
    use panoptic_core::page::{Page, PageEvent};
    use panoptic_core::results::Status;
    use panoptic_core::testing::{FakePage, FakeSource};

    use super::{Collect, Env, config, store};
    use crate::{Executor, RunOpts};

    static BUILT: AtomicU32 = AtomicU32::new(0);

    struct TitleAndErrors;

    #[async_trait]
    impl Analyzer for TitleAndErrors {
        async fn analyze(
            &self,
            page: &mut dyn Page,
            events: &[PageEvent],
            opts: &AnalyzeOpts,
        ) -> Result<Findings, AnalyzeError> {
            let mut findings: Vec<Finding> = events
                .iter()
                .filter_map(PageEvent::error_text)
                .map(|message| Finding {
                    kind: "page_error".into(),
                    severity: Severity::Error,
                    message,
                    locator: None,
                    impact: None,
                    recommendation: None,
                })
                .collect();
            findings.push(Finding {
                kind: opts.action.clone(),
                severity: Severity::Info,
                message: format!("title {:?}", page.title().await?),
                locator: None,
                impact: None,
                recommendation: None,
            });
            Ok(Findings {
                findings,
                elements: Vec::new(),
                image: Some(b"\x89PNG picture".to_vec()),
                yaml: None,
            })
        }
    }

    /// Counts how often it is called: only the first test uses it.
    fn make() -> Box<dyn Analyzer> {
        BUILT.fetch_add(1, Ordering::AcqRel);
        Box::new(TitleAndErrors)
    }

    fn make_uncounted() -> Box<dyn Analyzer> {
        Box::new(TitleAndErrors)
    }

    static AI_STEP: ActionSpec = ActionSpec {
        name: "fake_analysis",
        doc: "an AI step for this test",
        runner: Runner::Ai,
        limit: Limit::Action,
        fields: &[],
        needs: &[],
        example: "{ type: fake_analysis }",
        decode: |_| Some(ActionKind::AssertNoErrors),
    };

    async fn run(
        page: FakePage,
        wired: Option<fn() -> Box<dyn Analyzer>>,
        ai_steps: bool,
    ) -> (crate::RunOutcome, Vec<&'static str>) {
        let mut cfg =
            config("name: t\napps: [{ name: A }, { name: B }]\nactions: [{ type: reload }, { type: reload }]\n");
        if ai_steps {
            cfg.actions[1].spec = &AI_STEP;
        }
        let source = FakeSource {
            template: page,
            ..FakeSource::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let artifacts = store(dir.path());
        let mut e = Executor::new(&source, &Env);
        if let Some(make) = wired {
            e = e.with_analyzer(make);
        }
        let out = e
            .run(&[cfg], &RunOpts::default(), &artifacts, &mut Collect::default())
            .await;
        let built = e.components().built();
        (out, built)
    }

    #[tokio::test(start_paused = true)]
    async fn built_once_on_first_use_and_findings_are_the_output() {
        let before = BUILT.load(Ordering::Acquire);
        let (_, built) = run(FakePage::default(), Some(make), false).await;
        assert!(built.is_empty(), "no AI step, no analyzer: {built:?}");
        assert_eq!(BUILT.load(Ordering::Acquire), before);
        let page = FakePage {
            title: "Shop".into(),
            ..FakePage::default()
        };
        let (out, built) = run(page, Some(make), true).await;
        assert_eq!(built, ["analyzer"]);
        assert_eq!(BUILT.load(Ordering::Acquire), before + 1, "one analyzer for both tests");
        let step = &out.result.tests[0].attempts[0].steps[1];
        assert_eq!(step.status, Status::Passed, "{step:?}");
        assert_eq!(
            step.output.as_ref().unwrap()["findings"][0]["message"],
            "title \"Shop\""
        );
        assert_eq!(step.output.as_ref().unwrap()["findings"][0]["kind"], "fake_analysis");
        // The analysis's picture is kept with the step's screenshots, not in its output.
        assert_eq!(step.screenshots, ["screenshots/a/01-reload-2.png"], "{step:?}");
        assert!(step.output.as_ref().unwrap().get("image").is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_finding_fails_the_step_and_no_analyzer_is_a_clear_error() {
        let page = FakePage {
            events: vec![PageEvent::Exception { text: "boom".into() }],
            ..FakePage::default()
        };
        let (out, _) = run(page, Some(make_uncounted), true).await;
        let step = &out.result.tests[0].attempts[0].steps[1];
        let err = step.error.clone().unwrap();
        assert!(err.message.contains("found 1 error"), "{err:?}");
        assert_eq!(err.actual.as_deref(), Some("uncaught exception: boom"));
        let kept = &step
            .output
            .as_ref()
            .expect("the findings of a failed analysis are kept")["findings"];
        assert_eq!(kept.as_array().map(Vec::len), Some(2), "the error and the info: {kept}");
        let (out, built) = run(FakePage::default(), None, true).await;
        let err = out.result.tests[0].attempts[0].steps[1].error.clone().unwrap();
        assert!(err.message.contains("needs the page analyzer"), "{err:?}");
        assert!(built.is_empty());
    }
}

/// Evidence stays apart and bounded: tests whose names slug the same get their own folders,
/// a page that logs without end records a bounded list, an artifact past
/// `limits.max_artifact_mb` is refused.
#[tokio::test(start_paused = true)]
async fn evidence_is_kept_apart_and_bounded() {
    let cfg = config(
        "name: t\nsettings: { retries: 0, screenshot_on_failure: false, limits: { max_artifact_mb: 1 } }\napps: [{ name: Login }, { name: 'login!' }]\nactions:\n  - { type: screenshot, parameters: { filename: a.png } }\n",
    );
    let page = FakePage {
        events: (0..1_000)
            .map(|i| panoptic_core::page::PageEvent::Console {
                level: "error".into(),
                text: format!("{i} {}", "x".repeat(10_000)),
            })
            .collect(),
        ..FakePage::default()
    };
    let (out, _, _) = run_fake(cfg.clone(), page).await;
    let shots: Vec<&str> = out
        .result
        .tests
        .iter()
        .map(|t| t.attempts[0].steps[0].screenshots[0].as_str())
        .collect();
    assert_eq!(shots, ["screenshots/login/a.png", "screenshots/login-2/a.png"]);
    let errors = &out.result.tests[0].attempts[0].page_errors;
    assert_eq!(errors.len(), 201, "200 and a count of the rest");
    assert!(
        errors[0].len() < 2_200 && errors[0].ends_with("more bytes)"),
        "{}",
        &errors[0][..40]
    );
    assert_eq!(errors[200], "… and 800 more page error(s) not recorded");
    assert_eq!(
        crate::unique_dirs(["A b", "a-b", "a B", "x"]),
        ["a-b", "a-b-2", "a-b-3", "x"]
    );
    // A 2 MiB screenshot with a 1 MiB limit: the step fails, nothing is written.
    let big = FakePage {
        screenshot_size: 2 << 20,
        ..FakePage::default()
    };
    let (out, _, _) = run_fake(cfg, big).await;
    let err = out.result.tests[0].attempts[0].steps[0]
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        err.message.contains("more than `limits.max_artifact_mb` (1 MiB)"),
        "{err:?}"
    );
}

/// Automatic screenshots (`screenshot: true`, failures) cover password fields too.
#[tokio::test(start_paused = true)]
async fn automatic_screenshots_mask_password_fields() {
    let cfg = config(
        "name: t\nsettings: { retries: 0, timeouts: { expect: 100ms } }\napps: [{ name: A }]\nactions:\n  - { type: reload, screenshot: true }\n  - { type: assert_visible, selector: '#missing' }\n",
    );
    let mut page = FakePage::default();
    page.elements.push(FakeElement::new("input[type=password]", ""));
    let (out, source, _) = run_fake(cfg, page).await;
    let steps = &out.result.tests[0].attempts[0].steps;
    assert_eq!(steps[0].screenshots.len(), 1, "after the step");
    assert_eq!(steps[1].screenshots.len(), 1, "on failure");
    let log = source.template.log.lock().unwrap().clone();
    let shots: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("screenshot"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(shots.len(), 2, "{log:?}");
    for at in shots {
        assert!(
            log[at - 1].contains("__panoptic_mask"),
            "no mask before {}: {log:?}",
            log[at]
        );
        assert!(
            log[at + 1].contains("remove()"),
            "mask not removed after {}: {log:?}",
            log[at]
        );
    }
}

#[test]
fn videos_fit_in_800_by_800_keeping_the_viewport_shape() {
    use crate::video::video_size;
    assert_eq!(
        video_size(1280, 720),
        (800, 450),
        "Playwright's size for the default viewport"
    );
    assert_eq!(video_size(375, 812), (369, 800));
    assert_eq!(video_size(640, 480), (640, 480), "small viewports are not enlarged");
    assert_eq!(video_size(7680, 100), (800, 10));
}
