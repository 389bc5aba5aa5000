//! The state backend interface: bytes, conditional writes and locks, whatever the medium.
//!
//! A [`StateBackend`] keeps one environment's state document as opaque bytes: it knows
//! nothing of the format, of encryption or of versions. Every stored document has a [`Token`]
//! (the local backend's file identity, S3's ETag), and a write names the token it expects to
//! replace, so two writers can never silently overwrite each other. Locks record who holds
//! them, for what, since when and until when, and an expired lock can be taken over.
//!
//! The format, upgrades, encryption and the compare-and-swap on lineage and serial are done
//! once, for every backend, by [`StateStore`](super::store::StateStore). [`Backends`] opens the
//! backend of any environment: how a reader finds its owners' state where its own is kept.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StateVersion;

/// What a conditional write compares: the identity of one stored document, opaque to
/// everything but the backend that issued it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token(pub String);

/// A stored document and its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The document's bytes, as written.
    pub bytes: Vec<u8>,
    /// Its identity, for the next conditional write.
    pub token: Token,
}

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
    /// The holder's host name, so a lock left by a process of this host that is gone can be
    /// recognised (absent in locks older quikinfras wrote).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The holder's process id on that host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
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
            expires: expiry(now, request.ttl),
            host: Some(host_name()),
            pid: Some(std::process::id()),
        }
    }

    /// Whether the lock's expiry has passed (an unreadable expiry counts as live).
    pub fn is_expired(&self, now: SystemTime) -> bool {
        humantime::parse_rfc3339(&self.expires).is_ok_and(|t| t < now)
    }

    /// Whether the lock was taken by a process of this host that no longer runs (a run killed
    /// or crashed before it could release it). Only a process table that can be read tells
    /// (`/proc`); where none can, no holder counts as gone.
    pub fn holder_is_gone(&self) -> bool {
        let (Some(host), Some(pid)) = (&self.host, self.pid) else { return false };
        if *host != host_name() || pid == std::process::id() {
            return false;
        }
        let proc = std::path::Path::new("/proc");
        proc.join("self").exists() && !proc.join(pid.to_string()).exists()
    }

    /// Whether another run may take the lock over: it expired, or its holder is gone.
    pub fn is_stale(&self, now: SystemTime) -> bool {
        self.is_expired(now) || self.holder_is_gone()
    }
}

/// `now + ttl` as RFC 3339, capped at the year 9999 (a TTL that large is refused earlier; this
/// only keeps the arithmetic from overflowing).
pub fn expiry(now: SystemTime, ttl: Duration) -> String {
    let latest = humantime::parse_rfc3339("9999-12-31T23:59:59Z").unwrap_or(now);
    let at = now.checked_add(ttl).map_or(latest, |t| t.min(latest));
    humantime::format_rfc3339_millis(at).to_string()
}

/// This host's name.
fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// `user@host (pid N)` for this process.
pub fn holder() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    format!("{user}@{} (pid {})", host_name(), std::process::id())
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
    Locked(Box<LockInfo>),
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
    /// The state's serial cannot count one more write.
    #[error("the state's serial is at its maximum ({}); nothing was written", u64::MAX)]
    SerialExhausted,
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

/// Where one environment's state document lives, as bytes.
#[async_trait]
pub trait StateBackend: Send + Sync {
    /// A short description for messages (`local file .quikinfra/staging/state.json`).
    fn describe(&self) -> String;

    /// Where the document lives, as errors name it (a path, or `s3://bucket/key`).
    fn location(&self) -> PathBuf;

    /// The stored document; `None` when there is none yet.
    async fn get(&self) -> Result<Option<Stored>, StateError>;

    /// Stores `bytes` if the stored document is still the one `expected` names (`None`: if
    /// there is none). `Ok(Some(token))` names the new document; `Ok(None)` means the condition
    /// failed and nothing was written.
    async fn put(&self, bytes: &[u8], expected: Option<&Token>) -> Result<Option<Token>, StateError>;

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

    /// Whether the backend keeps an append-only log of entries next to the document, so a
    /// checkpoint can store what changed instead of the whole state (see `StateStore`).
    fn has_log(&self) -> bool {
        false
    }

    /// The log's complete entries, oldest first, and its token (an entry torn by a crash is
    /// left out, and the token stops before it).
    async fn read_log(&self) -> Result<(Vec<Vec<u8>>, Token), StateError> {
        Ok((Vec::new(), Token(String::new())))
    }

    /// The log's token alone, as [`StateBackend::read_log`] gives it: what a writer checks
    /// to see whether the log moved, without reading its entries where the backend can tell.
    async fn log_token(&self) -> Result<Token, StateError> {
        Ok(self.read_log().await?.1)
    }

    /// Appends `entry` (one line, no newline) durably if the document is still the one
    /// `document` names and the log still the one `log` names; `Ok(None)` when either moved.
    async fn append_log(&self, _entry: &[u8], _document: &Token, _log: &Token) -> Result<Option<Token>, StateError> {
        Ok(None)
    }

    /// Empties the log (once its entries are folded into the document).
    async fn clear_log(&self) -> Result<(), StateError> {
        Ok(())
    }
}

/// Opens the state backend of any environment of one estate, all kept alike (the same
/// directory, the same bucket and prefix).
pub trait Backends: Send + Sync {
    /// What they are, for messages (`local files under .quikinfra`, `s3://bucket/prefix/`).
    fn describe(&self) -> String;

    /// The backend of `environment`.
    fn open(&self, environment: &str) -> Result<std::sync::Arc<dyn StateBackend>, StateError>;
}
