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
settings: { retries: 0, timeouts: { expect: 300ms }, log_level: debug }
apps:
  - name: leaky
    url: "${FIXTURES}/kitchen.html"
    actions:
      - { type: fill, selector: "#name", value: "${secret:SHOP_PASSWORD}" }
      - { type: screenshot, screenshot: true }
      - { type: assert_value, selector: "#name", equals: "not the secret" }
"##;
    let run = panoptic_with(
        &["run"],
        yaml,
        &[],
        &[("SHOP_PASSWORD", SECRET), ("PANOPTIC_LOG", "debug")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let step = &run.test("leaky")["attempts"][0]["steps"][3];
    assert_eq!(
        step["error"]["actual"], "***",
        "the actual value should be masked: {step}"
    );
    let mut files = Vec::new();
    all_files(&run.out(), &mut files);
    assert!(files.len() >= 7, "{files:?}");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "secret found in {}",
            f.display()
        );
    }
    assert!(!run.stderr.contains(SECRET) && !run.stdout.contains(SECRET));
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
    for url in ["javascript:alert(1)", "file:///etc/passwd", "chrome://settings"] {
        let yaml = format!(
            "name: u\napps: [{{ name: A, url: \"{url}\" }}]\nactions:\n  - {{ type: navigate, url: \"{url}\" }}\n"
        );
        let run = panoptic_with(&["validate"], &yaml, &[], &[]);
        assert_eq!(run.code, 2, "{url}: {}", run.stderr);
        assert_eq!(run.stderr.matches("is not allowed").count(), 2, "{}", run.stderr);
    }
    // A URL hidden behind a variable is checked when the step runs.
    let yaml = "name: u\nsettings: { retries: 0 }\napps: [{ name: A, url: \"${FIXTURES}/kitchen.html\" }]\nactions:\n  - { type: navigate, url: \"${EVIL}\" }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[("EVIL", "javascript:document.title='owned'")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let err = &run.test("A")["attempts"][0]["steps"][1]["error"]["message"];
    assert!(err.as_str().unwrap().contains("`javascript:` is not allowed"), "{err}");
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
