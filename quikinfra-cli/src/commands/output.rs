//! `output [NAME]`: the outputs recorded by the last apply.

use clap::Args;
use quikinfra_core::render;

use crate::error::{CliError, CliResult};
use crate::session::Session;

/// `output`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// One output only.
    pub name: Option<String>,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

/// Prints the outputs.
pub async fn exec(session: &Session, args: &OutputArgs) -> CliResult {
    let state = session.state().await?.unwrap_or_else(|| quikinfra_core::state::State::new(session.env().name(), ""));
    if let Some(name) = &args.name {
        let value = state.outputs.get(name).ok_or_else(|| CliError::msg(format!("no output named `{name}`")))?;
        session.shell.line(&if args.json { serde_json::to_string(value)? } else { render::value_text(value) });
        return Ok(0);
    }
    if args.json {
        session.shell.line(&serde_json::to_string_pretty(&state.outputs)?);
    } else if state.outputs.is_empty() {
        session.shell.line(&format!("No outputs: `{}` records none (apply first).", session.env().name()));
    } else {
        super::apply::print_outputs(session, &state);
    }
    Ok(0)
}
