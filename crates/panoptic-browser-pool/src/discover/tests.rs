//! Unit tests of Chromium discovery: Debian's wrapper and what only looks like it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::unwrap_debian;

const WRAPPER: &str = "#!/bin/sh\nLIBDIR=/usr/lib/$APPNAME\nexec $LIBDIR/$APPNAME $CHROMIUM_FLAGS \"$@\"\n";

fn write(path: &Path, bytes: &[u8], mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn the_wrapper_is_replaced_by_the_program_it_runs_also_through_a_link() {
    let d = tempfile::tempdir().unwrap();
    let (bin, lib) = (
        d.path().join("usr/bin/chromium"),
        d.path().join("usr/lib/chromium/chromium"),
    );
    write(&bin, WRAPPER.as_bytes(), 0o755);
    write(&lib, b"\x7fELF\x02\x01\x01", 0o755);
    assert_eq!(unwrap_debian(&bin), lib);
    let link = d.path().join("local/bin/chromium");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&bin, &link).unwrap();
    assert_eq!(unwrap_debian(&link), lib);
}

#[test]
fn anything_that_is_not_exactly_the_wrapper_is_run_as_it_is() {
    let d = tempfile::tempdir().unwrap();
    let (bin, lib) = (
        d.path().join("usr/bin/chromium"),
        d.path().join("usr/lib/chromium/chromium"),
    );
    // No program beside it.
    write(&bin, WRAPPER.as_bytes(), 0o755);
    assert_eq!(unwrap_debian(&bin), bin);
    // The program beside it is not executable, or is itself a script.
    write(&lib, b"\x7fELF\x02\x01\x01", 0o644);
    assert_eq!(unwrap_debian(&bin), bin);
    write(&lib, b"#!/bin/sh\necho hi\n", 0o755);
    assert_eq!(unwrap_debian(&bin), bin);
    // A script of the user's own, or a binary, named chromium.
    write(&lib, b"\x7fELF\x02\x01\x01", 0o755);
    write(&bin, b"#!/bin/sh\nexec /opt/my/chrome --my-flag \"$@\"\n", 0o755);
    assert_eq!(unwrap_debian(&bin), bin);
    write(&bin, b"\x7fELF\x02\x01\x01", 0o755);
    assert_eq!(unwrap_debian(&bin), bin);
    // The wrapper's text under another name or outside a `bin` folder.
    let other = d.path().join("usr/bin/chromium-dev");
    write(&other, WRAPPER.as_bytes(), 0o755);
    assert_eq!(unwrap_debian(&other), other);
    let loose = d.path().join("usr/chromium");
    write(&loose, WRAPPER.as_bytes(), 0o755);
    assert_eq!(unwrap_debian(&loose), loose);
    // A missing file.
    let gone = d.path().join("nope/bin/chromium");
    assert_eq!(unwrap_debian(&gone), gone);
}

/// The suite runs on Debian's package (`cargo xtask setup` installs it): its real wrapper.
#[test]
fn debians_own_wrapper_is_recognised() {
    let bin = Path::new("/usr/bin/chromium");
    assert!(
        std::fs::read(bin).is_ok_and(|b| b.starts_with(b"#!")),
        "{} is not Debian's wrapper",
        bin.display()
    );
    assert_eq!(unwrap_debian(bin), Path::new("/usr/lib/chromium/chromium"));
}
