//! Secrets never leave the run; artifact names stay in the output folder; dangerous URLs are refused.

use crate::support::{panoptic_with, run_yaml};

const SECRET: &str = "s3cr3t-Pa55word-93731";

fn all_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { all_files(&p, out) } else { out.push(p) }
    }
}

#[test]
fn a_secret_appears_in_no_output_file_and_no_log_line() {
    let yaml = r##"
name: secrets
settings: { retries: 0, timeouts: { expect: 300ms }, log_level: trace, allow: { eval: true }, browser: { args: ["--enable-logging=stderr", "--v=0"] } }
apps:
  - name: leaky
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: fill, selector: "#name", value: "${secret:SHOP_PASSWORD}" }
      - { type: screenshot, screenshot: true }
      - { type: screenshot, parameters: { filename: "${secret:SHOP_PASSWORD}.png" } }
      - { type: eval, script: "location.href + '?q=' + encodeURIComponent(document.querySelector('#name').value).replace(/-/g, '%2d')" }
      - { type: eval, script: "console.log('typed', document.querySelector('#name').value), 1" }
      - { type: assert_value, selector: "#name", equals: "not the secret" }
"##;
    let run = panoptic_with(
        &["run"],
        yaml,
        &[],
        &[("SHOP_PASSWORD", SECRET), ("PANOPTIC_LOG", "trace")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let step = &run.test("leaky")["attempts"][0]["steps"][6];
    assert_eq!(
        step["error"]["actual"], "***",
        "the actual value should be masked: {step}"
    );
    let mut files = Vec::new();
    all_files(&run.out(), &mut files);
    assert!(files.len() >= 7, "{files:?}");
    // The page percent-encoded the secret into a URL: that form is masked too.
    let url = &run.test("leaky")["attempts"][0]["steps"][4]["output"];
    assert!(url.as_str().unwrap().ends_with("?q=***"), "{url}");
    let encoded = SECRET.replace('-', "%2d");
    for f in files {
        assert!(
            !f.to_string_lossy().contains(SECRET),
            "secret in a file name: {}",
            f.display()
        );
        let bytes = std::fs::read(&f).unwrap();
        for form in [SECRET, encoded.as_str()] {
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "secret ({form}) found in {}",
                f.display()
            );
        }
    }
    assert!(!run.stderr.contains(SECRET) && !run.stdout.contains(SECRET));
}

/// Every form a secret takes on its way out — raw, JSON and Debug escaped, HTML escaped,
/// percent-encoded by the browser, cut by a `maxlength` field, read back as a JSON number — is
/// absent from every file and every file name of the run, and from stdout and stderr.
#[test]
fn a_scan_of_the_whole_run_finds_no_form_of_any_secret() {
    // Quotes, a backslash, markup characters and a space: each has an escaped form.
    let secret = r#"Zq8"Wx<&> \ 93731"#;
    let number = "731942";
    let yaml = r##"
name: scan
settings: { retries: 0, timeouts: { expect: 300ms }, allow: { eval: true }, screenshot_every_step: true }
apps:
  - name: echo
    url: "${FIXTURES}/secrets.html?token=${secret:SCAN_SECRET}"
    actions:
      - { type: navigate, url: "${FIXTURES}/secrets.html?again=${secret:SCAN_SECRET}&token=${secret:SCAN_SECRET}" }
      - { type: fill, selector: "#pw", value: "${secret:SCAN_SECRET}" }
      - { type: fill, selector: "#short", value: "${secret:SCAN_SECRET}" }
      - { type: eval, script: "document.querySelector('#short').value" }
      - { type: fill, selector: "#num", value: "${secret:SCAN_NUMBER}" }
      - { type: eval, script: "Number(document.querySelector('#num').value)" }
      - { type: eval, script: "[location.href, document.title, document.body.innerHTML]" }
      - { type: eval, script: "console.error('leaked', location.href, document.title), 1" }
      - { type: screenshot, parameters: { filename: "shot-${secret:SCAN_NUMBER}.png" } }
      - { type: assert_text, selector: "#echo", equals: "not it" }
"##;
    let run = panoptic_with(
        &["run", "--log-level", "trace"],
        yaml,
        &[],
        &[("SCAN_SECRET", secret), ("SCAN_NUMBER", number)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let steps = &run.test("echo")["attempts"][0]["steps"];
    assert_eq!(steps[2]["status"], "passed", "{steps}");
    assert_eq!(steps[10]["status"], "failed", "the assertion must fail: {steps}");
    let prefix: String = secret.chars().take(8).collect();
    let mut forms: Vec<String> = Vec::new();
    for s in [secret, prefix.as_str()] {
        let json = serde_json::to_string(s).unwrap();
        let debug = format!("{s:?}");
        let html = s
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        let pct: String = s
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        forms.extend([
            s.to_owned(),
            json[1..json.len() - 1].to_owned(),
            debug[1..debug.len() - 1].to_owned(),
            html,
            pct.clone(),
            pct.replace("%20", "+"),
            pct.to_lowercase().replace("zq8", "Zq8").replace("wx", "Wx"),
        ]);
    }
    forms.push(number.to_owned());
    forms.sort();
    forms.dedup();
    let mut files = Vec::new();
    all_files(&run.out(), &mut files);
    assert!(files.len() >= 6, "{files:?}");
    for f in &files {
        let name = f.to_string_lossy();
        let bytes = std::fs::read(f).unwrap();
        for form in &forms {
            assert!(
                !name.contains(form.as_str()),
                "secret form {form:?} in a file name: {name}"
            );
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "secret form {form:?} found in {name}"
            );
        }
    }
    for form in &forms {
        assert!(!run.stdout.contains(form.as_str()), "{form:?} on stdout");
        assert!(!run.stderr.contains(form.as_str()), "{form:?} on stderr");
    }
}

#[test]
fn screenshot_names_cannot_leave_the_output_folder() {
    for name in ["../escape.png", "/tmp/abs.png", "a/../../b.png"] {
        let yaml = format!(
            "name: s\napps: [{{ name: A, url: \"http://127.0.0.1:1/\" }}]\nactions:\n  - {{ type: screenshot, parameters: {{ filename: \"{name}\" }} }}\n"
        );
        let run = panoptic_with(&["validate"], &yaml, &[], &[]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stderr.contains("`filename`"), "{}", run.stderr);
    }
}

#[test]
fn javascript_file_and_chrome_urls_are_refused_by_default() {
    // Written as a YAML double-quoted string, so `\t` and `\n` are a real tab and line break:
    // the browser drops them and would open `file:` / run `javascript:`.
    for url in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "chrome://settings",
        "fi\\tle:///etc/hostname",
        "java\\nscript:alert(1)",
        " \\x01javascript:alert(1)",
    ] {
        let yaml = format!(
            "name: u\napps: [{{ name: A, url: \"{url}\" }}]\nactions:\n  - {{ type: navigate, url: \"{url}\" }}\n"
        );
        let run = panoptic_with(&["validate"], &yaml, &[], &[]);
        assert_eq!(run.code, 2, "{url}: {}", run.stderr);
        assert_eq!(run.stderr.matches("is not allowed").count(), 2, "{}", run.stderr);
    }
    // A URL hidden behind a variable is checked when the step runs.
    let yaml = "name: u\nsettings: { retries: 0 }\napps: [{ name: A, url: \"${FIXTURES}/kitchen.html\" }]\nactions:\n  - { type: navigate, url: \"${EVIL}\" }\n";
    for evil in [
        "javascript:document.title='owned'",
        "java\tscript:document.title='owned'",
    ] {
        let run = panoptic_with(&["run"], yaml, &[], &[("EVIL", evil)]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let err = &run.test("A")["attempts"][0]["steps"][1]["error"]["message"];
        assert!(err.as_str().unwrap().contains("`javascript:` is not allowed"), "{err}");
    }
    // With `allow.hosts`, the host is the one the browser opens: `\` ends a web URL's authority.
    let yaml = "name: u\nsettings: { allow: { hosts: [good.example] } }\napps: [{ name: A, url: \"http://evil.example\\\\@good.example/\" }]\n";
    let run = panoptic_with(&["validate"], yaml, &[], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("host `evil.example` is not in `settings.allow.hosts`"),
        "{}",
        run.stderr
    );
    // A relative navigation with no app url is a validation error, not a run-time hang.
    let yaml = "name: u\napps: [{ name: A }]\nactions:\n  - { type: navigate, url: / }\n";
    let run = panoptic_with(&["validate"], yaml, &[], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("has no `url` to resolve it against"),
        "{}",
        run.stderr
    );
    let _ = run_yaml;
}

/// Runs `panoptic` with `args` in `dir`; fails if it has not finished within 30 s (a hang).
fn finishes(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    // Stderr goes to a file: a pipe nobody reads while we wait would fill and stall the child.
    let log = dir.join("stderr.txt");
    let mut child = crate::support::command()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("`panoptic {}` hung", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (code, std::fs::read_to_string(&log).unwrap())
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

/// A checkout that ships `panoptic-results/results.json -> ~/.bashrc`: the run refuses to write
/// through the link (exit 3, the target untouched), logs are private, and every run lands in a
/// verifiable audit log whose tampering `panoptic audit verify` pins to the line.
#[test]
fn reports_never_follow_links_logs_are_private_and_runs_are_audited() {
    use std::os::unix::fs::PermissionsExt;
    let yaml = "name: audited\napps:\n  - name: A\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { type: assert_title, contains: Kitchen }\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    let victim = dir.path().join("bashrc");
    std::fs::write(&victim, "export SAFE=1\n").unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("out/results.json")).unwrap();
    let run = |args: &[&str]| {
        crate::support::command()
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("FIXTURES", crate::support::fixtures())
            .output()
            .unwrap()
    };
    let out = run(&["run", "config.yaml", "--output", "out"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("is a symlink"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "export SAFE=1\n");
    let mode = |p: &str| std::fs::metadata(dir.path().join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("out/logs"), 0o700);
    assert_eq!(mode("out/logs/panoptic.log"), 0o600);
    // Without the link the run passes; both runs are in both audit logs.
    std::fs::remove_file(dir.path().join("out/results.json")).unwrap();
    let out = run(&["run", "config.yaml", "--output", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for log in ["out/audit.jsonl", ".panoptic/audit.jsonl"] {
        let text = std::fs::read_to_string(dir.path().join(log)).unwrap();
        assert_eq!(text.lines().count(), 2, "{log}: {text}");
        assert!(
            text.contains("\"exit_code\":3") && text.contains("\"exit_code\":0"),
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
    std::fs::write(&log, text.replacen("\"exit_code\":3", "\"exit_code\":0", 1)).unwrap();
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

/// A checkout that ships links inside the output folder (`out/screenshots -> ~/.ssh`, a video
/// folder pointing elsewhere) gets nothing written, truncated or deleted through them: every
/// artifact — screenshots, the video ffmpeg encodes, its thumbnails — is opened by the writer
/// one component at a time without following links, and the run still reports.
#[test]
fn artifacts_never_follow_links_planted_in_the_output_folder() {
    let yaml = "name: planted\nsettings: { screenshot_every_step: true, video: { mode: on } }\napps:\n  - name: A\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { type: assert_title, contains: Kitchen }\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("a")).unwrap();
    std::fs::write(home.join("a/video.webm"), "keep").unwrap();
    std::fs::write(home.join("keep"), "keep").unwrap();
    std::fs::create_dir_all(dir.path().join("out/videos")).unwrap();
    std::os::unix::fs::symlink(&home, dir.path().join("out/screenshots")).unwrap();
    std::os::unix::fs::symlink(home.join("a"), dir.path().join("out/videos/a")).unwrap();
    let out = crate::support::command()
        .args(["run", "config.yaml", "--output", "out"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("FIXTURES", crate::support::fixtures())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/results.json")).unwrap()).unwrap();
    assert_eq!(results["tests"][0]["status"], "passed", "{results}");
    assert!(
        err.contains("`videos/a/video.webm` leaves the output folder"),
        "the refusal is said: {err}"
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
}

/// The page cannot answer for panoptic: its helper runs in an isolated world, so a page that
/// defines `window.__panoptic` first (and claims the payment succeeded) fails the assertion.
#[test]
fn a_page_cannot_lie_to_the_tool() {
    let yaml = r##"
name: liar
settings: { retries: 0, timeouts: { expect: 500ms } }
apps:
  - name: liar
    url: "${FIXTURES}/liar.html"
    actions:
      - { type: assert_text, selector: "#status", contains: "succeeded" }
  - name: truth
    url: "${FIXTURES}/liar.html"
    actions:
      - { type: assert_text, selector: "#status", equals: "Payment failed" }
      - { type: click, selector: "#status" }
      - { type: fill, selector: "#pw", value: "changed" }
      - { type: assert_value, selector: "#pw", equals: "changed" }
"##;
    let run = crate::support::run_yaml(yaml);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.test("liar")["status"], "failed");
    let err = &run.test("liar")["attempts"][0]["steps"][1]["error"];
    assert_eq!(err["actual"], "Payment failed", "{err}");
    assert_eq!(run.test("truth")["status"], "passed", "{}", run.test("truth"));
}

/// Credentials in a browser endpoint never reach a message, a log or a report.
#[test]
fn endpoint_credentials_stay_out_of_every_output() {
    let token = "s3cret-T0ken-4417";
    let endpoint = format!("ws://ci:{token}@127.0.0.1:9/devtools/browser/none");
    let yaml = "name: e\napps: [{ name: A, url: \"http://127.0.0.1:9/\" }]\n";
    let run = panoptic_with(
        &["run", "--browser-endpoint", &endpoint, "--log-level", "trace"],
        yaml,
        &[],
        &[],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("ws://***@127.0.0.1:9/"), "{}", run.stderr);
    assert!(!run.stderr.contains(token) && !run.stdout.contains(token));
    let mut files = Vec::new();
    all_files(&run.out(), &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(!text.contains(token), "token in {}", f.display());
    }
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
    let me = child.0.id().to_string();
    let find_ffmpeg = || {
        crate::support::processes_mentioning("ffmpeg")
            .into_iter()
            .find(|(pid, _)| {
                std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|st| {
                    st.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().nth(1)) == Some(me.as_str())
                })
            })
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
    let mut status = None;
    let waited = std::time::Instant::now();
    while status.is_none() && waited.elapsed() < std::time::Duration::from_secs(30) {
        status = child.0.try_wait().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = status.expect("run did not stop after two Ctrl-C");
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

/// `browser.executable` and `browser.args` decide what program runs: under the policy
/// (`--no-browser-code` or PANOPTIC_NO_BROWSER_CODE=1) a config that sets them is refused
/// where it sets them, and nothing runs.
#[test]
fn the_browser_code_policy_refuses_configs_that_choose_programs() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let yaml = format!(
        "name: code\nsettings:\n  browser:\n    args: [\"--renderer-cmd-prefix=touch {}\"]\napps: [{{ name: A, url: \"${{FIXTURES}}/kitchen.html\" }}]\n",
        marker.display()
    );
    let validate = panoptic_with(&["validate"], &yaml, &[], &[]);
    assert_eq!(validate.code, 0, "valid without the policy: {}", validate.stderr);
    let refused = panoptic_with(&["validate", "--no-browser-code"], &yaml, &[], &[]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("config.yaml:4:11: error: `browser.args` is code"),
        "{}",
        refused.stderr
    );
    let run = panoptic_with(&["run"], &yaml, &[], &[("PANOPTIC_NO_BROWSER_CODE", "1")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("nothing was run"), "{}", run.stderr);
    assert!(!marker.exists(), "no browser was started with the config's flags");
    let exe = "name: code\nsettings: { browser: { executable: /bin/sh } }\napps: [{ name: A, url: \"http://127.0.0.1:1/\" }]\n";
    let refused = panoptic_with(&["run", "--no-browser-code"], exe, &[], &[]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("`browser.executable` is code"),
        "{}",
        refused.stderr
    );
}

/// The URL policy holds for what the page opens on its own: with `allow.hosts`, every request
/// to another host — fetch, image, frame, a clicked link — is blocked before it leaves and
/// recorded as a page error saying why; a navigation the page starts to a scheme that is not
/// allowed is blocked too. With the host allowed, the same page loads everything.
#[test]
fn the_page_cannot_reach_past_the_url_policy_on_its_own() {
    let run_with = |allow: &str| {
        let yaml = format!(
            "name: guard\nsettings: {{ retries: 0, timeouts: {{ expect: 2s }}, allow: {allow} }}\napps:\n  - name: A\n    url: \"${{FIXTURES}}/guarded.html\"\n    actions:\n      - {{ type: assert_text, selector: \"#fetched\", matches: \"^(fetched|blocked)\" }}\n      - {{ type: eval, script: \"document.getElementById('fetched').textContent\" }}\n      - {{ type: click, selector: \"#away\" }}\n      - {{ type: wait, wait_time: 500ms }}\n"
        );
        panoptic_with(&["run"], &yaml, &[], &[])
    };
    let run = run_with("{ hosts: [\"127.0.0.1\"], eval: true }");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let attempt = &run.test("A")["attempts"][0];
    assert_eq!(attempt["steps"][2]["output"], "blocked", "{attempt}");
    let errors: Vec<String> = attempt["page_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect();
    let origin = crate::support::fixtures().replace("127.0.0.1", "localhost");
    for what in [
        "/kitchen.html",
        "/pixel.png?beacon=1",
        "/second.html?framed",
        "/second.html",
    ] {
        let line = format!(
            "request failed: {origin}{what} (blocked by panoptic's URL policy: host `localhost` is not in `settings.allow.hosts`)"
        );
        assert_eq!(
            errors.iter().filter(|e| **e == line).count(),
            1,
            "{what} not reported blocked, once: {errors:#?}"
        );
    }
    assert_eq!(errors.len(), 4, "nothing else failed, nothing twice: {errors:#?}");
    // A redirect the server sends, and a navigation the page starts to a scheme not allowed.
    let origin = crate::support::fixtures();
    let yaml = format!(
        "name: guard\nsettings: {{ retries: 0, allow: {{ schemes: [http], hosts: [\"127.0.0.1\"], eval: true }} }}\napps:\n  - name: A\n    url: \"{origin}/kitchen.html\"\n    actions:\n      - {{ type: eval, script: \"location.href = '/__redirect?to=http://localhost:1/x'; 1\" }}\n      - {{ type: wait, wait_time: 500ms }}\n      - {{ type: eval, script: \"location.href = 'https://127.0.0.1:1/'; 1\" }}\n      - {{ type: wait, wait_time: 500ms }}\n"
    );
    let run = panoptic_with(&["run"], &yaml, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let errors = run.test("A")["attempts"][0]["page_errors"].to_string();
    assert!(
        errors.contains("http://localhost:1/x (blocked by panoptic's URL policy: host `localhost`"),
        "the redirect's target is judged: {errors}"
    );
    assert!(
        errors.contains("https://127.0.0.1:1/ (blocked by panoptic's URL policy: URL scheme `https:` is not allowed"),
        "{errors}"
    );
    let run = run_with("{ hosts: [\"127.0.0.1\", \"localhost\"], eval: true }");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let attempt = &run.test("A")["attempts"][0];
    assert_eq!(
        attempt["steps"][2]["output"], "fetched 0",
        "an opaque answer: {attempt}"
    );
    assert!(!attempt["page_errors"].to_string().contains("URL policy"), "{attempt}");
}

/// A video that is not kept takes away what its attempt made — the video and its thumbnails —
/// and nothing else: files an earlier run (or the user) left in the same folder stay.
#[test]
fn a_discarded_video_deletes_only_what_its_attempt_made() {
    let yaml = "name: keep\nsettings: { video: { mode: retain-on-failure } }\napps:\n  - name: A\n    url: \"${FIXTURES}/kitchen.html\"\n    actions:\n      - { type: assert_title, contains: Kitchen }\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    let old = dir.path().join("out/videos/a");
    std::fs::create_dir_all(&old).unwrap();
    for f in ["notes.txt", "step-09.jpg"] {
        std::fs::write(old.join(f), "from an earlier run").unwrap();
    }
    let out = crate::support::command()
        .args(["run", "config.yaml", "--output", "out"])
        .current_dir(dir.path())
        .env("FIXTURES", crate::support::fixtures())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/results.json")).unwrap()).unwrap();
    let attempt = &results["tests"][0]["attempts"][0];
    assert!(
        attempt["video"].is_null(),
        "a passing test's video is not kept: {attempt}"
    );
    let mut left: Vec<String> = std::fs::read_dir(&old)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["notes.txt", "step-09.jpg"], "only this attempt's files went");
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
