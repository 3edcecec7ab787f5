//! Load, with a real HTTP load generator (`hey`, Debian's package): 200 submissions at once
//! against `--queue 50`. The excess is answered 429 with `Retry-After`; every accepted run
//! finishes; `/healthz` answers throughout and the server's memory stays bounded. The numbers
//! are printed for the record (a timed test asserts only far-off bounds: DESIGN §11).

use std::io::Write;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Serve, http, passing};

/// The resident memory of a process, in KiB.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
#[expect(clippy::disallowed_methods, reason = "the load generator, not a browser")]
fn two_hundred_submissions_at_once_fill_the_queue_and_lose_nothing() {
    let s = Serve::start(&["--queue", "50", "--concurrency", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("config.yaml");
    std::fs::write(&body, passing("load")).unwrap();
    // /healthz every 10 ms and the server's memory, while the burst lands and the queue drains.
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let prober = {
        let (done, peak, port, pid) = (done.clone(), peak.clone(), s.port, s.pid());
        std::thread::spawn(move || {
            let mut took = Vec::new();
            while !done.load(Ordering::SeqCst) {
                let t = Instant::now();
                let a = http(port, "GET", "/healthz", &[], b"");
                assert_eq!(a.status, 200, "/healthz under load: {}", a.body);
                took.push(t.elapsed());
                peak.fetch_max(rss_kb(pid), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
            }
            took
        })
    };
    let url = format!("{}/api/v1/runs", s.url());
    let auth = format!("Authorization: Bearer {}", s.runner);
    let out = Command::new("hey")
        .args([
            "-n",
            "200",
            "-c",
            "200",
            "-m",
            "POST",
            "-T",
            "application/yaml",
            "-o",
            "csv",
        ])
        .args(["-H", &auth, "-D"])
        .arg(&body)
        .arg(&url)
        .output()
        .expect("hey (cargo xtask setup installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8_lossy(&out.stdout);
    // response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
    let mut codes = std::collections::BTreeMap::<u16, usize>::new();
    let mut slowest = 0.0f64;
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if let (Some(t), Some(c)) = (cols.first(), cols.get(6)) {
            *codes.entry(c.parse().unwrap_or(0)).or_default() += 1;
            slowest = slowest.max(t.parse().unwrap_or(0.0));
        }
    }
    let (accepted, refused) = (
        codes.get(&202).copied().unwrap_or(0),
        codes.get(&429).copied().unwrap_or(0),
    );
    assert_eq!(accepted + refused, 200, "answers: {codes:?}");
    assert!(
        (50..=60).contains(&accepted),
        "the queue takes 50 (plus what started meanwhile): {codes:?}"
    );
    // While the queue is still full, a late submission is told when to come back.
    let late = s.call("POST", "/api/v1/runs", Some(&s.runner), &passing("late"));
    assert_eq!(
        (late.status, late.header("retry-after")),
        (429, Some("5")),
        "{}",
        late.body
    );
    let pressure = s.call("GET", "/pressure", None, "").json();
    assert_eq!(pressure["pressure"]["is_available"], false, "{pressure:#}");
    assert_eq!(s.call("GET", "/readyz", None, "").status, 503);

    // Every accepted run ends, and passes.
    let until = Instant::now() + Duration::from_secs(600);
    let runs = loop {
        let runs = s.call("GET", "/api/v1/runs?limit=1000", Some(&s.viewer), "").json()["runs"]
            .as_array()
            .unwrap()
            .clone();
        if runs
            .iter()
            .all(|r| !matches!(r["status"].as_str(), Some("queued" | "running")))
        {
            break runs;
        }
        assert!(Instant::now() < until, "the queue did not drain");
        std::thread::sleep(Duration::from_millis(250));
    };
    done.store(true, Ordering::SeqCst);
    let mut took = prober.join().unwrap();
    assert_eq!(runs.len(), accepted, "every accepted run is listed");
    let passed = runs.iter().filter(|r| r["status"] == "passed").count();
    assert_eq!(passed, accepted, "{:#}", serde_json::Value::Array(runs));
    assert_eq!(s.call("GET", "/readyz", None, "").status, 200);
    took.sort();
    let p = |q: f64| took[((took.len() - 1) as f64 * q) as usize];
    let peak_mb = peak.load(Ordering::SeqCst) / 1024;
    let _ = writeln!(
        std::io::stderr(),
        "load: {accepted} accepted, {refused} refused (429); slowest submission {:.0} ms; /healthz over {} probes: p50 {:?}, p99 {:?}, max {:?}; server peak RSS {peak_mb} MiB",
        slowest * 1000.0,
        took.len(),
        p(0.5),
        p(0.99),
        took.last().unwrap()
    );
    // Far-off bounds only: this is a correctness test, the numbers above are for the note.
    assert!(p(0.99) < Duration::from_secs(1), "/healthz p99 {:?}", p(0.99));
    assert!(peak_mb < 1024, "server RSS {peak_mb} MiB");
}
