//! [`TelemetrySink`]: a run's events into the metrics.

use panoptic_core::sink::{RunEvent, RunSink};

use crate::Metrics;

/// Feeds [`Metrics`] from a run's events; cheap (counters and histograms only).
pub struct TelemetrySink {
    metrics: Metrics,
}

impl TelemetrySink {
    /// Counts into `metrics` (a clone shares the registry).
    pub fn new(metrics: Metrics) -> TelemetrySink {
        TelemetrySink { metrics }
    }
}

impl RunSink for TelemetrySink {
    fn event(&mut self, event: &RunEvent<'_>) {
        if let RunEvent::TestFinished { test } = event {
            self.metrics.test_finished(test);
        }
    }
}
