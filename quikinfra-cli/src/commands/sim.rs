//! `sim list | set | unset | delete`: change the embedded simulator's objects outside
//! quikinfra, for drift demos and tests.

use clap::Subcommand;
use quikinfra_core::addr::Address;
use quikinfra_core::sim::Simulator;
use quikinfra_core::value::Value;

use crate::args::Cloud;
use crate::error::{CliError, CliResult};
use crate::session::Session;

/// `sim …`.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// List the simulator's objects.
    List,
    /// Change an attribute of a managed resource's live object, outside quikinfra.
    Set {
        /// The resource (its id is looked up in state).
        address: Address,
        /// The attribute.
        attribute: String,
        /// The new value, as JSON (`false`, `"text"`, `{"a":1}`).
        value: String,
    },
    /// Remove an attribute of a managed resource's live object, outside quikinfra.
    Unset {
        /// The resource.
        address: Address,
        /// The attribute.
        attribute: String,
    },
    /// Delete a managed resource's live object, outside quikinfra.
    Delete {
        /// The resource.
        address: Address,
    },
}

/// The provider id state records for `address`.
async fn id_of(session: &Session, address: &Address) -> Result<String, CliError> {
    let state = session.state().await?.ok_or_else(|| CliError::msg("no state"))?;
    Ok(state.resources.get(address).ok_or_else(|| CliError::msg(format!("{address} is not in state")))?.id.clone())
}

/// Runs a simulator command.
pub async fn exec(session: &Session, cmd: &SimCommand) -> CliResult {
    if session.global.cloud != Cloud::Sim {
        return Err(CliError::msg("`sim` commands only work with the embedded simulator (--cloud sim)"));
    }
    let sim = Simulator::open(session.sim_dir())?.for_environment(session.env().name());
    let shell = &session.shell;
    match cmd {
        SimCommand::List => {
            for o in sim.objects() {
                shell.line(&format!("{} {}", o.type_name, o.id));
            }
        }
        SimCommand::Set { address, attribute, value } => {
            let id = id_of(session, address).await?;
            let json: serde_json::Value =
                serde_json::from_str(value).map_err(|e| CliError::msg(format!("value must be JSON: {e}")))?;
            sim.set_attribute(address.type_name(), &id, attribute, Value::from_json(json).map_err(CliError::msg)?)?;
            shell.line(&format!("Changed {attribute} of {address} (id {id}) outside quikinfra."));
        }
        SimCommand::Unset { address, attribute } => {
            let id = id_of(session, address).await?;
            sim.remove_attribute(address.type_name(), &id, attribute)?;
            shell.line(&format!("Removed {attribute} of {address} (id {id}) outside quikinfra."));
        }
        SimCommand::Delete { address } => {
            let id = id_of(session, address).await?;
            sim.delete_object(address.type_name(), &id)?;
            shell.line(&format!("Deleted {address} (id {id}) outside quikinfra."));
        }
    }
    Ok(0)
}
