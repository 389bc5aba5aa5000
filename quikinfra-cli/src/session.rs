//! [`Session`]: what one invocation works with, and the services every command (built-in, a
//! program's own, a plugin's) uses: the definition, the state stores, the target's providers,
//! confirmations and the shell.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quikinfra_core::addr::Address;
use quikinfra_core::environment::Environment;
use quikinfra_core::local::LocalFiles;
use quikinfra_core::ops::{HeldLocks, OpsError, RunOptions, Workspace};
use quikinfra_core::plan::{Plan, PlanMode};
use quikinfra_core::plugin::Plugin;
use quikinfra_core::provider::{Providers, ReadRequest};
use quikinfra_core::render::TextOptions;
use quikinfra_core::sim::{Faults, Simulator};
use quikinfra_core::state::crypt::Cipher;
use quikinfra_core::state::{State, StateStore, StateStores, StateVersion, TargetKind};
use quikinfra_core::value::{Attrs, Value};

use crate::args::{Cloud, GlobalArgs};
use crate::error::CliError;
use crate::estate::Estate;
use crate::shell::Shell;
use crate::signals::Interrupts;

/// One invocation of an environment program.
pub struct Session {
    /// The global flags.
    pub global: GlobalArgs,
    /// Where output goes.
    pub shell: Shell,
    input: Arc<Mutex<Box<dyn BufRead + Send>>>,
    input_is_terminal: bool,
    plugins: Vec<Arc<dyn Plugin>>,
    states: StateStores,
    cipher: Option<Cipher>,
    env: Environment,
    defined_from: Option<Option<StateVersion>>,
    interrupts: Arc<Interrupts>,
    estate: Option<Arc<Estate>>,
}

/// A definition and the state version it was built from, when it was built from state.
#[derive(Clone, Copy)]
pub struct Definition<'a> {
    /// The environment.
    pub env: &'a Environment,
    /// `Some(v)`: built from state at version `v` (`None`: no state yet); operations refuse to
    /// go on when the state moved since.
    pub from: Option<&'a Option<StateVersion>>,
}

/// Why no answer could be had: no terminal to ask on, or the input failed.
#[derive(Debug)]
pub struct NoAnswer(pub String);

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoAnswer {}

impl From<NoAnswer> for OpsError {
    fn from(e: NoAnswer) -> Self {
        OpsError::Interaction(e.0)
    }
}

/// The providers of a run's target.
pub struct Target {
    /// Every call goes through here.
    pub providers: Providers,
}

/// What [`Session::new`] needs besides the definition.
pub(crate) struct Parts {
    pub global: GlobalArgs,
    pub shell: Shell,
    pub input: Box<dyn BufRead + Send>,
    pub input_is_terminal: bool,
    pub plugins: Vec<Arc<dyn Plugin>>,
    pub states: StateStores,
    pub cipher: Option<Cipher>,
}

impl Session {
    pub(crate) fn new(parts: Parts, env: Environment, defined_from: Option<Option<StateVersion>>) -> Self {
        let Parts { global, shell, input, input_is_terminal, plugins, states, cipher } = parts;
        Self {
            global,
            shell,
            input: Arc::new(Mutex::new(input)),
            input_is_terminal,
            plugins,
            states,
            cipher,
            env,
            defined_from,
            interrupts: Arc::new(Interrupts::new(Arc::new(HeldLocks::new()))),
            estate: None,
        }
    }

    /// This session, knowing the estate its environment belongs to (see [`Session::estate`]).
    pub(crate) fn in_estate(mut self, estate: Option<Arc<Estate>>) -> Self {
        self.estate = estate;
        self
    }

    /// The estate this environment belongs to, when the program says: a plan whose owners
    /// have not applied yet plans them from its definitions.
    pub fn estate(&self) -> Option<&Estate> {
        self.estate.as_deref()
    }

    /// A session for another environment of the same run (an estate): the same flags, streams,
    /// plugins, state stores and interrupt handling, another definition.
    pub fn for_environment(&self, env: Environment, defined_from: Option<Option<StateVersion>>) -> Session {
        Session {
            global: self.global.clone(),
            shell: self.shell.clone(),
            input: self.input.clone(),
            input_is_terminal: self.input_is_terminal,
            plugins: self.plugins.clone(),
            states: self.states.clone(),
            cipher: self.cipher.clone(),
            env,
            defined_from,
            interrupts: self.interrupts.clone(),
            estate: self.estate.clone(),
        }
    }

    /// The program's definition.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// The program's definition, with the state version it was built from.
    pub fn definition(&self) -> Definition<'_> {
        Definition { env: &self.env, from: self.defined_from.as_ref() }
    }

    /// The plugins linked into the program.
    pub fn plugins(&self) -> &[Arc<dyn Plugin>] {
        &self.plugins
    }

    /// Where every environment's state is kept in this run (local files, or `--backend`).
    pub fn states(&self) -> &StateStores {
        &self.states
    }

    /// This environment's state store.
    pub fn store(&self) -> Result<StateStore, CliError> {
        Ok(self.states.open(self.env.name())?)
    }

    /// This environment's state as stored now (no lock: a snapshot).
    pub async fn state(&self) -> Result<Option<State>, CliError> {
        Ok(self.store()?.read().await?)
    }

    /// The key sealing state and saved plans, when one is configured.
    pub fn cipher(&self) -> Option<&Cipher> {
        self.cipher.as_ref()
    }

    /// Catches Ctrl-C once an apply is under way.
    pub fn interrupts(&self) -> &Interrupts {
        &self.interrupts
    }

    /// How text is rendered.
    pub fn text(&self) -> TextOptions {
        TextOptions { color: self.shell.color }
    }

    /// The simulator needs no real secrets: unset ones get a stand-in, and the user is told.
    pub fn placeholder_secrets(&self) -> bool {
        self.global.cloud == Cloud::Sim
    }

    /// Where the simulator keeps its world.
    pub fn sim_dir(&self) -> std::path::PathBuf {
        self.global.state_dir.join("sim")
    }

    /// The options of an operation on `definition`.
    pub fn options(&self, definition: Definition<'_>) -> RunOptions {
        RunOptions {
            lock_ttl: Duration::from_secs(self.global.lock_ttl),
            parallelism: usize::from(self.global.parallelism),
            placeholder_secrets: self.placeholder_secrets(),
            defined_from: definition.from.cloned(),
            target: Some(match self.global.cloud {
                Cloud::Sim => TargetKind::Simulator,
                Cloud::Real => TargetKind::Real,
            }),
            held: Some(self.interrupts.held().clone()),
        }
    }

    /// A workspace over `env` with this run's state stores and `target`'s providers.
    pub fn workspace<'a>(&'a self, env: &'a Environment, target: &'a Target, options: &'a RunOptions) -> Workspace<'a> {
        Workspace { env, states: &self.states, providers: &target.providers, options }
    }

    /// The target's providers for `env`, saying which target it is (on standard error when
    /// `to_stderr`, so `--json` output stays a document): the embedded simulator, or the real
    /// clouds through the plugins serving the families `env` uses.
    pub fn target(&self, env: &Environment, to_stderr: bool) -> Result<Target, CliError> {
        target_for(&self.global, &self.plugins, env, &[], &self.shell, Some(to_stderr))
    }

    /// Like [`Session::target`], serving `family` too on the real clouds though `env` declares
    /// none of its resources (code generation reads objects the definition does not hold yet).
    pub fn target_with(&self, env: &Environment, family: &str, to_stderr: bool) -> Result<Target, CliError> {
        target_for(&self.global, &self.plugins, env, &[family], &self.shell, Some(to_stderr))
    }

    /// The live object of `address` whose provider id is `id`, read through `target`
    /// (`None`: it no longer exists).
    pub async fn read_live(
        &self,
        target: &Target,
        address: &Address,
        family: &str,
        id: &str,
    ) -> Result<Option<Attrs>, CliError> {
        let empty = Attrs::new();
        let read = target.providers.read(family, ReadRequest { address, id, prior: &empty }).await;
        read.map_err(|e| CliError::msg(format!("{address}: {e}")))
    }

    /// Prints provider call counts and retries when `-v` is given.
    pub fn report_calls(&self, target: &Target) {
        if !self.global.verbose {
            return;
        }
        let stats = target.providers.stats();
        for (provider, ops) in &stats.calls {
            let list: Vec<String> = ops.iter().map(|(op, n)| format!("{op}={n}")).collect();
            let engine = stats.retries.get(provider).copied().unwrap_or(0);
            let client = stats.provider_retries.get(provider).copied().unwrap_or(0);
            self.shell.err_line(&format!(
                "Provider calls ({provider}): {} retries={} (client {client}, engine {engine})",
                list.join(" "),
                engine + client
            ));
        }
        for (provider, calls) in &stats.api_calls {
            let total: u64 = calls.values().sum();
            let list: Vec<String> = calls.iter().map(|(call, n)| format!("{call}={n}")).collect();
            self.shell.err_line(&format!("API calls ({provider}): {total}: {}", list.join(" ")));
        }
    }

    /// Asks whether to apply `plan`; refuses when there is no terminal to ask on.
    pub fn confirm(&self, plan: &Plan) -> Result<bool, NoAnswer> {
        if !self.input_is_terminal {
            return Err(NoAnswer(
                "apply needs confirmation but there is no terminal to ask on; review the plan and pass --auto-approve, or save it with `plan --out FILE` and run `apply FILE`".to_string(),
            ));
        }
        let verb = if plan.mode == PlanMode::Destroy { "destroy all resources above" } else { "perform these actions" };
        self.ask(verb)
    }

    /// Asks "Do you want to {verb}?" on the terminal; only `yes` approves.
    pub fn ask(&self, verb: &str) -> Result<bool, NoAnswer> {
        if !self.input_is_terminal {
            return Err(NoAnswer(format!(
                "this needs confirmation (to {verb}) but there is no terminal to ask on; pass --auto-approve"
            )));
        }
        self.shell.out(&format!(
            "\nDo you want to {verb} in `{}`?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
            self.env.name()
        ));
        let mut answer = String::new();
        self.input
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .read_line(&mut answer)
            .map_err(|e| NoAnswer(format!("reading the answer: {e}")))?;
        Ok(answer.trim() == "yes")
    }
}

/// The target's providers for `env` under `global`'s flags: the embedded simulator (for `env`'s
/// own objects), or the real clouds through `plugins` (each serving its declared types, built
/// only for the families `env` uses, and `also`). `announce`: say which target on standard output
/// (`Some(false)`), standard error (`Some(true)`) or not at all; unset simulator secrets are
/// noted on standard error whenever announced.
pub fn target_for(
    global: &GlobalArgs,
    plugins: &[Arc<dyn Plugin>],
    env: &Environment,
    also: &[&str],
    shell: &Shell,
    announce: Option<bool>,
) -> Result<Target, CliError> {
    let concurrency = usize::from(global.parallelism);
    let say = |line: String| match announce {
        Some(true) => shell.err_line(&line),
        Some(false) => shell.line(&line),
        None => {}
    };
    let mut local = Providers::new().register("local", Arc::new(LocalFiles::new(".")), concurrency);
    // Families the definition serves at endpoints of its own, whatever the target.
    let mut own = Vec::new();
    for (family, endpoint) in env.provider_endpoints() {
        let plugin = plugins.iter().find(|p| p.family() == family).ok_or_else(|| {
            CliError::msg(format!(
                "`{}` serves its {family} resources at {}, but this program links no {family} plugin",
                env.name(),
                global.endpoint_for(family, &endpoint.url)
            ))
        })?;
        let url = global.endpoint_for(family, &endpoint.url);
        let provider = plugin.provider_at(url)?;
        let checked = crate::endpoint::Reachable::new(provider, family, url, &endpoint.when_unreachable);
        local = local.register_serving(family, Arc::new(checked), plugin.serves(), concurrency);
        own.push(if url == endpoint.url {
            format!("{family} at {url}")
        } else {
            format!("{family} at {url} (--endpoint, for {})", endpoint.url)
        });
    }
    let own = if own.is_empty() { String::new() } else { format!("; {} (the definition's own)", own.join(", ")) };
    match global.cloud {
        Cloud::Sim => {
            let faults = Faults::from_env().map_err(CliError::msg)?;
            let sim_dir = global.state_dir.join("sim");
            let sim = Arc::new(Simulator::open(&sim_dir)?.for_environment(env.name()).with_faults(faults));
            say(format!(
                "Target: embedded simulator ({}) for environment `{}`{own}; no cloud credentials used (--cloud real for the real clouds)",
                sim_dir.display(),
                env.name()
            ));
            if announce.is_some() {
                note_placeholder_secrets(shell, env);
            }
            Ok(Target { providers: local.fallback(sim, concurrency.max(64)) })
        }
        Cloud::Real => {
            if plugins.is_empty() {
                return Err(CliError::msg("this program links no real-cloud provider"));
            }
            let used: BTreeSet<&str> = env
                .resources()
                .iter()
                .map(|r| r.schema.provider)
                .chain(also.iter().copied())
                .filter(|f| !env.provider_endpoints().contains_key(*f))
                .collect();
            let mut providers = local;
            let mut names = Vec::new();
            for plugin in plugins.iter().filter(|p| used.contains(p.family())) {
                names.push(plugin.family());
                providers =
                    providers.register_serving(plugin.family(), plugin.provider()?, plugin.serves(), concurrency);
            }
            let names = if names.is_empty() { "none needed".to_string() } else { names.join(", ") };
            say(format!("Target: real clouds ({names}) for environment `{}`{own}", env.name()));
            Ok(Target { providers })
        }
    }
}

fn note_placeholder_secrets(shell: &Shell, env: &Environment) {
    let mut unset = BTreeSet::new();
    for node in env.resources() {
        for value in node.attrs.values() {
            if let Value::Secret(spec) = value
                && std::env::var_os(&spec.env).is_none()
            {
                unset.insert(spec.env.clone());
            }
        }
    }
    for name in unset {
        shell.err_line(&format!("Note: secret `{name}` is not set; the simulator uses a placeholder for it"));
    }
}
