//! The floor arithmetic of `cargo xtask compare`.

use super::{over_floor, percentile};

#[test]
fn wall_over_floor_is_taken_per_run() {
    // Two cores; a fast and a slow minute with the same idle share (wall = 1.1 × CPU ÷ 2) and
    // one run with a quarter idle.
    let runs = [(2.2, 4.0), (4.4, 8.0), (3.0, 4.0)];
    let (median, lo, hi) = over_floor(&runs, 2.0);
    assert!((median - 1.1).abs() < 1e-9, "{median}");
    assert!((lo - 1.1).abs() < 1e-9 && (hi - 1.5).abs() < 1e-9, "{lo} {hi}");
    // Medians of wall and CPU apart would pair the 3.0 s run's wall with the 4.0 CPU-s of
    // another: 3.0 ÷ 2.0 = 1.5.
}

#[test]
fn percentiles_of_nothing_are_zero() {
    assert_eq!(percentile(Vec::new(), 0.95), 0);
    assert_eq!(percentile(vec![5, 1, 3], 0.5), 3);
}
