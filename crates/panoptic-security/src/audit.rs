//! The audit log: JSON lines, each carrying its position (`seq`), the SHA-256 of the entry
//! before it (`prev`) and its own (`hash`, over the entry without `hash`). `verify` names the
//! first line where an edit, deletion, insertion or reordering shows. Cutting lines off the end
//! leaves a shorter valid chain: compare the head (`seq`, `hash` of the last line) with a copy
//! kept elsewhere (`panoptic audit verify --head`).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::fs::{Mode, open_private};

/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The last entry of a log: what a new entry chains to, and what `--head` compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of entries (the next `seq`).
    pub entries: u64,
    /// `hash` of the last entry, or [`GENESIS`].
    pub hash: String,
}

/// Why a log does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Line `line` (1-based) breaks the chain.
    #[error("line {line}: {reason}")]
    Broken {
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
}

/// SHA-256 of an entry without its `hash` field, over its JSON text (keys sorted).
fn entry_hash(entry: &Map<String, Value>) -> String {
    let mut body = entry.clone();
    body.remove("hash");
    crate::text::hex(&Sha256::digest(Value::Object(body).to_string().as_bytes()))
}

/// Reads a log and checks every entry; the head when the whole chain holds.
pub fn verify(path: &Path) -> Result<Head, AuditError> {
    let file = std::fs::File::open(path)?;
    let mut head = Head {
        entries: 0,
        hash: GENESIS.to_owned(),
    };
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line_no = i as u64 + 1;
        let broken = |reason: String| AuditError::Broken { line: line_no, reason };
        let line = line.map_err(|e| broken(format!("unreadable: {e}")))?;
        let entry: Map<String, Value> = match serde_json::from_str(&line) {
            Ok(Value::Object(m)) => m,
            _ => return Err(broken("not a JSON object".into())),
        };
        let field = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        if entry.get("seq").and_then(Value::as_u64) != Some(head.entries) {
            return Err(broken(format!(
                "expected entry {} here (a line was removed, added or moved)",
                head.entries
            )));
        }
        if field("prev") != head.hash {
            return Err(broken("does not follow the entry before it (`prev` differs)".into()));
        }
        let hash = entry_hash(&entry);
        if field("hash") != hash {
            return Err(broken("its content was changed (`hash` differs)".into()));
        }
        head = Head {
            entries: head.entries + 1,
            hash,
        };
    }
    Ok(head)
}

/// Appends `record` (a JSON object's fields) to the log at `path`, chained to its last entry;
/// refuses to extend a log that does not verify. Returns the new head.
pub fn append(path: &Path, record: Map<String, Value>) -> Result<Head, AuditError> {
    Appender::new(path.to_path_buf()).append(record)
}

/// What a log file looks like from outside: size and modification time. A link or anything but
/// a regular file is refused before it is read (a FIFO would hold the reader; a link would let
/// the chain check read the file it points to).
fn stamp(path: &Path) -> Result<Option<(u64, std::time::SystemTime)>, AuditError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is a symlink; panoptic does not read or write through links",
                path.display()
            ),
        )
        .into()),
        Ok(m) if !m.file_type().is_file() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        )
        .into()),
        Ok(m) => Ok(Some((m.len(), m.modified()?))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Appends to one log many times (a server's): the chain is verified at the first append and
/// again whenever the file is not as this appender left it (size or modification time differ:
/// another writer, an edit), so a long-lived log is not read whole for every entry.
pub struct Appender {
    path: PathBuf,
    /// The file as the last append left it, and its head.
    known: Option<((u64, std::time::SystemTime), Head)>,
}

impl Appender {
    /// An appender for the log at `path` (which may not exist yet).
    pub fn new(path: PathBuf) -> Appender {
        Appender { path, known: None }
    }

    /// The log's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// As [`append`]: chained to the last entry, refused when the log does not verify.
    pub fn append(&mut self, record: Map<String, Value>) -> Result<Head, AuditError> {
        let now = stamp(&self.path)?;
        let head = match (&self.known, now) {
            (_, None) => Head {
                entries: 0,
                hash: GENESIS.to_owned(),
            },
            (Some((seen, head)), Some(now)) if *seen == now => head.clone(),
            (_, Some(_)) => verify(&self.path)?,
        };
        self.known = None;
        let mut entry = record;
        entry.insert("seq".into(), json!(head.entries));
        entry.insert("prev".into(), json!(head.hash));
        entry.remove("hash");
        let hash = entry_hash(&entry);
        entry.insert("hash".into(), json!(hash));
        let mut line = Value::Object(entry).to_string();
        line.push('\n');
        open_private(&self.path, Mode::Append)?.write_all(line.as_bytes())?;
        let head = Head {
            entries: head.entries + 1,
            hash,
        };
        if let Some(after) = stamp(&self.path)? {
            self.known = Some((after, head.clone()));
        }
        Ok(head)
    }
}

#[cfg(test)]
mod tests;
