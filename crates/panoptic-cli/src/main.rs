//! `panoptic`: the command line. The only crate that installs a tracing subscriber and maps
//! errors to the exit codes of DESIGN §3.

mod analyze;
mod audit;
mod cli;
mod cloud;
mod heal;
mod history;
mod inputs;
mod interrupt;
mod progress;
mod record;
mod run;
mod serve;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// Exit codes (DESIGN §3).
pub(crate) mod exit {
    /// Every test passed.
    pub(crate) const OK: u8 = 0;
    /// A test failed.
    pub(crate) const FAILED: u8 = 1;
    /// Bad config or usage; nothing ran.
    pub(crate) const USAGE: u8 = 2;
    /// Infrastructure: no browser, output not writable.
    pub(crate) const INFRA: u8 = 3;
    /// Interrupted by Ctrl-C / SIGTERM.
    pub(crate) const INTERRUPTED: u8 = 130;
}

/// A line for the user on stderr, control characters written out.
pub(crate) fn say(s: &str) {
    let _ = writeln!(std::io::stderr(), "{}", panoptic_security::text::printable(s));
}

fn main() -> ExitCode {
    // Chromium helpers that detach are re-parented to panoptic, which reaps them.
    panoptic_browser_pool::process::become_subreaper();
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match args.command {
        cli::Command::Run(r) => run::run(r),
        cli::Command::Validate(v) => run::validate(&v),
        cli::Command::Report(cli::ReportCommand::Merge { dirs, output }) => run::merge(&dirs, &output),
        cli::Command::Record(r) => record::record(&r),
        cli::Command::Analyze(a) => analyze::analyze(&a),
        cli::Command::Inspect(a) => analyze::inspect(&a),
        cli::Command::Generate(a) => analyze::generate(&a),
        cli::Command::Heal(a) => heal::heal(&a),
        cli::Command::History(h) => history::show(&h),
        cli::Command::Audit(cli::AuditCommand::Verify { file, head }) => audit::verify(&file, head.as_deref()),
        cli::Command::Cloud(c) => cloud::command(&c),
        cli::Command::Serve(a) => serve::serve(&a),
        cli::Command::Keys(k) => serve::keys(&k),
        cli::Command::Schema => {
            let schema = panoptic_core::config::json_schema();
            let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
            let _ = writeln!(std::io::stdout(), "{text}");
            exit::OK
        }
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests;
