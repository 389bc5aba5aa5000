//! `graph`: the dependency graph as Graphviz DOT.

use crate::error::{CliError, CliResult};
use crate::session::Session;

/// Prints the graph.
pub fn exec(session: &Session) -> CliResult {
    let graph = quikinfra_core::validate::validate(session.env()).map_err(|p| CliError::msg(p.to_string()))?;
    session.shell.out(&graph.to_dot(session.env().name()));
    Ok(0)
}
