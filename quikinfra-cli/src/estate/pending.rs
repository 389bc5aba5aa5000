//! The planned values of owners that have not applied yet, for one member's plan.
//!
//! A reader environment reads resources another environment owns. Before the owner applies,
//! a plan of the reader alone would have nothing to read; when the program knows its estate
//! ([`crate::InEstate`]), the owner is planned from the estate's definition (its own owners
//! first, the same way) and the reader's plan reads the owner's planned values instead, as an
//! estate plan does. Only plans do this: apply refuses until the owners have applied.

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::environment::Environment;
use quikinfra_core::plan::Plan;

use crate::error::CliError;
use crate::session::Session;

/// The plans of `env`'s owners that lack a resource `env` reads from them, by owner name,
/// planned from `session`'s estate (empty when the session knows no estate).
pub async fn owners_plans(session: &Session, env: &Environment) -> Result<BTreeMap<String, Plan>, CliError> {
    let mut visiting = BTreeSet::from([env.name().to_string()]);
    plans_for(session, env, &mut visiting).await
}

async fn plans_for(
    session: &Session,
    env: &Environment,
    visiting: &mut BTreeSet<String>,
) -> Result<BTreeMap<String, Plan>, CliError> {
    let mut out = BTreeMap::new();
    let Some(estate) = session.estate() else { return Ok(out) };
    for owner in env.owners() {
        let Some(member) = estate.get(owner) else { continue };
        if !visiting.insert(owner.to_string()) {
            continue;
        }
        let state = session.states().open(owner)?.read().await?;
        let lacking = env
            .resources()
            .iter()
            .filter(|n| n.owner.as_deref() == Some(owner))
            .any(|n| state.as_ref().is_none_or(|s| !s.resources.contains_key(&n.address)));
        if lacking {
            let owner_env = member.define(state.as_ref());
            let pending = Box::pin(plans_for(session, &owner_env, visiting)).await?;
            let owner_session = session.for_environment(owner_env, None);
            let plan = super::plan::quietly(session, &owner_session, pending).await.map_err(|e| {
                CliError::msg(format!("planning `{owner}`, which owns resources this environment reads: {e}"))
            })?;
            out.insert(owner.to_string(), plan);
        }
        visiting.remove(owner);
    }
    Ok(out)
}
