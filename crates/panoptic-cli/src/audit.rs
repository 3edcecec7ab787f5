//! The audit trail of runs: one entry per run (who, when, which configs with their SHA-256,
//! what ran, the result and exit code) appended to `<output>/audit.jsonl` and, beside the run
//! history (`.panoptic/audit.jsonl` by default; not with `--no-history`, which leaves no state
//! outside the output folder), and `panoptic audit verify`.

use std::io::Write;
use std::path::{Path, PathBuf};

use panoptic_core::config::Config;
use panoptic_core::results::RunResult;
use panoptic_security::audit::{self, AuditError, Head};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{exit, say};

/// The config file's SHA-256, or why it could not be read.
fn file_sha256(path: &Path) -> String {
    match panoptic_executor::read_regular(path, panoptic_executor::MAX_CONFIG_BYTES) {
        Ok(bytes) => panoptic_security::text::hex(&Sha256::digest(&bytes)),
        Err(e) => format!("unreadable: {e}"),
    }
}

/// The log shared by the runs that share a history folder: beside it.
pub(crate) fn shared_log(history_dir: &Path) -> PathBuf {
    history_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("audit.jsonl")
}

/// Appends the run to the output's log and to `shared`; a log that does not verify is not
/// extended (and said so).
pub(crate) fn record_run(output: &Path, shared: Option<&Path>, configs: &[Config], result: &RunResult, code: u8) {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| format!("uid {}", uid()));
    let configs: Vec<Value> = configs
        .iter()
        .map(|c| json!({ "file": c.source.display().to_string(), "sha256": file_sha256(&c.source) }))
        .collect();
    let Value::Object(record) = json!({
        "event": "run",
        "who": who,
        "started_at": result.run.started_at,
        "duration_ms": result.run.duration_ms,
        "name": result.run.name,
        "configs": configs,
        "status": result.run.status,
        "totals": result.run.totals,
        "exit_code": code,
        "output": output.display().to_string(),
    }) else {
        return;
    };
    if let Some(dir) = shared.and_then(Path::parent)
        && let Err(e) = panoptic_security::fs::create_private_dir(dir)
    {
        say(&format!("warning: cannot create {}: {e}", dir.display()));
    }
    for log in std::iter::once(output.join("audit.jsonl")).chain(shared.map(Path::to_path_buf)) {
        if let Err(e) = audit::append(&log, record.clone()) {
            say(&format!("warning: audit log {} not extended: {e}", log.display()));
        }
    }
}

/// The real user id, from `/proc/self/status` (when `$USER` is not set, as in containers).
fn uid() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("Uid:")
                    .map(|r| r.split_whitespace().next().unwrap_or("").to_owned())
            })
        })
        .unwrap_or_else(|| "?".into())
}

/// `ENTRIES:HASH`, as `verify` prints it.
fn parse_head(s: &str) -> Option<Head> {
    let (n, hash) = s.split_once(':')?;
    Some(Head {
        entries: n.parse().ok()?,
        hash: hash.to_owned(),
    })
}

/// `panoptic audit verify FILE [--head ENTRIES:HASH]`: 0 intact, 1 tampered, 2 unreadable.
pub(crate) fn verify(file: &Path, expected: Option<&str>) -> u8 {
    let expected = match expected.map(|h| parse_head(h).ok_or(h)) {
        None => None,
        Some(Ok(h)) => Some(h),
        Some(Err(h)) => {
            say(&format!(
                "error: --head `{h}` is not ENTRIES:HASH (as `audit verify` prints it)"
            ));
            return exit::USAGE;
        }
    };
    match audit::verify(file) {
        Ok(head) => match expected {
            Some(want) if want != head => {
                say(&format!(
                    "{}: the chain holds but ends at {}:{}, not at the expected {}:{} — entries were cut off or the last one replaced",
                    file.display(),
                    head.entries,
                    head.hash,
                    want.entries,
                    want.hash
                ));
                exit::FAILED
            }
            _ => {
                let _ = writeln!(
                    std::io::stdout(),
                    "{}: {} entries, chain intact; head {}:{}",
                    file.display(),
                    head.entries,
                    head.entries,
                    head.hash
                );
                exit::OK
            }
        },
        Err(AuditError::Broken { line, reason }) => {
            say(&format!("{}:{line}: {reason}", file.display()));
            exit::FAILED
        }
        Err(e) => {
            say(&format!("error: {}: {e}", file.display()));
            exit::USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn heads_parse_as_printed() {
        let h = super::parse_head("3:abc").unwrap();
        assert_eq!((h.entries, h.hash.as_str()), (3, "abc"));
        assert!(super::parse_head("abc").is_none() && super::parse_head("x:abc").is_none());
    }
}
