//! Checks that guard the repository; plain `cargo test` runs them.

use std::path::{Path, PathBuf};

use crate::project_root;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if p.is_dir() {
            if name != "target" && name != ".git" && name != "node_modules" {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn all_rust() -> Vec<PathBuf> {
    let root = project_root();
    let mut v = Vec::new();
    for d in ["crates", "xtask", "benches"] {
        rust_files(&root.join(d), &mut v);
    }
    assert!(v.len() > 20, "found only {} Rust files; is the root right?", v.len());
    v
}

#[test]
fn every_rust_file_starts_with_a_doc_line() {
    let missing: Vec<_> = all_rust()
        .into_iter()
        .filter(|p| !std::fs::read_to_string(p).unwrap_or_default().starts_with("//!"))
        .collect();
    assert!(missing.is_empty(), "files without a leading `//!` line: {missing:?}");
}

#[test]
fn no_ignored_or_panic_expecting_tests() {
    let needles = [
        concat!("#[", "ignore"),
        concat!("#[", "should", "_panic"),
        concat!("#[", "allow("),
    ];
    let bad: Vec<_> = all_rust()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            needles.iter().any(|n| text.contains(n))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "files with an ignore, should-panic or allow attribute (use expect with a reason): {bad:?}"
    );
}

#[test]
fn readme_shows_the_two_commands_and_ci_runs_the_gate() {
    let root = project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    assert!(
        readme.contains("cargo xtask demo"),
        "README must show `cargo xtask demo`"
    );
    assert!(
        readme.contains("cargo xtask test"),
        "README must show `cargo xtask test`"
    );
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(ci.contains("cargo xtask test"), ".ci/run must call `cargo xtask test`");
}
