//! The gate: fmt check, clippy `-D warnings`, the whole suite (unit + real-Chromium e2e) once
//! under coverage with its thresholds, the instruction-count bench gate, docs. `--quick` runs the
//! suite uninstrumented and skips the bench gate and docs.

use anyhow::Result;
use xshell::{Shell, cmd};

pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    crate::setup::run(sh)?;
    crate::setup::servers(sh)?;
    let quick = args.iter().any(|a| a == "--quick");
    cmd!(sh, "cargo fmt --all -- --check").run()?;
    cmd!(sh, "cargo clippy --workspace --all-targets --quiet -- -D warnings").run()?;
    if quick {
        let nextest = cmd!(sh, "cargo nextest --version")
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run()
            .is_ok();
        if nextest {
            let profile = nextest_profile();
            cmd!(sh, "cargo nextest run --workspace --profile {profile}").run()?;
        } else {
            cmd!(sh, "cargo test --workspace").run()?;
        }
    } else {
        // One instrumented run of the whole suite: the tests and the coverage gate together.
        crate::coverage::run_suite(sh, nextest_profile())?;
        crate::bench::check(sh, false)?;
        cmd!(sh, "cargo doc --workspace --no-deps --quiet")
            .env("RUSTDOCFLAGS", "-D warnings")
            .run()?;
    }
    println!("xtask: all checks passed");
    Ok(())
}

/// nextest's `ci` profile under CI (no fail-fast, JUnit), the default one elsewhere.
pub(crate) fn nextest_profile() -> &'static str {
    if std::env::var_os("CI").is_some() {
        "ci"
    } else {
        "default"
    }
}
