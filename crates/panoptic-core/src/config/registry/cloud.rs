//! Cloud and fleets: `cloud_sync`, `cloud_cleanup`, `cloud_analytics` (the bucket of
//! `settings.cloud.url`), `distributed_test` (an app on every configured endpoint and grid).

use crate::config::action::ActionKind;
use crate::config::read::{Field, Kind};
use crate::config::step::{ActionSpec, Limit, Need, Runner};

pub(super) static SPECS: &[ActionSpec] = &[
    ActionSpec::new(
        "cloud_sync",
        "Upload the run's artifacts so far to `settings.cloud.url` (complete once the run's end syncs its manifest)",
        Limit::Navigation,
        "{ type: cloud_sync }",
        |_| Some(ActionKind::CloudSync),
    )
    .run_by(Runner::Cloud),
    ActionSpec::new(
        "cloud_cleanup",
        "Delete whole runs in the bucket: older than `retention_days`, then the oldest past `max_total_mb`",
        Limit::Navigation,
        "{ type: cloud_cleanup, retention_days: 30 }",
        |a| {
            Some(ActionKind::CloudCleanup {
                retention_days: a.int(&["retention_days"]).map(|d| d as u32),
                max_total_mb: a.int(&["max_total_mb"]).map(i64::unsigned_abs),
                dry_run: a.flag("dry_run").unwrap_or(false),
            })
        },
    )
    .keys(
        &[
            Field::new(
                "retention_days",
                Kind::Int { min: 1, max: 36_500 },
                "Runs that started longer ago go (default: `settings.cloud.retention_days`)",
            ),
            Field::new(
                "max_total_mb",
                Kind::Int { min: 1, max: 1 << 40 },
                "Then the oldest go until the rest fit (default: `settings.cloud.max_total_mb`)",
            ),
            Field::new("dry_run", Kind::Bool, "Only list what would be deleted"),
        ],
        &[],
    )
    .run_by(Runner::Cloud),
    ActionSpec::new(
        "cloud_analytics",
        "The bucket's run history (pass rate, flaky, p50/p95, slowest) and the failure patterns of its newest runs",
        Limit::Navigation,
        "{ type: cloud_analytics }",
        |a| {
            Some(ActionKind::CloudAnalytics {
                runs: a.int(&["runs"]).map_or(20, |n| n as u32),
            })
        },
    )
    .keys(
        &[Field::new(
            "runs",
            Kind::Int { min: 1, max: 1000 },
            "How many of the newest runs the failure patterns come from (default 20)",
        )],
        &[],
    )
    .run_by(Runner::Cloud),
    ActionSpec::new(
        "distributed_test",
        "Run app `app` once on every configured browser endpoint and grid, one result each; fails when one fails",
        Limit::Navigation,
        "{ type: distributed_test, app: B }",
        |a| {
            Some(ActionKind::DistributedTest {
                app: a.required(&["app"])?,
            })
        },
    )
    .keys(
        &[Field::new(
            "app",
            Kind::Text,
            "The app (by name) to run on every endpoint",
        )],
        &[Need::One(&["app"])],
    )
    .run_by(Runner::Cloud),
];
