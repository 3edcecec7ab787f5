//! Frames: `frame=<css> >> …` acts inside same-origin and cross-origin iframes (a second
//! loopback server, under another host name and under the same one), also two cross-origin
//! steps deep: auto-wait for frames added late, real clicks at the right place despite margins,
//! borders, padding and frames below the fold.

use std::path::Path;

use crate::server::StaticServer;
use crate::support::panoptic_with;

const YAML: &str = r##"name: frames
settings: { retries: 0, screenshot_on_failure: false, timeouts: { action: 20s } }
apps:
  - name: inside
    url: "${FIXTURES}/framed.html?other=${OTHER}"
    actions:
      - { type: fill, selector: "frame=#pay >> placeholder=Card holder", value: "Ada" }
      - { type: click, selector: "frame=#pay >> role=button[name='Pay now']" }
      - { type: assert_text, selector: "frame=#pay >> #result", equals: "Paid by Ada" }
      - { type: assert_count, selector: "#result", count: 0 }
      - { type: assert_text, selector: "#outside", equals: "outside the frame" }
  - name: another-site
    url: "${FIXTURES}/framed.html?other=${OTHER}"
    actions:
      - { type: fill, selector: "frame=#foreign >> placeholder=Card holder", value: "Bo" }
      - { type: click, selector: "frame=#foreign >> #go" }
      - { type: assert_text, selector: "frame=#foreign >> #result", equals: "Paid by Bo" }
      - { type: assert_url, contains: "/framed.html" }
  - name: same-site-other-port
    url: "${FIXTURES}/framed.html?other=${OTHER}"
    actions:
      - { type: fill, selector: "frame=#neighbour >> #name", value: "Cy" }
      - { type: press, selector: "frame=#neighbour >> #go", key: "Enter" }
      - { type: assert_text, selector: "frame=#neighbour >> text=Paid by", equals: "Paid by Cy" }
      - { type: assert_count, selector: "frame=iframe >> #go", count: 3 }
  - name: two-steps-deep
    url: "${FIXTURES}/framed.html?other=${OTHER}"
    actions:
      - { type: fill, selector: "frame=#outer >> frame=#back >> #name", value: "Di" }
      - { type: click, selector: "frame=#outer >> frame=#back >> #go" }
      - { type: assert_text, selector: "frame=#outer >> frame=#back >> #result", equals: "Paid by Di" }
      - { type: assert_text, selector: "frame=#pay >> #result", equals: "" }
  - name: wrong-inside
    url: "${FIXTURES}/framed.html?other=${OTHER}"
    actions:
      - { type: assert_text, selector: "frame=#foreign >> #go", equals: "Pay later", timeout: 1s }
"##;

#[test]
fn same_and_cross_origin_frames_are_reached() {
    let other =
        StaticServer::start(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/site")).expect("second server");
    let run = panoptic_with(&["run"], YAML, &[], &[("OTHER", &other.url)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for name in ["inside", "another-site", "same-site-other-port", "two-steps-deep"] {
        assert_eq!(run.test(name)["status"], "passed", "{}", run.test(name));
    }
    let err = run.test("wrong-inside")["attempts"][0]["steps"][1]["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(err.contains("Pay now"), "the frame's actual text is reported: {err}");
}
