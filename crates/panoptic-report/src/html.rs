//! `report.html`: one self-contained file (inline CSS and JS, no network reference) that works
//! from `file://`. Screenshots are linked by relative path from the same output folder.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use panoptic_core::results::{Attempt, RunResult, Status, StepError, TestResult};

use crate::fmt_ms;

const CSS: &str = r#"
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--mut:#57606a;--bg:#f6f8fa;--line:#d0d7de}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--bg)}h1{font-size:20px;margin:0 0 6px}
.meta{color:var(--mut)}.findings td{font-size:13px}.finding-error td:first-child{color:var(--bad);font-weight:600}.finding-warning td:first-child{color:var(--warn)}.healed{color:var(--warn);margin:4px 0}.totals span{margin-right:14px;font-weight:600}
main{padding:16px 24px}.filters button{margin:0 6px 12px 0;padding:4px 10px;border:1px solid var(--line);background:#fff;border-radius:6px;cursor:pointer}
.filters button.on{background:#1f2328;color:#fff}
details.test{border:1px solid var(--line);border-radius:6px;margin-bottom:10px}details.test>summary{padding:10px 12px;cursor:pointer;font-weight:600;list-style:none;display:flex;gap:10px;align-items:center}
.badge{font-size:12px;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;text-transform:uppercase}
.passed{background:var(--ok)}.failed,.interrupted{background:var(--bad)}.timed_out{background:#8250df}.flaky{background:var(--warn)}.skipped{background:var(--mut)}
.dur{color:var(--mut);font-weight:400;margin-left:auto}.attempt{padding:0 12px 12px}.attempt h3{font-size:14px;margin:8px 0}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}th{font-size:12px;color:var(--mut)}
.err{background:#ffebe9;border:1px solid #ffcecb;border-radius:6px;padding:8px;margin:6px 0;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}
.err b{display:inline-block;min-width:70px}.shots img{max-width:240px;max-height:160px;border:1px solid var(--line);margin:4px 4px 0 0}
.pe{color:var(--bad);font-family:ui-monospace,monospace;font-size:12px}
video{max-width:640px;width:100%;border:1px solid var(--line);border-radius:6px;background:#000}
.timeline{display:flex;gap:6px;overflow-x:auto;padding:6px 0}.timeline button{border:1px solid var(--line);background:#fff;border-radius:6px;padding:2px;cursor:pointer;font-size:11px;text-align:center}
.timeline img{display:block;width:120px;height:68px;object-fit:cover}.timeline .failed{border-color:var(--bad)}
td.seek{cursor:pointer;text-decoration:underline dotted}
.visual-compare{margin:6px 0}.vc-three{display:flex;gap:8px;flex-wrap:wrap}.vc-three figure{margin:0}.vc-three figcaption{font-size:12px;color:var(--mut)}
.vc-three img{max-width:300px;max-height:220px;border:1px solid var(--line)}
.vc-slider{--at:50%;position:relative;display:inline-block;margin-top:8px;max-width:640px}.vc-slider img{display:block;max-width:640px;width:100%;border:1px solid var(--line)}
.vc-slider img.vc-top{position:absolute;left:0;top:0;clip-path:inset(0 0 0 var(--at))}.vc-slider input{width:100%}
"#;

const JS: &str = r#"
document.querySelectorAll('[data-seek]').forEach(el=>el.addEventListener('click',()=>{
  const v=document.getElementById(el.dataset.video); if(!v) return;
  v.currentTime=Number(el.dataset.seek); v.scrollIntoView({block:'nearest'}); v.pause();
}));
document.querySelectorAll('.filters button').forEach(b=>b.addEventListener('click',()=>{
  document.querySelectorAll('.filters button').forEach(x=>x.classList.toggle('on',x===b));
  const want=b.dataset.status;
  document.querySelectorAll('details.test').forEach(d=>{d.style.display=(want==='all'||d.dataset.status===want)?'':'none';});
}));
document.querySelectorAll('.vc-slider input').forEach(r=>r.addEventListener('input',()=>{
  r.parentElement.style.setProperty('--at',r.value+'%');
}));
"#;

fn badge(s: Status) -> Markup {
    html! { span class=(format!("badge {}", s.as_str())) { (s.as_str().replace('_', " ")) } }
}

fn error_box(e: &StepError) -> Markup {
    html! {
        div class="err" {
            (e.message)
            @if let Some(l) = &e.locator { "\n" b { "locator" } " " (l) }
            @if let Some(x) = &e.expected { "\n" b { "expected" } " " (x) }
            @if let Some(a) = &e.actual { "\n" b { "actual" } " " (a) }
        }
    }
}

/// A step's output: an analysis's findings as a table (worst first, each with its element and
/// what to do), the elements it detected and the config it wrote, if any; anything else as
/// its JSON.
fn output(v: &serde_json::Value) -> Markup {
    if v.get("failure_patterns").is_some() {
        return analytics(v);
    }
    html! {
        (findings(v))
        (elements(v))
        (visual(v))
        @if let Some(y) = v.get("yaml").and_then(serde_json::Value::as_str) {
            details class="generated" { summary { "generated config" } pre { (y) } }
        }
    }
}

/// `cloud_analytics`: the bucket's per-test history and the failure patterns of its newest runs.
fn analytics(v: &serde_json::Value) -> Markup {
    let list = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let text = |e: &serde_json::Value, k: &str| match e.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let (tests, patterns) = (list("tests"), list("failure_patterns"));
    html! {
        div class="meta" {
            (text(v, "history_runs")) " run(s) of history, failure patterns from the newest "
            (text(v, "recent_runs")) " in " (text(v, "bucket"))
        }
        @if !tests.is_empty() {
            table class="analytics" {
                tr { th { "test" } th { "runs" } th { "pass %" } th { "flaky" } th { "failed" } th { "p50 ms" } th { "p95 ms" } }
                @for t in &tests {
                    tr {
                        td { (text(t, "name")) } td { (text(t, "runs")) } td { (text(t, "pass_rate")) }
                        td { (text(t, "flaky")) } td { (text(t, "failed")) } td { (text(t, "p50_ms")) } td { (text(t, "p95_ms")) }
                    }
                }
            }
        }
        @if !patterns.is_empty() {
            table class="patterns" {
                tr { th { "times" } th { "action" } th { "failure" } th { "tests" } }
                @for p in &patterns {
                    tr {
                        td { (text(p, "count")) } td { code { (text(p, "action")) } } td { (text(p, "pattern")) }
                        td { (p.get("tests").and_then(serde_json::Value::as_array).map(|a| a.iter().filter_map(serde_json::Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// An `assert_screenshot` that differed: expected, actual and diff side by side, and the two
/// images over each other with a slider between them.
fn visual(v: &serde_json::Value) -> Markup {
    let images: Vec<&str> = v
        .get("images")
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let find = |suffix: &str| images.iter().find(|i| i.ends_with(suffix)).and_then(|p| local(p));
    let (expected, actual, diff) = (find("-expected.png"), find("-actual.png"), find("-diff.png"));
    html! {
        @if let (Some(e), Some(a)) = (&expected, &actual) {
            div class="visual-compare" {
                div class="vc-three" {
                    figure { img src=(e) alt="expected"; figcaption { "expected" } }
                    figure { img src=(a) alt="actual"; figcaption { "actual" } }
                    @if let Some(d) = &diff { figure { img src=(d) alt="diff"; figcaption { "diff" } } }
                }
                div class="vc-slider" {
                    img src=(e) alt="expected (left of the slider)";
                    img class="vc-top" src=(a) alt="actual (right of the slider)";
                    input type="range" min="0" max="100" value="50" aria-label="expected ← → actual";
                }
            }
        }
    }
}

/// Detected elements (`vision_report`, `vision_click`): number, kind, name, locator, box.
fn elements(v: &serde_json::Value) -> Markup {
    let list = v
        .get("elements")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text = |e: &serde_json::Value, k: &str| e.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
    html! {
        @if !list.is_empty() {
            table class="elements" {
                tr { th { "#" } th { "kind" } th { "name" } th { "locator" } th { "box" } }
                @for e in &list {
                    tr {
                        td { (e.get("number").and_then(serde_json::Value::as_u64).unwrap_or(0)) }
                        td { (text(e, "kind")) }
                        td { (text(e, "name")) }
                        td { code { (text(e, "locator")) } }
                        td {
                            @for (i, n) in e.get("bbox").and_then(serde_json::Value::as_array).cloned().unwrap_or_default().iter().enumerate() {
                                @if i > 0 { " " }
                                (format!("{:.0}", n.as_f64().unwrap_or(0.0)))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An analysis's findings, worst first; the step's JSON when it has none.
fn findings(v: &serde_json::Value) -> Markup {
    let Some(findings) = v.get("findings").and_then(serde_json::Value::as_array) else {
        return html! { div class="meta" { "→ " (v.to_string()) } };
    };
    let text = |f: &serde_json::Value, k: &str| f.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
    let rank = |f: &&serde_json::Value| {
        ["critical", "serious", "moderate", "minor"]
            .iter()
            .position(|i| *i == text(f, "impact"))
            .unwrap_or(4)
    };
    let mut sorted: Vec<&serde_json::Value> = findings.iter().collect();
    sorted.sort_by_key(rank);
    html! {
        @if sorted.is_empty() {
            div class="meta" { "no findings" }
        } @else {
            table class="findings" {
                tr { th { "impact" } th { "finding" } th { "where" } th { "what to do" } }
                @for f in sorted {
                    tr class=(format!("finding-{}", text(f, "severity"))) {
                        td { (text(f, "impact")) }
                        td { code { (text(f, "kind")) } " " (text(f, "message")) }
                        td { @if let Some(l) = f.get("locator").and_then(serde_json::Value::as_str) { code { (l) } } }
                        td { (text(f, "recommendation")) }
                    }
                }
            }
        }
    }
}

/// An artifact path as the report may link it: relative, inside the output folder, no scheme.
/// A merged or hand-edited `results.json` could hold `javascript:…` or `https://…`: those are
/// shown as text, never as links.
fn local(path: &str) -> Option<&str> {
    let p = std::path::Path::new(path);
    let scheme = path
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|first| first.contains(':'));
    let inside = p.is_relative() && p.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    (!path.is_empty() && !scheme && inside && !path.contains('\\')).then_some(path)
}

/// The attempt's video and a timeline of step thumbnails; clicking one seeks the video.
fn video(a: &Attempt, id: &str) -> Markup {
    html! {
        @if let Some(v) = a.video.as_deref().and_then(local) {
            video id=(id) controls preload="metadata" src=(v) {}
            div class="timeline" {
                @for s in a.steps.iter().filter(|s| s.thumbnail.is_some()) {
                    button class=(s.status.as_str()) data-video=(id) data-seek=(format!("{:.2}", (s.offset_ms + s.duration_ms) as f64 / 1000.0)) title=(s.name) {
                        @if let Some(t) = s.thumbnail.as_deref().and_then(local) { img src=(t) alt=(format!("step {}", s.index)) loading="lazy"; }
                        (s.index) " · " (fmt_ms(s.offset_ms))
                    }
                }
            }
        }
    }
}

fn attempt(a: &Attempt, of: usize, test_index: usize) -> Markup {
    let vid = format!("video-{test_index}-{}", a.index);
    html! {
        div class="attempt" {
            h3 { "Attempt " (a.index + 1) " of " (of) " " (badge(a.status)) " " span class="dur" { (fmt_ms(a.duration_ms)) } }
            @if let Some(e) = &a.error { @if a.steps.iter().all(|s| s.error.as_ref() != Some(e)) { (error_box(e)) } }
            @if let Some(t) = a.trace.as_deref().and_then(local) {
                p class="trace" { a href=(t) { "Open the trace" } " — each step's DOM before and after, console, network and screenshot (offline)" }
            }
            (video(a, &vid))
            table {
                tr { th { "#" } th { "step" } th { "action" } th { "status" } th { "at" } th { "took" } }
                @for s in &a.steps {
                    tr {
                        td { (s.index) }
                        td {
                            (s.name)
                            @if s.optional { " (optional)" }
                            @if let Some(e) = &s.error { (error_box(e)) }
                            @if let Some(h) = &s.healed {
                                div class="healed" {
                                    "healed: " code { (h.from) } " matched nothing; " code { (h.to) }
                                    " was used (match " (format!("{:.2}", h.score)) "). Adopt it with "
                                    code { "panoptic heal --write" } "."
                                }
                            }
                            @if let Some(v) = &s.output { (output(v)) }
                            @if !s.screenshots.is_empty() && s.output.as_ref().and_then(|o| o.get("images")).is_none() {
                                div class="shots" {
                                    @for p in &s.screenshots {
                                        @match local(p) {
                                            Some(p) => { a href=(p) { img src=(p) alt=(format!("screenshot of step {}", s.index)) loading="lazy"; } }
                                            None => { code { (p) } }
                                        }
                                    }
                                }
                            }
                        }
                        td { code { (s.action) } }
                        td { (badge(s.status)) }
                        @if a.video.is_some() {
                            td class="seek" data-video=(vid) data-seek=(format!("{:.2}", s.offset_ms as f64 / 1000.0)) title="play from here" { (fmt_ms(s.offset_ms)) }
                        } @else {
                            td { (fmt_ms(s.offset_ms)) }
                        }
                        td { (fmt_ms(s.duration_ms)) }
                    }
                }
            }
            @if !a.page_errors.is_empty() {
                h3 { "Page errors" }
                @for e in &a.page_errors { div class="pe" { (e) } }
            }
        }
    }
}

fn test(t: &TestResult, index: usize) -> Markup {
    let open = !matches!(t.status, Status::Passed | Status::Skipped);
    html! {
        details class="test" data-status=(t.status.as_str()) open[open] {
            summary { (badge(t.status)) (t.name) span class="dur" { (t.config) " · " (fmt_ms(t.duration_ms)) } }
            @for a in &t.attempts { (attempt(a, t.attempts.len(), index)) }
        }
    }
}

/// Renders the HTML report.
pub fn render_html(result: &RunResult) -> String {
    let t = &result.run.totals;
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "panoptic — " (result.run.name) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { (result.run.name) " " @if let Some(s) = result.run.status { (badge(s)) } }
                    div class="meta" {
                        (result.run.started_at) " · " (fmt_ms(result.run.duration_ms))
                        @if let Some(b) = &result.run.browser { " · " (b) }
                        " · panoptic " (result.run.panoptic_version)
                    }
                    div class="totals" {
                        span { (t.total()) " tests" } span { (t.passed) " passed" } span { (t.failed) " failed" }
                        span { (t.flaky) " flaky" } span { (t.timed_out) " timed out" } span { (t.skipped) " skipped" }
                    }
                }
                main {
                    div class="filters" {
                        button class="on" data-status="all" { "all" }
                        @for s in [Status::Passed, Status::Failed, Status::Flaky, Status::TimedOut, Status::Skipped] {
                            button data-status=(s.as_str()) { (s.as_str().replace('_', " ")) }
                        }
                    }
                    @for (i, test_result) in result.tests.iter().enumerate() { (test(test_result, i)) }
                }
                script { (PreEscaped(JS)) }
            }
        }
    };
    markup.into_string()
}
