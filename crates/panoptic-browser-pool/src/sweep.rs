//! Removes browser folders (`panoptic-chromium-*`) that a killed panoptic left behind. A run
//! removes its browsers' folders itself, even after Ctrl-C; only `kill -9` (or the OOM killer)
//! leaves one, and nothing in the dead process can clean up after that. So every folder records
//! its owner (pid and start time, in `owner`), and the first launch of each process removes the
//! folders whose owner is gone.
//!
//! What may be removed, and nothing else: a real folder (not a symlink) owned by this user,
//! named `panoptic-chromium-*`, directly in a temp folder panoptic uses, whose owner process no
//! longer runs (no such pid, or a pid reused by a process that started at another time) and was
//! in this process's pid namespace (a container sharing `/tmp` sees other pids). A
//! folder without an `owner` file (made by an older panoptic, or caught between its creation
//! and the file's) is removed only when it is older than an hour and no running process names
//! it on its command line (the browser that uses a folder names its profile there).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The folder-name prefix of every browser folder.
pub(crate) const PREFIX: &str = "panoptic-chromium-";

/// Where a browser folder goes when `$TMPDIR` is too long for Chromium's socket paths
/// (`launch`), and so where the sweep looks besides `$TMPDIR`.
pub(crate) const SHORT_TEMP: [&str; 2] = ["/tmp", "/dev/shm"];

/// The file in a browser folder that names its owner.
const OWNER: &str = "owner";

/// How old a folder without an `owner` file must be before it can be removed.
const UNOWNED_AGE: Duration = Duration::from_secs(3600);

/// This process as an `owner` file records it: pid, start time (clock ticks after boot) and
/// pid namespace.
pub(crate) fn me() -> String {
    let pid = std::process::id();
    format!("{pid} {} {}\n", start_time(pid).unwrap_or(0), pid_namespace())
}

/// This process's pid namespace (`pid:[4026531836]`), or `?`.
pub(crate) fn pid_namespace() -> String {
    std::fs::read_link("/proc/self/ns/pid").map_or_else(|_| "?".into(), |p| p.to_string_lossy().into_owned())
}

/// A process's start time (field 22 of `/proc/<pid>/stat`), if it runs.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (which may hold spaces and parentheses): state is field 3.
    stat.rsplit_once(')')?.1.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// Whether the process an `owner` file names may still run: it does, or it is in another pid
/// namespace, or the file cannot be read (keep the folder rather than guess).
fn owner_alive(owner: &str) -> bool {
    let mut parts = owner.split_whitespace();
    let pid = parts.next().and_then(|p| p.parse::<u32>().ok());
    let started = parts.next().and_then(|s| s.parse::<u64>().ok());
    match (pid, started, parts.next()) {
        (Some(pid), Some(started), Some(ns)) if ns == pid_namespace() => start_time(pid) == Some(started),
        _ => true,
    }
}

/// Whether any running process names `path` on its command line.
fn named_by_a_process(path: &Path) -> bool {
    let needle = path.as_os_str().as_encoded_bytes();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return true;
    };
    procs.flatten().any(|e| {
        e.file_name()
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
            && std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c.windows(needle.len()).any(|w| w == needle))
    })
}

/// The folders under `root` that [`sweep`] would remove.
pub(crate) fn stale(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(PREFIX)))
        .filter(|e| {
            // symlink_metadata: a link planted under the name is not followed, nor removed.
            std::fs::symlink_metadata(e.path()).is_ok_and(|m| m.is_dir() && m.uid() == uid)
        })
        .map(|e| e.path())
        .filter(|dir| match std::fs::read_to_string(dir.join(OWNER)) {
            Ok(owner) => !owner_alive(&owner),
            Err(_) => {
                let old = std::fs::symlink_metadata(dir)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > UNOWNED_AGE));
                old && !named_by_a_process(dir)
            }
        })
        .collect()
}

/// Removes the stale browser folders under each of `roots`; returns how many went.
pub(crate) fn sweep(roots: &[PathBuf]) -> usize {
    let mut removed = 0;
    for root in roots {
        for dir in stale(root) {
            // remove_dir_all does not follow symlinks inside the folder.
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => removed += 1,
                Err(e) => tracing::debug!(folder = %dir.display(), "could not remove a stale browser folder: {e}"),
            }
        }
    }
    removed
}

/// The background sweep, once started.
static SWEEP: std::sync::Mutex<Option<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(None);

/// Sweeps the temp folders browser folders are made in, once per process, in the background.
pub(crate) fn sweep_once() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let mut roots: Vec<PathBuf> = SHORT_TEMP.iter().map(PathBuf::from).collect();
        roots.push(std::env::temp_dir());
        roots.sort();
        roots.dedup();
        // Off the runtime's threads; the launch does not wait for it.
        let handle = std::thread::spawn(move || {
            let n = sweep(&roots);
            if n > 0 {
                tracing::debug!(removed = n, "removed browser folders of killed runs");
            }
        });
        *SWEEP.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
    });
}

/// Waits (up to `max`) for the background sweep to end, so a short run does not exit halfway
/// through it.
pub(crate) async fn settle(max: Duration) {
    let end = std::time::Instant::now() + max;
    loop {
        let done = SWEEP
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_none_or(std::thread::JoinHandle::is_finished);
        if done || std::time::Instant::now() > end {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests;
