//! The linked plugins on the command line: their subcommands as clap commands and back, the
//! state backends `--backend` opens through them, and the served-type check of `--cloud real`.

use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command};
use quikinfra_core::diag::Problems;
use quikinfra_core::environment::Environment;
use quikinfra_core::plugin::{ArgKind, CommandArgs, CommandIo, CommandSpec, Plugin, PluginCommand, PluginError};
use quikinfra_core::provider::boundary::list;
use quikinfra_core::state::Backends;
use quikinfra_core::state::local::LocalBackends;

use crate::error::CliError;
use crate::session::Session;

/// `spec` as a clap subcommand.
pub fn to_clap(spec: &CommandSpec) -> Command {
    let mut cmd = Command::new(spec.name).about(spec.about);
    for arg in &spec.args {
        let built = Arg::new(arg.name).long(arg.name).help(arg.help);
        cmd = cmd.arg(match &arg.kind {
            ArgKind::Flag => built.action(ArgAction::SetTrue),
            ArgKind::Value { value_name } => built.value_name(*value_name).action(ArgAction::Set),
        });
    }
    if !spec.subcommands.is_empty() {
        cmd = cmd.subcommand_required(true);
        for sub in &spec.subcommands {
            cmd = cmd.subcommand(to_clap(sub));
        }
    }
    cmd
}

/// What clap parsed for `spec`, as the plugin reads it.
pub fn parsed(spec: &CommandSpec, matches: &ArgMatches) -> CommandArgs {
    let mut args = CommandArgs::default();
    let (mut spec, mut matches) = (spec, matches);
    loop {
        for arg in &spec.args {
            match arg.kind {
                ArgKind::Flag => {
                    if matches.get_flag(arg.name) {
                        args.flags.insert(arg.name.to_string());
                    }
                }
                ArgKind::Value { .. } => {
                    if let Some(value) = matches.get_one::<String>(arg.name) {
                        args.values.insert(arg.name.to_string(), value.clone());
                    }
                }
            }
        }
        let Some((name, sub)) = matches.subcommand() else { return args };
        let Some(next) = spec.subcommands.iter().find(|s| s.name == name) else { return args };
        args.path.push(name.to_string());
        (spec, matches) = (next, sub);
    }
}

/// Every subcommand the plugins add, with its spec, in the plugins' order.
pub fn commands(plugins: &[Arc<dyn Plugin>]) -> Vec<(CommandSpec, Arc<dyn PluginCommand>)> {
    plugins.iter().flat_map(|p| p.commands()).map(|c| (c.spec(), c)).collect()
}

/// The backends of every environment: local files under `--state-dir`, or what a plugin opens
/// for the `--backend` URL's scheme.
pub fn backends(
    url: Option<&str>,
    state_dir: &std::path::Path,
    plugins: &[Arc<dyn Plugin>],
) -> Result<Arc<dyn Backends>, CliError> {
    let Some(url) = url else { return Ok(Arc::new(LocalBackends::new(state_dir))) };
    let scheme = url.split_once("://").map(|(s, _)| s);
    let plugin = plugins.iter().find(|p| p.backend_scheme().is_some() && p.backend_scheme() == scheme);
    match plugin {
        Some(plugin) => Ok(plugin.backends(url)?),
        None => {
            let schemes: Vec<String> =
                plugins.iter().filter_map(|p| p.backend_scheme()).map(|s| format!("{s}://…")).collect();
            let known = if schemes.is_empty() { "none".to_string() } else { schemes.join(", ") };
            Err(PluginError::BackendUrl {
                url: url.to_string(),
                reason: format!(
                    "no linked plugin opens this kind of URL (this program opens: {known}); leave --backend out for local files"
                ),
            }
            .into())
        }
    }
}

/// The resources of `env` no linked plugin serves: each names the address, the type and the
/// family, for `--cloud real` before any call.
pub fn unserved(env: &Environment, plugins: &[Arc<dyn Plugin>]) -> Problems {
    let mut problems = Problems::default();
    for node in env.resources() {
        let family = node.schema.provider;
        if family == "local" {
            continue;
        }
        match plugins.iter().find(|p| p.family() == family) {
            Some(p) if p.serves().contains(&node.schema.type_name) => {}
            Some(p) => problems.push(
                Some(&node.address),
                None,
                format!(
                    "the `{family}` plugin linked into this program does not serve `{}` resources (it serves {}); leave the resource out with --exclude, or target the simulator",
                    node.schema.type_name,
                    list(p.serves())
                ),
            ),
            None => problems.push(
                Some(&node.address),
                None,
                format!("no plugin linked into this program serves `{family}` resources such as `{}`", node.schema.type_name),
            ),
        }
    }
    problems.sorted()
}

/// A plugin subcommand's output and confirmations, through the session.
pub struct SessionIo<'a> {
    /// The session.
    pub session: &'a Session,
}

impl CommandIo for SessionIo<'_> {
    fn out(&self, text: &str) {
        self.session.shell.out(text);
    }

    fn progress(&self, line: &str) {
        self.session.shell.line(line);
    }

    fn confirm(&self, question: &str) -> Result<bool, PluginError> {
        self.session.ask(question).map_err(|e| PluginError::NoConfirmation(e.to_string()))
    }
}
