//! `cargo xtask demo`: serve examples/site/ on 127.0.0.1, run examples/demo.yaml against it.

use anyhow::{Result, bail};
use xshell::{Shell, cmd};

/// The demo's password secret: a fixed value for a demo page, redacted from every output.
const DEMO_PASSWORD: &str = "demo-password-1234";

pub(crate) fn run(sh: &Shell) -> Result<()> {
    crate::setup::run(sh)?;
    cmd!(sh, "cargo build --quiet -p panoptic").run()?;
    let root = crate::project_root();
    let site = crate::server::StaticServer::start(&root.join("examples/site"))?;
    println!("xtask: serving examples/site at {}", site.url);
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let bin = target.join("debug/panoptic");
    let password = std::env::var("DEMO_PASSWORD").unwrap_or_else(|_| DEMO_PASSWORD.into());
    let report = root.join("panoptic-results/report.html");
    let ran = cmd!(sh, "{bin} run examples/demo.yaml --output panoptic-results")
        .env("DEMO_URL", &site.url)
        .env("DEMO_PASSWORD", password)
        .run();
    if let Err(e) = ran {
        bail!("demo run failed ({e}); report: {}", report.display());
    }
    println!("xtask: demo passed; open the report: {}", report.display());
    Ok(())
}
