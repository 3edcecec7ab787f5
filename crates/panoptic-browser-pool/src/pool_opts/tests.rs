//! How many tabs a pool prepares ahead, by workers, cores and where the browsers are.

use panoptic_core::config::{Settings, cores};

use super::PoolOpts;

fn prewarm(workers: Option<u32>, grid: Option<&str>) -> usize {
    let settings = Settings {
        workers,
        ..Settings::default()
    };
    // A remote endpoint: no local Chromium needs to be found for the shape to be decided.
    PoolOpts::for_settings(
        &settings,
        true,
        vec!["ws://127.0.0.1:9/devtools/browser/x".into()],
        grid.map(str::to_owned),
    )
    .unwrap()
    .prewarm
}

#[test]
fn two_tabs_wait_while_the_workers_fit_the_cores_else_one_and_none_on_a_grid() {
    let cores = cores();
    assert_eq!(prewarm(Some(1), None), 1);
    assert_eq!(prewarm(None, None), 1);
    assert_eq!(prewarm(Some(cores + 1), None), 1);
    assert_eq!(prewarm(Some(2 * cores), None), 1);
    assert_eq!(prewarm(Some(4 * cores), None), 1);
    if cores >= 2 {
        assert_eq!(prewarm(Some(2), None), 2);
        assert_eq!(prewarm(Some(cores), None), 2);
    }
    assert_eq!(prewarm(Some(2), Some("http://127.0.0.1:4444")), 0);
}
