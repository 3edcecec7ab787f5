//! Snapshots of `--help` of every command: what a user reads first.

use clap::CommandFactory;

/// `--help` of `cmd` and of every subcommand below it, depth first.
fn helps(cmd: &mut clap::Command, path: &str, out: &mut Vec<(String, String)>) {
    let name = if path.is_empty() {
        cmd.get_name().to_owned()
    } else {
        format!("{path} {}", cmd.get_name())
    };
    out.push((name.clone(), cmd.render_long_help().to_string()));
    for sub in cmd.get_subcommands_mut().filter(|s| s.get_name() != "help") {
        helps(sub, &name, out);
    }
}

#[test]
fn help_of_every_command() {
    let mut root = crate::cli::Cli::command();
    root.build();
    let mut all = Vec::new();
    helps(&mut root, "", &mut all);
    assert!(all.len() >= 7, "{:?}", all.iter().map(|(n, _)| n).collect::<Vec<_>>());
    for (name, help) in all {
        insta::assert_snapshot!(name.replace(' ', "-"), help);
    }
}
