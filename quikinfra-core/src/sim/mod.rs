//! The embedded simulator: an in-process [`Provider`] that serves every resource type.
//!
//! The simulator is the default target, so plans and applies work with no cloud credentials,
//! and it is what tests and benchmarks run against. It knows no resource type in particular:
//! each type's [`Schema`] tells it which attributes the cloud would compute, and it fills them
//! deterministically (`id` is the id, `arn` is `arn:sim:<type>:<id>`, other strings are
//! `sim://<type>/<id>/<attr>`, numbers `0`, booleans `false`, lists and maps empty).
//!
//! Every object belongs to the environment whose simulator created it, as one cloud account
//! holds each environment's objects: the CLI opens the simulator with
//! [`Simulator::for_environment`], so all environments of a state directory share one world
//! without touching each other's objects. Ids are `<environment>.<name>-<n>` where `n` counts
//! the objects that environment ever created at the address, so staging's first
//! `aws_s3_bucket.media` is `staging.media-1` and its replacement `staging.media-2`, whatever
//! order parallel creates run in and whatever other environments do (resource names hold no
//! `.`, so no two environments' ids can meet). A simulator serving no environment
//! ([`Simulator::in_memory`], [`Simulator::open`] alone) makes unowned objects with ids
//! `<name>-<n>`.
//!
//! Reads see every object, whoever created it, so an environment reading a resource another
//! owns (`Environment::add_shared`, by the id in the owner's state) reads the owner's object.
//! Changes do not: an update, a delete or an out-of-band edit of another environment's object
//! is refused, and [`Provider::find`] (which crash recovery adopts from) only ever answers with
//! an object its own environment created at the address, whose configured attributes are the
//! journaled create's. Unowned objects (made by a simulator serving no environment, or logged
//! before objects recorded their environment) can be changed by any simulator but are never
//! found for an environment. Sensitive attributes are write-only, as in a real cloud: never
//! stored, persisted or returned. An update that succeeds repairs the object: a watched value
//! the schema says means failed (set out of band) is gone afterwards.
//!
//! [`Simulator::in_memory`] keeps the world in memory; [`Simulator::open`] persists it to an
//! append-only log (see [`store`]) so consecutive runs (plan, apply, plan) see one world, and
//! so do runs at the same time: writes and compactions hold an OS lock on the directory's lock
//! file and first catch up with what other processes appended. Out-of-band edits
//! ([`Simulator::set_attribute`] and friends) stand in for someone clicking in a console, for
//! drift demos and tests. [`Faults`] injects latency, throttling and failures.

mod delay;
pub mod faults;
pub mod store;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;

use crate::addr::Address;
use crate::provider::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, Provider, ProviderError, ReadRequest,
    UpdateRequest,
};
use crate::schema::{AttrMode, AttrSchema, AttrType, Schema};
use crate::value::{Attrs, Value};

pub use faults::Faults;
use store::{Entry, Held, Log, Record, World};

/// What can go wrong opening, persisting or editing the simulated world.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Reading or writing the simulator's files failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of the log, other than a partial last one, is not a record.
    #[error("{path}:{line}: corrupt simulator record: {message}")]
    Corrupt {
        /// The log file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// No object has that type and id.
    #[error("no simulated `{type_name}` object has id `{id}`")]
    UnknownObject {
        /// The type name asked for.
        type_name: String,
        /// The id asked for.
        id: String,
    },
    /// The object has no such attribute.
    #[error("simulated `{type_name}` object `{id}` has no attribute `{attribute}`")]
    UnknownAttribute {
        /// The object's type name.
        type_name: String,
        /// The object's id.
        id: String,
        /// The attribute asked for.
        attribute: String,
    },
    /// The object belongs to another environment than the simulator serves.
    #[error("{}", not_yours(type_name, id, owner, serving.as_deref()))]
    OtherEnvironment {
        /// The object's type name.
        type_name: String,
        /// The object's id.
        id: String,
        /// The environment that created it.
        owner: String,
        /// The environment the simulator serves, if any.
        serving: Option<String>,
    },
}

/// One simulated object, as [`Simulator::objects`] lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimObject {
    /// Its resource type, e.g. `aws_s3_bucket`.
    pub type_name: String,
    /// Its provider id, e.g. `staging.media-1`.
    pub id: String,
    /// The environment that created it; `None` for an unowned object.
    pub environment: Option<String>,
    /// Its attributes, computed ones included, sensitive ones never.
    pub attrs: Attrs,
}

/// The embedded provider. Share it as `Arc<Simulator>` or `Arc<dyn Provider>`.
///
/// In memory, reads take a shared lock on the world and never wait for a mutation. Persisted,
/// every call first takes the log mutex and an OS lock on the simulator's lock file (shared for
/// reads, exclusive for mutations, held for the whole mutation so the log's order is the
/// world's order) and catches up with what other processes appended; a mutation is appended
/// to the log first and applied in memory once persisted. No lock is ever held across an
/// await.
pub struct Simulator {
    world: RwLock<World>,
    /// The log when persisted; also the lock every mutation holds.
    log: Mutex<Option<Log>>,
    /// Whether `log` holds a log, so in-memory reads skip its mutex.
    persisted: bool,
    /// The environment whose objects this simulator creates and may change.
    environment: Option<String>,
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
}

impl Simulator {
    /// An empty world kept in memory only, serving no environment.
    pub fn in_memory() -> Self {
        Self::with_world(World::default(), None)
    }

    /// The world persisted under `dir` (created when missing), as earlier runs left it,
    /// serving no environment until [`Simulator::for_environment`] says which.
    ///
    /// Any number of simulators, in any processes, may have one directory open at once.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, SimError> {
        let (world, log) = Log::open(dir.as_ref())?;
        Ok(Self::with_world(world, Some(log)))
    }

    fn with_world(world: World, log: Option<Log>) -> Self {
        let faults = Faults::none();
        let rng = Mutex::new(fastrand::Rng::with_seed(faults.seed));
        let persisted = log.is_some();
        Self { world: RwLock::new(world), log: Mutex::new(log), persisted, environment: None, faults, rng }
    }

    /// The same simulator serving environment `name`: the objects it creates are `name`'s, and
    /// it changes and finds only those (and unowned ones, which it can change but never finds).
    pub fn for_environment(mut self, name: impl Into<String>) -> Self {
        self.environment = Some(name.into());
        self
    }

    /// The environment served, if any.
    pub fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// The same simulator, injecting `faults` (its RNG reseeded with `faults.seed`).
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.rng = Mutex::new(fastrand::Rng::with_seed(faults.seed));
        self.faults = faults;
        self
    }

    /// The faults injected.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The log file, when the world is persisted.
    pub fn log_path(&self) -> Option<PathBuf> {
        self.lock_log().as_ref().map(|log| log.path().to_path_buf())
    }

    /// Every object, whatever environment created it, sorted by type name then id.
    ///
    /// Like [`Simulator::get`] and [`Simulator::len`], it first catches up with other
    /// processes' writes when it can; a log it cannot read is reported by the next call that
    /// returns errors, and meanwhile the world as last read is answered.
    pub fn objects(&self) -> Vec<SimObject> {
        let mut out: Vec<SimObject> = self
            .current_or_last()
            .iter()
            .map(|(t, id, entry)| SimObject {
                type_name: t.to_string(),
                id: id.to_string(),
                environment: entry.env.clone(),
                attrs: entry.attrs.clone(),
            })
            .collect();
        out.sort_by(|a, b| (&a.type_name, &a.id).cmp(&(&b.type_name, &b.id)));
        out
    }

    /// The attributes of object `id` of type `type_name`, whatever environment created it.
    pub fn get(&self, type_name: &str, id: &str) -> Option<Attrs> {
        self.current_or_last().get(type_name, id).map(|entry| entry.attrs.clone())
    }

    /// How many objects exist, in all environments.
    pub fn len(&self) -> usize {
        self.current_or_last().len()
    }

    /// Whether no object exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets one attribute of an object behind the engine's back (drift), persisted.
    pub fn set_attribute(&self, type_name: &str, id: &str, attribute: &str, value: Value) -> Result<(), SimError> {
        self.edit(type_name, id, |attrs| {
            attrs.insert(attribute.to_string(), value);
            Ok(())
        })
    }

    /// Removes one attribute of an object behind the engine's back (drift), persisted.
    pub fn remove_attribute(&self, type_name: &str, id: &str, attribute: &str) -> Result<(), SimError> {
        self.edit(type_name, id, |attrs| match attrs.remove(attribute) {
            Some(_) => Ok(()),
            None => Err(SimError::UnknownAttribute {
                type_name: type_name.to_string(),
                id: id.to_string(),
                attribute: attribute.to_string(),
            }),
        })
    }

    /// Deletes an object behind the engine's back (drift), persisted.
    pub fn delete_object(&self, type_name: &str, id: &str) -> Result<(), SimError> {
        let mut log = self.lock_log();
        let mut held = self.hold(&mut log)?;
        let entry = self.world().get(type_name, id).cloned().ok_or_else(|| unknown_object(type_name, id))?;
        self.check_ours(type_name, id, &entry)?;
        if let Some(held) = held.as_mut() {
            held.append(&[Record::delete(type_name, id)])?;
        }
        self.world_mut().remove(type_name, id);
        Ok(())
    }

    fn edit(
        &self,
        type_name: &str,
        id: &str,
        change: impl FnOnce(&mut Attrs) -> Result<(), SimError>,
    ) -> Result<(), SimError> {
        let mut log = self.lock_log();
        let mut held = self.hold(&mut log)?;
        let entry = self.world().get(type_name, id).cloned().ok_or_else(|| unknown_object(type_name, id))?;
        self.check_ours(type_name, id, &entry)?;
        let mut attrs = entry.attrs;
        change(&mut attrs)?;
        let env = entry.env.as_deref();
        if let Some(held) = held.as_mut() {
            held.append(&[Record::put(env, type_name, id, &attrs)])?;
        }
        self.world_mut().put(type_name, id, env, attrs);
        Ok(())
    }

    /// Refuses a change to another environment's object.
    fn check_ours(&self, type_name: &str, id: &str, entry: &Entry) -> Result<(), SimError> {
        match &entry.env {
            Some(owner) if entry.env != self.environment => Err(SimError::OtherEnvironment {
                type_name: type_name.to_string(),
                id: id.to_string(),
                owner: owner.clone(),
                serving: self.environment.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// The id of the `n`th object this simulator's environment creates at a resource `name`.
    fn object_id(&self, name: &str, n: u64) -> String {
        match &self.environment {
            Some(env) => format!("{env}.{name}-{n}"),
            None => format!("{name}-{n}"),
        }
    }

    fn world(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn world_mut(&self) -> RwLockWriteGuard<'_, World> {
        self.world.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_log(&self) -> MutexGuard<'_, Option<Log>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// For a mutation, with the log mutex held: the exclusive lock on the simulator's files,
    /// the world caught up with other processes' writes. `None` in memory.
    fn hold<'l>(&self, log: &'l mut Option<Log>) -> Result<Option<Held<'l>>, SimError> {
        match log {
            Some(log) => log.hold(&self.world).map(Some),
            None => Ok(None),
        }
    }

    /// For a read: the world, caught up with other processes' writes.
    fn current(&self) -> Result<RwLockReadGuard<'_, World>, SimError> {
        if self.persisted
            && let Some(log) = self.lock_log().as_mut()
        {
            log.refresh(&self.world)?;
        }
        Ok(self.world())
    }

    /// [`Simulator::current`], or the world as last read when the log cannot be read.
    fn current_or_last(&self) -> RwLockReadGuard<'_, World> {
        self.current().unwrap_or_else(|_| self.world())
    }

    /// Injects latency, throttling and (for mutations) permanent failures, in that order.
    async fn inject(&self, address: &Address, mutation: bool) -> Result<(), ProviderError> {
        if !self.faults.latency.is_zero() {
            delay::wait(self.faults.latency).await;
        }
        if self.faults.transient_rate > 0.0 {
            let roll = self.rng.lock().unwrap_or_else(PoisonError::into_inner).f64();
            if roll < self.faults.transient_rate {
                return Err(ProviderError::transient("simulated throttling: 503 SlowDown"));
            }
        }
        if mutation && self.faults.fail.contains(address) {
            return Err(ProviderError::permanent(format!("simulated failure of {address}")));
        }
        Ok(())
    }

    fn read_now(&self, req: &ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let attrs = self.current().map_err(read_error)?.get(req.address.type_name(), req.id).map(|e| e.attrs.clone());
        Ok(attrs)
    }

    fn create_now(&self, req: &CreateRequest<'_>) -> Result<Created, ProviderError> {
        check_known(req.address, req.config)?;
        let type_name = req.address.type_name();
        let address = req.address.to_string();
        let env = self.environment.as_deref();
        let mut log = self.lock_log();
        let mut held = self.hold(&mut log).map_err(persist_error)?;
        let n = self.world().counter(env, &address) + 1;
        let id = self.object_id(req.address.name(), n);
        let attrs = created_attrs(req.schema, type_name, &id, req.config);
        if let Some(held) = held.as_mut() {
            // Counter first: a kill between the two loses the object, never reuses an id.
            held.append(&[Record::counter(env, &address, n), Record::put(env, type_name, &id, &attrs)])
                .map_err(persist_error)?;
        }
        let stored = attrs.clone();
        {
            let mut world = self.world_mut();
            world.set_counter(env, &address, n);
            world.put(type_name, &id, env, stored);
        }
        Ok(Created { id, attrs })
    }

    fn update_now(&self, req: &UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        check_known(req.address, req.config)?;
        let type_name = req.address.type_name();
        let mut log = self.lock_log();
        let mut held = self.hold(&mut log).map_err(persist_error)?;
        let entry =
            self.world().get(type_name, req.id).cloned().ok_or_else(|| {
                ProviderError::not_found(format!("simulated {type_name} `{}` does not exist", req.id))
            })?;
        self.check_ours(type_name, req.id, &entry).map_err(|e| ProviderError::permanent(e.to_string()))?;
        let mut attrs = entry.attrs;
        for (name, value) in req.config {
            if takes_update(req.schema.attr(name), value) {
                attrs.insert(*name, value.clone());
            }
        }
        // A successful update repairs a failed object: the failure it reported is gone.
        while let Some((name, _)) = req.schema.failure(&attrs) {
            attrs.remove(name);
        }
        let env = entry.env.as_deref();
        if let Some(held) = held.as_mut() {
            held.append(&[Record::put(env, type_name, req.id, &attrs)]).map_err(persist_error)?;
        }
        self.world_mut().put(type_name, req.id, env, attrs.clone());
        Ok(attrs)
    }

    fn delete_now(&self, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
        let type_name = req.address.type_name();
        let mut log = self.lock_log();
        let mut held = self.hold(&mut log).map_err(persist_error)?;
        let Some(entry) = self.world().get(type_name, req.id).cloned() else { return Ok(()) };
        self.check_ours(type_name, req.id, &entry).map_err(|e| ProviderError::permanent(e.to_string()))?;
        if let Some(held) = held.as_mut() {
            held.append(&[Record::delete(type_name, req.id)]).map_err(persist_error)?;
        }
        self.world_mut().remove(type_name, req.id);
        Ok(())
    }

    fn discover_now(&self, req: &DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        let world = self.current().map_err(read_error)?;
        let mut found: Vec<Discovered> = world
            .iter()
            .filter(|(t, _, entry)| *t == req.type_name && discoverable(req, &entry.attrs))
            .map(|(_, id, entry)| Discovered { id: id.to_string(), name: object_name(req.schema, id, &entry.attrs) })
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }

    fn find_now(&self, req: &CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let world = self.current().map_err(read_error)?;
        let n = world.counter(self.environment.as_deref(), &req.address.to_string());
        if n == 0 {
            return Ok(None);
        }
        let id = self.object_id(req.address.name(), n);
        let found = world
            .get(req.address.type_name(), &id)
            .filter(|entry| entry.env == self.environment && made_by(req.schema, req.config, &entry.attrs));
        Ok(found.map(|entry| Created { id, attrs: entry.attrs.clone() }))
    }
}

impl Default for Simulator {
    fn default() -> Self {
        Self::in_memory()
    }
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("environment", &self.environment)
            .field("objects", &self.world().len())
            .field("log", &self.log_path())
            .field("faults", &self.faults)
            .finish()
    }
}

#[async_trait]
impl Provider for Simulator {
    fn name(&self) -> &str {
        "sim"
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        self.inject(req.address, false).await?;
        self.read_now(&req)
    }

    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        self.inject(req.address, true).await?;
        self.create_now(&req)
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        self.inject(req.address, true).await?;
        self.update_now(&req)
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        self.inject(req.address, true).await?;
        self.delete_now(&req)
    }

    /// The newest object this simulator's environment ever created at the address, if it
    /// still exists and its configured attributes are `req`'s: ids count each environment's
    /// creations per address, so that is the one an interrupted create of `req` made. Another
    /// environment's object, or an unowned one, is never the answer.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        self.inject(req.address, false).await?;
        self.find_now(&req)
    }

    /// Every object of the type, whatever environment created it (reads see all), carrying
    /// the request's tags (and in its resource group, when the type has one), sorted by id.
    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        self.discover_now(&req)
    }
}

/// Whether an object's attributes carry the request's tags and resource group.
fn discoverable(req: &DiscoverRequest<'_>, attrs: &Attrs) -> bool {
    let tags = attrs.get("tags").and_then(Value::as_map);
    let tagged = req.tags.iter().all(|(k, v)| tags.and_then(|t| t.get(k)).and_then(Value::as_str) == Some(v));
    let grouped =
        req.resource_group.is_none_or(|group| attrs.get("resource_group").and_then(Value::as_str) == Some(group));
    tagged && grouped
}

/// An object's own name: its first identity attribute holding a string, else its id.
fn object_name(schema: &Schema, id: &str, attrs: &Attrs) -> String {
    schema
        .attributes
        .iter()
        .filter(|a| a.identity)
        .find_map(|a| attrs.get(a.name).and_then(Value::as_str))
        .unwrap_or(id)
        .to_string()
}

fn not_yours(type_name: &str, id: &str, owner: &str, serving: Option<&str>) -> String {
    let serving = match serving {
        Some(env) => format!("environment `{env}`"),
        None => "a simulator serving no environment".to_string(),
    };
    format!("simulated `{type_name}` object `{id}` belongs to environment `{owner}`; {serving} cannot change it")
}

fn unknown_object(type_name: &str, id: &str) -> SimError {
    SimError::UnknownObject { type_name: type_name.to_string(), id: id.to_string() }
}

fn persist_error(e: SimError) -> ProviderError {
    ProviderError::permanent(format!("simulator could not persist the change: {e}"))
}

fn read_error(e: SimError) -> ProviderError {
    ProviderError::permanent(format!("simulator could not read its log: {e}"))
}

/// Refuses configs holding references, unknowns or unresolved secrets: the engine resolves
/// them before calling a provider, so one arriving here is an engine bug.
fn check_known(address: &Address, config: &Attrs) -> Result<(), ProviderError> {
    match config.iter().find(|(_, v)| !v.is_known()) {
        Some((name, _)) => Err(ProviderError::permanent(format!(
            "engine bug: `{address}` attribute `{name}` reached the simulator unresolved \
             (a reference, unknown or secret the engine should have resolved)"
        ))),
        None => Ok(()),
    }
}

/// Whether a config value is absent as far as an optional attribute is concerned.
fn is_unset(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null))
}

/// The attributes a new object has: the config (sensitive values dropped) plus every computed
/// attribute, filled deterministically. An optional attribute the config leaves out or sets
/// to null is picked by the "cloud".
fn created_attrs(schema: &Schema, type_name: &str, id: &str, config: &Attrs) -> Attrs {
    let mut attrs: Attrs = config
        .iter()
        .filter(|(name, _)| !schema.attr(name).is_some_and(|a| a.sensitive))
        .map(|(name, value)| (*name, value.clone()))
        .collect();
    for attr in schema.attributes.iter().filter(|a| !a.sensitive) {
        let fill = match attr.mode {
            AttrMode::Computed => true,
            AttrMode::InputOrComputed => is_unset(config.get(attr.name)),
            AttrMode::Input | AttrMode::Watch => false,
        };
        if fill {
            attrs.insert(attr.name.to_string(), computed_value(attr, type_name, id));
        }
    }
    attrs
}

/// Whether `attrs` are what a create of `config` made: every attribute the config sets that the
/// object keeps as given (inputs, optional attributes the config sets, attributes the schema
/// does not know) has the configured value. Sensitive, computed and watched attributes, which
/// the object never keeps as given, say nothing.
fn made_by(schema: &Schema, config: &Attrs, attrs: &Attrs) -> bool {
    config.iter().all(|(name, value)| {
        let kept = match schema.attr(name) {
            None => true,
            Some(a) if a.sensitive => false,
            Some(a) => match a.mode {
                AttrMode::Input => true,
                AttrMode::InputOrComputed => !is_unset(Some(value)),
                AttrMode::Computed | AttrMode::Watch => false,
            },
        };
        !kept || attrs.get(name) == Some(value)
    })
}

/// Whether an update's config value replaces the stored one: inputs (and attributes the schema
/// does not know) do; computed and watched attributes belong to the cloud; sensitive ones are
/// never stored; an optional attribute left unset keeps what the cloud picked.
fn takes_update(attr: Option<&AttrSchema>, value: &Value) -> bool {
    match attr {
        None => true,
        Some(a) if a.sensitive => false,
        Some(a) => match a.mode {
            AttrMode::Input => true,
            AttrMode::InputOrComputed => !is_unset(Some(value)),
            AttrMode::Computed | AttrMode::Watch => false,
        },
    }
}

/// The deterministic value the simulator computes for `attr` of object `id`.
fn computed_value(attr: &AttrSchema, type_name: &str, id: &str) -> Value {
    match attr.name {
        "id" => Value::String(id.to_string()),
        "arn" => Value::String(format!("arn:sim:{type_name}:{id}")),
        name => match attr.ty {
            AttrType::String => Value::String(format!("sim://{type_name}/{id}/{name}")),
            AttrType::Number => Value::from(0i64),
            AttrType::Bool => Value::Bool(false),
            AttrType::List => Value::List(Vec::new()),
            AttrType::Map => Value::Map(Default::default()),
        },
    }
}

#[cfg(test)]
mod tests;
