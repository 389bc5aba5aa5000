//! `force-unlock ID`: remove a stuck lock, given its id.

use clap::Args;

use crate::error::CliResult;
use crate::session::Session;

/// `force-unlock`.
#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The lock id from the "state is locked" message.
    pub id: String,
}

/// Removes the lock.
pub async fn exec(session: &Session, args: &ForceUnlockArgs) -> CliResult {
    session.store()?.force_unlock(&args.id).await?;
    session.shell.line(&format!("Lock {} removed; state is unlocked.", args.id));
    Ok(0)
}
