//! Telemetry: the tracing subscriber every command installs ([`logging`]), the Prometheus
//! registry `panoptic serve` exposes ([`Metrics`]) and the [`TelemetrySink`] that feeds it
//! from a run's events.

pub mod logging;
mod metrics;
mod sink;

pub use metrics::{Metrics, ServerGauges};
pub use sink::TelemetrySink;
