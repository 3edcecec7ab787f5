//! Keys: created, checked, revoked; nothing but a hash at rest.

use super::*;

#[test]
fn a_key_works_until_revoked_and_only_its_hash_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    let ring = KeyRing::new(path.clone());
    assert_eq!(ring.check("pk_abc_def").unwrap(), None, "no file: no key works");
    let (entry, key) = create(&path, "ci", Role::Runner).unwrap();
    let (_, admin) = create(&path, "ops", Role::Admin).unwrap();
    assert!(key.starts_with(&format!("pk_{}_", entry.id)));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(&key[3 + entry.id.len() + 1..]),
        "the secret is not at rest"
    );
    assert!(text.contains("$argon2id$"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

    let caller = ring.check(&key).unwrap().unwrap();
    assert_eq!((caller.name.as_str(), caller.role), ("ci", Role::Runner));
    // Remembered: the second check does not run argon2 again, and gives the same answer.
    assert_eq!(ring.check(&key).unwrap(), Some(caller));
    assert_eq!(ring.check(&admin).unwrap().unwrap().role, Role::Admin);
    // A wrong secret with a right id, a truncated key, nonsense.
    let wrong = format!("{}0", &key[..key.len() - 1]);
    let wrong = if wrong == key {
        format!("{}1", &key[..key.len() - 1])
    } else {
        wrong
    };
    for bad in [
        wrong.as_str(),
        &key[..key.len() - 1],
        "",
        "pk_",
        "pk__",
        "Bearer x",
        "pk_zzzz_zzzz",
    ] {
        assert_eq!(ring.check(bad).unwrap(), None, "{bad:?}");
    }
    assert!(revoke(&path, &entry.id).unwrap());
    assert!(!revoke(&path, &entry.id).unwrap());
    assert_eq!(ring.check(&key).unwrap(), None, "revoked keys stop at once");
    assert!(ring.check(&admin).unwrap().is_some());
    assert!(matches!(revoke(&path, "nope"), Err(KeyError::Unknown(_))));
    assert_eq!(list(&path).unwrap().len(), 2);
}

#[test]
fn a_corrupt_file_is_an_error_not_an_open_door() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.json");
    std::fs::write(&path, "{ not json").unwrap();
    let ring = KeyRing::new(path.clone());
    assert!(matches!(ring.check("pk_a_b"), Err(KeyError::Corrupt { .. })));
    assert!(
        create(&path, "x", Role::Viewer).is_err(),
        "a file that is not ours is not overwritten"
    );
}

#[test]
fn roles_order_and_parse() {
    assert!(Role::Viewer < Role::Runner && Role::Runner < Role::Admin);
    for r in [Role::Viewer, Role::Runner, Role::Admin] {
        assert_eq!(Role::parse(r.as_str()), Some(r));
    }
    assert_eq!(Role::parse("root"), None);
}
