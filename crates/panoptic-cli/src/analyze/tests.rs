//! The made config keeps the URL quoted; the table escapes its cells.

use serde_json::json;

use super::{config_text, markdown};

#[test]
fn the_url_stays_inside_its_quotes_and_the_table_escapes_cells() {
    let text = config_text("http://h/a\"\n  - name: evil", "", "{ type: vision_report }");
    assert!(text.contains("url: \"http://h/a\\\"\\n  - name: evil\""), "{text}");
    let table = markdown(&[
        json!({ "impact": "moderate", "kind": "console_error", "message": "a | b" }),
        json!({ "impact": "critical", "kind": "label", "message": "field", "locator": "#a", "recommendation": "label it" }),
    ]);
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 4);
    assert!(
        rows[2].starts_with("| critical | label | field | `#a` | label it |"),
        "{table}"
    );
    assert!(rows[3].contains("a \\| b"), "{table}");
    assert_eq!(markdown(&[]), "No findings.\n");
}
