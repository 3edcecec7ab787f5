//! The browser pool: one warm local Chromium, started on the first lease; one fresh incognito
//! context + tab per lease, disposed when the session closes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::target::{CreateBrowserContextParams, CreateTargetParams};
use chromiumoxide::handler::HandlerConfig;
use futures::StreamExt;
use panoptic_core::session::{LeaseError, LeaseOpts, Session, SessionSource};
use tokio::sync::{Mutex, OnceCell};

use crate::PoolError;
use crate::cdp_page::CdpPage;
use crate::launch::{LaunchOpts, LocalProcess, launch};

/// Messages chromiumoxide could not decode (its CDP types are older than Chromium's).
pub static UNDECODED_MESSAGES: AtomicU64 = AtomicU64::new(0);

pub(crate) struct Running {
    pub(crate) browser: Browser,
}

/// Leases isolated tabs of a local Chromium.
pub struct BrowserPool {
    opts: LaunchOpts,
    running: OnceCell<Result<Arc<Running>, String>>,
    process: Mutex<Option<LocalProcess>>,
    version: std::sync::OnceLock<String>,
}

impl BrowserPool {
    /// A pool that launches Chromium with `opts` on its first lease.
    pub fn new(opts: LaunchOpts) -> BrowserPool {
        BrowserPool {
            opts,
            running: OnceCell::new(),
            process: Mutex::new(None),
            version: std::sync::OnceLock::new(),
        }
    }

    async fn start(&self) -> Result<Arc<Running>, String> {
        let proc = launch(&self.opts).await.map_err(|e| e.to_string())?;
        let ws = proc.ws_url.clone();
        *self.process.lock().await = Some(proc);
        let config = HandlerConfig {
            viewport: None,
            ..HandlerConfig::default()
        };
        let (browser, mut handler) = match Browser::connect_with_config(ws, config).await {
            Ok(pair) => pair,
            Err(e) => {
                self.kill().await;
                return Err(format!("cannot connect to Chromium's DevTools: {e}"));
            }
        };
        tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    UNDECODED_MESSAGES.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(target: "panoptic::cdp", "handler error: {e}");
                }
            }
        });
        let version = browser
            .version()
            .await
            .map(|v| v.product)
            .unwrap_or_else(|_| "Chromium".into());
        let _ = self.version.set(version.clone());
        tracing::info!(%version, "browser started");
        Ok(Arc::new(Running { browser }))
    }

    async fn running(&self) -> Result<Arc<Running>, LeaseError> {
        self.running
            .get_or_init(|| self.start())
            .await
            .clone()
            .map_err(LeaseError::NoBrowser)
    }

    /// Closes the browser and kills its whole process tree.
    pub async fn shutdown(&self) {
        if let Some(Ok(running)) = self.running.get() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
                let _ = running
                    .browser
                    .execute(chromiumoxide::cdp::browser_protocol::browser::CloseParams::default())
                    .await;
            })
            .await;
        }
        self.kill().await;
    }

    async fn kill(&self) {
        if let Some(mut p) = self.process.lock().await.take() {
            p.kill().await;
        }
    }

    /// The Chromium version, once started.
    pub fn version(&self) -> Option<String> {
        self.version.get().cloned()
    }
}

#[async_trait]
impl SessionSource for BrowserPool {
    async fn lease(&self, opts: &LeaseOpts) -> Result<Session, LeaseError> {
        let running = self.running().await?;
        let ctx = running
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(|e| LeaseError::Context(e.to_string()))?;
        let params = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(ctx.clone())
            .build()
            .map_err(LeaseError::Context)?;
        let page = match running.browser.new_page(params).await {
            Ok(p) => p,
            Err(e) => {
                let _ = running.browser.dispose_browser_context(ctx).await;
                return Err(LeaseError::Context(e.to_string()));
            }
        };
        let page = CdpPage::new(page, running.clone(), ctx, opts)
            .await
            .map_err(|e| LeaseError::Context(e.to_string()))?;
        Ok(Session { page: Box::new(page) })
    }

    fn browser_version(&self) -> Option<String> {
        self.version()
    }
}

impl Drop for BrowserPool {
    fn drop(&mut self) {
        if let Ok(mut guard) = self.process.try_lock()
            && let Some(p) = guard.as_mut()
        {
            crate::process::kill_group(p.pgid);
        }
    }
}

/// Starts a pool and checks a lease works (used by `panoptic` to fail early with exit 3).
pub async fn check(pool: &BrowserPool) -> Result<(), PoolError> {
    pool.running()
        .await
        .map(|_| ())
        .map_err(|e| PoolError::Launch(e.to_string()))
}
