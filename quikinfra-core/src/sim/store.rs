//! The simulator's world: objects in memory, and the append-only log that persists them.
//!
//! [`World`] holds every simulated object, keyed by type name then id, each with the
//! environment that created it (none for an unscoped simulator's), and the creation counters,
//! per environment and address, that make ids deterministic. [`Log`] persists a world as JSON
//! lines in `<dir>/world.jsonl`, one [`Record`] per mutation:
//!
//! ```text
//! {"op":"counter","env":"staging","address":"aws_s3_bucket.media","n":1}
//! {"op":"put","env":"staging","type":"aws_s3_bucket","id":"staging.media-1","attrs":{...}}
//! {"op":"delete","type":"aws_s3_bucket","id":"staging.media-1"}
//! ```
//!
//! `env` is left out for objects and counters of no environment, so a log written before
//! objects recorded their environment reads as one of unowned objects.
//!
//! Several processes may have one directory open at once (two environments applying, a plan
//! beside an apply). `<dir>/world.lock` serializes them with an OS lock ([`File::lock`],
//! released when its holder exits, however it exits): every append, repair and compaction
//! holds it exclusively, every catch-up for a read holds it shared. Holding it, a process first
//! catches up: it replays the records other processes appended since it last looked, so its
//! counters and objects are current when it decides an id, and its record lands after theirs.
//! A compaction rewrites the log to a temporary file renamed over it; just before the rename it
//! writes a fresh generation token into the lock file, and a process that finds a token other
//! than the one it loaded re-reads the new log from the start instead of trusting its offset
//! into (or appending to) the file the rename unlinked.
//!
//! Replay ignores a partial last line (a process killed mid-write); the next process to hold
//! the lock exclusively, when nobody can be mid-write, cuts it off so the next record starts on
//! a line of its own. A bad line anywhere else is corruption and an error. Opening compacts the
//! log when it holds many more records than the world has live entries.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use serde::{Deserialize, Serialize};

use super::SimError;
use crate::value::Attrs;

/// The log's file name inside the simulator's directory.
pub const LOG_FILE: &str = "world.jsonl";

/// The lock file's name inside the simulator's directory; it holds the log's generation token.
pub const LOCK_FILE: &str = "world.lock";

/// One stored object: the environment that created it and its attributes.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The environment whose simulator created it; `None` for an unscoped simulator's objects
    /// and for objects logged before objects recorded their environment.
    pub(crate) env: Option<String>,
    /// All its attributes.
    pub(crate) attrs: Attrs,
}

/// Objects and counters, all in memory.
#[derive(Debug, Default)]
pub(crate) struct World {
    /// Type name → id → object. Nested so lookups by `&str` need no allocation.
    objects: HashMap<String, HashMap<String, Entry>>,
    /// Address → how many objects an unscoped simulator ever created there.
    unscoped: HashMap<String, u64>,
    /// Environment → address → how many objects that environment ever created there.
    scoped: HashMap<String, HashMap<String, u64>>,
    /// Live objects, all types.
    len: usize,
}

impl World {
    /// The object `id` of type `type_name`.
    pub(crate) fn get(&self, type_name: &str, id: &str) -> Option<&Entry> {
        self.objects.get(type_name)?.get(id)
    }

    /// Stores (or replaces) an object created by environment `env`.
    pub(crate) fn put(&mut self, type_name: &str, id: &str, env: Option<&str>, attrs: Attrs) {
        let of_type = match self.objects.get_mut(type_name) {
            Some(of_type) => of_type,
            None => self.objects.entry(type_name.to_string()).or_default(),
        };
        let entry = Entry { env: env.map(str::to_string), attrs };
        if of_type.insert(id.to_string(), entry).is_none() {
            self.len += 1;
        }
    }

    /// Removes an object, answering whether it was there.
    pub(crate) fn remove(&mut self, type_name: &str, id: &str) -> bool {
        let Some(of_type) = self.objects.get_mut(type_name) else { return false };
        let removed = of_type.remove(id).is_some();
        if removed {
            self.len -= 1;
            if of_type.is_empty() {
                self.objects.remove(type_name);
            }
        }
        removed
    }

    fn counters(&self, env: Option<&str>) -> Option<&HashMap<String, u64>> {
        match env {
            None => Some(&self.unscoped),
            Some(env) => self.scoped.get(env),
        }
    }

    /// How many objects environment `env` ever created at `address`.
    pub(crate) fn counter(&self, env: Option<&str>, address: &str) -> u64 {
        self.counters(env).and_then(|c| c.get(address)).copied().unwrap_or(0)
    }

    /// Records that environment `env` ever created `n` objects at `address`.
    pub(crate) fn set_counter(&mut self, env: Option<&str>, address: &str, n: u64) {
        let counters = match env {
            None => &mut self.unscoped,
            Some(env) => match self.scoped.get_mut(env) {
                Some(counters) => counters,
                None => self.scoped.entry(env.to_string()).or_default(),
            },
        };
        counters.insert(address.to_string(), n);
    }

    /// Live objects.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Counters, all environments.
    fn counters_len(&self) -> usize {
        self.unscoped.len() + self.scoped.values().map(HashMap::len).sum::<usize>()
    }

    /// Every object as `(type name, id, object)`, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str, &Entry)> {
        self.objects
            .iter()
            .flat_map(|(t, of_type)| of_type.iter().map(move |(id, entry)| (t.as_str(), id.as_str(), entry)))
    }

    fn apply(&mut self, record: Record<'_>) {
        match record {
            Record::Put { env, type_name, id, attrs } => self.put(&type_name, &id, env.as_deref(), attrs.into_owned()),
            Record::Delete { type_name, id } => {
                self.remove(&type_name, &id);
            }
            Record::Counter { env, address, n } => self.set_counter(env.as_deref(), &address, n),
        }
    }

    /// Records that rebuild this world from nothing, sorted so compacted logs are deterministic:
    /// unscoped counters first, then each environment's, then objects by type and id.
    fn snapshot(&self) -> Vec<Record<'_>> {
        let mut counters: Vec<(Option<&str>, &str, u64)> =
            self.unscoped.iter().map(|(address, n)| (None, address.as_str(), *n)).collect();
        for (env, of_env) in &self.scoped {
            counters.extend(of_env.iter().map(|(address, n)| (Some(env.as_str()), address.as_str(), *n)));
        }
        counters.sort();
        let mut objects: Vec<_> = self.iter().collect();
        objects.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        counters
            .into_iter()
            .map(|(env, address, n)| Record::counter(env, address, n))
            .chain(objects.into_iter().map(|(t, id, entry)| Record::put(entry.env.as_deref(), t, id, &entry.attrs)))
            .collect()
    }
}

/// One line of the log: one mutation.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub(crate) enum Record<'a> {
    /// An object was created or changed: its whole attributes.
    Put {
        /// The environment that created it; absent for none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        env: Option<Cow<'a, str>>,
        /// Its type name.
        #[serde(rename = "type")]
        type_name: Cow<'a, str>,
        /// Its id.
        id: Cow<'a, str>,
        /// All its attributes.
        attrs: Cow<'a, Attrs>,
    },
    /// An object was deleted.
    Delete {
        /// Its type name.
        #[serde(rename = "type")]
        type_name: Cow<'a, str>,
        /// Its id.
        id: Cow<'a, str>,
    },
    /// The creation counter of an environment's address moved.
    Counter {
        /// The environment; absent for none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        env: Option<Cow<'a, str>>,
        /// The address, `type.name`.
        address: Cow<'a, str>,
        /// Objects ever created there.
        n: u64,
    },
}

impl<'a> Record<'a> {
    /// A put record borrowing its parts.
    pub(crate) fn put(env: Option<&'a str>, type_name: &'a str, id: &'a str, attrs: &'a Attrs) -> Self {
        Record::Put {
            env: env.map(Cow::Borrowed),
            type_name: Cow::Borrowed(type_name),
            id: Cow::Borrowed(id),
            attrs: Cow::Borrowed(attrs),
        }
    }

    /// A delete record borrowing its parts.
    pub(crate) fn delete(type_name: &'a str, id: &'a str) -> Self {
        Record::Delete { type_name: Cow::Borrowed(type_name), id: Cow::Borrowed(id) }
    }

    /// A counter record borrowing its parts.
    pub(crate) fn counter(env: Option<&'a str>, address: &'a str, n: u64) -> Self {
        Record::Counter { env: env.map(Cow::Borrowed), address: Cow::Borrowed(address), n }
    }
}

/// The open log: how far this process has replayed it, and the handle it appends through.
#[derive(Debug)]
pub(crate) struct Log {
    path: PathBuf,
    lock_path: PathBuf,
    /// The lock file, open for the process's lifetime; locked only while a guard lives.
    lock: File,
    /// The log of `generation`, opened for reading and appending.
    file: File,
    /// The generation token the lock file held when this process last (re)loaded the log;
    /// empty until the first load.
    generation: String,
    /// Bytes of the log replayed: always the start of a line.
    offset: u64,
    /// Lines replayed, for the line numbers of errors.
    lines: usize,
    /// Records in the log, for deciding when to compact.
    records: usize,
}

/// The exclusive lock on the simulator's files, with the world caught up; released on drop.
pub(crate) struct Held<'a> {
    log: &'a mut Log,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // Closing the file would release it too; the file stays open for the next mutation.
        let _ = self.log.lock.unlock();
    }
}

impl Held<'_> {
    /// Appends `records` with a single write of whole lines.
    ///
    /// No fsync: the log must survive the process being killed (the kernel has the bytes once
    /// `write` returns), not the machine losing power. A kill mid-write leaves a partial last
    /// line, which replay ignores and the next writer cuts off.
    pub(crate) fn append(&mut self, records: &[Record<'_>]) -> Result<(), SimError> {
        let log = &mut *self.log;
        let mut buf = Vec::with_capacity(256 * records.len());
        for record in records {
            encode(&mut buf, record).map_err(|source| SimError::Io { path: log.path.clone(), source })?;
        }
        log.file.write_all(&buf).map_err(|source| SimError::Io { path: log.path.clone(), source })?;
        log.offset += buf.len() as u64;
        log.lines += records.len();
        log.records += records.len();
        Ok(())
    }

    /// Rewrites the log as the smallest one describing `world` (which must be caught up):
    /// written to a temporary file, then renamed over the log so a kill at any point leaves one
    /// whole log or the other. The fresh generation token is written first, so no process
    /// keeps appending to the replaced file or reading it at its old offset.
    fn compact(&mut self, world: &World) -> Result<(), SimError> {
        let log = &mut *self.log;
        let tmp = log.path.with_extension("jsonl.tmp");
        let tmp_err = |source| SimError::Io { path: tmp.clone(), source };
        let mut buf = Vec::new();
        let snapshot = world.snapshot();
        for record in &snapshot {
            encode(&mut buf, record).map_err(tmp_err)?;
        }
        fs::write(&tmp, &buf).map_err(tmp_err)?;
        log.generation = log.write_generation()?;
        fs::rename(&tmp, &log.path).map_err(|source| SimError::Io { path: log.path.clone(), source })?;
        log.file = open_log(&log.path)?;
        log.offset = buf.len() as u64;
        log.lines = snapshot.len();
        log.records = snapshot.len();
        Ok(())
    }
}

impl Log {
    /// Opens (creating when missing) the log in `dir`, replays it into a world and compacts it
    /// when it has grown much larger than what it describes; all under the exclusive lock.
    pub(crate) fn open(dir: &Path) -> Result<(World, Log), SimError> {
        fs::create_dir_all(dir).map_err(|source| SimError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(LOG_FILE);
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|source| SimError::Io { path: lock_path.clone(), source })?;
        let file = open_log(&path)?;
        let mut log = Log { path, lock_path, lock, file, generation: String::new(), offset: 0, lines: 0, records: 0 };
        let world = RwLock::new(World::default());
        {
            let mut held = log.hold(&world)?;
            let world = world.read().unwrap_or_else(PoisonError::into_inner);
            if held.log.records > 2 * (world.len() + world.counters_len()) + 100 {
                held.compact(&world)?;
            }
        }
        Ok((world.into_inner().unwrap_or_else(PoisonError::into_inner), log))
    }

    /// The log's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the exclusive lock (waiting for other processes to release it) and brings `world`
    /// up to date with the log, repairing a partial last line left by a killed writer.
    pub(crate) fn hold(&mut self, world: &RwLock<World>) -> Result<Held<'_>, SimError> {
        self.lock.lock().map_err(|source| SimError::Io { path: self.lock_path.clone(), source })?;
        let held = Held { log: self };
        held.log.catch_up(world, true)?;
        Ok(held)
    }

    /// Brings `world` up to date with the log under the shared lock, for a read.
    pub(crate) fn refresh(&mut self, world: &RwLock<World>) -> Result<(), SimError> {
        self.lock.lock_shared().map_err(|source| SimError::Io { path: self.lock_path.clone(), source })?;
        let caught_up = self.catch_up(world, false);
        let _ = self.lock.unlock();
        caught_up
    }

    /// Replays what other processes appended since this one last looked, or the whole log when
    /// it was compacted meanwhile. Called with the lock held; `exclusive` allows repairs.
    fn catch_up(&mut self, world: &RwLock<World>, exclusive: bool) -> Result<(), SimError> {
        let mut generation = self.read_generation()?;
        if generation.is_empty() && exclusive {
            generation = self.write_generation()?;
        }
        let io_err = |source| SimError::Io { path: self.path.clone(), source };
        let len = self.file.metadata().map_err(io_err)?.len();
        let reload = generation.is_empty() || generation != self.generation || len < self.offset;
        if !reload && len == self.offset {
            return Ok(());
        }
        if reload {
            self.file = open_log(&self.path)?;
            let bytes = read_from(&mut self.file, 0).map_err(io_err)?;
            let mut fresh = World::default();
            let scan = scan(&mut fresh, &self.path, &bytes, 0, exclusive)?;
            (self.generation, self.offset, self.lines, self.records) = (generation, 0, 0, 0);
            self.settle(&scan, exclusive)?;
            *world.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        } else {
            let bytes = read_from(&mut self.file, self.offset).map_err(io_err)?;
            let mut world = world.write().unwrap_or_else(PoisonError::into_inner);
            let scan = scan(&mut world, &self.path, &bytes, self.lines, exclusive)?;
            self.settle(&scan, exclusive)?;
        }
        Ok(())
    }

    /// Moves past what a scan replayed, first cutting off or terminating its last line when
    /// allowed to repair.
    fn settle(&mut self, scan: &Scan, exclusive: bool) -> Result<(), SimError> {
        let io_err = |source| SimError::Io { path: self.path.clone(), source };
        let mut keep = scan.keep as u64;
        if exclusive && scan.cut {
            // The last line was cut short by a killed process: drop it so appends start clean.
            self.file.set_len(self.offset + keep).map_err(io_err)?;
        }
        if exclusive && scan.unterminated {
            // The last record is whole but lost its newline.
            self.file.write_all(b"\n").map_err(io_err)?;
            keep += 1;
        }
        self.offset += keep;
        self.lines = scan.lines;
        self.records += scan.records;
        Ok(())
    }

    /// The generation token in the lock file; empty when missing or unreadable.
    fn read_generation(&mut self) -> Result<String, SimError> {
        let mut text = String::new();
        self.lock
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.lock.read_to_string(&mut text))
            .map_err(|source| SimError::Io { path: self.lock_path.clone(), source })?;
        Ok(text.trim().to_string())
    }

    /// Writes a fresh generation token into the lock file (held exclusively) and returns it.
    fn write_generation(&mut self) -> Result<String, SimError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let lock = &mut self.lock;
        lock.seek(SeekFrom::Start(0))
            .and_then(|_| lock.write_all(token.as_bytes()))
            .and_then(|_| lock.set_len(token.len() as u64))
            .map_err(|source| SimError::Io { path: self.lock_path.clone(), source })?;
        Ok(token)
    }
}

/// Opens the log at `path` for reading and appending, creating it when missing.
fn open_log(path: &Path) -> Result<File, SimError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|source| SimError::Io { path: path.to_path_buf(), source })
}

/// Everything in `file` from `offset` on.
fn read_from(file: &mut File, offset: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn encode(buf: &mut Vec<u8>, record: &Record<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *buf, record).map_err(io::Error::other)?;
    buf.push(b'\n');
    Ok(())
}

/// What replaying part of a log found.
struct Scan {
    /// Records applied.
    records: usize,
    /// Lines of the whole log replayed so far.
    lines: usize,
    /// Bytes replayed, always up to the start of a line (or the end of the bytes).
    keep: usize,
    /// What follows `keep` is a partial last line, to be cut off.
    cut: bool,
    /// The bytes end with a whole record that lost its newline, to be added.
    unterminated: bool,
}

fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Replays `bytes` (starting on a line boundary, after `lines` lines) into `world`.
///
/// A bad last line (nothing but whitespace after it) is a killed writer's partial line: it is
/// not replayed, and `cut` says so. Without `repair` (a shared lock: nobody is writing, but
/// nothing may be changed either) a last line without its newline is left for a writer to
/// settle; with it, a whole one is replayed and `unterminated` asks for its newline.
fn scan(world: &mut World, path: &Path, bytes: &[u8], lines: usize, repair: bool) -> Result<Scan, SimError> {
    let mut records = 0;
    let mut start = 0;
    let mut line = lines;
    while start < bytes.len() {
        let newline = bytes[start..].iter().position(|&b| b == b'\n').map(|i| start + i);
        if newline.is_none() && !repair {
            return Ok(Scan { records, lines: line, keep: start, cut: false, unterminated: false });
        }
        line += 1;
        let end = newline.unwrap_or(bytes.len());
        let next = newline.map_or(bytes.len(), |i| i + 1);
        let text = &bytes[start..end];
        if !blank(text) {
            match serde_json::from_slice::<Record<'_>>(text) {
                Ok(record) => {
                    world.apply(record);
                    records += 1;
                }
                Err(_) if blank(&bytes[next..]) => {
                    return Ok(Scan { records, lines: line - 1, keep: start, cut: true, unterminated: false });
                }
                Err(e) => return Err(SimError::Corrupt { path: path.to_path_buf(), line, message: e.to_string() }),
            }
        }
        start = next;
    }
    let unterminated = repair && bytes.last().is_some_and(|&b| b != b'\n');
    Ok(Scan { records, lines: line, keep: start, cut: false, unterminated })
}
