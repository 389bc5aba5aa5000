//! `refresh`: bring state to what is live (drift recorded), changing nothing live.

use super::lock::locked;
use super::{OpsError, Reporter, Workspace, read};
use crate::addr::Address;
use crate::apply::ApplyOptions;
use crate::plan::{Plan, PlanMode, PlanOptions};

/// Refreshes the resources `targets` / `excludes` leave in scope and records what changed
/// outside quikinfra. `Ok(None)` when there is no state yet.
pub async fn refresh(
    ws: &Workspace<'_>,
    targets: Vec<Address>,
    excludes: Vec<Address>,
    reporter: &dyn Reporter,
) -> Result<Option<Plan>, OpsError> {
    let store = ws.store()?;
    let opts = PlanOptions {
        mode: PlanMode::RefreshOnly,
        targets,
        excludes,
        parallelism: ws.options.parallelism,
        placeholder_secrets: ws.options.placeholder_secrets,
        ..Default::default()
    };
    locked(&store, "refresh", ws.options, reporter, async || {
        let Some(state) = read::recovered(ws, &store, reporter).await? else { return Ok(None) };
        let plan = crate::plan::plan(ws.env, Some(&state), ws.providers, &opts).await?;
        if plan.has_changes() || !plan.resource_changes.is_empty() {
            let options = ApplyOptions {
                parallelism: ws.options.parallelism,
                placeholder_secrets: ws.options.placeholder_secrets,
                target: ws.options.target,
                ..Default::default()
            };
            let report =
                crate::apply::apply(&plan, &ws.env.schemas(), ws.providers, &store, reporter, &options).await?;
            if !report.succeeded() {
                return Err(OpsError::RefreshFailed);
            }
        }
        Ok(Some(plan))
    })
    .await
}
