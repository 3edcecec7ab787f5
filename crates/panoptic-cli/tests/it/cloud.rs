//! Runs in a real S3-compatible server (`moto_server`, started here on loopback): a run with
//! video synced on finish, every object's sha256 equal to the local file's; a second sync sends
//! nothing; the server cut off mid-sync gives a clear error, the partial run is not listed as
//! complete, and a rerun completes; retention deletes exactly the old runs (dry run first);
//! shards balance from history held only in the bucket; bad URLs and missing credentials are
//! named.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::Digest;

use crate::support::{command, fixtures, results_in, test_named, walk};

/// `moto_server` on a free loopback port; killed on drop.
struct Moto {
    child: std::process::Child,
    port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.0 request; the status and body. moto checks no signature, but it refuses a
/// request without credentials where an object is private: a placeholder one says who asks.
fn http(port: u16, method: &str, path: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = "AWS4-HMAC-SHA256 Credential=test/20261128/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    answer(s)
}

/// Status and body of the HTTP/1.0 answer on `s`, read to its end.
pub(crate) fn answer(mut s: TcpStream) -> (u16, Vec<u8>) {
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]);
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, buf.get(split + 4..).unwrap_or_default().to_vec())
}

impl Moto {
    #[expect(clippy::disallowed_methods, reason = "the test's own S3 server, not a browser")]
    fn start() -> Moto {
        let port = free_port();
        let child = std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server (cargo xtask setup installs it)");
        let until = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let m = Moto { child, port };
        assert_eq!(http(port, "PUT", "/runs-bucket").0, 200, "create the bucket");
        m
    }

    fn object(&self, key: &str) -> Option<Vec<u8>> {
        let (status, body) = http(self.port, "GET", &format!("/runs-bucket/{key}"));
        (status == 200).then_some(body)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a [`Proxy`]'s threads share.
#[derive(Default)]
struct Wire {
    cut: AtomicBool,
    sent: AtomicU64,
    cut_after: AtomicU64,
    conns: Mutex<Vec<TcpStream>>,
}

impl Wire {
    /// Counts bytes from the client; past the limit, closes every connection.
    fn count(&self, n: usize) {
        if self.sent.fetch_add(n as u64, Ordering::SeqCst) + n as u64 > self.cut_after.load(Ordering::SeqCst) {
            self.cut.store(true, Ordering::SeqCst);
            for c in self.conns.lock().unwrap().iter() {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
    }
}

/// A TCP proxy in front of moto that can be cut like a dying server: after `cut_after` bytes
/// from the client it closes every connection and refuses new ones until restored.
struct Proxy {
    port: u16,
    wire: Arc<Wire>,
}

fn pipe(mut from: TcpStream, mut to: TcpStream, counting: Option<Arc<Wire>>) {
    std::thread::spawn(move || {
        let mut buf = [0; 64 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
            if let Some(w) = &counting {
                w.count(n);
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

impl Proxy {
    fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let wire = Arc::new(Wire {
            cut_after: AtomicU64::new(u64::MAX),
            ..Wire::default()
        });
        let w = wire.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if w.cut.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                w.conns
                    .lock()
                    .unwrap()
                    .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    Some(w.clone()),
                );
                pipe(server, client, None);
            }
        });
        Proxy { port, wire }
    }

    fn cut_after(&self, bytes: u64) {
        self.wire.sent.store(0, Ordering::SeqCst);
        self.wire.cut_after.store(bytes, Ordering::SeqCst);
    }

    fn restore(&self) {
        self.wire.cut_after.store(u64::MAX, Ordering::SeqCst);
        self.wire.conns.lock().unwrap().clear();
        self.wire.cut.store(false, Ordering::SeqCst);
    }
}

fn panoptic(dir: &Path, args: &[&str], endpoint: u16) -> std::process::Output {
    command()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FIXTURES", fixtures())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{endpoint}"))
        .output()
        .expect("run panoptic")
}

pub(crate) fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `(run id, complete)` of every run `panoptic cloud list` shows.
fn listed(dir: &Path, url: &str, endpoint: u16) -> Vec<(String, bool)> {
    let out = panoptic(dir, &["cloud", "list", url], endpoint);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut parts = l.split('\t');
            (parts.next().unwrap_or("").to_owned(), l.ends_with("\tcomplete"))
        })
        .collect()
}

const URL: &str = "s3://runs-bucket/ci";

#[test]
fn runs_sync_to_s3_completely_once_and_survive_a_dying_server() {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let yaml = format!(
        "name: cloudy\nsettings: {{ retries: 0, video: {{ mode: on }}, cloud: {{ url: \"{URL}\" }} }}\napps:\n  - {{ name: home, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: assert_visible, selector: '#title' }}, {{ type: screenshot }}] }}\n"
    );
    std::fs::write(dir.join("config.yaml"), yaml).unwrap();
    let run = panoptic(dir, &["run", "config.yaml", "--output", "out"], proxy.port);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(text(&run).contains("file(s) uploaded"), "{}", text(&run));
    let runs = listed(dir, URL, moto.port);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let (id, complete) = &runs[0];
    assert!(complete);
    // Every local file is in the bucket with the same sha256, the manifest says so too.
    let manifest: Value =
        serde_json::from_slice(&moto.object(&format!("ci/runs/{id}/manifest.panoptic.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert!(
        files.iter().any(|f| f["path"].as_str().unwrap().starts_with("videos/")),
        "the video is synced"
    );
    let mut local = 0;
    for f in walk(&dir.join("out")) {
        let rel = f.strip_prefix(dir.join("out")).unwrap().to_string_lossy().into_owned();
        let want = hex(&sha2::Sha256::digest(std::fs::read(&f).unwrap()));
        let got = moto
            .object(&format!("ci/runs/{id}/{rel}"))
            .unwrap_or_else(|| panic!("{rel} is not in the bucket"));
        assert_eq!(hex(&sha2::Sha256::digest(&got)), want, "{rel}");
        let listed = files
            .iter()
            .find(|e| e["path"] == rel.as_str())
            .unwrap_or_else(|| panic!("{rel} not in the manifest"));
        assert_eq!(listed["sha256"], want.as_str());
        local += 1;
    }
    assert_eq!(local, files.len());
    // The run history went along.
    assert!(
        http(moto.port, "GET", "/runs-bucket?prefix=ci/history/")
            .1
            .windows(5)
            .any(|w| w == b".rkyv")
    );

    // A second sync uploads nothing.
    let again = panoptic(dir, &["cloud", "sync", "out", URL], proxy.port);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains(": 0 file(s) uploaded"), "{}", text(&again));

    // A big run, cut off mid-upload: a clear error, not listed as complete; a rerun completes.
    let big = dir.join("big");
    copy_dir(&dir.join("out"), &big);
    let mut results: Value = serde_json::from_str(&std::fs::read_to_string(big.join("results.json")).unwrap()).unwrap();
    results["run"]["started_at"] = "2026-11-28T10:00:00Z".into();
    std::fs::write(big.join("results.json"), results.to_string()).unwrap();
    for i in 0..12 {
        std::fs::write(big.join(format!("videos/extra-{i}.bin")), vec![i as u8; 2_000_000]).unwrap();
    }
    // Past 8 MB a file goes up in parts (multipart upload).
    let long: Vec<u8> = (0..9_500_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(big.join("videos/long.webm"), &long).unwrap();
    proxy.cut_after(6_000_000);
    let cut = panoptic(dir, &["cloud", "sync", "big", URL], proxy.port);
    assert_eq!(cut.status.code(), Some(3), "{}", text(&cut));
    let msg = text(&cut);
    assert!(
        msg.contains("error: uploading") && msg.contains(URL),
        "names what failed and where: {msg}"
    );
    let partial: Vec<_> = listed(dir, URL, moto.port)
        .into_iter()
        .filter(|(r, _)| r.starts_with("20261128T100000Z"))
        .collect();
    assert!(
        partial.iter().all(|(_, complete)| !complete),
        "a cut-off run is not complete: {partial:?}"
    );
    proxy.restore();
    let rerun = panoptic(dir, &["cloud", "sync", "big", URL], proxy.port);
    assert!(rerun.status.success(), "{}", text(&rerun));
    let done: Vec<_> = listed(dir, URL, moto.port)
        .into_iter()
        .filter(|(r, _)| r.starts_with("20261128T100000Z"))
        .collect();
    assert_eq!(done.len(), 1);
    assert!(done[0].1, "the rerun completes it");
    let stored = moto
        .object(&format!("ci/runs/{}/videos/long.webm", done[0].0))
        .expect("the multipart upload");
    assert_eq!(hex(&sha2::Sha256::digest(&stored)), hex(&sha2::Sha256::digest(&long)));

    // Bad input names the setting or the variable, and the run's local results stay.
    let bad_scheme = panoptic(dir, &["cloud", "list", "ftp://x/y"], proxy.port);
    assert_eq!(bad_scheme.status.code(), Some(2));
    assert!(
        text(&bad_scheme).contains("use s3://, gs://, az:// or file://"),
        "{}",
        text(&bad_scheme)
    );
    let no_creds = command()
        .args(["cloud", "list", URL])
        .current_dir(dir)
        .env_remove("AWS_ACCESS_KEY_ID")
        .output()
        .unwrap();
    assert_eq!(no_creds.status.code(), Some(2));
    assert!(text(&no_creds).contains("AWS_ACCESS_KEY_ID"), "{}", text(&no_creds));
    let unreachable = panoptic(dir, &["run", "config.yaml", "--output", "out2"], free_port());
    assert_eq!(unreachable.status.code(), Some(3), "{}", text(&unreachable));
    assert!(
        text(&unreachable).contains("settings.cloud.url"),
        "{}",
        text(&unreachable)
    );
    assert!(dir.join("out2/results.json").is_file() && dir.join("out2/report.html").is_file());
}

#[test]
fn retention_and_shards_work_from_the_bucket_alone() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Runs of three ages, synced: retention deletes exactly the older than 30 days.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (name, days) in [("old", 45u64), ("older", 31), ("recent", 29), ("today", 0)] {
        let out = dir.join(name);
        std::fs::create_dir_all(&out).unwrap();
        let started = rfc3339(now - days * 86_400 - 60);
        let results = serde_json::json!({ "run": { "name": name, "started_at": started } });
        std::fs::write(out.join("results.json"), results.to_string()).unwrap();
        // 0.4 MiB a run: two runs fit in 1 MiB, three do not.
        std::fs::write(out.join("report.html"), vec![b'x'; 400 << 10]).unwrap();
        let s = panoptic(dir, &["cloud", "sync", name, URL], moto.port);
        assert!(s.status.success(), "{}", text(&s));
    }
    let dry = panoptic(
        dir,
        &["cloud", "cleanup", URL, "--retention-days", "30", "--dry-run"],
        moto.port,
    );
    let said = text(&dry);
    assert!(
        said.contains("would delete") && said.contains("-old ") && said.contains("-older "),
        "{said}"
    );
    assert!(!said.contains("-recent ") && !said.contains("-today "), "{said}");
    assert_eq!(listed(dir, URL, moto.port).len(), 4, "a dry run deletes nothing");
    let real = panoptic(dir, &["cloud", "cleanup", URL, "--retention-days", "30"], moto.port);
    assert!(real.status.success(), "{}", text(&real));
    let left: Vec<String> = listed(dir, URL, moto.port).into_iter().map(|(r, _)| r).collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].ends_with("-recent") && left[1].ends_with("-today"), "{left:?}");
    // Then the size cap: a fifth run makes three (1.2 MiB); 1 MiB keeps the newest two.
    let out = dir.join("newest");
    std::fs::create_dir_all(&out).unwrap();
    let results = serde_json::json!({ "run": { "name": "newest", "started_at": rfc3339(now - 30) } });
    std::fs::write(out.join("results.json"), results.to_string()).unwrap();
    std::fs::write(out.join("report.html"), vec![b'y'; 400 << 10]).unwrap();
    assert!(
        panoptic(dir, &["cloud", "sync", "newest", URL], moto.port)
            .status
            .success()
    );
    let capped = |extra: &[&str]| {
        let args = [&["cloud", "cleanup", URL, "--max-total-mb", "1"], extra].concat();
        let o = panoptic(dir, &args, moto.port);
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let said = capped(&["--dry-run"]);
    assert!(
        said.contains("-recent ") && !said.contains("-today ") && !said.contains("-newest "),
        "{said}"
    );
    assert_eq!(listed(dir, URL, moto.port).len(), 3, "a dry run deletes nothing");
    capped(&[]);
    let left: Vec<String> = listed(dir, URL, moto.port).into_iter().map(|(r, _)| r).collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].ends_with("-today") && left[1].ends_with("-newest"), "{left:?}");

    // History only in the bucket: a runner without local state balances shards by it.
    let yaml = format!(
        "name: shards\nsettings: {{ workers: 2, retries: 0, cloud: {{ url: \"{URL}\" }} }}\napps:\n{}",
        [("a", 1.6), ("b", 0.9), ("c", 0.7), ("d", 0.4), ("e", 0.2), ("f", 0.2)]
            .iter()
            .map(|(n, s)| format!("  - {{ name: {n}, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: wait, wait_time: {s} }}] }}\n"))
            .collect::<String>()
    );
    let seed = dir.join("seed");
    std::fs::create_dir_all(&seed).unwrap();
    std::fs::write(seed.join("config.yaml"), &yaml).unwrap();
    let first = panoptic(&seed, &["run", "config.yaml", "--output", "out"], moto.port);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let seeded = results_in(&seed.join("out"));
    let duration = |name: &str| -> f64 { test_named(&seeded, name)["duration_ms"].as_f64().unwrap() };
    let mut shards = Vec::new();
    // Each shard on a fresh runner, as CI machines are: no history but the bucket's.
    for i in ["1", "2"] {
        let runner = dir.join(format!("runner{i}"));
        std::fs::create_dir_all(&runner).unwrap();
        std::fs::write(
            runner.join("config.yaml"),
            yaml.replace(&format!(", cloud: {{ url: \"{URL}\" }}"), ""),
        )
        .unwrap();
        let out = format!("s{i}");
        let o = panoptic(
            &runner,
            &[
                "run",
                "config.yaml",
                "--output",
                &out,
                "--shard",
                &format!("{i}/2"),
                "--history-from",
                URL,
            ],
            moto.port,
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains("history: 1 run(s) from"), "{}", text(&o));
        let r: Value =
            serde_json::from_str(&std::fs::read_to_string(runner.join(&out).join("results.json")).unwrap()).unwrap();
        let names: Vec<String> = r["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        shards.push(names);
    }
    let total: f64 = ["a", "b", "c", "d", "e", "f"].iter().map(|n| duration(n)).sum();
    let ideal = total / 2.0;
    let worst = shards
        .iter()
        .map(|s| s.iter().map(|n| duration(n)).sum::<f64>())
        .fold(0.0, f64::max);
    assert!(
        worst <= 1.15 * ideal,
        "shards {shards:?}: {worst} ms vs ideal {ideal} ms"
    );
    assert_eq!(shards.iter().map(Vec::len).sum::<usize>(), 6);
    let stats = panoptic(dir, &["history", "stats", "--from", URL], moto.port);
    assert!(stats.status.success(), "{}", text(&stats));
    assert!(
        String::from_utf8_lossy(&stats.stdout)
            .lines()
            .any(|l| l.starts_with("a ")),
        "{}",
        text(&stats)
    );

    // The cloud steps: a sync during the test (the run's end then sends only the rest), the
    // bucket's analytics with the failure patterns of its runs, a dry-run cleanup.
    let failing = dir.join("failing");
    std::fs::create_dir_all(&failing).unwrap();
    std::fs::write(
        failing.join("config.yaml"),
        format!("name: failing\nsettings: {{ retries: 0, screenshot_on_failure: false, cloud: {{ url: \"{URL}\" }} }}\napps:\n  - {{ name: broken, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: assert_text, selector: '#title', equals: 'nope 123', timeout: 300ms }}] }}\n"),
    )
    .unwrap();
    let f = panoptic(&failing, &["run", "config.yaml", "--output", "out"], moto.port);
    assert_eq!(f.status.code(), Some(1), "{}", text(&f));
    let steps = dir.join("steps");
    std::fs::create_dir_all(&steps).unwrap();
    std::fs::write(
        steps.join("config.yaml"),
        format!("name: steps\nsettings: {{ retries: 0, cloud: {{ url: \"{URL}\", retention_days: 30 }} }}\napps:\n  - {{ name: cloudy, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: screenshot, parameters: {{ filename: mid.png }} }}, {{ type: cloud_sync }}, {{ type: cloud_analytics }}, {{ type: cloud_cleanup, dry_run: true }}] }}\n"),
    )
    .unwrap();
    let s = panoptic(&steps, &["run", "config.yaml", "--output", "out"], moto.port);
    assert_eq!(s.status.code(), Some(0), "{}", text(&s));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(steps.join("out/results.json")).unwrap()).unwrap();
    let out = |i: usize| r["tests"][0]["attempts"][0]["steps"][i]["output"].clone();
    let synced = out(2);
    assert!(
        synced["uploaded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().ends_with("mid.png")),
        "{synced:#}"
    );
    assert_eq!(synced["complete"], false);
    let analytics = out(3);
    assert!(
        analytics["tests"].as_array().unwrap().iter().any(|t| t["name"] == "a"),
        "{analytics:#}"
    );
    let patterns = analytics["failure_patterns"].as_array().unwrap();
    assert!(
        patterns.iter().any(|p| p["action"] == "assert_text"
            && p["tests"][0] == "broken"
            && p["pattern"].as_str().unwrap().contains("\"…\"")),
        "{patterns:?}"
    );
    let cleanup = out(4);
    assert_eq!(cleanup["dry_run"], true);
    assert!(cleanup["deleted"].as_array().unwrap().is_empty(), "{cleanup:#}");
    let said = text(&s);
    let unchanged = unchanged_in(&said);
    assert!(unchanged >= 1, "what the step sent is not sent again: {said}");
    let run_id = listed(dir, URL, moto.port)
        .into_iter()
        .find(|(r, _)| r.ends_with("-steps"))
        .expect("the run is listed");
    assert!(run_id.1, "complete after the run's end");
    assert!(
        moto.object(&format!("ci/runs/{}/partial.panoptic.json", run_id.0))
            .is_none(),
        "the partial list is gone"
    );

    // `sync: streaming`: artifacts go up as they are written; the end sends only the rest.
    let streamed = dir.join("streamed");
    std::fs::create_dir_all(&streamed).unwrap();
    std::fs::write(
        streamed.join("config.yaml"),
        format!("name: streamed\nsettings: {{ retries: 0, cloud: {{ url: \"{URL}\", sync: streaming }} }}\napps:\n  - {{ name: shots, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: screenshot, parameters: {{ filename: one.png }} }}, {{ type: wait, wait_time: 1 }}, {{ type: screenshot, parameters: {{ filename: two.png }} }}, {{ type: wait, wait_time: 1 }}] }}\n"),
    )
    .unwrap();
    let st = panoptic(&streamed, &["run", "config.yaml", "--output", "out"], moto.port);
    assert_eq!(st.status.code(), Some(0), "{}", text(&st));
    let said = text(&st);
    let unchanged = unchanged_in(&said);
    assert!(unchanged >= 2, "both screenshots went up during the run: {said}");
    assert!(
        listed(dir, URL, moto.port)
            .iter()
            .any(|(r, complete)| r.ends_with("-streamed") && *complete)
    );
}

/// How many files the sync at a run's end found already in the bucket (`…, N unchanged`).
fn unchanged_in(said: &str) -> usize {
    said.split(" unchanged")
        .next()
        .and_then(|h| h.rsplit(", ").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) {
    for f in walk(from) {
        let dest = to.join(f.strip_prefix(from).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, &dest).unwrap();
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Year, month and day of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// An RFC 3339 UTC time of Unix seconds.
fn rfc3339(secs: u64) -> String {
    let rem = secs % 86_400;
    let (y, m, d) = civil((secs / 86_400) as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
