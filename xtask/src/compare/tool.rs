//! The CPU of the tool's own processes during a run: every descendant of xtask that is not a
//! Chromium process (panoptic; Playwright's `npx`, its runner and its workers), so a run's
//! Chromium CPU is its whole tree's (exact, from `cutime` once reaped) less the tool's.
//!
//! Sampled: every 100 ms `/proc` is scanned for the run's processes and each is classified by
//! its program (again at every scan: a process the tool forks is the tool's until it execs
//! Chromium), every 10 ms the tool's ones' `utime + stime` is read. A tool process's CPU after its last sample is missed (at
//! most 10 ms of wall, for the few processes a run has), and so is a tool process that lives
//! less than 100 ms. Chromium's own processes are never sampled: renderers come and go
//! between samples, which is why its CPU is taken as the difference.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A sampler running on its own thread until [`ToolCpu::finish`].
pub(super) struct ToolCpu {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<f64>,
}

impl ToolCpu {
    pub(super) fn start() -> ToolCpu {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || sample(&flag));
        ToolCpu { stop, thread }
    }

    /// Stops sampling: the tool's CPU seconds.
    pub(super) fn finish(self) -> f64 {
        self.stop.store(true, Ordering::Release);
        self.thread.join().unwrap_or(0.0)
    }
}

/// One process as `/proc/<pid>/stat` shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Stat {
    pub(super) ppid: u32,
    /// Start time in clock ticks after boot (a reused pid is another process).
    pub(super) start: u64,
    /// `utime + stime`, clock ticks.
    pub(super) cpu: u64,
    /// `cutime + cstime`: its waited-for descendants', clock ticks.
    pub(super) children: u64,
}

/// Parses `/proc/<pid>/stat` (the command name may hold spaces and parentheses).
pub(super) fn parse_stat(text: &str) -> Option<Stat> {
    let rest = text.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // 1-based fields of the whole line: ppid 4, utime 14, stime 15, cutime 16, cstime 17,
    // starttime 22; `rest` starts at field 3 (state).
    let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    Some(Stat {
        ppid: u32::try_from(field(4)?).ok()?,
        start: field(22)?,
        cpu: field(14)? + field(15)?,
        children: field(16)? + field(17)?,
    })
}

/// Whether `pid` descends from `root`, by the parent links in `parents`.
pub(super) fn descends(pid: u32, root: u32, parents: &HashMap<u32, u32>) -> bool {
    let mut p = pid;
    for _ in 0..64 {
        match parents.get(&p) {
            Some(&pp) if pp == root => return true,
            Some(&pp) if pp > 1 => p = pp,
            _ => return false,
        }
    }
    false
}

fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Whether `pid` runs Chromium's program — anything from Chromium's own folder
/// (`/usr/lib/chromium/…`, `/opt/google/chrome/…`): the browser, its zygotes, renderers,
/// crashpad handler; `None` when its program cannot be read.
fn chromium_program(pid: u32) -> Option<bool> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    let exe = exe.to_string_lossy();
    Some(exe.contains("/chromium/") || exe.contains("/chrome/") || exe.ends_with("/chromium"))
}

fn sample(stop: &AtomicBool) -> f64 {
    let me = std::process::id();
    // Per descendant (pid, start): its latest CPU ticks if it is the tool's, `None` once it is
    // seen to be Chromium's. Classified again at every scan: a process forked by the tool is
    // the tool's program until it execs Chromium.
    let mut seen: HashMap<(u32, u64), Option<u64>> = HashMap::new();
    let mut round = 0u64;
    loop {
        let last = stop.load(Ordering::Acquire);
        if round.is_multiple_of(10) || last {
            let all: Vec<(u32, Stat)> = std::fs::read_dir("/proc")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|pid| Some((pid, stat(pid)?)))
                .collect();
            let parents: HashMap<u32, u32> = all.iter().map(|(pid, s)| (*pid, s.ppid)).collect();
            for (pid, s) in &all {
                if !descends(*pid, me, &parents) {
                    continue;
                }
                // A process whose program cannot be read (gone, a zombie) keeps what it was.
                match chromium_program(*pid) {
                    Some(true) => {
                        seen.insert((*pid, s.start), None);
                    }
                    Some(false) => {
                        seen.entry((*pid, s.start)).or_insert(Some(s.cpu));
                    }
                    None => {}
                }
            }
        }
        for ((pid, start), cpu) in seen.iter_mut() {
            if let Some(cpu) = cpu
                && let Some(s) = stat(*pid).filter(|s| s.start == *start)
            {
                *cpu = s.cpu;
            }
        }
        if last {
            break;
        }
        round += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    seen.values().flatten().sum::<u64>() as f64 / hz()
}

/// Clock ticks per second (`utime` and the others count in them).
pub(super) fn hz() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64
}
