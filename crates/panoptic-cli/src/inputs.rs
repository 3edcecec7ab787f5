//! Turning `CONFIG|DIR|GLOB` arguments into config files.

use std::path::{Path, PathBuf};

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// `*` and `?` in one path component.
fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

/// Expands the arguments; an argument that names nothing is an error.
pub(crate) fn expand(args: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for a in args {
        let p = Path::new(a);
        let before = out.len();
        if p.is_dir() {
            out.extend(sorted_entries(p)?.into_iter().filter(|f| f.is_file() && is_yaml(f)));
        } else if a.contains(['*', '?']) {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let pat = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
            if dir.to_string_lossy().contains(['*', '?']) {
                return Err(format!("{a}: wildcards are supported in the file name only"));
            }
            for f in sorted_entries(dir)? {
                if f.is_file() && f.file_name().and_then(|n| n.to_str()).is_some_and(|n| wildcard(pat, n)) {
                    out.push(f);
                }
            }
        } else {
            out.push(p.to_path_buf());
            continue;
        }
        if out.len() == before {
            return Err(format!("{a}: no config files (*.yaml, *.yml) found"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn wildcards() {
        assert!(super::wildcard("*.yaml", "a.yaml"));
        assert!(super::wildcard("a?c*", "abcdef"));
        assert!(!super::wildcard("*.yaml", "a.yml"));
    }

    #[test]
    fn folders_and_globs_expand_to_sorted_config_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["b.yaml", "a.yml", "notes.txt", "c.yaml"] {
            std::fs::write(d.join(f), "").unwrap();
        }
        std::fs::create_dir(d.join("sub.yaml")).unwrap();
        let s = |p: &std::path::Path| p.display().to_string();
        let names = |v: Vec<std::path::PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(names(expand(&[s(d)]).unwrap()), ["a.yml", "b.yaml", "c.yaml"]);
        assert_eq!(names(expand(&[s(&d.join("?.yaml"))]).unwrap()), ["b.yaml", "c.yaml"]);
        // A plain path is passed through (loading reports it if it is missing).
        assert_eq!(expand(&[s(&d.join("x.yaml"))]).unwrap(), [d.join("x.yaml")]);
        let empty = tempfile::tempdir().unwrap();
        let e = expand(&[s(empty.path())]).unwrap_err();
        assert!(e.contains("no config files (*.yaml, *.yml) found"), "{e}");
        let e = expand(&[s(&d.join("*.json"))]).unwrap_err();
        assert!(e.contains("no config files"), "{e}");
        let e = expand(&[s(&d.join("*/a.yaml"))]).unwrap_err();
        assert!(e.contains("wildcards are supported in the file name only"), "{e}");
        let e = expand(&[s(&d.join("missing/*.yaml"))]).unwrap_err();
        assert!(e.contains("missing"), "{e}");
    }
}
