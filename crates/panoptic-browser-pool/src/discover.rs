//! Finding Chromium (DESIGN §5): `settings.browser.executable`, `$PANOPTIC_CHROME`, then
//! `chromium`, `chromium-browser`, `google-chrome` on `PATH`.
//!
//! Debian's `/usr/bin/chromium` is a shell script that runs `uname`, `grep`, `find`,
//! `findmnt`, `ls` and sources `/etc/chromium.d/*` before it execs
//! `/usr/lib/chromium/chromium` with desktop flags (GPU rasterization, an extension folder):
//! 30-40 ms of every launch, before Chromium itself starts. Found on `PATH`, such a wrapper
//! is replaced by the program it runs ([`unwrap_debian`]); an executable named in the
//! settings or in `$PANOPTIC_CHROME` is run as it is.

use std::path::{Path, PathBuf};

use crate::PoolError;

const NAMES: &[&str] = &["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// The Chromium executable to launch.
pub fn find_chromium(configured: Option<&Path>) -> Result<PathBuf, PoolError> {
    if let Some(p) = configured {
        return if is_executable(p) {
            Ok(p.to_path_buf())
        } else {
            Err(PoolError::NotFound(format!(
                "`settings.browser.executable` {} is not an executable file",
                p.display()
            )))
        };
    }
    if let Some(p) = std::env::var_os("PANOPTIC_CHROME").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(PoolError::NotFound(format!(
                "PANOPTIC_CHROME={} is not an executable file",
                p.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in NAMES {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(unwrap_debian(&candidate));
            }
        }
    }
    Err(PoolError::NotFound(
        "no chromium, chromium-browser or google-chrome on PATH".into(),
    ))
}

/// The Chromium program behind Debian's wrapper script: for `<prefix>/bin/chromium` (or a
/// link to it) that starts with `#!` and execs `$LIBDIR/$APPNAME`, the executable
/// `<prefix>/lib/chromium/chromium` beside it that is not a script; anything else as it is.
pub(crate) fn unwrap_debian(candidate: &Path) -> PathBuf {
    let real = std::fs::canonicalize(candidate).unwrap_or_else(|_| candidate.to_path_buf());
    let program = (|| {
        if real.file_name()? != "chromium" || real.parent()?.file_name()? != "bin" {
            return None;
        }
        if std::fs::metadata(&real).ok()?.len() > 64 * 1024 {
            return None;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&real).ok()?).into_owned();
        if !text.starts_with("#!") || !text.contains("exec $LIBDIR/$APPNAME") {
            return None;
        }
        let program = real.parent()?.parent()?.join("lib/chromium/chromium");
        let mut head = [0u8; 4];
        std::io::Read::read_exact(&mut std::fs::File::open(&program).ok()?, &mut head).ok()?;
        (head == *b"\x7fELF" && is_executable(&program)).then_some(program)
    })();
    program.unwrap_or_else(|| candidate.to_path_buf())
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests;
