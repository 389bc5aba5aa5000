//! Operations: what every front end (the command line, a test, a benchmark) runs against one
//! environment, the same way.
//!
//! A [`Workspace`] is one environment's definition with the state stores and providers a run
//! uses. Each operation takes the environment's state lock for as long as it needs it
//! (renewed by a heartbeat, [`lock`]), settles what an interrupted apply left pending
//! ([`read`]), calls the engine, and returns values: a [`Plan`](crate::plan::Plan), an
//! [`ApplyReport`](crate::apply::ApplyReport), or an [`OpsError`]. Nothing here prints or reads
//! a terminal; what a person should see or decide goes through the [`Reporter`].
//!
//! | operation | module |
//! |---|---|
//! | plan (normal, destroy, refresh-only) | [`plan`](mod@plan) |
//! | apply a fresh or a saved plan, destroy | [`apply`](mod@apply) |
//! | refresh state from live objects | [`refresh`](mod@refresh) |
//! | import an existing object | [`import`](mod@import) |
//! | write live objects as code (`import --generate`, `--discover`) | [`generate`](mod@generate) |
//! | state rm / mv | [`edit`] |
//!
//! Readers of shared resources get their owners' state through the same [`StateStores`] as
//! their own, whatever backend and key the run uses.

pub mod apply;
pub mod edit;
pub mod generate;
pub mod import;
pub mod lock;
pub mod plan;
pub mod read;
pub mod refresh;

use std::sync::Arc;
use std::time::Duration;

use crate::addr::Address;
use crate::apply::recover::Recovery;
use crate::apply::{ApplyError, Progress, SilentProgress};
use crate::diag::Problems;
use crate::environment::Environment;
use crate::plan::{Plan, PlanError};
use crate::provider::{ProviderError, Providers};
use crate::state::{LockInfo, StateError, StateStore, StateStores, StateTarget, StateVersion, TargetKind};

pub use apply::{ApplyRequest, apply};
pub use edit::{state_mv, state_rm};
pub use import::import;
pub use lock::HeldLocks;
pub use plan::plan;
pub use refresh::refresh;

/// One environment's definition, with the state stores and providers a run works with.
#[derive(Clone, Copy)]
pub struct Workspace<'a> {
    /// The definition.
    pub env: &'a Environment,
    /// Where this environment's state, and its owners', are kept.
    pub states: &'a StateStores,
    /// The providers of the run's target.
    pub providers: &'a Providers,
    /// How the run behaves.
    pub options: &'a RunOptions,
}

impl Workspace<'_> {
    /// This environment's state store.
    pub fn store(&self) -> Result<StateStore, OpsError> {
        Ok(self.states.open(self.env.name())?)
    }
}

/// How a run behaves, whatever the operation.
#[derive(Clone)]
pub struct RunOptions {
    /// How long the state lock lives without renewal (a heartbeat renews it every third).
    pub lock_ttl: Duration,
    /// Provider calls in flight at once.
    pub parallelism: usize,
    /// Stand in for unset secrets (the simulator only; real clouds need real secrets).
    pub placeholder_secrets: bool,
    /// The version of the environment's own state its definition was built from, for
    /// definitions that depend on it (`Some(None)`: built before any state existed). An
    /// operation that finds another version under the lock refuses to go on.
    pub defined_from: Option<Option<StateVersion>>,
    /// The target the run's providers talk to; a state recorded for another one is refused
    /// (`None`: not checked, nor recorded).
    pub target: Option<TargetKind>,
    /// Where the locks the run takes are registered, for a front end to release them when it
    /// leaves early.
    pub held: Option<Arc<HeldLocks>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            lock_ttl: Duration::from_secs(300),
            parallelism: 10,
            placeholder_secrets: false,
            defined_from: None,
            target: None,
            held: None,
        }
    }
}

/// What a person should see or decide while an operation runs.
///
/// Every method has a default that says nothing and approves, for tests and benchmarks.
pub trait Reporter: Progress {
    /// Recovery settled operations an interrupted apply left unfinished.
    fn recovered(&self, _recovered: &[Recovery]) {}

    /// A lock whose holder is gone (a process of this host that no longer runs) is being taken
    /// over.
    fn lock_taken_over(&self, _previous: &LockInfo) {}

    /// The state lock could not be released at the end (it expires on its own).
    fn unlock_failed(&self, _error: &StateError) {}

    /// A fresh plan that an apply is about to act on, shown before [`Reporter::approve`].
    fn planned(&self, _plan: &Plan) {}

    /// Whether to apply `plan`; `Ok(false)` cancels with nothing changed.
    fn approve(&self, _plan: &Plan) -> Result<bool, OpsError> {
        Ok(true)
    }
}

impl Reporter for SilentProgress {}

/// Why an operation failed. Nothing is half-written: state is either as it was, or holds every
/// operation that completed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Reading, writing or locking state failed.
    #[error(transparent)]
    State(Box<StateError>),
    /// No plan could be made.
    #[error(transparent)]
    Plan(Box<PlanError>),
    /// The apply could not start or could not save its work.
    #[error(transparent)]
    Apply(Box<ApplyError>),
    /// The definition is invalid; nothing was called.
    #[error("{0}")]
    Invalid(Problems),
    /// There is no state to work on.
    #[error("no state: apply first")]
    NoState,
    /// The resource is not in state.
    #[error("{0} is not in state")]
    NotInState(Address),
    /// Resources asked for twice.
    #[error("{0} is named more than once")]
    Repeated(Address),
    /// The resource is not declared.
    #[error("{0} is not declared; declare it before importing")]
    NotDeclared(Address),
    /// The resource is already managed.
    #[error("{0} is already managed; use `state rm` first to re-import")]
    AlreadyManaged(Address),
    /// Another environment manages this resource; this one only reads it.
    #[error(
        "{address} is read from environment `{owner}`, which manages it; this environment cannot import or own it (import it in `{owner}`)"
    )]
    Shared {
        /// The resource.
        address: Address,
        /// Its owner.
        owner: String,
    },
    /// No live object has that id.
    #[error("{address}: no object with id `{id}` exists")]
    NoSuchObject {
        /// The resource.
        address: Address,
        /// The id given.
        id: String,
    },
    /// The type has no code generator.
    #[error("`{type_name}` resources cannot be written as code; these types can: {}", crate::provider::boundary::list(&generated.iter().map(|t| &**t).collect::<Vec<_>>()))]
    NoGenerator {
        /// The type asked for.
        type_name: String,
        /// The types that can be.
        generated: Vec<&'static str>,
    },
    /// A live value could not be written as code.
    #[error(transparent)]
    Generate(#[from] crate::codegen::GenerateError),
    /// Listing a type's objects failed.
    #[error("discovering `{type_name}` objects: {source}")]
    Discover {
        /// The type.
        type_name: String,
        /// What the provider said.
        #[source]
        source: ProviderError,
    },
    /// A provider call failed.
    #[error("{address}: {source}")]
    Provider {
        /// The resource.
        address: Address,
        /// What the provider said.
        #[source]
        source: ProviderError,
    },
    /// `state mv` between types.
    #[error("cannot move {from} to {to}: the types differ")]
    TypesDiffer {
        /// From.
        from: Address,
        /// To.
        to: Address,
    },
    /// `state mv` onto an address in use.
    #[error("{0} is already in state")]
    AlreadyInState(Address),
    /// A saved plan made for another environment.
    #[error("the plan is for environment `{plan}`, not `{env}`")]
    WrongEnvironment {
        /// The plan's environment.
        plan: String,
        /// This environment.
        env: String,
    },
    /// A saved plan resolved an owner's state that has moved since.
    #[error(
        "the plan is stale: it read the state of `{owner}` at {planned}, but that state is now {current}; make a new plan (nothing was changed)"
    )]
    OwnerMoved {
        /// The owning environment.
        owner: String,
        /// Its version when planned.
        planned: String,
        /// Its version now.
        current: String,
    },
    /// A plan that read an owner's planned values (before it applied) cannot be applied.
    #[error(
        "this plan read what `{0}` had not applied yet; apply `{0}` first, then make a new plan (nothing was changed)"
    )]
    OwnerNotApplied(String),
    /// The environment's state moved after its definition was built from it.
    #[error(
        "the state of `{0}` changed while its definition was being built from it (another run wrote it); nothing was changed, run the command again"
    )]
    DefinitionStale(String),
    /// The state's objects live in another target than the run's.
    #[error(
        "the state of `{environment}` records objects in {recorded}, but this run targets {run}; nothing was read or changed. Run with --cloud {flag} to work on it, or keep this target's state elsewhere (--state-dir or --backend)"
    )]
    WrongTarget {
        /// The environment.
        environment: String,
        /// What its state records.
        recorded: StateTarget,
        /// The run's target.
        run: TargetKind,
        /// The `--cloud` value that matches the state.
        flag: &'static str,
    },
    /// Refresh could not write what it read.
    #[error("refresh could not update state")]
    RefreshFailed,
    /// The person declined.
    #[error("{0} cancelled; nothing was changed")]
    Cancelled(&'static str),
    /// A front end could not ask or answer (no terminal, a closed input).
    #[error("{0}")]
    Interaction(String),
}

impl From<PlanError> for OpsError {
    fn from(e: PlanError) -> Self {
        OpsError::Plan(Box::new(e))
    }
}

impl From<ApplyError> for OpsError {
    fn from(e: ApplyError) -> Self {
        OpsError::Apply(Box::new(e))
    }
}

impl From<StateError> for OpsError {
    fn from(e: StateError) -> Self {
        OpsError::State(Box::new(e))
    }
}

impl From<Problems> for OpsError {
    fn from(problems: Problems) -> Self {
        OpsError::Invalid(problems)
    }
}
