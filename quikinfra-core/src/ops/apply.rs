//! `apply` and `destroy`: converge to a fresh plan (shown and approved through the
//! [`Reporter`]) or to exactly a saved one, under the lock, checkpointing state as it goes.

use super::lock::locked;
use super::{OpsError, Reporter, Workspace, read};
use crate::apply::{ApplyOptions, ApplyReport};
use crate::plan::{Plan, PlanMode, PlanOptions};
use crate::state::backend::describe_version;

/// What to apply.
#[derive(Debug)]
pub struct ApplyRequest {
    /// A saved plan to apply exactly (refused when stale); `None` plans afresh with `plan`.
    pub saved: Option<Plan>,
    /// How to plan when no saved plan is given (owners' states are filled in here).
    pub plan: PlanOptions,
    /// Set to stop scheduling new operations (an interrupt); in-flight ones finish.
    pub stop: Option<tokio::sync::watch::Receiver<bool>>,
}

/// Applies `request` to `ws`'s environment. `Ok(None)` when there was nothing to do.
pub async fn apply(
    ws: &Workspace<'_>,
    request: ApplyRequest,
    reporter: &dyn Reporter,
) -> Result<Option<ApplyReport>, OpsError> {
    let ApplyRequest { saved, plan: mut opts, stop } = request;
    if let Some(plan) = &saved
        && plan.environment != ws.env.name()
    {
        return Err(OpsError::WrongEnvironment { plan: plan.environment.clone(), env: ws.env.name().to_string() });
    }
    let store = ws.store()?;
    match &saved {
        None => opts.shared = read::owners(ws).await?,
        Some(plan) => {
            if let Some(owner) = plan.pending_owners().into_iter().next() {
                return Err(OpsError::OwnerNotApplied(owner.to_string()));
            }
            let now = read::owners(ws).await?;
            for (owner, planned) in &plan.owners_state {
                let current = now.get(owner).map(|s| &s.version);
                if current != Some(planned) {
                    return Err(OpsError::OwnerMoved {
                        owner: owner.clone(),
                        planned: describe_version(Some(planned)),
                        current: describe_version(current),
                    });
                }
            }
        }
    }
    let destroy = saved.as_ref().map_or(opts.mode, |p| p.mode) == PlanMode::Destroy;
    let operation = if destroy { "destroy" } else { "apply" };
    locked(&store, operation, ws.options, reporter, async || {
        let plan = match saved {
            Some(plan) => plan,
            None => {
                let state = read::recovered(ws, &store, reporter).await?;
                let plan = crate::plan::plan(ws.env, state.as_ref(), ws.providers, &opts).await?;
                reporter.planned(&plan);
                if let Some(owner) = plan.pending_owners().into_iter().next() {
                    return Err(OpsError::OwnerNotApplied(owner.to_string()));
                }
                if !plan.has_changes() && plan.mode != PlanMode::RefreshOnly {
                    return Ok(None);
                }
                if !reporter.approve(&plan)? {
                    return Err(OpsError::Cancelled(operation));
                }
                plan
            }
        };
        if !plan.has_changes() && plan.drift.is_empty() {
            return Ok(None);
        }
        let options = ApplyOptions {
            parallelism: ws.options.parallelism,
            stop,
            placeholder_secrets: ws.options.placeholder_secrets,
            target: ws.options.target,
            ..Default::default()
        };
        let report = crate::apply::apply(&plan, &ws.env.schemas(), ws.providers, &store, reporter, &options).await?;
        Ok(Some(report))
    })
    .await
}
