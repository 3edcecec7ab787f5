//! Unit tests of the positioned YAML tree.

use super::*;

#[test]
fn positions_of_nested_nodes() {
    let node = parse("name: x\napps:\n  - url: \"http://a\"\n    timeout: 3\n").unwrap();
    let Value::Map(top) = &node.value else {
        panic!("not a map: {node:?}")
    };
    assert_eq!(top[0].0.pos, Pos { line: 1, column: 1 });
    let Value::Seq(apps) = &top[1].1.value else {
        panic!("apps not a list")
    };
    let Value::Map(app) = &apps[0].value else {
        panic!("app not a map")
    };
    assert_eq!(app[1].0.pos, Pos { line: 4, column: 5 });
    assert_eq!(app[1].1.value, Value::Int(3));
}

#[test]
fn syntax_error_has_position() {
    let err = parse("a: [1, 2\nb: c\n").unwrap_err();
    assert!(err.pos.line >= 1, "{err:?}");
    assert!(!err.message.is_empty());
}

#[test]
fn empty_document_is_null() {
    assert_eq!(parse("  \n").unwrap().value, Value::Null);
}

#[test]
fn duplicate_keys_are_errors_at_the_second_key() {
    let err = parse("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
    assert_eq!(err.pos, Pos { line: 4, column: 3 });
    assert_eq!(err.message, "duplicate mapping key `c`");
    assert!(parse("a: 1\n'a': 2\n").is_err(), "quoting does not make another key");
    assert!(
        parse("1: x\n'1': y\n").is_ok(),
        "an int and a string are different keys"
    );
}

#[test]
fn merge_keys_fill_in_what_the_mapping_does_not_set() {
    let yaml = "base: &b { x: 1, y: 2 }\nmore: &m { y: 9, z: 3 }\nuse:\n  <<: [*b, *m]\n  x: 7\n";
    let node = parse(yaml).unwrap();
    let Value::Map(top) = &node.value else { panic!() };
    let Value::Map(used) = &top[2].1.value else { panic!() };
    let pairs: Vec<(String, Value)> = used
        .iter()
        .map(|(k, v)| (key_text(&k.value), v.value.clone()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("x".into(), Value::Int(7)),
            ("y".into(), Value::Int(2)),
            ("z".into(), Value::Int(3))
        ]
    );
    let err = parse("a:\n  <<: 3\n").unwrap_err();
    assert!(err.message.contains("merge key `<<` takes a mapping"), "{err:?}");
}

#[test]
fn duplicates_are_found_in_large_mappings_at_the_second_key() {
    // A linear-time check (the list scan was quadratic: 120k keys took 65 s).
    let mut text: String = (0..50_000).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k7: again\n");
    let e = parse(&text).unwrap_err();
    assert_eq!(e.pos.line, 50_001, "{e:?}");
    assert!(e.message.contains("duplicate mapping key `k7`"), "{e:?}");
    // Keys equal as text but of another kind are different keys, as before.
    assert!(parse("1: a\n'1': b\ntrue: c\n'true': d\n").is_ok());
}
