//! Selenium Grid 4 as a source of browsers: each attempt gets its own WebDriver session (new
//! session with Chrome options), driven over the session's CDP endpoint (`se:cdp`, proxied by
//! the grid) and deleted when the attempt's tab closes — or when the pool shuts down. The
//! grid's `/status` (ready, slots in use) decides when a session is asked for: nothing is sent
//! to a grid that is not ready or full; the attempt waits, and fails saying why once its time
//! is up. Session requests go one at a time, so two waiting attempts never take one free slot.
//!
//! Every session the grid grants is written in a ledger the moment its answer arrives — by a
//! task of its own, so an attempt interrupted while asking or connecting cannot drop it — and
//! the pool's shutdown waits for requests still in flight, then deletes what the ledger holds.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a grid may not answer at all before an attempt gives up on it.
const UNREACHABLE: Duration = Duration::from_secs(5);

/// Where the grid is and how its browsers start.
#[derive(Clone, Debug)]
pub struct GridOpts {
    /// The grid's URL (`http://host:4444`).
    pub url: String,
    /// Chromium on the grid's nodes (`goog:chromeOptions.binary`); the node's default when absent.
    pub binary: Option<String>,
    /// Chromium flags (the ones DESIGN §5 requires, then `browser.args`).
    pub args: Vec<String>,
    /// How long an attempt may wait for a free slot and its session.
    pub wait: Duration,
}

/// What the grid's `/status` says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct GridStatus {
    pub(crate) ready: bool,
    pub(crate) message: String,
    /// Sessions the grid's nodes take at once.
    pub(crate) capacity: u64,
    /// Sessions running now.
    pub(crate) running: u64,
}

/// Reads a `/status` answer.
pub(crate) fn parse_status(v: &Value) -> GridStatus {
    let value = &v["value"];
    let nodes = value["nodes"].as_array().cloned().unwrap_or_default();
    let up = nodes
        .iter()
        .filter(|n| n["availability"].as_str().is_none_or(|a| a == "UP"));
    let (mut capacity, mut running) = (0, 0);
    for n in up {
        capacity += n["maxSessions"].as_u64().unwrap_or(1);
        running += n["slots"]
            .as_array()
            .map_or(0, |s| s.iter().filter(|slot| !slot["session"].is_null()).count() as u64);
    }
    GridStatus {
        ready: value["ready"].as_bool().unwrap_or(false),
        message: value["message"].as_str().unwrap_or("").to_owned(),
        capacity,
        running,
    }
}

/// The sessions panoptic holds on a grid, and its session requests still in flight.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    open: std::sync::Mutex<HashSet<String>>,
    asking: AtomicUsize,
}

impl Ledger {
    fn open(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A session panoptic created, to delete when its attempt ends.
#[derive(Clone, Debug)]
pub(crate) struct GridSession {
    pub(crate) grid: String,
    pub(crate) id: String,
    pub(crate) client: reqwest::Client,
    ledger: Arc<Ledger>,
}

impl GridSession {
    /// Ends the session on the grid (its browser quits); true when it is gone. Errors are
    /// logged, not returned.
    pub(crate) async fn delete(&self) -> bool {
        let url = format!("{}/session/{}", self.grid, self.id);
        match tokio::time::timeout(Duration::from_secs(15), self.client.delete(&url).send()).await {
            Ok(Ok(r)) if r.status().is_success() || r.status() == reqwest::StatusCode::NOT_FOUND => {
                tracing::debug!(session = %self.id, "grid session deleted");
                self.ledger.open().remove(&self.id);
                true
            }
            Ok(Ok(r)) => {
                tracing::warn!(session = %self.id, status = %r.status(), "the grid did not delete a session");
                false
            }
            Ok(Err(e)) => {
                tracing::warn!(session = %self.id, "cannot delete a grid session: {e}");
                false
            }
            Err(_) => {
                tracing::warn!(session = %self.id, "deleting a grid session timed out");
                false
            }
        }
    }
}

/// The grid panoptic asks for sessions.
pub(crate) struct Grid {
    opts: GridOpts,
    client: reqwest::Client,
    /// One session request at a time.
    asking: tokio::sync::Mutex<()>,
    /// The grid did not answer an earlier attempt for `UNREACHABLE`: the next ones give up at
    /// their first unanswered status.
    gave_up: std::sync::atomic::AtomicBool,
    ledger: Arc<Ledger>,
}

impl Grid {
    pub(crate) fn new(opts: GridOpts) -> Result<Grid, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("cannot make an HTTP client for the grid: {e}"))?;
        Ok(Grid {
            opts: GridOpts {
                url: opts.url.trim_end_matches('/').to_owned(),
                ..opts
            },
            client,
            asking: tokio::sync::Mutex::new(()),
            gave_up: std::sync::atomic::AtomicBool::new(false),
            ledger: Arc::default(),
        })
    }

    /// Deletes every session panoptic still holds, once the requests in flight are answered
    /// (a granted one is in the ledger then); waits at most `limit` for them.
    pub(crate) async fn shutdown(&self, limit: Duration) {
        let until = Instant::now() + limit;
        while self.ledger.asking.load(Ordering::Acquire) > 0 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let left: Vec<String> = self.ledger.open().iter().cloned().collect();
        let deletes = left.into_iter().map(|id| {
            let session = GridSession {
                grid: self.opts.url.clone(),
                id,
                client: self.client.clone(),
                ledger: self.ledger.clone(),
            };
            async move { session.delete().await }
        });
        futures::future::join_all(deletes).await;
    }

    fn shown(&self) -> String {
        panoptic_security::text::without_credentials(&self.opts.url)
    }

    async fn status(&self) -> Result<GridStatus, String> {
        let url = format!("{}/status", self.opts.url);
        let r = self
            .client
            .get(&url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| format!("the grid at {} does not answer: {e}", self.shown()))?;
        let v: Value = r
            .json()
            .await
            .map_err(|e| format!("the grid at {} sent a status that is not JSON: {e}", self.shown()))?;
        Ok(parse_status(&v))
    }

    /// Waits for a free slot, then asks for a session; its id and CDP endpoint.
    pub(crate) async fn session(&self) -> Result<(GridSession, String), String> {
        let deadline = Instant::now() + self.opts.wait;
        let _turn = tokio::time::timeout_at(deadline.into(), self.asking.lock())
            .await
            .map_err(|_| format!("no grid slot within {:?}: other attempts hold them all", self.opts.wait))?;
        let mut last;
        // A grid that does not answer at all is a mistake to report now, not a queue to wait in.
        let mut unreachable_since: Option<Instant> = None;
        loop {
            match self.status().await {
                Ok(s) if s.ready && s.running < s.capacity => {
                    self.gave_up.store(false, std::sync::atomic::Ordering::Release);
                    break;
                }
                Ok(s) if !s.ready => last = format!("the grid is not ready ({})", s.message),
                Ok(s) => last = format!("the grid is full ({} of {} sessions)", s.running, s.capacity),
                Err(e) => {
                    let since = *unreachable_since.get_or_insert_with(Instant::now);
                    let gave_up = self.gave_up.load(std::sync::atomic::Ordering::Acquire);
                    if gave_up || since.elapsed() >= UNREACHABLE {
                        self.gave_up.store(true, std::sync::atomic::Ordering::Release);
                        return Err(format!("browser.grid: {e}"));
                    }
                    last = e;
                }
            }
            if !last.contains("does not answer") {
                unreachable_since = None;
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "browser.grid: {last}; waited {:?} (timeouts.test)",
                    self.opts.wait
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let mut chrome = json!({ "args": self.opts.args });
        if let Some(b) = &self.opts.binary {
            chrome["binary"] = json!(b);
        }
        let body = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": chrome,
        } } });
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
        let request = self
            .client
            .post(format!("{}/session", self.opts.url))
            // The grid wants the charset spelled out.
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_string())
            .timeout(left);
        // The request runs as a task of its own: dropping this future (an interrupt) does not
        // lose a session the grid grants; the task writes it in the ledger for the shutdown.
        let ledger = self.ledger.clone();
        ledger.asking.fetch_add(1, Ordering::AcqRel);
        let asked = tokio::spawn(async move {
            let answer = async {
                let r = request.send().await?;
                let status = r.status();
                Ok::<_, reqwest::Error>((status, r.json::<Value>().await.unwrap_or(Value::Null)))
            }
            .await;
            if let Ok((status, v)) = &answer
                && status.is_success()
                && let Some(id) = v["value"]["sessionId"].as_str()
            {
                ledger.open().insert(id.to_owned());
            }
            ledger.asking.fetch_sub(1, Ordering::AcqRel);
            answer
        });
        let (status, v) = asked
            .await
            .map_err(|e| format!("asking the grid at {} for a session: {e}", self.shown()))?
            .map_err(|e| format!("asking the grid at {} for a session: {e}", self.shown()))?;
        if !status.is_success() {
            let why = v["value"]["message"].as_str().unwrap_or("no reason given");
            return Err(format!(
                "the grid at {} refused a session ({status}): {why}",
                self.shown()
            ));
        }
        let id = v["value"]["sessionId"].as_str().unwrap_or("").to_owned();
        let cdp = v["value"]["capabilities"]["se:cdp"].as_str().unwrap_or("").to_owned();
        let session = GridSession {
            grid: self.opts.url.clone(),
            id,
            client: self.client.clone(),
            ledger: self.ledger.clone(),
        };
        if session.id.is_empty() || cdp.is_empty() {
            let _ = session.delete().await;
            return Err(format!(
                "the grid at {} gave a session without a CDP endpoint (`se:cdp`); panoptic needs Chrome/Chromium nodes",
                self.shown()
            ));
        }
        Ok((session, cdp))
    }
}

#[cfg(test)]
mod tests;
