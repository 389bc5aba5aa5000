//! The estate as one unit: every environment of a team planned, applied or checked for drift
//! in one run, owners before readers (`cargo run --example estate -- plan`).
//!
//! An [`Estate`] is a list of members (any [`Program`]: an `Environment`, or a program defined
//! from its own state such as a blue/green environment). The run defines each from its state,
//! orders them by ownership of shared resources (an environment reading another's resources
//! comes after it; otherwise the estate's own order) and works level by level, environments of
//! one level at once (at most `--jobs`). Commands:
//!
//! - [`plan`]: every plan, a summary table first; a reader whose owner has not applied yet
//!   reads the owner's planned values (known after the owner applies) instead of failing;
//!   `--json`, `--markdown`, `--out DIR`, `--detailed-exitcode`;
//! - [`apply`]: apply in order, each environment under its own lock, never starting a reader
//!   whose owner failed; with `DIR`, exactly the saved plans, each refused when stale;
//! - [`drift`]: what changed outside quikinfra, per environment and resource; exit 2 when
//!   anything drifted (what a nightly job runs).

pub mod apply;
pub mod drift;
pub mod pending;
pub mod plan;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::Write;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use quikinfra_core::environment::Environment;
use quikinfra_core::plugin::Plugin;
use quikinfra_core::state::{State, StateVersion};

use crate::args::GlobalArgs;
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::program::Program;
use crate::session::{Parts, Session};
use crate::shell::Shell;

/// One environment of an estate: how its definition is built.
pub trait Member: Send + Sync {
    /// The environment's name.
    fn name(&self) -> &str;
    /// Whether [`Member::define`] needs the environment's own state.
    fn reads_state(&self) -> bool;
    /// The definition, from its own state when it reads it.
    fn define(&self, state: Option<&State>) -> Environment;
}

impl<P: Program> Member for P {
    fn name(&self) -> &str {
        Program::name(self)
    }

    fn reads_state(&self) -> bool {
        Program::reads_state(self)
    }

    fn define(&self, state: Option<&State>) -> Environment {
        Program::define(self, state)
    }
}

/// Every environment of an estate, in the order the team lists them (the flow).
#[derive(Default)]
pub struct Estate {
    members: Vec<Box<dyn Member>>,
}

impl Estate {
    /// An empty estate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an environment.
    pub fn member(mut self, member: impl Member + 'static) -> Self {
        self.members.push(Box::new(member));
        self
    }

    /// The environment called `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Member> {
        self.members.iter().find(|m| m.name() == name).map(|m| &**m)
    }

    /// The environments' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.name()).collect()
    }
}

/// quikinfra: plan, apply and check every environment of the estate together.
#[derive(Debug, Parser)]
#[command(name = "estate", version, disable_help_subcommand = true)]
struct EstateCli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: EstateCommand,
}

/// The estate's commands.
#[derive(Debug, Subcommand)]
enum EstateCommand {
    /// Plan every environment, owners first: a summary table, then each plan.
    Plan(plan::EstatePlanArgs),
    /// Apply every environment in order, owners first (or exactly the plans saved in DIR).
    Apply(apply::EstateApplyArgs),
    /// Report what changed outside quikinfra, per environment and resource (exit 2 if any).
    Drift(drift::DriftArgs),
}

/// Which environments, and how many at once.
#[derive(Debug, Args, Clone)]
pub struct Selection {
    /// Only these environments (comma-separated: `--only dev,qa`).
    #[arg(long, value_delimiter = ',', value_name = "ENVS")]
    pub only: Vec<String>,
    /// Environments worked on at once within one level of the order.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
}

/// One environment as the run defined it.
pub struct Defined {
    /// Its session (the run's flags, streams and stores; its own definition).
    pub session: Session,
    /// The environments owning resources it reads, among the estate's.
    pub owners: BTreeSet<String>,
    /// Its place in the estate's own order, which reports follow.
    pub position: usize,
}

impl Defined {
    /// The environment's name.
    pub fn name(&self) -> &str {
        self.session.env().name()
    }
}

/// Runs the estate's command line with the process's arguments and streams, and exits.
pub fn run(estate: Estate, plugins: Vec<Arc<dyn Plugin>>) -> ! {
    std::process::exit(run_with(estate, std::env::args_os(), Context::process(plugins)))
}

/// Runs the estate's command line with `args` and `ctx`, returning the exit code.
pub fn run_with<I, T>(estate: Estate, args: I, ctx: Context) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let Context { out, err, input, out_is_terminal, input_is_terminal, color_allowed, plugins, state_key } = ctx;
    let cli = match EstateCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let mut sink = if e.use_stderr() { err } else { out };
            let _ = sink.write_all(e.render().to_string().as_bytes());
            return code;
        }
    };
    let shell = Shell::new(out, err, out_is_terminal && color_allowed && !cli.global.no_color, out_is_terminal);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            shell.error(&format!("cannot start the async runtime: {e}"));
            return 1;
        }
    };
    let (states, cipher) = match crate::program::open(&cli.global, state_key.as_deref(), &plugins) {
        Ok(opened) => opened,
        Err(e) => {
            shell.error(&e.to_string());
            return 1;
        }
    };
    let parts = Parts { global: cli.global, shell, input, input_is_terminal, plugins, states, cipher };
    let base = Session::new(parts, Environment::new("estate"), None);
    runtime.block_on(async {
        base.interrupts().watch();
        let result = async {
            match &cli.command {
                EstateCommand::Plan(args) => {
                    let levels = define(&estate, &base, &args.selection).await?;
                    plan::exec(&base, levels, args).await
                }
                EstateCommand::Apply(args) => {
                    let levels = define(&estate, &base, &args.selection).await?;
                    apply::exec(&base, levels, args).await
                }
                EstateCommand::Drift(args) => {
                    let levels = define(&estate, &base, &args.selection).await?;
                    drift::exec(&base, levels, args).await
                }
            }
        }
        .await;
        match result {
            Ok(code) => code,
            Err(e) => {
                base.shell.error(&e.to_string());
                1
            }
        }
    })
}

/// Defines the selected members (from their own state where they read it) and orders them in
/// levels: each environment after the estate's environments it reads from.
async fn define(estate: &Estate, base: &Session, selection: &Selection) -> Result<Vec<Vec<Defined>>, CliError> {
    let names = estate.names();
    if let Some(unknown) = selection.only.iter().find(|n| !names.contains(&n.as_str())) {
        return Err(CliError::msg(format!("--only: no environment `{unknown}` in the estate ({})", names.join(", "))));
    }
    let mut defined = Vec::new();
    let chosen = estate.members.iter().enumerate();
    for (position, member) in
        chosen.filter(|(_, m)| selection.only.is_empty() || selection.only.iter().any(|o| o == m.name()))
    {
        let (env, from): (Environment, Option<Option<StateVersion>>) = if member.reads_state() {
            let state = base.states().open(member.name())?.read().await?;
            (member.define(state.as_ref()), Some(state.map(|s| s.version)))
        } else {
            (member.define(None), None)
        };
        let owners: BTreeSet<String> =
            env.owners().into_iter().filter(|o| names.contains(o)).map(str::to_string).collect();
        defined.push(Defined { session: base.for_environment(env, from), owners, position });
    }
    // No two environments may both manage one cloud object: refused before any call.
    let envs: Vec<&Environment> = defined.iter().map(|d| d.session.env()).collect();
    let conflicts = quikinfra_core::validate::estate_conflicts(&envs);
    if !conflicts.is_empty() {
        return Err(CliError::msg(conflicts.to_string()));
    }
    // Levels: an environment's level is one past its deepest owner's (owners outside the
    // selection count as applied).
    let selected: BTreeSet<String> = defined.iter().map(|d| d.name().to_string()).collect();
    let mut level: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..=defined.len() {
        for d in &defined {
            let l = d
                .owners
                .iter()
                .filter(|o| selected.contains(*o))
                .map(|o| level.get(o).map_or(usize::MAX, |l| l + 1))
                .max()
                .unwrap_or(0);
            if l != usize::MAX {
                level.insert(d.name().to_string(), l);
            }
        }
    }
    if let Some(d) = defined.iter().find(|d| !level.contains_key(d.name())) {
        return Err(CliError::msg(format!("`{}` reads from environments that read from it in turn", d.name())));
    }
    let depth = level.values().max().map_or(0, |m| m + 1);
    let mut levels: Vec<Vec<Defined>> = (0..depth).map(|_| Vec::new()).collect();
    for d in defined {
        let l = level[d.name()];
        levels[l].push(d);
    }
    Ok(levels)
}

/// `names` as prose: `dev`, `dev and uat1`, `a, b and c`.
pub(crate) fn and_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Runs `work` over each environment of `level`, at most `jobs` at once, results in the
/// level's order.
pub(crate) async fn each<'a, T, F, Fut>(level: &'a [Defined], jobs: u16, work: F) -> Vec<T>
where
    F: Fn(&'a Defined) -> Fut,
    Fut: std::future::Future<Output = T> + 'a,
{
    use futures_util::StreamExt;
    futures_util::stream::iter(level.iter().map(work)).buffered(usize::from(jobs)).collect().await
}

/// The result column of a summary table.
pub(crate) fn outcome<T>(result: &Result<T, impl std::fmt::Display>) -> String {
    match result {
        Ok(_) => "ok".to_string(),
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default().to_string();
            format!("error: {first}")
        }
    }
}

/// A plain-text table: columns padded to their widest cell.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

/// A Markdown table.
pub(crate) fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out =
        format!("| {} |\n|{}|\n", header.join(" | "), header.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// The exit code of a command over the estate: 1 on any error, else 2 when `changed` and
/// asked for, else 0.
pub(crate) fn exit_code(any_error: bool, changed: bool, detailed: bool) -> CliResult {
    Ok(if any_error {
        1
    } else if changed && detailed {
        2
    } else {
        0
    })
}
