//! `cargo xtask deny`: cargo-deny's license, ban and source checks against `deny.toml`.
//! Advisories are not checked: they need network access to the RustSec advisory database.

use anyhow::Result;
use xshell::{Shell, cmd};

pub(crate) fn run(sh: &Shell) -> Result<()> {
    if cmd!(sh, "cargo deny --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_err()
    {
        println!("xtask: installing cargo-deny from crates.io");
        cmd!(sh, "cargo install cargo-deny --locked").run()?;
    }
    cmd!(sh, "cargo deny check licenses bans sources").run()?;
    println!(
        "xtask: licenses, bans and sources ok; advisories not checked (they need network access to the RustSec database)"
    );
    Ok(())
}
