//! [`CloudFormationStacks`]: the CLI's `stack plan|apply|destroy` over [`synth`] and
//! [`StackEngine`].
//!
//! Environment `staging` is deployed as stack `quikinfra-staging`. `stack plan` computes the
//! change set, shows it and deletes it (with the empty stack a first plan leaves); `stack
//! apply` computes it again, asks, executes it and waits with progress; `stack destroy`
//! deletes the stack. The engine is built on first use from aws-config's default chain,
//! unless a config is given.

use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use quikinfra_core::cli::StackDeployer;
use quikinfra_core::environment::Environment;
use tokio::sync::OnceCell;

use super::engine::StackEngine;
use super::synth::synth;

/// Deploys environments as CloudFormation stacks, for the CLI.
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

#[async_trait]
impl StackDeployer for CloudFormationStacks {
    async fn plan(&self, env: &Environment) -> Result<String, String> {
        let template = synth(env).map_err(|e| e.to_string())?;
        let engine = self.engine().await;
        let plan = engine.plan(&Self::stack_name(env), &template).await.map_err(|e| e.to_string())?;
        engine.discard(&plan).await.map_err(|e| e.to_string())?;
        Ok(plan.render())
    }

    async fn apply(
        &self,
        env: &Environment,
        confirm: &mut (dyn for<'a> FnMut(&'a str) -> Result<bool, String> + Send),
        progress: &mut (dyn for<'a> FnMut(&'a str) + Send),
    ) -> Result<bool, String> {
        let template = synth(env).map_err(|e| e.to_string())?;
        let engine = self.engine().await;
        let plan = engine.plan(&Self::stack_name(env), &template).await.map_err(|e| e.to_string())?;
        if !plan.has_changes() {
            progress(plan.render().trim_end());
            return Ok(false);
        }
        // Declined or unable to ask: the change set (and the empty stack a first one makes)
        // must not linger, or the next change set for a new stack would pile onto it.
        match confirm(&plan.render()) {
            Ok(true) => {}
            answer => {
                engine.discard(&plan).await.map_err(|e| e.to_string())?;
                return Err(answer.err().unwrap_or_else(|| "stack apply cancelled; nothing was changed".to_string()));
            }
        }
        engine.execute(&plan, progress).await.map_err(|e| e.to_string())?;
        Ok(true)
    }

    async fn destroy(
        &self,
        env: &Environment,
        progress: &mut (dyn for<'a> FnMut(&'a str) + Send),
    ) -> Result<(), String> {
        self.engine().await.delete(&Self::stack_name(env), progress).await.map_err(|e| e.to_string())
    }
}
