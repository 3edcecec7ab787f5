//! Command-line arguments (DESIGN §4, the parts this build runs).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Declarative UI test automation: YAML flows driven in real headless Chromium.
#[derive(Debug, Parser)]
#[command(name = "panoptic", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the apps of one or more configs and write the reports.
    Run(RunArgs),
    /// Check configs and print every problem at once; runs nothing.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the config format.
    Schema,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Config files, folders of `*.yaml`/`*.yml`, or globs.
    #[arg(required = true, value_name = "CONFIG|DIR|GLOB")]
    pub(crate) configs: Vec<String>,
    /// Output folder (default: the first config's `output`, else ./panoptic-results).
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
    /// Extra attempts of a failing test (overrides `settings.retries`).
    #[arg(long)]
    pub(crate) retries: Option<u32>,
    /// Show the browser window.
    #[arg(long)]
    pub(crate) headed: bool,
    /// Log level on stderr and in logs/panoptic.log (or PANOPTIC_LOG).
    #[arg(long, value_name = "LEVEL")]
    pub(crate) log_level: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Config files, folders or globs.
    #[arg(required = true, value_name = "CONFIG|DIR|GLOB")]
    pub(crate) configs: Vec<String>,
}
