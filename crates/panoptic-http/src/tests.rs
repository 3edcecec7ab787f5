//! The checks and the kept values, on answers made here.

use std::time::Duration;

use panoptic_core::config::VarName;
use serde_json::json;

use super::*;

fn step() -> HttpStep {
    HttpStep {
        method: "GET".into(),
        url: "http://h/api".into(),
        headers: Vec::new(),
        body: None,
        use_browser_cookies: false,
        expect_status: None,
        expect_headers: Vec::new(),
        expect_json: Vec::new(),
        expect_body: None,
        save_as: Vec::new(),
    }
}

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        url: "http://h/api".into(),
        status,
        headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
        body: body.as_bytes().to_vec(),
        set_cookies: Vec::new(),
        elapsed: Duration::ZERO,
    }
}

#[test]
fn status_headers_body_and_json_are_checked() {
    let a = answer(201, r#"{"user": {"name": "alice", "age": 7}, "items": [1.0, 2]}"#);
    let ok = HttpStep {
        expect_status: Some(201),
        expect_headers: vec![("Content-Type".into(), "application/json".into())],
        expect_body: Some("alice".into()),
        expect_json: vec![
            ("$.user.name".into(), json!("alice")),
            ("$.user.age".into(), json!(7.0)),
            ("$.items".into(), json!([1, 2])),
        ],
        ..step()
    };
    check(&ok, &a).unwrap();

    let cases: Vec<(HttpStep, &str, &str)> = vec![
        (
            HttpStep {
                expect_status: Some(200),
                ..step()
            },
            "status 200",
            "status 201",
        ),
        (
            HttpStep {
                expect_headers: vec![("x-id".into(), "1".into())],
                ..step()
            },
            "x-id containing \"1\"",
            "no x-id header",
        ),
        (
            HttpStep {
                expect_json: vec![("$.user.name".into(), json!("bob"))],
                ..step()
            },
            "$.user.name = \"bob\"",
            "\"alice\"",
        ),
        (
            HttpStep {
                expect_json: vec![("$.user.age".into(), json!("7"))],
                ..step()
            },
            "$.user.age = \"7\"",
            "7",
        ),
        (
            HttpStep {
                expect_json: vec![("$.nope".into(), json!(1))],
                ..step()
            },
            "$.nope = 1",
            "no $.nope",
        ),
        (
            HttpStep {
                expect_body: Some("bob".into()),
                ..step()
            },
            "body containing \"bob\"",
            "",
        ),
    ];
    for (s, expected, actual) in cases {
        let e = check(&s, &a).unwrap_err();
        assert_eq!(e.expected.as_deref(), Some(expected), "{}", e.message);
        if !actual.is_empty() {
            assert_eq!(e.actual.as_deref(), Some(actual), "{}", e.message);
        }
    }
    let e = check(
        &HttpStep {
            expect_json: vec![("$.a".into(), json!(1))],
            ..step()
        },
        &answer(200, "<html>"),
    )
    .unwrap_err();
    assert!(e.message.contains("expected a JSON body"), "{}", e.message);
}

#[test]
fn save_as_keeps_strings_as_they_are_and_the_rest_as_json() {
    let a = answer(200, r#"{"token": "t-1", "n": 3, "o": {"k": [1]}}"#);
    let s = HttpStep {
        save_as: vec![
            (VarName("token".into()), "$.token".into()),
            (VarName("n".into()), "$.n".into()),
            (VarName("o".into()), "$.o".into()),
            (VarName("all".into()), "$".into()),
        ],
        ..step()
    };
    let kept = saved(&s, &a).unwrap();
    assert_eq!(kept[0], ("token".into(), "t-1".into()));
    assert_eq!(kept[1], ("n".into(), "3".into()));
    assert_eq!(kept[2], ("o".into(), r#"{"k":[1]}"#.into()));
    assert!(kept[3].1.contains("\"token\":\"t-1\""), "{}", kept[3].1);
    let missing = HttpStep {
        save_as: vec![(VarName("x".into()), "$.missing".into())],
        ..step()
    };
    assert!(saved(&missing, &a).unwrap_err().message.contains("has no $.missing"));
    let text = saved(
        &HttpStep {
            save_as: vec![(VarName("t".into()), "$".into())],
            ..step()
        },
        &answer(200, "plain"),
    )
    .unwrap();
    assert_eq!(text[0].1, "plain");
}

#[test]
fn output_shows_json_bodies_as_json() {
    let out = answer(200, r#"{"a": 1}"#).output();
    assert_eq!(out["body"], json!({ "a": 1 }));
    assert_eq!(out["status"], json!(200));
    let out = answer(200, "plain").output();
    assert_eq!(out["body"], json!("plain"));
}
