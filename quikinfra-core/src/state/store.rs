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
//! - checkpoints that cost what changed: on a backend with a log (local files), an apply's
//!   [`StateStore::checkpoint`] appends what changed since the last version as one entry,
//!   durably, instead of rewriting the whole document; [`StateStore::read`] replays the entries
//!   of the same history after the document's serial. The log is due for a fold into the
//!   document (one full write, the log emptied) once it is twice the document's size
//!   ([`StateStore::fold_due`]): an apply folds then, at a moment no call waits for it, and at
//!   its end; a checkpoint folds by itself only once the log is twice as large, so the bytes
//!   written stay proportional to what changed whoever writes. A crash between an
//!   entry and a fold loses nothing: the entry is durable before the write returns, and a fold
//!   leaves entries the new document already holds, which replay skips. Backends without a log
//!   (S3, Blob Storage) take a whole write per checkpoint; an apply makes one per wave of
//!   completions (those that land together, or while a write is in flight, share one).
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
    /// The document this store last read or wrote: its token and the version it held, with
    /// the log's entries replayed.
    known: Mutex<Option<(Token, StateVersion)>>,
    /// The log as this store last saw it, when the backend has one.
    log: Mutex<Option<LogTail>>,
}

/// The log after the document.
#[derive(Clone, Debug)]
struct LogTail {
    /// Its token, for the next append.
    token: Token,
    /// Bytes appended since the last fold.
    bytes: usize,
    /// The document's size, which the fold threshold follows.
    document_bytes: usize,
    /// The journal at the log's last version, which the next entry says what changed of.
    pending: Arc<Vec<super::PendingOp>>,
}

/// The smallest log worth keeping before a fold, whatever the document's size.
const MIN_FOLD_BYTES: usize = 64 * 1024;

/// How many times the document's size the log grows to before a fold is due. Each fold
/// rewrites the whole document, so the further the log may grow, the fewer folds a growing
/// state takes; a read after a crash replays at most this much log besides the document.
const FOLD_FACTOR: usize = 2;

/// How many times its fold threshold a log may grow before a checkpoint folds it by itself,
/// for writers that do not fold when [`StateStore::fold_due`] says so.
const FORCED_FOLD_FACTOR: usize = 2;

impl LogTail {
    /// The log size beyond which a fold is due.
    fn fold_threshold(&self) -> usize {
        (self.document_bytes * FOLD_FACTOR).max(MIN_FOLD_BYTES)
    }
}

/// A stored state: the document with its log replayed.
struct Loaded {
    state: State,
    token: Token,
    tail: Option<LogTail>,
}

impl StateStore {
    /// The state of `environment` in `backend`, sealed with `cipher` when there is one.
    pub fn new(backend: Arc<dyn StateBackend>, environment: impl Into<String>, cipher: Option<Cipher>) -> Self {
        Self { backend, environment: environment.into(), cipher, known: Mutex::new(None), log: Mutex::new(None) }
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

    fn tail(&self) -> MutexGuard<'_, Option<LogTail>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The stored document with its log replayed, read from the backend.
    async fn load(&self) -> Result<Option<Loaded>, StateError> {
        let Some(Stored { bytes, token }) = self.backend.get().await? else { return Ok(None) };
        let mut state = self.decode(&bytes)?;
        let mut tail = None;
        if self.backend.has_log() {
            let (entries, log_token) = self.backend.read_log().await?;
            let mut logged = 0;
            let path = self.backend.location();
            for entry in &entries {
                if file::apply_entry(&mut state, entry, &path, self.cipher.as_ref())? {
                    logged += entry.len() + 1;
                }
            }
            tail = Some(LogTail {
                token: log_token,
                bytes: logged,
                document_bytes: bytes.len(),
                pending: Arc::new(state.pending.clone()),
            });
        }
        Ok(Some(Loaded { state, token, tail }))
    }

    /// Reads the state; `None` when there is none yet.
    pub async fn read(&self) -> Result<Option<State>, StateError> {
        *self.known() = None;
        *self.tail() = None;
        let Some(Loaded { state, token, tail }) = self.load().await? else { return Ok(None) };
        *self.known() = Some((token, state.version.clone()));
        *self.tail() = tail;
        Ok(Some(state))
    }

    /// The stored token and version, read from the backend.
    async fn stored(&self) -> Result<Option<(Token, StateVersion)>, StateError> {
        Ok(self.load().await?.map(|l| (l.token, l.state.version)))
    }

    /// Writes `state` if the stored version is still `expected` (`None`: no state stored yet);
    /// otherwise fails with [`StateError::Conflict`] and writes nothing. The whole document is
    /// written (and a log folded into it).
    pub async fn write(&self, state: &State, expected: Option<&StateVersion>) -> Result<(), StateError> {
        self.check_environment(&state.environment)?;
        let mut cached = self.known().clone();
        if self.backend.has_log() && cached.is_some() {
            // The version known includes the log as last seen: it holds only if the log did
            // not move since (another writer's append leaves the document's token as it was).
            let seen = self.tail().as_ref().map(|t| t.token.clone());
            let now = self.backend.log_token().await?;
            if seen.as_ref() != Some(&now) {
                cached = None;
            }
        }
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
                // The entries left in the log are all older than this document: replay skips
                // them, so a failure to empty it loses nothing; the next checkpoint then folds.
                let emptied = self.backend.has_log() && self.backend.clear_log().await.is_ok();
                *self.tail() = emptied.then(|| LogTail {
                    token: Token("0".to_string()),
                    bytes: 0,
                    document_bytes: bytes.len(),
                    pending: Arc::new(state.pending.clone()),
                });
                Ok(())
            }
            None => {
                *self.known() = None;
                *self.tail() = None;
                // What is there now decides the error: another version, or a document that
                // cannot be read (then that is the error, and it stays untouched).
                let found = self.stored().await?;
                Err(conflict(expected, found.as_ref().map(|(_, v)| v)))
            }
        }
    }

    /// Writes `state`, whose resources at `changed` (and journal, outputs and target) are all
    /// that differ from the stored version `expected`: one log entry when the backend keeps a
    /// log and it is not yet far past its fold (see [`StateStore::fold_due`]), else a whole
    /// [`StateStore::write`]. Same guarantees as `write`: a stale `expected` is a conflict, and
    /// nothing is written.
    pub async fn checkpoint(
        &self,
        state: &State,
        changed: &std::collections::BTreeSet<crate::addr::Address>,
        expected: Option<&StateVersion>,
    ) -> Result<(), StateError> {
        self.check_environment(&state.environment)?;
        let (Some(want), Some((document, version)), Some(tail)) = (expected, self.known().clone(), self.tail().clone())
        else {
            return self.write(state, expected).await;
        };
        if &version != want {
            return self.write(state, expected).await;
        }
        let entry = file::to_entry(state, changed, Some(&tail.pending), self.cipher.as_ref());
        if tail.bytes + entry.len() > tail.fold_threshold() * FORCED_FOLD_FACTOR {
            return self.write(state, expected).await;
        }
        match self.backend.append_log(entry.as_bytes(), &document, &tail.token).await? {
            Some(token) => {
                *self.known() = Some((document, state.version.clone()));
                *self.tail() = Some(LogTail {
                    token,
                    bytes: tail.bytes + entry.len() + 1,
                    pending: Arc::new(state.pending.clone()),
                    ..tail
                });
                Ok(())
            }
            None => {
                *self.known() = None;
                *self.tail() = None;
                let found = self.stored().await?;
                Err(conflict(expected, found.as_ref().map(|(_, v)| v)))
            }
        }
    }

    /// Whether checkpoints since the last whole write are still only in the log.
    pub fn has_unfolded_entries(&self) -> bool {
        self.tail().as_ref().is_some_and(|t| t.bytes > 0)
    }

    /// Whether the log has grown to twice the document, so a whole [`StateStore::write`] of the
    /// current state is due: the caller picks the moment (an apply, while its calls are in
    /// flight), and a checkpoint does it anyway once the log is twice that large.
    pub fn fold_due(&self) -> bool {
        self.tail().as_ref().is_some_and(|t| t.bytes > t.fold_threshold())
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

    fn with_resources(serial: u64, n: usize) -> State {
        let mut state = sample(serial);
        for i in 0..n {
            state.resources.insert(
                crate::addr::Address::new("test_thing", format!("t{i}")),
                crate::state::ResourceState {
                    provider: "test".into(),
                    id: format!("live.t{i}-1"),
                    attributes: [("size".to_string(), crate::value::Value::from(i as i64))].into(),
                    dependencies: vec![],
                    lifecycle: Default::default(),
                    deposed: vec![],
                },
            );
        }
        state
    }

    #[tokio::test]
    async fn checkpoints_append_what_changed_and_reads_replay_it() {
        let memory = Arc::new(MemoryBackend::new());
        let store = StateStore::new(memory.clone(), "live", None);
        let mut state = with_resources(1, 50);
        store.write(&state, None).await.expect("first write");
        let document = memory.bytes().expect("stored");
        for serial in 2..6 {
            let read = state.version.clone();
            let address = crate::addr::Address::new("test_thing", format!("t{serial}"));
            state.version.serial = serial;
            state.resources.get_mut(&address).unwrap().id = format!("live.t{serial}-2");
            store.checkpoint(&state, &[address].into(), Some(&read)).await.expect("checkpoint");
        }
        assert_eq!(memory.bytes().expect("stored"), document, "the document was not rewritten");
        assert!(store.has_unfolded_entries());
        let fresh = StateStore::new(memory.clone(), "live", None);
        assert_eq!(fresh.read().await.expect("read"), Some(state.clone()), "the log replays to the same state");
        // A whole write folds it: the document holds everything, the log is empty.
        store.write(&state, Some(&state.version)).await.expect("fold");
        assert!(!store.has_unfolded_entries());
        assert_eq!(StateStore::new(memory.clone(), "live", None).read().await.unwrap(), Some(state));
    }

    fn pending(name: &str) -> crate::state::PendingOp {
        crate::state::PendingOp {
            address: crate::addr::Address::new("test_thing", name),
            operation: "create".into(),
            provider: "test".into(),
            id: None,
            config: [("size".to_string(), crate::value::Value::from(7_i64))].into(),
            dependencies: vec![],
            started: "2026-12-03T00:00:00Z".into(),
        }
    }

    #[tokio::test]
    async fn entries_hold_what_changed_of_the_journal_and_replay_it_exactly() {
        let memory = Arc::new(MemoryBackend::new());
        let store = StateStore::new(memory.clone(), "live", None);
        let mut state = with_resources(1, 1);
        state.pending = ["a", "b", "c", "d"].map(pending).to_vec();
        store.write(&state, None).await.expect("first write");
        // Settle from the middle and the ends, start new ones, in several steps.
        let steps: [&[&str]; 4] = [&["a", "c", "d", "e"], &["c", "e", "f", "g"], &["g"], &[]];
        for (k, names) in steps.iter().enumerate() {
            let read = state.version.clone();
            state.version.serial += 1;
            state.pending = names.iter().map(|n| pending(n)).collect();
            store.checkpoint(&state, &Default::default(), Some(&read)).await.expect("checkpoint");
            let (entries, _) = memory.read_log().await.unwrap();
            let entry = String::from_utf8(entries[k].clone()).unwrap();
            // Only operations started since appear in the entry.
            for kept in ["a", "c", "d"].iter().filter(|n| names.contains(n) && k > 0) {
                assert!(!entry.contains(&format!("test_thing.{kept}\"")), "{kept} repeated in {entry}");
            }
            let fresh = StateStore::new(memory.clone(), "live", None);
            assert_eq!(fresh.read().await.expect("read"), Some(state.clone()), "after step {k}");
        }
    }

    #[tokio::test]
    async fn a_log_outgrowing_its_document_is_folded() {
        let memory = Arc::new(MemoryBackend::new());
        let store = StateStore::new(memory.clone(), "live", None);
        let mut state = with_resources(1, 2);
        store.write(&state, None).await.expect("first write");
        let before = memory.bytes();
        let changed: std::collections::BTreeSet<_> = state.resources.keys().cloned().collect();
        // Each entry holds both resources; a few hundred outgrow the 64 KiB floor: a fold is
        // due, and the log is left for its writer to fold while it stays under twice that.
        let mut serial = 1;
        while !store.fold_due() {
            let read = state.version.clone();
            serial += 1;
            state.version.serial = serial;
            store.checkpoint(&state, &changed, Some(&read)).await.expect("checkpoint");
            assert!(serial < 2000, "the log never came due");
        }
        assert_eq!(memory.bytes(), before, "a fold due is left to the writer");
        // A writer that never folds: the checkpoint folds by itself, well before the log
        // doubles again.
        let due_at = serial;
        while memory.bytes() == before {
            let read = state.version.clone();
            serial += 1;
            state.version.serial = serial;
            store.checkpoint(&state, &changed, Some(&read)).await.expect("checkpoint");
            assert!(serial < due_at * 3, "the log was never folded");
        }
        assert!(!store.fold_due() && !store.has_unfolded_entries(), "the fold emptied the log");
        assert_eq!(StateStore::new(memory, "live", None).read().await.unwrap(), Some(state));
    }

    #[tokio::test]
    async fn a_checkpoint_from_a_stale_version_conflicts_and_appends_nothing() {
        let memory = Arc::new(MemoryBackend::new());
        let ours = StateStore::new(memory.clone(), "live", None);
        let theirs = StateStore::new(memory.clone(), "live", None);
        let mut state = with_resources(1, 3);
        ours.write(&state, None).await.expect("write");
        let mut other = theirs.read().await.unwrap().unwrap();
        other.version.serial = 2;
        theirs.checkpoint(&other, &Default::default(), Some(&state.version)).await.expect("theirs");
        let read = state.version.clone();
        state.version.serial = 2;
        let err = ours.checkpoint(&state, &Default::default(), Some(&read)).await.expect_err("stale");
        assert!(matches!(&err, StateError::Conflict { found, .. } if found.ends_with("serial 2")), "{err}");
        // A whole write from the stale view is refused too: the log moved, not the document.
        let err = ours.write(&state, Some(&read)).await.expect_err("stale");
        assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    }

    #[tokio::test]
    async fn sealed_checkpoints_hold_no_plaintext() {
        let memory = Arc::new(MemoryBackend::new());
        let store = StateStore::new(memory.clone(), "live", cipher());
        let mut state = with_resources(1, 3);
        store.write(&state, None).await.expect("write");
        let read = state.version.clone();
        state.version.serial = 2;
        state.outputs.insert("bucket".into(), "quikapp-media-secret-name".into());
        store.checkpoint(&state, &Default::default(), Some(&read)).await.expect("checkpoint");
        let (entries, _) = memory.read_log().await.unwrap();
        assert_eq!(entries.len(), 1);
        let text = String::from_utf8(entries[0].clone()).unwrap();
        assert!(!text.contains("quikapp-media-secret-name") && text.contains("\"encrypted\""), "{text}");
        assert_eq!(StateStore::new(memory, "live", cipher()).read().await.unwrap(), Some(state));
    }

    #[tokio::test]
    async fn another_environments_document_is_refused() {
        let memory = Arc::new(MemoryBackend::new());
        StateStore::new(memory.clone(), "live", None).write(&sample(1), None).await.expect("write");
        let err = StateStore::new(memory, "production", None).read().await.expect_err("live's state");
        assert!(matches!(&err, StateError::WrongEnvironment { found, .. } if found == "live"), "{err}");
    }
}
