//! OpenTelemetry over OTLP/HTTP (protobuf): a run is one trace — run → test → attempt → step
//! spans with the config, test, action, status, retry and browser as attributes — and the
//! metrics mirror the Prometheus ones. Configured only by the standard variables
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`, `…_TRACES_ENDPOINT`, `…_METRICS_ENDPOINT`, `…_HEADERS`,
//! `OTEL_SERVICE_NAME`); exporting runs on the SDK's own threads with a blocking client, so
//! [`Otlp::from_env`] and [`Otlp::shutdown`] must be called outside an async runtime.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use opentelemetry::metrics::{Counter, Gauge, Histogram, MeterProvider as _};
use opentelemetry::trace::{
    Span as _, SpanKind, Status as SpanStatus, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use panoptic_core::results::{RunResult, TestResult};
use panoptic_core::session::PoolStats;

/// The variables that turn export on (any one of them).
const ENDPOINTS: [&str; 3] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
];

struct Instruments {
    tests: Counter<u64>,
    steps: Counter<u64>,
    test_seconds: Histogram<f64>,
    step_seconds: Histogram<f64>,
    leases: Counter<u64>,
    lease_wait: Histogram<f64>,
    browsers: Gauge<u64>,
    contexts: Gauge<u64>,
    memory: Gauge<u64>,
    undecoded: Gauge<u64>,
}

/// The exporters: one tracer and one meter for the process.
pub struct Otlp {
    traces: SdkTracerProvider,
    meters: SdkMeterProvider,
    tracer: Tracer,
    instruments: Instruments,
}

/// The trace ids a run's results carry: the run's trace, and each test's span in it.
#[derive(Clone, Debug, Default)]
pub struct TraceIds {
    /// The run's trace id (32 hex digits).
    pub trace_id: Option<String>,
    /// `(config, test)` → the test's span id (16 hex digits).
    pub tests: HashMap<(String, String), String>,
}

impl TraceIds {
    /// Writes the ids into results before they are written out.
    pub fn apply(&self, result: &mut RunResult) {
        result.run.trace_id.clone_from(&self.trace_id);
        for t in &mut result.tests {
            if let Some(span) = self.tests.get(&(t.config.clone(), t.name.clone())) {
                t.trace_id.clone_from(&self.trace_id);
                t.span_id = Some(span.clone());
            }
        }
    }
}

fn time(rfc3339: &str) -> SystemTime {
    humantime::parse_rfc3339_weak(rfc3339).unwrap_or_else(|_| SystemTime::now())
}

fn kv(k: &'static str, v: impl Into<opentelemetry::Value>) -> KeyValue {
    KeyValue::new(k, v)
}

impl Otlp {
    /// Export as the environment says, or `None` when no OTLP endpoint is set.
    pub fn from_env() -> Option<Result<Otlp, String>> {
        if !ENDPOINTS
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
        {
            return None;
        }
        Some(Otlp::build())
    }

    fn build() -> Result<Otlp, String> {
        // The exporters' HTTP client is the workspace's reqwest: rustls over ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let resource = Resource::builder().with_service_name("panoptic").build();
        let spans = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("OTLP traces: {e}"))?;
        let traces = SdkTracerProvider::builder()
            .with_batch_exporter(spans)
            .with_resource(resource.clone())
            .build();
        let metrics = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("OTLP metrics: {e}"))?;
        let meters = SdkMeterProvider::builder()
            .with_reader(
                PeriodicReader::builder(metrics)
                    .with_interval(Duration::from_secs(10))
                    .build(),
            )
            .with_resource(resource)
            .build();
        let meter = meters.meter("panoptic");
        let instruments = Instruments {
            tests: meter
                .u64_counter("panoptic.tests")
                .with_description("Tests by final status")
                .build(),
            steps: meter
                .u64_counter("panoptic.steps")
                .with_description("Steps by action and status")
                .build(),
            test_seconds: meter.f64_histogram("panoptic.test.duration").with_unit("s").build(),
            step_seconds: meter.f64_histogram("panoptic.step.duration").with_unit("s").build(),
            leases: meter
                .u64_counter("panoptic.leases")
                .with_description("Browser tabs leased")
                .build(),
            lease_wait: meter.f64_histogram("panoptic.lease.wait").with_unit("s").build(),
            browsers: meter.u64_gauge("panoptic.pool.browsers").build(),
            contexts: meter.u64_gauge("panoptic.pool.contexts").build(),
            memory: meter.u64_gauge("panoptic.browser.memory").with_unit("By").build(),
            undecoded: meter.u64_gauge("panoptic.cdp.undecoded_messages").build(),
        };
        let tracer = traces.tracer("panoptic");
        Ok(Otlp {
            traces,
            meters,
            tracer,
            instruments,
        })
    }

    /// Sends what is buffered and stops the exporters (errors are logged).
    pub fn shutdown(&self) {
        if let Err(e) = self.traces.shutdown() {
            tracing::warn!("OTLP traces not all sent: {e}");
        }
        if let Err(e) = self.meters.shutdown() {
            tracing::warn!("OTLP metrics not all sent: {e}");
        }
    }

    /// Records what the pool holds now.
    pub fn sample_pool(&self, pool: &dyn PoolStats) {
        let i = &self.instruments;
        i.browsers.record(u64::from(pool.browsers()), &[]);
        i.contexts.record(u64::from(pool.contexts()), &[]);
        i.memory.record(pool.memory_kb() * 1024, &[]);
        i.undecoded.record(pool.undecoded_messages(), &[]);
    }

    fn test_metrics(&self, t: &TestResult) {
        let i = &self.instruments;
        i.tests.add(1, &[kv("status", t.status.as_str())]);
        i.test_seconds
            .record(t.duration_ms as f64 / 1000.0, &[kv("status", t.status.as_str())]);
        for a in &t.attempts {
            if a.lease_ms > 0 || !a.steps.is_empty() {
                i.leases.add(1, &[]);
                i.lease_wait
                    .record((a.admission_wait_ms + a.lease_ms) as f64 / 1000.0, &[]);
            }
            for s in &a.steps {
                let attrs = [kv("action", s.action.clone()), kv("status", s.status.as_str())];
                i.steps.add(1, &attrs);
                i.step_seconds.record(s.duration_ms as f64 / 1000.0, &attrs[..1]);
            }
        }
    }
}

/// One run's trace, built from its events.
pub(crate) struct RunTrace {
    otlp: Arc<Otlp>,
    run: Option<Context>,
    ids: Arc<Mutex<TraceIds>>,
}

impl RunTrace {
    pub(crate) fn new(otlp: Arc<Otlp>, ids: Arc<Mutex<TraceIds>>) -> RunTrace {
        RunTrace { otlp, run: None, ids }
    }

    pub(crate) fn started(&mut self, name: &str, tests: usize) {
        let span = self
            .otlp
            .tracer
            .span_builder(format!("run {name}"))
            .with_kind(SpanKind::Internal)
            .with_attributes([kv("panoptic.run", name.to_owned()), kv("panoptic.tests", tests as i64)])
            .start(&self.otlp.tracer);
        let trace_id = span.span_context().trace_id().to_string();
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).trace_id = Some(trace_id);
        self.run = Some(Context::new().with_span(span));
    }

    pub(crate) fn test(&mut self, t: &TestResult) {
        self.otlp.test_metrics(t);
        let Some(run) = &self.run else { return };
        let tracer = &self.otlp.tracer;
        let start = t.attempts.first().map_or_else(SystemTime::now, |a| time(&a.started_at));
        let mut span = tracer
            .span_builder(format!("test {}", t.name))
            .with_start_time(start)
            .with_attributes([
                kv("panoptic.config", t.config.clone()),
                kv("panoptic.test", t.name.clone()),
                kv("panoptic.status", t.status.as_str()),
            ])
            .start_with_context(tracer, run);
        if !t.status.is_ok() {
            span.set_status(SpanStatus::error(t.status.as_str()));
        }
        let span_id = span.span_context().span_id().to_string();
        let test_cx = run.with_span(span);
        for a in &t.attempts {
            let a_start = time(&a.started_at);
            let mut attempt = tracer
                .span_builder(format!("attempt {}", a.index))
                .with_start_time(a_start)
                .with_attributes([
                    kv("panoptic.test", t.name.clone()),
                    kv("panoptic.retry", i64::from(a.index)),
                    kv("panoptic.status", a.status.as_str()),
                ])
                .start_with_context(tracer, &test_cx);
            if let Some(e) = &a.error {
                attempt.set_status(SpanStatus::error(e.message.clone()));
            }
            let attempt_cx = test_cx.with_span(attempt);
            let steps_from = a_start + Duration::from_millis(a.admission_wait_ms + a.lease_ms);
            for s in &a.steps {
                let s_start = steps_from + Duration::from_millis(s.offset_ms);
                let mut step = tracer
                    .span_builder(format!("step {}", s.name))
                    .with_start_time(s_start)
                    .with_attributes([
                        kv("panoptic.test", t.name.clone()),
                        kv("panoptic.action", s.action.clone()),
                        kv("panoptic.status", s.status.as_str()),
                        kv("panoptic.retry", i64::from(a.index)),
                    ])
                    .start_with_context(tracer, &attempt_cx);
                if let Some(e) = &s.error {
                    step.set_status(SpanStatus::error(e.message.clone()));
                }
                step.end_with_timestamp(s_start + Duration::from_millis(s.duration_ms));
            }
            attempt_cx
                .span()
                .end_with_timestamp(a_start + Duration::from_millis(a.duration_ms));
        }
        test_cx
            .span()
            .end_with_timestamp(start + Duration::from_millis(t.duration_ms));
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tests
            .insert((t.config.clone(), t.name.clone()), span_id);
    }

    pub(crate) fn finished(&mut self, result: &RunResult) {
        let Some(run) = self.run.take() else { return };
        let span = run.span();
        if let Some(b) = &result.run.browser {
            span.set_attribute(kv("panoptic.browser", b.clone()));
        }
        if let Some(s) = result.run.status {
            span.set_attribute(kv("panoptic.status", s.as_str()));
            if !s.is_ok() {
                span.set_status(SpanStatus::error(s.as_str()));
            }
        }
        span.end();
    }
}
