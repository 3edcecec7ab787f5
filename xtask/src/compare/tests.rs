//! The floor arithmetic of `cargo xtask compare`.

use std::collections::HashMap;

use super::tool::{Stat, descends, parse_stat};
use super::{Run, over_floor, percentile};

fn run(wall: f64, tree: f64, tool: f64) -> Run {
    Run { wall, tree, tool }
}

#[test]
fn wall_over_floor_is_taken_per_run() {
    // Two cores; a fast and a slow minute with the same idle share (wall = 1.1 × CPU ÷ 2) and
    // one run with a quarter idle.
    let runs = [run(2.2, 4.0, 0.0), run(4.4, 8.0, 0.0), run(3.0, 4.0, 0.0)];
    let (median, lo, hi) = over_floor(&runs, 2.0, Run::chromium);
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

#[test]
fn the_floor_is_chromiums_cpu_without_the_tools() {
    // 4.4 CPU-s in the tree, 0.4 of them the tool's: Chromium's floor on 2 cores is 2.0 s.
    let runs = [run(2.4, 4.4, 0.4)];
    let (m, _, _) = over_floor(&runs, 2.0, Run::chromium);
    assert!((m - 1.2).abs() < 1e-9, "{m}");
    let (t, _, _) = over_floor(&runs, 2.0, |r| r.tree);
    assert!((t - 2.4 / 2.2).abs() < 1e-9, "{t}");
    // A sampled tool CPU above the tree's (it cannot be, but sampling is not exact) is no
    // negative Chromium.
    assert_eq!(run(1.0, 0.5, 0.6).chromium(), 0.0);
}

#[test]
fn proc_stat_lines_parse_even_with_odd_command_names() {
    let line = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194304 100 0 0 0 31 7 2 3 20 0 9 0 123456 1000 50 0";
    assert_eq!(
        parse_stat(line),
        Some(Stat {
            ppid: 17,
            start: 123456,
            cpu: 38,
            children: 5
        })
    );
    assert_eq!(parse_stat("4242 (x) S 1"), None);
    assert_eq!(parse_stat(""), None);
    assert_eq!(
        parse_stat(&std::fs::read_to_string("/proc/self/stat").unwrap()).map(|s| s.ppid > 0),
        Some(true)
    );
}

#[test]
fn descendants_are_found_through_their_parents_and_loops_end() {
    let parents: HashMap<u32, u32> = [(10, 1), (20, 10), (30, 20), (40, 1), (50, 50), (60, 70), (70, 60)].into();
    assert!(descends(20, 10, &parents) && descends(30, 10, &parents));
    assert!(!descends(40, 10, &parents) && !descends(10, 10, &parents));
    assert!(!descends(50, 10, &parents), "its own parent");
    assert!(!descends(60, 10, &parents), "a loop ends");
    assert!(!descends(99, 10, &parents), "unknown");
}
