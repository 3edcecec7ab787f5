//! The run loop: configs → tests (apps) → attempts → steps, `workers` attempts at a time.

use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, OnceLock};

use futures::StreamExt;
use panoptic_core::analyze::Analyzer;
use panoptic_core::config::{Config, Lookup, Settings};
use panoptic_core::results::*;
use panoptic_core::session::SessionSource;
use panoptic_core::sink::{RunEvent, RunSink};
use panoptic_core::store::ArtifactStore;
use panoptic_core::template::{self, TemplateRef};
use tokio::time::Instant;

use crate::artifacts::unique_dirs;
use crate::history::History;
use crate::opts::{RunOpts, RunOutcome};
use crate::plan::{TestRef, plan_with};
use crate::redact::Redactor;
use crate::shared::*;

/// Runs configs against sessions from a `SessionSource`.
pub struct Executor<'a> {
    pub(crate) source: &'a dyn SessionSource,
    pub(crate) lookup: &'a dyn Lookup,
    pub(crate) components: Components,
}

/// Parts the executor builds on first use, so a run pays only for what its configs need
/// (DESIGN §1 "Lazy components"). Each is a `OnceLock`: constructing the executor allocates
/// nothing for them.
#[derive(Default)]
pub struct Components {
    /// Past runs, loaded when a run first needs them (`--shard` balancing).
    history: OnceLock<History>,
    /// The page analyzer, built by the first AI step.
    analyzer: OnceLock<Box<dyn Analyzer>>,
    /// How to build it; `None` in a build without an AI crate wired in.
    make_analyzer: Option<fn() -> Box<dyn Analyzer>>,
    /// The bucket of `settings.cloud.url`, opened by the first cloud step.
    pub(crate) bucket: OnceLock<Result<panoptic_cloud::Bucket, String>>,
}

impl Components {
    /// Which components have been built so far, by name.
    pub fn built(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.history.get().is_some() {
            v.push("history");
        }
        if self.analyzer.get().is_some() {
            v.push("analyzer");
        }
        if self.bucket.get().is_some() {
            v.push("cloud");
        }
        v
    }
}

impl<'a> Executor<'a> {
    /// An executor over a session source; `lookup` resolves `${…}`.
    pub fn new(source: &'a dyn SessionSource, lookup: &'a dyn Lookup) -> Executor<'a> {
        Executor {
            source,
            lookup,
            components: Components::default(),
        }
    }

    /// The lazily built components (for tests and diagnostics).
    pub fn components(&self) -> &Components {
        &self.components
    }

    /// Wires in the page analyzer, built by `make` when the first AI step runs.
    pub fn with_analyzer(mut self, make: fn() -> Box<dyn Analyzer>) -> Self {
        self.components.make_analyzer = Some(make);
        self
    }

    /// The page analyzer, built on first use; `None` when none is wired in.
    pub(crate) fn analyzer(&self) -> Option<&dyn Analyzer> {
        let make = self.components.make_analyzer?;
        Some(self.components.analyzer.get_or_init(make).as_ref())
    }

    /// Run history from `dir`, loaded once, on first use.
    pub(crate) fn history(&self, dir: &Path) -> &History {
        self.components.history.get_or_init(|| match History::load(dir) {
            Ok(h) => {
                for (file, why) in &h.skipped {
                    tracing::warn!("run history: skipping {}: {why}", file.display());
                }
                h
            }
            Err(e) => {
                tracing::warn!("run history {} cannot be read: {e}", dir.display());
                History::default()
            }
        })
    }

    /// The settings a config runs with: its own, the profile's defaults, the CLI overrides.
    pub fn effective(config: &Config, opts: &RunOpts) -> Settings {
        let mut s = config
            .settings
            .with_profile(opts.profile, panoptic_core::config::cores());
        if let Some(r) = opts.retries {
            s.retries = r;
        }
        if let Some(w) = opts.workers {
            s.workers = Some(w);
        }
        s
    }

    /// Runs the selected tests, `workers` at a time, and streams events to `sink`.
    pub async fn run(
        &self,
        configs: &[Config],
        opts: &RunOpts,
        artifacts: &Arc<dyn ArtifactStore>,
        sink: &mut dyn RunSink,
    ) -> RunOutcome {
        let started = Instant::now();
        let started_at = now_rfc3339();
        let settings: Vec<Settings> = configs.iter().map(|c| Self::effective(c, opts)).collect();
        let durations = match (&opts.history, opts.select.shard) {
            (Some(dir), Some(_)) => Some(self.history(dir).durations()),
            _ => None,
        };
        let tests = plan_with(configs, &opts.select, durations.as_ref());
        let workers = settings.first().and_then(|s| s.workers).unwrap_or(1).max(1);
        let name = configs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" + ");
        let shard = opts.select.shard.map(|(i, n)| format!("{i}/{n}"));
        sink.event(&RunEvent::RunStarted {
            name: &name,
            tests: tests.len(),
            started_at: &started_at,
            shard: shard.as_deref(),
        });
        let budget_kb = settings.first().map_or(0, |s| s.limits.memory_budget_mb * 1024);
        let shared = Shared {
            opts,
            artifacts: artifacts.clone(),
            redactor: self.redactor_for(configs),
            sink: Mutex::new(sink),
            infra_error: Mutex::new(None),
            running: AtomicUsize::new(0),
            unstarted: AtomicUsize::new(tests.len()),
            budget_kb,
            run_name: name.clone(),
            started_at: started_at.clone(),
        };
        let mut results: Vec<Option<TestResult>> = vec![None; tests.len()];
        let dirs = unique_dirs(tests.iter().map(|t| configs[t.config].apps[t.app].name.as_str()));
        {
            let shared = &shared;
            let settings = &settings;
            let dirs = &dirs;
            let mut stream = futures::stream::iter(tests.iter().copied().enumerate())
                .map(|(i, t): (usize, TestRef)| async move {
                    let config = &configs[t.config];
                    let test = self
                        .run_test(config, &settings[t.config], &config.apps[t.app], &dirs[i], shared)
                        .await;
                    (i, test)
                })
                .buffer_unordered(workers as usize);
            while let Some((i, test)) = stream.next().await {
                shared.emit(&RunEvent::TestFinished { test: &test });
                results[i] = Some(test);
            }
        }
        let tests: Vec<TestResult> = results.into_iter().flatten().collect();
        let interrupted = shared.cancelled();
        let totals = Totals::of(&tests);
        let status = if tests.iter().all(|t| t.status.is_ok()) {
            Status::Passed
        } else {
            Status::Failed
        };
        let result = RunResult {
            schema_version: SCHEMA_VERSION,
            run: RunInfo {
                name,
                configs: configs.iter().map(|c| c.source.display().to_string()).collect(),
                started_at,
                duration_ms: ms(started.elapsed()),
                status: Some(if interrupted { Status::Interrupted } else { status }),
                totals,
                browser: self.source.browser_version(),
                panoptic_version: opts.tool_version.clone(),
                workers,
                shard: opts.select.shard.map(|(i, n)| format!("{i}/{n}")),
                peak_browser_memory_mb: self
                    .source
                    .stats()
                    .map(|s| s.memory_peak_since(started.into_std()) / 1024),
                panoptic_peak_rss_mb: None,
                trace_id: None,
            },
            tests,
        };
        let infra_error = shared.infra_error.lock().unwrap_or_else(|p| p.into_inner()).take();
        shared.emit(&RunEvent::RunFinished {
            result: &result,
            infra_error: infra_error.as_deref(),
        });
        RunOutcome {
            result,
            infra_error,
            interrupted,
        }
    }

    /// Every secret any config references, so they are masked from the first event on.
    fn redactor_for(&self, configs: &[Config]) -> Redactor {
        let mut r = Redactor::default();
        for config in configs {
            let strings = config.step_lists().flatten().flat_map(|a| a.kind.strings());
            let app_urls = config.apps.iter().filter_map(|a| a.url.clone());
            for s in strings.chain(app_urls) {
                for reference in template::references(&s).unwrap_or_default() {
                    if let TemplateRef::Secret(n) = reference
                        && let Some(v) = self.lookup.secret(&n)
                    {
                        r.add(&v);
                    }
                }
            }
        }
        r
    }
}
