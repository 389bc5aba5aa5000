//! The built-in commands, one module each in cargo's shape: the command's arguments and a thin
//! `exec` that calls `quikinfra_core::ops` (or a read-only engine function) and prints.

pub mod apply;
pub mod destroy;
pub mod force_unlock;
pub mod generate;
pub mod graph;
pub mod import;
pub mod output;
pub mod plan;
pub mod refresh;
pub mod show;
pub mod sim;
pub mod state;
pub mod validate;

use clap::Subcommand;

use crate::error::CliResult;
use crate::session::Session;

/// The commands every environment program has.
#[derive(Debug, Subcommand)]
pub enum Builtin {
    /// Show what apply would change.
    Plan(plan::PlanArgs),
    /// Change live infrastructure to match the definition (or apply a saved plan).
    Apply(apply::ApplyArgs),
    /// Destroy everything this environment manages.
    Destroy(destroy::DestroyArgs),
    /// Update state to match live objects and report drift; changes nothing live.
    Refresh(refresh::RefreshArgs),
    /// Show the state, or a saved plan.
    Show(show::ShowArgs),
    /// Inspect and edit state.
    #[command(subcommand)]
    State(state::StateCommand),
    /// Start managing an existing object: `import ADDRESS ID` (`--generate`: print its code).
    Import(import::ImportArgs),
    /// Show outputs recorded by the last apply.
    Output(output::OutputArgs),
    /// Print the dependency graph as Graphviz DOT.
    Graph,
    /// Check the definition without calling anything.
    Validate,
    /// Remove a stuck lock, given its id.
    ForceUnlock(force_unlock::ForceUnlockArgs),
    /// Inspect and edit the embedded simulator's objects (drift demos, tests).
    #[command(subcommand)]
    Sim(sim::SimCommand),
}

/// Runs a built-in command against the session's definition.
pub async fn exec(session: &Session, command: Builtin) -> CliResult {
    let definition = session.definition();
    match command {
        Builtin::Plan(args) => plan::exec(session, definition, &args).await,
        Builtin::Apply(args) => apply::exec(session, definition, &args).await,
        Builtin::Destroy(args) => destroy::exec(session, definition, &args).await,
        Builtin::Refresh(args) => refresh::exec(session, definition, &args).await,
        Builtin::Show(args) => show::exec(session, &args).await,
        Builtin::State(cmd) => state::exec(session, definition, &cmd).await,
        Builtin::Import(args) => import::exec(session, definition, &args).await,
        Builtin::Output(args) => output::exec(session, &args).await,
        Builtin::Graph => graph::exec(session),
        Builtin::Validate => validate::exec(session),
        Builtin::ForceUnlock(args) => force_unlock::exec(session, &args).await,
        Builtin::Sim(cmd) => sim::exec(session, &cmd).await,
    }
}
