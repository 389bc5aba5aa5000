//! The simulator's world: objects in memory, and the append-only log that persists them.
//!
//! [`World`] holds every simulated object, keyed by type name then id, and the per-address
//! creation counters that make ids deterministic. [`Log`] persists a world as JSON lines in
//! `<dir>/world.jsonl`, one [`Record`] per mutation:
//!
//! ```text
//! {"op":"counter","address":"aws_s3_bucket.media","n":1}
//! {"op":"put","type":"aws_s3_bucket","id":"media-1","attrs":{...}}
//! {"op":"delete","type":"aws_s3_bucket","id":"media-1"}
//! ```
//!
//! Opening replays the log. A process killed mid-write leaves at most a partial last line,
//! which replay ignores (and cuts off, so the next record starts on a line of its own); a bad
//! line anywhere else is corruption and an error. When the log holds many more records than
//! the world has live entries it is compacted: rewritten to a temporary file renamed over it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::SimError;
use crate::value::Attrs;

/// The log's file name inside the simulator's directory.
pub const LOG_FILE: &str = "world.jsonl";

/// Objects and counters, all in memory.
#[derive(Debug, Default)]
pub(crate) struct World {
    /// Type name → id → attributes. Nested so lookups by `&str` need no allocation.
    objects: HashMap<String, HashMap<String, Arc<Attrs>>>,
    /// Address → how many objects were ever created there.
    counters: HashMap<String, u64>,
    /// Live objects, all types.
    len: usize,
}

impl World {
    /// The object `id` of type `type_name`.
    pub(crate) fn get(&self, type_name: &str, id: &str) -> Option<&Arc<Attrs>> {
        self.objects.get(type_name)?.get(id)
    }

    /// Stores (or replaces) an object.
    pub(crate) fn put(&mut self, type_name: &str, id: &str, attrs: Arc<Attrs>) {
        let of_type = match self.objects.get_mut(type_name) {
            Some(of_type) => of_type,
            None => self.objects.entry(type_name.to_string()).or_default(),
        };
        if of_type.insert(id.to_string(), attrs).is_none() {
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

    /// How many objects were ever created at `address`.
    pub(crate) fn counter(&self, address: &str) -> u64 {
        self.counters.get(address).copied().unwrap_or(0)
    }

    /// Records that `n` objects were ever created at `address`.
    pub(crate) fn set_counter(&mut self, address: &str, n: u64) {
        self.counters.insert(address.to_string(), n);
    }

    /// Live objects.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every object as `(type name, id, attributes)`, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str, &Arc<Attrs>)> {
        self.objects
            .iter()
            .flat_map(|(t, of_type)| of_type.iter().map(move |(id, attrs)| (t.as_str(), id.as_str(), attrs)))
    }

    fn apply(&mut self, record: Record<'_>) {
        match record {
            Record::Put { type_name, id, attrs } => self.put(&type_name, &id, Arc::new(attrs.into_owned())),
            Record::Delete { type_name, id } => {
                self.remove(&type_name, &id);
            }
            Record::Counter { address, n } => self.set_counter(&address, n),
        }
    }

    /// Records that rebuild this world from nothing, sorted so compacted logs are deterministic.
    fn snapshot(&self) -> Vec<Record<'_>> {
        let mut counters: Vec<_> = self.counters.iter().collect();
        counters.sort();
        let mut objects: Vec<_> = self.iter().collect();
        objects.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        counters
            .into_iter()
            .map(|(address, n)| Record::counter(address, *n))
            .chain(objects.into_iter().map(|(t, id, attrs)| Record::put(t, id, attrs)))
            .collect()
    }
}

/// One line of the log: one mutation.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub(crate) enum Record<'a> {
    /// An object was created or changed: its whole attributes.
    Put {
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
    /// The creation counter of an address moved.
    Counter {
        /// The address, `type.name`.
        address: Cow<'a, str>,
        /// Objects ever created there.
        n: u64,
    },
}

impl<'a> Record<'a> {
    /// A put record borrowing its parts.
    pub(crate) fn put(type_name: &'a str, id: &'a str, attrs: &'a Attrs) -> Self {
        Record::Put { type_name: Cow::Borrowed(type_name), id: Cow::Borrowed(id), attrs: Cow::Borrowed(attrs) }
    }

    /// A delete record borrowing its parts.
    pub(crate) fn delete(type_name: &'a str, id: &'a str) -> Self {
        Record::Delete { type_name: Cow::Borrowed(type_name), id: Cow::Borrowed(id) }
    }

    /// A counter record borrowing its address.
    pub(crate) fn counter(address: &'a str, n: u64) -> Self {
        Record::Counter { address: Cow::Borrowed(address), n }
    }
}

/// The open log file, appended to on every mutation.
#[derive(Debug)]
pub(crate) struct Log {
    path: PathBuf,
    file: File,
}

impl Log {
    /// Opens (creating when missing) the log in `dir`, replays it into a world and compacts it
    /// when it has grown much larger than what it describes.
    pub(crate) fn open(dir: &Path) -> Result<(World, Log), SimError> {
        fs::create_dir_all(dir).map_err(|source| SimError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(LOG_FILE);
        let io_err = |source| SimError::Io { path: path.clone(), source };
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err(e)),
        };
        let replay = replay(&path, &bytes)?;
        let mut file = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err)?;
        if replay.keep < bytes.len() {
            // The last line was cut short by a killed process: drop it so appends start clean.
            file.set_len(replay.keep as u64).map_err(io_err)?;
        } else if replay.keep > 0 && bytes.last() != Some(&b'\n') {
            // The last record is whole but lost its newline.
            file.write_all(b"\n").map_err(io_err)?;
        }
        let mut log = Log { path, file };
        let live = replay.world.len() + replay.world.counters.len();
        if replay.records > 2 * live + 100 {
            log.compact(&replay.world)?;
        }
        Ok((replay.world, log))
    }

    /// The log's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `records` with a single write of whole lines.
    ///
    /// No fsync: the log must survive the process being killed (the kernel has the bytes once
    /// `write` returns), not the machine losing power. A kill mid-write leaves a partial last
    /// line, which [`Log::open`] ignores.
    pub(crate) fn append(&mut self, records: &[Record<'_>]) -> Result<(), SimError> {
        let mut buf = Vec::with_capacity(256 * records.len());
        for record in records {
            encode(&mut buf, record).map_err(|source| SimError::Io { path: self.path.clone(), source })?;
        }
        self.file.write_all(&buf).map_err(|source| SimError::Io { path: self.path.clone(), source })
    }

    /// Rewrites the log as the smallest one describing `world`: written to a temporary file,
    /// then renamed over the log so a kill at any point leaves one whole log or the other.
    fn compact(&mut self, world: &World) -> Result<(), SimError> {
        let tmp = self.path.with_extension("jsonl.tmp");
        let tmp_err = |source| SimError::Io { path: tmp.clone(), source };
        let mut buf = Vec::new();
        for record in world.snapshot() {
            encode(&mut buf, &record).map_err(tmp_err)?;
        }
        fs::write(&tmp, &buf).map_err(tmp_err)?;
        fs::rename(&tmp, &self.path).map_err(|source| SimError::Io { path: self.path.clone(), source })?;
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|source| SimError::Io { path: self.path.clone(), source })?;
        Ok(())
    }
}

fn encode(buf: &mut Vec<u8>, record: &Record<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *buf, record).map_err(io::Error::other)?;
    buf.push(b'\n');
    Ok(())
}

/// What replaying a log found.
struct Replay {
    world: World,
    /// Records applied.
    records: usize,
    /// Bytes of the log worth keeping: everything but a partial last line.
    keep: usize,
}

fn replay(path: &Path, bytes: &[u8]) -> Result<Replay, SimError> {
    let mut world = World::default();
    let mut records = 0;
    let mut start = 0;
    let mut line = 0;
    while start < bytes.len() {
        line += 1;
        let end = bytes[start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| start + i);
        let next = (end + 1).min(bytes.len());
        let text = &bytes[start..end];
        if !text.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Record<'_>>(text) {
                Ok(record) => {
                    world.apply(record);
                    records += 1;
                }
                Err(_) if bytes[next..].iter().all(u8::is_ascii_whitespace) => {
                    return Ok(Replay { world, records, keep: start });
                }
                Err(e) => return Err(SimError::Corrupt { path: path.to_path_buf(), line, message: e.to_string() }),
            }
        }
        start = next;
    }
    Ok(Replay { world, records, keep: bytes.len() })
}
