//! [`LocalBackend`]: state kept on the local file system, the default [`StateBackend`].
//!
//! Under the state directory (`.quikinfra` unless the command line says otherwise),
//! environment `staging` has:
//!
//! - `staging/state.json`: the state document, as [`StateStore`](super::store::StateStore)
//!   encodes it (this backend only stores its bytes);
//! - `staging/state.json.backup`: the document as it was before the last write;
//! - `staging/state.json.log`: checkpoints appended since the document was last written whole,
//!   one line each (see [`StateStore`](super::store::StateStore)); an append is conditional on
//!   both the document's token and the log's whole length, and fsynced; a whole write
//!   empties it in place (it stays, empty, after an apply);
//! - `staging/state.lock`: the lock while one is held, a [`LockInfo`] as JSON.
//!
//! # Writes
//!
//! A write is conditional on the stored document's [`Token`], then an atomic replace. The
//! token is the file's identity: device, inode, size, modification and change times. Every
//! write replaces the file by rename (a new inode) and an edit in place changes the change
//! time, which no program can set, so a token names one content. The new document goes to a
//! uniquely named temporary file in the same directory and is synced; the current file is
//! hard-linked to become the backup (no copy); the temporary file is renamed over `state.json`
//! and the directory is synced. A reader therefore sees the old or the new document, never a
//! mix, and a crash leaves at worst a stray temporary file. Comparing the token costs one
//! `stat`, so checkpointing after every apply operation never rereads the file.
//!
//! The compare and the replace are one step within a process (a mutex covers both), not across
//! processes: the state lock is what serializes writers of different processes; the
//! conditional write catches a writer whose view is stale (one that lost its lock to expiry,
//! or skipped locking). Another writer's replace always changes the inode; an edit in place
//! changes the file times, except on file systems with coarse timestamps when it keeps the size
//! and lands within the same clock tick as this instance's write, which no quikinfra does.
//!
//! # Locks
//!
//! A lock file appears atomically with its full content: [`LockInfo`] is written to a temporary
//! file, synced, and hard-linked to `state.lock`, which fails if a lock already exists. Every
//! change to an existing lock (takeover after expiry, renewal, unlock, force-unlock) first
//! takes a short-lived guard for that lock's id, `state.lock.<hash of id>.guard`, created with
//! `create_new`, then re-reads the lock and acts only if it still has that id. Since a lock file
//! only ever appears where none is, and only the guard holder for its id changes it, racing
//! takers cannot both win, and a slow taker can never remove a lock that replaced the expired
//! one it saw. A guard older than 30 seconds was left by a crashed process and is removed (that
//! removal is not itself guarded; getting it wrong takes a crash within a few file operations
//! and then two racers for the same lock).
//!
//! A lock file that cannot be decoded counts as live: it is reported as held by an unknown
//! holder with id `unreadable-<first 16 hex digits of the SHA-256 of its bytes>`, which
//! `force-unlock` accepts.
//!
//! # I/O
//!
//! The async methods use plain synchronous `std::fs`: state and lock files are small, and the
//! callers run on a multi-threaded runtime, so a short blocking call is cheaper than a hop to a
//! blocking thread. Only waiting for a guard sleeps, asynchronously on the tokio timer.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::backend::{Backends, LockInfo, LockRequest, StateBackend, StateError, Stored, Token, expiry};

const STATE_FILE: &str = "state.json";
const BACKUP_FILE: &str = "state.json.backup";
const LOG_FILE: &str = "state.json.log";
const LOCK_FILE: &str = "state.lock";

/// How often [`LocalBackend::lock`] retries when the lock file changes under it.
const LOCK_ATTEMPTS: usize = 8;
/// How often a guard is tried before giving up (with a short random sleep between tries).
const GUARD_ATTEMPTS: usize = 100;
/// A guard is held for a few file operations; one this old was left by a crashed process.
const GUARD_STALE: Duration = Duration::from_secs(30);

/// State in `<root>/<environment>/state.json`, with its backup and lock file beside it.
pub struct LocalBackend {
    dir: PathBuf,
    /// Held while comparing and replacing, so the two are one step within this instance.
    writing: Mutex<()>,
}

/// The identity of a file's content: equal stamps mean the file was not replaced or modified.
///
/// Every write replaces the file by rename (a new inode); an edit in place changes the change
/// time, which no program can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    dev: u64,
    #[cfg(unix)]
    ino: u64,
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(not(unix))]
    created: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            dev: meta.dev(),
            #[cfg(unix)]
            ino: meta.ino(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
            #[cfg(not(unix))]
            created: meta.created().ok(),
        }
    }

    fn token(&self) -> Token {
        Token(format!("{self:?}"))
    }
}

/// An exclusive right to change the lock with one id; released (file removed) on drop.
struct Guard {
    path: PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        // A leftover guard is cleaned up by the next taker once stale.
        let _ = fs::remove_file(&self.path);
    }
}

impl LocalBackend {
    /// The backend for `environment` under the state directory `root`.
    pub fn new(root: impl Into<PathBuf>, environment: &str) -> Self {
        Self { dir: root.into().join(environment), writing: Mutex::new(()) }
    }

    /// `<root>/<environment>/state.json`.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// `<root>/<environment>/state.json.backup`: the state before the last write.
    pub fn backup_path(&self) -> PathBuf {
        self.dir.join(BACKUP_FILE)
    }

    /// `<root>/<environment>/state.lock`.
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join(LOCK_FILE)
    }

    /// `<root>/<environment>/state.json.log`: checkpoints appended since the last fold.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(LOG_FILE)
    }

    /// The log's whole entries and the length of the whole prefix: only lines ending in a
    /// newline are whole; a crash mid-append leaves at most one torn line at the end, which
    /// the next append cuts off.
    fn log_entries(&self) -> Result<(Vec<Vec<u8>>, u64), StateError> {
        let path = self.log_path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_error(&path)(e)),
        };
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
        let entries = bytes[..whole].split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
        Ok((entries, whole as u64))
    }

    fn create_dir(&self) -> Result<(), StateError> {
        fs::create_dir_all(&self.dir).map_err(io_error(&self.dir))
    }

    /// The stored document's identity, `None` when there is none.
    fn stored_stamp(&self) -> Result<Option<Stamp>, StateError> {
        let path = self.state_path();
        match fs::metadata(&path) {
            Ok(meta) => Ok(Some(Stamp::of(&meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    /// Keeps the current state file as the backup (a hard link, no copy), then renames `temp`
    /// over the state file and syncs the directory.
    fn replace(&self, temp: &Path, keep_backup: bool) -> Result<(), StateError> {
        let state_path = self.state_path();
        if keep_backup {
            let backup_path = self.backup_path();
            let backup_temp = self.dir.join(unique_name(BACKUP_FILE));
            if fs::hard_link(&state_path, &backup_temp).is_err() {
                // A file system without hard links: copy instead.
                fs::copy(&state_path, &backup_temp).map_err(io_error(&backup_path))?;
            }
            if let Err(e) = fs::rename(&backup_temp, &backup_path) {
                let _ = fs::remove_file(&backup_temp);
                return Err(io_error(&backup_path)(e));
            }
        }
        fs::rename(temp, &state_path).map_err(io_error(&state_path))?;
        sync_dir(&self.dir)
    }

    /// The current lock at `path`, if any; an undecodable one as [`unreadable_lock`] says.
    fn read_lock(&self) -> Result<Option<LockInfo>, StateError> {
        let path = self.lock_path();
        let Some((_, bytes)) = read_file(&path)? else { return Ok(None) };
        Ok(Some(serde_json::from_slice(&bytes).unwrap_or_else(|e| unreadable_lock(&path, &bytes, &e.to_string()))))
    }

    /// Makes `info` the lock unless one exists; `false` when one does.
    fn publish_lock(&self, info: &LockInfo) -> Result<bool, StateError> {
        let lock_path = self.lock_path();
        let (temp, _) = write_temp(&self.dir, LOCK_FILE, &lock_json(info))?;
        let published = publish(&temp, &lock_path).map_err(io_error(&lock_path))?;
        if published {
            sync_dir(&self.dir)?;
        }
        Ok(published)
    }

    /// The guard file for the lock whose id is `id` (hashed: ids come from files).
    fn guard_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{LOCK_FILE}.{}.guard", hex(&Sha256::digest(id.as_bytes())[..8])))
    }

    /// Waits for the exclusive right to change the lock whose id is `id`.
    async fn guard(&self, id: &str) -> Result<Guard, StateError> {
        let path = self.guard_path(id);
        for _ in 0..GUARD_ATTEMPTS {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(Guard { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let stale = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .is_some_and(|age| age > GUARD_STALE);
                    if stale {
                        let _ = fs::remove_file(&path);
                    } else {
                        tokio::time::sleep(Duration::from_millis(fastrand::u64(2..=15))).await;
                    }
                }
                Err(e) => return Err(io_error(&path)(e)),
            }
        }
        Err(StateError::Io { path, source: io::Error::other("another run kept changing the lock; try again") })
    }

    /// Takes the guard for lock `id` once the lock file holds it, and checks it still does
    /// with the guard held; fails with `LockMismatch` when it does not.
    async fn guard_current(&self, id: &str) -> Result<(Guard, LockInfo), StateError> {
        check_lock_id(id, self.read_lock()?)?;
        let guard = self.guard(id).await?;
        let current = check_lock_id(id, self.read_lock()?)?;
        Ok((guard, current))
    }

    /// Removes the lock if it still has id `id` (and, with `only_expired`, is still expired:
    /// its holder may have renewed it meanwhile); otherwise fails with `LockMismatch`.
    async fn remove_lock(&self, id: &str, only_expired: bool) -> Result<(), StateError> {
        let (_guard, current) = self.guard_current(id).await?;
        if only_expired && !current.is_stale(SystemTime::now()) {
            return Err(StateError::Locked(Box::new(current)));
        }
        let lock_path = self.lock_path();
        fs::remove_file(&lock_path).map_err(io_error(&lock_path))?;
        sync_dir(&self.dir)
    }
}

#[async_trait]
impl StateBackend for LocalBackend {
    fn describe(&self) -> String {
        format!("local file {}", self.state_path().display())
    }

    fn location(&self) -> PathBuf {
        self.state_path()
    }

    async fn get(&self) -> Result<Option<Stored>, StateError> {
        Ok(read_file(&self.state_path())?.map(|(stamp, bytes)| Stored { bytes, token: stamp.token() }))
    }

    async fn put(&self, bytes: &[u8], expected: Option<&Token>) -> Result<Option<Token>, StateError> {
        // Held to the end: within this instance, compare and replace are one step.
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let stored = self.stored_stamp()?;
        if stored.map(|s| s.token()).as_ref() != expected {
            return Ok(None);
        }
        self.create_dir()?;
        let (temp, temp_file) = write_temp(&self.dir, STATE_FILE, bytes)?;
        if let Err(e) = self.replace(&temp, stored.is_some()) {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        // The open handle is the file now named state.json, whatever happens to that name;
        // its times are read after the rename, which changes them.
        let meta = temp_file.metadata().map_err(io_error(&self.state_path()))?;
        Ok(Some(Stamp::of(&meta).token()))
    }

    fn has_log(&self) -> bool {
        true
    }

    async fn read_log(&self) -> Result<(Vec<Vec<u8>>, Token), StateError> {
        let (entries, whole) = self.log_entries()?;
        Ok((entries, Token(whole.to_string())))
    }

    /// The length of the file when it ends in a whole entry (one byte read), else the whole
    /// prefix, read as `read_log` does.
    async fn log_token(&self) -> Result<Token, StateError> {
        let path = self.log_path();
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Token("0".to_string())),
            Err(e) => return Err(io_error(&path)(e)),
        };
        let len = file.metadata().map_err(io_error(&path))?.len();
        if len == 0 {
            return Ok(Token("0".to_string()));
        }
        let mut last = [0u8];
        file.seek(io::SeekFrom::Start(len - 1)).and_then(|_| file.read_exact(&mut last)).map_err(io_error(&path))?;
        if last[0] == b'\n' {
            return Ok(Token(len.to_string()));
        }
        Ok(Token(self.log_entries()?.1.to_string()))
    }

    async fn append_log(&self, entry: &[u8], document: &Token, log: &Token) -> Result<Option<Token>, StateError> {
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        if self.stored_stamp()?.map(|s| s.token()).as_ref() != Some(document) {
            return Ok(None);
        }
        let path = self.log_path();
        let Ok(expected_len) = log.0.parse::<u64>() else { return Ok(None) };
        // A new file's name is made durable with the directory; an emptied one is there already.
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        let len = file.metadata().map_err(io_error(&path))?.len();
        if len < expected_len {
            return Ok(None);
        }
        // What follows the last whole entry the caller saw is a torn line, or another writer's.
        if !whole_entries_end_at(&mut file, expected_len, len).map_err(io_error(&path))? {
            return Ok(None);
        }
        file.set_len(expected_len).map_err(io_error(&path))?;
        file.seek(io::SeekFrom::Start(expected_len)).map_err(io_error(&path))?;
        let mut line = Vec::with_capacity(entry.len() + 1);
        line.extend_from_slice(entry);
        line.push(b'\n');
        file.write_all(&line).and_then(|()| file.sync_data()).map_err(io_error(&path))?;
        if created {
            sync_dir(&self.dir)?;
        }
        Ok(Some(Token((expected_len + line.len() as u64).to_string())))
    }

    /// Empties the log in place and syncs its length: the file stays, so the next append
    /// needs no directory sync, and the next entry is never written over old ones a crash
    /// could bring back.
    async fn clear_log(&self) -> Result<(), StateError> {
        let path = self.log_path();
        match OpenOptions::new().write(true).open(&path) {
            Ok(file) => file.set_len(0).and_then(|()| file.sync_data()).map_err(io_error(&path)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    async fn lock(&self, request: &LockRequest) -> Result<LockInfo, StateError> {
        self.create_dir()?;
        let info = LockInfo::new(request);
        for _ in 0..LOCK_ATTEMPTS {
            if self.publish_lock(&info)? {
                return Ok(info);
            }
            let Some(current) = self.read_lock()? else { continue };
            if !current.is_stale(SystemTime::now()) {
                return Err(StateError::Locked(Box::new(current)));
            }
            // Expired: remove it, unless someone else got there first, then try again.
            // (`Locked` when its holder renewed it meanwhile.)
            match self.remove_lock(&current.id, true).await {
                Ok(()) | Err(StateError::LockMismatch { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        match self.read_lock()? {
            Some(current) => Err(StateError::Locked(Box::new(current))),
            None => Err(StateError::Io {
                path: self.lock_path(),
                source: io::Error::other(format!(
                    "the lock file kept changing; gave up after {LOCK_ATTEMPTS} attempts"
                )),
            }),
        }
    }

    async fn renew(&self, lock: &LockInfo, ttl: Duration) -> Result<LockInfo, StateError> {
        let (_guard, _) = self.guard_current(&lock.id).await?;
        let renewed = LockInfo { expires: expiry(SystemTime::now(), ttl), ..lock.clone() };
        let lock_path = self.lock_path();
        let (temp, _) = write_temp(&self.dir, LOCK_FILE, &lock_json(&renewed))?;
        if let Err(e) = fs::rename(&temp, &lock_path) {
            let _ = fs::remove_file(&temp);
            return Err(io_error(&lock_path)(e));
        }
        sync_dir(&self.dir)?;
        Ok(renewed)
    }

    async fn unlock(&self, lock: &LockInfo) -> Result<(), StateError> {
        self.remove_lock(&lock.id, false).await
    }

    async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        self.remove_lock(id, false).await
    }

    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        self.read_lock()
    }
}

/// The local backends of every environment under one state directory.
#[derive(Clone, Debug)]
pub struct LocalBackends {
    root: PathBuf,
}

impl LocalBackends {
    /// Environments' state under `root` (`<root>/<environment>/state.json`).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl Backends for LocalBackends {
    fn describe(&self) -> String {
        format!("local files under {}", self.root.display())
    }

    fn open(&self, environment: &str) -> Result<Arc<dyn StateBackend>, StateError> {
        Ok(Arc::new(LocalBackend::new(&self.root, environment)))
    }
}

/// `current` if it is the lock with id `id`, else `LockMismatch`.
fn check_lock_id(id: &str, current: Option<LockInfo>) -> Result<LockInfo, StateError> {
    match current {
        Some(current) if current.id == id => Ok(current),
        other => Err(StateError::LockMismatch {
            given: id.to_string(),
            current: other.map_or_else(|| "none".to_string(), |l| l.id.clone()),
        }),
    }
}

/// What a lock file that cannot be decoded stands for: a live lock of an unknown holder, whose
/// id is derived from the file's bytes so `force-unlock` can name it.
fn unreadable_lock(path: &Path, bytes: &[u8], reason: &str) -> LockInfo {
    let created = fs::metadata(path)
        .and_then(|m| m.modified())
        .map_or_else(|_| "an unknown time".to_string(), |t| humantime::format_rfc3339_seconds(t).to_string());
    LockInfo {
        id: format!("unreadable-{}", hex(&Sha256::digest(bytes)[..8])),
        holder: format!("an unknown holder (lock file {} is unreadable: {reason})", path.display()),
        operation: "unknown".to_string(),
        created,
        expires: "never".to_string(),
        host: None,
        pid: None,
    }
}

fn lock_json(info: &LockInfo) -> Vec<u8> {
    // Cannot fail: LockInfo is a struct of strings.
    let mut json = serde_json::to_vec_pretty(info).expect("a lock always serializes to JSON");
    json.push(b'\n');
    json
}

/// The file's identity (taken before reading, so any later change shows) and bytes; `None`
/// when there is no file.
fn read_file(path: &Path) -> Result<Option<(Stamp, Vec<u8>)>, StateError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    let stamp = Stamp::of(&file.metadata().map_err(io_error(path))?);
    let mut bytes = Vec::with_capacity(usize::try_from(stamp.len).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(io_error(path))?;
    Ok(Some((stamp, bytes)))
}

/// `<name>.<random>.tmp`: a temporary name no other writer uses.
/// Whether the log's whole entries end exactly at byte `at` of the `len` bytes of `file`: the
/// byte before `at` ends a line and what follows holds no line end (a torn line at most, not
/// another writer's entry). Reads only that tail, so an append costs what it writes, not the
/// log's size.
fn whole_entries_end_at(file: &mut File, at: u64, len: u64) -> io::Result<bool> {
    let start = at.saturating_sub(1);
    file.seek(io::SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    Read::by_ref(file).take(len - start).read_to_end(&mut tail)?;
    let after = if at == 0 {
        &tail[..]
    } else {
        match tail.split_first() {
            Some((b'\n', after)) => after,
            _ => return Ok(false),
        }
    };
    Ok(!after.contains(&b'\n'))
}

fn unique_name(name: &str) -> String {
    format!("{name}.{}.tmp", uuid::Uuid::new_v4().simple())
}

/// Writes `bytes` to a new uniquely named file in `dir` and syncs it; returns its path and the
/// still open file.
fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> Result<(PathBuf, File), StateError> {
    let path = dir.join(unique_name(name));
    let mut file = OpenOptions::new().write(true).create_new(true).open(&path).map_err(io_error(&path))?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        let _ = fs::remove_file(&path);
        return Err(io_error(&path)(e));
    }
    Ok((path, file))
}

/// Makes the complete file `src` appear at `dst` unless something is there already (`false`);
/// removes `src` either way.
fn publish(src: &Path, dst: &Path) -> io::Result<bool> {
    let result = match fs::hard_link(src, dst) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        // A file system without hard links: create exclusively and copy.
        Err(_) => fs::read(src).and_then(|bytes| match OpenOptions::new().write(true).create_new(true).open(dst) {
            Ok(mut file) => file.write_all(&bytes).and_then(|()| file.sync_all()).map(|()| true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }),
    };
    let _ = fs::remove_file(src);
    result
}

/// Syncs a directory so renames and new names in it are durable.
fn sync_dir(dir: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        let result = File::open(dir).and_then(|d| d.sync_all());
        match result {
            // Some file systems cannot sync a directory; the file data is synced already.
            Err(e) if !matches!(e.kind(), io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported) => {
                return Err(io_error(dir)(e));
            }
            _ => {}
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StateError + '_ {
    move |source| StateError::Io { path: path.to_path_buf(), source }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::addr::Address;
    use crate::state::file::{self, STATE_FORMAT_VERSION};
    use crate::state::store::StateStore;
    use crate::state::{ResourceState, State, StateVersion};
    use crate::value::{Attrs, Value};

    /// The files of environment `staging` under `root`, and a state store over them.
    fn pair(root: &Path) -> (Arc<LocalBackend>, StateStore) {
        let backend = Arc::new(LocalBackend::new(root, ENV));
        let store = StateStore::new(backend.clone(), ENV, None);
        (backend, store)
    }

    const ENV: &str = "staging";

    fn sample(serial: u64, bucket: &str) -> State {
        let mut state = State::new(ENV, "lineage-1");
        state.version.serial = serial;
        state.resources.insert(
            Address::new("aws_s3_bucket", "media"),
            ResourceState {
                provider: "aws".into(),
                id: bucket.into(),
                attributes: Attrs::from([("bucket".to_string(), Value::from(bucket))]),
                dependencies: vec![],
                lifecycle: Default::default(),
                deposed: vec![],
            },
        );
        state
    }

    fn request(operation: &str, ttl: Duration) -> LockRequest {
        LockRequest { operation: operation.into(), ttl }
    }

    const HOUR: Duration = Duration::from_secs(3600);

    /// The names in the environment's directory.
    fn listing(backend: &LocalBackend) -> BTreeSet<String> {
        fs::read_dir(&backend.dir)
            .map(|entries| entries.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default()
    }

    fn names(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn bytes(path: &Path) -> Vec<u8> {
        fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Writes a lock file by hand, as another process (or a crashed one) would have left it.
    fn write_lock_file(backend: &LocalBackend, id: &str, expires: &str) -> LockInfo {
        let info = LockInfo {
            id: id.into(),
            holder: "someone@elsewhere (pid 1)".into(),
            operation: "apply".into(),
            created: "2001-01-01T00:00:00Z".into(),
            expires: expires.into(),
            host: None,
            pid: None,
        };
        fs::create_dir_all(&backend.dir).expect("dir");
        fs::write(backend.lock_path(), lock_json(&info)).expect("lock file");
        info
    }

    #[test]
    fn paths_and_description() {
        let root = Path::new(".quikinfra");
        let backend = LocalBackend::new(root, ENV);
        assert_eq!(backend.state_path(), root.join("staging").join("state.json"));
        assert_eq!(backend.backup_path(), root.join("staging").join("state.json.backup"));
        assert_eq!(backend.lock_path(), root.join("staging").join("state.lock"));
        assert_eq!(backend.describe(), format!("local file {}", root.join("staging").join("state.json").display()));
    }

    #[tokio::test]
    async fn read_of_missing_state_is_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        assert_eq!(store.read().await.expect("read"), None);
        assert!(!backend.state_path().exists());
    }

    #[tokio::test]
    async fn write_then_read_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let state = sample(1, "media-1");
        store.write(&state, None).await.expect("first write");
        assert_eq!(store.read().await.expect("read"), Some(state.clone()));
        assert_eq!(bytes(&backend.state_path()), file::to_json(&state).into_bytes());
        assert_eq!(listing(&backend), names(&["state.json"]), "no backup of nothing, no temporary files left");
        let (_, fresh) = pair(dir.path());
        assert_eq!(fresh.read().await.expect("read"), Some(state));
    }

    #[tokio::test]
    async fn second_write_keeps_the_first_as_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let first = sample(1, "media-1");
        let second = sample(2, "media-2");
        store.write(&first, None).await.expect("first write");
        store.write(&second, Some(&first.version)).await.expect("second write");
        assert_eq!(store.read().await.expect("read"), Some(second.clone()));
        assert_eq!(bytes(&backend.backup_path()), file::to_json(&first).into_bytes());
        assert_eq!(listing(&backend), names(&["state.json", "state.json.backup"]));
        // A third write, expected version from the cache, moves the backup along.
        let third = sample(3, "media-3");
        store.write(&third, Some(&second.version)).await.expect("third write");
        assert_eq!(bytes(&backend.backup_path()), file::to_json(&second).into_bytes());
    }

    #[tokio::test]
    async fn stale_expected_version_conflicts_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let first = sample(1, "media-1");
        let second = sample(2, "media-2");
        store.write(&first, None).await.expect("first write");
        store.write(&second, Some(&first.version)).await.expect("second write");
        let before = bytes(&backend.state_path());
        let backup_before = bytes(&backend.backup_path());
        match store.write(&sample(2, "stale"), Some(&first.version)).await {
            Err(StateError::Conflict { expected, found }) => {
                assert_eq!(expected, "lineage lineage-1 serial 1");
                assert_eq!(found, "lineage lineage-1 serial 2");
            }
            other => panic!("expected Conflict, got {other:?}"),
        }
        let err = store.write(&sample(1, "fresh"), None).await.expect_err("state exists");
        assert!(matches!(&err, StateError::Conflict { expected, .. } if expected == "no state"), "{err:?}");
        assert_eq!(bytes(&backend.state_path()), before);
        assert_eq!(bytes(&backend.backup_path()), backup_before);
        assert_eq!(listing(&backend), names(&["state.json", "state.json.backup"]));
    }

    #[tokio::test]
    async fn write_by_another_instance_invalidates_the_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (ours_files, ours) = pair(dir.path());
        let (_, theirs) = pair(dir.path());
        let first = sample(1, "media-1");
        ours.write(&first, None).await.expect("our write");
        let read = theirs.read().await.expect("their read").expect("state");
        let second = sample(2, "theirs");
        theirs.write(&second, Some(&read.version)).await.expect("their write");
        // Our cache still says serial 1; the file's identity says otherwise.
        let err = ours.write(&sample(2, "ours"), Some(&first.version)).await.expect_err("stale");
        assert!(matches!(&err, StateError::Conflict { found, .. } if found == "lineage lineage-1 serial 2"), "{err}");
        assert_eq!(bytes(&ours_files.state_path()), file::to_json(&second).into_bytes());
        // Once we read their version, our write goes through.
        let now = ours.read().await.expect("read").expect("state");
        ours.write(&sample(3, "ours"), Some(&now.version)).await.expect("write after read");
    }

    #[tokio::test]
    async fn edit_in_place_invalidates_the_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let first = sample(1, "media-1");
        store.write(&first, None).await.expect("write");
        // Same length, same inode, another serial: only the file times tell. Wait out the
        // clock tick of coarse file timestamps (older kernels) first.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let edited = file::to_json(&first).replace("\"serial\": 1,", "\"serial\": 7,");
        fs::OpenOptions::new()
            .write(true)
            .open(backend.state_path())
            .and_then(|mut f| f.write_all(edited.as_bytes()))
            .expect("edit in place");
        let err = store.write(&sample(2, "media-2"), Some(&first.version)).await.expect_err("edited");
        assert!(matches!(&err, StateError::Conflict { found, .. } if found.ends_with("serial 7")), "{err}");
    }

    #[tokio::test]
    async fn a_log_entry_torn_by_a_crash_is_skipped_and_cut_by_the_next_append() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let first = sample(1, "media-1");
        store.write(&first, None).await.expect("write");
        let second = sample(2, "media-2");
        let changed = [Address::new("aws_s3_bucket", "media")].into();
        store.checkpoint(&second, &changed, Some(&first.version)).await.expect("checkpoint");
        assert!(backend.log_path().exists(), "the checkpoint went to the log");
        assert_eq!(bytes(&backend.state_path()), file::to_json(&first).into_bytes(), "the document was not rewritten");
        // A crash in the middle of the next append leaves half a line.
        let mut log = fs::OpenOptions::new().append(true).open(backend.log_path()).expect("log");
        log.write_all(b"{\"lineage\":\"lineage-1\",\"serial\":3,\"wri").expect("torn");
        drop(log);
        let (_, reader) = pair(dir.path());
        assert_eq!(reader.read().await.expect("read"), Some(second.clone()), "the torn entry is left out");
        let whole = backend.read_log().await.expect("log").1;
        assert_eq!(backend.log_token().await.expect("token"), whole, "the token stops before the torn line");
        let third = sample(3, "media-3");
        reader.checkpoint(&third, &changed, Some(&second.version)).await.expect("append after the torn line");
        let (_, again) = pair(dir.path());
        assert_eq!(again.read().await.expect("read"), Some(third));
        assert!(!String::from_utf8(bytes(&backend.log_path())).unwrap().contains("\"wri{"), "the torn line was cut");
    }

    #[tokio::test]
    async fn an_append_after_another_writers_entry_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        let document = backend.put(b"{}\n", None).await.expect("write").expect("first write");
        let empty = Token("0".into());
        assert_eq!(backend.log_token().await.expect("token"), empty, "no log yet");
        let after_first = backend.append_log(b"first", &document, &empty).await.expect("append").expect("appended");
        // A writer whose view of the log is from before that entry must not cut it.
        assert_eq!(backend.append_log(b"stale", &document, &empty).await.expect("append"), None);
        let after_second =
            backend.append_log(b"second", &document, &after_first).await.expect("append").expect("appended");
        assert_eq!(bytes(&backend.log_path()), b"first\nsecond\n");
        assert_eq!(backend.read_log().await.expect("log").1, after_second);
        assert_eq!(backend.log_token().await.expect("token"), after_second);
        // Nor may one that saw more than there is.
        let beyond = Token("999".into());
        assert_eq!(backend.append_log(b"beyond", &document, &beyond).await.expect("append"), None);
        assert_eq!(bytes(&backend.log_path()), b"first\nsecond\n");
    }

    #[tokio::test]
    async fn corrupt_state_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let first = sample(1, "media-1");
        store.write(&first, None).await.expect("write");
        let text = file::to_json(&first);
        let truncated = &text.as_bytes()[..text.len() / 2];
        fs::write(backend.state_path(), truncated).expect("truncate");
        for store in [&store, &pair(dir.path()).1] {
            let err = store.read().await.expect_err("truncated");
            assert!(matches!(&err, StateError::Corrupt { message, .. } if message.contains("EOF")), "{err}");
            assert_eq!(bytes(&backend.state_path()), truncated);
            let err = store.write(&sample(2, "media-2"), Some(&first.version)).await.expect_err("truncated");
            assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
            assert_eq!(bytes(&backend.state_path()), truncated);
        }
        assert_eq!(listing(&backend), names(&["state.json"]));
        fs::write(backend.state_path(), [b'{', 0xff, b'}']).expect("binary");
        let err = store.read().await.expect_err("not UTF-8");
        assert!(matches!(&err, StateError::Corrupt { message, .. } if message.contains("UTF-8")), "{err}");
    }

    #[tokio::test]
    async fn newer_format_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let newer = file::to_json(&sample(1, "media-1")).replace("\"format_version\": 2,", "\"format_version\": 99,");
        fs::create_dir_all(&backend.dir).expect("dir");
        fs::write(backend.state_path(), &newer).expect("newer state");
        let err = store.read().await.expect_err("newer");
        assert!(matches!(err, StateError::NewerFormat { found: 99, supported: STATE_FORMAT_VERSION, .. }), "{err}");
        let version = StateVersion { lineage: "lineage-1".into(), serial: 1 };
        let err = store.write(&sample(2, "media-2"), Some(&version)).await.expect_err("newer");
        assert!(matches!(err, StateError::NewerFormat { found: 99, .. }), "{err}");
        assert_eq!(bytes(&backend.state_path()), newer.into_bytes());
        assert_eq!(listing(&backend), names(&["state.json"]));
    }

    #[tokio::test]
    async fn other_environment_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (backend, store) = pair(dir.path());
        let mut prod = sample(1, "media-1");
        prod.environment = "prod".into();
        let err = store.write(&prod, None).await.expect_err("prod state into staging");
        assert!(matches!(&err, StateError::WrongEnvironment { found, .. } if found == "prod"), "{err}");
        assert!(!backend.state_path().exists());
        fs::create_dir_all(&backend.dir).expect("dir");
        fs::write(backend.state_path(), file::to_json(&prod)).expect("copied by hand");
        let err = store.read().await.expect_err("prod file");
        assert!(
            matches!(&err, StateError::WrongEnvironment { expected, found, .. } if expected == ENV && found == "prod")
        );
        let err = store.write(&sample(2, "media-2"), Some(&prod.version)).await.expect_err("prod file");
        assert!(matches!(err, StateError::WrongEnvironment { .. }), "{err}");
        assert_eq!(bytes(&backend.state_path()), file::to_json(&prod).into_bytes());
    }

    /// Runs `lock` from `tasks` tasks on two backends of the same directory at once.
    async fn lock_race(dir: &Path, tasks: usize) -> Vec<Result<LockInfo, StateError>> {
        let backends = [Arc::new(LocalBackend::new(dir, ENV)), Arc::new(LocalBackend::new(dir, ENV))];
        let start = Arc::new(tokio::sync::Barrier::new(tasks));
        let handles: Vec<_> = (0..tasks)
            .map(|i| {
                let backend = backends[i % 2].clone();
                let start = start.clone();
                tokio::spawn(async move {
                    start.wait().await;
                    backend.lock(&request(&format!("apply-{i}"), HOUR)).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for handle in handles {
            results.push(handle.await.expect("task"));
        }
        results
    }

    /// Checks exactly one racer won and every other one was told who did.
    fn assert_one_winner(results: Vec<Result<LockInfo, StateError>>) -> LockInfo {
        let (won, lost): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        assert_eq!(won.len(), 1, "winners: {won:?}");
        let winner = won.into_iter().next().and_then(Result::ok).expect("one winner");
        for loser in lost {
            match loser {
                Err(StateError::Locked(info)) => {
                    assert_eq!(*info, winner);
                    let shown = StateError::Locked(info).to_string();
                    assert!(shown.contains(&winner.holder), "{shown}");
                    assert!(shown.contains(&format!("`{}`", winner.operation)), "{shown}");
                    assert!(shown.contains(&format!("force-unlock {}", winner.id)), "{shown}");
                }
                other => panic!("expected Locked, got {other:?}"),
            }
        }
        winner
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_lockers_have_exactly_one_winner() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        for _ in 0..5 {
            let winner = assert_one_winner(lock_race(dir.path(), 16).await);
            assert_eq!(backend.current_lock().await.expect("current"), Some(winner.clone()));
            assert_eq!(listing(&backend), names(&["state.lock"]), "no temporary or guard files left");
            backend.unlock(&winner).await.expect("unlock");
        }
    }

    #[tokio::test]
    async fn expired_lock_is_taken_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        let stale = write_lock_file(&backend, "crashed-run", "2001-01-01T00:00:10Z");
        let lock = backend.lock(&request("apply", HOUR)).await.expect("takes over the expired lock");
        assert_ne!(lock.id, stale.id);
        assert_eq!(backend.current_lock().await.expect("current"), Some(lock));
        assert_eq!(listing(&backend), names(&["state.lock"]));
    }

    #[tokio::test]
    async fn a_live_lock_whose_holder_on_this_host_is_gone_is_taken_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        // A process that ran on this host and ended: its lock is far from expiring.
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let gone = child.id();
        child.wait().expect("reaped");
        let mut left = LockInfo::new(&request("apply", HOUR));
        left.pid = Some(gone);
        fs::create_dir_all(&backend.dir).expect("dir");
        fs::write(backend.lock_path(), lock_json(&left)).expect("lock file");
        assert!(left.holder_is_gone() && !left.is_expired(SystemTime::now()), "{left:?}");
        let lock = backend.lock(&request("plan", HOUR)).await.expect("taken over");
        assert_ne!(lock.id, left.id);
        // A live holder of this host (this very process) is never taken over.
        let mut ours = LockInfo::new(&request("apply", HOUR));
        ours.id = "ours".into();
        fs::write(backend.lock_path(), lock_json(&ours)).expect("lock file");
        assert!(
            matches!(backend.lock(&request("plan", HOUR)).await, Err(StateError::Locked(info)) if info.id == "ours")
        );
    }

    #[tokio::test]
    async fn zero_ttl_lock_expires() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        let first = backend.lock(&request("plan", Duration::ZERO)).await.expect("first lock");
        // Expiry has one-second resolution: wait until it is surely past.
        while !first.is_expired(SystemTime::now()) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let second = backend.lock(&request("apply", HOUR)).await.expect("takes over");
        assert_ne!(second.id, first.id);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn expired_lock_has_exactly_one_taker_among_racers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        for round in 0..5 {
            let stale = write_lock_file(&backend, &format!("crashed-run-{round}"), "2001-01-01T00:00:10Z");
            let winner = assert_one_winner(lock_race(dir.path(), 16).await);
            assert_ne!(winner.id, stale.id);
            assert_eq!(backend.current_lock().await.expect("current"), Some(winner));
            assert_eq!(listing(&backend), names(&["state.lock"]), "no temporary or guard files left");
        }
    }

    #[tokio::test]
    async fn slow_taker_never_removes_the_lock_that_replaced_the_expired_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        // It saw `crashed-run` expired; by the time it acts, a new lock is there.
        let fresh = backend.lock(&request("apply", HOUR)).await.expect("lock");
        let err = backend.remove_lock("crashed-run", true).await.expect_err("not the lock it saw");
        assert!(matches!(&err, StateError::LockMismatch { current, .. } if *current == fresh.id), "{err}");
        // It saw `slow-run` expired; by the time it acts, its holder has renewed it.
        let renewed = write_lock_file(&backend, "slow-run", "2999-01-01T00:00:00Z");
        let err = backend.remove_lock("slow-run", true).await.expect_err("renewed meanwhile");
        assert!(matches!(&err, StateError::Locked(info) if **info == renewed), "{err}");
        assert_eq!(backend.current_lock().await.expect("current"), Some(renewed));
    }

    #[tokio::test]
    async fn a_held_guard_keeps_others_from_changing_the_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        let held = backend.lock(&request("apply", HOUR)).await.expect("lock");
        // Another process is in the middle of changing this lock.
        File::create(backend.guard_path(&held.id)).expect("guard");
        let err = backend.force_unlock(&held.id).await.expect_err("guard held");
        assert!(matches!(&err, StateError::Io { source, .. } if source.to_string().contains("try again")), "{err}");
        assert_eq!(backend.current_lock().await.expect("current"), Some(held.clone()));
        fs::remove_file(backend.guard_path(&held.id)).expect("guard released");
        backend.force_unlock(&held.id).await.expect("force-unlock");
    }

    #[tokio::test]
    async fn live_lock_is_never_taken_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ours = LocalBackend::new(dir.path(), ENV);
        let theirs = LocalBackend::new(dir.path(), ENV);
        let held = theirs.lock(&request("apply", HOUR)).await.expect("lock");
        for _ in 0..3 {
            match ours.lock(&request("plan", HOUR)).await {
                Err(StateError::Locked(info)) => assert_eq!(*info, held),
                other => panic!("expected Locked, got {other:?}"),
            }
        }
        // A lock expiring far in the future written by hand is just as live.
        let far = write_lock_file(&ours, "long-run", "2999-01-01T00:00:00Z");
        assert!(matches!(ours.lock(&request("plan", HOUR)).await, Err(StateError::Locked(info)) if *info == far));
        assert_eq!(ours.current_lock().await.expect("current"), Some(far));
    }

    #[tokio::test]
    async fn unlock_releases_the_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        let lock = backend.lock(&request("apply", HOUR)).await.expect("lock");
        backend.unlock(&lock).await.expect("unlock");
        assert_eq!(backend.current_lock().await.expect("current"), None);
        let err = backend.unlock(&lock).await.expect_err("already released");
        assert!(matches!(&err, StateError::LockMismatch { current, .. } if current == "none"), "{err}");
        let again = backend.lock(&request("plan", HOUR)).await.expect("lock again");
        assert_ne!(again.id, lock.id);
    }

    #[tokio::test]
    async fn force_unlock_needs_the_current_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ours = LocalBackend::new(dir.path(), ENV);
        let held = LocalBackend::new(dir.path(), ENV).lock(&request("apply", HOUR)).await.expect("lock");
        match ours.force_unlock("not-the-id").await {
            Err(StateError::LockMismatch { given, current }) => {
                assert_eq!((given.as_str(), current), ("not-the-id", held.id.clone()))
            }
            other => panic!("expected LockMismatch, got {other:?}"),
        }
        assert_eq!(ours.current_lock().await.expect("current"), Some(held.clone()));
        ours.force_unlock(&held.id).await.expect("force-unlock");
        assert_eq!(ours.current_lock().await.expect("current"), None);
        let err = ours.force_unlock(&held.id).await.expect_err("nothing to unlock");
        assert!(matches!(&err, StateError::LockMismatch { current, .. } if current == "none"), "{err}");
        assert_eq!(listing(&ours), BTreeSet::new());
    }

    #[tokio::test]
    async fn unlock_after_takeover_is_refused_and_keeps_the_new_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let slow = LocalBackend::new(dir.path(), ENV);
        let other = LocalBackend::new(dir.path(), ENV);
        let mine = slow.lock(&request("apply", HOUR)).await.expect("lock");
        // Time passes without renewal: the lock expires.
        write_lock_file(&slow, &mine.id, "2001-01-01T00:00:10Z");
        let theirs = other.lock(&request("destroy", HOUR)).await.expect("takeover");
        match slow.unlock(&mine).await {
            Err(StateError::LockMismatch { given, current }) => {
                assert_eq!((given, current), (mine.id.clone(), theirs.id.clone()))
            }
            other => panic!("expected LockMismatch, got {other:?}"),
        }
        let err = slow.renew(&mine, HOUR).await.expect_err("not ours any more");
        assert!(matches!(err, StateError::LockMismatch { .. }), "{err}");
        assert_eq!(other.current_lock().await.expect("current"), Some(theirs));
    }

    #[tokio::test]
    async fn renew_extends_expiry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        let lock = backend.lock(&request("apply", Duration::from_secs(60))).await.expect("lock");
        let renewed = backend.renew(&lock, HOUR).await.expect("renew");
        let expiry = |l: &LockInfo| humantime::parse_rfc3339(&l.expires).expect("RFC 3339 expiry");
        assert!(expiry(&renewed) >= expiry(&lock) + Duration::from_secs(3000), "{lock:?} -> {renewed:?}");
        assert_eq!((&renewed.id, &renewed.holder, &renewed.created), (&lock.id, &lock.holder, &lock.created));
        assert_eq!(backend.current_lock().await.expect("current"), Some(renewed.clone()));
        // Renewing a lock that expired but was not taken over still works.
        write_lock_file(&backend, &lock.id, "2001-01-01T00:00:10Z");
        let revived = backend.renew(&renewed, HOUR).await.expect("renew expired");
        assert!(!revived.is_expired(SystemTime::now()));
        let err = LocalBackend::new(dir.path(), ENV).lock(&request("plan", HOUR)).await.expect_err("live again");
        assert!(matches!(err, StateError::Locked(info) if info.id == lock.id));
        assert_eq!(listing(&backend), names(&["state.lock"]));
    }

    #[tokio::test]
    async fn unreadable_lock_counts_as_live_and_can_be_forced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        fs::create_dir_all(&backend.dir).expect("dir");
        fs::write(backend.lock_path(), "{\"id\": \"half-writ").expect("garbage lock");
        let info = match backend.lock(&request("apply", HOUR)).await {
            Err(StateError::Locked(info)) => *info,
            other => panic!("expected Locked, got {other:?}"),
        };
        assert!(info.id.starts_with("unreadable-") && info.id.len() == "unreadable-".len() + 16, "{info:?}");
        assert!(info.holder.contains("state.lock is unreadable"), "{info:?}");
        let shown = StateError::Locked(Box::new(info.clone())).to_string();
        assert!(shown.contains(&format!("force-unlock {}", info.id)), "{shown}");
        assert_eq!(backend.current_lock().await.expect("current"), Some(info.clone()), "same id every time");
        assert!(matches!(
            backend.force_unlock("unreadable-0000000000000000").await,
            Err(StateError::LockMismatch { .. })
        ));
        backend.force_unlock(&info.id).await.expect("force-unlock");
        backend.lock(&request("apply", HOUR)).await.expect("lock after force-unlock");
    }

    #[tokio::test]
    async fn guard_left_by_a_crash_is_cleared_once_stale() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path(), ENV);
        let held = backend.lock(&request("apply", HOUR)).await.expect("lock");
        let guard = backend.guard_path(&held.id);
        let file = File::create(&guard).expect("guard");
        file.set_modified(SystemTime::now() - GUARD_STALE - Duration::from_secs(5)).expect("age the guard");
        drop(file);
        backend.unlock(&held).await.expect("unlock despite the abandoned guard");
        assert_eq!(listing(&backend), BTreeSet::new());
    }
}
