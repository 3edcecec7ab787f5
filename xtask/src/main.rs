//! `cargo xtask`: the project's own commands. `setup` installs what the suite needs, `test` is
//! the whole gate (what `.ci/run` and the README call), `demo` runs the bundled demo.

#![expect(clippy::print_stdout, clippy::print_stderr, reason = "xtask is a console tool")]

mod bench;
mod compare;
mod coverage;
mod demo;
mod deny;
/// The e2e tests' static file server, shared so the demo serves pages the same way.
#[path = "../../crates/panoptic-cli/tests/it/server.rs"]
mod server;
mod setup;
mod test;
#[cfg(test)]
mod tidy;
#[cfg(test)]
mod tidy_modules;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <setup|test|coverage|bench|bench-check|fuzz|demo|compare|deny>
  setup   install what the gate uses when missing: Chromium, ffmpeg, valgrind (apt-get as root;
          otherwise prints the command), cargo-nextest, cargo-llvm-cov + llvm-tools, gungraun-runner
  test    fmt check, clippy -D warnings, the whole suite once under coverage (thresholds in
          xtask/coverage.toml), bench-check, doc build; --quick: suite uninstrumented, no
          bench-check, no docs
  coverage     the suite under cargo-llvm-cov, per-crate table, fails below a threshold
  bench        the criterion benches (wall clock, for people); extra arguments go to criterion,
               e.g. `cargo xtask bench engine`
  bench-check  gungraun instruction counts vs benches/baseline.json; --update-baseline rewrites it
  fuzz    the stable-toolchain fuzzer on configs, locators, durations, templates and URLs:
          [TARGET|all] [--executions N (default 10M)] [--seed S]; the gate runs a short one
  demo    serve examples/site on 127.0.0.1, run examples/demo.yaml, print the report path
  compare the benches/e2e suite by panoptic and by Playwright Test; wall times and ratios
  deny    cargo-deny license, ban and source checks (advisories need network)";

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sh = xshell::Shell::new()?;
    sh.change_dir(project_root());
    match args.first().map(String::as_str) {
        Some("setup") => setup::all(&sh),
        Some("test") => test::run(&sh, &args[1..]),
        Some("coverage") => coverage::run(&sh),
        Some("bench") => bench::criterion(&sh, &args[1..]),
        Some("bench-check") => bench::check(&sh, args.iter().any(|a| a == "--update-baseline")),
        Some("fuzz") => {
            let rest = &args[1..];
            xshell::cmd!(
                sh,
                "cargo run --quiet --release -p panoptic-benches --bin fuzz -- {rest...}"
            )
            .run()?;
            Ok(())
        }
        Some("demo") => demo::run(&sh),
        Some("compare") => compare::run(&sh),
        Some("deny") => deny::run(&sh),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

/// The workspace root (xtask lives one level below it).
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
