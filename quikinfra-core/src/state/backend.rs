//! The state backend interface: storage, locking and guarded writes, whatever the medium.
//!
//! A [`StateBackend`] keeps one environment's state. Writes are compare-and-swap on the state's
//! version, so two writers can never silently overwrite each other; locks record who holds them,
//! for what, since when and until when, and an expired lock can be taken over.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{State, StateVersion};

/// Who wants a lock, and for what.
#[derive(Clone, Debug)]
pub struct LockRequest {
    /// The operation (`plan`, `apply`, `destroy`…).
    pub operation: String,
    /// How long the lock lives unless renewed.
    pub ttl: Duration,
}

/// A held lock, as recorded where the state lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A random id; `force-unlock` needs it.
    pub id: String,
    /// `user@host (pid N)`.
    pub holder: String,
    /// The operation holding it.
    pub operation: String,
    /// When it was taken (RFC 3339).
    pub created: String,
    /// When it expires unless renewed (RFC 3339).
    pub expires: String,
}

impl LockInfo {
    /// A new lock for `request`, held by this process.
    pub fn new(request: &LockRequest) -> Self {
        let now = SystemTime::now();
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            holder: holder(),
            operation: request.operation.clone(),
            created: humantime::format_rfc3339_seconds(now).to_string(),
            expires: humantime::format_rfc3339_millis(now + request.ttl).to_string(),
        }
    }

    /// Whether the lock's expiry has passed (an unreadable expiry counts as live).
    pub fn is_expired(&self, now: SystemTime) -> bool {
        humantime::parse_rfc3339(&self.expires).is_ok_and(|t| t < now)
    }
}

/// `user@host (pid N)` for this process.
pub fn holder() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host} (pid {})", std::process::id())
}

/// What can go wrong reading, writing or locking state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The medium failed.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The document is not valid state; it was left untouched.
    #[error("{path}: state is corrupt and was left untouched: {message}")]
    Corrupt {
        /// Where.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The document was written by a newer quikinfra; it was left untouched.
    #[error(
        "{path}: state format version {found} is newer than this quikinfra supports ({supported}); upgrade quikinfra. The file was left untouched"
    )]
    NewerFormat {
        /// Where.
        path: PathBuf,
        /// The version found.
        found: u64,
        /// The newest version understood.
        supported: u64,
    },
    /// The document is encrypted and cannot be opened with the key configured (or none is).
    #[error("{path}: state cannot be read: {source}. The file was left untouched")]
    Encryption {
        /// Where.
        path: PathBuf,
        /// What is missing or wrong.
        #[source]
        source: super::crypt::CryptError,
    },
    /// Another run holds the lock.
    #[error(
        "state is locked by {} for `{}` since {} (lock id {}, expires {}); if that run is gone, wait for expiry or run `force-unlock {}`",
        .0.holder, .0.operation, .0.created, .0.id, .0.expires, .0.id
    )]
    Locked(LockInfo),
    /// The stored state moved since it was read: another writer got there first.
    #[error("state changed underneath this run (expected {expected}, found {found}); nothing was overwritten")]
    Conflict {
        /// The version this writer read.
        expected: String,
        /// The version stored now.
        found: String,
    },
    /// `force-unlock` was given an id other than the current lock's.
    #[error("lock id `{given}` does not match the current lock ({current})")]
    LockMismatch {
        /// The id given.
        given: String,
        /// The current lock's id, or `none`.
        current: String,
    },
    /// The environment in the document is not the one asked for.
    #[error("{path}: state belongs to environment `{found}`, not `{expected}`")]
    WrongEnvironment {
        /// Where.
        path: PathBuf,
        /// The environment asked for.
        expected: String,
        /// The one in the file.
        found: String,
    },
}

/// Shows a version, or `no state` for none.
pub fn describe_version(v: Option<&StateVersion>) -> String {
    match v {
        Some(v) => format!("lineage {} serial {}", v.lineage, v.serial),
        None => "no state".to_string(),
    }
}

/// Where one environment's state lives.
#[async_trait]
pub trait StateBackend: Send + Sync {
    /// A short description for messages (`local file .quikinfra/staging/state.json`).
    fn describe(&self) -> String;

    /// Reads the state; `None` when there is none yet.
    async fn read(&self) -> Result<Option<State>, StateError>;

    /// Writes `state` if the stored version is still `expected` (`None`: no state stored yet);
    /// otherwise fails with [`StateError::Conflict`] and writes nothing.
    async fn write(&self, state: &State, expected: Option<&StateVersion>) -> Result<(), StateError>;

    /// Takes the lock, taking over an expired one; fails with [`StateError::Locked`] when live.
    async fn lock(&self, request: &LockRequest) -> Result<LockInfo, StateError>;

    /// Extends a held lock's expiry by its TTL from now.
    async fn renew(&self, lock: &LockInfo, ttl: Duration) -> Result<LockInfo, StateError>;

    /// Releases a lock this run holds.
    async fn unlock(&self, lock: &LockInfo) -> Result<(), StateError>;

    /// Removes the lock whose id is `id`, whoever holds it.
    async fn force_unlock(&self, id: &str) -> Result<(), StateError>;

    /// The current lock, if any.
    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError>;
}
