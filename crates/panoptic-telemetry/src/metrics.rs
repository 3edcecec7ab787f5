//! The Prometheus registry: what runs did (tests and steps by status, durations, leases) and
//! what the pool and the server hold now. Rendered in the text format 0.0.4 for `/metrics`.

use prometheus::{Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use panoptic_core::results::TestResult;
use panoptic_core::session::PoolStats;

/// Seconds: from a fast step to a slow test.
const BUCKETS: &[f64] = &[0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

/// Every metric panoptic exposes.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    tests: IntCounterVec,
    steps: IntCounterVec,
    test_seconds: Histogram,
    step_seconds: HistogramVec,
    leases: IntCounter,
    lease_wait: Histogram,
    browsers: IntGauge,
    contexts: IntGauge,
    memory: IntGauge,
    undecoded: IntCounter,
    /// The server's own.
    pub server: ServerGauges,
}

/// What `panoptic serve` holds: runs queued and running, runs by status, alerts firing.
#[derive(Clone)]
pub struct ServerGauges {
    /// Runs waiting for their turn.
    pub queued: IntGauge,
    /// Runs executing now.
    pub running: IntGauge,
    /// Finished runs by status.
    pub runs: IntCounterVec,
    /// Submissions refused because the queue was full.
    pub rejected: IntCounter,
    /// Alert rules firing now.
    pub alerts_firing: IntGauge,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(r: &Registry, c: T) -> T {
    // Names are constants of this file and unique: registering cannot fail.
    let _ = r.register(Box::new(c.clone()));
    c
}

fn counter_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(
        r,
        IntCounterVec::new(Opts::new(name, help), labels).unwrap_or_else(|_| unreachable!()),
    )
}

fn gauge(r: &Registry, name: &str, help: &str) -> IntGauge {
    register(r, IntGauge::new(name, help).unwrap_or_else(|_| unreachable!()))
}

fn counter(r: &Registry, name: &str, help: &str) -> IntCounter {
    register(r, IntCounter::new(name, help).unwrap_or_else(|_| unreachable!()))
}

fn histogram(r: &Registry, name: &str, help: &str) -> Histogram {
    let opts = HistogramOpts::new(name, help).buckets(BUCKETS.to_vec());
    register(r, Histogram::with_opts(opts).unwrap_or_else(|_| unreachable!()))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Metrics {
        let r = Registry::new();
        let step_seconds = HistogramVec::new(
            HistogramOpts::new("panoptic_step_duration_seconds", "Duration of steps by action type")
                .buckets(BUCKETS.to_vec()),
            &["action"],
        )
        .unwrap_or_else(|_| unreachable!());
        Metrics {
            tests: counter_vec(&r, "panoptic_tests_total", "Tests by final status", &["status"]),
            steps: counter_vec(
                &r,
                "panoptic_steps_total",
                "Steps by action type and status",
                &["action", "status"],
            ),
            test_seconds: histogram(&r, "panoptic_test_duration_seconds", "Duration of tests, all attempts"),
            step_seconds: register(&r, step_seconds),
            leases: counter(&r, "panoptic_leases_total", "Browser tabs leased (one per attempt)"),
            lease_wait: histogram(
                &r,
                "panoptic_lease_wait_seconds",
                "Time an attempt waited for admission and its tab",
            ),
            browsers: gauge(&r, "panoptic_pool_browsers", "Browsers connected now"),
            contexts: gauge(
                &r,
                "panoptic_pool_contexts",
                "Tabs open now: leased, or prepared for the next lease",
            ),
            memory: gauge(
                &r,
                "panoptic_browser_memory_bytes",
                "Memory (PSS) of every browser, latest sample",
            ),
            undecoded: counter(
                &r,
                "panoptic_cdp_undecoded_messages_total",
                "DevTools messages the driver could not decode",
            ),
            server: ServerGauges {
                queued: gauge(&r, "panoptic_runs_queued", "Runs waiting for their turn"),
                running: gauge(&r, "panoptic_runs_running", "Runs executing now"),
                runs: counter_vec(&r, "panoptic_runs_total", "Finished runs by status", &["status"]),
                rejected: counter(
                    &r,
                    "panoptic_runs_rejected_total",
                    "Submissions refused: the queue was full",
                ),
                alerts_firing: gauge(&r, "panoptic_alerts_firing", "Alert rules firing now"),
            },
            registry: r,
        }
    }

    /// Counts a finished test: its status, duration, attempts and steps.
    pub fn test_finished(&self, t: &TestResult) {
        self.tests.with_label_values(&[t.status.as_str()]).inc();
        self.test_seconds.observe(t.duration_ms as f64 / 1000.0);
        for a in &t.attempts {
            if a.lease_ms > 0 || !a.steps.is_empty() {
                self.leases.inc();
                self.lease_wait
                    .observe((a.admission_wait_ms + a.lease_ms) as f64 / 1000.0);
            }
            for s in &a.steps {
                self.steps.with_label_values(&[&s.action, s.status.as_str()]).inc();
                self.step_seconds
                    .with_label_values(&[&s.action])
                    .observe(s.duration_ms as f64 / 1000.0);
            }
        }
    }

    /// Reads what the pool holds now.
    pub fn sample_pool(&self, pool: &dyn PoolStats) {
        self.browsers.set(i64::from(pool.browsers()));
        self.contexts.set(i64::from(pool.contexts()));
        self.memory.set((pool.memory_kb() * 1024) as i64);
        let seen = pool.undecoded_messages();
        let counted = self.undecoded.get();
        if seen > counted {
            self.undecoded.inc_by(seen - counted);
        }
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let encoder = prometheus::TextEncoder::new();
        encoder
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|e| format!("# cannot encode the metrics: {e}\n"))
    }
}

#[cfg(test)]
mod tests;
