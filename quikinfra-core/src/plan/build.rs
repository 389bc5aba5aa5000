//! Building plans (being written).

use crate::addr::Address;
use crate::diag::Problems;

use super::PlanMode;

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
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The definition is invalid.
    #[error("{0}")]
    Invalid(Problems),
}

/// Placeholder.
pub fn plan() {}
