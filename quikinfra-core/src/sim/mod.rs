//! The embedded simulator: an in-process [`Provider`] that serves every resource type.
//!
//! The simulator is the default target, so plans and applies work with no cloud credentials,
//! and it is what tests and benchmarks run against. It knows no resource type in particular:
//! each type's [`Schema`] tells it which attributes the cloud would compute, and it fills them
//! deterministically (`id` is the id, `arn` is `arn:sim:<type>:<id>`, other strings are
//! `sim://<type>/<id>/<attr>`, numbers `0`, booleans `false`, lists and maps empty).
//!
//! Ids are `<name>-<n>` where `n` counts the objects ever created at the address, so the first
//! `aws_s3_bucket.media` is `media-1` and its replacement `media-2`, whatever order parallel
//! creates run in. Sensitive attributes are write-only, as in a real cloud: never stored,
//! persisted or returned.
//!
//! [`Simulator::in_memory`] keeps the world in memory; [`Simulator::open`] persists it to an
//! append-only log (see [`store`]) so consecutive runs (plan, apply, plan) see one world.
//! Out-of-band edits ([`Simulator::set_attribute`] and friends) stand in for someone clicking
//! in a console, for drift demos and tests. [`Faults`] injects latency, throttling and failures.

pub mod faults;
pub mod store;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;

use crate::addr::Address;
use crate::provider::{CreateRequest, Created, DeleteRequest, Provider, ProviderError, ReadRequest, UpdateRequest};
use crate::schema::{AttrMode, AttrSchema, AttrType, Schema};
use crate::value::{Attrs, Value};

pub use faults::Faults;
use store::{Log, Record, World};

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
}

/// One simulated object, as [`Simulator::objects`] lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimObject {
    /// Its resource type, e.g. `aws_s3_bucket`.
    pub type_name: String,
    /// Its provider id, e.g. `media-1`.
    pub id: String,
    /// Its attributes, computed ones included, sensitive ones never.
    pub attrs: Attrs,
}

/// The embedded provider. Share it as `Arc<Simulator>` or `Arc<dyn Provider>`.
///
/// Reads take a shared lock on the in-memory world and never touch the disk. Mutations are
/// serialized by the log mutex (held for the whole mutation, so the log's order is the world's
/// order), appended to the log first and applied in memory once persisted. No lock is ever
/// held across an await.
pub struct Simulator {
    world: RwLock<World>,
    /// The log when persisted; also the lock every mutation holds.
    log: Mutex<Option<Log>>,
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
}

impl Simulator {
    /// An empty world kept in memory only.
    pub fn in_memory() -> Self {
        Self::with_world(World::default(), None)
    }

    /// The world persisted under `dir` (created when missing), as earlier runs left it.
    ///
    /// Only one simulator should have a directory open at a time; one after another is fine.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, SimError> {
        let (world, log) = Log::open(dir.as_ref())?;
        Ok(Self::with_world(world, Some(log)))
    }

    fn with_world(world: World, log: Option<Log>) -> Self {
        let faults = Faults::none();
        let rng = Mutex::new(fastrand::Rng::with_seed(faults.seed));
        Self { world: RwLock::new(world), log: Mutex::new(log), faults, rng }
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

    /// Every object, sorted by type name then id.
    pub fn objects(&self) -> Vec<SimObject> {
        let mut out: Vec<SimObject> = self
            .world()
            .iter()
            .map(|(t, id, attrs)| SimObject { type_name: t.to_string(), id: id.to_string(), attrs: (**attrs).clone() })
            .collect();
        out.sort_by(|a, b| (&a.type_name, &a.id).cmp(&(&b.type_name, &b.id)));
        out
    }

    /// The attributes of object `id` of type `type_name`.
    pub fn get(&self, type_name: &str, id: &str) -> Option<Attrs> {
        let attrs = self.world().get(type_name, id).cloned();
        attrs.map(Arc::unwrap_or_clone)
    }

    /// How many objects exist.
    pub fn len(&self) -> usize {
        self.world().len()
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
        if self.world().get(type_name, id).is_none() {
            return Err(unknown_object(type_name, id));
        }
        if let Some(log) = log.as_mut() {
            log.append(&[Record::delete(type_name, id)])?;
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
        let stored = self.world().get(type_name, id).cloned().ok_or_else(|| unknown_object(type_name, id))?;
        let mut attrs = Arc::unwrap_or_clone(stored);
        change(&mut attrs)?;
        if let Some(log) = log.as_mut() {
            log.append(&[Record::put(type_name, id, &attrs)])?;
        }
        self.world_mut().put(type_name, id, Arc::new(attrs));
        Ok(())
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

    /// Injects latency, throttling and (for mutations) permanent failures, in that order.
    async fn inject(&self, address: &Address, mutation: bool) -> Result<(), ProviderError> {
        if !self.faults.latency.is_zero() {
            tokio::time::sleep(self.faults.latency).await;
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

    fn read_now(&self, req: &ReadRequest<'_>) -> Option<Attrs> {
        let attrs = self.world().get(req.address.type_name(), req.id).cloned();
        attrs.map(Arc::unwrap_or_clone)
    }

    fn create_now(&self, req: &CreateRequest<'_>) -> Result<Created, ProviderError> {
        check_known(req.address, req.config)?;
        let type_name = req.address.type_name();
        let address = req.address.to_string();
        let mut log = self.lock_log();
        let n = self.world().counter(&address) + 1;
        let id = format!("{}-{n}", req.address.name());
        let attrs = created_attrs(req.schema, type_name, &id, req.config);
        if let Some(log) = log.as_mut() {
            // Counter first: a kill between the two loses the object, never reuses an id.
            log.append(&[Record::counter(&address, n), Record::put(type_name, &id, &attrs)]).map_err(persist_error)?;
        }
        let stored = Arc::new(attrs.clone());
        {
            let mut world = self.world_mut();
            world.set_counter(&address, n);
            world.put(type_name, &id, stored);
        }
        Ok(Created { id, attrs })
    }

    fn update_now(&self, req: &UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        check_known(req.address, req.config)?;
        let type_name = req.address.type_name();
        let mut log = self.lock_log();
        let stored =
            self.world().get(type_name, req.id).cloned().ok_or_else(|| {
                ProviderError::not_found(format!("simulated {type_name} `{}` does not exist", req.id))
            })?;
        let mut attrs = Arc::unwrap_or_clone(stored);
        for (name, value) in req.config {
            if takes_update(req.schema.attr(name), value) {
                attrs.insert(name.clone(), value.clone());
            }
        }
        if let Some(log) = log.as_mut() {
            log.append(&[Record::put(type_name, req.id, &attrs)]).map_err(persist_error)?;
        }
        self.world_mut().put(type_name, req.id, Arc::new(attrs.clone()));
        Ok(attrs)
    }

    fn delete_now(&self, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
        let type_name = req.address.type_name();
        let mut log = self.lock_log();
        if self.world().get(type_name, req.id).is_none() {
            return Ok(());
        }
        if let Some(log) = log.as_mut() {
            log.append(&[Record::delete(type_name, req.id)]).map_err(persist_error)?;
        }
        self.world_mut().remove(type_name, req.id);
        Ok(())
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
            .field("objects", &self.len())
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
        Ok(self.read_now(&req))
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

    /// The newest object ever created at the address, if it still exists: ids count creations
    /// per address, so that is the one an interrupted create made.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        self.inject(req.address, false).await?;
        let world = self.world();
        let n = world.counter(&req.address.to_string());
        if n == 0 {
            return Ok(None);
        }
        let id = format!("{}-{n}", req.address.name());
        Ok(world.get(req.address.type_name(), &id).map(|attrs| Created { id, attrs: Attrs::clone(attrs) }))
    }
}

fn unknown_object(type_name: &str, id: &str) -> SimError {
    SimError::UnknownObject { type_name: type_name.to_string(), id: id.to_string() }
}

fn persist_error(e: SimError) -> ProviderError {
    ProviderError::permanent(format!("simulator could not persist the change: {e}"))
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
        .map(|(name, value)| (name.clone(), value.clone()))
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
