//! `http` steps against the loopback API: status, header and JSON checks that pass and fail
//! with expected/actual, `save_as` feeding a later `fill`, the browser's cookies both ways,
//! and the URL policy on the request and on every redirect.

use crate::support::panoptic_with;

const YAML: &str = r##"name: http
settings: { retries: 0, screenshot_on_failure: false, allow: { hosts: ["127.0.0.1"] } }
apps:
  - name: api-then-ui
    url: "${FIXTURES}/api-form.html"
    actions:
      - type: http
        url: /api/user
        expect_status: 200
        expect_headers: { Content-Type: application/json }
        expect_json: { "$.name": alice, "$.n": 3, "$.tags[1]": b }
        save_as: { token: "$.token", user: "$" }
      - { type: fill, selector: "#token", value: "${token}" }
      - { type: assert_value, selector: "#token", equals: "t-1" }
      - type: http
        method: POST
        url: /api/echo
        headers: { Authorization: "Bearer ${token}" }
        json: { user: alice, tags: [x, "${token}"] }
        expect_json: { "$.method": POST, "$.body.tags[1]": t-1, "$.content_type": application/json, "$.auth": "Bearer t-1" }
      - type: http
        method: PUT
        url: /api/echo
        body: "plain ${token}"
        expect_json: { "$.body": "plain t-1", "$.method": PUT }
      - type: http
        method: POST
        url: /api/echo
        body_file: data/payload.json
        expect_json: { "$.body.user": from-file, "$.content_type": application/json }
      - { type: http, method: POST, url: /api/echo, body_file: ../../../../../../../../../etc/hostname, optional: true }
  - name: checks-fail
    url: "${FIXTURES}/api-form.html"
    actions:
      - { type: http, url: /api/user, expect_status: 201, optional: true }
      - { type: http, url: /api/user, expect_headers: { x-request-id: "1" }, optional: true }
      - { type: http, url: /api/user, expect_json: { "$.name": bob }, optional: true }
      - { type: http, url: /api/user, expect_json: { "$.n": "3" }, optional: true }
      - { type: http, url: /api/teapot, expect_status: 200, optional: true }
      - { type: http, url: /api/user, expect_body: "carol", optional: true }
      - { type: http, url: /api/user, save_as: { x: "$.missing" }, optional: true }
  - name: cookies
    url: "${FIXTURES}/api-form.html"
    actions:
      - { type: http, url: /api/login, use_browser_cookies: true }
      - { type: navigate, url: /api-form.html }
      - { type: assert_text, selector: "#cookies", contains: "auth=yes" }
      - { type: http, url: /api/whoami, use_browser_cookies: true, expect_json: { "$.cookie": "auth=yes" } }
      - { type: http, url: /api/whoami, expect_json: { "$.cookie": "" } }
  - name: policy
    url: "${FIXTURES}/api-form.html"
    actions:
      - { type: http, url: "${ELSEWHERE}/api/user", optional: true }
      - { type: http, url: "/__redirect?to=http://localhost:9/api/user", optional: true }
      - { type: http, url: "/__redirect?to=/api/user", expect_json: { "$.name": alice } }
      - { type: http, url: "http://127.0.0.1:9/nothing", timeout: 5s, optional: true }
"##;

fn step_error(run: &crate::support::Run, test: &str, index: usize) -> serde_json::Value {
    run.test(test)["attempts"][0]["steps"][index]["error"].clone()
}

#[test]
fn http_steps_check_save_and_share_cookies_under_the_url_policy() {
    let run = panoptic_with(
        &["run"],
        YAML,
        &[("data/payload.json", r#"{ "user": "from-file" }"#)],
        &[("ELSEWHERE", "http://localhost:9")],
    );
    run.assert_passed(&["api-then-ui", "cookies", "checks-fail", "policy"]);
    let outside = &run.test("api-then-ui")["attempts"][0]["steps"][7]["error"]["message"];
    assert!(
        outside
            .as_str()
            .unwrap_or("")
            .contains("is outside the config's folder"),
        "a body file must be inside the config's folder: {outside}"
    );
    // The response is the step's output.
    let out = &run.test("api-then-ui")["attempts"][0]["steps"][1]["output"];
    assert_eq!(out["status"], 200, "{out:#}");
    assert_eq!(out["body"]["name"], "alice", "{out:#}");

    // Step 0 is the app url's navigation; the failing checks follow, each with expected/actual.
    let cases = [
        (1, "status 201", "status 200"),
        (2, "x-request-id containing \"1\"", "no x-request-id header"),
        (3, "$.name = \"bob\"", "\"alice\""),
        (4, "$.n = \"3\"", "3"),
        (5, "status 200", "status 418"),
    ];
    for (i, expected, actual) in cases {
        let e = step_error(&run, "checks-fail", i);
        assert_eq!(e["expected"], expected, "step {i}: {e:#}");
        assert_eq!(e["actual"], actual, "step {i}: {e:#}");
    }
    let teapot = &run.test("checks-fail")["attempts"][0]["steps"][5]["output"];
    assert_eq!(
        teapot["body"]["error"], "teapot",
        "a failed check keeps the response: {teapot:#}"
    );
    assert!(
        step_error(&run, "checks-fail", 6)["message"]
            .as_str()
            .unwrap()
            .contains("contain \"carol\"")
    );
    assert!(
        step_error(&run, "checks-fail", 7)["message"]
            .as_str()
            .unwrap()
            .contains("has no $.missing")
    );

    let refused = step_error(&run, "policy", 1)["message"].as_str().unwrap().to_owned();
    assert!(
        refused.contains("localhost"),
        "a host outside allow.hosts is refused: {refused}"
    );
    let redirect = step_error(&run, "policy", 2)["message"].as_str().unwrap().to_owned();
    assert!(
        redirect.contains("redirect to http://localhost:9/api/user refused"),
        "{redirect}"
    );
    let closed = step_error(&run, "policy", 4)["message"].as_str().unwrap().to_owned();
    assert!(closed.contains("GET http://127.0.0.1:9/nothing failed"), "{closed}");
}
