//! `cargo xtask deny`: cargo-deny's license, ban and source checks against `deny.toml`.
//! Advisories are not checked: they need network access to the RustSec advisory database.

use anyhow::Result;
use xshell::{Shell, cmd};

pub(crate) fn run(sh: &Shell) -> Result<()> {
    crate::setup::ensure_cargo_tool(sh, &["cargo", "deny"], "cargo-deny", None)?;
    cmd!(sh, "cargo deny check licenses bans sources").run()?;
    println!(
        "xtask: licenses, bans and sources ok; advisories not checked (they need network access to the RustSec database)"
    );
    Ok(())
}
