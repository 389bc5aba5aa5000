//! [`CloudFormationStacks`]: the `stack plan|apply|destroy` subcommand's work over [`synth`]
//! and [`StackEngine`], with typed errors.
//!
//! Environment `staging` is deployed as stack `quikinfra-staging`. `stack plan` computes the
//! change set, shows it and deletes it (with the empty stack a first plan leaves); `stack
//! apply` computes it again, asks, executes it and waits with progress; `stack destroy`
//! deletes the stack. The engine is built on first use from aws-config's default chain,
//! unless a config is given.

use std::time::Duration;

use aws_config::SdkConfig;
use quikinfra_core::environment::Environment;
use quikinfra_core::plugin::PluginError;
use tokio::sync::OnceCell;

use super::engine::StackEngine;
use super::synth::synth;

/// Deploys environments as CloudFormation stacks.
pub struct CloudFormationStacks {
    config: Option<SdkConfig>,
    poll: Option<Duration>,
    engine: OnceCell<StackEngine>,
}

impl CloudFormationStacks {
    /// Stacks through `config`.
    pub fn new(config: &SdkConfig) -> Self {
        Self { config: Some(config.clone()), poll: None, engine: OnceCell::new() }
    }

    /// Stacks through aws-config's default chain, loaded on first use.
    pub fn from_env() -> Self {
        Self { config: None, poll: None, engine: OnceCell::new() }
    }

    /// Polls every `interval` and gives up after a minute (tests against an emulator).
    pub fn poll_every(mut self, interval: Duration) -> Self {
        self.poll = Some(interval);
        self
    }

    /// The stack an environment is deployed as: `quikinfra-<environment>`, with anything a
    /// stack name cannot hold turned into `-`.
    pub fn stack_name(env: &Environment) -> String {
        let name: String =
            env.name().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
        format!("quikinfra-{name}").chars().take(128).collect()
    }

    async fn engine(&self) -> &StackEngine {
        self.engine
            .get_or_init(|| async {
                let engine = match &self.config {
                    Some(config) => StackEngine::new(config),
                    None => StackEngine::new(&crate::provider::load_config().await),
                };
                match self.poll {
                    Some(interval) => engine.poll_every(interval).timeout(Duration::from_secs(60)),
                    None => engine,
                }
            })
            .await
    }
}

fn synth_failed(e: super::synth::SynthError) -> PluginError {
    PluginError::failed("synth", e)
}

fn stack_failed(e: super::engine::StackError) -> PluginError {
    PluginError::failed("stack", e)
}

impl CloudFormationStacks {
    /// The change set that would bring the stack to `env`, rendered as a plan; it is deleted.
    pub async fn plan(&self, env: &Environment) -> Result<String, PluginError> {
        let template = synth(env).map_err(synth_failed)?;
        let engine = self.engine().await;
        let plan = engine.plan(&Self::stack_name(env), &template).await.map_err(stack_failed)?;
        engine.discard(&plan).await.map_err(stack_failed)?;
        Ok(plan.render())
    }

    /// Computes the change set, shows it to `confirm` (rendered; `false` cancels), executes it
    /// and waits, calling `progress` with each status. `Ok(false)` when there was nothing to do.
    pub async fn apply(
        &self,
        env: &Environment,
        confirm: &mut (dyn for<'a> FnMut(&'a str) -> Result<bool, PluginError> + Send),
        progress: &mut (dyn for<'a> FnMut(&'a str) + Send),
    ) -> Result<bool, PluginError> {
        let template = synth(env).map_err(synth_failed)?;
        let engine = self.engine().await;
        let plan = engine.plan(&Self::stack_name(env), &template).await.map_err(stack_failed)?;
        if !plan.has_changes() {
            progress(plan.render().trim_end());
            return Ok(false);
        }
        // Declined or unable to ask: the change set (and the empty stack a first one makes)
        // must not linger, or the next change set for a new stack would pile onto it.
        match confirm(&plan.render()) {
            Ok(true) => {}
            answer => {
                engine.discard(&plan).await.map_err(stack_failed)?;
                return Err(answer
                    .err()
                    .unwrap_or_else(|| PluginError::Cancelled("stack apply cancelled".to_string())));
            }
        }
        engine.execute(&plan, progress).await.map_err(stack_failed)?;
        Ok(true)
    }

    /// Deletes the stack and waits, calling `progress` with each status.
    pub async fn destroy(
        &self,
        env: &Environment,
        progress: &mut (dyn for<'a> FnMut(&'a str) + Send),
    ) -> Result<(), PluginError> {
        self.engine().await.delete(&Self::stack_name(env), progress).await.map_err(stack_failed)
    }
}
