//! Cron expressions against dates worked out by hand.

use super::*;

/// Seconds since the epoch of a UTC date and time.
fn at(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
    // Days from civil (Hinnant), the inverse of `civil`.
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if mo > 2 { mo - 3 } else { mo + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + h * 3600 + mi * 60
}

#[test]
fn next_runs_fall_where_cron_puts_them() {
    let cases: &[(&str, i64, i64)] = &[
        ("*/5 * * * *", at(2026, 11, 28, 6, 17), at(2026, 11, 28, 6, 20)),
        ("*/5 * * * *", at(2026, 11, 28, 6, 20), at(2026, 11, 28, 6, 25)),
        ("0 * * * *", at(2026, 11, 28, 6, 0), at(2026, 11, 28, 7, 0)),
        ("30 9 * * 1-5", at(2026, 11, 28, 6, 0), at(2026, 11, 30, 9, 30)), // Saturday → Monday
        ("0 0 1 * *", at(2026, 11, 28, 6, 0), at(2026, 12, 1, 0, 0)),
        ("0 12 29 2 *", at(2026, 3, 1, 0, 0), at(2028, 2, 29, 12, 0)), // the next leap day
        ("0 0 * * 0", at(2026, 11, 28, 6, 0), at(2026, 11, 29, 0, 0)), // Sunday as 0
        ("0 0 * * 7", at(2026, 11, 28, 6, 0), at(2026, 11, 29, 0, 0)), // … and as 7
        ("0 0 13 * 5", at(2026, 11, 1, 0, 0), at(2026, 11, 6, 0, 0)),  // day 13 OR a Friday
        ("15,45 */6 * 1,7 *", at(2026, 11, 28, 6, 0), at(2027, 1, 1, 0, 15)),
        ("5/20 * * * *", at(2026, 11, 28, 6, 26), at(2026, 11, 28, 6, 45)),
    ];
    for (expr, from, want) in cases {
        let c = Cron::parse(expr).unwrap();
        assert_eq!(c.next_after(*from), Some(*want), "{expr}");
    }
    assert_eq!(Cron::parse("0 0 30 2 *").unwrap().next_after(0), None);
}

#[test]
fn bad_expressions_say_which_field() {
    for (expr, want) in [
        ("* * * *", "expected 5 fields"),
        ("60 * * * *", "minute: `60` is not a number in 0–59"),
        ("* 24 * * *", "hour: `24`"),
        ("* * 0 * *", "day of month: `0`"),
        ("* * * 13 *", "month: `13`"),
        ("* * * * 8", "day of week: `8`"),
        ("*/0 * * * *", "minute: step `0`"),
        ("5-1 * * * *", "minute: range `5-1` runs backwards"),
        ("a * * * *", "minute: `a`"),
    ] {
        let e = Cron::parse(expr).unwrap_err();
        assert!(e.contains(want), "{expr}: {e}");
    }
}
