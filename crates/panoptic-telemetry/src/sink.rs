//! [`TelemetrySink`]: a run's events into the metrics and, when OTLP is on, into a trace.

use std::sync::{Arc, Mutex};

use panoptic_core::sink::{RunEvent, RunSink};

use crate::Metrics;
use crate::otel::{Otlp, RunTrace, TraceIds};

/// Feeds [`Metrics`] (when given) and an OTLP trace (when given) from a run's events.
pub struct TelemetrySink {
    metrics: Option<Metrics>,
    trace: Option<RunTrace>,
}

impl TelemetrySink {
    /// Counts into `metrics` (a clone shares the registry) and exports to `otlp`; the trace
    /// ids the run gets are written into `ids` as it goes.
    pub fn new(metrics: Option<Metrics>, otlp: Option<Arc<Otlp>>, ids: Arc<Mutex<TraceIds>>) -> TelemetrySink {
        TelemetrySink {
            metrics,
            trace: otlp.map(|o| RunTrace::new(o, ids)),
        }
    }
}

impl RunSink for TelemetrySink {
    fn event(&mut self, event: &RunEvent<'_>) {
        match event {
            RunEvent::RunStarted { name, tests, .. } => {
                if let Some(t) = &mut self.trace {
                    t.started(name, *tests);
                }
            }
            RunEvent::TestFinished { test } => {
                if let Some(m) = &self.metrics {
                    m.test_finished(test);
                }
                if let Some(t) = &mut self.trace {
                    t.test(test);
                }
            }
            RunEvent::RunFinished { result, .. } => {
                if let Some(t) = &mut self.trace {
                    t.finished(result);
                }
            }
            _ => {}
        }
    }
}
