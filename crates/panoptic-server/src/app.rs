//! The server's state and its start: the browser pool, the run store, the queue and its
//! workers, the event bus the dashboard and SSE clients follow, the audit log.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use panoptic_browser_pool::{BrowserPool, PoolOpts};
use panoptic_core::config::Config;
use panoptic_security::keys::{Caller, KeyRing};
use panoptic_telemetry::Metrics;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, broadcast, watch};

use crate::ServeOpts;
use crate::runs::RunStore;

/// Something the dashboard and event streams hear about.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Event {
    /// `run` (a record changed) or `test` (a test of a run finished).
    pub(crate) kind: &'static str,
    /// The run it belongs to.
    pub(crate) run: String,
    pub(crate) data: Value,
}

/// A run waiting for a worker.
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) config: Config,
}

/// A new run id: its submission time in hex milliseconds, then randomness (ids sort by time).
pub(crate) fn new_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut r = [0u8; 4];
    let _ = getrandom::fill(&mut r);
    format!("{ms:013x}{:08x}", u32::from_be_bytes(r))
}

/// Everything the handlers and workers share.
pub(crate) struct App {
    pub(crate) opts: ServeOpts,
    pub(crate) keys: KeyRing,
    pub(crate) runs: RunStore,
    /// The shared pool, or why there is none (no Chromium found).
    pub(crate) pool: Result<Arc<BrowserPool>, String>,
    pub(crate) metrics: Metrics,
    pub(crate) queue: Mutex<VecDeque<Job>>,
    /// Runs queued plus submissions holding a place while they are checked.
    pub(crate) waiting: AtomicUsize,
    pub(crate) running: AtomicUsize,
    pub(crate) work: Notify,
    pub(crate) cancels: Mutex<HashMap<String, watch::Sender<bool>>>,
    pub(crate) events: broadcast::Sender<Arc<Event>>,
    /// The last run's infrastructure error (no browser), until a run gets a browser again.
    pub(crate) pool_error: Mutex<Option<String>>,
    /// Submissions refused with 429 since the start, and when the last one was.
    pub(crate) rejected: AtomicU64,
    pub(crate) last_rejected: Mutex<Option<Instant>>,
    /// Machine CPU use in tenths of a percent, sampled every second.
    pub(crate) cpu_permille: AtomicU64,
    /// Dashboard sessions: SHA-256 of the cookie → who signed in, and until when.
    pub(crate) sessions: Mutex<HashMap<[u8; 32], (Caller, Instant)>>,
    audit: Mutex<panoptic_security::audit::Appender>,
    pub(crate) started: Instant,
    /// Becomes true when the server stops: event streams end, so connections close.
    pub(crate) stopping: watch::Sender<bool>,
    /// Scheduled checks (`--schedule`).
    pub(crate) checks: Vec<crate::check::Check>,
    /// Their alert rules' state.
    pub(crate) alerts: Mutex<crate::alerts::AlertBook>,
    /// For webhooks.
    pub(crate) http: reqwest::Client,
    /// OTLP export of every run, when the standard variables ask for it.
    pub(crate) otlp: Option<Arc<panoptic_telemetry::Otlp>>,
}

impl App {
    pub(crate) fn new(
        opts: ServeOpts,
        checks: Vec<crate::check::Check>,
        otlp: Option<Arc<panoptic_telemetry::Otlp>>,
    ) -> std::io::Result<Arc<App>> {
        panoptic_security::fs::create_private_dir(&opts.data)?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .map_err(std::io::Error::other)?;
        let alerts = crate::alerts::AlertBook::open(&opts.data);
        let runs = RunStore::open(&opts.data)?;
        let defaults = panoptic_core::config::Settings::default();
        let pool = PoolOpts::for_settings(&defaults, true, opts.endpoints.clone(), None).map(|mut p| {
            // Health compares the shared pool's memory with the service's budget.
            p.memory_budget_mb = opts.memory_budget_mb;
            Arc::new(BrowserPool::new(p))
        });
        if let Err(e) = &pool {
            tracing::error!("no browser: {e}; runs fail until one is installed (/readyz says 503)");
        }
        let (events, _) = broadcast::channel(1024);
        Ok(Arc::new(App {
            keys: KeyRing::new(opts.keys.clone()),
            audit: Mutex::new(panoptic_security::audit::Appender::new(opts.data.join("audit.jsonl"))),
            opts,
            runs,
            pool,
            metrics: Metrics::new(),
            queue: Mutex::new(VecDeque::new()),
            waiting: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            work: Notify::new(),
            cancels: Mutex::new(HashMap::new()),
            events,
            pool_error: Mutex::new(None),
            rejected: AtomicU64::new(0),
            last_rejected: Mutex::new(None),
            cpu_permille: AtomicU64::new(0),
            sessions: Mutex::new(HashMap::new()),
            started: Instant::now(),
            stopping: watch::channel(false).0,
            checks,
            alerts: Mutex::new(alerts),
            http,
            otlp,
        }))
    }

    /// Tells the dashboard and event streams.
    pub(crate) fn publish(&self, kind: &'static str, run: &str, data: Value) {
        let _ = self.events.send(Arc::new(Event {
            kind,
            run: run.to_owned(),
            data,
        }));
    }

    /// Appends a mutating call to the audit log (`<data>/audit.jsonl`, hash-chained).
    pub(crate) fn audit(&self, record: Value) {
        let Value::Object(mut map) = record else {
            return;
        };
        map.insert("at".into(), Value::String(crate::now()));
        let mut log = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = log.append(map) {
            tracing::error!("audit log {} not extended: {e}", log.path().display());
        }
    }

    /// Queues a run whose record is stored (its place in `waiting` already counted).
    pub(crate) fn enqueue(&self, record: &crate::runs::RunRecord, config: Config) {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).push_back(Job {
            id: record.id.clone(),
            config,
        });
        self.work.notify_one();
        self.gauges();
        self.publish("run", &record.id, serde_json::json!(record));
    }

    pub(crate) fn queued(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Keeps the gauges in step with the queue.
    pub(crate) fn gauges(&self) {
        self.metrics.server.queued.set(self.queued() as i64);
        self.metrics
            .server
            .running
            .set(self.running.load(Ordering::Acquire) as i64);
    }
}
