//! Blue/green traffic: which colour is active, the health check before a switch, and the
//! command line of a blue/green environment (`cargo run --example live …`).
//!
//! The active colour is read from the environment's state (which endpoint of the edge profile
//! is enabled), so a plain `plan` or `apply` keeps whatever colour is live and never switches
//! back on its own; the row's initial colour applies only before the first apply.
//! `switch <colour>` is the one way to move traffic: it checks the target colour's cluster,
//! then plans (or with `--apply`, applies) the edge profile alone, so the switch is the only
//! change. A cluster is fit to take traffic when state records it and its provisioning state,
//! when the target reports one, is `Succeeded`; on the embedded simulator the live object is
//! read too, so `sim delete` and `sim set … provisioning_state '"Failed"'` are refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use quikinfra::cli::{Context, run_with};
use quikinfra::engine::addr::Address;
use quikinfra::engine::sim::Simulator;
use quikinfra::engine::state::State;
use quikinfra::engine::state::local::LocalBackend;
use quikinfra::engine::value::{Attrs, Value};

use super::{Colour, Row, Traffic, build_with};

/// The edge profile's address.
pub const EDGE: &str = "azure_traffic_manager_profile.edge";

/// The address of `colour`'s cluster.
pub fn cluster(colour: Colour) -> Address {
    Address::new("azure_aks_cluster", colour.name())
}

/// Command-line flags of the engine that take a value, so their values are not mistaken for
/// the `switch` command's words.
const VALUE_FLAGS: &[&str] =
    &["--state-dir", "--cloud", "--parallelism", "--target", "--exclude", "--replace", "--out"];

/// Where state lives and which target a command line asks for, read the way the engine reads
/// them (`--state-dir`, `QUIKINFRA_STATE_DIR`, `.quikinfra`; `--cloud`, `QUIKINFRA_CLOUD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The state directory.
    pub state_dir: PathBuf,
    /// Whether the embedded simulator is the target.
    pub simulator: bool,
}

impl Target {
    /// The target of `args` (the first is the program name).
    pub fn from_args(args: &[String]) -> Self {
        let flag = |name: &str| -> Option<String> {
            let eq = format!("{name}=");
            args.iter().enumerate().skip(1).find_map(|(i, a)| {
                if a == name { args.get(i + 1).cloned() } else { a.strip_prefix(&eq).map(str::to_string) }
            })
        };
        let state_dir = flag("--state-dir")
            .or_else(|| std::env::var("QUIKINFRA_STATE_DIR").ok())
            .unwrap_or_else(|| ".quikinfra".to_string());
        let cloud = flag("--cloud").or_else(|| std::env::var("QUIKINFRA_CLOUD").ok()).unwrap_or_default();
        Self { state_dir: PathBuf::from(state_dir), simulator: cloud != "real" }
    }
}

/// The state of environment `name` under `state_dir`, if any.
pub fn read_state(state_dir: &Path, name: &str) -> Result<Option<State>, String> {
    let path = LocalBackend::new(state_dir, name).state_path();
    match std::fs::read_to_string(&path) {
        Ok(text) => quikinfra::engine::state::file::from_json(&text, &path).map(Some).map_err(|e| e.to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
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
    /// Not read (real clouds: the state's record, as last refreshed, stands in for it).
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

/// The command line of blue/green environment `row`: the engine's commands, plus
/// `switch <blue|green> [--apply] [flags…]`. Returns the exit code.
pub fn blue_green_main(row: &Row, args: Vec<String>, mut ctx: Context) -> i32 {
    let Traffic::BlueGreen { initial } = row.traffic else {
        let _ = writeln!(ctx.err, "Error: `{}` is not a blue/green environment", row.name);
        return 1;
    };
    let target = Target::from_args(&args);
    let state = match read_state(&target.state_dir, row.name) {
        Ok(state) => state,
        Err(e) => {
            let _ = writeln!(ctx.err, "Error: {e}");
            return 1;
        }
    };
    let active = state.as_ref().and_then(active_colour);

    // The positional words, skipping flags and their values.
    let mut words = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        if VALUE_FLAGS.contains(&a.as_str()) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') {
            words.push(i);
        }
        i += 1;
    }
    if words.first().map(|&i| args[i].as_str()) != Some("switch") {
        return run_with(build_with(row, Some(active.unwrap_or(initial))), args, ctx);
    }

    let usage = format!("usage: {} switch <blue|green> [--apply] [flags…]", row.name);
    let Some(colour) = words.get(1).and_then(|&i| Colour::parse(&args[i])) else {
        let _ = writeln!(ctx.err, "Error: {usage}");
        return 1;
    };
    if words.len() > 2 {
        let _ = writeln!(ctx.err, "Error: {usage}");
        return 1;
    }
    let Some(state) = state else {
        let _ = writeln!(
            ctx.err,
            "Error: refusing to switch to {}: `{}` has no state yet; apply it first",
            colour.name(),
            row.name
        );
        return 1;
    };
    if active == Some(colour) {
        let _ = writeln!(ctx.out, "{} is already active in `{}`: nothing to switch.", colour.name(), row.name);
        return 0;
    }
    let read = if target.simulator {
        let sim = match Simulator::open(target.state_dir.join("sim")) {
            Ok(sim) => sim,
            Err(e) => {
                let _ = writeln!(ctx.err, "Error: {e}");
                return 1;
            }
        };
        state.resources.get(&cluster(colour)).map(|rs| sim.get("azure_aks_cluster", &rs.id))
    } else {
        None
    };
    let live = match &read {
        None => Live::NotRead,
        Some(None) => Live::Gone,
        Some(Some(attrs)) => Live::Found(attrs),
    };
    if let Err(why) = check_health(&state, colour, live) {
        let _ = writeln!(ctx.err, "Error: refusing to switch `{}` to {}: {why}", row.name, colour.name());
        return 1;
    }
    let apply = args.iter().any(|a| a == "--apply");
    let mut argv: Vec<String> = vec![args[0].clone(), if apply { "apply" } else { "plan" }.to_string()];
    argv.extend(["--target".to_string(), EDGE.to_string()]);
    argv.extend(
        args.iter()
            .enumerate()
            .skip(1)
            .filter(|(i, a)| !words.contains(i) && a.as_str() != "--apply")
            .map(|(_, a)| a.clone()),
    );
    let from = active.map_or("no colour", Colour::name);
    let _ = writeln!(ctx.out, "Switching `{}` from {from} to {}: only {EDGE} changes.", row.name, colour.name());
    run_with(build_with(row, Some(colour)), argv, ctx)
}
