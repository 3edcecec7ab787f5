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

/// A fake llvm-cov export: `(file, lines, covered)`.
fn fake_report(files: &[(&str, u64, u64)]) -> String {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(f, count, covered)| {
            serde_json::json!({
                "filename": format!("/src/panoptic/crates/{f}"),
                "summary": { "lines": { "count": count, "covered": covered, "percent": 0.0 } }
            })
        })
        .collect();
    serde_json::json!({ "type": "llvm.coverage.json.export", "version": "2.0.1", "data": [{ "files": files }] })
        .to_string()
}

#[test]
fn coverage_gate_fails_a_crate_below_its_threshold() {
    use crate::coverage::{Thresholds, by_crate, check};
    let t = Thresholds::parse(
        &std::fs::read_to_string(project_root().join("xtask/coverage.toml")).expect("xtask/coverage.toml"),
    )
    .expect("thresholds parse");
    assert!(t.overall >= 85.0 && t.default >= 70.0, "thresholds were lowered: {t:?}");
    // 90 % overall, but the executor at 75 % is under its 80 %.
    let report = fake_report(&[
        ("panoptic-core/src/a.rs", 1000, 980),
        ("panoptic-core/src/b.rs", 500, 470),
        ("panoptic-executor/src/run.rs", 400, 300),
    ]);
    let per = by_crate(&report).expect("parse");
    assert_eq!(per["panoptic-core"].total, 1500);
    let (table, ok) = check(&per, &t);
    assert!(!ok, "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("panoptic-executor") && l.ends_with("BELOW")),
        "{table}"
    );
    // Every crate fine but the total under 85 %.
    let low_total = fake_report(&[
        ("panoptic-core/src/a.rs", 100, 82),
        ("panoptic-executor/src/run.rs", 100, 82),
    ]);
    let (table, ok) = check(&by_crate(&low_total).expect("parse"), &t);
    assert!(
        !ok && table.lines().any(|l| l.starts_with("overall") && l.ends_with("BELOW")),
        "{table}"
    );
    let good = fake_report(&[
        ("panoptic-core/src/a.rs", 100, 90),
        ("panoptic-executor/src/run.rs", 100, 86),
    ]);
    let (table, ok) = check(&by_crate(&good).expect("parse"), &t);
    assert!(ok, "{table}");
    assert!(by_crate("{\"data\": []}").is_err(), "an empty report must not pass");
    assert!(by_crate("not json").is_err());
}

#[test]
fn bench_check_fails_on_a_regression_past_tolerance() {
    use std::collections::BTreeMap;

    use crate::bench::{Baseline, compare};
    let text = std::fs::read_to_string(project_root().join("benches/baseline.json")).expect("benches/baseline.json");
    let real: Baseline = serde_json::from_str(&text).expect("baseline parses");
    assert!(
        real.tolerance_percent <= 5.0 && !real.instructions.is_empty(),
        "{real:?}"
    );
    // The same counts pass; a doctored baseline 10 % lower makes every bench a regression.
    let (_, ok) = compare(&real, &real.instructions);
    assert!(ok);
    let doctored = Baseline {
        tolerance_percent: real.tolerance_percent,
        instructions: real.instructions.iter().map(|(k, v)| (k.clone(), v * 9 / 10)).collect(),
    };
    let (table, ok) = compare(&doctored, &real.instructions);
    assert!(!ok && table.contains("REGRESSION"), "{table}");
    // Within tolerance passes; a bench missing from the baseline or from the run fails.
    let b = Baseline {
        tolerance_percent: 5.0,
        instructions: BTreeMap::from([("a".to_owned(), 1000), ("b".to_owned(), 1000)]),
    };
    let now = BTreeMap::from([("a".to_owned(), 1049), ("b".to_owned(), 900)]);
    assert!(compare(&b, &now).1);
    let now = BTreeMap::from([("a".to_owned(), 1051), ("b".to_owned(), 1000)]);
    assert!(!compare(&b, &now).1);
    let now = BTreeMap::from([("a".to_owned(), 1000)]);
    assert!(!compare(&b, &now).1, "a bench disappeared");
    let now = BTreeMap::from([("a".to_owned(), 1000), ("b".to_owned(), 1000), ("c".to_owned(), 5)]);
    assert!(!compare(&b, &now).1, "a bench has no baseline");
}

#[test]
fn bench_check_reads_gungraun_json_summaries() {
    use crate::bench::parse_summaries;
    // The shape gungraun 0.20 prints with `--output-format=json` (schema v7), trimmed.
    let line = |id: &str, ir: u64| {
        serde_json::json!({
            "function_name": "result_json", "id": id, "version": "7",
            "profiles": [{ "tool": "Callgrind", "data": {
                "parts": [{ "metrics": { "Ir": { "values": { "new": ir + 1 } } } }],
                "total": { "metrics": { "Ir": { "values": { "new": ir } }, "Dr": { "values": { "new": 5 } } } }
            } }]
        })
        .to_string()
    };
    let out = format!("noise\n{}\n{}\n", line("steps_20", 38540), line("steps_5", 9000));
    let counts = parse_summaries(&out).expect("parses");
    assert_eq!(counts["result_json steps_20"], 38540, "the total, not a part");
    assert_eq!(counts.len(), 2);
    assert!(parse_summaries("no json here").is_err());
    assert!(parse_summaries("{\"function_name\": \"x\", \"profiles\": []}").is_err());
}

/// The action type names, from the committed snapshot of `panoptic schema` (`action_<name>`).
fn action_names() -> Vec<String> {
    let path = project_root()
        .join("crates/panoptic-core/src/config/snapshots/panoptic_core__config__schema_tests__schema.snap");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json = text.splitn(3, "---").nth(2).expect("an insta snapshot body");
    let schema: serde_json::Value = serde_json::from_str(json).expect("the schema snapshot is JSON");
    let defs = schema["$defs"].as_object().expect("$defs");
    defs.keys()
        .filter_map(|k| k.strip_prefix("action_"))
        .map(str::to_owned)
        .collect()
}

/// Test code: `tests/` folders, `tests.rs` and `*_tests.rs` modules, the `testing` fakes.
pub(crate) fn is_test_file(p: &Path) -> bool {
    let s = p.to_string_lossy();
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    s.contains("/tests/") || name == "tests.rs" || name.ends_with("_tests.rs") || name == "testing.rs"
}

/// Places in `text` where `"name"` stands as an action type name, not as a key of the same
/// spelling (`take("screenshot")`, `Field::new("screenshot", Kind::…)`, `key!("allow", "eval", …)`).
/// A line marked `// tidy: not an action` holds a word of another vocabulary spelled like one
/// (an element kind `select`, an input type `submit`).
fn type_name_uses(text: &str, name: &str) -> usize {
    let quoted = format!("\"{name}\"");
    text.match_indices(&quoted)
        .filter(|(at, _)| {
            let before = &text[..*at];
            let after = &text[at + quoted.len()..];
            let line_end = after.find('\n').unwrap_or(after.len());
            if after[..line_end].contains("// tidy: not an action") {
                return false;
            }
            let key_use = before.ends_with("take(")
                || before.ends_with("Field::new(")
                || before.ends_with("cx, n, ")
                || after.starts_with(", Kind::");
            !key_use
        })
        .count()
}

#[test]
fn an_action_name_lives_in_one_source_file() {
    let names = action_names();
    assert!(names.len() >= 32, "found only {names:?}");
    let files: Vec<(PathBuf, String)> = all_rust()
        .into_iter()
        .filter(|p| p.starts_with(project_root().join("crates")) && !is_test_file(p))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (p, text)
        })
        .collect();
    let mut wrong = Vec::new();
    for name in &names {
        let places: Vec<&Path> = files
            .iter()
            .filter(|(_, text)| type_name_uses(text, name) > 0)
            .map(|(p, _)| p.as_path())
            .collect();
        if places.len() != 1 {
            wrong.push(format!("`{name}` in {places:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "an action's name belongs in its registry entry only (the runner dispatches on the typed variant):\n{}",
        wrong.join("\n")
    );
    // The check itself can fail: a second file naming an action is found.
    let doctored = "fn f() -> &'static str { \"click\" }";
    assert_eq!(type_name_uses(doctored, "click"), 1);
    assert_eq!(type_name_uses("obj.take(\"screenshot\")", "screenshot"), 0);
    assert_eq!(
        type_name_uses("\"select\" => 1, // tidy: not an action (element kind)\n", "select"),
        0
    );
    assert_eq!(
        type_name_uses("\"select\" => 1,\n// tidy: not an action\n", "select"),
        1
    );
}
