//! Reading state for an operation: the environment's own, with what an interrupted apply left
//! pending settled first, and the states of the environments owning resources it reads.

use std::collections::BTreeMap;

use super::{OpsError, Reporter, Workspace};
use crate::state::{State, StateStore};

/// Reads `store`'s state, first settling what an interrupted apply left pending (adopting
/// objects it created) and saving the result; must run under the lock. Refuses to go on when
/// the definition was built from another version of this state.
pub async fn recovered(
    ws: &Workspace<'_>,
    store: &StateStore,
    reporter: &dyn Reporter,
) -> Result<Option<State>, OpsError> {
    let state = store.read().await?;
    if let Some(built_from) = &ws.options.defined_from
        && built_from.as_ref() != state.as_ref().map(|s| &s.version)
    {
        return Err(OpsError::DefinitionStale(ws.env.name().to_string()));
    }
    let Some(mut state) = state else { return Ok(None) };
    check_target(ws, &state)?;
    if state.pending.is_empty() {
        return Ok(Some(state));
    }
    let read = state.version.clone();
    let recovered = crate::apply::recover::recover(&mut state, &ws.env.schemas(), ws.providers).await;
    reporter.recovered(&recovered);
    state.version.serial = read.serial.checked_add(1).ok_or(crate::state::StateError::SerialExhausted)?;
    store.write(&state, Some(&read)).await?;
    Ok(Some(state))
}

/// Refuses a state whose objects live in another target than the run's.
pub fn check_target(ws: &Workspace<'_>, state: &State) -> Result<(), OpsError> {
    let Some(run) = ws.options.target else { return Ok(()) };
    match crate::state::target::conflict(state, run) {
        None => Ok(()),
        Some(recorded) => Err(OpsError::WrongTarget {
            environment: ws.env.name().to_string(),
            flag: match recorded.kind {
                crate::state::TargetKind::Simulator => "sim",
                crate::state::TargetKind::Real => "real",
            },
            recorded,
            run,
        }),
    }
}

/// The states of the environments owning resources this one reads, through the run's state
/// stores (read without their locks: a snapshot is all a plan needs of them).
pub async fn owners(ws: &Workspace<'_>) -> Result<BTreeMap<String, State>, OpsError> {
    let mut out = BTreeMap::new();
    for owner in ws.env.owners() {
        if let Some(state) = ws.states.open(owner)?.read().await? {
            out.insert(owner.to_string(), state);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::SilentProgress;
    use crate::environment::Environment;
    use crate::ops::RunOptions;
    use crate::provider::Providers;
    use crate::state::StateStores;

    #[tokio::test]
    async fn a_definition_built_from_another_state_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let states = StateStores::local(dir.path());
        let env = Environment::new("live");
        let store = states.open("live").unwrap();
        let mut state = State::new("live", "lineage-1");
        state.version.serial = 1;
        store.write(&state, None).await.unwrap();
        let providers = Providers::new();
        // Built before any state existed, but state is there now: refused.
        let options = RunOptions { defined_from: Some(None), ..RunOptions::default() };
        let ws = Workspace { env: &env, states: &states, providers: &providers, options: &options };
        let err = recovered(&ws, &store, &SilentProgress).await.expect_err("moved");
        assert!(matches!(err, OpsError::DefinitionStale(ref name) if name == "live"), "{err}");
        // Built from exactly this version: goes on.
        let options = RunOptions { defined_from: Some(Some(state.version.clone())), ..RunOptions::default() };
        let ws = Workspace { env: &env, states: &states, providers: &providers, options: &options };
        assert_eq!(recovered(&ws, &store, &SilentProgress).await.unwrap(), Some(state));
    }
}
