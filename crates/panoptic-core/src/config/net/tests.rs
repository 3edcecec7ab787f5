//! URL globs and JSON paths.

use super::*;

fn matches(glob: &str, url: &str) -> bool {
    regex::Regex::new(&glob_regex(glob)).unwrap().is_match(url)
}

#[test]
fn globs_match_whole_urls() {
    let cases = [
        ("**/api/todos", "http://127.0.0.1:8080/api/todos", true),
        ("**/api/todos", "http://127.0.0.1:8080/api/todos?x=1", false),
        ("**/api/todos*", "http://127.0.0.1:8080/api/todos?x=1", true),
        ("**/api/*", "http://h/api/users", true),
        ("**/api/*", "http://h/api/users/7", false),
        ("**/api/**", "http://h/api/users/7", true),
        ("**/*.{png,jpg}", "http://h/a/b.jpg", true),
        ("**/*.{png,jpg}", "http://h/a/b.gif", false),
        ("http://h/a?b=1", "http://h/a?b=1", true),
        ("http://h/a?b=1", "http://h/aXb=1", false),
        ("http://h/a.js", "http://h/aXjs", false),
    ];
    for (glob, url, want) in cases {
        assert_eq!(matches(glob, url), want, "{glob} ~ {url}");
    }
}

#[test]
fn json_paths_become_pointers() {
    let cases = [
        ("$", Some("")),
        ("$.a", Some("/a")),
        ("$.a.b", Some("/a/b")),
        ("$.items[0].id", Some("/items/0/id")),
        ("$['odd key'].x", Some("/odd key/x")),
        ("$[\"a/b\"]", Some("/a~1b")),
        ("$.", None),
        ("a.b", None),
        ("$[x]", None),
        ("$.a[0", None),
    ];
    for (path, want) in cases {
        assert_eq!(json_pointer(path).as_deref(), want, "{path}");
    }
}

#[test]
fn strings_inside_json_are_mapped() {
    let v = serde_json::json!({ "a": "${x}", "b": [1, "${x}"], "${x}": true });
    let out = v.map_strings(&mut |s| Ok(s.replace("${x}", "1"))).unwrap();
    assert_eq!(out, serde_json::json!({ "a": "1", "b": [1, "1"], "${x}": true }));
}
