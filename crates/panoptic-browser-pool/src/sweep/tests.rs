//! The sweep removes exactly the folders of dead owners, and nothing a live run, another user,
//! a planted symlink or a link inside a folder points at.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::{PREFIX, me, stale, sweep};

fn folder(root: &Path, name: &str, owner: Option<&str>) -> std::path::PathBuf {
    let dir = root.join(format!("{PREFIX}{name}"));
    std::fs::create_dir_all(dir.join("profile/Default")).unwrap();
    std::fs::write(dir.join("profile/Default/Cookies"), "x").unwrap();
    if let Some(owner) = owner {
        std::fs::write(dir.join("owner"), owner).unwrap();
    }
    dir
}

fn age(dir: &Path, by: Duration) {
    let f = std::fs::File::open(dir).unwrap();
    f.set_modified(SystemTime::now() - by).unwrap();
}

/// An owner file as a process that exited would have left it.
fn dead_owner() -> String {
    #[expect(
        clippy::disallowed_methods,
        reason = "a short-lived child only to get a pid that is gone"
    )]
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    format!("{pid} 12345 {}\n", super::pid_namespace())
}

#[test]
fn only_folders_whose_owner_is_gone_are_removed() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let mine = me();
    let (pid, rest) = mine.split_once(' ').unwrap();
    let (started, ns) = rest.split_once(' ').unwrap();
    let live = folder(r, "live", Some(&mine));
    let dead = folder(r, "dead", Some(&dead_owner()));
    // This pid, but a process that started at another time: the pid was reused.
    let reused = folder(
        r,
        "reused",
        Some(&format!("{pid} {} {ns}", started.parse::<u64>().unwrap() + 1)),
    );
    let other_ns = folder(r, "otherns", Some("1 1 pid:[1]\n"));
    let garbled = folder(r, "garbled", Some("\u{fffd}\0 not a pid"));
    let young = folder(r, "young", None);
    let old = folder(r, "old", None);
    age(&old, Duration::from_secs(7200));
    // Another user's (only root can make one; as anyone else this folder is simply one more
    // that must stay).
    let foreign = folder(r, "foreign", Some(&dead_owner()));
    let chowned = std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).is_ok();
    let unrelated = r.join("chromium-other");
    std::fs::create_dir(&unrelated).unwrap();
    std::fs::write(unrelated.join("owner"), dead_owner()).unwrap();

    let mut found = stale(r);
    found.sort();
    let mut want = vec![dead.clone(), old.clone(), reused.clone()];
    let mut kept = vec![&live, &other_ns, &garbled, &young, &unrelated];
    if chowned {
        kept.push(&foreign);
    } else {
        want.push(foreign.clone());
    }
    want.sort();
    assert_eq!(found, want);
    assert_eq!(sweep(&[r.to_path_buf()]), want.len());
    for gone in &want {
        assert!(!gone.exists(), "{} left", gone.display());
    }
    for kept in kept {
        assert!(
            kept.join("owner").exists() || kept.join("profile").exists(),
            "{} removed",
            kept.display()
        );
    }
}

#[test]
fn an_old_folder_a_running_process_names_is_kept() {
    let root = tempfile::tempdir().unwrap();
    let dir = folder(root.path(), "inuse", None);
    age(&dir, Duration::from_secs(7200));
    #[expect(
        clippy::disallowed_methods,
        reason = "a stand-in for a browser that names its profile"
    )]
    let mut browser = std::process::Command::new("sh")
        .args(["-c", "sleep 30", &format!("--user-data-dir={}/profile", dir.display())])
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Until it has exec'd, the child's command line is this test's.
    let named = format!("{}/profile", dir.display());
    let cmdline = format!("/proc/{}/cmdline", browser.id());
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !std::fs::read(&cmdline).is_ok_and(|c| String::from_utf8_lossy(&c).contains(&named))
        && std::time::Instant::now() < end
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let kept = stale(root.path());
    // SAFETY: killing the process group of this test's own child (sh and its sleep).
    unsafe { libc::kill(-(browser.id() as i32), libc::SIGKILL) };
    browser.wait().unwrap();
    assert!(kept.is_empty(), "{kept:?}");
    assert_eq!(stale(root.path()), vec![dir]);
}

#[test]
fn links_are_never_followed() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    // A victim folder that looks stale, reached only through links.
    let victim = folder(outside.path(), "victim", Some(&dead_owner()));
    std::os::unix::fs::symlink(&victim, root.path().join(format!("{PREFIX}planted"))).unwrap();
    let dead = folder(root.path(), "dead", Some(&dead_owner()));
    std::os::unix::fs::symlink(outside.path(), dead.join("profile/escape")).unwrap();

    assert_eq!(sweep(&[root.path().to_path_buf()]), 1);
    assert!(!dead.exists());
    assert!(
        root.path().join(format!("{PREFIX}planted")).symlink_metadata().is_ok(),
        "the planted link was removed"
    );
    assert!(victim.join("profile/Default/Cookies").is_file(), "a link was followed");
}
