//! Files panoptic writes: owner-only (0600 files, 0700 folders), and never through a symlink —
//! a checkout that ships `panoptic-results/results.json -> ~/.bashrc` gets an error, not an
//! overwritten `.bashrc`.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

mod root;
pub use root::Root;

/// How an existing file is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Replace its content.
    Truncate,
    /// Add to its end.
    Append,
}

/// Opens `path` for writing: created 0600 when new, refused when it (the last component) is a
/// symlink (`O_NOFOLLOW`) or not a regular file; an existing file is made 0600.
pub fn open_private(path: &Path, mode: Mode) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    match mode {
        Mode::Truncate => o.truncate(false),
        Mode::Append => o.append(true),
    };
    let file = o.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is a symlink; panoptic does not write through links", path.display()),
            )
        } else {
            e
        }
    })?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    // Truncate only once it is known to be our regular file (a FIFO or device is left alone).
    if mode == Mode::Truncate {
        file.set_len(0)?;
    }
    if meta.permissions().mode() & 0o777 != 0o600 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Writes `bytes` as the whole content of `path` (see [`open_private`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    open_private(path, Mode::Truncate)?.write_all(bytes)
}

/// Creates `dir` and its missing parents 0700.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(test)]
mod tests;
