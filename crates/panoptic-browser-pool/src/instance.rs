//! One connected browser: its process (when local), how many contexts it served and serves,
//! whether it is alive or retiring, and its latest memory sample. Sessions hold it; the last
//! session of a retiring browser closes it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use chromiumoxide::Browser;

use crate::launch::LocalProcess;

/// Waits (up to `max`) until `done` holds, looking again each time `notify` wakes its waiters.
/// Registered for the wake-up before each look, so a change in between is not missed.
pub(crate) async fn until(notify: &tokio::sync::Notify, max: Duration, done: impl Fn() -> bool) {
    let _ = tokio::time::timeout(max, async {
        loop {
            let changed = notify.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if done() {
                return;
            }
            changed.await;
        }
    })
    .await;
}

/// One connected browser.
pub(crate) struct Instance {
    pub(crate) browser: Browser,
    pub(crate) process: StdMutex<Option<LocalProcess>>,
    pub(crate) pgid: Option<u32>,
    pub(crate) served: AtomicU32,
    pub(crate) active: AtomicU32,
    pub(crate) alive: Arc<AtomicBool>,
    pub(crate) retiring: AtomicBool,
    pub(crate) label: String,
    /// Latest memory (PSS) sample of the process tree, in KiB.
    pub(crate) mem_kb: AtomicU64,
    /// The Selenium Grid session behind this browser, deleted when it closes.
    pub(crate) grid_session: StdMutex<Option<crate::grid::GridSession>>,
    /// Contexts of ended sessions still being disposed, and a signal when one is done.
    pub(crate) disposing: AtomicU32,
    pub(crate) disposed: tokio::sync::Notify,
    /// The pool's count of tests still to start ([`crate::BrowserPool`]'s `upcoming`).
    pub(crate) upcoming: Arc<AtomicUsize>,
}

/// How long a context whose session ended after the run's last test started waits, frozen,
/// before it is disposed: a run's end kills the browser sooner, a pool that serves on does not.
const LINGER: Duration = Duration::from_secs(2);

impl Instance {
    pub(crate) fn is_alive(&self) -> bool {
        if !self.alive.load(Ordering::Acquire) {
            return false;
        }
        let exited = self
            .process
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .is_some_and(|p| !matches!(p.child.try_wait(), Ok(None)));
        if exited {
            self.alive.store(false, Ordering::Release);
        }
        !exited
    }

    pub(crate) fn is_retiring(&self) -> bool {
        self.retiring.load(Ordering::Acquire)
    }

    /// A session of this browser ended; a retiring browser closes after its last one.
    pub(crate) fn release(self: &Arc<Self>) {
        let left = self.active.fetch_sub(1, Ordering::AcqRel).saturating_sub(1);
        if left == 0 && self.retiring.load(Ordering::Acquire) {
            let me = self.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move { me.close().await });
            }
        }
    }

    /// Disposes an ended session's context in the background, then releases the session: the
    /// attempt that used it does not wait (under load a dispose took 30-80 ms of every test),
    /// and no later test can see it either way — each has its own context. A local browser
    /// killed at the end takes its pending contexts with it; a remote one is waited for
    /// ([`Instance::close`]), so no context is left on a browser panoptic does not own.
    ///
    /// Once no test is left to start, a local browser's context is not disposed at once: its
    /// tab is frozen (no timers, no frames) and the session released, and the context is
    /// disposed after [`LINGER`] unless the browser is gone by then (a page stuck in a loop
    /// is not stopped by a freeze: it keeps its core until then). A disposal costs the
    /// browser's main thread — which every tab's messages pass through — 20-30 ms, and the
    /// run's last tests waited behind those of the tests that ended before them (16-test suite:
    /// 0.17-0.22 s less wall time in paired runs; docs/PERFORMANCE.md).
    pub(crate) fn dispose_later(
        self: &Arc<Self>,
        ctx: chromiumoxide::cdp::browser_protocol::browser::BrowserContextId,
        page: &chromiumoxide::Page,
    ) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            self.release();
            return;
        };
        let me = self.clone();
        if self.pgid.is_some() && self.upcoming.load(Ordering::Acquire) == 0 {
            use chromiumoxide::cdp::browser_protocol::page::{SetWebLifecycleStateParams, SetWebLifecycleStateState};
            self.release();
            let page = page.clone();
            rt.spawn(async move {
                let frozen = SetWebLifecycleStateParams::new(SetWebLifecycleStateState::Frozen);
                let _ = tokio::time::timeout(Duration::from_secs(2), page.execute(frozen)).await;
                tokio::time::sleep(LINGER).await;
                if me.alive.load(Ordering::Acquire) {
                    let _ = tokio::time::timeout(Duration::from_secs(5), me.browser.dispose_browser_context(ctx)).await;
                }
            });
            return;
        }
        self.disposing.fetch_add(1, Ordering::AcqRel);
        rt.spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(5), me.browser.dispose_browser_context(ctx)).await;
            me.disposing.fetch_sub(1, Ordering::AcqRel);
            me.disposed.notify_waiters();
            me.release();
        });
    }

    pub(crate) async fn close(&self) {
        if self.pgid.is_none() {
            // A remote browser outlives the run: leave none of the run's contexts on it.
            until(&self.disposed, Duration::from_secs(5), || {
                self.disposing.load(Ordering::Acquire) == 0
            })
            .await;
        }
        tracing::debug!(browser = %self.label, served = self.served.load(Ordering::Relaxed), "closing browser");
        // A local browser on panoptic's throwaway profile is killed at once: nothing of it is
        // kept, and a polite close costs the end of every run ~80 ms. One on a profile of the
        // user's is asked to close first, so it can write that profile.
        let own_profile = self
            .process
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|p| p.own_profile);
        if own_profile {
            let close = chromiumoxide::cdp::browser_protocol::browser::CloseParams::default();
            let _ = tokio::time::timeout(Duration::from_secs(2), self.browser.execute(close)).await;
        }
        // Cleared only once deleted: a close that the runtime's end cuts short leaves it for
        // the pool's shutdown, which closes every browser again (a second delete is harmless).
        let grid = self.grid_session.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(s) = grid
            && s.delete().await
        {
            *self.grid_session.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        let proc = self.process.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut p) = proc {
            p.kill().await;
        }
    }

    pub(crate) fn mem_mb(&self) -> u64 {
        self.mem_kb.load(Ordering::Relaxed) / 1024
    }
}
