//! Reading the grid's `/status`.

use serde_json::json;

use super::*;

#[test]
fn status_counts_capacity_and_running_sessions_of_nodes_that_are_up() {
    let v = json!({ "value": { "ready": true, "message": "Selenium Grid ready.", "nodes": [
        { "availability": "UP", "maxSessions": 2, "slots": [
            { "session": null }, { "session": { "sessionId": "a" } }, { "session": null } ] },
        { "availability": "DOWN", "maxSessions": 4, "slots": [ { "session": { "sessionId": "b" } } ] },
    ] } });
    assert_eq!(
        parse_status(&v),
        GridStatus {
            ready: true,
            message: "Selenium Grid ready.".into(),
            capacity: 2,
            running: 1,
        }
    );
    let empty = parse_status(&json!({ "value": { "ready": false, "message": "no nodes" } }));
    assert!(!empty.ready && empty.capacity == 0);
}
