//! [`StateStore`]: one environment's state over any [`StateBackend`], with the same guarantees
//! whatever the medium.
//!
//! A backend stores bytes; the store does everything else, once for every backend:
//!
//! - the document's format and upgrades ([`file`](super::file)) and its environment: a
//!   document of another environment is refused, never overwritten;
//! - encryption: with a [`Cipher`], every document written is sealed and sealed documents are
//!   opened (plaintext ones still read, so turning encryption on needs no migration);
//! - compare-and-swap on the state's version: [`StateStore::write`] replaces the stored state
//!   only if it is still at the version the caller read. The store remembers the token of the
//!   document it last read or wrote together with that document's version; when the caller's
//!   expected version is that one, the backend's conditional write on the token is the whole
//!   check (no extra read), otherwise the stored document is read, decoded and compared. A
//!   condition that fails is a [`StateError::Conflict`] naming both versions, and nothing is
//!   written.
//!
//! Locks are the backend's own; the store passes them through.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::backend::{Backends, LockInfo, LockRequest, StateBackend, StateError, Stored, Token, describe_version};
use super::crypt::Cipher;
use super::local::LocalBackends;
use super::{State, StateVersion, file};

/// One environment's state, kept by a backend.
pub struct StateStore {
    backend: Arc<dyn StateBackend>,
    environment: String,
    cipher: Option<Cipher>,
    /// The document this store last read or wrote: its token and the version it held.
    known: Mutex<Option<(Token, StateVersion)>>,
}

impl StateStore {
    /// The state of `environment` in `backend`, sealed with `cipher` when there is one.
    pub fn new(backend: Arc<dyn StateBackend>, environment: impl Into<String>, cipher: Option<Cipher>) -> Self {
        Self { backend, environment: environment.into(), cipher, known: Mutex::new(None) }
    }

    /// The state of `environment` in local files under `root`, unencrypted: what tests and
    /// benchmarks use.
    pub fn local(root: impl Into<std::path::PathBuf>, environment: &str) -> Self {
        Self::new(Arc::new(super::local::LocalBackend::new(root, environment)), environment, None)
    }

    /// The environment whose state this is.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// The backend underneath.
    pub fn backend(&self) -> &Arc<dyn StateBackend> {
        &self.backend
    }

    /// Where the state lives, for messages.
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    fn known(&self) -> MutexGuard<'_, Option<(Token, StateVersion)>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decodes a stored document and checks it is this environment's.
    fn decode(&self, bytes: &[u8]) -> Result<State, StateError> {
        let path = self.backend.location();
        let text = std::str::from_utf8(bytes).map_err(|e| StateError::Corrupt {
            path: path.clone(),
            message: format!("the file is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()),
        })?;
        let state = file::from_json_with(text, &path, self.cipher.as_ref())?;
        self.check_environment(&state.environment)?;
        Ok(state)
    }

    fn check_environment(&self, found: &str) -> Result<(), StateError> {
        if found == self.environment {
            return Ok(());
        }
        Err(StateError::WrongEnvironment {
            path: self.backend.location(),
            expected: self.environment.clone(),
            found: found.to_string(),
        })
    }

    /// Reads the state; `None` when there is none yet.
    pub async fn read(&self) -> Result<Option<State>, StateError> {
        let Some(Stored { bytes, token }) = self.backend.get().await? else {
            *self.known() = None;
            return Ok(None);
        };
        *self.known() = None;
        let state = self.decode(&bytes)?;
        *self.known() = Some((token, state.version.clone()));
        Ok(Some(state))
    }

    /// The stored document's token and version, read from the backend.
    async fn stored(&self) -> Result<Option<(Token, StateVersion)>, StateError> {
        match self.backend.get().await? {
            Some(Stored { bytes, token }) => Ok(Some((token, self.decode(&bytes)?.version))),
            None => Ok(None),
        }
    }

    /// Writes `state` if the stored version is still `expected` (`None`: no state stored yet);
    /// otherwise fails with [`StateError::Conflict`] and writes nothing.
    pub async fn write(&self, state: &State, expected: Option<&StateVersion>) -> Result<(), StateError> {
        self.check_environment(&state.environment)?;
        let cached = self.known().clone();
        let token = match (expected, cached) {
            (None, _) => None,
            (Some(want), Some((token, version))) if &version == want => Some(token),
            (Some(want), _) => match self.stored().await? {
                Some((token, version)) if &version == want => Some(token),
                other => return Err(conflict(expected, other.as_ref().map(|(_, v)| v))),
            },
        };
        let bytes = file::to_json_sealed(state, self.cipher.as_ref());
        match self.backend.put(bytes.as_bytes(), token.as_ref()).await? {
            Some(token) => {
                *self.known() = Some((token, state.version.clone()));
                Ok(())
            }
            None => {
                *self.known() = None;
                // What is there now decides the error: another version, or a document that
                // cannot be read (then that is the error, and it stays untouched).
                let found = self.stored().await?;
                Err(conflict(expected, found.as_ref().map(|(_, v)| v)))
            }
        }
    }

    /// Takes the lock, taking over an expired one; fails with [`StateError::Locked`] when live.
    pub async fn lock(&self, request: &LockRequest) -> Result<LockInfo, StateError> {
        self.backend.lock(request).await
    }

    /// Extends a held lock's expiry by its TTL from now.
    pub async fn renew(&self, lock: &LockInfo, ttl: Duration) -> Result<LockInfo, StateError> {
        self.backend.renew(lock, ttl).await
    }

    /// Releases a lock this run holds.
    pub async fn unlock(&self, lock: &LockInfo) -> Result<(), StateError> {
        self.backend.unlock(lock).await
    }

    /// Removes the lock whose id is `id`, whoever holds it.
    pub async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        self.backend.force_unlock(id).await
    }

    /// The current lock, if any.
    pub async fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        self.backend.current_lock().await
    }
}

fn conflict(expected: Option<&StateVersion>, found: Option<&StateVersion>) -> StateError {
    StateError::Conflict { expected: describe_version(expected), found: describe_version(found) }
}

/// The state stores of every environment of one estate: one kind of backend, one key.
#[derive(Clone)]
pub struct StateStores {
    backends: Arc<dyn Backends>,
    cipher: Option<Cipher>,
}

impl StateStores {
    /// Stores opened by `backends`, sealed with `cipher` when there is one.
    pub fn new(backends: Arc<dyn Backends>, cipher: Option<Cipher>) -> Self {
        Self { backends, cipher }
    }

    /// Local files under `root`, unencrypted.
    pub fn local(root: impl Into<std::path::PathBuf>) -> Self {
        Self::new(Arc::new(LocalBackends::new(root)), None)
    }

    /// Where they are, for messages.
    pub fn describe(&self) -> String {
        self.backends.describe()
    }

    /// The store of `environment`.
    pub fn open(&self, environment: &str) -> Result<StateStore, StateError> {
        Ok(StateStore::new(self.backends.open(environment)?, environment, self.cipher.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::memory::MemoryBackend;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn sample(serial: u64) -> State {
        let mut state = State::new("live", "lineage-1");
        state.version.serial = serial;
        state.outputs.insert("bucket".into(), "quikapp-media-prod".into());
        state
    }

    fn cipher() -> Option<Cipher> {
        Some(Cipher::from_key_text(KEY).expect("key"))
    }

    #[tokio::test]
    async fn any_backend_gets_sealed_documents_when_a_key_is_set() {
        let memory = Arc::new(MemoryBackend::new());
        let store = StateStore::new(memory.clone(), "live", cipher());
        store.write(&sample(1), None).await.expect("write");
        let stored = String::from_utf8(memory.bytes().expect("stored")).expect("text");
        assert!(!stored.contains("quikapp-media-prod"), "plaintext reached the backend: {stored}");
        assert!(stored.contains("\"encrypted\""), "{stored}");
        assert_eq!(store.read().await.expect("read"), Some(sample(1)));
        let keyless = StateStore::new(memory.clone(), "live", None);
        let err = keyless.read().await.expect_err("sealed");
        assert!(matches!(err, StateError::Encryption { .. }), "{err}");
        let err = keyless.write(&sample(2), Some(&sample(1).version)).await.expect_err("sealed");
        assert!(matches!(err, StateError::Encryption { .. }), "{err}");
        assert_eq!(store.read().await.expect("read"), Some(sample(1)), "nothing was overwritten");
    }

    #[tokio::test]
    async fn a_second_store_that_wrote_meanwhile_makes_the_first_conflict() {
        let memory = Arc::new(MemoryBackend::new());
        let ours = StateStore::new(memory.clone(), "live", None);
        let theirs = StateStore::new(memory.clone(), "live", None);
        ours.write(&sample(1), None).await.expect("first");
        let read = theirs.read().await.expect("read").expect("state");
        theirs.write(&sample(2), Some(&read.version)).await.expect("theirs");
        let err = ours.write(&sample(2), Some(&sample(1).version)).await.expect_err("stale");
        assert!(matches!(&err, StateError::Conflict { found, .. } if found.ends_with("serial 2")), "{err}");
        let err = ours.write(&sample(1), None).await.expect_err("exists");
        assert!(matches!(&err, StateError::Conflict { expected, .. } if expected == "no state"), "{err}");
    }

    #[tokio::test]
    async fn another_environments_document_is_refused() {
        let memory = Arc::new(MemoryBackend::new());
        StateStore::new(memory.clone(), "live", None).write(&sample(1), None).await.expect("write");
        let err = StateStore::new(memory, "production", None).read().await.expect_err("live's state");
        assert!(matches!(&err, StateError::WrongEnvironment { found, .. } if found == "live"), "{err}");
    }
}
