//! `import ADDRESS ID`: start managing an existing object under a declared address.
//!
//! The object is read through the provider and recorded as it is live; the next plan shows
//! how it differs from the definition. A secret the object never returns (a database
//! password) is taken to be the declared one when its variable is set: state records that
//! value's fingerprint, so the first plan does not rewrite it and a later change of the
//! variable does. A resource this environment reads from its owner
//! (`Environment::add_shared`) is refused: owning it here would let this environment's
//! destroy delete the owner's object.

use super::lock::locked;
use super::{OpsError, Reporter, Workspace};
use crate::addr::Address;
use crate::provider::ReadRequest;
use crate::state::{ResourceState, State};
use crate::value::Attrs;

/// Imports the object with provider id `id` as `address`.
pub async fn import(ws: &Workspace<'_>, address: &Address, id: &str, reporter: &dyn Reporter) -> Result<(), OpsError> {
    crate::validate::validate(ws.env)?;
    let node = ws.env.resource(address).ok_or_else(|| OpsError::NotDeclared(address.clone()))?;
    if let Some(owner) = &node.owner {
        return Err(OpsError::Shared { address: address.clone(), owner: owner.clone() });
    }
    let store = ws.store()?;
    locked(&store, "import", ws.options, reporter, async || {
        let prior = store.read().await?;
        if let Some(state) = &prior {
            super::read::check_target(ws, state)?;
        }
        if prior.as_ref().is_some_and(|s| s.resources.contains_key(address)) {
            return Err(OpsError::AlreadyManaged(address.clone()));
        }
        let family = node.schema.provider;
        let empty = Attrs::new();
        let live = ws
            .providers
            .read(family, ReadRequest { address, id, prior: &empty })
            .await
            .map_err(|source| OpsError::Provider { address: address.clone(), source })?
            .ok_or_else(|| OpsError::NoSuchObject { address: address.clone(), id: id.to_string() })?;
        let mut live = live;
        crate::schema::mask_sensitive(node.schema, address, &mut live);
        adopt_declared_secrets(node, address, &mut live);
        let expected = prior.as_ref().map(|s| s.version.clone());
        let mut state = prior.unwrap_or_else(|| State::new(ws.env.name(), State::new_lineage()));
        state.resources.insert(
            address.clone(),
            ResourceState {
                provider: family.to_string(),
                id: id.to_string(),
                attributes: live,
                dependencies: node.dependencies(),
                lifecycle: node.lifecycle.clone(),
                deposed: vec![],
            },
        );
        state.version.serial = match &expected {
            None => 1,
            Some(v) => v.serial.checked_add(1).ok_or(crate::state::StateError::SerialExhausted)?,
        };
        if let Some(kind) = ws.options.target {
            crate::state::target::record(&mut state, kind);
        }
        store.write(&state, expected.as_ref()).await?;
        Ok(())
    })
    .await
}

/// For each sensitive attribute the read did not return that the declaration gives as a secret
/// whose variable is set, records that secret's fingerprint in `live`: the object is taken to
/// hold the declared value (providers never read such values back).
fn adopt_declared_secrets(node: &crate::resource::ResourceNode, address: &Address, live: &mut Attrs) {
    use crate::value::{Value, fingerprint, read_secret};
    for attribute in node.schema.attributes.iter().filter(|a| a.sensitive) {
        if live.get(attribute.name).is_some_and(|v| !matches!(v, Value::Null)) {
            continue;
        }
        if let Some(Value::Secret(spec)) = node.attrs.get(attribute.name)
            && let Some(secret) = read_secret(spec, false)
        {
            live.insert(attribute.name.to_string(), Value::Sensitive(fingerprint(address, attribute.name, &secret)));
        }
    }
}
