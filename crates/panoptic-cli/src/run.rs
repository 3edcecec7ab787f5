//! `panoptic run` and `panoptic validate`.

use std::io::Write;
use std::path::{Path, PathBuf};

use panoptic_browser_pool::{BrowserPool, LaunchOpts, find_chromium};
use panoptic_core::config::{Config, Severity};
use panoptic_executor::{Artifacts, Executor, RunOpts, SystemLookup, load_file};
use panoptic_report::JsonlSink;

use crate::cli::RunArgs;
use crate::exit;
use crate::progress::{Fanout, Progress};

fn say(s: &str) {
    let _ = writeln!(std::io::stderr(), "{s}");
}

/// Loads every config, printing all diagnostics; `None` when any has an error.
fn load_all(args: &[String]) -> Option<Vec<Config>> {
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
        let loaded = load_file(f, &SystemLookup);
        for d in &loaded.diagnostics {
            say(&d.to_string());
            errors += usize::from(d.severity == Severity::Error);
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

pub(crate) fn validate(args: &[String]) -> u8 {
    match load_all(args) {
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

pub(crate) fn run(args: RunArgs) -> u8 {
    let Some(configs) = load_all(&args.configs) else {
        return exit::USAGE;
    };
    let Some(first) = configs.first() else {
        say("error: no configs to run");
        return exit::USAGE;
    };
    let output = output_dir(&args, first);
    let artifacts = match Artifacts::create(&output) {
        Ok(a) => a,
        Err(e) => {
            say(&format!(
                "error: output folder {} is not writable: {e}",
                output.display()
            ));
            return exit::INFRA;
        }
    };
    let level = args.log_level.clone().or_else(|| first.settings.log_level.clone());
    if let Err(e) = crate::logging::init(&output, level.as_deref()) {
        say(&format!("error: cannot write logs under {}: {e}", output.display()));
        return exit::INFRA;
    }
    let executable = match find_chromium(first.settings.browser.executable.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            say(&format!("error: {e}"));
            return exit::INFRA;
        }
    };
    let launch = LaunchOpts {
        executable,
        headless: first.settings.headless && !args.headed,
        args: first.settings.browser.args.clone(),
        window: (first.settings.window_width, first.settings.window_height),
    };
    let rt = match panoptic_executor::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("error: cannot start the async runtime: {e}"));
            return exit::INFRA;
        }
    };
    let opts = RunOpts {
        output: output.clone(),
        retries: args.retries,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let outcome = rt.block_on(async {
        let pool = BrowserPool::new(launch);
        let mut sinks: Vec<Box<dyn panoptic_core::sink::RunSink>> = vec![Box::new(Progress::new())];
        match JsonlSink::create(&output.join("results.jsonl")) {
            Ok(s) => sinks.push(Box::new(s)),
            Err(e) => tracing::warn!("cannot stream results.jsonl: {e}"),
        }
        let mut sink = Fanout(sinks);
        let outcome = Executor::new(&pool, &SystemLookup)
            .run(&configs, &opts, &artifacts, &mut sink)
            .await;
        pool.shutdown().await;
        let undecoded = panoptic_browser_pool::UNDECODED_MESSAGES.load(std::sync::atomic::Ordering::Relaxed);
        tracing::debug!(undecoded, "CDP messages chromiumoxide could not decode");
        outcome
    });
    if let Err(e) = panoptic_report::write_all(&output, &outcome.result) {
        say(&format!("error: cannot write reports to {}: {e}", output.display()));
        return exit::INFRA;
    }
    let report = absolute(&output.join("report.html"));
    let _ = writeln!(std::io::stdout(), "report: {}", report.display());
    if let Some(e) = &outcome.infra_error {
        say(&format!("error: {e}"));
        return exit::INFRA;
    }
    if outcome.result.tests.iter().all(|t| t.status.is_ok()) {
        exit::OK
    } else {
        exit::FAILED
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
