//! `refresh`: update state to what is live and report what drifted; changes nothing live.

use clap::Args;
use quikinfra_core::ops;
use quikinfra_core::render;

use crate::args::ScopeArgs;
use crate::error::CliResult;
use crate::printer::CliReporter;
use crate::session::{Definition, Session};

/// `refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Which resources.
    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// Refreshes and reports drift.
pub async fn exec(session: &Session, definition: Definition<'_>, args: &RefreshArgs) -> CliResult {
    let target = session.target(definition.env, false)?;
    let options = session.options(definition);
    let ws = session.workspace(definition.env, &target, &options);
    let reporter = CliReporter::new(session);
    let result = ops::refresh(&ws, args.scope.targets.clone(), args.scope.excludes.clone(), &reporter).await;
    reporter.finish();
    session.report_calls(&target);
    match result? {
        None => session.shell.line("No state yet: nothing to refresh."),
        Some(plan) if plan.drift.is_empty() => session.shell.line("No drift: live objects match state."),
        Some(plan) => {
            session.shell.out(&render::plan_text(&plan, &session.text()));
            session.shell.line(&format!("State updated to match live objects ({} changed outside).", plan.drift.len()));
        }
    }
    Ok(0)
}
