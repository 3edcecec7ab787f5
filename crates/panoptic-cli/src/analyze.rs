//! `panoptic analyze <URL>`: `smart_error_detection` on one page, without a config. The
//! config it runs is made here and run like any other (URL policy, isolation, report); the
//! findings are printed as a Markdown table.

use std::io::Write;
use std::path::Path;

use panoptic_core::config::{Allow, absolute_url_allowed, load_str};
use panoptic_executor::SystemLookup;
use serde_json::Value;

use crate::cli::{AnalyzeArgs, DEFAULT_HISTORY, RunArgs};
use crate::{exit, say};

/// The config `analyze` runs: open the page, let its requests settle (a page that never stops
/// fetching is analyzed all the same), look at it.
fn config_text(url: &str, fail_on: &str) -> String {
    // A JSON string is a YAML flow scalar: the URL cannot break out of its quotes.
    let quoted = serde_json::Value::String(url.to_owned()).to_string();
    format!(
        "name: analyze\nsettings: {{ retries: 0, screenshot_on_failure: false }}\napps:\n  - name: {quoted}\n    url: {quoted}\n    actions:\n      - {{ type: wait, network_idle: true, optional: true }}\n      - {{ type: smart_error_detection, fail_on: {fail_on} }}\n"
    )
}

pub(crate) fn analyze(args: &AnalyzeArgs) -> u8 {
    if args.url.contains("${") {
        say("error: the URL contains `${`, which configs read as a variable; percent-encode the `$` (%24)");
        return exit::USAGE;
    }
    let url = match absolute_url_allowed(&args.url, &Allow::default()) {
        Ok(u) => u,
        Err(e) => {
            say(&format!("error: {e}"));
            return exit::USAGE;
        }
    };
    let loaded = load_str(
        &config_text(&url, &args.fail_on),
        Path::new("analyze.yaml"),
        &SystemLookup,
    );
    let Some(config) = loaded.config else {
        for d in &loaded.diagnostics {
            say(&d.to_string());
        }
        return exit::USAGE;
    };
    let run = RunArgs {
        configs: Vec::new(),
        output: Some(args.output.clone()),
        retries: Some(0),
        workers: Some(1),
        profile: None,
        shard: None,
        grep: None,
        last_failed: false,
        fail_on_flaky: false,
        browser_endpoints: Vec::new(),
        headed: false,
        log_level: None,
        history_dir: DEFAULT_HISTORY.into(),
        no_history: true,
        no_browser_code: false,
    };
    let code = crate::run::run_loaded(&run, &[config]);
    match findings(&args.output.join("results.json")) {
        Ok(list) => {
            let _ = std::io::stdout().write_all(markdown(&list).as_bytes());
            code
        }
        Err(e) => {
            say(&format!("error: {e}"));
            if code == exit::OK { exit::INFRA } else { code }
        }
    }
}

/// The findings of the analysis step in a run's results.json, or why there are none (the page
/// did not open, the run was interrupted).
fn findings(results: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(results).map_err(|e| format!("{}: {e}", results.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", results.display()))?;
    let steps = v["tests"][0]["attempts"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|a| a["steps"].as_array())
        .cloned()
        .unwrap_or_default();
    if let Some(list) = steps.last().and_then(|s| s["output"]["findings"].as_array()) {
        return Ok(list.clone());
    }
    let why = steps
        .iter()
        .find_map(|s| s["error"]["message"].as_str())
        .unwrap_or("the analysis did not run");
    Err(format!("no analysis: {why}"))
}

/// Findings as a Markdown table, worst first.
fn markdown(findings: &[Value]) -> String {
    if findings.is_empty() {
        return "No findings.\n".into();
    }
    let rank = |f: &Value| match f["impact"].as_str() {
        Some("critical") => 0,
        Some("serious") => 1,
        Some("moderate") => 2,
        _ => 3,
    };
    let mut sorted: Vec<&Value> = findings.iter().collect();
    sorted.sort_by_key(|f| rank(f));
    let cell = |v: &Value| v.as_str().unwrap_or("").replace('|', "\\|").replace('\n', " ");
    let mut out = String::from("| impact | rule | finding | where | what to do |\n|---|---|---|---|---|\n");
    for f in sorted {
        let at = f["locator"]
            .as_str()
            .map(|l| format!("`{}`", l.replace('`', "'")))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(&f["impact"]),
            cell(&f["kind"]),
            cell(&f["message"]),
            at.replace('|', "\\|"),
            cell(&f["recommendation"])
        ));
    }
    out
}

#[cfg(test)]
mod tests;
