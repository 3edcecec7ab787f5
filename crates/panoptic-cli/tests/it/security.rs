//! Secrets never leave the run; artifact names stay in the output folder; dangerous URLs are refused.

use crate::support::{panoptic_with, run_yaml};

const SECRET: &str = "s3cr3t-Pa55word-93731";

pub(crate) fn all_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
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
            "name: guard\nsettings: {{ retries: 0, timeouts: {{ expect: 5s }}, allow: {allow} }}\napps:\n  - name: A\n    url: \"${{FIXTURES}}/guarded.html\"\n    actions:\n      - {{ type: assert_text, selector: \"#fetched\", matches: \"^(fetched|blocked)\" }}\n      - {{ type: eval, script: \"document.getElementById('fetched').textContent\" }}\n      - {{ type: click, selector: \"#away\" }}\n      - {{ type: wait, wait_time: 500ms }}\n"
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

#[test]
fn a_frame_of_another_site_cannot_reach_past_the_url_policy() {
    // The frame's own requests are judged too (it runs in its tab's renderer, under the tab's
    // guard), not only the frame's document.
    let yaml = "name: guard\nsettings: { retries: 0, timeouts: { expect: 5s }, allow: { hosts: [\"127.0.0.1\", \"localhost\"] } }\napps:\n  - name: A\n    url: \"${FIXTURES}/frame-host.html\"\n    actions:\n      - { type: assert_text, selector: \"frame=#leak >> #fetched\", equals: \"blocked\" }\n";
    let run = panoptic_with(&["run"], yaml, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let errors = run.test("A")["attempts"][0]["page_errors"].to_string();
    let third = crate::support::fixtures().replace("127.0.0.1", "127.0.0.2");
    for what in ["/kitchen.html?from-frame", "/pixel.png?from-frame"] {
        assert!(
            errors.contains(&format!(
                "request failed: {third}{what} (blocked by panoptic's URL policy: host `127.0.0.2` is not in `settings.allow.hosts`)"
            )),
            "{what}: {errors}"
        );
    }
}
