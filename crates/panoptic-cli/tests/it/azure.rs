//! `az://` against a real Azure-compatible server: Azurite's blob service (npm, installed by
//! `cargo xtask setup`), started here on a loopback port. A run with a video syncs into a
//! container (every file with its sha256, read back through the blob API), a second sync sends
//! nothing, the run history goes along and is read back (`history stats --from`), and
//! retention's dry run lists without deleting.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;
use sha2::Digest;

use crate::cloud::{hex, text};
use crate::support::{command, fixtures, walk};

/// Azurite's well-known development account and key (public, the same in every install).
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

struct Azurite {
    child: Child,
    port: u16,
    _data: tempfile::TempDir,
}

fn binary() -> String {
    let home = std::env::var("HOME").unwrap();
    format!("{home}/.cache/panoptic/azurite/node_modules/.bin/azurite-blob")
}

impl Azurite {
    #[expect(clippy::disallowed_methods, reason = "the test's own Azure server, not a browser")]
    fn start() -> Azurite {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(binary())
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--location", data.path().to_str().unwrap()])
            .args(["--silent", "--skipApiVersionCheck", "--disableTelemetry"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("azurite-blob (cargo xtask setup installs it)");
        let until = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "azurite did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let a = Azurite {
            child,
            port,
            _data: data,
        };
        assert_eq!(
            a.call("PUT", "runs", "restype:container", "?restype=container").0,
            201,
            "create the container"
        );
        a
    }

    /// A request signed with the account's shared key (the container must exist before a sync).
    fn call(&self, method: &str, path: &str, canonical_query: &str, query: &str) -> (u16, Vec<u8>) {
        let date = httpdate();
        let version = "2021-08-06";
        let mut to_sign = format!(
            "{method}\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/{ACCOUNT}/{ACCOUNT}/{path}"
        );
        if !canonical_query.is_empty() {
            to_sign.push('\n');
            to_sign.push_str(canonical_query);
        }
        let key = base64::engine::general_purpose::STANDARD.decode(KEY).unwrap();
        let signature = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&key, to_sign.as_bytes()));
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "{method} /{ACCOUNT}/{path}{query} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nx-ms-date: {date}\r\nx-ms-version: {version}\r\nAuthorization: SharedKey {ACCOUNT}:{signature}\r\nContent-Length: 0\r\n\r\n",
            self.port
        )
        .unwrap();
        crate::cloud::answer(s)
    }

    fn blob(&self, name: &str) -> Option<Vec<u8>> {
        let (status, body) = self.call("GET", &format!("runs/{name}"), "", "");
        (status == 200).then_some(body)
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = sha2::Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    sha2::Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Now as an HTTP date (`Sat, 28 Nov 2026 08:48:55 GMT`), from the system clock.
fn httpdate() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::cloud::civil(days);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        months[(month - 1) as usize],
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn panoptic(dir: &Path, args: &[&str], port: u16) -> std::process::Output {
    command()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FIXTURES", fixtures())
        .env("AZURE_STORAGE_USE_EMULATOR", "true")
        .env("AZURITE_BLOB_STORAGE_URL", format!("http://127.0.0.1:{port}"))
        .output()
        .expect("run panoptic")
}

const URL: &str = "az://runs/ci";

#[test]
fn runs_sync_to_azure_blob_storage() {
    let az = Azurite::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let yaml = format!(
        "name: azure\nsettings: {{ retries: 0, video: {{ mode: on }}, cloud: {{ url: \"{URL}\" }} }}\napps:\n  - {{ name: home, url: \"${{FIXTURES}}/kitchen.html\", actions: [{{ type: assert_visible, selector: '#title' }}, {{ type: screenshot }}] }}\n"
    );
    std::fs::write(dir.join("config.yaml"), yaml).unwrap();
    let run = panoptic(dir, &["run", "config.yaml", "--output", "out"], az.port);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let list = panoptic(dir, &["cloud", "list", URL], az.port);
    let listed = String::from_utf8_lossy(&list.stdout).into_owned();
    let mut lines = listed.lines();
    let line = lines.next().unwrap_or_else(|| panic!("no run listed: {}", text(&list)));
    assert!(lines.next().is_none() && line.ends_with("\tcomplete"), "{listed}");
    let id = line.split('\t').next().unwrap();
    // Every local file is a blob with the same content, and the manifest lists it.
    let manifest: Value =
        serde_json::from_slice(&az.blob(&format!("ci/runs/{id}/manifest.panoptic.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["path"].as_str().unwrap().starts_with("videos/")));
    let local = walk(&dir.join("out"));
    for f in &local {
        let rel = f.strip_prefix(dir.join("out")).unwrap().to_string_lossy().into_owned();
        let want = hex(&sha2::Sha256::digest(std::fs::read(f).unwrap()));
        let got = az
            .blob(&format!("ci/runs/{id}/{rel}"))
            .unwrap_or_else(|| panic!("{rel} is not in the container"));
        assert_eq!(hex(&sha2::Sha256::digest(&got)), want, "{rel}");
        assert!(
            files
                .iter()
                .any(|e| e["path"] == rel.as_str() && e["sha256"] == want.as_str()),
            "{rel}"
        );
    }
    assert_eq!(local.len(), files.len());
    // A second sync sends nothing; the history went along and is read back from there.
    let again = panoptic(dir, &["cloud", "sync", "out", URL], az.port);
    assert!(text(&again).contains(": 0 file(s) uploaded"), "{}", text(&again));
    let stats = panoptic(dir, &["history", "stats", "--from", URL], az.port);
    assert!(stats.status.success(), "{}", text(&stats));
    assert!(
        String::from_utf8_lossy(&stats.stdout)
            .lines()
            .any(|l| l.starts_with("home ")),
        "{}",
        text(&stats)
    );
    // Retention: a dry run lists the run (cap 0 MiB) and deletes nothing.
    let dry = panoptic(
        dir,
        &["cloud", "cleanup", URL, "--max-total-mb", "0", "--dry-run"],
        az.port,
    );
    assert!(text(&dry).contains(&format!("would delete {id} ")), "{}", text(&dry));
    assert!(az.blob(&format!("ci/runs/{id}/manifest.panoptic.json")).is_some());
    // Without the emulator or an account, the setting is named with what to set.
    let bare = command()
        .args(["cloud", "list", URL])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(bare.status.code(), Some(2));
    assert!(text(&bare).contains("AZURE_STORAGE_ACCOUNT_NAME"), "{}", text(&bare));
}
