//! `cargo xtask compare`: the same 16-test suite (benches/e2e) run by panoptic and by
//! Playwright Test on the same system Chromium, interleaved; prints wall times, the ratio at
//! equal workers and at each tool's defaults, each run's CPU (Chromium's, the tool's own) and
//! the floor Chromium's sets on this machine's cores (Chromium CPU ÷ cores), warm-lease
//! p50/p95, panoptic's peak RSS, and the pass counts of the shadow-DOM fidelity suite in both
//! tools.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

// Seven, not five: on a 2-core machine shared with other work the run-to-run spread of
// wall/floor is ±0.05, and the median of seven narrows it.
const REPS: usize = 7;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One timed run.
#[derive(Clone, Copy, Debug)]
struct Run {
    /// Wall seconds.
    wall: f64,
    /// CPU seconds of the whole process tree: the tool and every Chromium process.
    tree: f64,
    /// CPU seconds of the tool's own processes (`tool`), sampled.
    tool: f64,
}

impl Run {
    /// Chromium's CPU seconds: the tree's less the tool's.
    fn chromium(&self) -> f64 {
        (self.tree - self.tool).max(0.0)
    }
}

/// Median wall seconds of a tool's runs.
fn wall(runs: &[Run]) -> f64 {
    median(runs.iter().map(|r| r.wall).collect())
}

/// Median of one CPU figure of a tool's runs.
fn cpu(runs: &[Run], of: fn(&Run) -> f64) -> f64 {
    median(runs.iter().map(of).collect())
}

/// Each run's wall time over the floor its own CPU (`of`) sets on `cores`: median, lowest,
/// highest. Per run, because wall and CPU move together with the machine's speed (a slower
/// minute makes both larger): dividing the median wall by the median CPU mixes runs.
fn over_floor(runs: &[Run], cores: f64, of: fn(&Run) -> f64) -> (f64, f64, f64) {
    let r: Vec<f64> = runs.iter().map(|run| run.wall / (of(run) / cores).max(1e-9)).collect();
    let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = r.iter().copied().fold(0.0, f64::max);
    (median(r), lo, hi)
}

fn percentile(mut v: Vec<u64>, p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn ensure_playwright(sh: &Shell, dir: &Path) -> Result<()> {
    crate::setup::ensure_packages(sh, &[("nodejs", &["node"]), ("npm", &["npm"])])?;
    if dir.join("node_modules/@playwright/test").is_dir() {
        return Ok(());
    }
    let _d = sh.push_dir(dir);
    cmd!(sh, "npm install --no-audit --no-fund --loglevel=error")
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .run()?;
    Ok(())
}

/// CPU seconds of this process's waited-for descendants so far (`cutime + cstime` of
/// `/proc/self/stat`).
fn children_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    tool::parse_stat(&stat).map_or(0.0, |s| s.children as f64 / tool::hz())
}

/// Makes xtask the reaper of every process its runs leave behind: Chromium's helpers (zygote,
/// renderers) outlive their parent for a moment and would be re-parented to init, and their
/// CPU would then be missing from the run's count (it was, for Playwright's runs).
fn become_subreaper() {
    // SAFETY: plain prctl on the calling process.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Waits (up to 10 s) for every descendant left behind to exit, reaping each, so its CPU is
/// in `children_cpu`.
fn reap_everything() {
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mut status = 0;
        // SAFETY: non-blocking wait for any child of this process.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid > 0 {
            continue;
        }
        // -1: no child left at all; 0: some still running.
        if pid < 0 || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// One timed run: wall seconds, the CPU seconds of its whole process tree (the tool and every
/// Chromium process, all reaped by xtask or by the tool) and of the tool's own processes.
fn timed(f: impl FnOnce() -> Result<()>) -> Result<Run> {
    let cpu = children_cpu();
    let tool = tool::ToolCpu::start();
    let t = Instant::now();
    let done = f();
    let wall = t.elapsed().as_secs_f64();
    let tool = tool.finish();
    done?;
    reap_everything();
    Ok(Run {
        wall,
        tree: children_cpu() - cpu,
        tool,
    })
}

/// What one results.json says of leases and memory.
struct Stats {
    /// Lease times of the attempts after each worker's first, in start order.
    warm: Vec<u64>,
    /// Each worker's first lease: it waits for the browser to start.
    cold: Vec<u64>,
    /// Per attempt: lease, opening the app's URL (step 0), the other steps, the rest (setup
    /// and teardown), the whole attempt; milliseconds.
    parts: Vec<[u64; 5]>,
    rss: u64,
    workers: u32,
}

/// Reads the lease times and panoptic's peak RSS out of a results.json.
fn stats(results: &Path) -> Result<Stats> {
    let text = std::fs::read_to_string(results).with_context(|| results.display().to_string())?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    let mut leases = Vec::new();
    let mut parts = Vec::new();
    for t in v["tests"].as_array().into_iter().flatten() {
        if t["status"] != "passed" {
            bail!("panoptic test {} did not pass: {}", t["name"], t["status"]);
        }
        for a in t["attempts"].as_array().into_iter().flatten() {
            // RFC 3339 in UTC with milliseconds: the text sorts as the time does.
            let started = a["started_at"].as_str().unwrap_or_default().to_owned();
            let lease = a["lease_ms"].as_u64().unwrap_or(0);
            leases.push((started, lease));
            let ms = |s: &serde_json::Value| s["duration_ms"].as_u64().unwrap_or(0);
            let steps: Vec<&serde_json::Value> = a["steps"].as_array().into_iter().flatten().collect();
            let open = steps.first().map_or(0, |s| ms(s));
            let rest_steps: u64 = steps.iter().skip(1).map(|s| ms(s)).sum();
            let total = a["duration_ms"].as_u64().unwrap_or(0);
            parts.push([
                lease,
                open,
                rest_steps,
                total.saturating_sub(lease + open + rest_steps),
                total,
            ]);
        }
    }
    leases.sort();
    let workers = v["run"]["workers"].as_u64().unwrap_or(0) as u32;
    let warm = leases.split_off((workers as usize).min(leases.len()));
    Ok(Stats {
        warm: warm.into_iter().map(|l| l.1).collect(),
        cold: leases.into_iter().map(|l| l.1).collect(),
        parts,
        rss: v["run"]["panoptic_peak_rss_mb"].as_u64().unwrap_or(0),
        workers,
    })
}

pub(crate) fn run(sh: &Shell) -> Result<()> {
    crate::setup::run(sh)?;
    become_subreaper();
    let root = crate::project_root();
    let pw_dir = root.join("benches/e2e/playwright");
    ensure_playwright(sh, &pw_dir)?;
    cmd!(sh, "cargo build --quiet --release -p panoptic").run()?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let bin = target.join("release/panoptic");
    let out = target.join("compare");
    let site = crate::server::StaticServer::start(&root.join("benches/e2e/site"))?;
    let url = site.url.clone();
    // The program itself, as panoptic runs it (not Debian's wrapper script in /usr/bin).
    let chromium = [
        "/usr/lib/chromium/chromium",
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .unwrap_or("chromium");

    let panoptic = |workers: Option<u32>, tag: &str| -> Result<Run> {
        let dir = out.join(tag);
        let mut args = vec![
            "run".to_owned(),
            "benches/e2e/suite.yaml".into(),
            "--output".into(),
            dir.display().to_string(),
        ];
        if let Some(w) = workers {
            args.extend(["--workers".into(), w.to_string()]);
        }
        timed(|| {
            Ok(cmd!(sh, "{bin} {args...}")
                .env("BENCH_URL", &url)
                .quiet()
                .ignore_stderr()
                .ignore_stdout()
                .run()?)
        })
    };
    let playwright = |workers: Option<u32>| -> Result<Run> {
        let _d = sh.push_dir(&pw_dir);
        let mut c = cmd!(sh, "npx playwright test --config playwright.config.js")
            .env("BENCH_URL", &url)
            .env("BENCH_CHROMIUM", chromium);
        if let Some(w) = workers {
            c = c.env("BENCH_WORKERS", w.to_string());
        } else {
            c = c.env_remove("BENCH_WORKERS");
        }
        timed(|| Ok(c.quiet().ignore_stdout().ignore_stderr().run()?))
    };

    // Equal workers = this machine's cores: the lease target is stated there.
    let cores_n = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
    let mut rows = Vec::new();
    for (label, workers) in [("equal workers", Some(cores_n)), ("defaults", None)] {
        let (mut p, mut w) = (Vec::new(), Vec::new());
        for rep in 0..REPS {
            // Alternate the order so neither tool always runs on a warmer machine.
            if rep % 2 == 0 {
                p.push(panoptic(workers, &format!("{}-{rep}", label.replace(' ', "-")))?);
                w.push(playwright(workers)?);
            } else {
                w.push(playwright(workers)?);
                p.push(panoptic(workers, &format!("{}-{rep}", label.replace(' ', "-")))?);
            }
        }
        rows.push((label, workers, p, w));
    }
    let (mut leases, mut default_leases, mut cold, mut parts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for rep in 0..REPS {
        let equal = stats(&out.join(format!("equal-workers-{rep}/results.json")))?;
        leases.extend(equal.warm);
        cold.extend(equal.cold);
        let defaults = stats(&out.join(format!("defaults-{rep}/results.json")))?;
        default_leases.extend(defaults.warm);
        cold.extend(defaults.cold);
        parts.extend(defaults.parts);
    }
    let defaults = stats(&out.join("defaults-0/results.json"))?;
    let (default_rss, default_workers) = (defaults.rss, defaults.workers);
    panoptic(Some(8), "workers-8")?;
    let rss8 = stats(&out.join("workers-8/results.json"))?.rss;

    println!("\ncargo xtask compare: 16 tests (benches/e2e), median of {REPS} runs, same Chromium ({chromium})\n");
    let cores = f64::from(cores_n);
    println!("{:<16} {:>10} {:>12} {:>8}", "", "panoptic", "playwright", "ratio");
    for (label, workers, p, w) in &rows {
        let label = match workers {
            Some(n) => format!("{label} ({n})"),
            None => format!("{label} ({default_workers} vs pw's)"),
        };
        let (p, w) = (wall(p), wall(w));
        println!("{label:<16} {p:>9.2}s {w:>11.2}s {:>8.2}", p / w);
    }
    println!(
        "\nCPU per run (medians): Chromium's (the process tree's less the tool's own), the tool's own; the floor Chromium's sets on {cores} cores (Chromium CPU / cores); each run's wall/floor (median, lowest-highest), and beside it on the whole tree's CPU (tool + Chromium):"
    );
    for (label, _, p, w) in &rows {
        let line = |runs: &[Run]| {
            let (chromium, tool) = (cpu(runs, Run::chromium), cpu(runs, |r| r.tool));
            let (m, lo, hi) = over_floor(runs, cores, Run::chromium);
            let (tm, tlo, thi) = over_floor(runs, cores, |r| r.tree);
            format!(
                "Chromium {chromium:.2} CPU-s + own {tool:.2}, floor {:.2}s, wall/floor {m:.2} ({lo:.2}-{hi:.2}); on the tree {tm:.2} ({tlo:.2}-{thi:.2})",
                chromium / cores
            )
        };
        println!("{label:<16} panoptic: {}", line(p));
        println!("{:<16} playwright: {}", "", line(w));
    }
    println!(
        "\nwarm lease (each worker's first, which waits for the browser to start, left out): p50 {} ms, p95 {} ms at {cores_n} workers; p50 {} ms, p95 {} ms at {default_workers}",
        percentile(leases.clone(), 0.5),
        percentile(leases, 0.95),
        percentile(default_leases.clone(), 0.5),
        percentile(default_leases, 0.95)
    );
    println!(
        "cold lease (each worker's first): p50 {} ms, max {} ms",
        percentile(cold.clone(), 0.5),
        percentile(cold, 1.0)
    );
    let part = |i: usize| percentile(parts.iter().map(|p: &[u64; 5]| p[i]).collect(), 0.5);
    println!(
        "per test at defaults (median ms): lease {}, open the URL {}, the other steps {}, setup + teardown {}, whole attempt {}",
        part(0),
        part(1),
        part(2),
        part(3),
        part(4)
    );
    println!("panoptic peak RSS: {default_rss} MB at default workers, {rss8} MB at 8 workers");
    println!(
        "targets: defaults <= 0.50 x playwright and <= 1.15 x the floor, lease p95 <= 150 ms at workers = cores, RSS <= 40 MB at 8 workers"
    );

    // Fidelity: the shadow-DOM suite (benches/e2e/shadow.yaml and playwright/shadow.spec.js),
    // the same behaviours, passes counted per tool.
    let shadow_out = out.join("shadow");
    let _ = cmd!(sh, "{bin} run benches/e2e/shadow.yaml --output {shadow_out}")
        .env("BENCH_URL", &url)
        .quiet()
        .ignore_stderr()
        .ignore_stdout()
        .run();
    let (p_pass, p_total) = passes(&shadow_out.join("results.json"))?;
    let pw_report = out.join("shadow-playwright.json");
    let pw = {
        let _d = sh.push_dir(&pw_dir);
        cmd!(sh, "npx playwright test --config playwright.config.js --reporter=json")
            .env("BENCH_URL", &url)
            .env("BENCH_CHROMIUM", chromium)
            .env("BENCH_SPEC", "shadow.spec.js")
            .ignore_status()
            .ignore_stderr()
            .quiet()
            .read()?
    };
    std::fs::write(&pw_report, &pw)?;
    let stats: serde_json::Value = serde_json::from_str(&pw).context("playwright's JSON report")?;
    let w_pass = stats["stats"]["expected"].as_u64().unwrap_or(0);
    let w_total =
        w_pass + stats["stats"]["unexpected"].as_u64().unwrap_or(0) + stats["stats"]["flaky"].as_u64().unwrap_or(0);
    println!(
        "
shadow DOM suite (benches/e2e/shadow.yaml): panoptic {p_pass}/{p_total} passed, playwright {w_pass}/{w_total}"
    );
    if p_pass != p_total || w_pass != w_total {
        bail!("the shadow DOM suite did not pass in both tools");
    }
    Ok(())
}

/// Passed and total tests of a panoptic `results.json`.
fn passes(results: &Path) -> Result<(usize, usize)> {
    let text = std::fs::read_to_string(results).with_context(|| format!("{}", results.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    let tests = v["tests"].as_array().cloned().unwrap_or_default();
    Ok((tests.iter().filter(|t| t["status"] == "passed").count(), tests.len()))
}

mod tool;

#[cfg(test)]
mod tests;
