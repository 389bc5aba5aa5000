//! Building a plan: validate, resolve secrets, refresh, detect drift, diff, decide actions.
//!
//! [`plan`] is a function of the definition, the prior state and what providers report live.
//! It never calls a provider's write operations. Steps, in order:
//! 1. validate the definition (all problems at once) and resolve secrets to fingerprints;
//! 2. refresh every resource in state concurrently through the provider boundary;
//! 3. report drift: state versus live, per attribute;
//! 4. walk resources in dependency order deciding no-op / create / update / replace, resolving
//!    references to values already known and leaving the rest as `(known after apply)`; a live
//!    object whose schema says it failed (`provisioning_state = "Failed"`) is updated even when
//!    nothing differs, the definition sent again to repair it ([`Reason::Repair`]);
//! 5. delete what is in state but no longer declared; honour `prevent_destroy`.
//!
//! The scope (`--target`, `--exclude`) follows the direction of the plan. A normal plan takes a
//! target with what it depends on (it cannot be created without them) and leaves an excluded
//! resource out with what depends on it. A destroy plan takes a target with what depends on it
//! (nothing may outlive what it needs) and keeps an excluded resource with what it depends on;
//! its edges come from the definition and from the dependencies state recorded, since it covers
//! resources no longer declared. An address naming nothing, and flags leaving nothing in scope,
//! are errors of their own. In a destroy, a resource whose object is already gone is planned as
//! a read finding nothing: the apply only removes it from state, calling no provider, and it
//! counts nowhere.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use futures_util::StreamExt;
use futures_util::stream;

use super::{Action, AttrChange, Drift, DriftKind, ForcedBy, Plan, PlanMode, Reason, ResourceChange};
use crate::addr::Address;
use crate::diag::Problems;
use crate::environment::Environment;
use crate::graph::Graph;
use crate::provider::{ProviderError, Providers, ReadRequest};
use crate::resource::ResourceNode;
use crate::schema::Schema;
use crate::state::{ResourceState, State};
use crate::value::{Attrs, Name, Reference, Value, fingerprint, read_secret};

/// Options for one plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// What the plan is for.
    pub mode: PlanMode,
    /// Read live state first (`--refresh=false` turns it off).
    pub refresh: bool,
    /// Only these resources and their dependencies (`--target`).
    pub targets: Vec<Address>,
    /// Not these resources nor their dependents (`--exclude`).
    pub excludes: Vec<Address>,
    /// Replace these even if unchanged (`--replace`).
    pub replace: Vec<Address>,
    /// Provider calls in flight at once during refresh.
    pub parallelism: usize,
    /// Stand in for unset secrets (the simulator target only; real clouds need real secrets).
    pub placeholder_secrets: bool,
    /// The states of the environments owning resources this one reads (`add_shared`), by name.
    pub shared: BTreeMap<String, State>,
    /// Plans of owners that have not applied yet, made in the same run (an estate plan): a
    /// shared resource their state lacks but their plan creates is read from the plan, its
    /// computed values unknown until the owner applies.
    pub pending: BTreeMap<String, super::Plan>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            mode: PlanMode::Normal,
            refresh: true,
            targets: Vec::new(),
            excludes: Vec::new(),
            replace: Vec::new(),
            parallelism: 10,
            placeholder_secrets: false,
            shared: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The definition is invalid; nothing was called.
    #[error("{0}")]
    Invalid(Problems),
    /// The plan would destroy resources protected by `prevent_destroy`.
    #[error("{}", prevent_destroy_message(.0))]
    PreventDestroy(Vec<(Address, String)>),
    /// Reading live objects failed.
    #[error("{}", refresh_message(.0))]
    Refresh(Vec<(Address, ProviderError)>),
    /// `--target`, `--exclude` or `--replace` names a resource neither the definition nor the
    /// state has; nothing was called.
    #[error("{}", unknown_addresses_message(.0))]
    UnknownAddress(Vec<UnknownAddress>),
    /// `--target` and `--exclude` leave no resource in scope; nothing was called.
    #[error("{}", empty_scope_message(*.mode, .targets, .excludes))]
    EmptyScope {
        /// What the plan was for (the flags' closures depend on it).
        mode: PlanMode,
        /// The `--target` addresses.
        targets: Vec<Address>,
        /// The `--exclude` addresses.
        excludes: Vec<Address>,
    },
}

/// A scope flag's address that names no resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownAddress {
    /// The flag: `--target`, `--exclude` or `--replace`.
    pub flag: &'static str,
    /// The address given.
    pub address: Address,
    /// The closest address the definition or the state has, when one is close.
    pub closest: Option<Address>,
}

fn unknown_addresses_message(list: &[UnknownAddress]) -> String {
    let lines: Vec<String> = list
        .iter()
        .map(|u| {
            let mut line = format!("{}: {}: no such resource in the definition or the state", u.address, u.flag);
            if let Some(closest) = &u.closest {
                line.push_str(&format!("; did you mean {closest}?"));
            }
            line
        })
        .collect();
    lines.join("\n")
}

fn empty_scope_message(mode: PlanMode, targets: &[Address], excludes: &[Address]) -> String {
    let flags: Vec<String> = targets
        .iter()
        .map(|a| format!("--target {a}"))
        .chain(excludes.iter().map(|a| format!("--exclude {a}")))
        .collect();
    let verb = if flags.len() == 1 { "leaves" } else { "leave" };
    let how = match mode {
        PlanMode::Destroy => {
            "in a destroy, --target takes each resource with what depends on it and --exclude keeps each resource with what it depends on"
        }
        PlanMode::Normal | PlanMode::RefreshOnly => {
            "--target takes each resource with what it depends on and --exclude leaves out each resource with what depends on it"
        }
    };
    format!("{} {verb} nothing in scope ({how}); nothing was planned", flags.join(" "))
}

fn prevent_destroy_message(list: &[(Address, String)]) -> String {
    let mut out = String::from("the plan would destroy resources protected by lifecycle.prevent_destroy:\n");
    for (address, why) in list {
        out.push_str(&format!("  - {address}: {why}\n"));
    }
    out.push_str(
        "to destroy one on purpose, first apply its definition without prevent_destroy; \
         to stop managing it without destroying it, use `state rm ADDRESS`",
    );
    out
}

fn refresh_message(list: &[(Address, ProviderError)]) -> String {
    // Resources failing the same way (missing credentials, an unreachable endpoint) are named
    // together, with the reason once.
    let mut by_message: Vec<(&str, Vec<&Address>)> = Vec::new();
    for (address, e) in list {
        match by_message.iter_mut().find(|(m, _)| *m == e.message) {
            Some((_, addresses)) => addresses.push(address),
            None => by_message.push((&e.message, vec![address])),
        }
    }
    let mut out = String::from("reading live objects failed:");
    for (message, addresses) in by_message {
        let names: Vec<String> = addresses.iter().map(ToString::to_string).collect();
        out.push_str(&format!("\n  - {}: {message}", names.join(", ")));
    }
    out
}

/// The desired attributes of each declared resource with secrets resolved to fingerprints,
/// or the problems found (unset secret variables, sensitive attributes given as literals,
/// types no provider serves).
pub fn resolve_desired(env: &Environment, providers: &Providers, placeholders: bool) -> Result<Vec<Attrs>, Problems> {
    resolve_desired_in(env, providers, placeholders, &|_| true)
}

/// Like [`resolve_desired`], checking only the resources `in_scope` accepts: a plan scoped
/// with `--target` / `--exclude` needs neither providers nor secrets for what it leaves out
/// (their attributes are returned as declared, secrets unresolved).
pub fn resolve_desired_in(
    env: &Environment,
    providers: &Providers,
    placeholders: bool,
    in_scope: &dyn Fn(&Address) -> bool,
) -> Result<Vec<Attrs>, Problems> {
    let mut problems = Problems::default();
    let mut out = Vec::with_capacity(env.resources().len());
    for node in env.resources() {
        if !in_scope(&node.address) {
            out.push(node.attrs.clone());
            continue;
        }
        if let Err(why) = providers.check_serves(node.schema.provider, node.schema.type_name) {
            problems.push(Some(&node.address), None, why);
        }
        // Shared with the definition unless a secret's fingerprint is filled in.
        let mut attrs = node.attrs.clone();
        let mut fingerprints = Vec::new();
        for (name, value) in node.attrs.iter() {
            let sensitive = node.schema.attr(name).is_some_and(|a| a.sensitive);
            match value {
                Value::Secret(spec) => match read_secret(spec, placeholders) {
                    Some(secret) => fingerprints.push((*name, fingerprint(&node.address, name, &secret))),
                    None => problems.push(
                        Some(&node.address),
                        Some(name),
                        format!("secret environment variable `{}` is not set", spec.env),
                    ),
                },
                _ if sensitive => problems.push(
                    Some(&node.address),
                    Some(name),
                    "sensitive attribute must be given as a secret (e.g. `Secret::from_env`), never a literal",
                ),
                _ => {}
            }
        }
        for (name, print) in fingerprints {
            if let Some(Value::Secret(spec)) = attrs.get_mut(&name) {
                spec.fingerprint = Some(print);
            }
        }
        out.push(attrs);
    }
    if problems.is_empty() { Ok(out) } else { Err(problems.sorted()) }
}

/// Makes a plan for `env` from `prior` state, reading live objects through `providers`.
pub async fn plan(
    env: &Environment,
    prior: Option<&State>,
    providers: &Providers,
    opts: &PlanOptions,
) -> Result<Plan, PlanError> {
    let graph = crate::validate::validate(env).map_err(PlanError::Invalid)?;
    let empty = BTreeMap::new();
    let state_resources = prior.map_or(&empty, |s| &s.resources);
    let declared: HashMap<&Address, usize> = env.resources().iter().enumerate().map(|(i, n)| (&n.address, i)).collect();

    // Which resources this plan touches.
    let scope = Scope::new(env, &graph, state_resources, opts)?;
    let desired = resolve_desired_in(env, providers, opts.placeholder_secrets, &|a| scope.includes(a))
        .map_err(PlanError::Invalid)?;

    // Resources owned by other environments: found through the owner's state.
    let mut pending = BTreeMap::new();
    let shared = match opts.mode {
        PlanMode::Normal => shared_resources(env, state_resources, opts, &mut pending, &|a| scope.includes(a))
            .map_err(PlanError::Invalid)?,
        PlanMode::Destroy | PlanMode::RefreshOnly => BTreeMap::new(),
    };

    // Refresh what state tracks and what is read from other environments.
    let to_read: Vec<(&Address, &ResourceState)> = state_resources.iter().filter(|(a, _)| scope.includes(a)).collect();
    let reads: Vec<(&Address, &ResourceState)> =
        to_read.iter().copied().chain(shared.iter().map(|(a, (_, rs))| (*a, *rs))).collect();
    let schemas = env.schemas();
    let mut live =
        if opts.refresh { refresh(providers, &schemas, &reads, opts.parallelism).await? } else { HashMap::default() };
    let gone: Vec<&Address> =
        shared.keys().filter(|a| opts.refresh && live.get(**a).is_some_and(Option::is_none)).copied().collect();
    if !gone.is_empty() {
        let mut problems = Problems::default();
        for a in gone {
            let owner = shared[a].0;
            problems.push(
                Some(a),
                None,
                format!("owned by environment `{owner}`, but the object no longer exists; apply `{owner}` first"),
            );
        }
        return Err(PlanError::Invalid(problems));
    }
    // What is live for a resource (what state recorded, without refresh). The walk below takes
    // its own resources' entries out of the map instead of copying them.
    let live_of = |live: &HashMap<Address, Option<Attrs>>, address: &Address, rs: &ResourceState| -> Option<Attrs> {
        if opts.refresh { live.get(address).cloned().flatten() } else { Some(rs.attributes.clone()) }
    };
    let take_live = |live: &mut HashMap<Address, Option<Attrs>>, address: &Address, rs: &ResourceState| {
        if opts.refresh { live.remove(address).flatten() } else { Some(rs.attributes.clone()) }
    };

    // Drift.
    let mut drift = Vec::new();
    if opts.refresh {
        for (address, rs) in &to_read {
            match live.get(*address) {
                Some(None) => {
                    drift.push(Drift { address: (*address).clone(), kind: DriftKind::Deleted, changes: vec![] })
                }
                Some(Some(now)) => {
                    let schema = declared.get(address).map(|&i| env.resources()[i].schema);
                    let changes = attr_changes(&rs.attributes, now, schema, |_| true);
                    if !changes.is_empty() {
                        drift.push(Drift { address: (*address).clone(), kind: DriftKind::Changed, changes });
                    }
                }
                None => {}
            }
        }
    }

    let mut changes = Vec::new();
    match opts.mode {
        PlanMode::RefreshOnly => {
            let drifted: HashMap<&Address, &Drift> = drift.iter().map(|d| (&d.address, d)).collect();
            for (address, rs) in &to_read {
                if let Some(d) = drifted.get(*address) {
                    changes.push(ResourceChange {
                        address: (*address).clone(),
                        provider: rs.provider.clone(),
                        action: Action::Read,
                        reason: (d.kind == DriftKind::Deleted).then_some(Reason::DeletedOutside),
                        id: Some(rs.id.clone()),
                        deposed: false,
                        before: Some(rs.attributes.clone()),
                        after: live_of(&live, address, rs),
                        changes: d.changes.clone(),
                        dependencies: rs.dependencies.clone(),
                        lifecycle: rs.lifecycle.clone(),
                    });
                }
            }
        }
        PlanMode::Destroy => {
            for (address, rs) in &to_read {
                let change = match live_of(&live, address, rs) {
                    None if opts.refresh => gone_change(address, rs),
                    now => delete_change(
                        address,
                        rs,
                        now.unwrap_or_else(|| rs.attributes.clone()),
                        Reason::DestroyRequested,
                    ),
                };
                changes.push(change);
            }
        }
        PlanMode::Normal => {
            let order = graph.topo_order().expect("validated graphs have no cycles");
            let mut desired = desired;
            let mut planned: Vec<Option<Planned>> = vec![None; graph.len()];
            for i in order {
                let address = graph.address(i);
                if !scope.includes(address) {
                    continue;
                }
                let node = &env.resources()[declared[address]];
                if let Some((owner, planned_by_owner)) = pending.get(address) {
                    planned[i] = Some(Planned { action: Action::NoOp, change: changes.len() });
                    changes.push(ResourceChange {
                        address: address.clone(),
                        provider: planned_by_owner.provider.clone(),
                        action: Action::NoOp,
                        reason: Some(Reason::SharedPending { owner: owner.to_string() }),
                        id: None,
                        deposed: false,
                        before: None,
                        after: planned_by_owner.after.clone(),
                        changes: vec![],
                        dependencies: vec![],
                        lifecycle: node.lifecycle.clone(),
                    });
                    continue;
                }
                if let Some((owner, rs)) = shared.get(address) {
                    let now = take_live(&mut live, address, rs).unwrap_or_else(|| rs.attributes.clone());
                    planned[i] = Some(Planned { action: Action::NoOp, change: changes.len() });
                    changes.push(ResourceChange {
                        address: address.clone(),
                        provider: rs.provider.clone(),
                        action: Action::NoOp,
                        reason: Some(Reason::Shared { owner: owner.to_string() }),
                        id: Some(rs.id.clone()),
                        deposed: false,
                        before: None,
                        after: Some(now),
                        changes: vec![],
                        dependencies: vec![],
                        lifecycle: node.lifecycle.clone(),
                    });
                    continue;
                }
                let mut resolved = std::mem::take(&mut desired[declared[address]]);
                resolve_references(&mut resolved, &|r| {
                    lookup_planned(&graph, &planned, &changes, state_resources, &live, opts.refresh, r)
                });
                let existing =
                    state_resources.get(address).and_then(|rs| take_live(&mut live, address, rs).map(|now| (rs, now)));
                let change = decide(node, resolved, existing, state_resources.contains_key(address), opts);
                planned[i] = Some(Planned { action: change.action, change: changes.len() });
                changes.push(change);
            }
            for (address, rs) in state_resources {
                if declared.contains_key(address) || !scope.includes(address) {
                    continue;
                }
                let now = live_of(&live, address, rs).unwrap_or_else(|| rs.attributes.clone());
                changes.push(delete_change(address, rs, now, Reason::NotInDefinition));
            }
        }
    }
    if opts.mode != PlanMode::RefreshOnly {
        for (address, rs) in state_resources.iter().filter(|(a, _)| scope.includes(a)) {
            for old in &rs.deposed {
                changes.push(ResourceChange {
                    address: address.clone(),
                    provider: rs.provider.clone(),
                    action: Action::Delete,
                    reason: Some(Reason::Deposed),
                    id: Some(old.id.clone()),
                    deposed: true,
                    before: Some(old.attributes.clone()),
                    after: None,
                    changes: vec![],
                    dependencies: vec![],
                    lifecycle: Default::default(),
                });
            }
        }
    }
    let changes = in_address_order(changes);
    drift.sort_by(|a, b| a.address.cmp(&b.address));

    let protected: Vec<(Address, String)> = changes
        .iter()
        .filter(|c| !c.deposed && matches!(c.action, Action::Delete | Action::Replace) && c.lifecycle.prevent_destroy)
        .map(|c| {
            let why = match (&c.action, &c.reason, scope.pulled_in_by.get(&c.address)) {
                (Action::Replace, _, _) => "the change requires replacement".to_string(),
                (_, Some(Reason::NotInDefinition), _) => "it is no longer in the definition".to_string(),
                (_, _, Some(target)) => format!("it depends on {target}, which --target destroys"),
                _ => "destroy was requested".to_string(),
            };
            (c.address.clone(), why)
        })
        .collect();
    if !protected.is_empty() {
        return Err(PlanError::PreventDestroy(protected));
    }

    let outputs = if opts.mode == PlanMode::Normal {
        let after: HashMap<&Address, &ResourceChange> =
            changes.iter().filter(|c| !c.deposed).map(|c| (&c.address, c)).collect();
        env.outputs()
            .iter()
            .map(|(name, value)| {
                let v = value.resolve_with(&mut |r| match after.get(&r.address) {
                    Some(c) => c.after.as_ref().and_then(|a| a.get(&r.attribute)).filter(|v| v.is_known()).cloned(),
                    None => state_resources.get(&r.address).and_then(|rs| rs.attributes.get(&r.attribute)).cloned(),
                });
                (name.clone(), v)
            })
            .collect()
    } else if opts.mode == PlanMode::Destroy {
        // What survives the destroy keeps its outputs; an output naming a destroyed resource
        // (or any output, once nothing is left) goes with it.
        let destroyed: BTreeSet<&Address> =
            changes.iter().filter(|c| c.action == Action::Delete && !c.deposed).map(|c| &c.address).collect();
        let left = state_resources.keys().any(|a| !destroyed.contains(a));
        let names_destroyed = |name: &str| {
            env.outputs().get(name).is_none_or(|v| v.references().iter().any(|r| destroyed.contains(&r.address)))
        };
        let prior_outputs = prior.map(|s| s.outputs.clone()).unwrap_or_default();
        prior_outputs.into_iter().filter(|(name, _)| left && !names_destroyed(name)).collect()
    } else {
        prior.map(|s| s.outputs.clone()).unwrap_or_default()
    };

    Ok(Plan {
        format_version: super::PLAN_FORMAT_VERSION.to_string(),
        quikinfra_version: crate::VERSION.to_string(),
        environment: env.name().to_string(),
        mode: opts.mode,
        prior_state: prior.map(|s| s.version.clone()),
        owners_state: opts.shared.iter().map(|(owner, state)| (owner.clone(), state.version.clone())).collect(),
        resource_changes: changes,
        drift,
        outputs,
        refreshed: opts.refresh,
    })
}

/// The resources this environment reads from their owners: address → (owner, owner's record).
/// A problem when the owner has no state or does not manage the resource yet, or when this
/// environment's own state still tracks it.
fn shared_resources<'a>(
    env: &'a Environment,
    state: &BTreeMap<Address, ResourceState>,
    opts: &'a PlanOptions,
    pending: &mut BTreeMap<&'a Address, (&'a str, &'a ResourceChange)>,
    in_scope: &dyn Fn(&Address) -> bool,
) -> Result<BTreeMap<&'a Address, (&'a str, &'a ResourceState)>, Problems> {
    let mut problems = Problems::default();
    let mut out = BTreeMap::new();
    for node in env.resources() {
        let Some(owner) = node.owner.as_deref() else { continue };
        // Left out with --target / --exclude: neither read nor required.
        if !in_scope(&node.address) {
            continue;
        }
        if state.contains_key(&node.address) {
            problems.push(
                Some(&node.address),
                None,
                format!(
                    "this environment's state still manages it, but the definition reads it from `{owner}`; hand it over with `state rm {}` (nothing is destroyed)",
                    node.address
                ),
            );
            continue;
        }
        let planned = || {
            opts.pending.get(owner)?.resource_changes.iter().find(|c| {
                c.address == node.address && !c.deposed && matches!(c.action, Action::Create | Action::Replace)
            })
        };
        match opts.shared.get(owner).and_then(|s| s.resources.get(&node.address)) {
            Some(rs) => {
                out.insert(&node.address, (owner, rs));
            }
            None if planned().is_some() => {
                pending.insert(&node.address, (owner, planned().expect("just found")));
            }
            None => problems.push(
                Some(&node.address),
                None,
                format!("owned by environment `{owner}`, which does not manage it yet; apply `{owner}` first"),
            ),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems.sorted()) }
}

/// What the walk has decided for a resource already visited: its action, and where its
/// change (with the attributes it will have) sits in the plan's list.
#[derive(Clone, Copy)]
struct Planned {
    action: Action,
    change: usize,
}

/// The resources a plan may touch, from `--target` and `--exclude`.
struct Scope {
    only: Option<BTreeSet<Address>>,
    excluded: BTreeSet<Address>,
    /// In a destroy: each resource a target brought in because it depends on it, with that
    /// target (the first in address order).
    pulled_in_by: BTreeMap<Address, Address>,
}

impl Scope {
    fn new(
        env: &Environment,
        graph: &Graph,
        state: &BTreeMap<Address, ResourceState>,
        opts: &PlanOptions,
    ) -> Result<Self, PlanError> {
        let known = || env.resources().iter().map(|n| &n.address).chain(state.keys());
        let is_known = |a: &Address| env.resource(a).is_some() || state.contains_key(a);
        let mut unknown = Vec::new();
        // Every known address, sorted, built once and only when some flag names an unknown one.
        let mut candidates: Option<Vec<&Address>> = None;
        for (flag, list) in [("--target", &opts.targets), ("--exclude", &opts.excludes), ("--replace", &opts.replace)] {
            for a in list.iter().filter(|a| !is_known(a)) {
                let all = candidates.get_or_insert_with(|| {
                    let mut all: Vec<&Address> = known().collect();
                    all.sort_unstable();
                    all.dedup();
                    all
                });
                let closest = closest(a, all.iter().copied()).cloned();
                unknown.push(UnknownAddress { flag, address: a.clone(), closest });
            }
        }
        if !unknown.is_empty() {
            return Err(PlanError::UnknownAddress(unknown));
        }
        let scope = match opts.mode {
            PlanMode::Destroy => Self::destroying(&destroy_graph(graph, state), opts),
            PlanMode::Normal | PlanMode::RefreshOnly => Self::converging(graph, opts),
        };
        let flagged = !opts.targets.is_empty() || !opts.excludes.is_empty();
        if flagged && !known().any(|a| scope.includes(a)) {
            return Err(PlanError::EmptyScope {
                mode: opts.mode,
                targets: opts.targets.clone(),
                excludes: opts.excludes.clone(),
            });
        }
        Ok(scope)
    }

    /// A normal or refresh-only plan: each target with what it depends on, without each
    /// excluded resource and what depends on it.
    fn converging(graph: &Graph, opts: &PlanOptions) -> Self {
        let to_addresses = |set: BTreeSet<usize>| set.into_iter().map(|i| graph.address(i).clone()).collect();
        let only = (!opts.targets.is_empty()).then(|| {
            let mut set: BTreeSet<Address> =
                to_addresses(graph.with_dependencies(opts.targets.iter().filter_map(|a| graph.index_of(a))));
            // Targeted resources only in state (to be deleted) are included by name.
            set.extend(opts.targets.iter().filter(|a| graph.index_of(a).is_none()).cloned());
            set
        });
        let mut excluded: BTreeSet<Address> =
            to_addresses(graph.with_dependents(opts.excludes.iter().filter_map(|a| graph.index_of(a))));
        excluded.extend(opts.excludes.iter().cloned());
        Self { only, excluded, pulled_in_by: BTreeMap::new() }
    }

    /// A destroy plan over `graph` (every known resource, see [`destroy_graph`]): each target
    /// with what depends on it, keeping each excluded resource and what it depends on.
    fn destroying(graph: &Graph, opts: &PlanOptions) -> Self {
        let to_addresses = |set: BTreeSet<usize>| set.into_iter().map(|i| graph.address(i).clone()).collect();
        let seeds = |list: &[Address]| list.iter().filter_map(|a| graph.index_of(a)).collect::<BTreeSet<usize>>();
        let targets = seeds(&opts.targets);
        let only = (!targets.is_empty()).then(|| to_addresses(graph.with_dependents(targets.iter().copied())));
        let mut pulled_in_by = BTreeMap::new();
        for &t in &targets {
            for i in graph.with_dependents([t]).into_iter().filter(|i| !targets.contains(i)) {
                pulled_in_by.entry(graph.address(i).clone()).or_insert_with(|| graph.address(t).clone());
            }
        }
        let excluded = to_addresses(graph.with_dependencies(seeds(&opts.excludes)));
        Self { only, excluded, pulled_in_by }
    }

    fn includes(&self, address: &Address) -> bool {
        self.only.as_ref().is_none_or(|s| s.contains(address)) && !self.excluded.contains(address)
    }
}

/// The graph a destroy is scoped on: every declared resource and every resource in state, each
/// depending on what the definition says and on what state recorded when it was last applied.
fn destroy_graph(graph: &Graph, state: &BTreeMap<Address, ResourceState>) -> Graph {
    let mut edges: BTreeMap<&Address, BTreeSet<Address>> = BTreeMap::new();
    for i in 0..graph.len() {
        edges.entry(graph.address(i)).or_default().extend(graph.deps(i).iter().map(|&d| graph.address(d).clone()));
    }
    for (address, rs) in state {
        edges.entry(address).or_default().extend(rs.dependencies.iter().cloned());
    }
    Graph::new(edges.into_iter().map(|(a, deps)| (a, deps.into_iter().collect())))
}

/// The candidate closest to `wanted` by edit distance, when it is close enough to be a typo: at
/// most a third of the length of the address's name, between 1 and 3 edits. Ties go to the
/// first in address order.
fn closest<'a>(wanted: &Address, candidates: impl IntoIterator<Item = &'a Address>) -> Option<&'a Address> {
    let limit = (wanted.name().chars().count() / 3).clamp(1, 3);
    let wanted = wanted.to_string();
    let mut scored: Vec<(usize, &Address)> =
        candidates.into_iter().map(|c| (edit_distance(&wanted, &c.to_string()), c)).collect();
    scored.sort();
    scored.into_iter().find(|(d, _)| *d <= limit).map(|(_, c)| c)
}

/// Edit distance between two strings, by chars: insertions, deletions, substitutions and
/// transpositions of adjacent characters each count one (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best =
                    (d[(i - 1) * width + j] + 1).min(d[i * width + j - 1] + 1).min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

async fn refresh(
    providers: &Providers,
    schemas: &BTreeMap<&'static str, &'static Schema>,
    resources: &[(&Address, &ResourceState)],
    parallelism: usize,
) -> Result<HashMap<Address, Option<Attrs>>, PlanError> {
    let results: Vec<(Address, Result<Option<Attrs>, ProviderError>)> = stream::iter(resources.iter())
        .map(|(address, rs)| async move {
            let req = ReadRequest { address, id: &rs.id, prior: &rs.attributes };
            let schema = schemas.get(address.type_name()).copied();
            let read = providers.read(&rs.provider, req).await.map(|live| {
                live.map(|mut now| {
                    // A provider may hand back a sensitive value (one set outside quikinfra):
                    // only its fingerprint goes further.
                    if let Some(schema) = schema {
                        crate::schema::mask_sensitive(schema, address, &mut now);
                    }
                    keep_sensitive(now, rs)
                })
            });
            ((*address).clone(), read)
        })
        .buffer_unordered(parallelism.max(1))
        .collect()
        .await;
    let mut live = HashMap::with_capacity_and_hasher(results.len(), Default::default());
    let mut failures = Vec::new();
    for (address, result) in results {
        match result {
            Ok(v) => {
                live.insert(address, v);
            }
            Err(e) => failures.push((address, e)),
        }
    }
    if failures.is_empty() {
        Ok(live)
    } else {
        failures.sort_by(|a, b| a.0.cmp(&b.0));
        Err(PlanError::Refresh(failures))
    }
}

/// `changes` by address (then current before deposed, then id). Indices are sorted and the
/// changes moved into place by following the permutation's cycles: a change is a few hundred
/// bytes, which a merge sort of 100,000 would move seventeen times, or copy once more.
fn in_address_order(mut changes: Vec<ResourceChange>) -> Vec<ResourceChange> {
    let mut order: Vec<usize> = (0..changes.len()).collect();
    order.sort_unstable_by(|&i, &j| {
        let (a, b) = (&changes[i], &changes[j]);
        (&a.address, a.deposed, &a.id).cmp(&(&b.address, b.deposed, &b.id)).then(i.cmp(&j))
    });
    // Position k receives the change at order[k].
    let mut placed = vec![false; changes.len()];
    for start in 0..changes.len() {
        let mut k = start;
        while !placed[k] {
            placed[k] = true;
            let from = order[k];
            if from == start {
                break;
            }
            changes.swap(k, from);
            k = from;
        }
    }
    changes
}

/// Providers never return sensitive values; the fingerprints state holds stand in for them.
fn keep_sensitive(mut live: Attrs, rs: &ResourceState) -> Attrs {
    for (name, value) in &rs.attributes {
        if matches!(value, Value::Sensitive(_)) && !live.contains_key(name) {
            live.insert(*name, value.clone());
        }
    }
    live
}

/// The value a reference resolves to at plan time, when known.
fn lookup_planned(
    graph: &Graph,
    planned: &[Option<Planned>],
    changes: &[ResourceChange],
    state: &BTreeMap<Address, ResourceState>,
    live: &HashMap<Address, Option<Attrs>>,
    refreshed: bool,
    r: &Reference,
) -> Option<Value> {
    if let Some(p) = graph.index_of(&r.address).and_then(|i| planned[i]) {
        return match p.action {
            Action::Create | Action::Replace => None,
            _ => changes[p.change].after.as_ref()?.get(&r.attribute).filter(|v| v.is_known()).cloned(),
        };
    }
    // Outside the plan's scope: what is live (or recorded) now.
    let attrs = if refreshed { live.get(&r.address).and_then(Option::as_ref) } else { None };
    attrs.or_else(|| state.get(&r.address).map(|rs| &rs.attributes)).and_then(|a| a.get(&r.attribute)).cloned()
}

/// Resolves, in place, the references whose values are known already; only values holding a
/// reference are rebuilt.
fn resolve_references(desired: &mut Attrs, lookup: &dyn Fn(&Reference) -> Option<Value>) {
    // Looked for first, so a definition without references keeps sharing its storage.
    let holding: Vec<_> = desired.iter().filter(|(_, v)| !v.references().is_empty()).map(|(k, _)| *k).collect();
    for name in holding {
        if let Some(value) = desired.get(&name) {
            let resolved = value.resolve_with(&mut |r| lookup(r));
            desired.insert(name, resolved);
        }
    }
}

/// Decides one declared resource's change.
fn decide(
    node: &ResourceNode,
    desired: Attrs,
    existing: Option<(&ResourceState, Attrs)>,
    in_state: bool,
    opts: &PlanOptions,
) -> ResourceChange {
    let schema = node.schema;
    let dependencies = node.dependencies();
    let base = |action, reason, id, before, after, changes| ResourceChange {
        address: node.address.clone(),
        provider: schema.provider.to_string(),
        action,
        reason,
        id,
        deposed: false,
        before,
        after,
        changes,
        dependencies: dependencies.clone(),
        lifecycle: node.lifecycle.clone(),
    };
    let Some((rs, live)) = existing else {
        // A new object's attributes are all in `after`; listing them again as changes adds nothing.
        let after = with_unknown_computed(desired, schema);
        let reason = in_state.then_some(Reason::DeletedOutside);
        return base(Action::Create, reason, None, None, Some(after), Vec::new());
    };
    let ignored = &node.lifecycle.ignore_changes;
    let mut changes: Vec<AttrChange> = Vec::new();
    for (name, want) in desired.iter().filter(|(name, _)| !ignored.contains(name.as_str())) {
        let have = live.get(name);
        if !same(want, have) {
            changes.push(AttrChange {
                name: name.to_string(),
                before: have.cloned(),
                after: Some(want.clone()),
                forces_replacement: schema.attr(name).is_some_and(|a| a.force_new),
                sensitive: schema.attr(name).is_some_and(|a| a.sensitive),
            });
        }
    }
    sort_in_schema_order(&mut changes, schema);
    let forced: Vec<ForcedBy> = changes
        .iter()
        .filter(|c| c.forces_replacement)
        .map(|c| ForcedBy {
            attribute: c.name.clone(),
            because: schema.attr(&c.name).map(|a| a.replace_reason.to_string()).unwrap_or_default(),
        })
        .collect();
    let requested = opts.replace.contains(&node.address);
    let id = Some(rs.id.clone());
    if !forced.is_empty() || requested {
        let reason =
            if forced.is_empty() { Reason::ReplaceRequested } else { Reason::ReplaceBecause { attributes: forced } };
        let after = with_unknown_computed(desired, schema);
        return base(Action::Replace, Some(reason), id, Some(live), Some(after), changes);
    }
    let mut after = live.clone();
    // Only what differs is written: a converged resource's planned value shares the live one's storage.
    for (name, want) in desired.iter().filter(|(name, _)| !ignored.contains(name.as_str())) {
        if after.get(name) != Some(want) {
            after.insert(*name, want.clone());
        }
    }
    // A failed object is repaired: the update sends the definition again, and the attribute
    // reporting the failure is known only once that is done.
    let failure = schema.failure(&live).filter(|(name, _)| !ignored.contains(*name));
    if let Some((name, value)) = failure {
        let reason = Reason::Repair { attribute: name.to_string(), value: value.to_string() };
        changes.push(AttrChange {
            name: name.to_string(),
            before: Some(Value::String(value.to_string())),
            after: Some(Value::Unknown),
            forces_replacement: false,
            sensitive: false,
        });
        sort_in_schema_order(&mut changes, schema);
        after.insert(name.to_string(), Value::Unknown);
        return base(Action::Update, Some(reason), id, Some(live), Some(after), changes);
    }
    if changes.is_empty() {
        // Lifecycle options and dependencies live in state: a change to them alone is still
        // applied (without an API call), or removing `prevent_destroy` would never take effect.
        let recorded = rs.lifecycle == node.lifecycle && rs.dependencies == dependencies;
        let (action, reason) = if recorded { (Action::NoOp, None) } else { (Action::Update, Some(Reason::StateOnly)) };
        return base(action, reason, id, Some(live), Some(after), changes);
    }
    base(Action::Update, None, id, Some(live), Some(after), changes)
}

/// Whether a desired value matches what is live.
fn same(want: &Value, have: Option<&Value>) -> bool {
    match (want, have) {
        (Value::Secret(spec), Some(Value::Sensitive(old))) => spec.fingerprint.as_ref() == Some(old),
        (want, Some(have)) => want == have,
        (Value::Null, None) => true,
        (_, None) => false,
    }
}

/// A new object's attributes: the desired ones, and every computed one unknown until created.
fn with_unknown_computed(mut desired: Attrs, schema: &Schema) -> Attrs {
    for a in schema.attributes.iter().filter(|a| a.is_computed()) {
        desired.get_or_insert_with(a.name, || Value::Unknown);
    }
    desired
}

/// A resource to destroy whose object is already gone: a read finding nothing, which the apply
/// records by removing it from state. No provider is called and it counts nowhere; drift
/// reports the deletion.
fn gone_change(address: &Address, rs: &ResourceState) -> ResourceChange {
    ResourceChange {
        address: address.clone(),
        provider: rs.provider.clone(),
        action: Action::Read,
        reason: Some(Reason::DeletedOutside),
        id: Some(rs.id.clone()),
        deposed: false,
        before: Some(rs.attributes.clone()),
        after: None,
        changes: vec![],
        dependencies: rs.dependencies.clone(),
        lifecycle: rs.lifecycle.clone(),
    }
}

fn delete_change(address: &Address, rs: &ResourceState, live: Attrs, reason: Reason) -> ResourceChange {
    ResourceChange {
        address: address.clone(),
        provider: rs.provider.clone(),
        action: Action::Delete,
        reason: Some(reason),
        id: Some(rs.id.clone()),
        deposed: false,
        before: Some(live),
        after: None,
        changes: vec![],
        dependencies: rs.dependencies.clone(),
        lifecycle: rs.lifecycle.clone(),
    }
}

/// Attribute differences `before` → `after` over the keys `keep` accepts, sensitive ones
/// compared by fingerprint, in schema order.
fn attr_changes(
    before: &Attrs,
    after: &Attrs,
    schema: Option<&Schema>,
    keep: impl Fn(&str) -> bool,
) -> Vec<AttrChange> {
    if before == after {
        // The common case (shared storage, or equal): no set of names to build.
        return Vec::new();
    }
    let names: BTreeSet<&Name> = before.keys().chain(after.keys()).collect();
    let mut out: Vec<AttrChange> = names
        .into_iter()
        .filter(|n| keep(n))
        .filter(|n| before.get(n) != after.get(n))
        .map(|n| AttrChange {
            name: n.to_string(),
            before: before.get(n).cloned(),
            after: after.get(n).cloned(),
            forces_replacement: false,
            sensitive: schema.and_then(|s| s.attr(n)).is_some_and(|a| a.sensitive)
                || matches!(before.get(n), Some(Value::Sensitive(_)))
                || matches!(after.get(n), Some(Value::Sensitive(_) | Value::Secret(_))),
        })
        .collect();
    if let Some(schema) = schema {
        sort_in_schema_order(&mut out, schema);
    }
    out
}

fn sort_in_schema_order(changes: &mut [AttrChange], schema: &Schema) {
    let position = |name: &str| schema.attributes.iter().position(|a| a.name == name).unwrap_or(usize::MAX);
    changes.sort_by(|a, b| (position(&a.name), &a.name).cmp(&(position(&b.name), &b.name)));
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::apply::{self, ApplyOptions, SilentProgress};
    use crate::resource::{Lifecycle, Resource};
    use crate::sim::Simulator;
    use crate::state::StateStore;
    use crate::testing::Thing;

    fn a(name: &str) -> Address {
        Address::new("test_thing", name)
    }

    fn node(name: &str, depends_on: &[&str]) -> ResourceNode {
        ResourceNode {
            address: a(name),
            schema: Thing::schema(),
            attrs: [("size".to_string(), Value::from(1i64))].into_iter().collect(),
            depends_on: depends_on.iter().map(|d| a(d)).collect(),
            lifecycle: Lifecycle::default(),
            owner: None,
        }
    }

    /// `key` ← `bucket` declared, and `other` on its own.
    fn env() -> Environment {
        let mut env = Environment::new("staging");
        env.add_node(node("key", &[])).add_node(node("bucket", &["key"])).add_node(node("other", &[]));
        env
    }

    fn recorded(depends_on: &[&str]) -> ResourceState {
        ResourceState {
            provider: "test".into(),
            id: "some-id".into(),
            attributes: Attrs::new(),
            dependencies: depends_on.iter().map(|d| a(d)).collect(),
            lifecycle: Lifecycle::default(),
            deposed: vec![],
        }
    }

    /// The declared resources applied, and `old` (no longer declared) recorded as depending on
    /// `bucket`.
    fn state() -> State {
        let mut state = State::new("staging", "lineage");
        state.resources.insert(a("key"), recorded(&[]));
        state.resources.insert(a("bucket"), recorded(&["key"]));
        state.resources.insert(a("other"), recorded(&[]));
        state.resources.insert(a("old"), recorded(&["bucket"]));
        state
    }

    fn providers() -> Providers {
        Providers::new().fallback(Arc::new(Simulator::in_memory()), 4)
    }

    fn destroy(targets: &[&str], excludes: &[&str]) -> PlanOptions {
        PlanOptions {
            mode: PlanMode::Destroy,
            refresh: false,
            targets: targets.iter().map(|t| a(t)).collect(),
            excludes: excludes.iter().map(|e| a(e)).collect(),
            ..PlanOptions::default()
        }
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }

    fn plan_of(env: &Environment, state: &State, opts: &PlanOptions) -> Result<Plan, PlanError> {
        run(plan(env, Some(state), &providers(), opts))
    }

    fn deleted(plan: &Plan) -> Vec<String> {
        plan.actions().map(|c| format!("{:?} {}", c.action, c.address.name())).collect()
    }

    #[test]
    fn a_destroy_target_takes_its_dependents_from_the_definition_and_from_state() {
        let plan = plan_of(&env(), &state(), &destroy(&["key"], &[])).unwrap();
        assert_eq!(deleted(&plan), ["Delete bucket", "Delete key", "Delete old"]);
        let plan = plan_of(&env(), &state(), &destroy(&["bucket"], &[])).unwrap();
        assert_eq!(deleted(&plan), ["Delete bucket", "Delete old"], "what `bucket` depends on stays");
    }

    #[test]
    fn a_destroy_target_trips_prevent_destroy_of_what_depends_on_it() {
        let mut state = state();
        state.resources.get_mut(&a("old")).unwrap().lifecycle.prevent_destroy = true;
        let err = plan_of(&env(), &state, &destroy(&["key"], &[])).unwrap_err();
        let PlanError::PreventDestroy(list) = &err else { panic!("expected prevent_destroy, got {err}") };
        assert_eq!(list, &[(a("old"), "it depends on test_thing.key, which --target destroys".to_string())]);
    }

    #[test]
    fn a_destroy_exclusion_keeps_what_the_excluded_resource_depends_on() {
        let plan = plan_of(&env(), &state(), &destroy(&[], &["bucket"])).unwrap();
        assert_eq!(deleted(&plan), ["Delete old", "Delete other"], "`bucket` keeps its key");
    }

    #[test]
    fn a_normal_plan_keeps_target_with_dependencies_and_exclusion_with_dependents() {
        let opts = |targets: &[&str], excludes: &[&str]| PlanOptions {
            refresh: false,
            targets: targets.iter().map(|t| a(t)).collect(),
            excludes: excludes.iter().map(|e| a(e)).collect(),
            ..PlanOptions::default()
        };
        let targeted = plan_of(&env(), &State::new("staging", "l"), &opts(&["bucket"], &[])).unwrap();
        assert_eq!(deleted(&targeted), ["Create bucket", "Create key"]);
        let excluded = plan_of(&env(), &State::new("staging", "l"), &opts(&[], &["key"])).unwrap();
        assert_eq!(deleted(&excluded), ["Create other"]);
    }

    #[test]
    fn an_address_naming_nothing_is_its_own_error_with_the_closest_address() {
        let opts = PlanOptions { excludes: vec![a("buckte")], replace: vec![a("zzz")], ..destroy(&["olld"], &[]) };
        let err = plan_of(&env(), &state(), &opts).unwrap_err();
        let PlanError::UnknownAddress(list) = &err else { panic!("expected unknown addresses, got {err}") };
        let found: Vec<(&str, String, Option<String>)> =
            list.iter().map(|u| (u.flag, u.address.to_string(), u.closest.as_ref().map(ToString::to_string))).collect();
        assert_eq!(
            found,
            [
                ("--target", "test_thing.olld".into(), Some("test_thing.old".into())),
                ("--exclude", "test_thing.buckte".into(), Some("test_thing.bucket".into())),
                ("--replace", "test_thing.zzz".into(), None),
            ]
        );
        assert!(!err.to_string().contains("in the definition:"), "{err}");
    }

    #[test]
    fn flags_leaving_nothing_in_scope_are_an_error() {
        let normal = PlanOptions { mode: PlanMode::Normal, ..destroy(&["bucket"], &["key"]) };
        let err = plan_of(&env(), &state(), &normal).unwrap_err();
        assert!(matches!(err, PlanError::EmptyScope { .. }), "{err}");
        assert!(
            err.to_string().starts_with("--target test_thing.bucket --exclude test_thing.key leave nothing in scope"),
            "{err}"
        );
        let err = plan_of(&env(), &state(), &destroy(&["bucket"], &["old"])).unwrap_err();
        assert!(matches!(err, PlanError::EmptyScope { mode: PlanMode::Destroy, .. }), "{err}");
    }

    #[test]
    fn destroying_an_object_already_gone_only_removes_it_from_state() {
        let sim = Arc::new(Simulator::in_memory());
        let providers = Providers::new().fallback(sim.clone(), 4);
        let dir = tempfile::tempdir().unwrap();
        let backend = StateStore::local(dir.path(), "staging");
        let env = env();
        let schemas = env.schemas();
        let apply = |plan: Plan| {
            let report =
                run(apply::apply(&plan, &schemas, &providers, &backend, &SilentProgress, &ApplyOptions::default()))
                    .unwrap();
            assert!(report.succeeded(), "{:?}", report.failures);
            report
        };
        apply(run(plan(&env, None, &providers, &PlanOptions::default())).unwrap());
        let state = run(backend.read()).unwrap().unwrap();
        sim.delete_object("test_thing", &state.resources[&a("other")].id).unwrap();

        let opts = PlanOptions { mode: PlanMode::Destroy, ..PlanOptions::default() };
        let plan = run(plan(&env, Some(&state), &providers, &opts)).unwrap();
        let other = plan.resource_changes.iter().find(|c| c.address == a("other")).unwrap();
        assert_eq!((other.action, &other.reason, &other.after), (Action::Read, &Some(Reason::DeletedOutside), &None));
        assert_eq!(plan.summary().destroy, 2, "the gone object is not counted");
        assert_eq!(plan.drift.len(), 1);

        let deletes = |p: &Providers| p.stats().calls.values().filter_map(|ops| ops.get("delete")).sum::<u64>();
        let before = deletes(&providers);
        let report = apply(plan);
        assert_eq!(deletes(&providers) - before, 2, "no delete call for the gone object");
        assert_eq!(report.destroyed, 2);
        assert!(run(backend.read()).unwrap().unwrap().resources.is_empty());
    }

    /// A cluster whose watched provisioning state says when it failed.
    #[derive(serde::Serialize, crate::resource::Resource)]
    #[resource(type = "test_cluster", provider = "test")]
    struct Cluster {
        #[serde(skip)]
        meta: crate::resource::Meta,
        #[serde(skip)]
        #[resource(watch, failed_when = ["Failed"])]
        provisioning_state: crate::value::Computed<String>,
        size: u32,
    }

    #[test]
    fn a_failed_object_is_planned_as_a_repair_and_the_apply_repairs_it() {
        let sim = Arc::new(Simulator::in_memory());
        let providers = Providers::new().fallback(sim.clone(), 4);
        let dir = tempfile::tempdir().unwrap();
        let backend = StateStore::local(dir.path(), "staging");
        let cluster = |ignore: &[&str]| {
            let mut env = Environment::new("staging");
            let mut node = node("main", &[]);
            node.address = Address::new("test_cluster", "main");
            node.schema = Cluster::schema();
            node.lifecycle.ignore_changes = ignore.iter().map(|s| s.to_string()).collect();
            env.add_node(node);
            env
        };
        let env = cluster(&[]);
        let apply = |plan: &Plan| {
            let opts = ApplyOptions::default();
            let report = run(apply::apply(plan, &env.schemas(), &providers, &backend, &SilentProgress, &opts)).unwrap();
            assert!(report.succeeded(), "{:?}", report.failures);
            report
        };
        apply(&run(plan(&env, None, &providers, &PlanOptions::default())).unwrap());
        let state = run(backend.read()).unwrap().unwrap();
        let id = &state.resources[&Address::new("test_cluster", "main")].id;
        sim.set_attribute("test_cluster", id, "provisioning_state", Value::from("Failed")).unwrap();

        let plan_now = |env: &Environment| {
            let state = run(backend.read()).unwrap().unwrap();
            run(plan(env, Some(&state), &providers, &PlanOptions::default())).unwrap()
        };
        let repair = plan_now(&env);
        let change = &repair.resource_changes[0];
        assert_eq!(change.action, Action::Update);
        assert_eq!(
            change.reason,
            Some(Reason::Repair { attribute: "provisioning_state".into(), value: "Failed".into() })
        );
        assert_eq!(
            change.changes.iter().map(|c| (c.name.as_str(), c.after.clone())).collect::<Vec<_>>(),
            [("provisioning_state", Some(Value::Unknown))]
        );
        assert_eq!(repair.summary().change, 1);
        assert_eq!(repair.drift.len(), 1, "the failure is drift too");
        // Ignoring the attribute turns the repair off (only the new lifecycle option is recorded).
        let ignoring = plan_now(&cluster(&["provisioning_state"]));
        assert_eq!(ignoring.resource_changes[0].reason, Some(Reason::StateOnly));

        let report = apply(&repair);
        assert_eq!(report.changed, 1);
        let after = plan_now(&env);
        assert!(!after.has_changes() && after.drift.is_empty(), "{:?}", after.resource_changes);
    }

    #[test]
    fn the_closest_address_must_look_like_a_typo() {
        let known = [a("bucket"), a("key"), a("cdn")];
        assert_eq!(closest(&a("bukcet"), &known), Some(&known[0]));
        assert_eq!(closest(&a("kye"), &known), Some(&known[1]));
        assert_eq!(closest(&a("zzz"), &known), None);
        assert_eq!(closest(&Address::new("test_thng", "key"), &known), Some(&known[1]));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
