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
