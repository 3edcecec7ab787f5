//! `cargo xtask fuzz [TARGET|all] [--executions N] [--seed S]`: the long fuzzing run (the gate
//! runs a short one as a test). Exits 1 when an input panicked or took longer than a second.

use std::io::Write;
use std::time::{Duration, Instant};

use panoptic_benches::fuzz::{Target, fuzz};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
    let known = |a: &String| {
        a == "all"
            || names.contains(&a.as_str())
            || a.starts_with("--executions")
            || a.starts_with("--seed")
            || a.parse::<u64>().is_ok()
            || a.replace('_', "").parse::<u64>().is_ok()
    };
    if let Some(bad) = args.iter().find(|a| !known(a)) {
        let _ = writeln!(
            std::io::stderr(),
            "usage: fuzz [all|{}] [--executions N] [--seed S]{}",
            names.join("|"),
            if bad == "--help" || bad == "-h" {
                String::new()
            } else {
                format!("\nunknown argument `{bad}`")
            }
        );
        std::process::exit(if bad == "--help" || bad == "-h" { 0 } else { 2 });
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.replace('_', "").parse::<u64>().ok())
    };
    let executions = value("--executions").unwrap_or(10_000_000);
    let seed = value("--seed").unwrap_or(0x5eed);
    let only = args.first().filter(|a| !a.starts_with("--")).map(String::as_str);
    let mut out = std::io::stdout().lock();
    let mut failed = false;
    for target in Target::ALL
        .into_iter()
        .filter(|t| only.is_none_or(|o| o == "all" || o == t.name()))
    {
        let started = Instant::now();
        let report = fuzz(target, executions, seed);
        let took = started.elapsed();
        let slow = report.slowest.0 >= Duration::from_secs(1);
        failed |= !report.panics.is_empty() || slow;
        let _ = writeln!(
            out,
            "{:<9} {:>11} executions in {:>7.1}s ({:>9.0}/s), {} panic(s), slowest input {:?}",
            target.name(),
            report.executions,
            took.as_secs_f64(),
            report.executions as f64 / took.as_secs_f64().max(1e-9),
            report.panics.len(),
            report.slowest.0
        );
        for (input, message) in report.panics.iter().take(3) {
            let _ = writeln!(out, "  panic: {message}\n  input: {:?}", String::from_utf8_lossy(input));
        }
        if slow {
            let _ = writeln!(out, "  slow input: {:?}", String::from_utf8_lossy(&report.slowest.1));
        }
    }
    std::process::exit(i32::from(failed));
}
