//! Telemetry: the tracing subscriber every command installs ([`logging`]), the Prometheus
//! registry `panoptic serve` exposes ([`Metrics`]) and the [`TelemetrySink`] that feeds it
//! from a run's events and, when the standard `OTEL_EXPORTER_OTLP_*` variables are set,
//! builds each run's OpenTelemetry trace and metrics and exports them over OTLP ([`Otlp`]).

pub mod logging;
mod metrics;
mod otel;
mod sink;

pub use metrics::{Metrics, ServerGauges};
pub use otel::{Otlp, TraceIds};
pub use sink::TelemetrySink;
