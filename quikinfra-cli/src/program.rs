//! Environment programs: a definition, the subcommands it adds, and [`run_with`], which parses
//! the command line and runs one command.
//!
//! A [`Program`] gives its environment's name, builds its definition (from its own state when
//! it says it needs it, read through the run's backend and key: a blue/green environment's
//! active colour is in its state), and may add typed subcommands of its own (clap
//! `Subcommand`s) that run against the same [`Session`] as the built-in ones. A plain
//! [`Environment`] is a program with no subcommands.
//!
//! One clap parser holds the global flags, the built-in commands, the program's subcommands and
//! the plugins' (`synth`, `stack …`); names must not collide.

use std::ffi::OsString;
use std::io::Write;
use std::sync::Arc;

use async_trait::async_trait;
use clap::{CommandFactory, FromArgMatches, Subcommand};
use quikinfra_core::environment::Environment;
use quikinfra_core::plugin::Plugin;
use quikinfra_core::state::crypt::Cipher;
use quikinfra_core::state::{State, StateStores};

use crate::args::GlobalArgs;
use crate::commands::{self, Builtin};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::estate::Estate;
use crate::plugins::{self, SessionIo};
use crate::session::{Parts, Session};
use crate::shell::Shell;

/// An environment program: what `main` hands to [`run_program`].
#[async_trait(?Send)]
pub trait Program: Send + Sync {
    /// Subcommands of its own, parsed next to the built-in ones ([`NoCommands`] for none).
    type Command: Subcommand + Send;

    /// The environment's name, which names its state.
    fn name(&self) -> &str;

    /// Whether [`Program::define`] needs the environment's own state.
    fn reads_state(&self) -> bool {
        false
    }

    /// The definition; `state` is the environment's own as stored now when
    /// [`Program::reads_state`] (`None` before the first apply), else `None`.
    fn define(&self, state: Option<&State>) -> Environment;

    /// Runs one of its own subcommands.
    async fn run(&self, command: Self::Command, session: &Session) -> CliResult;

    /// The estate the environment belongs to, if the program knows it ([`InEstate`]): a plan
    /// whose owners have not applied yet then plans them from the estate's definitions and
    /// reads their planned values, instead of failing.
    fn estate(&self) -> Option<Arc<Estate>> {
        None
    }
}

/// `program` as a member of `estate`: its command line is the program's own, and a plan whose
/// owners have not applied yet reads their planned values (known after they apply) from the
/// estate's definitions. Such a plan is for review; apply still refuses until the owners apply.
pub struct InEstate<P> {
    program: P,
    estate: Arc<Estate>,
}

impl<P> InEstate<P> {
    /// `program`, which belongs to `estate`.
    pub fn new(program: P, estate: Estate) -> Self {
        Self { program, estate: Arc::new(estate) }
    }
}

#[async_trait(?Send)]
impl<P: Program> Program for InEstate<P> {
    type Command = P::Command;

    fn name(&self) -> &str {
        self.program.name()
    }

    fn reads_state(&self) -> bool {
        self.program.reads_state()
    }

    fn define(&self, state: Option<&State>) -> Environment {
        self.program.define(state)
    }

    async fn run(&self, command: Self::Command, session: &Session) -> CliResult {
        self.program.run(command, session).await
    }

    fn estate(&self) -> Option<Arc<Estate>> {
        Some(self.estate.clone())
    }
}

/// No subcommands of a program's own.
#[derive(Debug, Clone, Copy)]
pub enum NoCommands {}

impl FromArgMatches for NoCommands {
    fn from_arg_matches(_: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))
    }

    fn update_from_arg_matches(&mut self, _: &clap::ArgMatches) -> Result<(), clap::Error> {
        match *self {}
    }
}

impl Subcommand for NoCommands {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        cmd
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        cmd
    }

    fn has_subcommand(_: &str) -> bool {
        false
    }
}

#[async_trait(?Send)]
impl Program for Environment {
    type Command = NoCommands;

    fn name(&self) -> &str {
        Environment::name(self)
    }

    fn define(&self, _state: Option<&State>) -> Environment {
        self.clone()
    }

    async fn run(&self, command: NoCommands, _session: &Session) -> CliResult {
        match command {}
    }
}

/// The global flags, as clap parses them on their own.
#[derive(Debug, clap::Parser)]
struct Globals {
    #[command(flatten)]
    global: GlobalArgs,
}

/// Runs the command line of `env` with the process's arguments and streams, and exits.
pub fn run(env: Environment, plugins: Vec<Arc<dyn Plugin>>) -> ! {
    run_program(env, plugins)
}

/// Runs the command line of `program` with the process's arguments and streams, and exits.
pub fn run_program<P: Program>(program: P, plugins: Vec<Arc<dyn Plugin>>) -> ! {
    std::process::exit(run_with(program, std::env::args_os(), Context::process(plugins)))
}

/// Runs the command line of `program` with `args` (the first is the program name) and `ctx`,
/// returning the exit code.
pub fn run_with<P, I, T>(program: P, args: I, ctx: Context) -> i32
where
    P: Program,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let Context { out, err, input, out_is_terminal, input_is_terminal, color_allowed, plugins, state_key } = ctx;
    let plugin_commands = plugins::commands(&plugins);
    let taken = |name: &str| Builtin::has_subcommand(name) || P::Command::has_subcommand(name);
    if let Some((spec, _)) = plugin_commands.iter().find(|(spec, _)| taken(spec.name)) {
        let mut err = err;
        let _ = writeln!(err, "Error: a linked plugin adds a command `{}` that this program already has", spec.name);
        return 1;
    }
    let mut command = Globals::command()
        .name(program.name().to_string())
        .bin_name(program.name().to_string())
        .about(format!("quikinfra: plan and apply the `{}` environment", program.name()))
        .version(quikinfra_core::VERSION)
        .disable_help_subcommand(true)
        .subcommand_required(true);
    command = Builtin::augment_subcommands(command);
    command = P::Command::augment_subcommands(command);
    for (spec, _) in &plugin_commands {
        command = command.subcommand(plugins::to_clap(spec));
    }
    let matches = match command.try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let mut sink = if e.use_stderr() { err } else { out };
            let _ = sink.write_all(e.render().to_string().as_bytes());
            return code;
        }
    };
    let global = match GlobalArgs::from_arg_matches(&matches) {
        Ok(global) => global,
        Err(e) => {
            let mut err = err;
            let _ = err.write_all(e.render().to_string().as_bytes());
            return 1;
        }
    };
    let shell = Shell::new(out, err, out_is_terminal && color_allowed && !global.no_color, out_is_terminal);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            shell.error(&format!("cannot start the async runtime: {e}"));
            return 1;
        }
    };
    let opened = open(&global, state_key.as_deref(), &plugins);
    let (states, cipher) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            shell.error(&e.to_string());
            return 1;
        }
    };
    let parts = Parts { global, shell, input, input_is_terminal, plugins, states, cipher };
    runtime.block_on(async move {
        let session = match define(&program, parts).await {
            Ok(session) => session,
            Err((shell, e)) => {
                shell.error(&e.to_string());
                return 1;
            }
        };
        session.interrupts().watch();
        let result = dispatch(&program, &session, &matches, &plugin_commands).await;
        match result {
            Ok(code) => code,
            Err(e) => {
                session.shell.error(&e.to_string());
                1
            }
        }
    })
}

/// The state stores `global`'s `--backend` (or `--state-dir`) names, sealed with the key in
/// `QUIKINFRA_STATE_KEY`: for programs of a team's own that read environments' state the way
/// every command does.
pub fn open_states(global: &GlobalArgs, plugins: &[Arc<dyn Plugin>]) -> Result<StateStores, CliError> {
    let key = std::env::var(quikinfra_core::state::crypt::KEY_ENV).ok().filter(|k| !k.trim().is_empty());
    Ok(open(global, key.as_deref(), plugins)?.0)
}

/// The state stores `--backend` (or `--state-dir`) and the key name.
pub(crate) fn open(
    global: &GlobalArgs,
    state_key: Option<&str>,
    plugins: &[Arc<dyn Plugin>],
) -> Result<(StateStores, Option<Cipher>), CliError> {
    let cipher = state_key.map(Cipher::from_key_text).transpose()?;
    let backends = plugins::backends(global.backend.as_deref(), &global.state_dir, plugins)?;
    Ok((StateStores::new(backends, cipher.clone()), cipher))
}

/// Builds the definition (from the environment's own state when the program needs it) and
/// the session around it.
async fn define<P: Program>(program: &P, parts: Parts) -> Result<Session, (Shell, CliError)> {
    if !program.reads_state() {
        return Ok(Session::new(parts, program.define(None), None).in_estate(program.estate()));
    }
    let read = match parts.states.open(program.name()) {
        Ok(store) => store.read().await.map_err(CliError::from),
        Err(e) => Err(e.into()),
    };
    match read {
        Ok(state) => {
            let env = program.define(state.as_ref());
            let from = state.map(|s| s.version);
            Ok(Session::new(parts, env, Some(from)).in_estate(program.estate()))
        }
        Err(e) => Err((parts.shell, e)),
    }
}

async fn dispatch<P: Program>(
    program: &P,
    session: &Session,
    matches: &clap::ArgMatches,
    plugin_commands: &[(quikinfra_core::plugin::CommandSpec, Arc<dyn quikinfra_core::plugin::PluginCommand>)],
) -> CliResult {
    let name = matches.subcommand_name().unwrap_or_default();
    if Builtin::has_subcommand(name) {
        let builtin = Builtin::from_arg_matches(matches).map_err(|e| CliError::msg(e.to_string()))?;
        return commands::exec(session, builtin).await;
    }
    if P::Command::has_subcommand(name) {
        let own = P::Command::from_arg_matches(matches).map_err(|e| CliError::msg(e.to_string()))?;
        return program.run(own, session).await;
    }
    let (spec, command) = plugin_commands
        .iter()
        .find(|(spec, _)| spec.name == name)
        .ok_or_else(|| CliError::msg(format!("unknown command `{name}`")))?;
    let sub = matches.subcommand_matches(name).expect("the subcommand clap parsed");
    let args = plugins::parsed(spec, sub);
    command.run(session.env(), &args, &SessionIo { session }).await?;
    Ok(0)
}
