//! The run-time guard judges as the validator does, navigations and resources apart.

use super::*;

fn allow(schemes: &[&str], hosts: &[&str]) -> Allow {
    Allow {
        schemes: schemes.iter().map(|s| s.to_string()).collect(),
        hosts: hosts.iter().map(|s| s.to_string()).collect(),
        ..Allow::default()
    }
}

#[test]
fn navigations_pass_the_whole_policy() {
    let g = UrlGuard::new(&allow(&["http", "https"], &[]));
    assert!(!g.all_requests(), "without hosts only navigations are judged");
    assert_eq!(g.refuse("http://127.0.0.1:8080/a", true), None);
    for bad in [
        "file:///etc/hostname",
        "fi\tle:///etc/hostname",
        "javascript:alert(1)",
        "chrome://settings",
    ] {
        assert!(g.refuse(bad, true).is_some(), "{bad:?}");
    }
}

#[test]
fn with_hosts_every_request_is_judged_by_its_parsed_host() {
    let g = UrlGuard::new(&allow(&["http"], &["127.0.0.1", "*.example.test"]));
    assert!(g.all_requests());
    assert_eq!(g.refuse("http://127.0.0.1:1/x.js", false), None);
    assert_eq!(g.refuse("http://cdn.example.test/x.js", false), None);
    // A resource's scheme is not judged (https assets of an http page), its host is.
    assert_eq!(g.refuse("https://cdn.example.test/x.js", false), None);
    let why = g.refuse("http://evil.test/beacon?x=1", false).unwrap();
    assert!(why.contains("`evil.test` is not in `settings.allow.hosts`"), "{why}");
    // `\` and `@` are read as the browser reads them.
    assert!(g.refuse("http://127.0.0.1\\@evil.test/", false).is_none());
    assert!(g.refuse("http://127.0.0.1@evil.test/", false).is_some());
    assert!(
        g.refuse("https://127.0.0.1/", true).is_some(),
        "a navigation's scheme is judged"
    );
}
