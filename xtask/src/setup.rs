//! Installing what the suite and the demo need on a machine that has only the Rust toolchain.

use anyhow::{Result, bail};
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
