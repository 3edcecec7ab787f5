//! `panoptic history stats|flaky|slowest`: tables over the run-history folder.

use std::fmt::Write as _;
use std::io::Write;

use panoptic_core::history::TestStats;
use panoptic_executor::History;

use crate::cli::HistoryArgs;
use crate::exit;

/// The rows a view shows, in its order.
fn rows(view: &str, mut stats: Vec<TestStats>) -> Vec<TestStats> {
    match view {
        "flaky" => {
            stats.retain(TestStats::is_flaky);
            stats.sort_by(|a, b| a.pass_rate().total_cmp(&b.pass_rate()));
        }
        "slowest" => stats.sort_by(|a, b| b.p50_ms.cmp(&a.p50_ms).then(b.p95_ms.cmp(&a.p95_ms))),
        _ => {}
    }
    stats
}

fn table(stats: &[TestStats]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<32} {:>5} {:>6} {:>5} {:>6} {:>7} {:>9} {:>9}",
        "test", "runs", "passed", "flaky", "failed", "pass %", "p50 ms", "p95 ms"
    );
    for s in stats {
        let _ = writeln!(
            out,
            "{:<32} {:>5} {:>6} {:>5} {:>6} {:>6.1}% {:>9} {:>9}",
            s.name,
            s.runs,
            s.passed,
            s.flaky,
            s.failed,
            s.pass_rate(),
            s.p50_ms,
            s.p95_ms
        );
    }
    out
}

pub(crate) fn show(args: &HistoryArgs) -> u8 {
    let pulled;
    let dir = match &args.from {
        Some(url) => {
            pulled = match tempfile::tempdir() {
                Ok(t) => t,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "error: no temporary folder: {e}");
                    return exit::INFRA;
                }
            };
            if let Err(e) = crate::cloud::pull_history(url, pulled.path()) {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                return exit::INFRA;
            }
            pulled.path().to_path_buf()
        }
        None => args.dir.clone(),
    };
    let args = &HistoryArgs {
        dir,
        view: args.view.clone(),
        limit: args.limit,
        from: None,
    };
    let history = match History::load(&args.dir) {
        Ok(h) => h,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot read {}: {e}", args.dir.display());
            return exit::INFRA;
        }
    };
    for (file, why) in &history.skipped {
        let _ = writeln!(std::io::stderr(), "warning: skipped {}: {why}", file.display());
    }
    if history.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "no run history in {} (every `panoptic run` adds one unless --no-history)",
            args.dir.display()
        );
        return exit::OK;
    }
    let mut shown = rows(&args.view, history.stats());
    shown.truncate(args.limit);
    let mut out = format!("{} run(s) in {}\n", history.len(), args.dir.display());
    out.push_str(&table(&shown));
    let _ = std::io::stdout().write_all(out.as_bytes());
    exit::OK
}
