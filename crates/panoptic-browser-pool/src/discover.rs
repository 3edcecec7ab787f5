//! Finding Chromium (DESIGN §5): `settings.browser.executable`, `$PANOPTIC_CHROME`, then
//! `chromium`, `chromium-browser`, `google-chrome` on `PATH`.

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
                return Ok(candidate);
            }
        }
    }
    Err(PoolError::NotFound(
        "no chromium, chromium-browser or google-chrome on PATH".into(),
    ))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
