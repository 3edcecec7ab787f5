//! A folder panoptic owns (the output folder): every path under it is walked one component at
//! a time with `openat(…, O_NOFOLLOW)`, so no symlink anywhere below the root — planted before
//! the run or swapped in during it — leads a write, read or delete outside. Files are created
//! 0600 (exclusively when new), folders 0700.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The output folder, held open.
#[derive(Debug)]
pub struct Root {
    dir: OwnedFd,
    path: PathBuf,
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

fn cstr(name: &std::ffi::OsStr) -> std::io::Result<CString> {
    CString::new(name.as_bytes()).map_err(|_| invalid("a path with a NUL byte".into()))
}

/// `openat` returning an owned descriptor.
fn open_at(dir: &OwnedFd, name: &CString, flags: i32, mode: libc::mode_t) -> std::io::Result<OwnedFd> {
    // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated string; a returned
    // descriptor is owned by nobody else.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    if fd < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        // SAFETY: `fd` was just returned by `openat` and is not owned elsewhere.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

impl Root {
    /// Creates `path` (0700, with missing parents) and holds it open. The root itself may be a
    /// link (the user named it); nothing below it may.
    pub fn open(path: &Path) -> std::io::Result<Root> {
        super::create_private_dir(path)?;
        let dir = File::open(path)?;
        if !dir.metadata()?.is_dir() {
            return Err(invalid(format!("{} is not a folder", path.display())));
        }
        Ok(Root {
            dir: dir.into(),
            path: path.to_path_buf(),
        })
    }

    /// The folder as named.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folders and file name of `rel` (`/`-separated), refusing absolute paths, `..`, `.` and
    /// empty names.
    fn split<'a>(&self, rel: &'a str) -> std::io::Result<(Vec<&'a std::ffi::OsStr>, &'a std::ffi::OsStr)> {
        let bad = || invalid(format!("artifact path `{rel}` leaves the output folder"));
        let mut parts = Vec::new();
        for part in rel.split('/') {
            if part.is_empty() || part == "." || part == ".." {
                return Err(bad());
            }
            parts.push(std::ffi::OsStr::new(part));
        }
        let name = parts.pop().ok_or_else(bad)?;
        Ok((parts, name))
    }

    /// The folder `parts` below the root, opened without following links; created 0700 where
    /// missing when `create`.
    fn folder(&self, parts: &[&std::ffi::OsStr], create: bool) -> std::io::Result<OwnedFd> {
        let mut dir = self.dir.try_clone()?;
        for part in parts {
            let name = cstr(part)?;
            let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW;
            let next = match open_at(&dir, &name, flags, 0) {
                Err(e) if create && e.raw_os_error() == Some(libc::ENOENT) => {
                    // SAFETY: as in `open_at`.
                    if unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), 0o700) } != 0 {
                        let e = std::io::Error::last_os_error();
                        if e.raw_os_error() != Some(libc::EEXIST) {
                            return Err(e);
                        }
                    }
                    open_at(&dir, &name, flags, 0)
                }
                other => other,
            };
            dir = next.map_err(|e| self.linked(e, part))?;
        }
        Ok(dir)
    }

    fn linked(&self, e: std::io::Error, part: &std::ffi::OsStr) -> std::io::Error {
        match e.raw_os_error() {
            Some(libc::ELOOP | libc::ENOTDIR) => invalid(format!(
                "`{}` under {} is a symlink or not a folder; panoptic does not write through links",
                part.to_string_lossy(),
                self.path.display()
            )),
            _ => e,
        }
    }

    /// Opens `rel` for writing, creating its folders: a new file is created exclusively (0600);
    /// an existing regular file is emptied and made 0600; a link or special file is refused.
    pub fn create(&self, rel: &str) -> std::io::Result<File> {
        self.open_file(rel, super::Mode::Truncate)
    }

    /// Opens `rel` for writing as [`Root::create`] does, emptying an existing file
    /// ([`Mode::Truncate`](super::Mode)) or writing at its end ([`Mode::Append`](super::Mode)).
    pub fn open_file(&self, rel: &str, mode: super::Mode) -> std::io::Result<File> {
        let (parts, name) = self.split(rel)?;
        let dir = self.folder(&parts, true)?;
        let c = cstr(name)?;
        let append = if mode == super::Mode::Append { libc::O_APPEND } else { 0 };
        let base = libc::O_WRONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | append;
        let fd = match open_at(&dir, &c, base | libc::O_CREAT | libc::O_EXCL, 0o600) {
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                let fd = open_at(&dir, &c, base, 0).map_err(|e| self.linked(e, name))?;
                let file = File::from(fd);
                let meta = file.metadata()?;
                if !meta.is_file() {
                    return Err(invalid(format!("{rel} is not a regular file")));
                }
                if mode == super::Mode::Truncate {
                    file.set_len(0)?;
                }
                if meta.permissions().mode() & 0o777 != 0o600 {
                    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
                }
                return Ok(file);
            }
            other => other.map_err(|e| self.linked(e, name))?,
        };
        Ok(File::from(fd))
    }

    /// Writes `bytes` as the whole content of `rel` (see [`Root::create`]).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.create(rel)?.write_all(bytes)
    }

    /// Reads the regular file `rel`, following no link.
    pub fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let (parts, name) = self.split(rel)?;
        let dir = self.folder(&parts, false)?;
        let fd = open_at(
            &dir,
            &cstr(name)?,
            libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK,
            0,
        )
        .map_err(|e| self.linked(e, name))?;
        let mut file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(invalid(format!("{rel} is not a regular file")));
        }
        let mut out = Vec::new();
        file.read_to_end(&mut out)?;
        Ok(out)
    }

    /// True when `rel` is a regular file (reached without links).
    pub fn is_file(&self, rel: &str) -> bool {
        let Ok((parts, name)) = self.split(rel) else {
            return false;
        };
        let Ok(dir) = self.folder(&parts, false) else {
            return false;
        };
        let Ok(c) = cstr(name) else { return false };
        open_at(&dir, &c, libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK, 0)
            .map(File::from)
            .and_then(|f| f.metadata())
            .is_ok_and(|m| m.is_file())
    }

    /// True when `rel` is a folder reached without links; false when it does not exist; an
    /// error when a link or a file is in its way.
    pub fn is_folder(&self, rel: &str) -> std::io::Result<bool> {
        let (mut parts, name) = self.split(rel)?;
        parts.push(name);
        match self.folder(&parts, false) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Removes the entry `rel` (a link is removed itself, its target untouched; an absent one is
    /// no error), then each folder it leaves empty, up to the root.
    pub fn remove(&self, rel: &str) -> std::io::Result<()> {
        let (parts, name) = self.split(rel)?;
        let dir = match self.folder(&parts, false) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            other => other?,
        };
        let c = cstr(name)?;
        // SAFETY: as in `open_at`; `unlinkat` without AT_REMOVEDIR never follows a link.
        if unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) } != 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(e);
            }
        }
        for depth in (1..=parts.len()).rev() {
            let Ok(parent) = self.folder(&parts[..depth - 1], false) else {
                break;
            };
            let Ok(c) = cstr(parts[depth - 1]) else { break };
            // SAFETY: as above; removes only an empty folder, never follows a link.
            if unsafe { libc::unlinkat(parent.as_raw_fd(), c.as_ptr(), libc::AT_REMOVEDIR) } != 0 {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
