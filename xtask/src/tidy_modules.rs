//! The module graph of every crate: no import cycles between modules (a module and its own
//! submodules are one unit), and no non-test source file over 600 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::project_root;
use crate::tidy::is_test_file;

type Module = Vec<String>;

/// The module a source file defines: `a/b.rs` and `a/b/mod.rs` are `a::b`; `lib.rs`/`main.rs`
/// the crate root.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(path: &str) -> Vec<String> {
    let path: String = path.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = path.find('{') else {
        return vec![path];
    };
    let (prefix, rest) = path.split_at(open);
    let inner = &rest[1..rest.rfind('}').unwrap_or(rest.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.is_empty())
        .flat_map(|i| expand(&format!("{prefix}{i}")))
        .collect()
}

/// Every `crate::`/`super::`/`self::` path a file names, in `use` items and inline.
fn paths_in(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use ") {
        let before_ok = at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric() && rest.as_bytes()[at - 1] != b'_';
        let tail = &rest[at + 4..];
        let end = tail.find(';').unwrap_or(tail.len());
        if before_ok {
            out.extend(expand(&tail[..end]));
        }
        rest = &tail[end.min(tail.len())..];
    }
    for root in ["crate::", "super::"] {
        for (at, _) in code.match_indices(root) {
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path);
        }
    }
    out
}

/// The module a path points into, as the longest known module prefix.
fn resolve(from: &Module, path: &str, known: &BTreeSet<Module>) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let mut base: Module = match segs.next()? {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => {
            // In `a/b.rs` and in `a/b/mod.rs` (both module a::b) `super` is `a`.
            let mut b = from.clone();
            b.pop();
            b
        }
        _ => return None,
    };
    let mut found = None;
    for s in segs {
        if s == "super" {
            base.pop();
            continue;
        }
        base.push(s.to_owned());
        if known.contains(&base) {
            found = Some(base.clone());
        } else {
            break;
        }
    }
    found
}

fn related(a: &Module, b: &Module) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// A cycle in the graph, as a list of modules, if there is one.
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for n in edges.get(m).into_iter().flatten() {
            match state.get(n).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|x| x == n).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(n.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(n, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        if state.get(m).copied().unwrap_or(0) == 0
            && let Some(c) = visit(m, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// The import edges between modules of the crate whose sources are `files` (path, text).
fn graph(src: &Path, files: &[(PathBuf, String)]) -> BTreeMap<Module, BTreeSet<Module>> {
    let known: BTreeSet<Module> = files.iter().map(|(p, _)| module_of(src, p)).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (p, text) in files {
        let from = module_of(src, p);
        for path in paths_in(text) {
            if let Some(to) = resolve(&from, &path, &known)
                && !related(&from, &to)
            {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") && !is_test_file(&p) {
            out.push(p);
        }
    }
}

fn crate_sources() -> Vec<(PathBuf, Vec<(PathBuf, String)>)> {
    let crates = project_root().join("crates");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&crates).expect("crates/").flatten() {
        let src = e.path().join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        files.sort();
        let files = files
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                (p, text)
            })
            .collect();
        out.push((src, files));
    }
    assert!(out.len() >= 6, "found only {} crates", out.len());
    out
}

#[test]
fn no_import_cycles_between_modules_of_a_crate() {
    let mut cycles = Vec::new();
    for (src, files) in crate_sources() {
        if let Some(c) = find_cycle(&graph(&src, &files)) {
            let shown: Vec<String> = c.iter().map(|m| format!("crate::{}", m.join("::"))).collect();
            cycles.push(format!("{}: {}", src.display(), shown.join(" -> ")));
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let src = Path::new("/x/src");
    let files = vec![
        (src.join("lib.rs"), "mod a;\nmod b;\nmod c;\npub use a::A;\n".to_owned()),
        (
            src.join("a.rs"),
            "use crate::b::{B, other::{X}};\npub struct A;\n".to_owned(),
        ),
        (
            src.join("b/mod.rs"),
            "mod other;\npub struct B(crate::c::C);\n".to_owned(),
        ),
        (src.join("b/other.rs"), "use super::B;\npub struct X;\n".to_owned()),
        (
            src.join("c.rs"),
            "use super::a::A; // and crate::b is fine here\npub struct C;\n".to_owned(),
        ),
    ];
    let edges = graph(src, &files);
    let cycle = find_cycle(&edges).expect("a -> b -> c -> a");
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    // Without the back edge there is none; a child naming its parent is not a cycle.
    let mut files = files;
    files[4].1 = "pub struct C;\n".to_owned();
    assert_eq!(find_cycle(&graph(src, &files)), None);
}

#[test]
fn no_source_file_over_600_lines() {
    let mut long = Vec::new();
    for (_, files) in crate_sources() {
        for (p, text) in files {
            let n = text.lines().count();
            if n > 600 {
                long.push(format!("{} ({n} lines)", p.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these by concern:\n{}", long.join("\n"));
}
