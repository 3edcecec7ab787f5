//! The local output folder as an [`ArtifactStore`]: safe relative names, folders 0700, files
//! 0600, nothing written or deleted outside it.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Component, Path, PathBuf};

use panoptic_core::store::{ArtifactStore, StoreError};

/// The run's output folder.
#[derive(Clone, Debug)]
pub struct Artifacts {
    root: PathBuf,
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
    /// Creates the folder (0700) if needed.
    pub fn create(root: &Path) -> std::io::Result<Artifacts> {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(root)?;
        Ok(Artifacts {
            root: root.to_path_buf(),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `rel` joined under the root, refusing absolute paths, `..` and symlinked parents that
    /// lead outside.
    pub fn resolve(&self, rel: &str) -> std::io::Result<PathBuf> {
        let p = Path::new(rel);
        let bad = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("artifact path `{rel}` leaves the output folder"),
            )
        };
        if rel.is_empty() || p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(bad());
        }
        let full = self.root.join(p);
        // Every existing ancestor must stay inside the (canonical) root.
        let root = self.root.canonicalize()?;
        let mut probe = full.parent().map(Path::to_path_buf);
        while let Some(dir) = probe {
            if dir.exists() {
                if !dir.canonicalize()?.starts_with(&root) {
                    return Err(bad());
                }
                break;
            }
            probe = dir.parent().map(Path::to_path_buf);
        }
        if full.is_symlink() {
            return Err(bad());
        }
        Ok(full)
    }

    /// Writes a file (0600, never through a symlink) and returns its path relative to the root.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<String> {
        let full = self.resolve(rel)?;
        if let Some(dir) = full.parent() {
            panoptic_security::fs::create_private_dir(dir)?;
        }
        panoptic_security::fs::write_private(&full, bytes)?;
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
                && let Ok(rel) = p.strip_prefix(&self.root)
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
        let path = self.resolve(key).map_err(io(key))?;
        std::fs::read(path).map_err(io(key))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let dir = self.resolve(prefix.trim_end_matches('/')).map_err(io(prefix))?;
        let mut keys = Vec::new();
        match self.walk(&dir, &mut keys) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(prefix)(e)),
        }
        keys.sort();
        Ok(keys)
    }

    /// Removes the file, then every folder it leaves empty, up to (not including) the root.
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.resolve(key).map_err(io(key))?;
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(key)(e)),
        }
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != self.root && d.starts_with(&self.root)) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(())
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.resolve(key).ok()
    }
}
