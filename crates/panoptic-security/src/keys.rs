//! API keys of `panoptic serve`: a key is `pk_<id>_<secret>`; the file keeps its id, name, role
//! and an argon2id hash of the whole key (PHC string), never the key. There is no default key:
//! a server without keys answers 401 to every API call.
//!
//! Checking a key: its id picks the entry, argon2 verifies it (the comparison inside is
//! constant-time). Verifying costs milliseconds on purpose, so a key that verified once is
//! remembered by its SHA-256 digest, compared with `subtle` in constant time; the memory is
//! dropped whenever the file changes (a revoked key stops working at once).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a key may do; each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read runs, results, artifacts, metrics and the dashboard.
    Viewer,
    /// Also submit and cancel runs.
    Runner,
    /// Also submit configs with privileged settings (code, other browsers, buckets, files).
    Admin,
}

impl Role {
    /// `viewer`, `runner`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Runner => "runner",
            Role::Admin => "admin",
        }
    }

    /// Reads a role name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "runner" => Some(Role::Runner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// One key as the file keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyEntry {
    /// Public part of the key (`pk_<id>_…`).
    pub id: String,
    /// What the key is for.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// argon2id PHC string of the whole key.
    pub hash: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was revoked; a revoked key is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct KeyFile {
    keys: Vec<KeyEntry>,
}

/// Why a key file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not a key file.
    #[error("{path}: not a key file: {why}")]
    Corrupt {
        /// The key file.
        path: PathBuf,
        /// What the parser said.
        why: String,
    },
    /// No key with that id.
    #[error("no key with id {0}")]
    Unknown(String),
    /// The OS gave no randomness or hashing failed.
    #[error("cannot make a key: {0}")]
    Make(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read(path: &Path) -> Result<KeyFile, KeyError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| KeyError::Corrupt {
            path: path.to_path_buf(),
            why: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyFile::default()),
        Err(e) => Err(io(path)(e)),
    }
}

fn write(path: &Path, file: &KeyFile) -> Result<(), KeyError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::fs::create_private_dir(dir).map_err(io(path))?;
    }
    let text = serde_json::to_string_pretty(file).map_err(|e| KeyError::Make(e.to_string()))?;
    // A new file renamed over the old one: a reader never sees half a file.
    let tmp = path.with_extension("json.tmp");
    crate::fs::write_private(&tmp, text.as_bytes()).map_err(io(path))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

fn random_hex(bytes: usize) -> Result<String, KeyError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| KeyError::Make(e.to_string()))?;
    Ok(crate::text::hex(&buf))
}

fn hash(key: &str) -> Result<String, KeyError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| KeyError::Make(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| KeyError::Make(e.to_string()))?;
    Argon2::default()
        .hash_password(key.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| KeyError::Make(e.to_string()))
}

/// Adds a key to the file; returns its entry and the key itself (shown once, kept nowhere).
pub fn create(path: &Path, name: &str, role: Role) -> Result<(KeyEntry, String), KeyError> {
    let mut file = read(path)?;
    let id = random_hex(6)?;
    let key = format!("pk_{id}_{}", random_hex(24)?);
    let entry = KeyEntry {
        id,
        name: name.to_owned(),
        role,
        hash: hash(&key)?,
        created_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        revoked_at: None,
    };
    file.keys.push(entry.clone());
    write(path, &file)?;
    Ok((entry, key))
}

/// Every key in the file, revoked ones included.
pub fn list(path: &Path) -> Result<Vec<KeyEntry>, KeyError> {
    read(path).map(|f| f.keys)
}

/// Marks a key revoked (it stays listed); false when it already was.
pub fn revoke(path: &Path, id: &str) -> Result<bool, KeyError> {
    let mut file = read(path)?;
    let entry = file
        .keys
        .iter_mut()
        .find(|k| k.id == id)
        .ok_or_else(|| KeyError::Unknown(id.to_owned()))?;
    if entry.revoked_at.is_some() {
        return Ok(false);
    }
    entry.revoked_at = Some(humantime::format_rfc3339_seconds(SystemTime::now()).to_string());
    write(path, &file)?;
    Ok(true)
}

/// Who a key belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The key's id.
    pub id: String,
    /// The key's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
}

struct Loaded {
    stamp: Option<(SystemTime, u64)>,
    keys: Vec<KeyEntry>,
    /// SHA-256 of keys that verified, with their caller.
    verified: Vec<([u8; 32], Caller)>,
}

/// The key file as a server checks keys against it; re-read when it changes.
pub struct KeyRing {
    path: PathBuf,
    state: Mutex<Loaded>,
    /// One argon2 verification at a time: a burst of requests with one new key verifies it
    /// once, the rest find it remembered (and a flood of wrong keys costs one core, not all).
    verifying: Mutex<()>,
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

impl KeyRing {
    /// Checks keys against the file at `path` (which may not exist yet: then no key works).
    pub fn new(path: PathBuf) -> KeyRing {
        KeyRing {
            path,
            state: Mutex::new(Loaded {
                stamp: None,
                keys: Vec::new(),
                verified: Vec::new(),
            }),
            verifying: Mutex::new(()),
        }
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn refresh(&self, state: &mut Loaded) -> Result<(), KeyError> {
        let now = stamp(&self.path);
        if now.is_none() || now != state.stamp {
            state.keys = read(&self.path)?.keys;
            state.verified.clear();
            state.stamp = now;
        }
        Ok(())
    }

    /// Whose key this is; `None` for a wrong, unknown or revoked key.
    pub fn check(&self, key: &str) -> Result<Option<Caller>, KeyError> {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        if let Some(hit) = self.remembered(&digest)? {
            return Ok(Some(hit));
        }
        let _turn = self.verifying.lock().unwrap_or_else(|e| e.into_inner());
        self.verify(key, digest)
    }

    /// A key that verified before (compared in constant time).
    fn remembered(&self, digest: &[u8; 32]) -> Result<Option<Caller>, KeyError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.refresh(&mut state)?;
        let mut hit = None;
        for (d, caller) in &state.verified {
            if bool::from(d.ct_eq(digest)) {
                hit = Some(caller.clone());
            }
        }
        Ok(hit)
    }

    fn verify(&self, key: &str, digest: [u8; 32]) -> Result<Option<Caller>, KeyError> {
        // Verified by the request this one waited for?
        if let Some(hit) = self.remembered(&digest)? {
            return Ok(Some(hit));
        }
        let Some(id) = key
            .strip_prefix("pk_")
            .and_then(|r| r.split_once('_'))
            .map(|(id, _)| id)
        else {
            return Ok(None);
        };
        let entry = {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match state.keys.iter().find(|k| k.id == id && k.revoked_at.is_none()) {
                Some(k) => k.clone(),
                None => return Ok(None),
            }
        };
        // argon2 outside the state's lock: requests with remembered keys are not held up.
        let ok =
            PasswordHash::new(&entry.hash).is_ok_and(|h| Argon2::default().verify_password(key.as_bytes(), &h).is_ok());
        if !ok {
            return Ok(None);
        }
        let caller = Caller {
            id: entry.id,
            name: entry.name,
            role: entry.role,
        };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Only while the file is the one that vouched for it.
        if stamp(&self.path) == state.stamp {
            state.verified.push((digest, caller.clone()));
        }
        Ok(Some(caller))
    }
}

#[cfg(test)]
mod tests;
