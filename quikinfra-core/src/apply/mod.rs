//! Applying a plan: walk its operations in dependency order with bounded parallelism,
//! calling providers and checkpointing state after every completed operation.
//!
//! [`apply`] first refuses a stale plan (the state's lineage or serial moved since planning,
//! or state appeared where the plan expected none). It then turns the plan into operations
//! ([`ops`]), starts each the moment everything it waits for has finished (no level barriers),
//! and writes state after each completion (completions that land together share one write;
//! on a backend with a log, one appended entry, and the fold of the log into the document is
//! written while calls are in flight, so no dependent waits for it).
//! On the first failure it stops scheduling, lets in-flight operations finish, saves state and
//! reports every failure by address.

pub mod ops;
pub mod progress;
pub mod recover;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::addr::Address;
use crate::plan::{Action, Plan, PlanMode, Reason, ResourceChange};
use crate::provider::{CreateRequest, Created, DeleteRequest, ErrorKind, ProviderError, Providers, UpdateRequest};
use crate::schema::Schema;
use crate::state::backend::describe_version;
use crate::state::{DeposedObject, PendingOp, ResourceState, State, StateError, StateStore};
use crate::value::{Attrs, Value, fingerprint, read_secret};

use ops::{Op, OpKind, Operations};
pub use progress::{Event, Progress, SilentProgress};

/// Options for one apply.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Operations in flight at once.
    pub parallelism: usize,
    /// How often to report operations still running.
    pub still_running_every: Duration,
    /// Set to stop scheduling new operations (first Ctrl-C); in-flight ones finish.
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
    /// Stand in for unset secrets (the simulator target only), as the plan did.
    pub placeholder_secrets: bool,
    /// The target this apply writes to, recorded in state with every checkpoint (`None`:
    /// leave whatever is recorded).
    pub target: Option<crate::state::TargetKind>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            parallelism: 10,
            still_running_every: Duration::from_secs(10),
            stop: None,
            placeholder_secrets: false,
            target: None,
        }
    }
}

/// Why an apply could not start or could not save its work.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The plan no longer matches the state.
    #[error(
        "the plan is stale: it was made from {planned}, but the state is now {current}; make a new plan (nothing was changed)"
    )]
    Stale {
        /// The version the plan was made from.
        planned: String,
        /// The version stored now.
        current: String,
    },
    /// The plan is for another environment.
    #[error("the plan is for environment `{plan}`, not `{env}`")]
    WrongEnvironment {
        /// The plan's environment.
        plan: String,
        /// The environment applying it.
        env: String,
    },
    /// Secrets changed since the plan was made: found before any call, so nothing was changed.
    #[error(
        "secrets changed since the plan was made: {}; make a new plan (nothing was changed)",
        .0.join(", ")
    )]
    SecretsChanged(Vec<String>),
    /// A resource type in the plan has no schema in this program.
    #[error("{0}: resource type is unknown to this program")]
    UnknownType(Address),
    /// Reading or writing state failed.
    #[error(transparent)]
    State(#[from] StateError),
}

/// One operation that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The resource.
    pub address: Address,
    /// What was attempted.
    pub action: Action,
    /// The provider's message.
    pub message: String,
}

/// What an apply did.
#[derive(Debug)]
pub struct ApplyReport {
    /// Completed operations, in completion order.
    pub completed: Vec<(Address, OpKind)>,
    /// Every failed operation.
    pub failures: Vec<Failure>,
    /// Operations never started because the apply stopped.
    pub not_started: Vec<Address>,
    /// Whether the apply was stopped by request.
    pub interrupted: bool,
    /// The state as last written.
    pub state: State,
    /// Counts for `Apply complete! Resources: X added, Y changed, Z destroyed.`
    pub added: usize,
    /// Updated in place.
    pub changed: usize,
    /// Destroyed.
    pub destroyed: usize,
}

impl ApplyReport {
    /// Whether every operation succeeded.
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty() && !self.interrupted
    }
}

/// Applies `plan` to the state in `store`, calling `providers`.
///
/// `schemas` maps type names to schemas for every type the plan creates or updates.
pub async fn apply(
    plan: &Plan,
    schemas: &BTreeMap<&'static str, &'static Schema>,
    providers: &Providers,
    store: &StateStore,
    progress: &dyn Progress,
    opts: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let current = store.read().await?;
    if current.as_ref().map(|s| &s.version) != plan.prior_state.as_ref() {
        return Err(ApplyError::Stale {
            planned: describe_version(plan.prior_state.as_ref()),
            current: describe_version(current.as_ref().map(|s| &s.version)),
        });
    }
    if let Some(s) = &current
        && s.environment != plan.environment
    {
        return Err(ApplyError::WrongEnvironment { plan: plan.environment.clone(), env: s.environment.clone() });
    }
    for c in plan.actions() {
        if matches!(c.action, Action::Create | Action::Update | Action::Replace)
            && !schemas.contains_key(c.address.type_name())
        {
            return Err(ApplyError::UnknownType(c.address.clone()));
        }
    }
    check_secrets(plan, opts.placeholder_secrets)?;
    let mut run = Run {
        plan,
        schemas,
        providers,
        store,
        written: current.as_ref().map(|s| s.version.clone()),
        placeholder_secrets: opts.placeholder_secrets,
        target: opts.target,
        dirty: BTreeSet::new(),
        state: current.unwrap_or_else(|| State::new(&plan.environment, State::new_lineage())),
        added: 0,
        changed: 0,
        destroyed: 0,
    };
    let operations = Operations::from_plan(plan, &run.state);
    let mut completed = Vec::new();
    let mut failures = Vec::new();
    let mut interrupted = false;

    let mut waiting: Vec<usize> = operations.ops.iter().map(|o| o.after.len()).collect();
    let mut ready: BTreeSet<usize> = (0..operations.ops.len()).filter(|&i| waiting[i] == 0).collect();
    let mut started = vec![false; operations.ops.len()];
    let mut in_flight = FuturesUnordered::new();
    let mut running: BTreeMap<usize, (Instant, u64)> = BTreeMap::new();
    // What each running operation's provider last reported (`provider::progress`).
    let mut statuses: BTreeMap<usize, crate::provider::progress::Status> = BTreeMap::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stop = opts.stop.clone();
    let mut dirty = false;
    let parallelism = opts.parallelism.max(1);

    loop {
        if stop.as_ref().is_some_and(|s| *s.borrow()) {
            interrupted = true;
        }
        let stopping = interrupted || !failures.is_empty();
        // Intents first: what is about to be created or deleted is in state before any call.
        let mut starting = Vec::new();
        while !stopping && in_flight.len() + starting.len() < parallelism {
            let Some(i) = ready.pop_first() else { break };
            started[i] = true;
            let op = &operations.ops[i];
            let prepared = run.prepare(op);
            run.journal(op, &prepared);
            starting.push((i, prepared));
        }
        // One write records both the outcomes that just landed and the intents of what starts
        // next: a second write between dependency levels would sit on the critical path.
        if dirty || starting.iter().any(|(i, _)| run.journals(&operations.ops[*i])) {
            run.checkpoint().await?;
            dirty = false;
        }
        for (i, prepared) in starting {
            let op = &operations.ops[i];
            let change = &plan.resource_changes[op.change];
            progress.event(Event::Started { address: change.address.clone(), kind: op.kind, deposed: change.deposed });
            running.insert(i, (Instant::now(), 0));
            let status = crate::provider::progress::Status::default();
            statuses.insert(i, status.clone());
            in_flight.push(status.scope(run.execute(i, op, prepared)));
        }
        if in_flight.is_empty() {
            break;
        }
        // A fold that is due is written while calls are in flight, not between a completion
        // and what it unblocks: the calls just started are polled first (their requests go
        // out), then the state is written whole. A call done that soon is handled as if it
        // had landed during the fold.
        let mut landed = None;
        if run.store.fold_due() {
            landed = in_flight.next().now_or_never().flatten();
            run.fold().await?;
        }
        let first = if landed.is_some() {
            landed
        } else {
            tokio::select! {
                done = in_flight.next() => done,
                _ = ticker.tick() => {
                    for (&i, (since, reported)) in running.iter_mut() {
                        let steps = since.elapsed().as_millis() / opts.still_running_every.as_millis().max(1);
                        if steps as u64 > *reported {
                            *reported = steps as u64;
                            let op = &operations.ops[i];
                            let change = &plan.resource_changes[op.change];
                            let detail = statuses.get(&i).and_then(crate::provider::progress::Status::get);
                            progress.event(Event::StillRunning { address: change.address.clone(), kind: op.kind, elapsed: since.elapsed(), detail });
                        }
                    }
                    None
                }
                _ = wait_for_stop(&mut stop) => { interrupted = true; None }
            }
        };
        let Some(first) = first else { continue };
        // Completions that landed together share one state write, and so do those that land
        // while these are recorded: a write stands between a completion and what it unblocks,
        // so one write for the many calls of a wide level keeps the next level together.
        let mut batch = vec![first];
        let mut newly_done = Vec::new();
        loop {
            while let Some(Some(more)) = in_flight.next().now_or_never() {
                batch.push(more);
            }
            if batch.is_empty() {
                break;
            }
            for (i, outcome) in batch.drain(..) {
                let op = &operations.ops[i];
                let change = &plan.resource_changes[op.change];
                let elapsed = running.remove(&i).map(|(s, _)| s.elapsed()).unwrap_or_default();
                statuses.remove(&i);
                run.settle(op);
                match outcome {
                    Ok(result) => {
                        run.record(op, result);
                        progress.event(Event::Finished {
                            address: change.address.clone(),
                            kind: op.kind,
                            id: run.state.resources.get(&change.address).map(|r| r.id.clone()),
                            elapsed,
                        });
                        completed.push((change.address.clone(), op.kind));
                        newly_done.push(i);
                    }
                    Err(Failed { message, left_behind }) => {
                        if let Some(made) = left_behind {
                            run.record_left_behind(op, made);
                        }
                        progress.event(Event::Failed {
                            address: change.address.clone(),
                            kind: op.kind,
                            message: message.clone(),
                            elapsed,
                        });
                        failures.push(Failure { address: change.address.clone(), action: change.action, message });
                    }
                }
            }
        }
        // Written at the top of the loop, before anything else starts or the walk ends.
        dirty = true;
        for i in newly_done {
            for &next in &operations.dependents[i] {
                waiting[next] -= 1;
                if waiting[next] == 0 {
                    ready.insert(next);
                }
            }
        }
    }

    // A destroy takes the outputs of what it destroyed with it.
    if plan.mode == PlanMode::Destroy && failures.is_empty() && !interrupted && plan.outputs != run.state.outputs {
        run.state.outputs = plan.outputs.clone();
        run.checkpoint().await?;
    }
    // Outputs, once everything that succeeded is recorded.
    if plan.mode == PlanMode::Normal && failures.is_empty() && !interrupted {
        let resources = &run.state.resources;
        let outputs: BTreeMap<String, Value> = plan
            .outputs
            .iter()
            .map(|(name, value)| {
                let v = value.resolve_with(&mut |r| {
                    resources.get(&r.address).and_then(|rs| rs.attributes.get(&r.attribute)).cloned()
                });
                (name.clone(), v)
            })
            .collect();
        if outputs != run.state.outputs {
            run.state.outputs = outputs;
            run.checkpoint().await?;
        }
    }
    // Checkpoints kept in the log are folded into the state document before the apply ends.
    if run.store.has_unfolded_entries() {
        run.fold().await?;
    }
    let not_started = operations
        .ops
        .iter()
        .enumerate()
        .filter(|(i, _)| !started[*i])
        .map(|(_, o)| plan.resource_changes[o.change].address.clone())
        .collect();
    Ok(ApplyReport {
        completed,
        failures,
        not_started,
        interrupted,
        added: run.added,
        changed: run.changed,
        destroyed: run.destroyed,
        state: run.state,
    })
}

async fn wait_for_stop(stop: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    match stop {
        Some(rx) => {
            if rx.wait_for(|s| *s).await.is_err() {
                std::future::pending::<()>().await
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// What an operation needs, resolved from state when it starts.
enum Prepared {
    Create { config: Attrs },
    Update { config: Attrs, id: String, prior: Attrs, changed: Vec<String> },
    Delete { id: String, prior: Attrs },
    Read,
    StateOnly,
    Invalid(String),
}

/// What an operation produced.
enum Outcome {
    Created { id: String, attrs: Attrs },
    Updated { attrs: Attrs },
    Deleted,
    Read,
    StateOnly,
}

/// A failed operation: the provider's message and, for a create, the object it made before
/// failing when [`Provider::find`](crate::provider::Provider::find) finds one.
struct Failed {
    message: String,
    left_behind: Option<Created>,
}

impl From<String> for Failed {
    fn from(message: String) -> Self {
        Self { message, left_behind: None }
    }
}

/// After a create failed for another reason than a conflict (the object was made, then
/// configuring it failed for good), looks for the object it may have made, so it is recorded
/// instead of orphaned: the next plan then brings it to the definition. A conflict means the
/// object there is not this create's, and a look-up that cannot tell leaves the error as it is.
async fn left_behind(providers: &Providers, family: &str, req: CreateRequest<'_>, e: ProviderError) -> Failed {
    if e.kind == ErrorKind::Conflict {
        return Failed::from(e.message);
    }
    match providers.find(family, req).await {
        Ok(Some(made)) => Failed {
            message: format!(
                "{}; the object it made (id {}) is recorded in state, and the next plan brings it to the definition",
                e.message, made.id
            ),
            left_behind: Some(made),
        },
        _ => Failed::from(e.message),
    }
}

/// Every secret the plan will send, read now and compared with the fingerprint planned, so a
/// secret changed (or unset) since planning stops the apply before its first call rather than
/// at that resource's turn.
fn check_secrets(plan: &Plan, placeholders: bool) -> Result<(), ApplyError> {
    let mut changed = Vec::new();
    for c in plan.actions().filter(|c| matches!(c.action, Action::Create | Action::Update | Action::Replace)) {
        for (name, value) in c.after.iter().flatten() {
            let Value::Secret(spec) = value else { continue };
            let Some(planned) = &spec.fingerprint else { continue };
            let now = read_secret(spec, placeholders).map(|secret| fingerprint(&c.address, name, &secret));
            if now.as_deref() != Some(planned.as_str()) {
                let what = if now.is_none() { "is not set" } else { "changed" };
                changed.push(format!("`{}` ({}.{name}) {what}", spec.env, c.address));
            }
        }
    }
    if changed.is_empty() { Ok(()) } else { Err(ApplyError::SecretsChanged(changed)) }
}

/// The mutable side of one apply: the working state and counters.
struct Run<'a> {
    plan: &'a Plan,
    schemas: &'a BTreeMap<&'static str, &'static Schema>,
    providers: &'a Providers,
    store: &'a StateStore,
    state: State,
    written: Option<crate::state::StateVersion>,
    /// Resources whose records changed since the last checkpoint.
    dirty: BTreeSet<Address>,
    placeholder_secrets: bool,
    target: Option<crate::state::TargetKind>,
    added: usize,
    changed: usize,
    destroyed: usize,
}

impl<'a> Run<'a> {
    fn change(&self, op: &Op) -> &'a ResourceChange {
        &self.plan.resource_changes[op.change]
    }

    /// Resolves references from the working state and secrets from the environment.
    fn prepare(&self, op: &Op) -> Prepared {
        let change = self.change(op);
        match op.kind {
            OpKind::Destroy => {
                let (id, prior) = match (&op.deposed_id, self.state.resources.get(&change.address)) {
                    (Some(id), Some(rs)) => {
                        let prior = rs.deposed.iter().find(|d| &d.id == id).map(|d| d.attributes.clone());
                        (id.clone(), prior.unwrap_or_default())
                    }
                    (Some(id), None) => (id.clone(), Attrs::new()),
                    (None, Some(rs)) => (rs.id.clone(), rs.attributes.clone()),
                    (None, None) => match &change.id {
                        Some(id) => (id.clone(), change.before.clone().unwrap_or_default()),
                        None => return Prepared::Invalid("nothing to delete: no id in state or plan".into()),
                    },
                };
                Prepared::Delete { id, prior }
            }
            OpKind::Refresh => Prepared::Read,
            OpKind::Apply => {
                let schema = self.schemas[change.address.type_name()];
                let mut config = Attrs::new();
                for (name, value) in change.after.iter().flatten() {
                    if !schema.attr(name).is_some_and(|a| a.is_input()) {
                        continue;
                    }
                    // Left out of the definition: the cloud picks it.
                    if *value == Value::Unknown {
                        continue;
                    }
                    match self.resolve(&change.address, name, value) {
                        Ok(v) => {
                            config.insert(*name, v);
                        }
                        Err(e) => return Prepared::Invalid(e),
                    }
                }
                match (change.action, self.state.resources.get(&change.address)) {
                    (Action::Update, Some(_)) if change.reason == Some(Reason::StateOnly) => Prepared::StateOnly,
                    (Action::Update, Some(rs)) => Prepared::Update {
                        config,
                        id: rs.id.clone(),
                        prior: rs.attributes.clone(),
                        changed: change.changes.iter().map(|c| c.name.clone()).collect(),
                    },
                    (Action::Update, None) => Prepared::Invalid("nothing to update: not in state".into()),
                    _ => Prepared::Create { config },
                }
            }
        }
    }

    fn resolve(&self, address: &Address, name: &str, value: &Value) -> Result<Value, String> {
        let mut missing = None;
        let resolved = value.resolve_with(&mut |r| {
            let v = self.state.resources.get(&r.address).and_then(|rs| rs.attributes.get(&r.attribute)).cloned();
            if v.is_none() {
                missing = Some(r.to_string());
            }
            v
        });
        if let Some(r) = missing {
            return Err(format!("attribute `{name}`: reference `{r}` has no value"));
        }
        match resolved {
            Value::Secret(spec) => {
                let secret = read_secret(&spec, self.placeholder_secrets).ok_or_else(|| {
                    format!("attribute `{name}`: secret environment variable `{}` is not set", spec.env)
                })?;
                if spec.fingerprint.as_deref() != Some(fingerprint(address, name, &secret).as_str()) {
                    return Err(format!(
                        "attribute `{name}`: secret `{}` changed since the plan was made; make a new plan",
                        spec.env
                    ));
                }
                Ok(Value::String(secret))
            }
            v if v.is_known() => Ok(v),
            _ => Err(format!("attribute `{name}` is still unknown when applying")),
        }
    }

    fn execute(
        &self,
        i: usize,
        op: &Op,
        prepared: Prepared,
    ) -> impl Future<Output = (usize, Result<Outcome, Failed>)> + 'a {
        let change = self.change(op);
        let providers = self.providers;
        let schema = self.schemas.get(change.address.type_name()).copied();
        async move {
            let address = &change.address;
            let family = change.provider.as_str();
            let result = match prepared {
                Prepared::Invalid(message) => Err(message),
                Prepared::Read => Ok(Outcome::Read),
                Prepared::StateOnly => Ok(Outcome::StateOnly),
                Prepared::Create { config } => {
                    let schema = schema.expect("checked before starting");
                    let req = CreateRequest::new(address, schema, &config);
                    match providers.create(family, req).await {
                        Ok(c) => Ok(Outcome::Created { id: c.id, attrs: c.attrs }),
                        Err(e) => return (i, Err(left_behind(providers, family, req, e).await)),
                    }
                }
                Prepared::Update { config, id, prior, changed } => {
                    let schema = schema.expect("checked before starting");
                    let req =
                        UpdateRequest { address, schema, id: &id, prior: &prior, config: &config, changed: &changed };
                    providers.update(family, req).await.map(|attrs| Outcome::Updated { attrs }).map_err(|e| e.message)
                }
                Prepared::Delete { id, prior } => providers
                    .delete(family, DeleteRequest { address, id: &id, prior: &prior })
                    .await
                    .map(|()| Outcome::Deleted)
                    .map_err(|e| e.message),
            };
            (i, result.map_err(Failed::from))
        }
    }

    /// Whether `op` is journaled: creates and deletes are; in-place updates and refreshes
    /// cannot lose track of an object.
    fn journals(&self, op: &Op) -> bool {
        let change = self.change(op);
        match op.kind {
            OpKind::Destroy => true,
            OpKind::Apply => change.action != Action::Update,
            OpKind::Refresh => false,
        }
    }

    fn pending_key(&self, op: &Op) -> (Address, &'static str, Option<String>) {
        let change = self.change(op);
        match op.kind {
            OpKind::Destroy => {
                let id = op.deposed_id.clone().or_else(|| {
                    self.state.resources.get(&change.address).map(|r| r.id.clone()).or_else(|| change.id.clone())
                });
                (change.address.clone(), "delete", id)
            }
            _ => (change.address.clone(), "create", None),
        }
    }

    /// Records in the working state that `op` is about to start.
    fn journal(&mut self, op: &Op, prepared: &Prepared) {
        if !self.journals(op) {
            return;
        }
        let change = self.change(op);
        let (address, operation, id) = self.pending_key(op);
        let mut config = match prepared {
            Prepared::Create { config } => config.clone(),
            _ => Attrs::new(),
        };
        if let Some(schema) = self.schemas.get(address.type_name()) {
            config.retain(|name, _| !schema.attr(name).is_some_and(|a| a.sensitive));
        }
        let dependencies = if operation == "create" { change.dependencies.clone() } else { Vec::new() };
        self.state.pending.push(PendingOp {
            address,
            operation: operation.to_string(),
            provider: change.provider.clone(),
            id,
            config,
            dependencies,
            started: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        });
    }

    /// Removes `op`'s intent once its outcome, success or failure, is known.
    fn settle(&mut self, op: &Op) {
        if !self.journals(op) {
            return;
        }
        let (address, operation, id) = self.pending_key(op);
        if let Some(k) = self
            .state
            .pending
            .iter()
            .position(|p| p.address == address && p.operation == operation && (operation == "create" || p.id == id))
        {
            self.state.pending.remove(k);
        }
    }

    /// Records the object a failed create made (found after the failure) as the create's result,
    /// without counting it as added.
    fn record_left_behind(&mut self, op: &Op, made: Created) {
        self.record(op, Outcome::Created { id: made.id, attrs: made.attrs });
        self.added -= 1;
    }

    /// Records a completed operation in the working state.
    fn record(&mut self, op: &Op, outcome: Outcome) {
        let change = self.change(op);
        let address = &change.address;
        self.dirty.insert(address.clone());
        match outcome {
            Outcome::Created { id, attrs } => {
                let mut deposed = Vec::new();
                if let Some(old) = self.state.resources.remove(address) {
                    deposed = old.deposed;
                    if change.action == Action::Replace && change.lifecycle.create_before_destroy {
                        deposed.push(DeposedObject { id: old.id, attributes: old.attributes });
                    }
                }
                let attributes = self.keep_fingerprints(change, attrs);
                self.state.resources.insert(
                    address.clone(),
                    ResourceState {
                        provider: change.provider.clone(),
                        id,
                        attributes,
                        dependencies: change.dependencies.clone(),
                        lifecycle: change.lifecycle.clone(),
                        deposed,
                    },
                );
                self.added += 1;
            }
            Outcome::Updated { attrs } => {
                let attributes = self.keep_fingerprints(change, attrs);
                if let Some(rs) = self.state.resources.get_mut(address) {
                    rs.attributes = attributes;
                    rs.dependencies = change.dependencies.clone();
                    rs.lifecycle = change.lifecycle.clone();
                }
                self.changed += 1;
            }
            Outcome::Deleted => {
                match &op.deposed_id {
                    Some(id) => {
                        if let Some(rs) = self.state.resources.get_mut(address) {
                            rs.deposed.retain(|d| &d.id != id);
                        }
                    }
                    None => {
                        self.state.resources.remove(address);
                    }
                }
                self.destroyed += 1;
            }
            Outcome::StateOnly => {
                if let Some(rs) = self.state.resources.get_mut(address) {
                    rs.dependencies = change.dependencies.clone();
                    rs.lifecycle = change.lifecycle.clone();
                }
            }
            Outcome::Read => match &change.after {
                Some(attrs) => {
                    if let Some(rs) = self.state.resources.get_mut(address) {
                        rs.attributes = attrs.clone();
                    }
                }
                None => {
                    self.state.resources.remove(address);
                }
            },
        }
    }

    /// State keeps fingerprints, never values, for sensitive attributes.
    fn keep_fingerprints(&self, change: &ResourceChange, mut attrs: Attrs) -> Attrs {
        let Some(schema) = self.schemas.get(change.address.type_name()) else { return attrs };
        for a in schema.attributes.iter().filter(|a| a.sensitive) {
            attrs.remove(a.name);
            match change.after.as_ref().and_then(|after| after.get(a.name)) {
                Some(Value::Secret(spec)) => {
                    if let Some(fp) = &spec.fingerprint {
                        attrs.insert(a.name.to_string(), Value::Sensitive(fp.clone()));
                    }
                }
                Some(Value::Sensitive(fp)) => {
                    attrs.insert(a.name.to_string(), Value::Sensitive(fp.clone()));
                }
                _ => {}
            }
        }
        attrs
    }

    /// Folds the log into the state document: the version last checkpointed, written whole.
    /// Called only when the working state is that version (nothing recorded since).
    async fn fold(&mut self) -> Result<(), StateError> {
        debug_assert!(self.dirty.is_empty(), "a fold writes only what was checkpointed");
        self.store.write(&self.state, self.written.as_ref()).await
    }

    /// Writes the working state, one serial further, guarded by the version last written.
    async fn checkpoint(&mut self) -> Result<(), StateError> {
        self.state.version.serial = match &self.written {
            None => 1,
            Some(v) => v.serial.checked_add(1).ok_or(StateError::SerialExhausted)?,
        };
        self.state.writer = crate::VERSION.to_string();
        if let Some(kind) = self.target {
            // The first checkpoint reads every record; later ones what changed.
            let changed = self.written.is_some().then_some(&self.dirty);
            crate::state::target::record_seen(&mut self.state, kind, changed);
        }
        self.store.checkpoint(&self.state, &self.dirty, self.written.as_ref()).await?;
        self.dirty.clear();
        self.written = Some(self.state.version.clone());
        Ok(())
    }
}
