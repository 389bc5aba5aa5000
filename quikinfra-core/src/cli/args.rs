//! Command-line arguments: every command and flag, parsed by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::addr::Address;

/// Which clouds a run talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Cloud {
    /// The embedded simulator (the default: no credentials needed).
    Sim,
    /// The real clouds, through the providers linked into this program.
    Real,
}

/// quikinfra: plan and apply this environment.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, disable_help_subcommand = true)]
pub struct Cli {
    /// Where state (and the simulator's world) live.
    #[arg(long, global = true, env = "QUIKINFRA_STATE_DIR", default_value = ".quikinfra")]
    pub state_dir: PathBuf,
    /// Keep state elsewhere than in --state-dir: a URL such as `s3://bucket/prefix/`, opened by
    /// the backends linked into this program.
    #[arg(long, global = true, env = "QUIKINFRA_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
    /// Target the embedded simulator or the real clouds.
    #[arg(long, global = true, env = "QUIKINFRA_CLOUD", value_enum, default_value_t = Cloud::Sim)]
    pub cloud: Cloud,
    /// Never colour output (NO_COLOR is respected too).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// How long the state lock lives without renewal, in seconds; a heartbeat renews it every
    /// third of that while the command runs, so a crashed run's lock frees itself in time.
    #[arg(long, global = true, env = "QUIKINFRA_LOCK_TTL", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub lock_ttl: u64,
    /// Operations (and refresh reads) in flight at once.
    #[arg(long, global = true, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Also print provider API call counts.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Change live infrastructure to match the definition (or apply a saved plan).
    Apply(ApplyArgs),
    /// Destroy everything this environment manages.
    Destroy(DestroyArgs),
    /// Update state to match live objects and report drift; changes nothing live.
    Refresh(ScopeArgs),
    /// Show the state, or a saved plan.
    Show(ShowArgs),
    /// Inspect and edit state.
    #[command(subcommand)]
    State(StateCommand),
    /// Start managing an existing object: `import ADDRESS ID`.
    Import {
        /// The declared resource to attach it to.
        address: Address,
        /// The object's provider id.
        id: String,
    },
    /// Show outputs recorded by the last apply.
    Output {
        /// One output only.
        name: Option<String>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the dependency graph as Graphviz DOT.
    Graph,
    /// Check the definition without calling anything.
    Validate,
    /// Remove a stuck lock, given its id.
    ForceUnlock {
        /// The lock id from the "state is locked" message.
        id: String,
    },
    /// Inspect and edit the embedded simulator's objects (drift demos, tests).
    #[command(subcommand)]
    Sim(SimCommand),
    /// Deploy the environment as one stack instead (CloudFormation for its AWS resources).
    #[command(subcommand)]
    Stack(StackCommand),
    /// Write the environment as a deployment template (CloudFormation for its AWS resources).
    Synth {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Which resources a command considers.
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Only this resource and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<Address>,
    /// Not this resource nor what depends on it (repeatable).
    #[arg(long = "exclude", value_name = "ADDRESS")]
    pub excludes: Vec<Address>,
}

/// Flags shared by plan and apply.
#[derive(Debug, Args, Clone)]
pub struct PlanFlags {
    /// Which resources.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Replace this resource even if unchanged (repeatable).
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<Address>,
    /// Read live objects first (`--refresh=false` plans from state alone).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Plan to destroy everything.
    #[arg(long, conflicts_with = "refresh_only")]
    pub destroy: bool,
    /// Plan only to update state to match live objects.
    #[arg(long)]
    pub refresh_only: bool,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// What to plan.
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Save the plan to FILE; `apply FILE` applies exactly it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON (see docs/plan-json.md).
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`; applied exactly, refused when stale.
    pub plan_file: Option<PathBuf>,
    /// What to plan, when no plan file is given.
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
}

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

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A saved plan to show instead of the state.
    pub plan_file: Option<PathBuf>,
    /// As JSON.
    #[arg(long)]
    pub json: bool,
}

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

/// `stack …`: the stack engine (CloudFormation change sets).
#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Show the change set that would bring the stack to the definition.
    Plan,
    /// Create and execute the change set, waiting for the stack to settle.
    Apply {
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
    },
    /// Delete the stack and everything in it.
    Destroy {
        /// Do not ask for confirmation.
        #[arg(long)]
        auto_approve: bool,
    },
}

/// `sim …`.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// List the simulator's objects.
    List,
    /// Change an attribute of a managed resource's live object, outside quikinfra.
    Set {
        /// The resource (its id is looked up in state).
        address: Address,
        /// The attribute.
        attribute: String,
        /// The new value, as JSON (`false`, `"text"`, `{"a":1}`).
        value: String,
    },
    /// Remove an attribute of a managed resource's live object, outside quikinfra.
    Unset {
        /// The resource.
        address: Address,
        /// The attribute.
        attribute: String,
    },
    /// Delete a managed resource's live object, outside quikinfra.
    Delete {
        /// The resource.
        address: Address,
    },
}
