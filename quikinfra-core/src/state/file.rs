//! The versioned JSON form of [`State`]: what a state file holds, byte for byte.
//!
//! [`to_json`] writes a state as pretty JSON (two-space indent, trailing newline) that is
//! byte-deterministic: resources are a list sorted by address, every map has sorted keys, and
//! fields at their default are left out, so two writes of equal states are equal files and a
//! diff of two state files shows only what changed. [`from_json`] reads it back, refusing
//! anything it cannot read faithfully: malformed or truncated JSON, unknown fields, resources
//! whose `type`/`name` disagree with their address, duplicate addresses
//! ([`StateError::Corrupt`]), and documents written by a newer quikinfra
//! ([`StateError::NewerFormat`]). A refused document is never rewritten.
//!
//! # Changing the format
//!
//! As with Terraform's `statefile` package, any change to the layout (a field added, removed,
//! renamed or given a new meaning, here or in the types serialized into it: [`ResourceState`],
//! [`Lifecycle`](crate::resource::Lifecycle), [`Value`]) is a new format version:
//!
//! 1. bump [`STATE_FORMAT_VERSION`] and change the layout;
//! 2. add an upgrade step from the previous version to `UPGRADES` (a function from the old
//!    document, as `serde_json::Value`, to one of the next version, setting its
//!    `format_version`): `from_json` chains the steps, so every old version stays readable;
//! 3. keep a round-trip fixture of the old version: copy an old `.out.json` from
//!    `tests/fixtures/state/` to `v<old>-<case>.in.json` and give it the `.out.json` the new
//!    version writes. The round-trip test then proves the upgrade, and the current fixtures'
//!    `.out.json` files are regenerated for the new layout.
//!
//! A quikinfra that reads a newer version refuses it rather than guess, so the format version
//! must be bumped even for additions.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::crypt::{self, Cipher, Sealed};
use super::{PendingOp, ResourceState, State, StateError, StateTarget, StateVersion};
use crate::addr::Address;
use crate::value::Value;

/// The state format this quikinfra writes, and the newest it reads.
pub const STATE_FORMAT_VERSION: u64 = 2;

/// The first state format any quikinfra wrote; anything older is not a state file.
const FIRST_STATE_FORMAT_VERSION: u64 = 1;

/// Turns a document of format `N` into one of format `N + 1`.
type UpgradeStep = fn(serde_json::Value) -> Result<serde_json::Value, String>;

/// `(N, step)`: the upgrade from format `N` to `N + 1`, one entry for every version below
/// [`STATE_FORMAT_VERSION`] and at or above `FIRST_STATE_FORMAT_VERSION`.
const UPGRADES: &[(u64, UpgradeStep)] = &[(1, upgrade_v1_to_v2)];

/// Version 2 adds `target` (which target the state's objects live in). A version 1 document
/// has none recorded: the next run that writes it records its own.
fn upgrade_v1_to_v2(mut doc: serde_json::Value) -> Result<serde_json::Value, String> {
    let fields = doc.as_object_mut().ok_or("expected a JSON object")?;
    fields.insert("format_version".to_string(), serde_json::Value::from(2u64));
    Ok(doc)
}

/// The fields of one resource entry besides `address`, `type` and `name`: exactly what
/// [`ResourceState`] serializes (a unit test checks the two agree).
const RESOURCE_FIELDS: &[&str] = &["provider", "id", "attributes", "dependencies", "lifecycle", "deposed"];

/// The document as written.
#[derive(Serialize)]
struct DocOut<'a> {
    format_version: u64,
    environment: &'a str,
    lineage: &'a str,
    serial: u64,
    writer: &'a str,
    resources: Vec<ResourceOut<'a>>,
    outputs: &'a BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "<[PendingOp]>::is_empty")]
    pending: &'a [PendingOp],
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a StateTarget>,
}

/// One resource entry as written: its address, spelled out, then its state's fields as
/// [`ResourceState`] writes them (a unit test checks the two agree), without the detour of a
/// flattened map.
struct ResourceOut<'a> {
    address: &'a Address,
    state: &'a ResourceState,
}

impl Serialize for ResourceOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let r = self.state;
        let mut out = serializer.serialize_struct("Resource", 3 + RESOURCE_FIELDS.len())?;
        out.serialize_field("address", self.address)?;
        out.serialize_field("type", self.address.type_name())?;
        out.serialize_field("name", self.address.name())?;
        out.serialize_field("provider", &r.provider)?;
        out.serialize_field("id", &r.id)?;
        out.serialize_field("attributes", &r.attributes)?;
        if !r.dependencies.is_empty() {
            out.serialize_field("dependencies", &r.dependencies)?;
        }
        if r.lifecycle != crate::resource::Lifecycle::default() {
            out.serialize_field("lifecycle", &r.lifecycle)?;
        }
        if !r.deposed.is_empty() {
            out.serialize_field("deposed", &r.deposed)?;
        }
        out.end()
    }
}

/// The document as read, once `format_version` has been checked and removed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocIn {
    environment: String,
    lineage: String,
    serial: u64,
    writer: String,
    resources: Vec<serde_json::Value>,
    outputs: BTreeMap<String, Value>,
    #[serde(default)]
    pending: Vec<PendingOp>,
    #[serde(default)]
    target: Option<StateTarget>,
}

/// Writes `state` in the current format: pretty JSON, trailing newline, byte-deterministic.
pub fn to_json(state: &State) -> String {
    let doc = DocOut {
        format_version: STATE_FORMAT_VERSION,
        environment: &state.environment,
        lineage: &state.version.lineage,
        serial: state.version.serial,
        writer: &state.writer,
        resources: state.resources.iter().map(|(address, resource)| ResourceOut { address, state: resource }).collect(),
        outputs: &state.outputs,
        pending: &state.pending,
        target: state.target.as_ref(),
    };
    // Cannot fail: every map key is a string and `Value` numbers are JSON numbers already.
    // Sized for a typical resource up front: growing a large document by doubling copies it.
    let mut bytes = Vec::with_capacity(4096 + state.resources.len() * 768);
    serde_json::to_writer_pretty(&mut bytes, &doc).expect("state always serializes to JSON");
    bytes.push(b'\n');
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// The clear header of an encrypted state document, authenticated with the sealed body.
#[derive(Serialize, Deserialize)]
struct SealedDoc {
    format_version: u64,
    environment: String,
    lineage: String,
    serial: u64,
    encrypted: Sealed,
}

fn sealed_header(environment: &str, lineage: &str, serial: u64) -> String {
    format!("{environment}\0{lineage}\0{serial}")
}

/// Writes `state` like [`to_json`], sealed with `cipher` when there is one: the header fields
/// a backend needs stay readable, everything else is encrypted.
pub fn to_json_sealed(state: &State, cipher: Option<&Cipher>) -> String {
    let Some(cipher) = cipher else { return to_json(state) };
    let header = sealed_header(&state.environment, &state.version.lineage, state.version.serial);
    let doc = SealedDoc {
        format_version: STATE_FORMAT_VERSION,
        environment: state.environment.clone(),
        lineage: state.version.lineage.clone(),
        serial: state.version.serial,
        encrypted: cipher.seal("state", &header, to_json(state).as_bytes()),
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("an envelope always serializes");
    text.push('\n');
    text
}

/// Reads a state document like [`from_json`], opening it with `cipher` when it is encrypted.
pub fn from_json_with(text: &str, path: &Path, cipher: Option<&Cipher>) -> Result<State, StateError> {
    // A plain document of the current format, the common case, in one typed pass (a sealed
    // one fails it at its `encrypted` field); only then is the text searched for a seal.
    if let Some(state) = from_json_current(text) {
        return Ok(state);
    }
    let looks_sealed = text.contains("\"encrypted\"");
    let doc = looks_sealed.then(|| serde_json::from_str::<serde_json::Value>(text).ok()).flatten();
    let Some(doc) = doc.filter(|d| d.get("encrypted").is_some()) else { return from_json(text, path) };
    check_format_version(doc.get("format_version"), path)?;
    let corrupt = |message: String| StateError::Corrupt { path: path.to_path_buf(), message };
    let sealed: SealedDoc =
        serde_json::from_value(doc).map_err(|e| corrupt(format!("malformed encrypted state: {e}")))?;
    let header = sealed_header(&sealed.environment, &sealed.lineage, sealed.serial);
    let plain = crypt::open_with(cipher, "state", &header, &sealed.encrypted)
        .map_err(|source| StateError::Encryption { path: path.to_path_buf(), source })?;
    let inner = String::from_utf8(plain).map_err(|_| corrupt("decrypted state is not UTF-8".into()))?;
    let state = from_json(&inner, path)?;
    if state.environment != sealed.environment
        || state.version.lineage != sealed.lineage
        || state.version.serial != sealed.serial
    {
        return Err(corrupt("the encrypted state's header does not match its content".into()));
    }
    Ok(state)
}

/// A document in the current format, decoded in one typed pass.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocCurrent<'a> {
    format_version: u64,
    environment: String,
    lineage: String,
    serial: u64,
    writer: String,
    #[serde(borrow)]
    resources: Vec<ResourceIn<'a>>,
    outputs: BTreeMap<String, Value>,
    #[serde(default)]
    pending: Vec<PendingOp>,
    #[serde(default)]
    target: Option<StateTarget>,
}

/// One resource entry of a current document; the address and its parts are borrowed from the
/// text where they hold no escapes (they never do: addresses are plain ASCII).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceIn<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    type_name: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    provider: String,
    id: String,
    attributes: crate::value::Attrs,
    #[serde(default)]
    dependencies: Vec<Address>,
    #[serde(default)]
    lifecycle: crate::resource::Lifecycle,
    #[serde(default)]
    deposed: Vec<super::DeposedObject>,
}

/// The common case in one pass: a well-formed document of the current format, straight into
/// [`State`]. `None` for anything else (an older format, or a problem), which the general
/// reader then upgrades or reports in detail.
fn from_json_current(text: &str) -> Option<State> {
    let doc: DocCurrent = serde_json::from_str(text).ok()?;
    if doc.format_version != STATE_FORMAT_VERSION {
        return None;
    }
    let mut entries = Vec::with_capacity(doc.resources.len());
    for r in doc.resources {
        let address: Address = r.address.parse().ok()?;
        if r.type_name != address.type_name() || r.name != address.name() {
            return None;
        }
        let state = ResourceState {
            provider: r.provider,
            id: r.id,
            attributes: r.attributes,
            dependencies: r.dependencies,
            lifecycle: r.lifecycle,
            deposed: r.deposed,
        };
        entries.push((address, state));
    }
    // Built in one pass (the entries are written in address order, which the sort only
    // confirms); a repeated address, which the build would fold, is left to the general
    // reader, which names it.
    let count = entries.len();
    let resources: BTreeMap<Address, ResourceState> = entries.into_iter().collect();
    if resources.len() != count {
        return None;
    }
    Some(State {
        environment: doc.environment,
        version: StateVersion { lineage: doc.lineage, serial: doc.serial },
        writer: doc.writer,
        resources,
        outputs: doc.outputs,
        pending: doc.pending,
        target: doc.target,
    })
}

/// One checkpoint as a log entry (see `StateStore`): what changed since the version before
/// it, as written.
#[derive(Serialize)]
struct EntryOut<'a> {
    lineage: &'a str,
    serial: u64,
    writer: &'a str,
    set: Vec<ResourceOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remove: Vec<&'a Address>,
    #[serde(skip_serializing_if = "<[PendingOp]>::is_empty")]
    pending: &'a [PendingOp],
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_delta: Option<PendingDelta<&'a [PendingOp]>>,
    outputs: &'a BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a StateTarget>,
}

/// How the journal changed since the version before an entry, in place of the whole journal:
/// the positions (ascending) of the operations settled since, and those started since, which
/// follow the rest in order. An apply's journal changes by a few operations per checkpoint
/// while dozens stay pending, so an entry holds what changed of it, not all of it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingDelta<S> {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    settled: Vec<usize>,
    started: S,
}

/// `now` as `before` with the operations at `settled` removed and `started` appended:
/// `before`'s operations are matched in order against `now`'s, so the rebuilt list is `now`
/// exactly, whatever the two hold.
fn pending_delta<'a>(before: &[PendingOp], now: &'a [PendingOp]) -> PendingDelta<&'a [PendingOp]> {
    let mut kept = 0;
    let mut settled = Vec::new();
    for (i, op) in before.iter().enumerate() {
        if now.get(kept) == Some(op) {
            kept += 1;
        } else {
            settled.push(i);
        }
    }
    PendingDelta { settled, started: &now[kept..] }
}

/// A log entry as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryIn<'a> {
    lineage: String,
    serial: u64,
    writer: String,
    #[serde(borrow)]
    set: Vec<ResourceIn<'a>>,
    #[serde(default)]
    remove: Vec<Address>,
    #[serde(default)]
    pending: Vec<PendingOp>,
    #[serde(default)]
    pending_delta: Option<PendingDelta<Vec<PendingOp>>>,
    outputs: BTreeMap<String, Value>,
    #[serde(default)]
    target: Option<StateTarget>,
}

/// A sealed log entry: which version it makes in clear (authenticated), the rest encrypted.
#[derive(Serialize, Deserialize)]
struct SealedEntry {
    lineage: String,
    serial: u64,
    encrypted: Sealed,
}

/// The log entry that takes the state before `state` to `state`: the resources at `changed`
/// (present: their records; absent: removed), the journal (what changed of it when the
/// journal `before` is given, else whole), outputs and target whole. One line of compact JSON,
/// sealed with `cipher` when there is one.
pub fn to_entry(
    state: &State,
    changed: &std::collections::BTreeSet<Address>,
    before: Option<&[PendingOp]>,
    cipher: Option<&Cipher>,
) -> String {
    let (mut set, mut remove) = (Vec::new(), Vec::new());
    for address in changed {
        match state.resources.get(address) {
            Some(resource) => set.push(ResourceOut { address, state: resource }),
            None => remove.push(address),
        }
    }
    let entry = EntryOut {
        lineage: &state.version.lineage,
        serial: state.version.serial,
        writer: &state.writer,
        set,
        remove,
        pending: if before.is_some() { &[] } else { &state.pending },
        pending_delta: before.map(|before| pending_delta(before, &state.pending)),
        outputs: &state.outputs,
        target: state.target.as_ref(),
    };
    let text = serde_json::to_string(&entry).expect("an entry always serializes");
    let Some(cipher) = cipher else { return text };
    let header = sealed_header(&state.environment, &state.version.lineage, state.version.serial);
    let sealed = SealedEntry {
        lineage: state.version.lineage.clone(),
        serial: state.version.serial,
        encrypted: cipher.seal("state-entry", &header, text.as_bytes()),
    };
    serde_json::to_string(&sealed).expect("an envelope always serializes")
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Applies log entry `line` to `state` if it is the next version of the same history;
/// `Ok(false)` for an entry of another history or one `state` already holds (folded).
pub fn apply_entry(state: &mut State, line: &[u8], path: &Path, cipher: Option<&Cipher>) -> Result<bool, StateError> {
    let corrupt = |message: String| StateError::Corrupt { path: path.to_path_buf(), message };
    let invalid = |e: serde_json::Error| corrupt(format!("log entry: invalid JSON: {e}"));
    // Typed in one pass: a sealed entry is told apart by its `encrypted` field, which a plain
    // entry never has (its text may hold the word only inside a string, and then the typed
    // sealed read fails and the plain one is tried).
    let sealed = if contains(line, b"\"encrypted\"") {
        match serde_json::from_slice::<SealedEntry>(line) {
            Ok(sealed) => Some(sealed),
            Err(e) if e.is_syntax() || e.is_eof() => return Err(invalid(e)),
            Err(_) => None,
        }
    } else {
        None
    };
    let plain;
    let entry: EntryIn = if let Some(sealed) = sealed {
        if sealed.lineage != state.version.lineage || Some(sealed.serial) != state.version.serial.checked_add(1) {
            return Ok(false);
        }
        let header = sealed_header(&state.environment, &sealed.lineage, sealed.serial);
        plain = crypt::open_with(cipher, "state-entry", &header, &sealed.encrypted)
            .map_err(|source| StateError::Encryption { path: path.to_path_buf(), source })?;
        serde_json::from_slice(&plain).map_err(|e| corrupt(format!("log entry: {e}")))?
    } else {
        serde_json::from_slice(line)
            .map_err(|e| if e.is_syntax() || e.is_eof() { invalid(e) } else { corrupt(format!("log entry: {e}")) })?
    };
    if entry.lineage != state.version.lineage || Some(entry.serial) != state.version.serial.checked_add(1) {
        return Ok(false);
    }
    for r in entry.set {
        let address: Address = r.address.parse().map_err(|e| corrupt(format!("log entry: {e}")))?;
        let resource = ResourceState {
            provider: r.provider,
            id: r.id,
            attributes: r.attributes,
            dependencies: r.dependencies,
            lifecycle: r.lifecycle,
            deposed: r.deposed,
        };
        state.resources.insert(address, resource);
    }
    for address in entry.remove {
        state.resources.remove(&address);
    }
    state.pending = match entry.pending_delta {
        None => entry.pending,
        Some(PendingDelta { settled, started }) => {
            let before = std::mem::take(&mut state.pending);
            if settled.windows(2).any(|w| w[0] >= w[1]) || settled.last().is_some_and(|&i| i >= before.len()) {
                return Err(corrupt(format!(
                    "log entry: settled journal positions {settled:?} do not fit a journal of {}",
                    before.len()
                )));
            }
            let mut settled = settled.into_iter().peekable();
            let mut kept = Vec::with_capacity(before.len() - settled.len() + started.len());
            for (i, op) in before.into_iter().enumerate() {
                if settled.peek() == Some(&i) {
                    settled.next();
                } else {
                    kept.push(op);
                }
            }
            kept.extend(started);
            kept
        }
    };
    state.outputs = entry.outputs;
    state.target = entry.target;
    state.writer = entry.writer;
    state.version.serial = entry.serial;
    Ok(true)
}

/// Reads a state document of any supported format version, upgrading older ones.
///
/// `path` is only used in errors. Fails with [`StateError::Corrupt`] when the text is not a
/// valid state document and [`StateError::NewerFormat`] when a newer quikinfra wrote it.
///
/// A document of the current format decodes in one typed pass; anything else (an older
/// format to upgrade, or a problem to report with its resource and field) goes through the
/// general reader, which reads the version first.
pub fn from_json(text: &str, path: &Path) -> Result<State, StateError> {
    if let Some(state) = from_json_current(text) {
        return Ok(state);
    }
    let corrupt = |message: String| StateError::Corrupt { path: path.to_path_buf(), message };
    if text.trim().is_empty() {
        return Err(corrupt("the file is empty".to_string()));
    }
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| corrupt(format!("invalid JSON: {e}")))?;
    let serde_json::Value::Object(fields) = &doc else {
        return Err(corrupt(format!("expected a JSON object, found {}", kind(&doc))));
    };
    let version = check_format_version(fields.get("format_version"), path)?;
    let doc = upgrade(version, doc).map_err(corrupt)?;
    decode(doc).map_err(corrupt)
}

/// Checks a document's `format_version` field (`None` when missing) and returns it.
///
/// Fails with [`StateError::Corrupt`] when it is missing or not a non-negative integer, and with
/// [`StateError::NewerFormat`] when it is newer than [`STATE_FORMAT_VERSION`]. Older versions
/// pass; [`from_json`] upgrades them.
pub(crate) fn check_format_version(found: Option<&serde_json::Value>, path: &Path) -> Result<u64, StateError> {
    let corrupt = |message: String| StateError::Corrupt { path: path.to_path_buf(), message };
    let found = found.ok_or_else(|| corrupt("`format_version` is missing".to_string()))?;
    let version = found
        .as_u64()
        .ok_or_else(|| corrupt(format!("`format_version` must be a non-negative integer, found {found}")))?;
    if version > STATE_FORMAT_VERSION {
        return Err(StateError::NewerFormat {
            path: path.to_path_buf(),
            found: version,
            supported: STATE_FORMAT_VERSION,
        });
    }
    Ok(version)
}

/// Brings a document of format `from` up to [`STATE_FORMAT_VERSION`], one step at a time.
fn upgrade(from: u64, mut doc: serde_json::Value) -> Result<serde_json::Value, String> {
    if from < FIRST_STATE_FORMAT_VERSION {
        return Err(format!(
            "`format_version` {from} is older than any state format quikinfra wrote (the first is \
             {FIRST_STATE_FORMAT_VERSION})"
        ));
    }
    let mut version = from;
    while version < STATE_FORMAT_VERSION {
        let step = UPGRADES
            .iter()
            .find(|(step_from, _)| *step_from == version)
            .map(|(_, step)| *step)
            .ok_or_else(|| format!("no upgrade from state format version {version} to {}", version + 1))?;
        doc = step(doc).map_err(|e| format!("upgrading from format version {version}: {e}"))?;
        version += 1;
    }
    Ok(doc)
}

/// Decodes a document in the current layout.
fn decode(doc: serde_json::Value) -> Result<State, String> {
    let serde_json::Value::Object(mut fields) = doc else {
        return Err(format!("expected a JSON object, found {}", kind(&doc)));
    };
    fields.remove("format_version");
    let doc: DocIn = serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| e.to_string())?;
    let mut resources = BTreeMap::new();
    for (index, entry) in doc.resources.into_iter().enumerate() {
        let (address, resource) = decode_resource(index, entry)?;
        if resources.contains_key(&address) {
            return Err(format!("resource `{address}` appears more than once"));
        }
        resources.insert(address, resource);
    }
    Ok(State {
        environment: doc.environment,
        version: StateVersion { lineage: doc.lineage, serial: doc.serial },
        writer: doc.writer,
        resources,
        outputs: doc.outputs,
        pending: doc.pending,
        target: doc.target,
    })
}

/// Decodes the resource entry at `index` of `resources`.
fn decode_resource(index: usize, entry: serde_json::Value) -> Result<(Address, ResourceState), String> {
    let serde_json::Value::Object(mut fields) = entry else {
        return Err(format!("resources[{index}]: expected a JSON object, found {}", kind(&entry)));
    };
    let mut take_string = |key: &str| match fields.remove(key) {
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(other) => Err(format!("resources[{index}]: `{key}` must be a string, found {}", kind(&other))),
        None => Err(format!("resources[{index}]: `{key}` is missing")),
    };
    let text = take_string("address")?;
    let type_name = take_string("type")?;
    let name = take_string("name")?;
    let address: Address = text.parse().map_err(|e| format!("resources[{index}]: {e}"))?;
    if type_name != address.type_name() || name != address.name() {
        return Err(format!("resource `{address}`: `type` `{type_name}` and `name` `{name}` do not match the address"));
    }
    if let Some(unknown) = fields.keys().find(|key| !RESOURCE_FIELDS.contains(&key.as_str())) {
        return Err(format!("resource `{address}`: unknown field `{unknown}`"));
    }
    let resource: ResourceState =
        serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| format!("resource `{address}`: {e}"))?;
    Ok((address, resource))
}

/// What kind of JSON value `value` is, for messages.
fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;
    use crate::resource::Lifecycle;
    use crate::state::DeposedObject;
    use crate::value::Attrs;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state")
    }

    /// The fixture files whose names end with `suffix`, sorted.
    fn fixture_files(suffix: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
            .expect("fixture directory")
            .map(|entry| entry.expect("fixture entry").path())
            .filter(|path| path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(suffix)))
            .collect();
        files.sort();
        files
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn fixtures_round_trip_byte_for_byte() {
        let inputs = fixture_files(".in.json");
        assert!(inputs.len() >= 3, "expected round-trip fixtures, found {inputs:?}");
        for input in inputs {
            let name = input.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
            let output = input.with_file_name(name.replace(".in.json", ".out.json"));
            let expected = read(&output);
            let state = from_json(&read(&input), &input).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(to_json(&state), expected, "{name}: written form differs from {}", output.display());
            let again = from_json(&expected, &output).unwrap_or_else(|e| panic!("{}: {e}", output.display()));
            assert_eq!(again, state, "{name}: reading the output gives another state");
            assert_eq!(to_json(&again), expected, "{name}: output does not round-trip");
        }
    }

    #[test]
    fn every_output_fixture_has_an_input() {
        for output in fixture_files(".out.json") {
            let name = output.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
            let input = output.with_file_name(name.replace(".out.json", ".in.json"));
            assert!(input.exists(), "{name} has no matching .in.json");
        }
    }

    /// Every `corrupt-*.json` fixture with a fragment of the message it must fail with.
    const CORRUPT: &[(&str, &str)] = &[
        ("corrupt-address-mismatch.json", "`type` `aws_s3_bucket` and `name` `logs` do not match the address"),
        ("corrupt-bad-address.json", "address `Bucket` must look like `type.name`"),
        ("corrupt-duplicate-address.json", "resource `aws_s3_bucket.media` appears more than once"),
        ("corrupt-empty.json", "the file is empty"),
        ("corrupt-format-version-string.json", "`format_version` must be a non-negative integer, found \"1\""),
        ("corrupt-format-version-zero.json", "`format_version` 0 is older than any state format"),
        ("corrupt-missing-field.json", "resource `aws_s3_bucket.media`: missing field `id`"),
        ("corrupt-missing-format-version.json", "`format_version` is missing"),
        ("corrupt-not-object.json", "expected a JSON object, found an array"),
        ("corrupt-truncated.json", "invalid JSON: EOF while parsing"),
        ("corrupt-unknown-field.json", "unknown field `colour`"),
        ("corrupt-unknown-resource-field.json", "resource `aws_s3_bucket.media`: unknown field `tags_all`"),
        ("corrupt-wrong-type.json", "invalid type: string \"3\", expected u64"),
    ];

    #[test]
    fn corrupt_fixtures_fail_with_clear_messages() {
        let files = fixture_files(".json");
        let corrupt: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("corrupt-")))
            .collect();
        assert_eq!(corrupt.len(), CORRUPT.len(), "every corrupt-*.json fixture needs an entry in CORRUPT");
        for (name, fragment) in CORRUPT {
            let path = fixtures().join(name);
            match from_json(&read(&path), &path) {
                Err(StateError::Corrupt { path: at, message }) => {
                    assert_eq!(at, path);
                    assert!(message.contains(fragment), "{name}: message `{message}` lacks `{fragment}`");
                    assert!(message.starts_with(|c: char| !c.is_uppercase()), "{name}: `{message}` is capitalized");
                    assert!(!message.ends_with('.'), "{name}: `{message}` ends with a period");
                }
                other => panic!("{name}: expected Corrupt, got {other:?}"),
            }
        }
    }

    #[test]
    fn newer_format_is_refused() {
        let path = fixtures().join("newer-format.json");
        match from_json(&read(&path), &path) {
            Err(StateError::NewerFormat { path: at, found, supported }) => {
                assert_eq!((at, found, supported), (path, 99, STATE_FORMAT_VERSION));
            }
            other => panic!("expected NewerFormat, got {other:?}"),
        }
    }

    #[test]
    fn newer_format_wins_over_other_problems() {
        // A newer layout may differ in anything; only `format_version` is read.
        let text = r#"{"format_version": 7, "resources": {"not": "a list"}}"#;
        assert!(matches!(from_json(text, Path::new("s.json")), Err(StateError::NewerFormat { found: 7, .. })));
    }

    fn sample_state() -> State {
        let mut state = State::new("staging", "lin-1");
        state.version.serial = 4;
        state.writer = "0.1.0".into();
        for (type_name, name) in [("b_type", "zed"), ("a_type", "beta"), ("a_type", "alpha")] {
            let mut attributes = Attrs::new();
            attributes.insert("name".to_string(), Value::from(name));
            attributes.insert("size".to_string(), Value::from(3i64));
            state.resources.insert(
                Address::new(type_name, name),
                ResourceState {
                    provider: "sim".into(),
                    id: format!("id-{name}"),
                    attributes,
                    dependencies: vec![],
                    lifecycle: Lifecycle::default(),
                    deposed: vec![],
                },
            );
        }
        state
    }

    #[test]
    fn to_json_is_sorted_deterministic_and_terse() {
        let state = sample_state();
        let text = to_json(&state);
        assert_eq!(text, to_json(&state.clone()));
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        assert!(text.starts_with("{\n  \"format_version\": 2,\n  \"environment\": \"staging\",\n"));
        let positions: Vec<usize> = ["a_type.alpha", "a_type.beta", "b_type.zed"]
            .iter()
            .map(|a| text.find(&format!("\"address\": \"{a}\"")).expect("address written"))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "resources not sorted: {positions:?}");
        for absent in ["dependencies", "lifecycle", "deposed"] {
            assert!(!text.contains(absent), "default `{absent}` written:\n{text}");
        }
        assert_eq!(from_json(&text, Path::new("s.json")).expect("reads back"), state);
    }

    #[test]
    fn resource_fields_match_what_resource_state_writes() {
        let resource = ResourceState {
            provider: "sim".into(),
            id: "i".into(),
            attributes: Attrs::new(),
            dependencies: vec![Address::new("a", "b")],
            lifecycle: Lifecycle { prevent_destroy: true, ..Lifecycle::default() },
            deposed: vec![DeposedObject { id: "old".into(), attributes: Attrs::new() }],
        };
        let json = serde_json::to_value(&resource).expect("serializes");
        let written: BTreeSet<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
        let known: BTreeSet<&str> = RESOURCE_FIELDS.iter().copied().collect();
        assert_eq!(written, known, "ResourceState changed: update RESOURCE_FIELDS and bump STATE_FORMAT_VERSION");
        // The entry written for a resource is its address, then exactly those fields, in the
        // order and with the omissions `ResourceState` has, whether optional fields are set or not.
        let bare = ResourceState {
            dependencies: vec![],
            lifecycle: Lifecycle::default(),
            deposed: vec![],
            ..resource.clone()
        };
        let address = Address::new("test_thing", "t");
        for r in [&resource, &bare] {
            let entry = serde_json::to_string(&ResourceOut { address: &address, state: r }).expect("serializes");
            let fields = serde_json::to_string(r).expect("serializes");
            let expected = format!(r#"{{"address":"test_thing.t","type":"test_thing","name":"t",{}"#, &fields[1..]);
            assert_eq!(entry, expected);
        }
    }

    #[test]
    fn an_entry_settling_journal_positions_that_are_not_there_is_corrupt() {
        let mut state = State::new("live", "l");
        state.version.serial = 1;
        let path = PathBuf::from("state.json");
        for settled in ["[0]", "[1,0]"] {
            let line = format!(
                r#"{{"lineage":"l","serial":2,"writer":"w","set":[],"pending_delta":{{"settled":{settled},"started":[]}},"outputs":{{}}}}"#
            );
            let err = apply_entry(&mut state.clone(), line.as_bytes(), &path, None).expect_err(&line);
            assert!(err.to_string().contains("settled journal positions"), "{err}");
        }
    }

    #[test]
    fn upgrade_refuses_versions_before_the_first() {
        let err = upgrade(0, serde_json::json!({})).expect_err("version 0 never existed");
        assert!(err.contains("older than any state format"), "{err}");
        let current = serde_json::json!({"format_version": STATE_FORMAT_VERSION});
        assert_eq!(upgrade(STATE_FORMAT_VERSION, current.clone()), Ok(current));
    }

    /// The versions from `first` up to (not including) `current` without exactly one step, and
    /// the steps from versions outside that range.
    fn step_problems(first: u64, current: u64, steps: &[(u64, UpgradeStep)]) -> Vec<u64> {
        let older = |v: u64| v >= first && v < current;
        let missing = (first..current).filter(|v| steps.iter().filter(|(from, _)| from == v).count() != 1);
        let stray = steps.iter().map(|(from, _)| *from).filter(|v| !older(*v));
        missing.chain(stray).collect()
    }

    #[test]
    fn every_older_version_has_an_upgrade_step() {
        assert_eq!(step_problems(FIRST_STATE_FORMAT_VERSION, STATE_FORMAT_VERSION, UPGRADES), Vec::<u64>::new());
        let step: UpgradeStep = Ok;
        assert_eq!(step_problems(1, 4, &[(1, step), (3, step), (4, step)]), vec![2, 4]);
    }
}
