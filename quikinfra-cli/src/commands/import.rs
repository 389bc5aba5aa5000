//! `import ADDRESS ID`: start managing an existing object under a declared address; with
//! `--generate` (and `--discover TYPE`), print the code declaring it instead
//! ([`generate`](super::generate)).

use std::path::PathBuf;

use clap::Args;
use quikinfra_core::addr::Address;
use quikinfra_core::ops;

use crate::error::{CliError, CliResult};
use crate::printer::CliReporter;
use crate::session::{Definition, Session};

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The resource to attach it to: declared, or with --generate the address to write.
    #[arg(required_unless_present = "discover")]
    pub address: Option<Address>,
    /// The object's provider id.
    #[arg(required_unless_present = "discover")]
    pub id: Option<String>,
    /// Print the Rust code declaring the live object instead of importing it (nothing is
    /// written to state): paste it into the definition, then import.
    #[arg(long)]
    pub generate: bool,
    /// With --generate: write the code to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With --generate: write the code of every object of TYPE in the account (or the
    /// resource group).
    #[arg(long, value_name = "TYPE", conflicts_with_all = ["address", "id"])]
    pub discover: Option<String>,
    /// With --discover: only objects tagged KEY=VALUE (repeatable: all of them).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// With --discover: only objects in this resource group (Azure).
    #[arg(long, value_name = "NAME")]
    pub resource_group: Option<String>,
}

/// Imports the object, or writes its code.
pub async fn exec(session: &Session, definition: Definition<'_>, args: &ImportArgs) -> CliResult {
    if args.generate {
        return super::generate::exec(session, definition, args).await;
    }
    if args.discover.is_some() || args.out.is_some() || !args.tags.is_empty() || args.resource_group.is_some() {
        return Err(CliError::msg(
            "--discover, --tag, --resource-group and --out write code: add --generate (objects are imported one at a time, after their code is in the definition)",
        ));
    }
    let (Some(address), Some(id)) = (&args.address, &args.id) else {
        return Err(CliError::msg("import needs ADDRESS and ID"));
    };
    let target = session.target(definition.env, false)?;
    let options = session.options(definition);
    let ws = session.workspace(definition.env, &target, &options);
    ops::import(&ws, address, id, &CliReporter::new(session)).await?;
    session.shell.line(&format!("Imported {address} (id {id}). Run plan to see how it differs from the definition."));
    Ok(0)
}
