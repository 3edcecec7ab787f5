//! Files under the output folder: safe relative names, folders 0700, files 0600.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

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

    /// Writes a file (0600) and returns its path relative to the root.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<String> {
        let full = self.resolve(rel)?;
        if let Some(dir) = full.parent() {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&full)?;
        f.write_all(bytes)?;
        Ok(rel.to_owned())
    }
}
