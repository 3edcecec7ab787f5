//! The pool and the parallel executor: workers, retries, shards, merge, memory budget, remote
//! endpoints, and process hygiene under SIGINT, SIGKILL and a killed browser.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{command, fixtures, panoptic_with, run_yaml};

/// A suite of `n` small independent tests against the fixture pages.
pub(crate) fn suite(n: usize, settings: &str) -> String {
    let mut y = format!("name: suite\nsettings: {settings}\napps:\n");
    for i in 0..n {
        let step = match i % 4 {
            0 => {
                "[{ type: fill, selector: '#name', value: 'n' }, { type: assert_value, selector: '#name', equals: 'n' }]"
            }
            1 => "[{ type: click, selector: '#toggle' }, { type: assert_hidden, selector: '#panel' }]",
            2 => "[{ type: assert_count, selector: '.item', count: 3 }]",
            _ => {
                "[{ type: select, selector: '#city', label: Paris }, { type: assert_value, selector: '#city', equals: par }]"
            }
        };
        y.push_str(&format!(
            "  - name: t{i:02}\n    url: \"${{FIXTURES}}/kitchen.html\"\n    actions: {step}\n"
        ));
    }
    y
}

pub(crate) fn statuses(results: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn four_workers_give_the_same_results_as_one() {
    let one = run_yaml(&suite(16, "{ workers: 1 }"));
    let four = run_yaml(&suite(16, "{ workers: 4 }"));
    one.assert_all_passed();
    four.assert_all_passed();
    assert_eq!(statuses(&one.results()), statuses(&four.results()));
    assert_eq!(four.results()["run"]["workers"], 4);
    assert_eq!(four.results()["tests"].as_array().unwrap().len(), 16);
    // Attempts overlapped: the 4-worker run had several tests in flight at once.
    let lease: Vec<u64> = four.results()["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["attempts"][0]["lease_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(lease.len(), 16);
}

#[test]
fn pass_after_fail_is_flaky_and_both_attempts_keep_their_artifacts() {
    let key = format!("k{}", std::process::id());
    let yaml = format!(
        "name: flaky\nsettings: {{ retries: 1, timeouts: {{ expect: 500ms }} }}\napps:\n  - name: flaky\n    url: \"${{FIXTURES}}/__flaky/{key}\"\n    actions:\n      - {{ type: assert_text, selector: '#state', equals: again }}\n      - {{ type: assert_text, selector: '#cookie', equals: 'cookie:none' }}\n      - {{ type: screenshot, parameters: {{ filename: end.png }} }}\n"
    );
    let run = run_yaml(&yaml);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let t = run.test("flaky");
    assert_eq!(t["status"], "flaky", "{t:#}");
    let attempts = t["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status"], "failed");
    assert_eq!(attempts[1]["status"], "passed");
    let first_shot = attempts[0]["steps"][1]["screenshots"][0].as_str().unwrap();
    assert!(first_shot.starts_with("screenshots/flaky/"), "{first_shot}");
    assert!(run.out().join(first_shot).is_file());
    assert!(run.out().join("screenshots/flaky-retry1/end.png").is_file());
    // The retry started in a clean context: the first attempt's cookie is gone.
    let fail_fast = panoptic_with(
        &["run", "--fail-on-flaky"],
        &yaml.replace(&key, &format!("{key}b")),
        &[],
        &[],
    );
    assert_eq!(fail_fast.code, 1, "--fail-on-flaky: {}", fail_fast.stderr);
}

#[test]
fn a_timed_out_attempt_is_discarded_and_the_retry_starts_clean() {
    let key = format!("t{}", std::process::id());
    let yaml = format!(
        "name: clean\nsettings: {{ retries: 1 }}\napps:\n  - name: clean\n    url: \"${{FIXTURES}}/__flaky/{key}\"\n    timeout: 3\n    actions:\n      - {{ type: assert_text, selector: '#state', equals: again, timeout: 10s }}\n      - {{ type: assert_text, selector: '#cookie', equals: 'cookie:none' }}\n"
    );
    let run = run_yaml(&yaml);
    let t = run.test("clean");
    assert_eq!(t["attempts"][0]["status"], "timed_out", "{t:#}");
    assert_eq!(t["attempts"][1]["status"], "passed", "{t:#}");
    assert_eq!(t["status"], "flaky");
}

#[test]
fn shards_merge_into_the_unsharded_results() {
    let yaml = suite(7, "{ workers: 2 }");
    let whole = run_yaml(&yaml);
    whole.assert_all_passed();
    let one = panoptic_with(&["run", "--shard", "1/2"], &yaml, &[], &[]);
    let two = panoptic_with(&["run", "--shard", "2/2"], &yaml, &[], &[]);
    one.assert_all_passed();
    two.assert_all_passed();
    let n1 = one.results()["tests"].as_array().unwrap().len();
    let n2 = two.results()["tests"].as_array().unwrap().len();
    assert!(n1 > 0 && n2 > 0 && n1 + n2 == 7, "{n1} + {n2}");
    let merged = one.dir.path().join("merged");
    let out = command()
        .args(["report", "merge"])
        .arg(one.out())
        .arg(two.out())
        .arg("-o")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m: Value = serde_json::from_str(&std::fs::read_to_string(merged.join("results.json")).unwrap()).unwrap();
    assert_eq!(statuses(&m), statuses(&whole.results()));
    assert!(merged.join("junit.xml").is_file() && merged.join("report.html").is_file());
    let grep = panoptic_with(&["run", "--grep", "t0[12]"], &yaml, &[], &[]);
    assert_eq!(grep.results()["tests"].as_array().unwrap().len(), 2);
}

#[test]
fn last_failed_reruns_only_the_failures() {
    let yaml = "name: lf\nsettings: { retries: 0, timeouts: { expect: 200ms } }\napps:\n  - { name: good, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#title' }] }\n  - { name: bad, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#nope' }] }\n";
    let first = run_yaml(yaml);
    assert_eq!(first.code, 1);
    let again = command()
        .args(["run", "config.yaml", "--output", "out", "--last-failed"])
        .current_dir(first.dir.path())
        .env("FIXTURES", fixtures())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    let r: Value = serde_json::from_str(&first.read("results.json")).unwrap();
    let names: Vec<&str> = r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bad"]);
}

#[test]
fn a_memory_budget_below_two_browsers_still_completes_with_admission_waits() {
    let run = run_yaml(&suite(4, "{ workers: 2, limits: { memory_budget_mb: 64 } }"));
    run.assert_all_passed();
    let r = run.results();
    let waits: u64 = r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["attempts"][0]["admission_wait_ms"].as_u64().unwrap())
        .sum();
    assert!(waits > 0, "no attempt waited for memory: {r:#}");
    assert!(r["run"]["peak_browser_memory_mb"].as_u64().unwrap() > 64);
    assert!(
        r["tests"][0]["attempts"][0]["peak_browser_memory_mb"]
            .as_u64()
            .is_some()
    );
}

// ---- process hygiene ----------------------------------------------------------------------

/// Live (non-zombie) Chromium processes whose environment carries `marker`.
fn chromium_with_marker(marker: &str) -> Vec<(u32, String)> {
    let needle = format!("PANOPTIC_TEST_MARKER={marker}");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let base = Path::new("/proc").join(pid.to_string());
        let Ok(env) = std::fs::read(base.join("environ")) else {
            continue;
        };
        if !env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()) {
            continue;
        }
        let stat = std::fs::read_to_string(base.join("stat")).unwrap_or_default();
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().next())
            .unwrap_or("");
        let cmd = String::from_utf8_lossy(&std::fs::read(base.join("cmdline")).unwrap_or_default()).replace('\0', " ");
        if state != "Z" && cmd.contains("chrom") {
            found.push((pid, cmd));
        }
    }
    found
}

/// Within 2 s, no Chromium process carries `marker` any more.
fn assert_no_chromium_left(marker: &str) {
    assert!(
        wait_until(Duration::from_secs(2), || chromium_with_marker(marker).is_empty()),
        "orphans: {:?}",
        chromium_with_marker(marker)
    );
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

const SLOW: &str = "name: slow\nsettings: { workers: 1, retries: 0 }\napps:\n  - { name: s1, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: wait, wait_time: 3 }, { type: assert_visible, selector: '#title' }] }\n  - { name: s2, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: wait, wait_time: 3 }] }\n  - { name: s3, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: wait, wait_time: 3 }] }\n";

/// Starts `panoptic run` in the background with a marker and `TMPDIR` = `<dir>/tmp`, waits
/// until a browser runs.
fn start_slow(yaml: &str, marker: &str) -> (std::process::Child, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    std::fs::create_dir(dir.path().join("tmp")).unwrap();
    let child = command()
        .args(["run", "config.yaml", "--output", "out"])
        .current_dir(dir.path())
        .env("TMPDIR", dir.path().join("tmp"))
        .env("FIXTURES", fixtures())
        .env("PANOPTIC_TEST_MARKER", marker)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let jsonl = dir.path().join("out/results.jsonl");
    assert!(
        wait_until(Duration::from_secs(20), || std::fs::read_to_string(&jsonl)
            .is_ok_and(|s| s.contains("step_finished"))),
        "the run never got going"
    );
    (child, dir)
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: sending a signal to a process this test started.
    unsafe {
        libc::kill(pid as i32, sig);
    }
}

#[test]
fn a_normal_run_leaves_no_chromium_behind() {
    let marker = format!("normal-{}", std::process::id());
    let run = panoptic_with(
        &["run"],
        &suite(2, "{ workers: 2 }"),
        &[],
        &[("PANOPTIC_TEST_MARKER", &marker)],
    );
    run.assert_all_passed();
    assert_no_chromium_left(&marker);
}

#[test]
fn sigint_interrupts_with_130_partial_results_and_no_orphans() {
    let marker = format!("int-{}", std::process::id());
    let (mut child, dir) = start_slow(SLOW, &marker);
    assert!(
        !chromium_with_marker(&marker).is_empty(),
        "no browser seen while running"
    );
    signal(child.id(), libc::SIGINT);
    let status = wait_exit(&mut child, Duration::from_secs(15)).expect("panoptic did not exit after SIGINT");
    assert_eq!(status.code(), Some(130));
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/results.json")).unwrap()).unwrap();
    let st = statuses(&r);
    assert_eq!(st.len(), 3, "{st:?}");
    assert!(st.iter().any(|(_, s)| s == "interrupted"), "{st:?}");
    assert_eq!(r["run"]["status"], "interrupted");
    assert_no_chromium_left(&marker);
}

/// After `kill -9` no browser process survives; the browser folder the killed run could not
/// remove is removed by the next run that uses the same temp folder.
#[test]
fn sigkill_of_panoptic_leaves_no_orphan_chromium_and_the_next_run_removes_its_folder() {
    let marker = format!("kill-{}", std::process::id());
    let (mut child, dir) = start_slow(SLOW, &marker);
    assert!(!chromium_with_marker(&marker).is_empty());
    signal(child.id(), libc::SIGKILL);
    let _ = child.wait();
    assert_no_chromium_left(&marker);
    let tmp = dir.path().join("tmp");
    assert_eq!(crate::support::browser_dirs(&tmp), 1, "the killed run's browser folder");
    let yaml = "name: next\napps:\n  - { name: a, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#title' }] }\n";
    std::fs::write(dir.path().join("next.yaml"), yaml).unwrap();
    let next = command()
        .args(["run", "next.yaml", "--output", "next", "--no-history"])
        .current_dir(dir.path())
        .env("TMPDIR", &tmp)
        .env("FIXTURES", fixtures())
        .output()
        .unwrap();
    assert!(next.status.success(), "{}", String::from_utf8_lossy(&next.stderr));
    assert_eq!(crate::support::browser_dirs(&tmp), 0, "a browser folder was left");
}

#[test]
fn a_killed_browser_is_replaced_and_every_test_gets_a_final_status() {
    let marker = format!("crash-{}", std::process::id());
    let (mut child, dir) = start_slow(SLOW, &marker);
    let main = chromium_with_marker(&marker)
        .into_iter()
        .find(|(_, cmd)| cmd.contains("--remote-debugging-port"))
        .expect("browser main process");
    signal(main.0, libc::SIGKILL);
    let status = wait_exit(&mut child, Duration::from_secs(60)).expect("run did not finish");
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/results.json")).unwrap()).unwrap();
    let tests = r["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3);
    let affected = tests.iter().find(|t| {
        t["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["infrastructure_failure"] == true)
    });
    let affected = affected.unwrap_or_else(|| panic!("no attempt was marked as an infrastructure failure: {r:#}"));
    assert!(affected["attempts"].as_array().unwrap().len() >= 2, "{affected:#}");
    for t in tests {
        assert_eq!(t["status"], "passed", "{t:#}");
    }
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_remote_endpoint_carries_the_run() {
    let marker = format!("remote-{}", std::process::id());
    let profile = tempfile::tempdir().unwrap();
    let mut chrome = remote_chromium(profile.path(), &marker);
    let ws = read_ws_url(&mut chrome);
    let pages_before = remote_pages(&ws);
    let run = panoptic_with(
        &["run", "--browser-endpoint", &ws],
        &suite(3, "{ workers: 2 }"),
        &[],
        // No local Chromium can be found: the remote one must do all the work.
        &[("PANOPTIC_CHROME", "/nonexistent/chromium"), ("PATH", "/nonexistent")],
    );
    // Contexts are disposed in the background after each test: the run still waits for that
    // on a browser it does not own, so none of its tabs is left there.
    let pages_after = remote_pages(&ws);
    let _ = chrome.kill();
    let _ = chrome.wait();
    run.assert_all_passed();
    assert_eq!(pages_after, pages_before, "tabs of the run left on the remote browser");
}

/// Once no test is left to start, a local browser's context is not disposed at once (the
/// run's end kills the browser with it): its tab is frozen — a page that never rests stops —
/// and, in a pool that lives on (`panoptic serve`), disposed a moment later; so is a tab
/// stuck in a loop, which no freeze stops.
#[test]
fn after_the_last_test_its_tab_is_frozen_then_disposed_while_the_pool_lives() {
    use panoptic_core::session::SessionSource;
    let marker = format!("--panoptic-test-marker=linger-{}", std::process::id());
    let site = fixtures();
    let port: u16 = site
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("the fixtures' port");
    let hits = || -> u64 {
        let answer = crate::serve::client::http(port, "GET", "/__hits/ticker", &[], &[]);
        answer.body.trim().parse().unwrap()
    };
    let ticker = format!("{site}/ticker.html");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = local_pool(&marker);
        pool.upcoming(0);
        let session = open_tab(&pool, &ticker).await;
        let ticking = Instant::now() + Duration::from_secs(10);
        while hits() < 5 {
            assert!(Instant::now() < ticking, "the ticker page never ticked");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ws = format!("ws://127.0.0.1:{}/devtools/browser", devtools_port(&marker));
        assert_eq!(remote_pages(&ws), [ticker.as_str()]);
        session.close().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = hits();
        tokio::time::sleep(Duration::from_millis(500)).await;
        // 25 ticks in 500 ms if it still ran; one request already on its way may land.
        assert!(hits() <= before + 1, "the tab kept running after its session ended");
        assert_eq!(
            remote_pages(&ws),
            [ticker.as_str()],
            "disposed before the pool could end"
        );
        until_no_pages(&ws, "frozen").await;
        // A page stuck in a loop cannot be frozen; it is disposed all the same.
        let mut stuck = open_tab(&pool, &ticker).await;
        stuck
            .page
            .eval("setTimeout(() => { for (;;) {} }, 0); true")
            .await
            .unwrap();
        stuck.close().await;
        until_no_pages(&ws, "stuck").await;
        pool.shutdown().await;
    });
}

/// A tab of `pool` (800 × 600) that opened `url`.
pub(crate) async fn open_tab(pool: &panoptic_browser_pool::BrowserPool, url: &str) -> panoptic_core::session::Session {
    use panoptic_core::session::{LeaseOpts, SessionSource};
    let mut session = pool
        .lease(&LeaseOpts {
            width: 800,
            height: 600,
        })
        .await
        .unwrap();
    session.page.goto(url).await.unwrap();
    session
}

/// Waits (up to 10 s) until the browser at `ws` lists no page; `what` names the tab that stays.
async fn until_no_pages(ws: &str, what: &str) {
    let gone = Instant::now() + Duration::from_secs(10);
    while !remote_pages(ws).is_empty() {
        assert!(Instant::now() < gone, "the {what} tab was never disposed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A pool of one local browser (no tab prepared ahead) whose command line carries `marker`.
pub(crate) fn local_pool(marker: &str) -> panoptic_browser_pool::BrowserPool {
    let mut settings = panoptic_core::config::Settings::default();
    settings.browser.args = vec![marker.to_owned()];
    let mut opts = panoptic_browser_pool::PoolOpts::for_settings(&settings, true, Vec::new(), None).unwrap();
    opts.prewarm = 0;
    panoptic_browser_pool::BrowserPool::new(opts)
}

/// The DevTools port of the browser whose command line carries `marker` (its profile's
/// `DevToolsActivePort`).
fn devtools_port(marker: &str) -> u16 {
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = cmd
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !args.iter().any(|a| a == marker) || args.iter().any(|a| a.starts_with("--type=")) {
            continue;
        }
        if let Some(dir) = args.iter().find_map(|a| a.strip_prefix("--user-data-dir=")) {
            let file = std::fs::read_to_string(Path::new(dir).join("DevToolsActivePort")).unwrap();
            return file.lines().next().unwrap().parse().unwrap();
        }
    }
    panic!("no browser with {marker}");
}

/// The page targets a browser lists at `/json/list`, by URL (its HTTP server answers HTTP/1.1 only).
fn remote_pages(ws: &str) -> Vec<String> {
    let port: u16 = ws
        .trim_start_matches("ws://127.0.0.1:")
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port in the DevTools URL");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    std::io::Write::write_all(&mut s, b"GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    // It keeps the connection open: read the head, then Content-Length bytes.
    let mut r = std::io::BufReader::new(s);
    let mut len = 0;
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut r, &mut line).unwrap() > 0 && line.trim() != "" {
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        line.clear();
    }
    let mut body = vec![0; len];
    std::io::Read::read_exact(&mut r, &mut body).unwrap();
    let list: Value = serde_json::from_slice(&body).unwrap();
    let mut pages: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        // Chromium's own tabs (its first one's URL changes as it loads) are not the run's.
        .filter(|t| t["type"] == "page" && !t["url"].as_str().unwrap_or_default().starts_with("chrome://"))
        .map(|t| t["url"].as_str().unwrap_or_default().to_owned())
        .collect();
    pages.sort();
    pages
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test starts its own remote Chromium, as a user would"
)]
pub(crate) fn remote_chromium(profile: &Path, marker: &str) -> std::process::Child {
    let exe = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .expect("chromium installed (cargo xtask setup)");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
    ])
    .args([
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .args(["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"])
    .arg(format!("--user-data-dir={}", profile.display()))
    // Its socket folder (`org.chromium.Chromium.*`) goes with the profile: a killed browser
    // cannot remove it, and every test run left one in /tmp.
    .env("TMPDIR", profile)
    .env("PANOPTIC_TEST_MARKER", marker)
    .stderr(std::process::Stdio::piped())
    .stdout(std::process::Stdio::null());
    // SAFETY: prctl is async-signal-safe. A test that panics or is killed (a timeout) takes
    // its browser with it instead of leaving it running.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().unwrap()
}

pub(crate) fn read_ws_url(child: &mut std::process::Child) -> String {
    use std::io::BufRead;
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.find("ws://").map(|i| l[i..].trim().to_owned()));
    // Keep draining so Chromium never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    url.expect("DevTools URL on stderr")
}

/// The history component end to end: runs add archives, `--shard` balances by their durations
/// (longest first) and `panoptic history` reads them back.
#[test]
fn history_balances_shards_by_duration_and_reports() {
    let yaml = "name: hist\nsettings: { workers: 1, retries: 0 }\napps:\n  - { name: slow, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: wait, wait_time: 2 }] }\n  - { name: f1, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#title' }] }\n  - { name: f2, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#title' }] }\n  - { name: f3, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#title' }] }\n";
    let first = run_yaml(yaml);
    first.assert_all_passed();
    let dir = first.dir.path();
    let archives = || std::fs::read_dir(dir.join(".panoptic/history")).map_or(0, |d| d.count());
    assert_eq!(archives(), 1, "one archive per run");
    let shard = |i: &str| {
        let out = command()
            .args(["run", "config.yaml", "--output", i, "--shard", &format!("{i}/2")])
            .current_dir(dir)
            .env("FIXTURES", fixtures())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let r: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(i).join("results.json")).unwrap()).unwrap();
        let mut names: Vec<String> = r["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    // Round-robin would give [slow, f2] and [f1, f3]; by duration the slow test is alone.
    assert_eq!(shard("1"), ["slow"]);
    assert_eq!(shard("2"), ["f1", "f2", "f3"]);
    assert_eq!(archives(), 3);
    let out = command()
        .args(["history", "slowest", "-n", "2"])
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("3 run(s) in .panoptic/history"), "{text}");
    assert!(rows[2].starts_with("slow ") && rows.len() == 4, "{text}");
    let stats = command().args(["history", "stats"]).current_dir(dir).output().unwrap();
    let text = String::from_utf8_lossy(&stats.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("f1 ") && l.contains("100.0%")),
        "{text}"
    );
    // A damaged archive is skipped with a warning, never fatal.
    std::fs::write(dir.join(".panoptic/history/0-broken.rkyv"), b"not an archive").unwrap();
    let out = command().args(["history", "flaky"]).current_dir(dir).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped"), "{out:?}");
    let none = panoptic_with(&["run", "--no-history"], yaml, &[], &[]);
    none.assert_all_passed();
    assert!(!none.dir.path().join(".panoptic").exists());
}
