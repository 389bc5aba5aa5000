//! Recovering from an interrupted apply: reconcile the journal of pending operations.
//!
//! An apply writes each create's and delete's intent to state before calling the provider and
//! removes it once the outcome is recorded, so an apply killed at any point leaves exactly the
//! operations whose outcome is unknown. [`recover`] settles each: a create whose object the
//! provider finds is adopted into state (an object replaced by it is kept as deposed, to be
//! deleted by the next apply); a create that left nothing is dropped; one the provider cannot
//! look up is reported so the user can `import` it. An interrupted delete needs nothing: the
//! next plan refreshes the object and deletes it again, or drops it from state if it is gone.

use std::collections::BTreeMap;
use std::fmt;

use crate::addr::Address;
use crate::provider::{CreateRequest, Providers};
use crate::schema::Schema;
use crate::state::{DeposedObject, ResourceState, State};
use crate::value::Value;

/// What recovery did about one interrupted operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// The object an interrupted create made was found and is now tracked.
    Adopted {
        /// The resource.
        address: Address,
        /// The object's id.
        id: String,
    },
    /// The interrupted create had already been recorded.
    AlreadyRecorded {
        /// The resource.
        address: Address,
    },
    /// The interrupted create left nothing behind.
    NothingLeft {
        /// The resource.
        address: Address,
    },
    /// Whether the interrupted create made an object cannot be told.
    Unknown {
        /// The resource.
        address: Address,
        /// Why not.
        message: String,
    },
    /// A delete was interrupted; the next plan checks the object again.
    DeleteInterrupted {
        /// The resource.
        address: Address,
    },
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recovery::Adopted { address, id } => {
                write!(f, "{address}: adopted the object an interrupted apply created (id {id})")
            }
            Recovery::AlreadyRecorded { address } => {
                write!(f, "{address}: the interrupted create was already recorded")
            }
            Recovery::NothingLeft { address } => write!(f, "{address}: the interrupted create left nothing behind"),
            Recovery::Unknown { address, message } => write!(
                f,
                "{address}: an interrupted create may have made an object ({message}); check, and `import {address} ID` it if it exists"
            ),
            Recovery::DeleteInterrupted { address } => {
                write!(f, "{address}: a delete was interrupted; the next plan checks the object again")
            }
        }
    }
}

/// Settles every pending operation in `state`, which is left with none.
pub async fn recover(
    state: &mut State,
    schemas: &BTreeMap<&'static str, &'static Schema>,
    providers: &Providers,
) -> Vec<Recovery> {
    let pending = std::mem::take(&mut state.pending);
    let mut out = Vec::with_capacity(pending.len());
    for p in pending {
        let address = p.address.clone();
        if p.operation != "create" {
            out.push(Recovery::DeleteInterrupted { address });
            continue;
        }
        let Some(schema) = schemas.get(address.type_name()).copied() else {
            let message = "its type is unknown to this program".to_string();
            out.push(Recovery::Unknown { address, message });
            continue;
        };
        let req = CreateRequest::new(&address, schema, &p.config);
        match providers.find(&p.provider, req).await {
            Ok(Some(found)) => {
                let previous = state.resources.remove(&address);
                if previous.as_ref().is_some_and(|r| r.id == found.id) {
                    state.resources.insert(address.clone(), previous.expect("checked"));
                    out.push(Recovery::AlreadyRecorded { address });
                    continue;
                }
                let mut attributes = found.attrs;
                let mut deposed = Vec::new();
                if let Some(old) = previous {
                    for (name, value) in &old.attributes {
                        if matches!(value, Value::Sensitive(_)) {
                            attributes.get_or_insert_with(name, || value.clone());
                        }
                    }
                    deposed = old.deposed;
                    deposed.push(DeposedObject { id: old.id, attributes: old.attributes });
                }
                state.resources.insert(
                    address.clone(),
                    ResourceState {
                        provider: p.provider.clone(),
                        id: found.id.clone(),
                        attributes,
                        dependencies: p.dependencies.clone(),
                        lifecycle: Default::default(),
                        deposed,
                    },
                );
                out.push(Recovery::Adopted { address, id: found.id });
            }
            Ok(None) => out.push(Recovery::NothingLeft { address }),
            Err(e) => out.push(Recovery::Unknown { address, message: e.message }),
        }
    }
    out
}
