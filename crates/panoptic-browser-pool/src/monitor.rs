//! Resource sampling from `/proc`: memory (RSS, PSS) and CPU time of a browser's whole process group.
//!
//! PSS is exact only in `/proc/<pid>/smaps_rollup`, and reading it walks each process's page
//! tables: ~30 ms of CPU for a browser with four tabs and its helpers. Read twice a second
//! that was half of panoptic's own CPU in a run (`perf`, docs/PERFORMANCE.md), so the pool
//! reads it every [`PSS_EVERY`] ticks of its monitor, at every tick once memory is within half
//! of a limit, and at once when a run's first sessions open ([`pss_due`]).

use std::time::{Duration, Instant};

/// Memory and CPU of one process group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Resident set size in KiB, summed over the group (shared pages counted in every process).
    pub rss_kb: u64,
    /// Proportional set size in KiB, summed over the group (shared pages split between their
    /// users): what the group really costs, and what limits and budgets compare against.
    pub pss_kb: u64,
    /// User + system CPU time in clock ticks, summed over the group.
    pub cpu_ticks: u64,
    /// Processes in the group.
    pub processes: u32,
}

/// The pool monitor's tick.
pub const TICK: Duration = Duration::from_millis(500);

/// Ticks between two PSS reads while memory is far from every limit (2 s).
pub const PSS_EVERY: u32 = 4;

/// What the pool looks like at a monitor tick, against its last PSS read.
#[derive(Clone, Copy, Debug)]
pub struct Tick<'a> {
    /// Ticks since the last read (`u32::MAX` before the first).
    pub ticks: u32,
    /// `limits.memory_budget_mb` in KiB (against the browsers' sum).
    pub budget_kb: u64,
    /// Each browser's at the last read, KiB.
    pub browsers_kb: &'a [u64],
    /// `limits.max_browser_rss_mb` in KiB.
    pub max_browser_kb: u64,
    /// Sessions are open now and none were at the last read (a run starting).
    pub started: bool,
}

/// Whether the monitor reads PSS at this tick: every [`PSS_EVERY`] ticks, and at every tick
/// while memory is near a limit (half of it or more), so admission and recycling see it as
/// fresh as before, or at once when sessions open after a read that saw none, so the first
/// attempts' peaks are not the idle browser's.
pub fn pss_due(t: Tick<'_>) -> bool {
    let Tick {
        ticks,
        budget_kb,
        browsers_kb,
        max_browser_kb,
        started,
    } = t;
    started
        || ticks >= PSS_EVERY
        || browsers_kb
            .iter()
            .fold(0u64, |a, kb| a.saturating_add(*kb))
            .saturating_mul(2)
            >= budget_kb
        || browsers_kb.iter().any(|kb| kb.saturating_mul(2) >= max_browser_kb)
}

/// Sums RSS and CPU of every process whose process group is `pgid`.
pub fn group_usage(pgid: u32) -> Usage {
    let mut u = Usage::default();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return u;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the `(comm)`: state ppid pgrp … utime(14) stime(15) … rss(24), 1-based.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        if field(5) != u64::from(pgid) {
            continue;
        }
        u.processes += 1;
        u.cpu_ticks += field(14) + field(15);
        let rss = field(24) * page_kb();
        u.rss_kb += rss;
        u.pss_kb += pss_kb(pid).unwrap_or(rss);
    }
    u
}

/// `Pss:` of `/proc/<pid>/smaps_rollup`.
fn pss_kb(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn page_kb() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).unwrap_or(4096) / 1024
}

/// Peak RSS of this process (VmHWM), in KiB.
pub fn own_peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_owned()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Samples of the pool's total browser memory (PSS) over time, kept for a bounded window.
#[derive(Debug, Default)]
pub(crate) struct History {
    samples: std::collections::VecDeque<(Instant, u64)>,
    pub(crate) peak_kb: u64,
    pub(crate) last_kb: u64,
}

impl History {
    const KEEP: Duration = Duration::from_secs(600);

    pub(crate) fn push(&mut self, at: Instant, kb: u64) {
        self.samples.push_back((at, kb));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > Self::KEEP)
        {
            self.samples.pop_front();
        }
        self.peak_kb = self.peak_kb.max(kb);
        self.last_kb = kb;
    }

    /// Highest sample taken at or after `since` (or the latest one, if none was).
    pub(crate) fn peak_since(&self, since: Instant) -> u64 {
        self.samples
            .iter()
            .filter(|(t, _)| *t >= since)
            .map(|(_, kb)| *kb)
            .max()
            .unwrap_or(self.last_kb)
    }
}

#[cfg(test)]
mod tests;
