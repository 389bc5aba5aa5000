//! `import ADDRESS ID`: start managing an existing object under a declared address.

use clap::Args;
use quikinfra_core::addr::Address;
use quikinfra_core::ops;

use crate::error::CliResult;
use crate::printer::CliReporter;
use crate::session::{Definition, Session};

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The declared resource to attach it to.
    pub address: Address,
    /// The object's provider id.
    pub id: String,
}

/// Imports the object.
pub async fn exec(session: &Session, definition: Definition<'_>, args: &ImportArgs) -> CliResult {
    let target = session.target(definition.env, false)?;
    let options = session.options(definition);
    let ws = session.workspace(definition.env, &target, &options);
    ops::import(&ws, &args.address, &args.id, &CliReporter::new(session)).await?;
    session.shell.line(&format!(
        "Imported {} (id {}). Run plan to see how it differs from the definition.",
        args.address, args.id
    ));
    Ok(0)
}
