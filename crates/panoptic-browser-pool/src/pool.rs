//! The browser pool: `B` warm browsers (local ones it launches, remote ones it connects to),
//! one fresh incognito context + tab per lease, disposed when the session closes. A browser is
//! retired after `K` contexts or when its process tree's RSS passes the limit; a dead one is
//! dropped and replaced on the next lease. A monitor task samples memory (see `monitor`).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::target::{CreateBrowserContextParams, CreateTargetParams};
use chromiumoxide::error::CdpError;
use chromiumoxide::handler::HandlerConfig;
use futures::StreamExt;
use panoptic_core::session::{LeaseError, LeaseOpts, PoolStats, Session, SessionSource};
use tokio::sync::Mutex;

use crate::grid::{Grid, GridSession};
use crate::instance::{Instance, until};
use crate::launch::{LaunchOpts, LocalProcess, launch};
use crate::monitor::{History, TICK, Tick, group_usage, pss_due};
use crate::page::CdpPage;
use crate::pool_opts::PoolOpts;

/// A tab opened ahead of time, waiting for the next lease.
struct Ready {
    page: CdpPage,
    opts: LeaseOpts,
}

/// The pool's state, shared with its background tasks (monitor, prewarming).
struct Inner {
    opts: PoolOpts,
    instances: Mutex<Vec<Arc<Instance>>>,
    all: Arc<StdMutex<Vec<Arc<Instance>>>>,
    version: std::sync::OnceLock<String>,
    history: Arc<StdMutex<History>>,
    monitor: StdMutex<Option<tokio::task::JoinHandle<()>>>,
    launched: AtomicU32,
    ready: StdMutex<Vec<Ready>>,
    refilling: AtomicBool,
    /// Tests still to start, as the caller last said ([`SessionSource::upcoming`]); unknown
    /// (`usize::MAX`) until it says.
    upcoming: Arc<AtomicUsize>,
    /// Signalled whenever a prepared tab is added or refilling stops.
    ready_changed: tokio::sync::Notify,
    closed: AtomicBool,
    /// CDP messages chromiumoxide could not decode (DESIGN §1.1), counted for the debug log.
    undecoded: Arc<AtomicU64>,
    /// The grid leases come from, when one is configured (or why it cannot be used).
    grid: Option<Result<Grid, String>>,
}

fn handler_config() -> HandlerConfig {
    HandlerConfig {
        viewport: None,
        ..HandlerConfig::default()
    }
}

impl Inner {
    fn new(opts: PoolOpts) -> Inner {
        let grid = opts.grid.clone().map(Grid::new);
        Inner {
            grid,
            opts,
            instances: Mutex::new(Vec::new()),
            all: Arc::default(),
            version: std::sync::OnceLock::new(),
            history: Arc::default(),
            monitor: StdMutex::new(None),
            launched: AtomicU32::new(0),
            ready: StdMutex::new(Vec::new()),
            refilling: AtomicBool::new(false),
            upcoming: Arc::new(AtomicUsize::new(usize::MAX)),
            ready_changed: tokio::sync::Notify::new(),
            closed: AtomicBool::new(false),
            undecoded: Arc::default(),
        }
    }

    async fn connect(
        &self,
        ws: String,
        process: Option<LocalProcess>,
        label: String,
        grid_session: Option<GridSession>,
    ) -> Result<Arc<Instance>, String> {
        let pgid = process.as_ref().map(|p| p.pgid);
        let (browser, mut handler) = match Browser::connect_with_config(ws.clone(), handler_config()).await {
            Ok(pair) => pair,
            Err(e) => {
                if let Some(mut p) = process {
                    p.kill().await;
                }
                if let Some(s) = grid_session {
                    let _ = s.delete().await;
                }
                // The endpoint may carry credentials; the message goes to reports and logs.
                let shown = panoptic_security::text::without_credentials(&ws);
                let error = panoptic_security::text::without_credentials(&e.to_string()).replace(&ws, &shown);
                return Err(format!("cannot connect to the DevTools endpoint {shown}: {error}"));
            }
        };
        let alive = Arc::new(AtomicBool::new(true));
        let flag = alive.clone();
        let undecoded = self.undecoded.clone();
        let name = label.clone();
        tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                match event {
                    Ok(()) => {}
                    // The websocket is gone: the browser died or closed.
                    Err(e @ (CdpError::Ws(_) | CdpError::Io(_))) => {
                        tracing::debug!(target: "panoptic::cdp", "connection lost: {e}");
                        break;
                    }
                    Err(e) => {
                        undecoded.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(target: "panoptic::cdp", "handler error: {e}");
                    }
                }
            }
            flag.store(false, Ordering::Release);
            tracing::debug!(browser = %name, "browser connection closed");
        });
        if let Ok(v) = browser.version().await
            && self.version.set(v.product.clone()).is_ok()
        {
            tracing::debug!(version = %v.product, "browser started");
        }
        let inst = Arc::new(Instance {
            browser,
            process: StdMutex::new(process),
            pgid,
            served: AtomicU32::new(0),
            active: AtomicU32::new(0),
            alive,
            retiring: AtomicBool::new(false),
            label,
            mem_kb: AtomicU64::new(0),
            grid_session: StdMutex::new(grid_session),
            disposing: AtomicU32::new(0),
            disposed: tokio::sync::Notify::new(),
            upcoming: self.upcoming.clone(),
        });
        self.all.lock().unwrap_or_else(|e| e.into_inner()).push(inst.clone());
        self.start_monitor();
        Ok(inst)
    }

    async fn launch_local(&self, launch_opts: &LaunchOpts) -> Result<Arc<Instance>, String> {
        let proc = launch(launch_opts).await.map_err(|e| e.to_string())?;
        let n = self.launched.fetch_add(1, Ordering::Relaxed) + 1;
        let ws = proc.ws_url.clone();
        self.connect(ws, Some(proc), format!("local-{n}"), None).await
    }

    fn start_monitor(&self) {
        let mut guard = self.monitor.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_some() {
            return;
        }
        let history = self.history.clone();
        let all = self.all.clone();
        let budget_kb = self.opts.memory_budget_mb.saturating_mul(1024);
        let max_kb = self.opts.max_browser_rss_mb.saturating_mul(1024);
        *guard = Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(TICK);
            let (mut ticks, mut sessions) = (u32::MAX, 0u32);
            loop {
                tick.tick().await;
                ticks = ticks.saturating_add(1);
                let live: Vec<Arc<Instance>> = all
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .filter(|i| i.pgid.is_some() && i.is_alive())
                    .cloned()
                    .collect();
                // Also reap helpers Chromium detached (re-parented to us as subreaper).
                let exclude: Vec<u32> = live.iter().filter_map(|i| i.pgid).collect();
                let each: Vec<u64> = live.iter().map(|i| i.mem_kb.load(Ordering::Relaxed)).collect();
                let open: u32 = live.iter().map(|i| i.active.load(Ordering::Relaxed)).sum();
                let read = pss_due(Tick {
                    ticks,
                    budget_kb,
                    browsers_kb: &each,
                    max_browser_kb: max_kb,
                    started: open > 0 && sessions == 0,
                });
                let sample = tokio::task::spawn_blocking(move || {
                    crate::process::reap_orphans(&exclude);
                    if !read {
                        return 0;
                    }
                    let mut total = 0;
                    for i in &live {
                        let kb = i.pgid.map_or(0, |g| group_usage(g).pss_kb);
                        i.mem_kb.store(kb, Ordering::Relaxed);
                        total += kb;
                    }
                    total
                });
                let kb: u64 = sample.await.unwrap_or(0);
                if read {
                    (ticks, sessions) = (0, open);
                    history
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(Instant::now(), kb);
                }
            }
        }));
    }

    /// A browser of its own on the grid: a new session once a slot is free, serving this one
    /// lease (its session is deleted when the lease ends).
    async fn pick_on_grid(&self, grid: &Grid) -> Result<Arc<Instance>, LeaseError> {
        let (session, cdp) = grid.session().await.map_err(LeaseError::NoBrowser)?;
        let label = format!("grid-{}", session.id.get(..8).unwrap_or(&session.id));
        let inst = self
            .connect(cdp, None, label, Some(session))
            .await
            .map_err(LeaseError::NoBrowser)?;
        inst.retiring.store(true, Ordering::Release);
        inst.served.fetch_add(1, Ordering::AcqRel);
        inst.active.fetch_add(1, Ordering::AcqRel);
        Ok(inst)
    }

    /// Picks the browser for a new lease, starting or replacing browsers as needed.
    async fn pick(&self) -> Result<Arc<Instance>, LeaseError> {
        match &self.grid {
            Some(Ok(g)) => return self.pick_on_grid(g).await,
            Some(Err(e)) => return Err(LeaseError::NoBrowser(e.clone())),
            None => {}
        }
        let mut list = self.instances.lock().await;
        if list.is_empty() {
            for (i, ep) in self.opts.endpoints.iter().enumerate() {
                let inst = self
                    .connect(ep.clone(), None, format!("remote-{}", i + 1), None)
                    .await
                    .map_err(LeaseError::NoBrowser)?;
                list.push(inst);
            }
        }
        // Drop dead browsers; retire worn-out local ones.
        let mut dead = Vec::new();
        list.retain(|i| {
            let ok = i.is_alive();
            if !ok {
                dead.push(i.clone());
            }
            ok
        });
        for d in dead {
            tracing::warn!(browser = %d.label, "browser died; it will be replaced");
            tokio::spawn(async move { d.close().await });
        }
        let k = self.opts.max_contexts_per_browser.max(1);
        let max_rss = self.opts.max_browser_rss_mb;
        let mut retired = Vec::new();
        list.retain(|i| {
            let worn = i.pgid.is_some() && (i.served.load(Ordering::Acquire) >= k || i.mem_mb() > max_rss);
            if worn {
                i.retiring.store(true, Ordering::Release);
                retired.push(i.clone());
            }
            !worn
        });
        for r in retired {
            if r.active.load(Ordering::Acquire) == 0 {
                tokio::spawn(async move { r.close().await });
            }
        }
        let locals = list.iter().filter(|i| i.pgid.is_some()).count();
        if let Some(l) = &self.opts.launch
            && (locals < self.opts.local_browsers.max(1) || list.is_empty())
        {
            let inst = self.launch_local(l).await.map_err(LeaseError::NoBrowser)?;
            list.push(inst);
        }
        let chosen = list
            .iter()
            .min_by_key(|i| i.active.load(Ordering::Acquire))
            .cloned()
            .ok_or_else(|| LeaseError::NoBrowser("no local browser and no endpoint configured".into()))?;
        chosen.served.fetch_add(1, Ordering::AcqRel);
        chosen.active.fetch_add(1, Ordering::AcqRel);
        Ok(chosen)
    }

    async fn shutdown(&self) {
        self.closed.store(true, Ordering::Release);
        // A tab being prepared right now is disposed by the refill itself (it sees `closed`).
        // A remote browser outlives the run: wait for that, so every context is disposing
        // before the browsers close. A local one is killed, tabs and all.
        let remote = self
            .all
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|i| i.pgid.is_none());
        if remote {
            until(&self.ready_changed, Duration::from_secs(5), || {
                !self.refilling.load(Ordering::Acquire)
            })
            .await;
        }
        drop(std::mem::take(
            &mut *self.ready.lock().unwrap_or_else(|e| e.into_inner()),
        ));
        if let Some(m) = self.monitor.lock().unwrap_or_else(|e| e.into_inner()).take() {
            m.abort();
        }
        let all: Vec<_> = std::mem::take(&mut *self.all.lock().unwrap_or_else(|e| e.into_inner()));
        self.instances.lock().await.clear();
        for i in all {
            i.close().await;
        }
        // Sessions granted to attempts that never got their browser (an interrupt while
        // asking or connecting), and any a close above could not delete.
        if let Some(Ok(g)) = &self.grid {
            g.shutdown(Duration::from_secs(15)).await;
        }
        crate::sweep::settle(Duration::from_secs(5)).await;
    }

    async fn open(&self, inst: &Arc<Instance>, opts: &LeaseOpts) -> Result<CdpPage, LeaseError> {
        let t0 = Instant::now();
        let ctx = inst
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(|e| LeaseError::Context(e.to_string()))?;
        let params = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(ctx.clone())
            .build()
            .map_err(LeaseError::Context)?;
        let t1 = Instant::now();
        let page = match inst.browser.new_page(params).await {
            Ok(p) => p,
            Err(e) => {
                let _ = inst.browser.dispose_browser_context(ctx).await;
                return Err(LeaseError::Context(e.to_string()));
            }
        };
        let t2 = Instant::now();
        let page = CdpPage::new(page, inst.clone(), ctx, opts)
            .await
            .map_err(|e| LeaseError::Context(e.to_string()));
        tracing::debug!(
            context_ms = (t1 - t0).as_millis() as u64,
            target_ms = (t2 - t1).as_millis() as u64,
            page_ms = t2.elapsed().as_millis() as u64,
            "lease"
        );
        page
    }

    /// One fresh context + tab, retrying on a browser that died meanwhile.
    async fn lease_fresh(&self, opts: &LeaseOpts) -> Result<CdpPage, LeaseError> {
        let mut last = None;
        for _ in 0..3 {
            let inst = self.pick().await?;
            match self.open(&inst, opts).await {
                Ok(page) => return Ok(page),
                Err(e) => {
                    inst.release();
                    if inst.is_alive() {
                        return Err(e);
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| LeaseError::Context("lease failed".into())))
    }

    /// A prepared tab on a healthy browser, if one is waiting.
    fn take_ready(&self) -> Option<Ready> {
        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(r) = ready.pop() {
            if r.page.is_usable() {
                return Some(r);
            }
        }
        None
    }

    /// Opens tabs in the background until `prewarm` are waiting.
    fn refill(self: &Arc<Self>, opts: LeaseOpts) {
        if self.opts.prewarm == 0
            || self.upcoming.load(Ordering::Acquire) == 0
            || self.refilling.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            // No more tabs than tests still to start: the last ones would never be used.
            let wanted = || {
                !me.closed.load(Ordering::Acquire)
                    && me.ready.lock().unwrap_or_else(|e| e.into_inner()).len()
                        < me.opts.prewarm.min(me.upcoming.load(Ordering::Acquire))
            };
            loop {
                let mut failed = false;
                while wanted() {
                    match me.lease_fresh(&opts).await {
                        // Made while the pool shut down: dropping it disposes its context.
                        Ok(page) if me.closed.load(Ordering::Acquire) => drop(page),
                        Ok(page) => {
                            me.ready.lock().unwrap_or_else(|e| e.into_inner()).push(Ready {
                                page,
                                opts: opts.clone(),
                            });
                            me.ready_changed.notify_waiters();
                        }
                        Err(e) => {
                            tracing::debug!("prewarming a tab failed: {e}");
                            failed = true;
                            break;
                        }
                    }
                }
                me.refilling.store(false, Ordering::Release);
                me.ready_changed.notify_waiters();
                // A lease that took a tab after the last check found this refill still running
                // and started none: look again, or that tab would not be replaced.
                if failed || !wanted() || me.refilling.swap(true, Ordering::AcqRel) {
                    break;
                }
            }
        });
    }
}

/// Leases isolated tabs of local and remote Chromium instances; keeps the next tabs ready.
pub struct BrowserPool {
    inner: Arc<Inner>,
}

impl BrowserPool {
    /// A pool that starts browsers on its first lease.
    pub fn new(opts: PoolOpts) -> BrowserPool {
        BrowserPool {
            inner: Arc::new(Inner::new(opts)),
        }
    }

    /// Closes every browser and kills every local process tree.
    pub async fn shutdown(&self) {
        self.inner.shutdown().await;
    }

    /// The Chromium version, once a browser is connected.
    pub fn version(&self) -> Option<String> {
        self.inner.version.get().cloned()
    }
}

#[async_trait]
impl SessionSource for BrowserPool {
    async fn lease(&self, opts: &LeaseOpts) -> Result<Session, LeaseError> {
        // Chromium creates targets one at a time: while a tab is being prepared, waiting for it
        // is faster than opening another one beside it.
        let inner = &self.inner;
        until(&inner.ready_changed, Duration::from_secs(5), || {
            !inner.refilling.load(Ordering::Acquire)
                || !inner.ready.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
        })
        .await;
        let page = match self.inner.take_ready() {
            Some(r) => {
                if r.opts != *opts {
                    r.page
                        .set_viewport(opts)
                        .await
                        .map_err(|e| LeaseError::Context(e.to_string()))?;
                }
                r.page
            }
            None => self.inner.lease_fresh(opts).await?,
        };
        self.inner.refill(opts.clone());
        Ok(Session { page: Box::new(page) })
    }

    fn browser_version(&self) -> Option<String> {
        self.version()
    }

    fn upcoming(&self, tests: usize) {
        self.inner.upcoming.store(tests, Ordering::Release);
    }

    fn endpoints(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .inner
            .opts
            .endpoints
            .iter()
            .map(|e| panoptic_security::text::without_credentials(e))
            .collect();
        if let Some(g) = &self.inner.opts.grid {
            names.push(format!("grid {}", panoptic_security::text::without_credentials(&g.url)));
        }
        names
    }

    async fn lease_at(&self, index: usize, opts: &LeaseOpts) -> Result<Session, LeaseError> {
        let inner = &self.inner;
        let inst = match inner.opts.endpoints.get(index) {
            // A connection of its own, closed after this one lease.
            Some(ep) => {
                let inst = inner
                    .connect(ep.clone(), None, format!("endpoint-{}", index + 1), None)
                    .await
                    .map_err(LeaseError::NoBrowser)?;
                inst.retiring.store(true, Ordering::Release);
                inst.served.fetch_add(1, Ordering::AcqRel);
                inst.active.fetch_add(1, Ordering::AcqRel);
                inst
            }
            None => match (&inner.grid, index == inner.opts.endpoints.len()) {
                (Some(Ok(g)), true) => inner.pick_on_grid(g).await?,
                (Some(Err(e)), true) => return Err(LeaseError::NoBrowser(e.clone())),
                _ => return Err(LeaseError::NoBrowser(format!("no endpoint {}", index + 1))),
            },
        };
        match inner.open(&inst, opts).await {
            Ok(page) => Ok(Session { page: Box::new(page) }),
            Err(e) => {
                inst.release();
                Err(e)
            }
        }
    }

    fn stats(&self) -> Option<&dyn PoolStats> {
        Some(self)
    }
}

impl PoolStats for BrowserPool {
    fn memory_kb(&self) -> u64 {
        self.inner.history.lock().unwrap_or_else(|e| e.into_inner()).last_kb
    }

    fn memory_peak_since(&self, since: Instant) -> u64 {
        self.inner
            .history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .peak_since(since)
    }

    fn undecoded_messages(&self) -> u64 {
        self.inner.undecoded.load(Ordering::Relaxed)
    }

    fn launched(&self) -> u32 {
        self.inner.launched.load(Ordering::Relaxed)
    }

    fn browsers(&self) -> u32 {
        let all = self.inner.all.lock().unwrap_or_else(|e| e.into_inner());
        all.iter().filter(|i| i.alive.load(Ordering::Acquire)).count() as u32
    }

    fn contexts(&self) -> u32 {
        let all = self.inner.all.lock().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .filter(|i| i.alive.load(Ordering::Acquire))
            .map(|i| i.active.load(Ordering::Acquire))
            .sum()
    }
}

impl Drop for BrowserPool {
    fn drop(&mut self) {
        for i in self.inner.all.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            if let Some(g) = i.pgid {
                crate::process::kill_group(g);
            }
        }
    }
}
