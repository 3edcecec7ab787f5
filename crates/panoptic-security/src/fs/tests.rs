//! The private writer against links, special files and loose permissions.

use std::os::unix::fs::PermissionsExt;

use super::*;

#[test]
fn never_writes_through_a_symlink_and_keeps_files_private() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("bashrc");
    std::fs::write(&victim, b"keep me").unwrap();
    let link = dir.path().join("results.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let e = write_private(&link, b"evil").unwrap_err();
    assert!(e.to_string().contains("is a symlink"), "{e}");
    assert!(open_private(&link, Mode::Append).is_err());
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    // A dangling link is not created through either.
    let dangling = dir.path().join("junit.xml");
    std::os::unix::fs::symlink(dir.path().join("created-elsewhere"), &dangling).unwrap();
    assert!(write_private(&dangling, b"x").is_err());
    assert!(!dir.path().join("created-elsewhere").exists());
    // A loose existing file becomes 0600; its old content is replaced.
    let loose = dir.path().join("summary.md");
    std::fs::write(&loose, b"old old old").unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    write_private(&loose, b"new").unwrap();
    assert_eq!(std::fs::read(&loose).unwrap(), b"new");
    assert_eq!(std::fs::metadata(&loose).unwrap().permissions().mode() & 0o777, 0o600);
    let mut f = open_private(&loose, Mode::Append).unwrap();
    f.write_all(b"+more").unwrap();
    assert_eq!(std::fs::read(&loose).unwrap(), b"new+more");
    // Special files are refused, not truncated or blocked on.
    assert!(write_private(Path::new("/dev/null"), b"x").is_err());
    create_private_dir(&dir.path().join("logs/deep")).unwrap();
    assert_eq!(
        std::fs::metadata(dir.path().join("logs")).unwrap().permissions().mode() & 0o777,
        0o700
    );
}
