//! The files a run writes and the processes it starts: nothing written, read or deleted
//! through a link, private permissions, bounded inputs and outputs, and nothing left behind
//! after Ctrl-C.

use crate::security::all_files;
use crate::support::panoptic_with;

/// Runs `panoptic` with `args` in `dir`; fails if it has not finished within 30 s (a hang).
fn finishes(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    // Stderr goes to a file: a pipe nobody reads while we wait would fill and stall the child.
    let log = dir.join("stderr.txt");
    let mut child = crate::support::command()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FIXTURES", crate::support::fixtures())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let Some(status) = crate::support::wait_exit(&mut child, std::time::Duration::from_secs(30)) else {
        let _ = child.kill();
        panic!("`panoptic {}` hung", args.join(" "));
    };
    (status.code().unwrap_or(-1), std::fs::read_to_string(&log).unwrap())
}

fn mkfifo(path: &std::path::Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[test]
fn fifos_devices_and_floods_in_inputs_are_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("fifo.yaml"));
    let (code, err) = finishes(dir.path(), &["validate", "fifo.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a FIFO, not a regular file"), "{err}");
    let (code, err) = finishes(dir.path(), &["validate", "/dev/zero"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a device, not a regular file"), "{err}");
    // A FIFO posing as a run archive is skipped with a warning, never waited on.
    std::fs::create_dir(dir.path().join("history")).unwrap();
    mkfifo(&dir.path().join("history/0-run.rkyv"));
    let (code, err) = finishes(dir.path(), &["history", "stats", "--dir", "history"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is a FIFO"), "{err}");
    // A problem on each of 30 000 lines: every one counted, the first 200 shown.
    let flood: String = std::iter::once("apps: [{ name: A, url: 'http://127.0.0.1:1/' }]\nsettings:\n".to_owned())
        .chain((0..30_000).map(|i| format!("  k{i}: 1\n")))
        .collect();
    std::fs::write(dir.path().join("flood.yaml"), flood).unwrap();
    let (code, err) = finishes(dir.path(), &["validate", "flood.yaml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("30000 error(s)"),
        "{}",
        &err[err.len().saturating_sub(300)..]
    );
    assert!(
        err.contains("and 29801 more problem(s) not shown"),
        "{}",
        &err[err.len() - 300..]
    );
    assert!(err.lines().count() < 500, "{} lines", err.lines().count());
}

/// A checkout that ships `panoptic-results/results.json -> ~/.bashrc` and an audit log linked
/// to a FIFO: the run removes the first link (an earlier run's name; its target untouched) and
/// neither reads nor writes through the second (a read would hang on the FIFO); logs are
/// private, and every run lands in a verifiable audit log whose tampering `panoptic audit
/// verify` pins to the line.
#[test]
fn reports_never_follow_links_logs_are_private_and_runs_are_audited() {
    use std::os::unix::fs::PermissionsExt;
    let yaml = |title: &str| {
        format!(
            "name: audited\napps:\n  - name: A\n    url: \"${{FIXTURES}}/kitchen.html\"\n    actions:\n      - {{ type: assert_title, contains: {title}, timeout: 500ms }}\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml("Kitchen")).unwrap();
    let victim = dir.path().join("bashrc");
    std::fs::write(&victim, "export SAFE=1\n").unwrap();
    mkfifo(&dir.path().join("pipe"));
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("out/results.json")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("pipe"), dir.path().join("out/audit.jsonl")).unwrap();
    let (code, err) = finishes(dir.path(), &["run", "config.yaml", "--output", "out"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("audit.jsonl is a symlink"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "export SAFE=1\n");
    let meta = std::fs::symlink_metadata(dir.path().join("out/results.json")).unwrap();
    assert!(
        meta.file_type().is_file(),
        "the link was replaced by the run's own file"
    );
    let mode = |p: &str| std::fs::metadata(dir.path().join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("out/logs"), 0o700);
    assert_eq!(mode("out/logs/panoptic.log"), 0o600);
    // Without the link, a failing and a passing run: both in both audit logs (the first run
    // only in the shared one).
    std::fs::remove_file(dir.path().join("out/audit.jsonl")).unwrap();
    let run = |args: &[&str]| crate::support::run_in(dir.path(), args);
    std::fs::write(dir.path().join("config.yaml"), yaml("Nowhere")).unwrap();
    assert_eq!(run(&["run", "config.yaml", "--output", "out"]).status.code(), Some(1));
    std::fs::write(dir.path().join("config.yaml"), yaml("Kitchen")).unwrap();
    let out = run(&["run", "config.yaml", "--output", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for (log, entries) in [("out/audit.jsonl", 2), (".panoptic/audit.jsonl", 3)] {
        let text = std::fs::read_to_string(dir.path().join(log)).unwrap();
        assert_eq!(text.lines().count(), entries, "{log}: {text}");
        assert!(
            text.contains("\"exit_code\":1") && text.contains("\"exit_code\":0"),
            "{text}"
        );
        assert!(text.contains("\"sha256\":\""), "{text}");
        assert_eq!(mode(log), 0o600);
    }
    let verified = run(&["audit", "verify", "out/audit.jsonl"]);
    let said = String::from_utf8_lossy(&verified.stdout).into_owned();
    assert_eq!(verified.status.code(), Some(0), "{said}");
    let head = said.split("head ").nth(1).unwrap().trim().to_owned();
    // Edit the first entry: caught at line 1; cut the last: caught by the recorded head.
    let log = dir.path().join("out/audit.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("\"exit_code\":1", "\"exit_code\":0", 1)).unwrap();
    let tampered = run(&["audit", "verify", "out/audit.jsonl"]);
    assert_eq!(tampered.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&tampered.stderr).contains("audit.jsonl:1: its content was changed"));
    let first = text.lines().next().unwrap().to_owned() + "\n";
    std::fs::write(&log, first).unwrap();
    assert_eq!(run(&["audit", "verify", "out/audit.jsonl"]).status.code(), Some(0));
    let cut = run(&["audit", "verify", "out/audit.jsonl", "--head", &head]);
    assert_eq!(cut.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&cut.stderr).contains("entries were cut off"));
}

/// Links planted inside the output folder — before the run (a checkout that ships
/// `out/screenshots -> ~/.ssh`) or while it runs, where its next files go — get nothing written,
/// truncated or deleted through them: the run first removes the links it finds at its own names
/// (their targets untouched), and every artifact — screenshots, thumbnails, the video — is opened
/// one component at a time without following links; the run still reports.
#[test]
fn artifacts_never_follow_links_planted_in_the_output_folder() {
    let yaml = "name: planted\nsettings: { retries: 0, screenshot_every_step: true, video: { mode: on } }\napps:\n  - name: A\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { type: wait, wait_time: 3 }\n      - { type: screenshot, parameters: { filename: late.png } }\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("a")).unwrap();
    std::fs::write(home.join("a/video.webm"), "keep").unwrap();
    std::fs::write(home.join("keep"), "keep").unwrap();
    std::fs::create_dir_all(dir.path().join("out/videos")).unwrap();
    std::os::unix::fs::symlink(&home, dir.path().join("out/screenshots")).unwrap();
    std::os::unix::fs::symlink(home.join("a"), dir.path().join("out/videos/a")).unwrap();
    let log = std::fs::File::create(dir.path().join("stderr.txt")).unwrap();
    let mut child = crate::support::command()
        .args(["run", "config.yaml", "--output", "out"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("FIXTURES", crate::support::fixtures())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    // While the test waits: links where its next screenshot and thumbnail go.
    let shots = dir.path().join("out/screenshots/a");
    let frames = dir.path().join("out/videos/a");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !(shots.is_dir() && frames.is_dir() && !frames.is_symlink()) {
        assert!(std::time::Instant::now() < until, "the run made no screenshot folder");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::os::unix::fs::symlink(home.join("keep"), shots.join("late.png")).unwrap();
    std::os::unix::fs::symlink(home.join("keep"), frames.join("step-02.jpg")).unwrap();
    let status = crate::support::wait_exit(&mut child, std::time::Duration::from_secs(60)).expect("the run ends");
    let err = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap();
    assert!(matches!(status.code(), Some(0 | 1)), "{err}");
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/results.json")).unwrap()).unwrap();
    let steps = &results["tests"][0]["attempts"][0]["steps"];
    assert!(
        steps[2]["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("late.png"),
        "the refusal is said: {steps:#}"
    );
    let mut names: Vec<_> = std::fs::read_dir(&home)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "keep"], "nothing new in the linked folder");
    assert_eq!(std::fs::read_dir(home.join("a")).unwrap().count(), 1);
    assert_eq!(std::fs::read_to_string(home.join("a/video.webm")).unwrap(), "keep");
    assert_eq!(std::fs::read_to_string(home.join("keep")).unwrap(), "keep");
    assert!(
        !dir.path().join("out/screenshots").is_symlink(),
        "the planted folder link was removed"
    );
}

/// A long `$TMPDIR` (CI runners nest deep) does not stop Chromium: its socket paths must fit in
/// 107 bytes, so the browser's folder goes under a short base.
#[test]
fn a_long_tmpdir_still_runs() {
    let base = tempfile::tempdir().unwrap();
    let long = base
        .path()
        .join("a-rather-long-folder-name-for-temporary-files-of-this-ci-runner-0123456789");
    std::fs::create_dir_all(&long).unwrap();
    assert!(long.as_os_str().len() >= 64);
    let yaml = "name: t\napps:\n  - name: A\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { type: assert_title, contains: Kitchen }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[("TMPDIR", long.to_str().unwrap())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Evidence through the real binary: tests whose names slug the same keep their own folders,
/// a control character in a name leaves junit.xml well-formed and the terminal clean, and a
/// page that logs errors without end leaves a bounded results.json.
#[test]
fn evidence_stays_apart_readable_and_bounded() {
    let yaml = r##"
name: evidence
settings: { retries: 0, allow: { eval: true } }
apps:
  - name: Login
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: screenshot, parameters: { filename: shot.png } }
  - name: "login!"
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: screenshot, parameters: { filename: shot.png } }
  - name: "red \e[31malert\a"
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: eval, script: "for (let i = 0; i < 400; i++) console.error('noise ' + i + ' ' + 'x'.repeat(5000)); 1" }
      - { type: assert_no_errors }
"##;
    let run = crate::support::run_yaml(yaml);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.out().join("screenshots/login/shot.png").is_file());
    assert!(run.out().join("screenshots/login-2/shot.png").is_file());
    let junit = run.read("junit.xml");
    assert!(
        !junit.contains('\u{1b}') && !junit.contains('\u{7}'),
        "raw control characters in junit.xml"
    );
    assert!(junit.contains("red \\u{1b}[31malert\\u{7}"), "{junit}");
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stdout.contains('\u{1b}'),
        "raw escape on the terminal"
    );
    let results = std::fs::metadata(run.out().join("results.json")).unwrap().len();
    assert!(results < 1_000_000, "results.json is {results} bytes");
    let noisy = run.results()["tests"][2]["attempts"][0]["page_errors"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(noisy, 201, "200 errors and a count of the rest");
}

/// Ctrl-C asks for a graceful stop; a second one ends the run at once — also when the video
/// encoder hangs and the graceful stop would wait on it — and cleanly: exit 130, no browser process and
/// no browser folder left, the streamed `results.jsonl` kept.
#[test]
fn a_second_ctrl_c_stops_at_once_and_leaves_nothing_behind() {
    let yaml = "name: sig\nsettings: { allow: { schemes: [about] }, video: { mode: on }, timeouts: { test: 5m, action: 5m } }\napps:\n  - name: A\n    url: \"about:blank\"\n    actions:\n      - { type: wait, wait_time: 60s }\n";
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    let mut child = crate::support::Reaped(
        crate::support::command()
            .args(["run", "config.yaml", "--output", "out"])
            .current_dir(dir.path())
            .env("TMPDIR", tmp.path())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let started = std::time::Instant::now();
    while crate::support::browser_dirs(tmp.path()) == 0 && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        crate::support::browser_dirs(tmp.path()),
        1,
        "the browser did not start under TMPDIR"
    );
    std::thread::sleep(std::time::Duration::from_secs(1));
    // Stderr read as it comes: the second signal goes the moment the first is acknowledged
    // (two signals before the handler runs would count as one), while the graceful stop —
    // closing the browser — is still under way.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stderr = child.0.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // An encoder that hangs: the graceful stop waits (up to 10 s) for the video to be written,
    // as it would on a real hang; the second Ctrl-C must not.
    let tmp_name = tmp.path().to_string_lossy().into_owned();
    let me = child.0.id() as i32;
    let find_ffmpeg = || {
        crate::support::processes_mentioning("ffmpeg")
            .into_iter()
            .find(|(pid, _)| parent_of(*pid) == Some(me))
    };
    let mut ffmpeg = None;
    while ffmpeg.is_none() && started.elapsed() < std::time::Duration::from_secs(30) {
        ffmpeg = find_ffmpeg();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let ffmpeg = ffmpeg.expect("the run's ffmpeg").0;
    // SAFETY: stopping a process of this test's own run.
    unsafe { libc::kill(ffmpeg, libc::SIGSTOP) };
    let pid = child.0.id() as i32;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let mut err = String::new();
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(20)) {
        err.push_str(&line);
        err.push('\n');
        if line.contains("interrupted: stopping running tests") {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGINT) };
            break;
        }
    }
    let status = crate::support::wait_exit(&mut child.0, std::time::Duration::from_secs(30))
        .expect("run did not stop after two Ctrl-C");
    reader.join().unwrap();
    err.extend(rx.try_iter().map(|l| l + "\n"));
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted again: stopping now"), "{err}");
    assert!(dir.path().join("out/results.jsonl").is_file());
    assert_eq!(crate::support::browser_dirs(tmp.path()), 0, "a browser folder was left");
    assert!(
        crate::support::processes_mentioning(&tmp_name).is_empty(),
        "browser processes outlived the run: {:?}",
        crate::support::processes_mentioning(&tmp_name)
    );
}

/// A video that is not kept takes away what its attempt made — the video and its thumbnails.
#[test]
fn a_discarded_video_leaves_no_file_behind() {
    let yaml = "name: keep\nsettings: { video: { mode: retain-on-failure } }\napps:\n  - name: A\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { type: assert_title, contains: Kitchen }\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    // An earlier run's frames where this attempt records: the run clears them first, so what
    // is left afterwards can only be this attempt's.
    let old = dir.path().join("out/videos/a");
    std::fs::create_dir_all(&old).unwrap();
    for f in ["notes.txt", "step-09.jpg"] {
        std::fs::write(old.join(f), "from an earlier run").unwrap();
    }
    let out = crate::support::run_in(dir.path(), &["run", "config.yaml", "--output", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/results.json")).unwrap()).unwrap();
    let attempt = &results["tests"][0]["attempts"][0];
    assert!(
        attempt["video"].is_null(),
        "a passing test's video is not kept: {attempt}"
    );
    let videos = dir.path().join("out/videos");
    let left = if videos.exists() {
        crate::support::walk(&videos)
    } else {
        Vec::new()
    };
    assert!(left.is_empty(), "nothing of the discarded video stays: {left:?}");
}

/// Resource bombs stay bounded: a 120 000-key mapping is checked for duplicate keys in linear
/// time (the quadratic check took 65 s, past this test's hang guard), and
/// `limits.max_artifact_mb` holds for screenshots and for the video ffmpeg writes (stopped at
/// the limit by ffmpeg, and not kept when the last frame took it over).
#[test]
fn resource_bombs_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let big: String = std::iter::once("apps: [{ name: A, url: 'http://127.0.0.1:1/' }]\nx-data:\n".to_owned())
        .chain((0..120_000).map(|i| format!("  key{i}: {i}\n")))
        .chain(std::iter::once("  key7: again\n".to_owned()))
        .collect();
    std::fs::write(dir.path().join("big.yaml"), big).unwrap();
    let (code, err) = finishes(dir.path(), &["validate", "big.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("big.yaml:120003:3: error: invalid YAML: duplicate mapping key `key7`"),
        "{err}"
    );

    let yaml = "name: bombs\nsettings: { retries: 0, video_format: mp4, video: { mode: on }, limits: { max_artifact_mb: 1 }, screenshot_on_failure: false }\napps:\n  - name: A\n    url: \"${FIXTURES}/noise.html\"\n    actions:\n      - { type: wait, wait_time: 3s }\n      - { type: screenshot, parameters: { filename: noise.png } }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let attempt = &run.test("A")["attempts"][0];
    let shot = &attempt["steps"][2];
    assert_eq!(shot["status"], "failed", "{shot}");
    assert!(
        shot["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than `limits.max_artifact_mb` (1 MiB)"),
        "{shot}"
    );
    let mut files = Vec::new();
    all_files(&run.out(), &mut files);
    for f in &files {
        let len = std::fs::metadata(f).unwrap().len();
        assert!(len <= 1 << 20, "{} is {len} bytes", f.display());
    }
    // ffmpeg's own limit overshoots by a frame: the video over the limit is not kept, and the
    // run says why.
    assert!(attempt["video"].is_null(), "{attempt}");
    assert!(
        run.stderr.contains("video.mp4 would be") && run.stderr.contains("more than `limits.max_artifact_mb` (1 MiB)"),
        "{}",
        run.stderr
    );
}

/// The parent of `pid`, from `/proc/<pid>/stat`.
fn parent_of(pid: i32) -> Option<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|st| st.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse::<i32>().ok())
}

/// Is `pid` a descendant of `ancestor` (up to 8 generations)?
fn descends_from(pid: i32, ancestor: i32) -> bool {
    let mut p = pid;
    for _ in 0..8 {
        let Some(parent) = parent_of(p) else {
            return false;
        };
        if parent == ancestor {
            return true;
        }
        if parent <= 1 {
            return false;
        }
        p = parent;
    }
    false
}

/// Chromium 156 starts a WebUI renderer for its omnibox popup with every browser context, at
/// more CPU than the test's own renderer: panoptic's browsers start none.
#[test]
fn the_browser_starts_no_renderer_for_its_own_ui() {
    let app = |n: u32| {
        format!(
            "  - name: T{n}\n    url: \"${{FIXTURES}}/kitchen.html\"\n    actions:\n      - {{ type: assert_title, contains: Kitchen }}\n"
        )
    };
    let yaml = format!("name: ui\napps:\n{}{}{}", app(1), app(2), app(3));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    let mut child = crate::support::command()
        .args(["run", "config.yaml", "--output", "out", "--workers", "1"])
        .current_dir(dir.path())
        .env("FIXTURES", crate::support::fixtures())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let me = child.id() as i32;
    let (mut renderers, mut ui) = (std::collections::BTreeSet::new(), Vec::new());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the run hangs");
        for (pid, cmdline) in crate::support::processes_mentioning("--type=renderer") {
            if descends_from(pid, me) {
                renderers.insert(pid);
                if cmdline.contains("--top-chrome-webui") {
                    ui.push(cmdline);
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(status.success());
    assert!(renderers.len() >= 3, "the tests' renderers were seen: {renderers:?}");
    assert!(ui.is_empty(), "UI renderers: {ui:?}");
}

#[test]
fn an_output_folder_holds_one_runs_evidence_and_nothing_else_is_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let outside = dir.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep.png"), b"not ours").unwrap();
    let app = |name: &str, selector: &str| {
        format!(
            "  - {{ name: {name}, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: assert_visible, selector: '{selector}', timeout: 300ms }}] }}\n"
        )
    };
    let header = "name: twice\nsettings: { retries: 0, trace: retain-on-failure }\napps:\n";
    std::fs::write(dir.join("c.yaml"), format!("{header}{}", app("old", "#nowhere"))).unwrap();
    let first = crate::support::run_in(dir, &["run", "c.yaml", "--output", "out"]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(dir.join("out/traces/old.html").is_file() && dir.join("out/screenshots/old").is_dir());
    // A user's own file beside the results, a link where a run writes its videos; and
    // `--last-failed`, which must read the previous results before they go.
    std::fs::write(dir.join("out/notes.txt"), b"mine").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("out/videos")).unwrap();
    std::fs::write(
        dir.join("c.yaml"),
        format!("{header}{}{}", app("old", "#title"), app("new", "#title")),
    )
    .unwrap();
    let second = crate::support::run_in(dir, &["run", "c.yaml", "--output", "out", "--last-failed"]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let results = crate::support::results_in(&dir.join("out"));
    let names: Vec<&str> = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["old"], "only the test that failed before ran");
    let left: Vec<String> = crate::support::walk(&dir.join("out"))
        .iter()
        .map(|p| p.strip_prefix(dir.join("out")).unwrap().display().to_string())
        .collect();
    assert!(
        !left
            .iter()
            .any(|p| p.starts_with("traces") || p.starts_with("screenshots")),
        "the earlier run's trace and screenshots are gone (this run passed and kept none): {left:?}"
    );
    assert!(left.contains(&"notes.txt".to_owned()), "{left:?}");
    assert!(
        std::fs::symlink_metadata(dir.join("out/videos")).is_err(),
        "the link itself is removed"
    );
    assert_eq!(
        std::fs::read(outside.join("keep.png")).unwrap(),
        b"not ours",
        "its target is not"
    );
}
