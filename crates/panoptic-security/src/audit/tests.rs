//! Every kind of tampering is found: edits (with and without a recomputed hash), deletions,
//! insertions, duplicates, reorders, truncation — the first bad line named, or the head
//! differing when lines were cut off the end.

use serde_json::json;

use super::*;

fn record(i: u64) -> Map<String, Value> {
    let Value::Object(m) = json!({ "event": "run_finished", "run": i, "who": "ci", "status": "passed" }) else {
        unreachable!("a literal object")
    };
    m
}

/// A log of six entries; its lines and head.
fn log(dir: &Path) -> (std::path::PathBuf, Vec<String>, Head) {
    let path = dir.join("audit.jsonl");
    let mut head = None;
    for i in 0..6 {
        head = Some(append(&path, record(i)).unwrap());
    }
    let lines = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    (path, lines, head.unwrap())
}

/// What verifying `lines` reports: the first bad line, or the head when the chain holds.
fn check(path: &Path, lines: &[String]) -> Result<Head, u64> {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
    verify(path).map_err(|e| match e {
        AuditError::Broken { line, .. } => line,
        AuditError::Io(e) => panic!("{e}"),
    })
}

fn rehash(line: &str, change: impl FnOnce(&mut Map<String, Value>)) -> String {
    let Value::Object(mut m) = serde_json::from_str(line).unwrap() else {
        unreachable!("entries are objects")
    };
    change(&mut m);
    let h = entry_hash(&m);
    m.insert("hash".into(), json!(h));
    Value::Object(m).to_string()
}

#[test]
fn an_intact_log_verifies_and_appends_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (path, lines, head) = log(dir.path());
    assert_eq!(head.entries, 6);
    assert_eq!(verify(&path).unwrap(), head);
    assert!(lines[0].contains(GENESIS));
    // Appending to a broken log is refused: the chain is never extended past tampering.
    let mut bad = lines.clone();
    bad[2] = bad[2].replace("\"ci\"", "\"eve\"");
    std::fs::write(&path, bad.join("\n") + "\n").unwrap();
    assert!(matches!(
        append(&path, record(9)),
        Err(AuditError::Broken { line: 3, .. })
    ));
}

#[test]
fn every_kind_of_tampering_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (path, lines, head) = log(dir.path());
    let mut cases: Vec<(String, Vec<String>, Result<Head, u64>)> = Vec::new();
    for i in 0..lines.len() {
        let line = i as u64 + 1;
        let mut edited = lines.clone();
        edited[i] = edited[i].replace("passed", "failed");
        cases.push((format!("edit line {line}"), edited, Err(line)));
        let mut forged = lines.clone();
        forged[i] = rehash(&forged[i], |m| {
            m.insert("status".into(), json!("failed"));
        });
        // A forged line with a recomputed hash breaks the next line's `prev`; the last one
        // changes the head.
        let expect = if i + 1 < lines.len() {
            Err(line + 1)
        } else {
            Ok(Head {
                entries: 6,
                hash: String::new(),
            })
        };
        cases.push((format!("forge line {line}"), forged, expect));
        if i + 1 < lines.len() {
            let mut deleted = lines.clone();
            deleted.remove(i);
            cases.push((format!("delete line {line}"), deleted, Err(line)));
            let mut swapped = lines.clone();
            swapped.swap(i, i + 1);
            cases.push((format!("swap lines {line} and {}", line + 1), swapped, Err(line)));
        }
        let mut inserted = lines.clone();
        inserted.insert(i, lines[(i + 3) % lines.len()].clone());
        cases.push((format!("insert a copy before line {line}"), inserted, Err(line)));
        let mut blank = lines.clone();
        blank.insert(i, String::new());
        cases.push((format!("insert a blank line before line {line}"), blank, Err(line)));
    }
    let mut cut = lines.clone();
    cut.pop();
    cases.push((
        "cut the last line".into(),
        cut,
        Ok(Head {
            entries: 5,
            hash: String::new(),
        }),
    ));
    let mut torn = lines.clone();
    let last = torn.len() - 1;
    torn[last].truncate(20);
    cases.push(("a torn last line".into(), torn, Err(6)));
    let mut found = 0;
    for (name, tampered, expect) in &cases {
        let got = check(&path, tampered);
        match (expect, &got) {
            (Err(line), Err(at)) => assert_eq!(line, at, "{name}: wrong line"),
            // Cut or forged at the end: the chain holds, the head gives it away.
            (Ok(_), Ok(h)) => assert_ne!(*h, head, "{name}: head unchanged"),
            _ => panic!("{name}: expected {expect:?}, got {got:?}"),
        }
        found += 1;
    }
    assert_eq!(found, cases.len());
    assert!(cases.len() >= 30, "{} cases", cases.len());
}

#[test]
fn an_appender_trusts_only_the_file_it_left_and_shares_it_with_other_writers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut server = Appender::new(path.clone());
    for i in 0..3 {
        server.append(record(i)).unwrap();
    }
    // Another writer (`panoptic keys create`) appends between two of the server's entries.
    append(&path, record(100)).unwrap();
    let head = server.append(record(3)).unwrap();
    assert_eq!(head.entries, 5);
    assert_eq!(verify(&path).unwrap(), head, "one chain, whoever wrote");
    // An edit between two appends (same length, so only the time tells) is refused.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"who\":\"ci\"", "\"who\":\"xx\"");
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, text).unwrap();
    let err = server.append(record(4)).unwrap_err();
    assert!(matches!(err, AuditError::Broken { line: 1, .. }), "{err}");
}
