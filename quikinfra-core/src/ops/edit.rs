//! `state rm` and `state mv`: edit what state tracks, under the lock, without touching live
//! objects. Each edit is checked whole before anything is written.

use std::collections::BTreeSet;

use super::lock::locked;
use super::{OpsError, Reporter, Workspace};
use crate::addr::Address;
use crate::state::State;

/// Reads state under the lock, edits it, writes it guarded by the version read.
async fn edit(
    ws: &Workspace<'_>,
    operation: &str,
    reporter: &dyn Reporter,
    change: impl FnOnce(&mut State) -> Result<(), OpsError>,
) -> Result<(), OpsError> {
    let store = ws.store()?;
    locked(&store, operation, ws.options, reporter, async || {
        let mut state = store.read().await?.ok_or(OpsError::NoState)?;
        let read = state.version.clone();
        change(&mut state)?;
        state.version.serial = read.serial.checked_add(1).ok_or(crate::state::StateError::SerialExhausted)?;
        store.write(&state, Some(&read)).await?;
        Ok(())
    })
    .await
}

/// Stops managing `addresses`, leaving their live objects alone.
pub async fn state_rm(ws: &Workspace<'_>, addresses: &[Address], reporter: &dyn Reporter) -> Result<(), OpsError> {
    let mut seen = BTreeSet::new();
    if let Some(twice) = addresses.iter().find(|a| !seen.insert(*a)) {
        return Err(OpsError::Repeated(twice.clone()));
    }
    edit(ws, "state rm", reporter, |state| {
        if let Some(missing) = addresses.iter().find(|a| !state.resources.contains_key(*a)) {
            return Err(OpsError::NotInState(missing.clone()));
        }
        for a in addresses {
            state.resources.remove(a);
        }
        Ok(())
    })
    .await
}

/// Moves a resource to another address of the same type, and every dependency on it.
pub async fn state_mv(
    ws: &Workspace<'_>,
    from: &Address,
    to: &Address,
    reporter: &dyn Reporter,
) -> Result<(), OpsError> {
    if from.type_name() != to.type_name() {
        return Err(OpsError::TypesDiffer { from: from.clone(), to: to.clone() });
    }
    edit(ws, "state mv", reporter, |state| {
        if state.resources.contains_key(to) {
            return Err(OpsError::AlreadyInState(to.clone()));
        }
        let rs = state.resources.remove(from).ok_or_else(|| OpsError::NotInState(from.clone()))?;
        state.resources.insert(to.clone(), rs);
        for other in state.resources.values_mut() {
            for d in other.dependencies.iter_mut().filter(|d| *d == from) {
                *d = to.clone();
            }
        }
        Ok(())
    })
    .await
}
