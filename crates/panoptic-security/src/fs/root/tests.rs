//! The output folder against links planted at every depth, special files and `..`.

use std::os::unix::fs::{PermissionsExt, symlink};

use super::*;

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn writes_create_private_files_and_folders_and_replace_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::open(&dir.path().join("out")).unwrap();
    root.write("screenshots/a/01.png", b"one").unwrap();
    let out = root.path();
    assert_eq!(std::fs::read(out.join("screenshots/a/01.png")).unwrap(), b"one");
    assert_eq!(mode(&out.join("screenshots/a/01.png")), 0o600);
    assert_eq!(mode(&out.join("screenshots/a")), 0o700);
    assert_eq!(mode(out), 0o700);
    // An existing (loose) file of ours is emptied and made private.
    std::fs::set_permissions(out.join("screenshots/a/01.png"), std::fs::Permissions::from_mode(0o644)).unwrap();
    root.write("screenshots/a/01.png", b"2").unwrap();
    assert_eq!(root.read("screenshots/a/01.png").unwrap(), b"2");
    assert_eq!(mode(&out.join("screenshots/a/01.png")), 0o600);
    assert!(root.is_file("screenshots/a/01.png"));
    assert!(!root.is_file("screenshots/a"));
    // Removing the last file removes the folders it leaves empty, not the root.
    root.remove("screenshots/a/01.png").unwrap();
    assert!(!out.join("screenshots").exists());
    assert!(out.is_dir());
    root.remove("screenshots/a/01.png").unwrap();
}

#[test]
fn no_link_at_any_depth_leads_outside() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("home");
    std::fs::create_dir_all(outside.join("sub")).unwrap();
    std::fs::write(outside.join("bashrc"), b"keep").unwrap();
    std::fs::write(outside.join("sub/x.png"), b"keep").unwrap();
    let out = dir.path().join("out");
    let root = Root::open(&out).unwrap();
    symlink(&outside, out.join("screenshots")).unwrap();
    std::fs::create_dir_all(out.join("videos/t")).unwrap();
    symlink(outside.join("sub"), out.join("videos/t/deep")).unwrap();
    symlink(outside.join("bashrc"), out.join("results.json")).unwrap();
    symlink(outside.join("created"), out.join("junit.xml")).unwrap();
    for rel in [
        "screenshots/bashrc",
        "screenshots/sub/x.png",
        "videos/t/deep/x.png",
        "results.json",
        "junit.xml",
    ] {
        let e = root.write(rel, b"evil").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{rel}: {e}");
        assert!(root.read(rel).is_err(), "{rel}");
        assert!(!root.is_file(rel), "{rel}");
    }
    // Deleting through a linked folder fails; deleting the link removes the link only.
    assert!(root.remove("screenshots/bashrc").is_err());
    assert!(root.remove("videos/t/deep/x.png").is_err());
    root.remove("results.json").unwrap();
    assert!(!out.join("results.json").exists());
    assert_eq!(std::fs::read(outside.join("bashrc")).unwrap(), b"keep");
    assert_eq!(std::fs::read(outside.join("sub/x.png")).unwrap(), b"keep");
    assert!(!outside.join("created").exists());
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 2);
}

#[test]
fn names_that_climb_or_are_special_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::open(dir.path()).unwrap();
    for rel in [
        "",
        "/etc/passwd",
        "../x",
        "a/../../x",
        "./x",
        "a/./b",
        "a/..",
        "nul\0byte",
    ] {
        assert!(root.write(rel, b"x").is_err(), "{rel:?}");
        assert!(root.read(rel).is_err(), "{rel:?}");
        assert!(root.remove(rel).is_err() || rel.is_empty(), "{rel:?}");
    }
    // A FIFO is neither opened for writing (which would block) nor read.
    let fifo = dir.path().join("fifo");
    let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    assert!(root.write("fifo", b"x").is_err());
    assert!(root.read("fifo").is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
