//! `panoptic run`, `panoptic validate` and `panoptic report merge`.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use panoptic_browser_pool::{BrowserPool, PoolOpts};
use panoptic_core::config::{CloudSync, Config, Profile, Severity};
use panoptic_core::results::{RunResult, Status};
use panoptic_core::session::PoolStats;
use panoptic_core::sink::Fanout;
use panoptic_core::store::ArtifactStore;
use panoptic_executor::{Artifacts, Executor, HistorySink, RunOpts, Selection, SystemLookup, load_file, parse_shard};
use panoptic_report::JsonlSink;

use crate::cli::RunArgs;
use crate::interrupt::Interrupt;
use crate::progress::Progress;
use crate::{exit, say};

/// Diagnostics printed per config file.
const MAX_SHOWN: usize = 200;

/// Loads every config, printing its diagnostics (at most `MAX_SHOWN` a file); `None` when any
/// has an error.
/// True when configs may not set code (`--no-browser-code` or PANOPTIC_NO_BROWSER_CODE=1).
fn refuses_code(flag: bool) -> bool {
    flag || std::env::var("PANOPTIC_NO_BROWSER_CODE").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn load_all(args: &[String], refuse_code: bool) -> Option<Vec<Config>> {
    let files = match crate::inputs::expand(args) {
        Ok(f) => f,
        Err(e) => {
            say(&format!("error: {e}"));
            return None;
        }
    };
    let mut configs = Vec::new();
    let mut errors = 0;
    for f in &files {
        let mut loaded = load_file(f, &SystemLookup);
        if refuse_code {
            panoptic_security::policy::refuse_browser_code(&mut loaded, f);
        }
        for (i, d) in loaded.diagnostics.iter().enumerate() {
            // A generated or hostile file can hold a diagnostic per line: the first ones say
            // what is wrong, the rest only flood the terminal.
            if i < MAX_SHOWN {
                say(&d.to_string());
            }
            errors += usize::from(d.severity == Severity::Error);
        }
        if loaded.diagnostics.len() > MAX_SHOWN {
            say(&format!(
                "{}: … and {} more problem(s) not shown",
                f.display(),
                loaded.diagnostics.len() - MAX_SHOWN
            ));
        }
        configs.extend(loaded.config);
    }
    if errors > 0 {
        say(&format!(
            "{errors} error(s) in {} config file(s); nothing was run",
            files.len()
        ));
        return None;
    }
    Some(configs)
}

pub(crate) fn validate(args: &crate::cli::ValidateArgs) -> u8 {
    match load_all(&args.configs, refuses_code(args.no_browser_code)) {
        Some(configs) => {
            let tests: usize = configs.iter().map(|c| c.apps.len()).sum();
            let _ = writeln!(std::io::stdout(), "{} config(s) valid, {tests} test(s)", configs.len());
            exit::OK
        }
        None => exit::USAGE,
    }
}

fn output_dir(args: &RunArgs, first: &Config) -> PathBuf {
    if let Some(o) = &args.output {
        return o.clone();
    }
    first
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("panoptic-results"))
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Ok(match s {
        "fast" => Profile::Fast,
        "balanced" => Profile::Balanced,
        "thorough" => Profile::Thorough,
        "low-resource" => Profile::LowResource,
        other => {
            return Err(format!(
                "--profile {other:?}: expected fast, balanced, thorough or low-resource"
            ));
        }
    })
}

/// `(config, test)` pairs that did not pass in `<output>/results.json`.
fn last_failed(output: &Path) -> Result<HashSet<(String, String)>, String> {
    let path = output.join("results.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("--last-failed needs {}: {e}", path.display()))?;
    let previous: RunResult = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(previous
        .tests
        .into_iter()
        .filter(|t| !t.status.is_ok())
        .map(|t| (t.config, t.name))
        .collect())
}

fn run_opts(args: &RunArgs, output: &Path) -> Result<RunOpts, String> {
    let grep = args
        .grep
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|e| format!("--grep: {e}"))?;
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let only = if args.last_failed {
        Some(last_failed(output)?)
    } else {
        None
    };
    Ok(RunOpts {
        retries: args.retries,
        workers: args.workers.map(|w| w.max(1)),
        profile: args.profile.as_deref().map(parse_profile).transpose()?,
        select: Selection { grep, shard, only },
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        cancel: None,
        history: (!args.no_history).then(|| args.history_dir.clone()),
        update_snapshots: args.update_snapshots,
    })
}

pub(crate) fn run(args: RunArgs) -> u8 {
    let Some(configs) = load_all(&args.configs, refuses_code(args.no_browser_code)) else {
        return exit::USAGE;
    };
    run_loaded(&args, &configs)
}

/// Runs configs already loaded (`run`, and `analyze` with the config it made).
pub(crate) fn run_loaded(args: &RunArgs, configs: &[Config]) -> u8 {
    let Some(first) = configs.first() else {
        say("error: no configs to run");
        return exit::USAGE;
    };
    let output = output_dir(args, first);
    if let Some(url) = &args.history_from {
        if args.no_history {
            say("error: --history-from needs the run history (drop --no-history)");
            return exit::USAGE;
        }
        match crate::cloud::pull_history(url, &args.history_dir) {
            Ok(n) => say(&format!("history: {n} run(s) from {url}")),
            Err(e) => {
                say(&format!("error: {e}"));
                return exit::INFRA;
            }
        }
    }
    let mut opts = match run_opts(args, &output) {
        Ok(o) => o,
        Err(e) => {
            say(&format!("error: {e}"));
            return exit::USAGE;
        }
    };
    let artifacts_root = match Artifacts::create(&output) {
        Ok(a) => a,
        Err(e) => {
            say(&format!(
                "error: output folder {} is not writable: {e}",
                output.display()
            ));
            return exit::INFRA;
        }
    };
    // As Playwright clears its output folder: the evidence in it is this run's alone
    // (`--last-failed` has read the previous results above).
    if let Err(e) = artifacts_root.clear_previous_run() {
        say(&format!(
            "error: cannot clear the previous run's results from {}: {e}",
            output.display()
        ));
        return exit::INFRA;
    }
    let artifacts: Arc<dyn ArtifactStore> = Arc::new(artifacts_root);
    let level = args.log_level.clone().or_else(|| first.settings.log_level.clone());
    if let Err(e) = panoptic_telemetry::logging::init(&output, level.as_deref()) {
        say(&format!("error: cannot write logs under {}: {e}", output.display()));
        return exit::INFRA;
    }
    let settings = Executor::effective(first, &opts);
    let pool_opts = match PoolOpts::for_settings(
        &settings,
        !args.headed,
        args.browser_endpoints.clone(),
        args.grid.clone(),
    ) {
        Ok(p) => p,
        Err(e) => {
            say(&format!("error: {e}"));
            return exit::INFRA;
        }
    };
    // Built and shut down outside the runtime: the exporters run on threads of their own.
    let otlp = match (settings.telemetry.otlp, panoptic_telemetry::Otlp::from_env()) {
        (false, _) => None,
        (true, None) => {
            say(
                "warning: `telemetry.otlp` is on but no OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_/_METRICS_ENDPOINT) is set: nothing is exported",
            );
            None
        }
        (true, Some(Err(e))) => {
            say(&format!("warning: no OTLP export: {e}"));
            None
        }
        (true, Some(Ok(o))) => Some(Arc::new(o)),
    };
    let trace_ids = Arc::new(std::sync::Mutex::new(panoptic_telemetry::TraceIds::default()));
    let rt = match panoptic_executor::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}"));
            return exit::INFRA;
        }
    };
    let mut outcome = rt.block_on(async {
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        opts.cancel = Some(cancel_rx);
        let mut interrupt = Interrupt::new();
        let signals = tokio::spawn(async move {
            interrupt.wait().await;
            tracing::warn!("interrupted: stopping running tests, admitting nothing new (again to stop at once)");
            let _ = cancel_tx.send(true);
            interrupt.wait().await;
            crate::interrupt::force_exit()
        });
        let pool = BrowserPool::new(pool_opts);
        let mut sinks: Vec<Box<dyn panoptic_core::sink::RunSink>> = vec![Box::new(Progress::new())];
        if let Some(dir) = &opts.history {
            sinks.push(Box::new(HistorySink::new(dir.clone())));
        }
        match JsonlSink::create(&output.join("results.jsonl")) {
            Ok(s) => sinks.push(Box::new(s)),
            Err(e) => tracing::warn!("cannot stream results.jsonl: {e}"),
        }
        let mut streaming = None;
        if let Some(c) = settings.cloud.as_ref().filter(|c| c.sync == CloudSync::Streaming) {
            match crate::cloud::Streaming::start(&output, &c.url) {
                Ok((sink, task)) => {
                    sinks.push(Box::new(sink));
                    streaming = Some(task);
                }
                Err(e) => say(&format!("error: {e}; artifacts go up at the run's end")),
            }
        }
        if otlp.is_some() {
            sinks.push(Box::new(panoptic_telemetry::TelemetrySink::new(
                None,
                otlp.clone(),
                trace_ids.clone(),
            )));
        }
        let mut sink = Fanout(sinks);
        let outcome = Executor::new(&pool, &SystemLookup)
            .with_analyzer(panoptic_ai::make)
            .run(configs, &opts, &artifacts, &mut sink)
            .await;
        if let Some(o) = &otlp {
            o.sample_pool(&pool);
        }
        pool.shutdown().await;
        // The sinks (the streaming one's sender with them) are gone: its last uploads finish.
        drop(sink);
        if let Some(task) = streaming {
            let _ = task.await;
        }
        signals.abort();
        let undecoded = pool.undecoded_messages();
        tracing::debug!(
            undecoded,
            launched = pool.launched(),
            cpu_ms = own_cpu_ms(),
            "run finished (undecoded = CDP messages chromiumoxide could not decode)"
        );
        outcome
    });
    panoptic_browser_pool::process::reap_orphans(&[]);
    if let Some(o) = &otlp {
        o.shutdown();
    }
    trace_ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .apply(&mut outcome.result);
    outcome.result.run.panoptic_peak_rss_mb = Some(panoptic_browser_pool::monitor::own_peak_rss_kb() / 1024);
    let mut code = finish(&output, &outcome, args);
    let shared_log = (!args.no_history).then(|| crate::audit::shared_log(&args.history_dir));
    crate::audit::record_run(&output, shared_log.as_deref(), configs, &outcome.result, code);
    if let Some(cloud) = &settings.cloud
        && !outcome.interrupted
        && let Err(e) = crate::cloud::after_run(&output, cloud, opts.history.as_deref())
    {
        say(&format!(
            "error: {e} (the run's results are intact in {})",
            output.display()
        ));
        if code == exit::OK {
            code = exit::INFRA;
        }
    }
    code
}

/// Writes the reports and decides the exit code.
fn finish(output: &Path, outcome: &panoptic_executor::RunOutcome, args: &RunArgs) -> u8 {
    if let Err(e) = panoptic_report::write_all(output, &outcome.result) {
        say(&format!("error: cannot write reports to {}: {e}", output.display()));
        return exit::INFRA;
    }
    let report = absolute(&output.join("report.html"));
    if args.report_path_to_stderr {
        say(&format!("report: {}", report.display()));
    } else {
        let _ = writeln!(std::io::stdout(), "report: {}", report.display());
    }
    if outcome.interrupted {
        return exit::INTERRUPTED;
    }
    if let Some(e) = &outcome.infra_error {
        say(&format!("error: {e}"));
        return exit::INFRA;
    }
    let tests = &outcome.result.tests;
    let flaky_fails = args.fail_on_flaky && tests.iter().any(|t| t.status == Status::Flaky);
    if tests.iter().all(|t| t.status.is_ok()) && !flaky_fails {
        exit::OK
    } else {
        exit::FAILED
    }
}

pub(crate) fn merge(dirs: &[PathBuf], output: &Path) -> u8 {
    match panoptic_report::merge(dirs, output) {
        Ok(result) => {
            let t = &result.run.totals;
            let _ = writeln!(
                std::io::stdout(),
                "merged {} run(s): {} tests, {} passed, {} failed, {} flaky\nreport: {}",
                dirs.len(),
                t.total(),
                t.passed,
                t.failed,
                t.flaky,
                absolute(&output.join("report.html")).display()
            );
            exit::OK
        }
        Err(e) => {
            say(&format!("error: {e}"));
            exit::USAGE
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// CPU time panoptic itself used (user + system), in milliseconds.
fn own_cpu_ms() -> u64 {
    // SAFETY: an all-zero rusage is a valid value for getrusage to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to an rusage.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    let ms = |t: libc::timeval| t.tv_sec as u64 * 1000 + t.tv_usec as u64 / 1000;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}
