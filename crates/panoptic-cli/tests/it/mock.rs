//! `mock` and `assert_requests` in real Chromium: the given status, body, headers and delay;
//! abort; unmatched requests pass through; counts are exact; a mocked API makes the page show
//! what its real server never returns (`/api/todos` only ever says `real`), also inside a
//! cross-origin frame; body files come from the config's folder and nowhere else.

use std::path::Path;

use crate::server::StaticServer;
use crate::support::panoptic_with;

const YAML: &str = r##"name: mocks
settings: { retries: 0, screenshot_on_failure: false }
apps:
  - name: real
    url: "${FIXTURES}/mock.html"
    actions:
      - { type: assert_text, selector: "#items", equals: "real" }
      - { type: assert_text, selector: "#speed", equals: "fast" }
      - { type: assert_requests, url: "**/api/todos", count: 1 }
  - name: mocked-json
    actions:
      - { type: mock, url: "**/api/todos", json: [{ title: mocked one }, { title: mocked two }] }
      - { type: navigate, url: "${FIXTURES}/mock.html" }
      - { type: assert_text, selector: "#items", equals: "mocked one mocked two" }
      - { type: assert_text, selector: "#state", equals: "loaded" }
      - { type: assert_text, selector: "#other", equals: "real-other" }
      - { type: assert_requests, url: "**/api/todos", count: 1 }
      - { type: assert_requests, url: "**/api/todos", method: POST, count: 0 }
      - { type: assert_requests, url_regex: "/api/(todos|other)$", count: 2 }
      - { type: assert_requests, url: "**/api/todos", count: 3, timeout: 500ms, optional: true }
  - name: status-and-text
    url: "${FIXTURES}/mock.html"
    actions:
      - { type: mock, url: /api/todos, status: 503, body: "down", headers: { x-mocked: "yes" } }
      - { type: reload }
      - { type: assert_text, selector: "#state", equals: "error 503" }
  - name: empty
    actions:
      - { type: mock, url: "**/api/todos", body_file: data/empty.json }
      - { type: navigate, url: "${FIXTURES}/mock.html" }
      - { type: assert_text, selector: "#state", equals: "nothing to do" }
  - name: delayed
    actions:
      - { type: mock, url: "**/api/todos", json: [{ title: late }], delay: 1200ms }
      - { type: navigate, url: "${FIXTURES}/mock.html" }
      - { type: assert_text, selector: "#state", equals: "loading" }
      - { type: assert_text, selector: "#items", equals: "late" }
      - { type: assert_text, selector: "#speed", equals: "slow" }
  - name: aborted
    actions:
      - { type: mock, url: "**/api/todos", abort: ConnectionRefused }
      - { type: navigate, url: "${FIXTURES}/mock.html" }
      - { type: assert_text, selector: "#state", equals: "network error" }
      - { type: assert_text, selector: "#other", equals: "real-other" }
  - name: in-a-frame
    actions:
      - { type: mock, url: "**/api/todos", json: [{ title: framed mock }] }
      - { type: navigate, url: "${FIXTURES}/mock.html?frame=${OTHER}" }
      - { type: assert_text, selector: "frame=#inner >> #framed", equals: "framed mock" }
      - { type: assert_requests, url: "${OTHER}/api/todos", count: 1 }
      - { type: assert_requests, url: "**/api/todos", count: 2 }
  - name: latest-wins
    actions:
      - { type: mock, url: "**/api/todos", json: [{ title: first }] }
      - { type: mock, url: "**/api/*", json: [{ title: second }] }
      - { type: navigate, url: "${FIXTURES}/mock.html" }
      - { type: assert_text, selector: "#items", equals: "second" }
      - { type: assert_text, selector: "#other", contains: "second" }
  - name: from-the-first-load
    url: "${FIXTURES}/mock.html"
    mocks:
      - { url: /api/todos, json: [{ title: before the page opened }] }
    actions:
      - { type: assert_text, selector: "#items", equals: "before the page opened" }
      - { type: assert_requests, url: "**/api/todos", count: 1 }
  - name: outside
    actions:
      - { type: mock, url: "**/api/todos", body_file: "../../../../../../../../../etc/hostname" }
"##;

#[test]
fn mocks_answer_abort_delay_and_pass_the_rest_through() {
    let other =
        StaticServer::start(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/site")).expect("second server");
    let tmp_parent_file = ("data/empty.json", "[]");
    let run = panoptic_with(&["run"], YAML, &[tmp_parent_file], &[("OTHER", &other.url)]);
    run.assert_passed(&[
        "real",
        "mocked-json",
        "status-and-text",
        "empty",
        "delayed",
        "aborted",
        "in-a-frame",
        "latest-wins",
        "from-the-first-load",
    ]);
    // An app's `mocks` are steps before its url opens: the page's first request is answered.
    let first = &run.test("from-the-first-load")["attempts"][0]["steps"];
    assert_eq!(first[0]["action"], "mock", "{first:#}");
    assert_eq!(first[1]["action"], "navigate", "{first:#}");
    let too_many = &run.test("mocked-json")["attempts"][0]["steps"][8]["error"];
    assert_eq!(too_many["expected"], "3 request(s)", "{too_many:#}");
    assert_eq!(too_many["actual"], "1 request(s)", "{too_many:#}");
    assert!(
        too_many["message"].as_str().unwrap().contains("GET http://127.0.0.1"),
        "{too_many:#}"
    );
    let outside = &run.test("outside")["attempts"][0]["steps"][0]["error"]["message"];
    assert!(
        outside.as_str().unwrap().contains("is outside the config's folder"),
        "a body file must be inside the config's folder: {outside}"
    );
}
