//! Unit tests of the resource sampling.

use super::*;

#[test]
fn own_group_is_measured() {
    // SAFETY: getpgrp has no preconditions.
    let pgid = unsafe { libc::getpgrp() } as u32;
    let u = group_usage(pgid);
    assert!(u.processes >= 1 && u.rss_kb > 0 && u.pss_kb > 0, "{u:?}");
    assert!(own_peak_rss_kb() > 0);
}

#[test]
fn history_peaks() {
    let mut h = History::default();
    let t0 = Instant::now();
    h.push(t0, 10);
    h.push(t0 + Duration::from_millis(10), 30);
    h.push(t0 + Duration::from_millis(20), 20);
    assert_eq!(h.peak_kb, 30);
    assert_eq!(h.peak_since(t0 + Duration::from_millis(15)), 20);
    assert_eq!(h.peak_since(t0 + Duration::from_secs(5)), 20);
}

#[test]
fn pss_is_read_every_fourth_tick_and_every_tick_near_a_limit_or_when_a_run_starts() {
    let far = [300 * 1024, 200 * 1024];
    let t = Tick {
        ticks: 1,
        budget_kb: 4096 * 1024,
        browsers_kb: &far,
        max_browser_kb: 1024 * 1024,
        started: false,
    };
    assert!(!pss_due(t));
    assert!(pss_due(Tick { ticks: u32::MAX, ..t }), "the first tick reads");
    assert!(!pss_due(Tick {
        ticks: PSS_EVERY - 1,
        ..t
    }));
    assert!(pss_due(Tick { ticks: PSS_EVERY, ..t }));
    assert!(
        pss_due(Tick { started: true, ..t }),
        "sessions opened after a read that saw none"
    );
    let many = [400 * 1024; 6];
    assert!(
        pss_due(Tick {
            browsers_kb: &many,
            ..t
        }),
        "half the budget"
    );
    let near = [512 * 1024, 188 * 1024];
    assert!(
        pss_due(Tick {
            browsers_kb: &near,
            ..t
        }),
        "a browser at half its limit"
    );
    let none = [u64::MAX / 4];
    let unlimited = Tick {
        budget_kb: u64::MAX,
        browsers_kb: &none,
        max_browser_kb: u64::MAX,
        ..t
    };
    assert!(!pss_due(unlimited), "no limit set: no overflow");
}
