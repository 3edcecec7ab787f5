//! The one place that spawns child processes (Chromium now, ffmpeg later): each child gets its
//! own process group (so the whole tree can be killed at once) and `PR_SET_PDEATHSIG`, so it
//! dies with panoptic even after `kill -9`. `clippy.toml` routes every other spawn here.

use std::ffi::OsStr;

/// A `tokio` command that spawns into its own process group with a death signal.
#[expect(clippy::disallowed_methods, reason = "this is the helper every spawn goes through")]
pub fn command(program: impl AsRef<OsStr>) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(program);
    cmd.process_group(0).kill_on_drop(true);
    // SAFETY: the closure runs between fork and exec and only calls async-signal-safe
    // functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(|| {
            let parent = libc::getppid();
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then nobody would kill us.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    cmd
}

/// Children spawned through [`spawn`]: their owner waits for them, so [`reap_orphans`] must not.
static OWNED: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Spawns `cmd` (built by [`command`]) and records the child as owned: [`reap_orphans`] leaves
/// it to its `Child` handle, whose `wait` would otherwise find it already reaped (ECHILD).
pub fn spawn(cmd: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    let mut owned = OWNED.lock().unwrap_or_else(|p| p.into_inner());
    let child = cmd.spawn()?;
    owned.extend(child.id());
    Ok(child)
}

/// Folders of running browsers (profile, TMPDIR), for [`force_exit`] to remove.
static FOLDERS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Records a browser's folder, for [`force_exit`].
pub(crate) fn own_folder(path: &std::path::Path) {
    let mut folders = FOLDERS.lock().unwrap_or_else(|p| p.into_inner());
    folders.retain(|f| f.exists());
    folders.push(path.to_path_buf());
}

/// Ends the process at once, cleanly: every child's process group (browsers with their
/// helpers, ffmpeg) is killed and waited for, the browsers' folders are removed, and the
/// process exits with `code`. For a second Ctrl-C, when waiting for a graceful stop is not
/// what the user asked for.
pub fn force_exit(code: i32) -> ! {
    let owned: Vec<u32> = OWNED.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for pid in &owned {
        kill_group(*pid);
    }
    for pid in owned {
        if let Ok(pid) = i32::try_from(pid) {
            let mut status = 0;
            // SAFETY: waits for one child of ours that was just sent SIGKILL; it cannot block
            // for long, and a child already reaped only yields ECHILD.
            unsafe {
                libc::waitpid(pid, &mut status, 0);
            }
        }
    }
    // Helpers that left the browser's group (Chromium's crash handler detaches) were
    // re-parented to panoptic, the subreaper: kill those until none is left (each kill may
    // hand over a grandchild), for at most a second.
    for _ in 0..100 {
        let adopted = children();
        if adopted.is_empty() {
            break;
        }
        for pid in adopted {
            // SAFETY: plain syscall on a child of ours.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        reap_orphans(&[]);
    }
    for dir in FOLDERS.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::process::exit(code)
}

/// Live (not yet exited) children of this process, from `/proc`.
fn children() -> Vec<i32> {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() }.to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let mut f = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("").split_whitespace();
                let (state, ppid) = (f.next(), f.next());
                state != Some("Z") && ppid == Some(me.as_str())
            })
        })
        .collect()
}

/// Sends `SIGKILL` to a whole process group.
pub fn kill_group(pgid: u32) {
    if let Ok(pid) = i32::try_from(pgid) {
        // SAFETY: plain syscall; a stale group id only yields ESRCH.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// True when panoptic runs as root (Chromium then needs `--no-sandbox`).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Makes this process the subreaper of its descendants (`PR_SET_CHILD_SUBREAPER`): processes
/// that Chromium detaches on purpose are re-parented here instead of to init, so they can be
/// reaped and never outlive the run.
pub fn become_subreaper() {
    // SAFETY: plain prctl on the calling process.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Reaps exited children that nobody waits for: helpers Chromium detached, re-parented to
/// panoptic as subreaper. Children in `exclude` (processes a `Child` handle owns) are left to
/// their owner. Never blocks.
pub fn reap_orphans(exclude: &[u32]) {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() }.to_string();
    // Held for the whole pass: a child spawned meanwhile is registered before it can exit.
    let mut owned = OWNED.lock().unwrap_or_else(|p| p.into_inner());
    owned.retain(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        if exclude.contains(&(pid as u32)) || owned.contains(&(pid as u32)) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let mut f = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("").split_whitespace();
        let (state, ppid) = (f.next(), f.next());
        if state == Some("Z") && ppid == Some(me.as_str()) {
            let mut status = 0;
            // SAFETY: non-blocking wait for one specific exited child of ours.
            unsafe {
                libc::waitpid(pid, &mut status, libc::WNOHANG);
            }
        }
    }
}
