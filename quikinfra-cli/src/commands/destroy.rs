//! `destroy`: destroy everything this environment manages (or a scope of it), after showing
//! the plan and asking.

use clap::Args;

use crate::args::{PlanFlags, ScopeArgs};
use crate::error::CliResult;
use crate::session::{Definition, Session};

/// `destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Which resources.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
}

/// Plans the destroy and applies it.
pub async fn exec(session: &Session, definition: Definition<'_>, args: &DestroyArgs) -> CliResult {
    let flags = PlanFlags { destroy: true, ..PlanFlags::scoped(args.scope.clone()) };
    let target = session.target(definition.env, false)?;
    super::apply::converge(session, definition, &target, &flags, None, args.auto_approve).await
}
