//! `plan`: what apply would change, under the lock, from state settled by recovery and the
//! owners' states of shared resources.

use super::lock::locked;
use super::{OpsError, Reporter, Workspace, read};
use crate::plan::{Plan, PlanMode, PlanOptions};

/// Plans `ws`'s environment with `opts` (its owners' states are filled in here).
pub async fn plan(ws: &Workspace<'_>, mut opts: PlanOptions, reporter: &dyn Reporter) -> Result<Plan, OpsError> {
    let store = ws.store()?;
    opts.shared = read::owners(ws).await?;
    let operation = match opts.mode {
        PlanMode::Normal => "plan",
        PlanMode::Destroy => "plan --destroy",
        PlanMode::RefreshOnly => "plan --refresh-only",
    };
    locked(&store, operation, ws.options, reporter, async || {
        let state = read::recovered(ws, &store, reporter).await?;
        Ok(crate::plan::plan(ws.env, state.as_ref(), ws.providers, &opts).await?)
    })
    .await
}
