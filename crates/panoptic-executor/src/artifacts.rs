//! The local output folder as an [`ArtifactStore`], over `panoptic_security::fs::Root`: safe
//! relative names, folders 0700, files 0600, no link followed below the root, nothing written
//! or deleted outside it.

use std::path::Path;
use std::sync::Arc;

use panoptic_security::fs::Root;

use panoptic_core::store::{ArtifactStore, StoreError};

/// What a run writes at the top of its output folder (the audit log, `audit.jsonl`, is a chain
/// that grows run by run and is not among them).
pub const RUN_OUTPUTS: &[&str] = &[
    "results.json",
    "results.jsonl",
    "report.html",
    "junit.xml",
    "summary.md",
    "screenshots",
    "videos",
    "traces",
    "analysis",
    "downloads",
    "logs",
];

/// The run's output folder.
#[derive(Clone, Debug)]
pub struct Artifacts {
    root: Arc<Root>,
}

/// A file name made of `[a-z0-9-]`, at most 60 characters.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "x".into() } else { out }
}

/// Artifact folder names for tests, in order: their slugs, made unique (`login`, `login-2`),
/// so two tests whose names slug the same (`Login`, `login!`) never share — and overwrite —
/// one folder.
pub fn unique_dirs<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut used = std::collections::HashSet::new();
    names
        .into_iter()
        .map(|name| {
            let base = slug(name);
            let mut dir = base.clone();
            let mut n = 2;
            while !used.insert(dir.clone()) {
                dir = format!("{base}-{n}");
                n += 1;
            }
            dir
        })
        .collect()
}

impl Artifacts {
    /// Creates the folder (0700) if needed and holds it open.
    pub fn create(root: &Path) -> std::io::Result<Artifacts> {
        Ok(Artifacts {
            root: Arc::new(Root::open(root)?),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Removes what an earlier run left at the top of the folder — the entries of
    /// [`RUN_OUTPUTS`], nothing else — so it holds one run's evidence (a sync would otherwise
    /// upload an old trace as this run's). A link among them is removed itself, never followed.
    pub fn clear_previous_run(&self) -> std::io::Result<()> {
        for name in RUN_OUTPUTS {
            let path = self.root.path().join(name);
            let done = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
                Ok(_) => std::fs::remove_file(&path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => Err(e),
            };
            done.map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        }
        Ok(())
    }

    /// Writes a file (0600, never through a symlink at any depth) and returns its key.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<String> {
        self.root.write(rel, bytes)?;
        Ok(rel.to_owned())
    }
}

fn io(key: &str) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| {
        if source.kind() == std::io::ErrorKind::InvalidInput {
            StoreError::OutsideStore(key.to_owned())
        } else {
            StoreError::Io {
                key: key.to_owned(),
                source,
            }
        }
    }
}

impl Artifacts {
    /// Files under `dir` (not following symlinks), as keys relative to the root.
    fn walk(&self, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let kind = e.file_type()?;
            let p = e.path();
            if kind.is_dir() {
                self.walk(&p, out)?;
            } else if kind.is_file()
                && let Ok(rel) = p.strip_prefix(self.root())
            {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
        Ok(())
    }
}

impl ArtifactStore for Artifacts {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<String, StoreError> {
        self.write(key, bytes).map_err(io(key))
    }

    fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        self.root.read(key).map_err(io(key))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let folder = prefix.trim_end_matches('/');
        let mut keys = Vec::new();
        if !self.root.is_folder(folder).map_err(io(prefix))? {
            return Ok(keys);
        }
        match self.walk(&self.root().join(folder), &mut keys) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(prefix)(e)),
        }
        keys.sort();
        Ok(keys)
    }

    /// Removes the file, then every folder it leaves empty, up to (not including) the root.
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.root.remove(key).map_err(io(key))
    }

    fn create_file(&self, key: &str) -> Option<Result<std::fs::File, StoreError>> {
        Some(self.root.create(key).map_err(io(key)))
    }

    fn exists(&self, key: &str) -> bool {
        self.root.is_file(key)
    }
}
