//! Turning a plan into operations and the order they must run in.
//!
//! Each change becomes one or two [`Op`]s: create/update an object (`Apply`), delete one
//! (`Destroy`), or record what a refresh-only plan read (`Refresh`). A replacement is a
//! destroy then a create, or with create-before-destroy a create then a destroy of the
//! deposed object. Ordering rules:
//! - an `Apply` waits for the `Apply` of everything it depends on;
//! - a `Destroy` waits for the `Destroy` of everything that depended on it (reverse order);
//! - deleting an object no longer declared waits for the updates of what used to depend on it;
//! - the deposed object of a create-before-destroy replacement waits for the new object and
//!   for the updates of what depends on it;
//! - removing from state a resource whose object is already gone waits for the destroys of its
//!   deposed objects, so state keeps track of one whose destroy fails.

use rustc_hash::FxHashMap as HashMap;

use crate::addr::Address;
use crate::plan::{Action, Plan};
use crate::state::State;

/// What one operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// Create or update an object.
    Apply,
    /// Delete an object.
    Destroy,
    /// Record what a refresh read.
    Refresh,
}

/// One operation.
#[derive(Clone, Debug)]
pub struct Op {
    /// Index of its change in the plan.
    pub change: usize,
    /// What it does.
    pub kind: OpKind,
    /// For a destroy of a deposed object: that object's id.
    pub deposed_id: Option<String>,
    /// Operations that must finish first.
    pub after: Vec<usize>,
}

/// A plan's operations and their order.
#[derive(Debug, Default)]
pub struct Operations {
    /// Every operation.
    pub ops: Vec<Op>,
    /// For each operation, those waiting for it.
    pub dependents: Vec<Vec<usize>>,
}

impl Operations {
    /// Builds the operations of `plan` against the `state` it applies to.
    pub fn from_plan(plan: &Plan, state: &State) -> Self {
        let mut ops: Vec<Op> = Vec::new();
        let mut apply_of: HashMap<&Address, usize> = HashMap::default();
        let mut destroy_of: HashMap<&Address, usize> = HashMap::default();
        let mut deposed_of: HashMap<&Address, Vec<usize>> = HashMap::default();
        let push = |ops: &mut Vec<Op>, change, kind, deposed_id| {
            ops.push(Op { change, kind, deposed_id, after: Vec::new() });
            ops.len() - 1
        };
        for (ci, c) in plan.resource_changes.iter().enumerate() {
            match c.action {
                Action::NoOp => {}
                Action::Read => {
                    push(&mut ops, ci, OpKind::Refresh, None);
                }
                Action::Create | Action::Update => {
                    apply_of.insert(&c.address, push(&mut ops, ci, OpKind::Apply, None));
                }
                Action::Replace => {
                    apply_of.insert(&c.address, push(&mut ops, ci, OpKind::Apply, None));
                    if !c.lifecycle.create_before_destroy {
                        destroy_of.insert(&c.address, push(&mut ops, ci, OpKind::Destroy, None));
                    } else {
                        // The deposed object's id is the current one.
                        push(&mut ops, ci, OpKind::Destroy, c.id.clone());
                    }
                }
                Action::Delete if c.deposed => {
                    let op = push(&mut ops, ci, OpKind::Destroy, c.id.clone());
                    deposed_of.entry(&c.address).or_default().push(op);
                }
                Action::Delete => {
                    destroy_of.insert(&c.address, push(&mut ops, ci, OpKind::Destroy, None));
                }
            }
        }
        // Who depended on whom when last applied (for destroy order).
        let mut state_dependents: HashMap<&Address, Vec<&Address>> = HashMap::default();
        for (a, rs) in &state.resources {
            for d in &rs.dependencies {
                state_dependents.entry(d).or_default().push(a);
            }
        }
        let mut after: Vec<Vec<usize>> = vec![Vec::new(); ops.len()];
        for (i, op) in ops.iter().enumerate() {
            let c = &plan.resource_changes[op.change];
            match op.kind {
                OpKind::Refresh => {
                    if c.after.is_none() {
                        after[i].extend(deposed_of.get(&c.address).into_iter().flatten().copied());
                    }
                }
                OpKind::Apply => {
                    after[i].extend(c.dependencies.iter().filter_map(|d| apply_of.get(d).copied()));
                    if c.action == Action::Replace && !c.lifecycle.create_before_destroy {
                        after[i].extend(destroy_of.get(&c.address).copied());
                    }
                }
                OpKind::Destroy if op.deposed_id.is_some() => {
                    if c.action == Action::Replace {
                        after[i].extend(apply_of.get(&c.address).copied());
                        for dependent in state_dependents.get(&c.address).into_iter().flatten() {
                            after[i].extend(apply_of.get(dependent).copied());
                        }
                    }
                }
                OpKind::Destroy => {
                    for dependent in state_dependents.get(&c.address).into_iter().flatten() {
                        after[i].extend(destroy_of.get(dependent).copied());
                        if c.action == Action::Delete {
                            after[i].extend(apply_of.get(dependent).copied());
                        }
                    }
                }
            }
        }
        let mut dependents = vec![Vec::new(); ops.len()];
        for (i, list) in after.iter_mut().enumerate() {
            list.sort_unstable();
            list.dedup();
            list.retain(|&j| j != i);
            for &j in list.iter() {
                dependents[j].push(i);
            }
            ops[i].after = list.clone();
        }
        Self { ops, dependents }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PLAN_FORMAT_VERSION, PlanMode, Reason, ResourceChange};

    fn change(action: Action, deposed: bool) -> ResourceChange {
        ResourceChange {
            address: Address::new("test_thing", "t"),
            provider: "test".into(),
            action,
            reason: Some(if deposed { Reason::Deposed } else { Reason::DeletedOutside }),
            id: Some(if deposed { "t-1" } else { "t-2" }.into()),
            deposed,
            before: None,
            after: None,
            changes: vec![],
            dependencies: vec![],
            lifecycle: Default::default(),
        }
    }

    #[test]
    fn removing_a_gone_object_from_state_waits_for_its_deposed_objects() {
        let plan = Plan {
            format_version: PLAN_FORMAT_VERSION.into(),
            quikinfra_version: crate::VERSION.into(),
            environment: "staging".into(),
            mode: PlanMode::Destroy,
            prior_state: None,
            owners_state: Default::default(),
            resource_changes: vec![change(Action::Read, false), change(Action::Delete, true)],
            drift: vec![],
            outputs: Default::default(),
            refreshed: true,
        };
        let ops = Operations::from_plan(&plan, &State::new("staging", "l"));
        let kinds: Vec<(OpKind, Vec<usize>)> = ops.ops.iter().map(|o| (o.kind, o.after.clone())).collect();
        assert_eq!(kinds, [(OpKind::Refresh, vec![1]), (OpKind::Destroy, vec![])]);
    }
}
