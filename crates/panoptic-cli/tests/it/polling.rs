//! Polls that look again when the page changes: what they promise holds on a page that never
//! stops changing, changes inside a shadow root or a frame, blocks its only thread, and replaced
//! the observers, timers and listeners of its own world.

use std::time::Duration;

use crate::support::panoptic_with;

#[test]
fn polls_hold_on_a_page_that_never_stops_changing_or_blocks_its_thread() {
    let yaml = r##"name: changing
settings: { retries: 0, screenshot_on_failure: false, timeouts: { expect: 5s, action: 5s } }
apps:
  - name: waits
    url: "${FIXTURES}/changing.html"
    actions:
      - { type: assert_text, selector: "#inner", equals: ready }
      - { type: assert_visible, selector: "#late" }
      - { type: click, selector: "#block" }
      - { type: assert_text, selector: "#after", equals: unblocked }
      - { type: wait, selector: "#late", state: visible }
  - name: never
    url: "${FIXTURES}/changing.html"
    actions:
      - { type: assert_text, selector: "#tick", equals: never, timeout: 1s }
"##;
    let run = panoptic_with(&["run"], yaml, &[], &[]);
    let results = run.results();
    let tests = results["tests"].as_array().unwrap();
    let by = |name: &str| tests.iter().find(|t| t["name"] == name).unwrap().clone();
    assert_eq!(by("waits")["status"], "passed", "{}\n{:#}", run.stderr, by("waits"));
    let never = by("never");
    assert_eq!(never["status"], "failed", "{never:#}");
    let step = &never["attempts"][0]["steps"][1];
    let message = step["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("assert_text of `#tick` failed after 1s"),
        "{message}"
    );
    assert_eq!(step["error"]["expected"], "text equal to \"never\"", "{step:#}");
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// A poll's wait ends at a change inside a same-origin frame — in its document, by its load,
/// and in the document that load brought — not only at one in the top document.
#[test]
fn a_change_inside_a_frame_ends_a_polls_wait() {
    let marker = format!("--panoptic-test-marker=frame-watch-{}", std::process::id());
    let site = crate::support::fixtures();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = crate::pool::local_pool(&marker);
        let mut session = crate::pool::open_tab(&pool, &format!("{site}/frame-change.html")).await;
        let page = &mut session.page;
        let frame = "document.getElementById('f').contentDocument";
        let loaded = |n: &str| format!("{frame}.readyState === 'complete' && {frame}.location.search === '{n}'");
        for (query, later) in [
            ("", format!("{frame}.body.append('changed')")),
            (
                "",
                "document.getElementById('f').src = 'frame-still.html?again'".to_owned(),
            ),
            (
                "?again",
                format!("{frame}.getElementById('text').textContent = 'moved'"),
            ),
        ] {
            let ready = std::time::Instant::now() + Duration::from_secs(10);
            while page.eval(&loaded(query)).await.unwrap() != serde_json::json!(true) {
                assert!(std::time::Instant::now() < ready, "the frame never loaded {query}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // Nothing else changes on these pages: a wait that ends early ended at the change.
            page.eval(&format!("setTimeout(() => {{ {later}; }}, 300); true"))
                .await
                .unwrap();
            assert!(
                page.changed_within(Duration::from_secs(5)).await,
                "the wait did not end at: {later}"
            );
        }
        session.close().await;
        pool.shutdown().await;
    });
}
