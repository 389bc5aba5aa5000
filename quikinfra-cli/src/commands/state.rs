//! `state list | show | rm | mv`: inspect and edit what state tracks; live objects are never
//! touched.

use clap::Subcommand;
use quikinfra_core::addr::Address;
use quikinfra_core::apply::SilentProgress;
use quikinfra_core::ops;
use quikinfra_core::render;

use crate::error::{CliError, CliResult};
use crate::session::{Definition, Session, Target};

/// `state …`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List every resource in state.
    List,
    /// Show one resource's attributes.
    Show {
        /// The resource.
        address: Address,
    },
    /// Stop managing resources without destroying them.
    Rm {
        /// The resources.
        #[arg(required = true)]
        addresses: Vec<Address>,
    },
    /// Move a resource to another address of the same type.
    Mv {
        /// From.
        from: Address,
        /// To.
        to: Address,
    },
}

/// Runs a state command.
pub async fn exec(session: &Session, definition: Definition<'_>, cmd: &StateCommand) -> CliResult {
    // State edits call no provider: an empty target is all the workspace needs.
    let target = Target { providers: Default::default() };
    let options = session.options(Definition { from: None, ..definition });
    let ws = session.workspace(definition.env, &target, &options);
    match cmd {
        StateCommand::List => {
            for address in session.state().await?.iter().flat_map(|s| s.resources.keys()) {
                session.shell.line(&address.to_string());
            }
        }
        StateCommand::Show { address } => {
            let state = session.state().await?.ok_or_else(|| CliError::msg("no state"))?;
            let rs = state.resources.get(address).ok_or_else(|| CliError::msg(format!("{address} is not in state")))?;
            session.shell.out(&render::resource_text(address, rs, &session.text()));
        }
        StateCommand::Rm { addresses } => {
            ops::state_rm(&ws, addresses, &SilentProgress).await?;
            for a in addresses {
                session.shell.line(&format!("Removed {a} (the live object was not touched)"));
            }
        }
        StateCommand::Mv { from, to } => {
            ops::state_mv(&ws, from, to, &SilentProgress).await?;
            session.shell.line(&format!("Moved {from} to {to}"));
        }
    }
    Ok(0)
}
