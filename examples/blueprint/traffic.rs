//! Blue/green traffic: which colour is active, the health check before a switch, and the
//! program of a blue/green environment (`cargo run --example live …`): the built-in commands
//! plus a typed `switch <blue|green> [--apply] [--auto-approve]`.
//!
//! The active colour is read from the environment's state (which endpoint of the edge profile
//! is enabled), through the run's backend and key like every other state read, so a plain
//! `plan` or `apply` keeps whatever colour is live and never switches back on its own; the
//! row's initial colour applies only before the first apply. `switch <colour>` is the one way
//! to move traffic: it checks the target colour's cluster, then plans (or with `--apply`,
//! applies) the edge profile alone, so the switch is the only change. A cluster is fit to take
//! traffic when state records it, its live object exists on the run's target (the simulator,
//! or ARM with `--cloud real`) and its provisioning state, when the target reports one, is
//! `Succeeded`.

use quikinfra::cli::args::{PlanFlags, ScopeArgs};
use quikinfra::cli::commands::{apply, plan};
use quikinfra::cli::session::Definition;
use quikinfra::cli::{CliError, CliResult, Program, Session};
use quikinfra::engine::addr::Address;
use quikinfra::engine::environment::Environment;
use quikinfra::engine::state::State;
use quikinfra::engine::value::{Attrs, Value};

use super::{Colour, Row, Traffic, build_with};

/// The edge profile's address.
pub const EDGE: &str = "azure_traffic_manager_profile.edge";

/// The address of `colour`'s cluster.
pub fn cluster(colour: Colour) -> Address {
    Address::new("azure_aks_cluster", colour.name())
}

/// The colour whose endpoint is enabled in `state`'s edge profile.
pub fn active_colour(state: &State) -> Option<Colour> {
    let profile = state.resources.get(&EDGE.parse::<Address>().ok()?)?;
    let Some(Value::List(endpoints)) = profile.attributes.get("endpoints") else { return None };
    let enabled: Vec<Colour> = endpoints
        .iter()
        .filter_map(Value::as_map)
        .filter(|e| e.get("status").and_then(Value::as_str) == Some("Enabled"))
        .filter_map(|e| e.get("name").and_then(Value::as_str).and_then(Colour::parse))
        .collect();
    match enabled.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// What the target says of a cluster's live object.
#[derive(Clone, Copy, Debug)]
pub enum Live<'a> {
    /// Not read (state has no record to read it by).
    NotRead,
    /// Read, and gone.
    Gone,
    /// Read: its attributes.
    Found(&'a Attrs),
}

/// Why `colour`'s cluster cannot take traffic, or `Ok` when it can.
pub fn check_health(state: &State, colour: Colour, live: Live<'_>) -> Result<(), String> {
    let address = cluster(colour);
    let Some(record) = state.resources.get(&address) else {
        return Err(format!("{address} is not in state: apply the environment so both clusters exist first"));
    };
    let attributes = match live {
        Live::Gone => {
            return Err(format!(
                "{address} (id {}) no longer exists: apply the environment to recreate it first",
                record.id
            ));
        }
        Live::Found(attrs) => attrs,
        Live::NotRead => &record.attributes,
    };
    match attributes.get("provisioning_state").and_then(Value::as_str) {
        None | Some("Succeeded") => Ok(()),
        Some(other) => Err(format!("{address} is not healthy: its provisioning state is `{other}`, not `Succeeded`")),
    }
}

/// A blue/green environment's program.
pub struct BlueGreen {
    row: &'static Row,
    initial: Colour,
}

impl BlueGreen {
    /// The program of `row`; `None` unless its traffic is blue/green.
    pub fn new(row: &'static Row) -> Option<Self> {
        match row.traffic {
            Traffic::BlueGreen { initial } => Some(Self { row, initial }),
            _ => None,
        }
    }
}

/// A blue/green environment's own commands.
#[derive(Debug, clap::Subcommand)]
pub enum BlueGreenCommand {
    /// Move all traffic to the other colour's cluster (a plan of the edge profile alone; `--apply`
    /// applies it), refused when that cluster is missing or unhealthy.
    Switch {
        /// The colour to take traffic.
        #[arg(value_enum)]
        colour: Colour,
        /// Apply the switch instead of only planning it.
        #[arg(long)]
        apply: bool,
        /// With --apply: do not ask for confirmation.
        #[arg(long, requires = "apply")]
        auto_approve: bool,
    },
}

#[async_trait::async_trait(?Send)]
impl Program for BlueGreen {
    type Command = BlueGreenCommand;

    fn name(&self) -> &str {
        self.row.name
    }

    fn reads_state(&self) -> bool {
        true
    }

    fn define(&self, state: Option<&State>) -> Environment {
        build_with(self.row, Some(state.and_then(active_colour).unwrap_or(self.initial)))
    }

    async fn run(&self, command: BlueGreenCommand, session: &Session) -> CliResult {
        let BlueGreenCommand::Switch { colour, apply, auto_approve } = command;
        self.switch(session, colour, apply, auto_approve).await
    }
}

impl BlueGreen {
    async fn switch(&self, session: &Session, colour: Colour, apply: bool, auto_approve: bool) -> CliResult {
        let name = self.row.name;
        let Some(state) = session.state().await? else {
            return Err(CliError::msg(format!(
                "refusing to switch to {}: `{name}` has no state yet; apply it first",
                colour.name()
            )));
        };
        let active = active_colour(&state);
        if active == Some(colour) {
            session.shell.line(&format!("{} is already active in `{name}`: nothing to switch.", colour.name()));
            return Ok(0);
        }
        let env = build_with(self.row, Some(colour));
        let target = session.target(&env, true)?;
        let live = match state.resources.get(&cluster(colour)) {
            None => None,
            Some(record) => Some(session.read_live(&target, &cluster(colour), &record.provider, &record.id).await?),
        };
        let live = match &live {
            None => Live::NotRead,
            Some(None) => Live::Gone,
            Some(Some(attrs)) => Live::Found(attrs),
        };
        if let Err(why) = check_health(&state, colour, live) {
            return Err(CliError::msg(format!("refusing to switch `{name}` to {}: {why}", colour.name())));
        }
        let from = active.map_or("no colour", Colour::name);
        session.shell.line(&format!("Switching `{name}` from {from} to {}: only {EDGE} changes.", colour.name()));
        let edge: Address = EDGE.parse().map_err(|e| CliError::msg(format!("{EDGE}: {e}")))?;
        let flags = PlanFlags::scoped(ScopeArgs { targets: vec![edge], excludes: vec![] });
        // Built from the state read above: a run that moved it meanwhile is refused, not undone.
        let built_from = Some(state.version.clone());
        let definition = Definition { env: &env, from: Some(&built_from) };
        if apply {
            apply::converge(session, definition, &target, &flags, None, auto_approve).await
        } else {
            let args = plan::PlanArgs { flags, out: None, json: false, markdown: false, detailed_exitcode: false };
            plan::run(session, definition, &target, &args).await
        }
    }
}
