//! Frames: `frame=<css> >> …` acts inside a same-origin iframe (auto-wait, real clicks at the
//! right place despite margins, borders and padding); a cross-origin one fails at once, saying so.

use crate::support::panoptic_with;

#[test]
fn same_origin_frames_are_reached_and_cross_origin_ones_refused_clearly() {
    let yaml = "name: frames\nsettings: { retries: 0, screenshot_on_failure: false, allow: { eval: true }, timeouts: { action: 20s } }\napps:\n  - name: inside\n    url: \"${FIXTURES}/framed.html\"\n    actions:\n      - { type: fill, selector: \"frame=#pay >> placeholder=Card holder\", value: \"Ada\" }\n      - { type: click, selector: \"frame=#pay >> role=button[name='Pay now']\" }\n      - { type: assert_text, selector: \"frame=#pay >> #result\", equals: \"Paid by Ada\" }\n      - { type: assert_count, selector: \"#result\", count: 0 }\n      - { type: assert_text, selector: \"#outside\", equals: \"outside the frame\" }\n  - name: foreign\n    url: \"${FIXTURES}/framed.html\"\n    actions:\n      - { type: click, selector: \"frame=#foreign >> #go\" }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.test("inside")["status"], "passed", "{}", run.test("inside"));
    let err = run.test("foreign")["attempts"][0]["steps"][1]["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        err.contains("is cross-origin: panoptic reaches into same-origin frames only"),
        "{err}"
    );
    assert!(!err.contains("timed out"), "refused at once: {err}");
}
