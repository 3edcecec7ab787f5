//! Running the `panoptic` binary on a config written to a temp folder, and reading what it left.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::server::StaticServer;

/// `rel` (from this crate) served on 127.0.0.1 once per test process, in `cell`.
fn serve(cell: &'static OnceLock<StaticServer>, rel: &str) -> &'static str {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    &cell
        .get_or_init(|| StaticServer::start(&dir).expect("start a fixture server"))
        .url
}

/// The test pages (`tests/data/site`).
pub(crate) fn fixtures() -> &'static str {
    static SERVER: OnceLock<StaticServer> = OnceLock::new();
    serve(&SERVER, "tests/data/site")
}

/// The demo site (`examples/site`).
pub(crate) fn demo_site() -> &'static str {
    static SERVER: OnceLock<StaticServer> = OnceLock::new();
    serve(&SERVER, "../../examples/site")
}

/// The comparison suite's site (`benches/e2e/site`).
pub(crate) fn bench_site() -> &'static str {
    static SERVER: OnceLock<StaticServer> = OnceLock::new();
    serve(&SERVER, "../../benches/e2e/site")
}

/// What one `panoptic` invocation left behind.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) dir: tempfile::TempDir,
}

impl Run {
    pub(crate) fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub(crate) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.out().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\nstderr:\n{}", self.stderr))
    }

    pub(crate) fn results(&self) -> Value {
        serde_json::from_str(&self.read("results.json")).expect("results.json is JSON")
    }

    /// The test named `name` in results.json.
    pub(crate) fn test(&self, name: &str) -> Value {
        test_named(&self.results(), name)
    }

    /// Panics naming the first of `names` that did not pass.
    pub(crate) fn assert_passed(&self, names: &[&str]) {
        for name in names {
            let t = self.test(name);
            assert_eq!(t["status"], "passed", "{name}: {t:#}\n{}", self.stderr);
        }
    }

    /// Panics with every failing step when a test did not pass.
    pub(crate) fn assert_all_passed(&self) {
        let r = self.results();
        let mut bad = Vec::new();
        for t in r["tests"].as_array().into_iter().flatten() {
            if t["status"] != "passed" {
                for a in t["attempts"].as_array().into_iter().flatten() {
                    for s in a["steps"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|s| s["status"] == "failed")
                    {
                        bad.push(format!("{} / {}: {}", t["name"], s["name"], s["error"]));
                    }
                    if a["error"].is_object() {
                        bad.push(format!("{}: {}", t["name"], a["error"]));
                    }
                }
            }
        }
        assert!(
            bad.is_empty() && self.code == 0,
            "exit {}; failures:\n{}\nstderr:\n{}",
            self.code,
            bad.join("\n"),
            self.stderr
        );
    }
}

/// The results.json of the output folder `out`.
pub(crate) fn results_in(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("results.json")).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    serde_json::from_str(&text).expect("results.json is JSON")
}

/// The test named `name` in a results.json.
pub(crate) fn test_named(results: &Value, name: &str) -> Value {
    results["tests"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == name).cloned())
        .unwrap_or_else(|| panic!("no test {name} in {results:#}"))
}

/// Writes `yaml` as `<tmp>/config.yaml` (plus `files`) and runs `panoptic <cmd> config.yaml --output <tmp>/out`.
pub(crate) fn panoptic_with(cmd: &[&str], yaml: &str, files: &[(&str, &str)], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.yaml"), yaml).expect("write config");
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write file");
    }
    let mut args: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
    args.push("config.yaml".into());
    if cmd.first() == Some(&"run") {
        args.extend(["--output".into(), "out".into()]);
    }
    let output = command()
        .args(&args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("FIXTURES", fixtures())
        .envs(env.iter().copied())
        .output()
        .expect("run panoptic");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        dir,
    }
}

/// `panoptic run` on a config.
pub(crate) fn run_yaml(yaml: &str) -> Run {
    panoptic_with(&["run"], yaml, &[], &[])
}

#[expect(
    clippy::disallowed_methods,
    reason = "tests run the panoptic binary itself, which spawns no browser here"
)]
pub(crate) fn command() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_panoptic"))
}

/// Width and height of a PNG file.
pub(crate) fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
    let n = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (n(16), n(20))
}

/// A child process killed and reaped when the test ends, whichever way it ends.
pub(crate) struct Reaped(pub(crate) std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Browser folders (`panoptic-chromium-*`) under `tmp`.
pub(crate) fn browser_dirs(tmp: &Path) -> usize {
    std::fs::read_dir(tmp)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("panoptic-chromium-"))
                .count()
        })
        .unwrap_or(0)
}

/// Processes whose command line mentions `needle`: pid and command line.
pub(crate) fn processes_mentioning(needle: &str) -> Vec<(i32, String)> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let pid = e.file_name().to_str()?.parse::<i32>().ok()?;
                    let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
                    Some((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")))
                })
                .filter(|(_, c)| c.contains(needle))
                .collect()
        })
        .unwrap_or_default()
}

/// `panoptic <args>` run in `dir` (the fixtures served, colour off), to its end.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    command()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FIXTURES", fixtures())
        .output()
        .expect("run panoptic")
}

/// Waits up to `limit` for `child` to end; `None` while it still runs.
pub(crate) fn wait_exit(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for panoptic") {
            return Some(status);
        }
        if started.elapsed() > limit {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Every file under `dir`, recursively.
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
