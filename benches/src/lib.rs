//! Inputs shared by the criterion and gungraun benches: configs, results, history records and
//! an engine that drives no-op steps through the fake `Page`.

use std::path::Path;

use panoptic_core::config::{Config, Lookup, load_str};
use panoptic_core::history::{HISTORY_VERSION, RunRecord, TestRecord};
use panoptic_core::results::*;
use panoptic_core::sink::{RunEvent, RunSink};
use panoptic_core::testing::FakeSource;
use panoptic_executor::{Artifacts, Executor, RunOpts};

pub mod fuzz;

/// No environment: every `${…}` is unset.
pub struct NoEnv;

impl Lookup for NoEnv {
    fn var(&self, _: &str) -> Option<String> {
        None
    }
    fn secret(&self, _: &str) -> Option<String> {
        None
    }
}

/// Parses a config the benches know to be valid.
pub fn config(yaml: &str) -> Config {
    let loaded = load_str(yaml, Path::new("bench.yaml"), &NoEnv);
    match loaded.config {
        Some(c) => c,
        None => panic!("bench config is invalid: {:?}", loaded.diagnostics),
    }
}

/// A config with one app and one action, and no optional component.
pub fn plain_config() -> Config {
    config(
        "name: plain\napps: [{ name: A, url: \"http://127.0.0.1:8080/\" }]\nactions: [{ type: click, selector: '#go' }]\n",
    )
}

/// The same, with AI testing and a cloud store configured.
pub fn ai_cloud_config() -> Config {
    config(
        "name: ai-cloud\nsettings:\n  ai_testing: { enable_error_detection: true, self_healing: true, confidence_threshold: 0.8 }\n  cloud: { url: \"s3://bucket/prefix\", retention_days: 30 }\napps: [{ name: A, url: \"http://127.0.0.1:8080/\" }]\nactions: [{ type: click, selector: '#go' }]\n",
    )
}

/// Builds an executor and resolves the settings of `config`: what a run does before its first
/// test. Returns the workers, so nothing is optimised away.
pub fn construct(source: &FakeSource, config: &Config, opts: &RunOpts) -> u32 {
    let executor = Executor::new(source, &NoEnv);
    let settings = Executor::effective(config, opts);
    std::hint::black_box(&executor);
    settings.workers.unwrap_or(1) + u32::try_from(executor.components().built().len()).unwrap_or(0)
}

/// A run record (history entry) of `tests` tests.
pub fn run_record(tests: usize) -> RunRecord {
    RunRecord {
        version: HISTORY_VERSION,
        started_at: "2026-11-27T00:00:00.000Z".into(),
        duration_ms: 61_000,
        tests: (0..tests)
            .map(|i| TestRecord {
                name: format!("checkout flow {i}"),
                config: "suites/shop.yaml".into(),
                status: if i % 17 == 0 { Status::Flaky } else { Status::Passed },
                duration_ms: 800 + i as u64 * 13,
                attempts: 1 + u32::from(i % 17 == 0),
            })
            .collect(),
        fingerprints: Vec::new(),
    }
}

/// Sums the durations of an archived run: touches every test, copies nothing.
pub fn total_ms(run: &panoptic_core::history::ArchivedRunRecord) -> u64 {
    run.tests.iter().map(|t| t.duration_ms.to_native()).sum()
}

struct NoSink;

impl RunSink for NoSink {
    fn event(&mut self, _: &RunEvent<'_>) {}
}

/// The executor driving one test of `steps` no-op steps (`reload` on the fake page).
pub struct Engine {
    runtime: tokio::runtime::Runtime,
    source: FakeSource,
    config: Config,
    _dir: tempfile::TempDir,
    artifacts: std::sync::Arc<dyn panoptic_core::store::ArtifactStore>,
}

impl Engine {
    /// Sets up the config, a single-threaded runtime and an output folder.
    pub fn new(steps: usize) -> Engine {
        // The app opens its url first: the step every real test starts with.
        let mut config = config(
            "name: noop\napps: [{ name: A, url: 'http://127.0.0.1:9/' }]\nactions: [{ name: step, type: reload }]\n",
        );
        let one = config.actions[0].clone();
        config.actions = vec![one; steps];
        let dir = tempfile::tempdir().expect("temp dir");
        let artifacts = std::sync::Arc::new(Artifacts::create(dir.path()).expect("artifacts"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Engine {
            runtime,
            source: FakeSource::default(),
            config,
            _dir: dir,
            artifacts,
        }
    }

    /// The number of steps the test has: its actions after the opening navigation.
    pub fn steps(&self) -> usize {
        self.config.actions.len() + 1
    }

    /// Runs the test; returns the number of steps that passed.
    pub fn run(&self) -> usize {
        let executor = Executor::new(&self.source, &NoEnv);
        let opts = RunOpts::default();
        let out = self.runtime.block_on(executor.run(
            std::slice::from_ref(&self.config),
            &opts,
            &self.artifacts,
            &mut NoSink,
        ));
        out.result.tests[0].attempts[0]
            .steps
            .iter()
            .filter(|s| s.status == Status::Passed)
            .count()
    }
}

/// A config text with one app and `n` actions of mixed types.
pub fn config_text(n: usize) -> String {
    let mut s = String::from(
        "name: bench\nsettings: { retries: 1, timeouts: { action: 2s, expect: 3s } }\napps:\n  - name: App\n    url: \"http://127.0.0.1:8080/\"\nactions:\n",
    );
    let kinds = [
        "{ type: click, selector: \"role=button[name='Save']\" }",
        "{ type: fill, selector: \"label=Email\", value: \"ada@example.com\" }",
        "{ type: assert_text, selector: \".flash\", contains: \"Welcome\" }",
        "{ type: navigate, url: \"/items?page=2\" }",
        "{ type: wait, selector: \"#spinner\", state: hidden }",
    ];
    for i in 0..n {
        s.push_str(&format!("  - {{ name: step-{i}, {} \n", &kinds[i % kinds.len()][1..]));
    }
    s
}

/// A passing test with `steps` steps.
pub fn test_result(steps: u32) -> TestResult {
    let steps = (0..steps)
        .map(|i| StepResult {
            index: i,
            name: format!("step {i}"),
            action: "click".into(),
            status: Status::Passed,
            offset_ms: u64::from(i) * 40,
            duration_ms: 35,
            error: None,
            screenshots: Vec::new(),
            output: None,
            optional: false,
            thumbnail: None,
            healed: None,
            fingerprint: None,
        })
        .collect();
    let attempt = Attempt {
        index: 0,
        status: Status::Passed,
        started_at: "2026-11-26T00:00:00.000Z".into(),
        duration_ms: 800,
        steps,
        error: None,
        page_errors: Vec::new(),
        admission_wait_ms: 0,
        lease_ms: 4,
        peak_browser_memory_mb: Some(420),
        infrastructure_failure: false,
        video: None,
        trace: None,
    };
    TestResult {
        name: "Checkout".into(),
        config: "shop.yaml".into(),
        status: Status::Passed,
        duration_ms: 800,
        attempts: vec![attempt],
        trace_id: None,
        span_id: None,
    }
}

#[cfg(test)]
mod tests {
    /// The engine bench measures passing steps: if they stopped passing, its counts would drop
    /// and look like a speed-up.
    #[test]
    fn every_noop_step_passes() {
        let engine = super::Engine::new(50);
        assert_eq!(engine.run(), engine.steps());
        assert_eq!(engine.steps(), 51);
    }
}
