//! Plans: what an apply will do, as plain data.
//!
//! A [`Plan`] lists one [`ResourceChange`] per resource (no-op, create, update, replace,
//! delete, read) with attribute-level differences, reports [`Drift`] (what changed outside
//! quikinfra) apart from the user's own changes, and is bound to the state version it was made
//! from so a stale plan is refused. Building plans is [`build`]; rendering is `render`'s job and the JSON document,
//! written and read back, is `jsonplan`'s.

pub mod build;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::addr::Address;
use crate::resource::Lifecycle;
use crate::state::StateVersion;
use crate::value::{Attrs, Value};

pub use build::{PlanError, PlanOptions, UnknownAddress, plan};

/// The version of the plan format (saved plans and `--json`); bumped on any incompatible change.
pub const PLAN_FORMAT_VERSION: &str = "1.0";

/// What a plan is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanMode {
    /// Converge live to the definition.
    #[default]
    Normal,
    /// Destroy everything in state.
    Destroy,
    /// Only update state to what is live.
    RefreshOnly,
}

/// What happens to one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing.
    NoOp,
    /// It is created.
    Create,
    /// It is updated in place.
    Update,
    /// It is destroyed and created again (or created first, with create-before-destroy).
    Replace,
    /// It is destroyed.
    Delete,
    /// It is only read: refresh-only plans; in a destroy plan, an object already gone that the
    /// apply only removes from state.
    Read,
}

impl Action {
    /// The symbol plans show: `+`, `~`, `-/+` (`+/-` when creating first), `-`, `<=`.
    pub fn symbol(self, create_before_destroy: bool) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace if create_before_destroy => "+/-",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Read => "<=",
        }
    }
}

/// Why a resource gets the action it gets, when that is not obvious.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Reason {
    /// These attributes cannot change in place.
    ReplaceBecause {
        /// The attributes forcing replacement, each with the schema's explanation.
        attributes: Vec<ForcedBy>,
    },
    /// `--replace` asked for it.
    ReplaceRequested,
    /// It was deleted outside quikinfra: it will be created again, or, in a destroy plan, only
    /// removed from state.
    DeletedOutside,
    /// It is in state but no longer in the definition.
    NotInDefinition,
    /// `destroy` asked for it.
    DestroyRequested,
    /// An older object left by a create-before-destroy replacement.
    Deposed,
    /// Only what state records changes (lifecycle options, dependencies); no API call is made.
    StateOnly,
    /// Another environment owns it; this one only reads it.
    Shared {
        /// The owning environment.
        owner: String,
    },
    /// Another environment owns it and has not applied it yet: its values are the owner's
    /// planned ones, those the cloud computes known only after the owner applies (an estate
    /// plan). Such a plan is for review; it cannot be applied.
    SharedPending {
        /// The owning environment.
        owner: String,
    },
    /// The live object failed (its last operation did not succeed, as `attribute` = `value`
    /// shows): it is updated with the definition sent again, even when nothing else differs.
    Repair {
        /// The attribute reporting the failure (the schema's [`failed`](crate::schema::AttrSchema::failed)).
        attribute: String,
        /// Its live value.
        value: String,
    },
}

/// One attribute forcing a replacement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForcedBy {
    /// The attribute.
    pub attribute: String,
    /// Why it cannot change in place (from the schema), if the schema says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub because: String,
}

/// One attribute's difference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    /// The attribute.
    pub name: String,
    /// Its value before (absent: not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// Its value after (absent: removed; `$unknown` / `$ref`: known after apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// Whether this change alone forces replacement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
    /// Whether the value is sensitive (shown as `(sensitive value)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// What happens to one resource, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// The resource.
    pub address: Address,
    /// The provider family serving it.
    pub provider: String,
    /// What happens.
    pub action: Action,
    /// Why, when it matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// The live object's id, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// For a deposed object: marks this change as about it, not the current object.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deposed: bool,
    /// Attributes before (live, refreshed), when the object exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Attrs>,
    /// Attributes after, with unknowns and references for what is known only after apply;
    /// absent when the object is deleted or, for a read, found gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Attrs>,
    /// The attributes that differ, in schema order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AttrChange>,
    /// Resources this one depends on after apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Address>,
    /// Lifecycle options in force.
    #[serde(default)]
    pub lifecycle: Lifecycle,
}

/// How a resource changed outside quikinfra.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// Some attributes differ from state.
    Changed,
    /// The object is gone.
    Deleted,
}

/// A change made outside quikinfra since the last apply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The resource.
    pub address: Address,
    /// What happened.
    pub kind: DriftKind,
    /// The attributes that differ (state → live).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AttrChange>,
}

/// Counts in the plan's last line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Resources created (replacements count here and in `destroy`).
    pub add: usize,
    /// Resources updated in place.
    pub change: usize,
    /// Resources destroyed.
    pub destroy: usize,
}

/// A plan: everything an apply needs, and nothing secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// [`PLAN_FORMAT_VERSION`] when written.
    pub format_version: String,
    /// The quikinfra version that made it.
    pub quikinfra_version: String,
    /// The environment planned.
    pub environment: String,
    /// What the plan is for.
    pub mode: PlanMode,
    /// The state version planned from; `None` when planned from no state at all, in which
    /// case the plan applies only while there is still no state.
    pub prior_state: Option<StateVersion>,
    /// The state versions of the environments owning resources this one reads, as planned
    /// from: a saved plan is refused once any of them moved.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners_state: BTreeMap<String, StateVersion>,
    /// One change per resource, ordered by address (deposed objects after their resource).
    pub resource_changes: Vec<ResourceChange>,
    /// Changes made outside quikinfra, ordered by address.
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// Outputs after apply; references are resolved when applied.
    #[serde(default)]
    pub outputs: BTreeMap<String, Value>,
    /// Whether live state was read before planning.
    pub refreshed: bool,
}

impl Plan {
    /// The owners this plan read planned values from, because they had not applied yet.
    pub fn pending_owners(&self) -> std::collections::BTreeSet<&str> {
        self.resource_changes
            .iter()
            .filter_map(|c| match &c.reason {
                Some(Reason::SharedPending { owner }) => Some(owner.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Counts for `Plan: X to add, Y to change, Z to destroy.`
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.resource_changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1
                }
                Action::Delete => s.destroy += 1,
                Action::NoOp | Action::Read => {}
            }
        }
        s
    }

    /// Whether applying would change anything (resources, outputs, or state after drift): any
    /// action but a no-op, and, outside refresh-only plans, a read (in a destroy, an object
    /// already gone, which the apply removes from state).
    pub fn has_changes(&self) -> bool {
        self.resource_changes.iter().any(|c| match c.action {
            Action::NoOp => false,
            Action::Read => self.mode != PlanMode::RefreshOnly,
            _ => true,
        })
    }

    /// Resources whose object is already gone and which the apply only removes from state,
    /// calling no provider: reads finding nothing, outside refresh-only plans (a destroy's).
    pub fn removals_from_state(&self) -> impl Iterator<Item = &ResourceChange> {
        let converging = self.mode != PlanMode::RefreshOnly;
        self.resource_changes.iter().filter(move |c| converging && c.action == Action::Read && c.after.is_none())
    }

    /// The changes that do something.
    pub fn actions(&self) -> impl Iterator<Item = &ResourceChange> {
        self.resource_changes.iter().filter(|c| c.action != Action::NoOp)
    }
}
