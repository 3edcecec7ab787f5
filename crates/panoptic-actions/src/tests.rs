//! Unit tests of the actions against the fake `Page`.

use std::time::Duration;

use panoptic_core::config::{ActionKind, Allow, ImageFormat, TextMatch};
use panoptic_core::testing::{FakeElement, FakePage};

use crate::{Ctx, Outcome, join_url, run};

async fn step(
    page: &mut FakePage,
    kind: ActionKind,
    timeout_ms: u64,
) -> Result<Outcome, panoptic_core::results::StepError> {
    let allow = Allow {
        eval: true,
        ..Allow::default()
    };
    step_allowing(page, kind, timeout_ms, &allow).await
}

async fn step_allowing(
    page: &mut FakePage,
    kind: ActionKind,
    timeout_ms: u64,
    allow: &Allow,
) -> Result<Outcome, panoptic_core::results::StepError> {
    step_with(page, kind, timeout_ms, allow, false).await
}

async fn step_with(
    page: &mut FakePage,
    kind: ActionKind,
    timeout_ms: u64,
    allow: &Allow,
    strict: bool,
) -> Result<Outcome, panoptic_core::results::StepError> {
    let mut errors = Vec::new();
    let mut ctx = Ctx {
        page,
        timeout: Duration::from_millis(timeout_ms),
        base_url: Some("http://127.0.0.1:9/app/index.html"),
        allow,
        format: ImageFormat::Png,
        quality: 80,
        strict,
        events: &mut errors,
        fingerprint: false,
        touched: None,
    };
    let spec = panoptic_core::config::spec_of(&kind).expect("every kind has a registry entry");
    run(spec, &kind, &mut ctx).await
}

#[tokio::test(start_paused = true)]
async fn click_waits_for_a_late_element() {
    let mut page = FakePage::default();
    page.elements.push(FakeElement {
        appears_after: 3,
        ..FakeElement::new("#late", "Go")
    });
    step(
        &mut page,
        ActionKind::Click {
            selector: "#late".into(),
        },
        2000,
    )
    .await
    .unwrap();
    assert!(page.resolves > 3);
    assert_eq!(page.log.lock().unwrap().last().unwrap(), "click #late");
}

/// How long (virtual time) a click waits for an element that shows up at the 7th look, on a
/// page that `changes` all the time or never; and the page's log.
async fn wait_for_late_element(changes: bool) -> (Duration, Vec<String>) {
    let mut page = FakePage {
        changes,
        ..FakePage::default()
    };
    page.elements.push(FakeElement {
        appears_after: 6,
        ..FakeElement::new("#late", "Go")
    });
    let t = tokio::time::Instant::now();
    let click = ActionKind::Click {
        selector: "#late".into(),
    };
    step(&mut page, click, 5000).await.unwrap();
    let log = page.log.lock().unwrap().clone();
    (t.elapsed(), log)
}

#[tokio::test(start_paused = true)]
async fn a_change_in_the_page_ends_a_wait_but_a_busy_page_is_checked_at_most_twice_per_delay() {
    // The waits before looks 2..7 are Playwright's delays (0, 20, 50, 100, 100, 100 ms).
    let (quiet, _) = wait_for_late_element(false).await;
    assert_eq!(quiet, Duration::from_millis(370));
    // A page that changes all the time: a change ends a wait at once, but the wait after a
    // look that a change woke is a whole one (0, change, 50, change, 100, change = 150 ms).
    let (busy, log) = wait_for_late_element(true).await;
    assert_eq!(busy, Duration::from_millis(150));
    assert_eq!(log.iter().filter(|l| *l == "change").count(), 3);
}

#[tokio::test(start_paused = true)]
async fn missing_element_times_out_naming_locator_and_condition() {
    let mut page = FakePage::default();
    let err = step(
        &mut page,
        ActionKind::Click {
            selector: "#never".into(),
        },
        150,
    )
    .await
    .unwrap_err();
    assert!(err.message.contains("`#never`"), "{}", err.message);
    assert!(
        err.message.contains("visible, stable, enabled and not covered"),
        "{}",
        err.message
    );
    assert!(err.message.contains("no element matches"), "{}", err.message);
    assert_eq!(err.locator.as_deref(), Some("#never"));
}

#[tokio::test(start_paused = true)]
async fn disabled_element_reports_disabled() {
    let mut page = FakePage::default();
    page.elements.push(FakeElement {
        enabled: false,
        ..FakeElement::new("#b", "Save")
    });
    let err = step(&mut page, ActionKind::Click { selector: "#b".into() }, 100)
        .await
        .unwrap_err();
    assert!(err.message.contains("disabled"), "{}", err.message);
}

#[tokio::test(start_paused = true)]
async fn assert_text_shows_expected_and_actual() {
    let mut page = FakePage::default();
    page.elements.push(FakeElement::new(".flash", "Welcome back"));
    step(
        &mut page,
        ActionKind::AssertText {
            selector: ".flash".into(),
            expect: TextMatch::Contains("Welcome".into()),
        },
        100,
    )
    .await
    .unwrap();
    let err = step(
        &mut page,
        ActionKind::AssertText {
            selector: ".flash".into(),
            expect: TextMatch::Equals("Goodbye".into()),
        },
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(err.expected.as_deref(), Some("text equal to \"Goodbye\""));
    assert_eq!(err.actual.as_deref(), Some("Welcome back"));
}

#[tokio::test(start_paused = true)]
async fn fill_needs_an_editable_element_and_sets_value() {
    let mut page = FakePage::default();
    page.elements.push(FakeElement {
        value: Some(String::new()),
        ..FakeElement::new("#email", "")
    });
    step(
        &mut page,
        ActionKind::Fill {
            selector: "#email".into(),
            value: "a@b.c".into(),
        },
        500,
    )
    .await
    .unwrap();
    assert_eq!(page.elements[0].value.as_deref(), Some("a@b.c"));
}

#[tokio::test(start_paused = true)]
async fn eval_runs_the_script_as_written_only_when_allowed() {
    let mut page = FakePage::default();
    let eval = || ActionKind::Eval {
        script: "document.title".into(),
        save_as: None,
    };
    let out = step(&mut page, eval(), 100).await.unwrap();
    assert!(matches!(out, Outcome::Value(_)), "{out:?}");
    assert_eq!(page.log.lock().unwrap().last().unwrap(), "eval document.title");
    let err = step_allowing(&mut page, eval(), 100, &Allow::default())
        .await
        .unwrap_err();
    assert!(err.message.contains("`eval` is disabled"), "{}", err.message);
    assert_eq!(
        page.log.lock().unwrap().len(),
        1,
        "a refused eval never reaches the page"
    );
}

#[tokio::test(start_paused = true)]
async fn screenshots_cover_passwords_and_masks_while_taken_then_uncover() {
    let mut page = FakePage::default();
    page.elements.push(FakeElement::new("input[type=password]", ""));
    page.elements.push(FakeElement::new("#card", "4111"));
    page.elements.push(FakeElement {
        visible: false,
        ..FakeElement::new("#hidden", "")
    });
    let shot = ActionKind::Screenshot {
        filename: Some("a.png".into()),
        full_page: true,
        selector: None,
        mask: vec!["#card".into(), "#hidden".into()],
    };
    let out = step(&mut page, shot, 100).await.unwrap();
    assert!(
        matches!(&out, Outcome::Screenshot { filename: Some(f), .. } if f == "a.png"),
        "{out:?}"
    );
    let log = page.log.lock().unwrap().clone();
    let at = |prefix: &str| log.iter().position(|l| l.starts_with(prefix));
    let masks = log
        .iter()
        .filter(|l| l.starts_with("call") && l.contains("createElement('div')"))
        .count();
    assert_eq!(masks, 2, "the password field and #card, not the invisible one: {log:?}");
    let shot_at = at("screenshot full=true").expect("a full-page screenshot");
    assert!(
        log[..shot_at].iter().filter(|l| l.starts_with("call")).count() == 2,
        "{log:?}"
    );
    // Taken away afterwards, in each masked element's own document.
    let removals: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("call") && l.contains("d.remove()"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(removals.len(), 2, "{log:?}");
    assert!(removals.iter().all(|i| *i > shot_at), "{log:?}");
}

#[tokio::test(start_paused = true)]
async fn navigate_refuses_disallowed_schemes() {
    let mut page = FakePage::default();
    let err = step(
        &mut page,
        ActionKind::Navigate {
            url: "javascript:alert(1)".into(),
        },
        100,
    )
    .await
    .unwrap_err();
    assert!(err.message.contains("not allowed"), "{}", err.message);
    step(&mut page, ActionKind::Navigate { url: "/login".into() }, 100)
        .await
        .unwrap();
    assert_eq!(page.url, "http://127.0.0.1:9/login");
}

#[test]
fn urls_join_like_a_browser() {
    let base = Some("http://h:1/a/b.html?q#f");
    assert_eq!(join_url(base, "/x"), "http://h:1/x");
    assert_eq!(join_url(base, "c.html"), "http://h:1/a/c.html");
    assert_eq!(join_url(base, "https://o/"), "https://o/");
    assert_eq!(join_url(base, "?z"), "http://h:1/a/b.html?z");
    assert_eq!(join_url(None, "/x"), "/x");
    assert_eq!(join_url(Some("http://h:1"), "x"), "http://h:1/x");
}

#[test]
fn url_globs() {
    use crate::wait::glob_match;
    assert!(glob_match("done.html?name=Ada*", "http://h/done.html?name=Ada&x=1"));
    assert!(glob_match("http://h/*.html", "http://h/a.html"));
    assert!(!glob_match("http://h/*.html", "https://h/a.html"));
    assert!(glob_match("/second", "http://h/second.html"));
    assert!(!glob_match("*.png", "http://h/a.html"));
}

/// Strict locators: several matches fail an action or an assertion at once, listing them;
/// `assert_count` still counts them; without it the first match is used.
#[tokio::test(start_paused = true)]
async fn strict_locators_refuse_several_matches_at_once() {
    let mut page = FakePage::default();
    page.elements.push(FakeElement::new("li", "milk"));
    page.elements.push(FakeElement::new("li", "bread"));
    let allow = Allow::default();
    let click = || ActionKind::Click { selector: "li".into() };
    let err = step_with(&mut page, click(), 5000, &allow, true).await.unwrap_err();
    assert_eq!(
        err.message,
        "strict mode: `li` matches 2 elements, not one: 1) <div> \"milk\", 2) <div> \"bread\""
    );
    assert_eq!(page.resolves, 1, "no waiting: the answer will not change by itself");
    let text = ActionKind::AssertText {
        selector: "li".into(),
        expect: panoptic_core::config::TextMatch::Equals("milk".into()),
    };
    let err = step_with(&mut page, text, 5000, &allow, true).await.unwrap_err();
    assert!(
        err.message.contains("strict mode: `li` matches 2 elements"),
        "{}",
        err.message
    );
    let count = ActionKind::AssertCount {
        selector: "li".into(),
        count: 2,
    };
    step_with(&mut page, count, 5000, &allow, true).await.unwrap();
    step_with(&mut page, click(), 5000, &allow, false).await.unwrap();
    assert_eq!(page.log.lock().unwrap().last().unwrap(), "click li");
}
