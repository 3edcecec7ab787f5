//! `panoptic analyze <URL>` (`smart_error_detection`), `panoptic inspect <URL>`
//! (`vision_report`) and `panoptic generate <URL>` (`ai_test_generation`): one AI step on one page, without a config. The config they run is made
//! here and run like any other (URL policy, isolation, report); the step's output is printed
//! as a Markdown table (or, for `inspect --json`, as JSON).

use std::io::Write;
use std::path::Path;

use panoptic_core::config::{Allow, absolute_url_allowed, load_str};
use panoptic_executor::SystemLookup;
use serde_json::Value;

use crate::cli::{AnalyzeArgs, DEFAULT_HISTORY, GenerateArgs, InspectArgs, RunArgs};
use crate::{exit, say};

/// The config a one-page command runs: open the page, let its requests settle (a page that
/// never stops fetching is looked at all the same), run `step` (a YAML flow mapping);
/// `settings` adds keys to the settings mapping.
fn config_text(url: &str, settings: &str, step: &str) -> String {
    let quoted = panoptic_core::config::emit::quote(url);
    format!(
        "name: page\nsettings: {{ retries: 0, screenshot_on_failure: false{settings} }}\napps:\n  - name: {quoted}\n    url: {quoted}\n    actions:\n      - {{ type: wait, network_idle: true, optional: true }}\n      - {step}\n"
    )
}

pub(crate) fn analyze(args: &AnalyzeArgs) -> u8 {
    let step = format!("{{ type: smart_error_detection, fail_on: {} }}", args.fail_on);
    let (code, output) = match run_page(&args.url, "", &step, &args.output) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match output.map(|o| o["findings"].as_array().cloned().unwrap_or_default()) {
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

pub(crate) fn inspect(args: &InspectArgs) -> u8 {
    let (code, output) = match run_page(&args.url, "", "{ type: vision_report }", &args.output) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match output {
        Ok(o) => {
            let elements = o["elements"].as_array().cloned().unwrap_or_default();
            let text = if args.json {
                format!("{}\n", serde_json::to_string_pretty(&elements).unwrap_or_default())
            } else {
                element_table(&elements)
            };
            let _ = std::io::stdout().write_all(text.as_bytes());
            if !args.json
                && let Some(shot) = o["picture"].as_str()
            {
                say(&format!("marked screenshot: {}", args.output.join(shot).display()));
            }
            code
        }
        Err(e) => {
            say(&format!("error: {e}"));
            if code == exit::OK { exit::INFRA } else { code }
        }
    }
}

pub(crate) fn generate(args: &GenerateArgs) -> u8 {
    let step = format!("{{ type: ai_test_generation, depth: {} }}", args.depth);
    let settings = format!(", ai_testing: {{ max_generated_tests: {} }}", args.max);
    let (code, output) = match run_page(&args.url, &settings, &step, &args.report_dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let o = match output {
        Ok(o) => o,
        Err(e) => {
            say(&format!("error: {e}"));
            return if code == exit::OK { exit::INFRA } else { code };
        }
    };
    let yaml = o["yaml"].as_str().unwrap_or_default();
    let findings = o["findings"].as_array().cloned().unwrap_or_default();
    let made = findings.iter().filter(|f| f["kind"] == "generated").count();
    for f in findings.iter().filter(|f| f["kind"] == "not_generated") {
        say(&format!("not generated: {}", f["message"].as_str().unwrap_or_default()));
    }
    match &args.output {
        Some(path) => {
            if let Err(e) = panoptic_security::fs::write_private(path, yaml.as_bytes()) {
                say(&format!("error: {}: {e}", path.display()));
                return exit::INFRA;
            }
            say(&format!("wrote {made} test(s) to {}", path.display()));
        }
        None => {
            let _ = std::io::stdout().write_all(yaml.as_bytes());
        }
    }
    if made == 0 {
        say("error: no test could be generated from the page (the reasons are above)");
        return exit::FAILED;
    }
    code
}

/// Runs `step` on the page at `url`; the exit code and the step's output (with `picture`: its
/// first screenshot), or why there is none. `Err`: the URL was refused (the exit code).
fn run_page(url: &str, settings: &str, step: &str, output: &Path) -> Result<(u8, Result<Value, String>), u8> {
    if url.contains("${") {
        say("error: the URL contains `${`, which configs read as a variable; percent-encode the `$` (%24)");
        return Err(exit::USAGE);
    }
    let url = match absolute_url_allowed(url, &Allow::default()) {
        Ok(u) => u,
        Err(e) => {
            say(&format!("error: {e}"));
            return Err(exit::USAGE);
        }
    };
    let loaded = load_str(
        &config_text(&url, settings, step),
        Path::new("page.yaml"),
        &SystemLookup,
    );
    let Some(config) = loaded.config else {
        for d in &loaded.diagnostics {
            say(&d.to_string());
        }
        return Err(exit::USAGE);
    };
    let run = RunArgs {
        configs: Vec::new(),
        output: Some(output.to_owned()),
        retries: Some(0),
        workers: Some(1),
        profile: None,
        shard: None,
        grep: None,
        last_failed: false,
        fail_on_flaky: false,
        update_snapshots: false,
        browser_endpoints: Vec::new(),
        grid: None,
        headed: false,
        log_level: None,
        history_dir: DEFAULT_HISTORY.into(),
        no_history: true,
        history_from: None,
        no_browser_code: false,
        report_path_to_stderr: true,
    };
    let code = crate::run::run_loaded(&run, &[config]);
    Ok((code, step_output(&output.join("results.json"))))
}

/// The output of the last step in a run's results.json, or why there is none (the page did
/// not open, the run was interrupted).
fn step_output(results: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(results).map_err(|e| format!("{}: {e}", results.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", results.display()))?;
    let steps = v["tests"][0]["attempts"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|a| a["steps"].as_array())
        .cloned()
        .unwrap_or_default();
    if let Some(last) = steps.last()
        && last["output"].is_object()
    {
        let mut out = last["output"].clone();
        if let Some(shot) = last["screenshots"].get(0) {
            out["picture"] = shot.clone();
        }
        return Ok(out);
    }
    let why = steps
        .iter()
        .find_map(|s| s["error"]["message"].as_str())
        .unwrap_or("the step did not run");
    Err(format!("nothing to show: {why}"))
}

/// Detected elements as a Markdown table, in document order.
fn element_table(elements: &[Value]) -> String {
    if elements.is_empty() {
        return "No elements.\n".into();
    }
    let mut out = String::from("| # | kind | name | locator | box |\n|---|---|---|---|---|\n");
    for e in elements {
        let b: Vec<String> = e["bbox"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| format!("{:.0}", v.as_f64().unwrap_or(0.0)))
            .collect();
        out.push_str(&format!(
            "| {} | {}{} | {} | `{}` | {} |\n",
            e["number"],
            cell(&e["kind"]),
            if e["enabled"] == Value::Bool(false) {
                " (disabled)"
            } else {
                ""
            },
            cell(&e["name"]),
            cell(&e["locator"]).replace('`', "'"),
            b.join(" "),
        ));
    }
    out
}

fn cell(v: &Value) -> String {
    v.as_str().unwrap_or("").replace('|', "\\|").replace('\n', " ")
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
