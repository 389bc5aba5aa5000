//! State: what quikinfra last applied for one environment, and where that record is kept.
//!
//! The model ([`State`], [`ResourceState`]) is here; [`file`] reads and writes its versioned
//! JSON form and [`crypt`] seals it; [`backend`] defines [`StateBackend`](backend::StateBackend),
//! which stores a document's bytes with conditional writes and locks, and [`local`] and
//! [`memory`] implement it (S3 lives in `quikinfra-aws`). [`store`] is the one place that
//! turns bytes into state for every backend: format, upgrades, encryption, environment and the
//! compare-and-swap on lineage and serial.
//!
//! Architecture invariant: state holds no secret. Sensitive attributes are stored as
//! fingerprints ([`Value::Sensitive`](crate::value::Value::Sensitive)).

pub mod backend;
pub mod crypt;
pub mod file;
pub mod local;
pub mod memory;
pub mod store;
pub mod target;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::addr::Address;
use crate::resource::Lifecycle;
use crate::value::{Attrs, Value};

pub use backend::{Backends, LockInfo, LockRequest, StateBackend, StateError, Stored, Token};
pub use store::{StateStore, StateStores};
pub use target::{StateTarget, TargetKind};

/// The version of one state document: which history (lineage) and how far along it (serial).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateVersion {
    /// A random id given when the state is first created; it never changes.
    pub lineage: String,
    /// Incremented on every write.
    pub serial: u64,
}

/// One environment's state.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The environment this state belongs to.
    pub environment: String,
    /// Lineage and serial.
    pub version: StateVersion,
    /// The quikinfra version that last wrote it.
    pub writer: String,
    /// Every managed resource, by address.
    pub resources: BTreeMap<Address, ResourceState>,
    /// The environment's outputs after the last apply.
    pub outputs: BTreeMap<String, Value>,
    /// Operations started but not yet recorded as finished: the journal an interrupted apply
    /// leaves behind, reconciled by the next run (see `apply::recover`).
    pub pending: Vec<PendingOp>,
    /// The target its objects live in, once a run recorded it (see [`target`]).
    pub target: Option<StateTarget>,
}

impl State {
    /// A new, empty state with the given lineage, at serial 0.
    pub fn new(environment: impl Into<String>, lineage: impl Into<String>) -> Self {
        Self {
            environment: environment.into(),
            version: StateVersion { lineage: lineage.into(), serial: 0 },
            writer: crate::VERSION.to_string(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            pending: Vec::new(),
            target: None,
        }
    }

    /// A fresh random lineage.
    pub fn new_lineage() -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// What state records of one resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// The provider family serving it (`aws`, `azure`, `local`).
    pub provider: String,
    /// The provider id of the live object.
    pub id: String,
    /// Its attributes as last read or written; sensitive ones as fingerprints.
    pub attributes: Attrs,
    /// The resources it depended on when applied, so deletes run in reverse order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Address>,
    /// Lifecycle options in force when applied; `prevent_destroy` is honoured even once the
    /// resource leaves the definition.
    #[serde(default, skip_serializing_if = "is_default")]
    pub lifecycle: Lifecycle,
    /// Older objects of a create-before-destroy replacement still to be deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed: Vec<DeposedObject>,
}

fn is_default(l: &Lifecycle) -> bool {
    *l == Lifecycle::default()
}

/// An object replaced by a newer one (create-before-destroy) whose deletion is pending.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeposedObject {
    /// Its provider id.
    pub id: String,
    /// Its attributes when it was replaced.
    pub attributes: Attrs,
}

/// An operation an apply started: written to state before the provider is called, removed
/// when its outcome is recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingOp {
    /// The resource.
    pub address: Address,
    /// `create` or `delete`.
    pub operation: String,
    /// The provider family serving it.
    pub provider: String,
    /// The provider id: the object being deleted, or a created object's once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// For a create: the configuration sent, sensitive attributes left out, so the object can
    /// be found again by its identity (a bucket name, a resource id).
    #[serde(default, skip_serializing_if = "Attrs::is_empty")]
    pub config: Attrs,
    /// For a create: what the resource depends on, recorded if the object is adopted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Address>,
    /// When it started (RFC 3339).
    pub started: String,
}
