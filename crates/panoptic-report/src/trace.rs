//! `trace.html`: one attempt's trace as a self-contained viewer (inline CSS, JS and data;
//! nothing fetched, works from `file://`): the steps, each step's DOM before and after in
//! sandboxed frames that run no script, its screenshot, console messages and network requests.

use maud::{DOCTYPE, PreEscaped, html};
use serde_json::Value;

const CSS: &str = r#"
*{box-sizing:border-box}body{margin:0;font:13px/1.4 system-ui,sans-serif;color:#1f2328;display:grid;grid-template-columns:300px 1fr;height:100vh}
aside{border-right:1px solid #d0d7de;overflow:auto;background:#f6f8fa}aside h1{font-size:14px;margin:10px 12px}
aside .meta{color:#57606a;margin:0 12px 8px}
#steps button{display:block;width:100%;text-align:left;border:0;border-bottom:1px solid #d0d7de;background:none;padding:6px 12px;cursor:pointer;font:inherit}
#steps button.on{background:#ddf4ff}#steps button.failed{color:#cf222e;font-weight:600}#steps button.skipped{color:#57606a}
#steps .n{display:inline-block;min-width:22px;color:#57606a}#steps .took{float:right;color:#57606a}
main{display:flex;flex-direction:column;overflow:hidden}#step-title{font-weight:600;padding:8px 12px;border-bottom:1px solid #d0d7de}
#step-error{margin:8px 12px;padding:8px;background:#ffebe9;border:1px solid #ffcecb;border-radius:6px;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px}
nav.tabs{padding:6px 12px;border-bottom:1px solid #d0d7de}nav.tabs button{border:1px solid #d0d7de;background:#fff;border-radius:6px;padding:3px 10px;margin-right:6px;cursor:pointer}
nav.tabs button.on{background:#1f2328;color:#fff}section.panel{flex:1;overflow:auto;padding:8px 12px}
section.panel iframe{width:100%;height:100%;min-height:480px;border:1px solid #d0d7de;background:#fff}
#shot{max-width:100%;border:1px solid #d0d7de}.log{font-family:ui-monospace,monospace;font-size:12px;border-bottom:1px solid #eee;padding:2px 0;white-space:pre-wrap}
.log.error,.log.exception{color:#cf222e}.log.warning{color:#9a6700}.none{color:#57606a}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
td.url{word-break:break-all;font-family:ui-monospace,monospace;font-size:12px}tr.bad td{color:#cf222e}
"#;

/// The viewer's script (`trace.js`).
const JS: &str = include_str!("trace.js");

/// JSON inside a `<script>` element: `<` escaped, so no text of the page can close it.
fn embedded(v: &Value) -> String {
    v.to_string().replace('<', "\\u003c")
}

/// Renders the viewer of one attempt's trace (the document the executor assembled: `test`,
/// `attempt`, `status`, `start_snapshot`, `steps[]`, `network[]`).
pub fn render_trace(trace: &Value) -> String {
    let text = |k: &str| trace.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let attempt = trace.get("attempt").and_then(Value::as_u64).unwrap_or(0) + 1;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "trace — " (text("test")) " (attempt " (attempt) ")" }
                style { (PreEscaped(CSS)) }
            }
            body {
                aside {
                    h1 { (text("test")) }
                    div class="meta" { "attempt " (attempt) " · " (text("status")) " · " (text("config")) }
                    div id="steps" {}
                }
                main {
                    div id="step-title" {}
                    div id="step-error" hidden {}
                    nav class="tabs" {
                        button type="button" data-tab="before" { "Before" }
                        button type="button" data-tab="after" { "After" }
                        button type="button" data-tab="picture" { "Screenshot" }
                        button type="button" data-tab="console" { "Console" }
                        button type="button" data-tab="network" { "Network" }
                    }
                    section class="panel" id="panel-before" { iframe id="before" title="DOM before the step" sandbox="allow-same-origin" {} }
                    section class="panel" id="panel-after" { iframe id="after" title="DOM after the step" sandbox="allow-same-origin" {} }
                    section class="panel" id="panel-picture" hidden { img id="shot" alt="screenshot after the step"; }
                    section class="panel" id="panel-console" hidden { div id="console" {} }
                    section class="panel" id="panel-network" hidden { table id="network" {} }
                }
                script type="application/json" id="trace-data" { (PreEscaped(embedded(trace))) }
                script { (PreEscaped(JS)) }
            }
        }
    }
    .into_string()
}
