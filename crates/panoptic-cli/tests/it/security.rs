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
