//! What each command does: thin glue from parsed arguments to the engine and the renderers.
//!
//! Each command opens the environment's state backend, takes its lock for as long as it needs
//! it (renewed by a heartbeat), calls the engine, and writes through the [`Shell`]. Errors
//! bubble up as values; the exit code is decided by the caller.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::args::{
    ApplyArgs, Cli, Cloud, Command, PlanArgs, PlanFlags, ScopeArgs, SimCommand, StackCommand, StateCommand,
};
use super::printer::Printer;
use super::{Extensions, RealClouds, Shell};
use crate::addr::Address;
use crate::apply::{ApplyOptions, ApplyReport};
use crate::environment::Environment;
use crate::local::LocalFiles;
use crate::plan::{Plan, PlanMode, PlanOptions};
use crate::provider::{Providers, ReadRequest};
use crate::render::{self, TextOptions};
use crate::sim::{Faults, Simulator};
use crate::state::crypt::Cipher;
use crate::state::local::LocalBackend;
use crate::state::{LockInfo, LockRequest, ResourceState, State, StateBackend};
use crate::value::{Attrs, Value};

/// A command's result: its exit code, or an error to print (exit code 1).
pub type CmdResult = Result<i32, Box<dyn Error + Send + Sync>>;

/// One invocation of the CLI.
pub struct Session {
    /// The environment's definition.
    pub env: Environment,
    /// The parsed arguments.
    pub cli: Cli,
    /// Where output goes.
    pub shell: Shell,
    /// Where confirmations are read from.
    pub input: Mutex<Box<dyn std::io::BufRead + Send>>,
    /// Whether input is a terminal.
    pub input_is_terminal: bool,
    /// Real-cloud providers, when linked in.
    pub real_clouds: Option<RealClouds>,
    /// Encrypts state and saved plans, when a key is configured.
    pub cipher: Option<Cipher>,
    /// State backends and template writers, when linked in.
    pub extensions: Extensions,
}

/// The providers of a run.
struct Target {
    providers: Providers,
}

fn err(message: impl Into<String>) -> Box<dyn Error + Send + Sync> {
    message.into().into()
}

impl Session {
    /// Runs the parsed command.
    pub async fn execute(&self) -> CmdResult {
        match &self.cli.command {
            Command::Validate => self.validate(),
            Command::Graph => self.graph(),
            Command::Plan(args) => self.plan_command(args).await,
            Command::Apply(args) => self.apply_command(args).await,
            Command::Destroy(args) => {
                let flags = PlanFlags {
                    scope: args.scope.clone(),
                    replace: vec![],
                    refresh: true,
                    destroy: true,
                    refresh_only: false,
                };
                let apply = ApplyArgs { plan_file: None, flags, auto_approve: args.auto_approve };
                self.apply_command(&apply).await
            }
            Command::Refresh(scope) => self.refresh(scope).await,
            Command::Show(args) => self.show(args.plan_file.as_deref(), args.json).await,
            Command::State(cmd) => self.state(cmd).await,
            Command::Import { address, id } => self.import(address, id).await,
            Command::Output { name, json } => self.output(name.as_deref(), *json).await,
            Command::ForceUnlock { id } => {
                self.backend()?.force_unlock(id).await?;
                self.shell.line(&format!("Lock {id} removed; state is unlocked."));
                Ok(0)
            }
            Command::Sim(cmd) => self.sim(cmd).await,
            Command::Synth { out } => self.synth(out.as_deref()),
            Command::Stack(cmd) => self.stack(cmd).await,
        }
    }

    async fn stack(&self, cmd: &StackCommand) -> CmdResult {
        let deployer = self.extensions.stack.as_ref().ok_or_else(|| err("this program links no stack engine"))?;
        crate::validate::validate(&self.env).map_err(|p| err(p.to_string()))?;
        let mut progress = |status: &str| self.shell.line(&format!("Stack: {status}"));
        match cmd {
            StackCommand::Plan => {
                self.shell.out(&deployer.plan(&self.env).await.map_err(err)?);
                Ok(0)
            }
            StackCommand::Apply { auto_approve } => {
                let mut confirm = |text: &str| {
                    self.shell.out(text);
                    if *auto_approve {
                        Ok(true)
                    } else {
                        self.ask("execute this change set").map_err(|e| e.to_string())
                    }
                };
                let changed = deployer.apply(&self.env, &mut confirm, &mut progress).await.map_err(err)?;
                self.shell.line(if changed { "Stack apply complete." } else { "Nothing was changed." });
                Ok(0)
            }
            StackCommand::Destroy { auto_approve } => {
                if !auto_approve && !self.ask("delete the stack and every resource in it")? {
                    return Err(err("destroy cancelled; nothing was changed"));
                }
                deployer.destroy(&self.env, &mut progress).await.map_err(err)?;
                self.shell.line("Stack destroyed.");
                Ok(0)
            }
        }
    }

    fn synth(&self, out: Option<&Path>) -> CmdResult {
        let synth = self.extensions.synth.as_ref().ok_or_else(|| err("this program links no template writer"))?;
        let text = synth(&self.env).map_err(err)?;
        match out {
            Some(path) => {
                std::fs::write(path, text).map_err(|e| err(format!("{}: {e}", path.display())))?;
                self.shell.line(&format!("Template written to {}.", path.display()));
            }
            None => self.shell.out(&text),
        }
        Ok(0)
    }

    /// The simulator needs no real secrets: unset ones get a stand-in, and the user is told.
    fn placeholder_secrets(&self) -> bool {
        self.cli.cloud == Cloud::Sim
    }

    fn note_placeholder_secrets(&self) {
        if !self.placeholder_secrets() {
            return;
        }
        let mut unset = std::collections::BTreeSet::new();
        for node in self.env.resources() {
            for value in node.attrs.values() {
                if let Value::Secret(spec) = value
                    && std::env::var_os(&spec.env).is_none()
                {
                    unset.insert(spec.env.clone());
                }
            }
        }
        for name in unset {
            self.shell.err_line(&format!("Note: secret `{name}` is not set; the simulator uses a placeholder for it"));
        }
    }

    fn text(&self) -> TextOptions {
        TextOptions { color: self.shell.color }
    }

    /// The state backend of environment `name`: local files under --state-dir, or what
    /// --backend names.
    fn backend_for(&self, name: &str) -> Result<Arc<dyn StateBackend>, Box<dyn Error + Send + Sync>> {
        match &self.cli.backend {
            None => Ok(Arc::new(LocalBackend::new(&self.cli.state_dir, name).with_cipher(self.cipher.clone()))),
            Some(url) => {
                if self.cipher.is_some() {
                    return Err(err(format!(
                        "state encryption ({}) works with local state only for now; unset it or leave --backend out",
                        crate::state::crypt::KEY_ENV
                    )));
                }
                let open = self
                    .extensions
                    .state_backends
                    .as_ref()
                    .ok_or_else(|| err(format!("this program cannot open state backend `{url}`")))?;
                open(url, name).map_err(err)
            }
        }
    }

    /// This environment's state backend.
    fn backend(&self) -> Result<Arc<dyn StateBackend>, Box<dyn Error + Send + Sync>> {
        self.backend_for(self.env.name())
    }

    fn sim_dir(&self) -> std::path::PathBuf {
        self.cli.state_dir.join("sim")
    }

    fn target(&self, to_stderr: bool) -> Result<Target, Box<dyn Error + Send + Sync>> {
        let concurrency = usize::from(self.cli.parallelism);
        let say = |line: String| if to_stderr { self.shell.err_line(&line) } else { self.shell.line(&line) };
        match self.cli.cloud {
            Cloud::Sim => {
                let faults = Faults::from_env().map_err(err)?;
                let sim =
                    Arc::new(Simulator::open(self.sim_dir())?.for_environment(self.env.name()).with_faults(faults));
                say(format!(
                    "Target: embedded simulator ({}) for environment `{}`; no cloud credentials used (--cloud real for the real clouds)",
                    self.sim_dir().display(),
                    self.env.name()
                ));
                self.note_placeholder_secrets();
                let providers = Providers::new()
                    .register("local", Arc::new(LocalFiles::new(".")), concurrency)
                    .fallback(sim.clone(), concurrency.max(64));
                Ok(Target { providers })
            }
            Cloud::Real => {
                let build =
                    self.real_clouds.as_ref().ok_or_else(|| err("this program links no real-cloud provider"))?;
                let mut providers = Providers::new().register("local", Arc::new(LocalFiles::new(".")), concurrency);
                let mut names = Vec::new();
                for (family, provider) in build().map_err(err)? {
                    names.push(family.clone());
                    providers = providers.register(&family, provider, concurrency);
                }
                say(format!("Target: real clouds ({}) for environment `{}`", names.join(", "), self.env.name()));
                Ok(Target { providers })
            }
        }
    }

    /// Takes the state lock for `operation`, runs `body`, and releases the lock whatever happens.
    async fn locked<T>(
        &self,
        backend: &Arc<dyn StateBackend>,
        operation: &str,
        body: impl AsyncFnOnce() -> Result<T, Box<dyn Error + Send + Sync>>,
    ) -> Result<T, Box<dyn Error + Send + Sync>> {
        let ttl = Duration::from_secs(self.cli.lock_ttl);
        let lock = backend.lock(&LockRequest { operation: operation.to_string(), ttl }).await?;
        let heartbeat = {
            let backend = backend.clone();
            let mut held: LockInfo = lock.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(ttl / 3).await;
                    match backend.renew(&held, ttl).await {
                        Ok(renewed) => held = renewed,
                        Err(_) => break,
                    }
                }
            })
        };
        let result = body().await;
        heartbeat.abort();
        let current = backend.current_lock().await.ok().flatten().filter(|l| l.id == lock.id).unwrap_or(lock);
        if let Err(e) = backend.unlock(&current).await {
            self.shell.error(&format!("releasing the state lock: {e}"));
        }
        result
    }

    /// Reads state, first settling what an interrupted apply left pending (adopting objects it
    /// created) and saving the result; must run under the lock.
    async fn read_recovered(
        &self,
        backend: &dyn StateBackend,
        providers: &Providers,
    ) -> Result<Option<State>, Box<dyn Error + Send + Sync>> {
        let Some(mut state) = backend.read().await? else { return Ok(None) };
        if state.pending.is_empty() {
            return Ok(Some(state));
        }
        let read = state.version.clone();
        let recovered = crate::apply::recover::recover(&mut state, &self.env.schemas(), providers).await;
        self.shell
            .err_line(&format!("Recovering {} operation(s) an interrupted apply left unfinished:", recovered.len()));
        for r in &recovered {
            self.shell.err_line(&format!("  - {r}"));
        }
        state.version.serial += 1;
        backend.write(&state, Some(&read)).await?;
        Ok(Some(state))
    }

    fn validate(&self) -> CmdResult {
        match crate::validate::validate(&self.env) {
            Ok(graph) => {
                self.shell.line(&format!(
                    "The definition of `{}` is valid: {} resources.",
                    self.env.name(),
                    graph.len()
                ));
                Ok(0)
            }
            Err(problems) => Err(err(problems.to_string())),
        }
    }

    fn graph(&self) -> CmdResult {
        let graph = crate::validate::validate(&self.env).map_err(|p| err(p.to_string()))?;
        self.shell.out(&graph.to_dot(self.env.name()));
        Ok(0)
    }

    /// The states of the environments owning resources this one reads (read without a lock:
    /// a snapshot is all a plan needs of them).
    async fn shared_states(&self) -> Result<BTreeMap<String, State>, Box<dyn Error + Send + Sync>> {
        let mut out = BTreeMap::new();
        for owner in self.env.owners() {
            if let Some(state) =
                LocalBackend::new(&self.cli.state_dir, owner).with_cipher(self.cipher.clone()).read().await?
            {
                out.insert(owner.to_string(), state);
            }
        }
        Ok(out)
    }

    async fn plan_options(&self, flags: &PlanFlags) -> Result<PlanOptions, Box<dyn Error + Send + Sync>> {
        Ok(PlanOptions {
            mode: if flags.destroy {
                PlanMode::Destroy
            } else if flags.refresh_only {
                PlanMode::RefreshOnly
            } else {
                PlanMode::Normal
            },
            refresh: flags.refresh,
            targets: flags.scope.targets.clone(),
            excludes: flags.scope.excludes.clone(),
            replace: flags.replace.clone(),
            parallelism: usize::from(self.cli.parallelism),
            placeholder_secrets: self.placeholder_secrets(),
            shared: self.shared_states().await?,
        })
    }

    fn report_calls(&self, providers: &Providers) {
        if self.cli.verbose {
            let stats = providers.stats();
            for (provider, ops) in &stats.calls {
                let list: Vec<String> = ops.iter().map(|(op, n)| format!("{op}={n}")).collect();
                let retries = stats.retries.get(provider).copied().unwrap_or(0);
                self.shell.err_line(&format!("Provider calls ({provider}): {} retries={retries}", list.join(" ")));
            }
            for (provider, calls) in &stats.api_calls {
                let total: u64 = calls.values().sum();
                let list: Vec<String> = calls.iter().map(|(call, n)| format!("{call}={n}")).collect();
                self.shell.err_line(&format!("API calls ({provider}): {total}: {}", list.join(" ")));
            }
        }
    }

    async fn plan_command(&self, args: &PlanArgs) -> CmdResult {
        let target = self.target(args.json)?;
        let backend = self.backend()?;
        let opts = self.plan_options(&args.flags).await?;
        let plan = self
            .locked(&backend, "plan", async || {
                let state = self.read_recovered(backend.as_ref(), &target.providers).await?;
                Ok(crate::plan::plan(&self.env, state.as_ref(), &target.providers, &opts).await?)
            })
            .await?;
        self.report_calls(&target.providers);
        if args.json {
            self.shell.out(&render::plan_json(&plan));
        } else {
            self.shell.out(&render::plan_text(&plan, &self.text()));
        }
        if let Some(path) = &args.out {
            save_plan(&plan, path, self.cipher.as_ref())?;
            if !args.json {
                self.shell.line(&format!(
                    "\nSaved the plan to {}. To apply exactly this plan, run: apply {}",
                    path.display(),
                    path.display()
                ));
            }
        }
        Ok(if args.detailed_exitcode && (plan.has_changes() || !plan.drift.is_empty()) { 2 } else { 0 })
    }

    async fn apply_command(&self, args: &ApplyArgs) -> CmdResult {
        let saved = args.plan_file.as_deref().map(|p| load_plan(p, self.cipher.as_ref())).transpose()?;
        if let Some(plan) = &saved
            && plan.environment != self.env.name()
        {
            return Err(err(format!("the plan is for environment `{}`, not `{}`", plan.environment, self.env.name())));
        }
        let target = self.target(false)?;
        let backend = self.backend()?;
        let opts = self.plan_options(&args.flags).await?;
        let operation = if args.flags.destroy { "destroy" } else { "apply" };
        let report = self
            .locked(&backend, operation, async || {
                let plan = match saved {
                    Some(plan) => plan,
                    None => {
                        let state = self.read_recovered(backend.as_ref(), &target.providers).await?;
                        let plan = crate::plan::plan(&self.env, state.as_ref(), &target.providers, &opts).await?;
                        self.shell.out(&render::plan_text(&plan, &self.text()));
                        if !plan.has_changes() && plan.mode != PlanMode::RefreshOnly {
                            return Ok(None);
                        }
                        if !args.auto_approve && !self.confirm(&plan)? {
                            return Err(err("apply cancelled; nothing was changed"));
                        }
                        plan
                    }
                };
                if !plan.has_changes() && plan.drift.is_empty() {
                    return Ok(None);
                }
                Ok(Some(self.run_apply(&plan, &target.providers, backend.as_ref()).await?))
            })
            .await?;
        self.report_calls(&target.providers);
        let Some(report) = report else { return Ok(0) };
        Ok(self.summarize(&report, args.flags.destroy))
    }

    fn confirm(&self, plan: &Plan) -> Result<bool, Box<dyn Error + Send + Sync>> {
        if !self.input_is_terminal {
            return Err(err(
                "apply needs confirmation but there is no terminal to ask on; review the plan and pass --auto-approve, or save it with `plan --out FILE` and run `apply FILE`",
            ));
        }
        let verb = if plan.mode == PlanMode::Destroy { "destroy all resources above" } else { "perform these actions" };
        self.ask(verb)
    }

    /// Asks "Do you want to {verb}?" on the terminal; only `yes` approves.
    fn ask(&self, verb: &str) -> Result<bool, Box<dyn Error + Send + Sync>> {
        if !self.input_is_terminal {
            return Err(err(format!(
                "this needs confirmation (to {verb}) but there is no terminal to ask on; pass --auto-approve"
            )));
        }
        self.shell.out(&format!(
            "\nDo you want to {verb} in `{}`?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
            self.env.name()
        ));
        let mut answer = String::new();
        self.input.lock().unwrap_or_else(|e| e.into_inner()).read_line(&mut answer)?;
        Ok(answer.trim() == "yes")
    }

    async fn run_apply(
        &self,
        plan: &Plan,
        providers: &Providers,
        backend: &dyn StateBackend,
    ) -> Result<ApplyReport, Box<dyn Error + Send + Sync>> {
        let printer = Printer::new(&self.shell);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let interrupts = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\nInterrupt received: no new operations will start; waiting for those in flight, then saving state. Press Ctrl-C again to exit at once."
                );
                let _ = stop_tx.send(true);
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("\nSecond interrupt: exiting now. State holds every operation completed so far.");
                    std::process::exit(130);
                }
            }
        });
        let opts = ApplyOptions {
            parallelism: usize::from(self.cli.parallelism),
            stop: Some(stop_rx),
            placeholder_secrets: self.placeholder_secrets(),
            ..Default::default()
        };
        let schemas = self.env.schemas();
        let result = crate::apply::apply(plan, &schemas, providers, backend, &printer, &opts).await;
        interrupts.abort();
        printer.finish();
        Ok(result?)
    }

    fn summarize(&self, report: &ApplyReport, destroy: bool) -> i32 {
        let counts = if destroy {
            format!("Resources: {} destroyed.", report.destroyed)
        } else {
            format!("Resources: {} added, {} changed, {} destroyed.", report.added, report.changed, report.destroyed)
        };
        if report.succeeded() {
            self.shell.line(&format!(
                "\n{} {counts}",
                self.shell.bold(if destroy { "Destroy complete!" } else { "Apply complete!" })
            ));
            self.print_outputs(&report.state, None);
            return 0;
        }
        if report.interrupted {
            self.shell.error(&format!("apply interrupted; state was saved. {counts}"));
        }
        for f in &report.failures {
            self.shell.error(&format!("{}: {}", f.address, f.message));
        }
        if !report.not_started.is_empty() {
            self.shell.err_line(&format!(
                "{} operation(s) were not started; state was saved, run plan again to see what remains. {counts}",
                report.not_started.len()
            ));
        }
        1
    }

    async fn refresh(&self, scope: &ScopeArgs) -> CmdResult {
        let target = self.target(false)?;
        let backend = self.backend()?;
        let opts = PlanOptions {
            mode: PlanMode::RefreshOnly,
            targets: scope.targets.clone(),
            excludes: scope.excludes.clone(),
            parallelism: usize::from(self.cli.parallelism),
            placeholder_secrets: self.placeholder_secrets(),
            ..Default::default()
        };
        let plan = self
            .locked(&backend, "refresh", async || {
                let Some(state) = self.read_recovered(backend.as_ref(), &target.providers).await? else {
                    return Ok(None);
                };
                let plan = crate::plan::plan(&self.env, Some(&state), &target.providers, &opts).await?;
                if plan.has_changes() || !plan.resource_changes.is_empty() {
                    let report = self.run_apply(&plan, &target.providers, backend.as_ref()).await?;
                    if !report.succeeded() {
                        return Err(err("refresh could not update state"));
                    }
                }
                Ok(Some(plan))
            })
            .await?;
        self.report_calls(&target.providers);
        match plan {
            None => self.shell.line("No state yet: nothing to refresh."),
            Some(plan) if plan.drift.is_empty() => self.shell.line("No drift: live objects match state."),
            Some(plan) => {
                self.shell.out(&render::plan_text(&plan, &self.text()));
                self.shell
                    .line(&format!("State updated to match live objects ({} changed outside).", plan.drift.len()));
            }
        }
        Ok(0)
    }

    async fn show(&self, plan_file: Option<&Path>, json: bool) -> CmdResult {
        if let Some(path) = plan_file {
            let plan = load_plan(path, self.cipher.as_ref())?;
            self.shell.out(&if json { render::plan_json(&plan) } else { render::plan_text(&plan, &self.text()) });
            return Ok(0);
        }
        match self.backend()?.read().await? {
            None => self.shell.line("No state."),
            Some(state) if json => self.shell.out(&crate::state::file::to_json(&state)),
            Some(state) => self.shell.out(&render::state_text(&state, &self.text())),
        }
        Ok(0)
    }

    async fn state(&self, cmd: &StateCommand) -> CmdResult {
        let backend = self.backend()?;
        match cmd {
            StateCommand::List => {
                for address in backend.read().await?.iter().flat_map(|s| s.resources.keys()) {
                    self.shell.line(&address.to_string());
                }
                Ok(0)
            }
            StateCommand::Show { address } => {
                let state = backend.read().await?.ok_or_else(|| err("no state"))?;
                let rs = state.resources.get(address).ok_or_else(|| err(format!("{address} is not in state")))?;
                self.shell.out(&render::resource_text(address, rs, &self.text()));
                Ok(0)
            }
            StateCommand::Rm { addresses } => {
                self.edit_state(&backend, "state rm", |state| {
                    for a in addresses {
                        if state.resources.remove(a).is_none() {
                            return Err(format!("{a} is not in state; nothing was removed"));
                        }
                    }
                    Ok(addresses.iter().map(|a| format!("Removed {a} (the live object was not touched)")).collect())
                })
                .await
            }
            StateCommand::Mv { from, to } => {
                self.edit_state(&backend, "state mv", |state| {
                    if from.type_name() != to.type_name() {
                        return Err(format!("cannot move {from} to {to}: the types differ"));
                    }
                    if state.resources.contains_key(to) {
                        return Err(format!("{to} is already in state"));
                    }
                    let rs = state.resources.remove(from).ok_or_else(|| format!("{from} is not in state"))?;
                    state.resources.insert(to.clone(), rs);
                    for other in state.resources.values_mut() {
                        for d in other.dependencies.iter_mut().filter(|d| *d == from) {
                            *d = to.clone();
                        }
                    }
                    Ok(vec![format!("Moved {from} to {to}")])
                })
                .await
            }
        }
    }

    /// Reads state under the lock, edits it, writes it guarded by the version read.
    async fn edit_state(
        &self,
        backend: &Arc<dyn StateBackend>,
        operation: &str,
        edit: impl FnOnce(&mut State) -> Result<Vec<String>, String>,
    ) -> CmdResult {
        let lines = self
            .locked(backend, operation, async || {
                let mut state = backend.read().await?.ok_or_else(|| err("no state"))?;
                let read = state.version.clone();
                let lines = edit(&mut state).map_err(err)?;
                state.version.serial += 1;
                backend.write(&state, Some(&read)).await?;
                Ok(lines)
            })
            .await?;
        for l in lines {
            self.shell.line(&l);
        }
        Ok(0)
    }

    async fn import(&self, address: &Address, id: &str) -> CmdResult {
        crate::validate::validate(&self.env).map_err(|p| err(p.to_string()))?;
        let node = self
            .env
            .resource(address)
            .ok_or_else(|| err(format!("{address} is not declared; declare it before importing")))?;
        let target = self.target(false)?;
        let backend = self.backend()?;
        self.locked(&backend, "import", async || {
            let prior = backend.read().await?;
            if prior.as_ref().is_some_and(|s| s.resources.contains_key(address)) {
                return Err(err(format!("{address} is already managed; use `state rm` first to re-import")));
            }
            let family = node.schema.provider;
            let empty = Attrs::new();
            let live = target
                .providers
                .read(family, ReadRequest { address, id, prior: &empty })
                .await
                .map_err(|e| err(format!("{address}: {e}")))?
                .ok_or_else(|| err(format!("{address}: no object with id `{id}` exists")))?;
            let expected = prior.as_ref().map(|s| s.version.clone());
            let mut state = prior.unwrap_or_else(|| State::new(self.env.name(), State::new_lineage()));
            state.resources.insert(
                address.clone(),
                ResourceState {
                    provider: family.to_string(),
                    id: id.to_string(),
                    attributes: live,
                    dependencies: node.dependencies(),
                    lifecycle: node.lifecycle.clone(),
                    deposed: vec![],
                },
            );
            state.version.serial = expected.as_ref().map_or(1, |v| v.serial + 1);
            backend.write(&state, expected.as_ref()).await?;
            Ok(())
        })
        .await?;
        self.shell.line(&format!("Imported {address} (id {id}). Run plan to see how it differs from the definition."));
        Ok(0)
    }

    async fn output(&self, name: Option<&str>, json: bool) -> CmdResult {
        let state = self.backend()?.read().await?.ok_or_else(|| err("no state: apply first"))?;
        if let Some(name) = name {
            let value = state.outputs.get(name).ok_or_else(|| err(format!("no output named `{name}`")))?;
            self.shell.line(&if json { serde_json::to_string(value)? } else { render::value_text(value) });
            return Ok(0);
        }
        if json {
            self.shell.line(&serde_json::to_string_pretty(&state.outputs)?);
        } else {
            self.print_outputs(&state, None);
        }
        Ok(0)
    }

    fn print_outputs(&self, state: &State, _only: Option<&str>) {
        if state.outputs.is_empty() {
            return;
        }
        self.shell.line("\nOutputs:\n");
        let width = state.outputs.keys().map(String::len).max().unwrap_or(0);
        for (name, value) in &state.outputs {
            self.shell.line(&format!("{name:width$} = {}", render::value_text(value)));
        }
    }

    async fn sim(&self, cmd: &SimCommand) -> CmdResult {
        if self.cli.cloud != Cloud::Sim {
            return Err(err("`sim` commands only work with the embedded simulator (--cloud sim)"));
        }
        let sim = Simulator::open(self.sim_dir())?.for_environment(self.env.name());
        let find = async |address: &Address| -> Result<String, Box<dyn Error + Send + Sync>> {
            let state = self.backend()?.read().await?.ok_or_else(|| err("no state"))?;
            Ok(state.resources.get(address).ok_or_else(|| err(format!("{address} is not in state")))?.id.clone())
        };
        match cmd {
            SimCommand::List => {
                for o in sim.objects() {
                    self.shell.line(&format!("{} {}", o.type_name, o.id));
                }
            }
            SimCommand::Set { address, attribute, value } => {
                let id = find(address).await?;
                let json: serde_json::Value =
                    serde_json::from_str(value).map_err(|e| err(format!("value must be JSON: {e}")))?;
                sim.set_attribute(address.type_name(), &id, attribute, Value::from_json(json).map_err(err)?)?;
                self.shell.line(&format!("Changed {attribute} of {address} (id {id}) outside quikinfra."));
            }
            SimCommand::Unset { address, attribute } => {
                let id = find(address).await?;
                sim.remove_attribute(address.type_name(), &id, attribute)?;
                self.shell.line(&format!("Removed {attribute} of {address} (id {id}) outside quikinfra."));
            }
            SimCommand::Delete { address } => {
                let id = find(address).await?;
                sim.delete_object(address.type_name(), &id)?;
                self.shell.line(&format!("Deleted {address} (id {id}) outside quikinfra."));
            }
        }
        Ok(0)
    }
}

/// Saves a plan for `apply FILE`, encrypted when a key is configured.
fn save_plan(plan: &Plan, path: &Path, cipher: Option<&Cipher>) -> Result<(), Box<dyn Error + Send + Sync>> {
    let text = crate::plan::file::to_saved(plan, cipher);
    std::fs::write(path, text).map_err(|e| err(format!("{}: {e}", path.display())))?;
    Ok(())
}

/// Reads a saved plan; the file is never modified.
fn load_plan(path: &Path, cipher: Option<&Cipher>) -> Result<Plan, Box<dyn Error + Send + Sync>> {
    let bytes = std::fs::read(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    crate::plan::file::from_saved(&bytes, cipher).map_err(|e| err(format!("{}: {e}", path.display())))
}
