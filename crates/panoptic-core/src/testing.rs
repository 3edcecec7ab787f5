//! In-memory fakes for unit tests of the crates above: a `Page` whose elements are matched by
//! their CSS selector string, and a `SessionSource` that leases such pages. Both can be told
//! to go wrong ([`Fault`]): fail, hang, crash, or have no browser — so the executor's rules
//! for retries, flaky tests, crashes, timeouts and interrupts are tested without a browser.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::config::SelectBy;
use crate::locator::Locator;
use crate::page::*;
use crate::session::{LeaseError, LeaseOpts, Session, SessionSource};

/// One fake element.
#[derive(Clone, Debug, Default)]
pub struct FakeElement {
    /// Matched when the locator's source equals this string.
    pub selector: String,
    /// Text.
    pub text: String,
    /// Value of a form control.
    pub value: Option<String>,
    /// Visible.
    pub visible: bool,
    /// Enabled.
    pub enabled: bool,
    /// Not attached until this many `resolve` calls have been made.
    pub appears_after: u32,
    /// `checked`.
    pub checked: Option<bool>,
    /// Its node in the accessibility tree.
    pub ax: Option<AxNode>,
}

impl FakeElement {
    /// A visible, enabled element.
    pub fn new(selector: &str, text: &str) -> FakeElement {
        FakeElement {
            selector: selector.into(),
            text: text.into(),
            visible: true,
            enabled: true,
            ..Default::default()
        }
    }
}

/// What goes wrong with one leased page (the first navigation shows it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fault {
    /// Nothing.
    #[default]
    None,
    /// Navigation fails with a page error (the test fails; a retry may pass).
    Fail,
    /// Navigation never finishes (only a timeout or an interrupt ends it).
    Hang,
    /// The browser dies: navigation fails with `Closed` and `is_crashed` turns true.
    Crash,
    /// The lease itself fails: no browser could be started.
    NoBrowser,
}

/// A fake tab; every call is appended to `log`.
#[derive(Clone, Debug, Default)]
pub struct FakePage {
    /// Current URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Elements.
    pub elements: Vec<FakeElement>,
    /// Number of `resolve` calls so far.
    pub resolves: u32,
    /// Calls made, e.g. `click #go`.
    pub log: Arc<Mutex<Vec<String>>>,
    /// Events to hand out.
    pub events: Vec<PageEvent>,
    /// Dialog policy last set.
    pub dialog: Option<DialogPolicy>,
    /// What goes wrong with this page.
    pub fault: Fault,
    /// The browser behind it died.
    pub crashed: bool,
    /// Size of the screenshots it takes (0: a tiny one).
    pub screenshot_size: usize,
    /// The guard its navigations pass, once set.
    pub guard: Option<Arc<dyn RequestGuard>>,
    /// The page changes all the time: every `changed_within` returns true at once (logged as
    /// `change`). Otherwise the page cannot watch for changes and returns false at once.
    pub changes: bool,
}

fn info(i: usize, e: &FakeElement) -> ElementInfo {
    ElementInfo {
        handle: i as u64,
        tag: "div".into(),
        visible: e.visible,
        enabled: e.enabled,
        editable: e.value.is_some(),
        stable: true,
        covered_by: None,
        rect: Rect {
            x: 0.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        },
        text: e.text.clone(),
        value: e.value.clone(),
        checked: e.checked,
        fingerprint: None,
    }
}

impl FakePage {
    fn record(&self, s: String) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(s);
    }

    fn element(&mut self, handle: u64) -> Result<&mut FakeElement, PageError> {
        self.elements.get_mut(handle as usize).ok_or(PageError::Detached)
    }
}

#[async_trait]
impl Page for FakePage {
    async fn goto(&mut self, url: &str) -> Result<(), PageError> {
        self.record(format!("goto {url}"));
        if let Some(why) = self.guard.as_ref().and_then(|g| g.refuse(url, true)) {
            self.events.push(PageEvent::RequestFailed {
                url: url.to_owned(),
                reason: why.clone(),
            });
            return Err(PageError::Navigation {
                url: url.to_owned(),
                reason: why,
            });
        }
        match self.fault {
            Fault::None | Fault::NoBrowser => {}
            Fault::Fail => {
                return Err(PageError::Navigation {
                    url: url.to_owned(),
                    reason: "net::ERR_CONNECTION_REFUSED".into(),
                });
            }
            Fault::Hang => std::future::pending::<()>().await,
            Fault::Crash => {
                self.crashed = true;
                return Err(PageError::Closed("the browser process died".into()));
            }
        }
        self.url = url.to_owned();
        Ok(())
    }
    async fn reload(&mut self) -> Result<(), PageError> {
        self.record("reload".into());
        Ok(())
    }
    async fn history(&mut self, delta: i32) -> Result<(), PageError> {
        self.record(format!("history {delta}"));
        Ok(())
    }
    async fn resolve(&mut self, locator: &Locator, _opts: ResolveOpts) -> Result<Vec<ElementInfo>, PageError> {
        self.resolves += 1;
        let n = self.resolves;
        Ok(self
            .elements
            .iter()
            .enumerate()
            .filter(|(_, e)| e.selector == locator.source && n > e.appears_after)
            .map(|(i, e)| info(i, e))
            .collect())
    }
    async fn click(&mut self, el: &ElementInfo, count: u32) -> Result<(), PageError> {
        let e = self.element(el.handle)?;
        if let Some(c) = e.checked.as_mut() {
            *c = !*c;
        }
        let s = format!("click{} {}", if count > 1 { "x2" } else { "" }, e.selector);
        self.record(s);
        Ok(())
    }
    async fn fill(&mut self, el: &ElementInfo, text: &str) -> Result<(), PageError> {
        let e = self.element(el.handle)?;
        e.value = Some(text.to_owned());
        let s = format!("fill {} {text}", e.selector);
        self.record(s);
        Ok(())
    }
    async fn focus(&mut self, el: &ElementInfo) -> Result<(), PageError> {
        let s = format!("focus {}", self.element(el.handle)?.selector);
        self.record(s);
        Ok(())
    }
    async fn press(&mut self, key: &str) -> Result<(), PageError> {
        self.record(format!("press {key}"));
        Ok(())
    }
    async fn hover(&mut self, el: &ElementInfo) -> Result<(), PageError> {
        let s = format!("hover {}", self.element(el.handle)?.selector);
        self.record(s);
        Ok(())
    }
    async fn select(&mut self, el: &ElementInfo, by: &SelectBy) -> Result<Vec<String>, PageError> {
        let v = match by {
            SelectBy::Value(v) | SelectBy::Label(v) => v.clone(),
        };
        self.element(el.handle)?.value = Some(v.clone());
        self.record(format!("select {v}"));
        Ok(vec![v])
    }
    async fn set_files(&mut self, el: &ElementInfo, files: &[PathBuf]) -> Result<(), PageError> {
        self.element(el.handle)?;
        self.record(format!("files {}", files.len()));
        Ok(())
    }
    async fn call_on(&mut self, el: &ElementInfo, function: &str) -> Result<serde_json::Value, PageError> {
        self.element(el.handle)?;
        self.record(format!("call {function}"));
        Ok(serde_json::Value::Null)
    }
    /// Every element, as if the function returned them all.
    async fn elements_from(&mut self, el: &ElementInfo, function: &str) -> Result<Vec<ElementInfo>, PageError> {
        self.element(el.handle)?;
        self.record(format!("elements {function}"));
        Ok(self.elements.iter().enumerate().map(|(i, e)| info(i, e)).collect())
    }
    async fn accessibility(&mut self, els: &[ElementInfo]) -> Result<Vec<Option<AxNode>>, PageError> {
        els.iter()
            .map(|el| self.element(el.handle).map(|e| e.ax.clone()))
            .collect()
    }
    async fn eval(&mut self, script: &str) -> Result<serde_json::Value, PageError> {
        self.record(format!("eval {script}"));
        Ok(serde_json::Value::from(script.len()))
    }
    async fn screenshot(&mut self, opts: &ScreenshotOpts) -> Result<Vec<u8>, PageError> {
        self.record(format!("screenshot full={}", opts.full_page));
        let mut png = b"\x89PNG fake".to_vec();
        png.resize(png.len().max(self.screenshot_size), 0);
        Ok(png)
    }
    async fn url(&mut self) -> Result<String, PageError> {
        Ok(self.url.clone())
    }
    async fn title(&mut self) -> Result<String, PageError> {
        Ok(self.title.clone())
    }
    async fn pending_requests(&mut self) -> Result<usize, PageError> {
        Ok(0)
    }
    async fn changed_within(&mut self, _max: std::time::Duration) -> bool {
        if self.changes {
            self.record("change".into());
        }
        self.changes
    }
    fn set_dialog_policy(&mut self, policy: DialogPolicy) {
        self.dialog = Some(policy);
    }
    async fn guard_requests(&mut self, guard: Arc<dyn RequestGuard>) -> Result<(), PageError> {
        self.record("guard".into());
        self.guard = Some(guard);
        Ok(())
    }
    fn drain_events(&mut self) -> Vec<PageEvent> {
        std::mem::take(&mut self.events)
    }
    fn is_crashed(&self) -> bool {
        self.crashed
    }
    async fn close(self: Box<Self>) {
        self.record("close".into());
    }
}

/// Leases clones of a template page; counts leases. Each lease takes the next planned
/// [`Fault`], if any.
#[derive(Clone, Debug, Default)]
pub struct FakeSource {
    /// Each lease gets a clone of this page (sharing its `log`).
    pub template: FakePage,
    /// Faults for the next leases, in order; a lease with none left gets a healthy page.
    pub faults: Arc<Mutex<VecDeque<Fault>>>,
    /// Leases handed out (or refused) so far.
    pub leases: Arc<AtomicU32>,
    /// What the caller said of the tests still to start, in order (`SessionSource::upcoming`).
    pub upcoming: Arc<Mutex<Vec<usize>>>,
}

impl FakeSource {
    /// A source whose next leases go wrong as `faults` says.
    pub fn with_faults(template: FakePage, faults: &[Fault]) -> FakeSource {
        FakeSource {
            template,
            faults: Arc::new(Mutex::new(faults.iter().copied().collect())),
            leases: Arc::default(),
            upcoming: Arc::default(),
        }
    }
}

#[async_trait]
impl SessionSource for FakeSource {
    async fn lease(&self, _opts: &LeaseOpts) -> Result<Session, LeaseError> {
        self.leases.fetch_add(1, Ordering::AcqRel);
        let fault = self
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
            .unwrap_or_default();
        if fault == Fault::NoBrowser {
            return Err(LeaseError::NoBrowser("chromium not found (fake)".into()));
        }
        let mut page = self.template.clone();
        page.fault = fault;
        Ok(Session { page: Box::new(page) })
    }
    fn browser_version(&self) -> Option<String> {
        Some("fake".into())
    }
    fn upcoming(&self, tests: usize) {
        self.upcoming.lock().unwrap_or_else(|e| e.into_inner()).push(tests);
    }
}
