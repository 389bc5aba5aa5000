//! `show [FILE]`: the state, or a saved plan, as text or JSON.

use std::path::PathBuf;

use clap::Args;
use quikinfra_core::jsonplan;
use quikinfra_core::render;

use crate::error::{CliError, CliResult};
use crate::session::Session;

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A saved plan to show instead of the state.
    pub plan_file: Option<PathBuf>,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// Shows the state or the saved plan.
pub async fn exec(session: &Session, args: &ShowArgs) -> CliResult {
    if let Some(path) = &args.plan_file {
        let bytes = std::fs::read(path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
        let plan = jsonplan::from_saved(&bytes, session.cipher())
            .map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
        session.shell.out(&if args.json {
            render::plan_json(&plan)
        } else {
            render::plan_text(&plan, &session.text())
        });
        return Ok(0);
    }
    match session.state().await? {
        None => session.shell.line("No state."),
        Some(state) if args.json => session.shell.out(&quikinfra_core::state::file::to_json(&state)),
        Some(state) => session.shell.out(&render::state_text(&state, &session.text())),
    }
    Ok(0)
}
