//! [`AwsPlugin`]: what linking quikinfra-aws adds to a program: the `aws` provider for
//! `--cloud real`, `s3://` state backends, and the `synth` and `stack plan|apply|destroy`
//! subcommands (the CloudFormation engine).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use quikinfra_core::codegen::Generators;
use quikinfra_core::environment::Environment;
use quikinfra_core::plugin::{ArgSpec, CommandArgs, CommandIo, CommandSpec, Plugin, PluginCommand, PluginError};
use quikinfra_core::provider::Provider;
use quikinfra_core::state::Backends;

use crate::backend::S3Backends;
use crate::cloudformation::{CloudFormationStacks, synth};
use crate::provider::{AwsProvider, FAMILY, served};

/// The AWS plugin.
#[derive(Clone)]
pub struct AwsPlugin {
    /// Given (tests), or aws-config's default chain loaded on first use.
    config: Option<SdkConfig>,
    wait_for_cloudfront: Option<bool>,
    acm_validation_timeout: Option<Duration>,
    stack_poll: Option<Duration>,
}

impl AwsPlugin {
    /// Configured by aws-config's default chain and the `AWS_ENDPOINT_URL*` overrides, loaded
    /// when first needed (building the plugin needs no credentials).
    pub fn from_env() -> Self {
        Self { config: None, wait_for_cloudfront: None, acm_validation_timeout: None, stack_poll: None }
    }

    /// Configured by `config` (credentials, region, endpoint as the caller built them).
    pub fn with_config(config: SdkConfig) -> Self {
        Self { config: Some(config), wait_for_cloudfront: None, acm_validation_timeout: None, stack_poll: None }
    }

    /// Whether CloudFront changes wait until deployed (see `AwsProvider::wait_for_cloudfront`).
    pub fn wait_for_cloudfront(mut self, wait: bool) -> Self {
        self.wait_for_cloudfront = Some(wait);
        self
    }

    /// How long certificate validations wait for `ISSUED` (see `AwsProvider::acm_validation_timeout`).
    pub fn acm_validation_timeout(mut self, timeout: Duration) -> Self {
        self.acm_validation_timeout = Some(timeout);
        self
    }

    /// Polls stacks every `interval` and gives up after a minute (tests against an emulator).
    pub fn stack_poll_every(mut self, interval: Duration) -> Self {
        self.stack_poll = Some(interval);
        self
    }

    fn stacks(&self) -> CloudFormationStacks {
        let stacks = match &self.config {
            Some(config) => CloudFormationStacks::new(config),
            None => CloudFormationStacks::from_env(),
        };
        match self.stack_poll {
            Some(interval) => stacks.poll_every(interval),
            None => stacks,
        }
    }
}

impl Plugin for AwsPlugin {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn serves(&self) -> &'static [&'static str] {
        served()
    }

    fn provider(&self) -> Result<Arc<dyn Provider>, PluginError> {
        // A region that does not exist would fail every call; it is refused before the first.
        let configured = match &self.config {
            Some(config) => config.region().map(|r| r.as_ref().to_string()),
            None => std::env::var("AWS_REGION").or_else(|_| std::env::var("AWS_DEFAULT_REGION")).ok(),
        };
        if let Some(region) = configured.filter(|r| !crate::regions::is_known(r)) {
            return Err(PluginError::Setup {
                family: FAMILY,
                message: format!(
                    "AWS region `{region}` does not exist (known regions: quikinfra_aws::regions::REGIONS); set AWS_REGION to one of them"
                ),
            });
        }
        let provider = match &self.config {
            Some(config) => AwsProvider::new(config),
            None => AwsProvider::from_env(),
        };
        let provider = match self.wait_for_cloudfront {
            Some(wait) => provider.wait_for_cloudfront(wait),
            None => provider,
        };
        let provider = match self.acm_validation_timeout {
            Some(timeout) => provider.acm_validation_timeout(timeout),
            None => provider,
        };
        Ok(provider.shared())
    }

    fn provider_at(&self, endpoint: &str) -> Result<Arc<dyn Provider>, PluginError> {
        // LocalStack's (and moto's) convention: any static credentials, us-east-1.
        let url = endpoint.to_string();
        let config = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            Ok::<_, std::io::Error>(
                runtime.block_on(
                    aws_config::defaults(aws_config::BehaviorVersion::latest())
                        .endpoint_url(url)
                        .region(aws_config::Region::new("us-east-1"))
                        .credentials_provider(aws_sdk_s3::config::Credentials::new("test", "test", None, None, "local"))
                        .http_client(crate::provider::https_client())
                        .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(1))
                        .load(),
                ),
            )
        })
        .join()
        .map_err(|_| PluginError::Setup {
            family: FAMILY,
            message: format!("configuring the endpoint {endpoint} failed"),
        })?
        .map_err(|e| PluginError::failed(format!("configuring the endpoint {endpoint}"), e))?;
        let provider = AwsProvider::new(&config);
        let provider = match self.wait_for_cloudfront {
            Some(wait) => provider.wait_for_cloudfront(wait),
            None => provider,
        };
        Ok(provider.shared())
    }

    fn backend_scheme(&self) -> Option<&'static str> {
        Some("s3")
    }

    fn backends(&self, url: &str) -> Result<Arc<dyn Backends>, PluginError> {
        let client = self.config.as_ref().map(crate::backend::s3_client);
        let backends = S3Backends::from_url(url, client)
            .map_err(|e| PluginError::BackendUrl { url: url.to_string(), reason: e.to_string() })?;
        Ok(Arc::new(backends))
    }

    fn commands(&self) -> Vec<Arc<dyn PluginCommand>> {
        vec![Arc::new(Synth), Arc::new(Stack { stacks: Arc::new(self.stacks()) })]
    }

    fn generators(&self) -> Generators {
        crate::codegen::generators()
    }
}

/// `synth [--out FILE]`: the CloudFormation template of the environment's AWS resources.
struct Synth;

#[async_trait]
impl PluginCommand for Synth {
    fn spec(&self) -> CommandSpec {
        CommandSpec::new("synth", "Write the environment's AWS resources as a CloudFormation template")
            .arg(ArgSpec::value("out", "FILE", "Write to this file instead of standard output"))
    }

    async fn run(&self, env: &Environment, args: &CommandArgs, io: &dyn CommandIo) -> Result<(), PluginError> {
        let text = synth(env).map_err(|e| PluginError::failed("synth", e))?.to_json();
        match args.value("out") {
            Some(path) => {
                std::fs::write(path, text).map_err(|e| PluginError::failed(format!("writing {path}"), e))?;
                io.progress(&format!("Template written to {path}."));
            }
            None => io.out(&text),
        }
        Ok(())
    }
}

/// `stack plan|apply|destroy`: the environment deployed as one CloudFormation stack.
struct Stack {
    stacks: Arc<CloudFormationStacks>,
}

#[async_trait]
impl PluginCommand for Stack {
    fn spec(&self) -> CommandSpec {
        let approve = || ArgSpec::flag("auto-approve", "Do not ask for confirmation");
        CommandSpec::new("stack", "Deploy the environment's AWS resources as one CloudFormation stack instead")
            .subcommand(CommandSpec::new("plan", "Show the change set that would bring the stack to the definition"))
            .subcommand(
                CommandSpec::new("apply", "Create and execute the change set, waiting for the stack to settle")
                    .arg(approve()),
            )
            .subcommand(CommandSpec::new("destroy", "Delete the stack and everything in it").arg(approve()))
    }

    async fn run(&self, env: &Environment, args: &CommandArgs, io: &dyn CommandIo) -> Result<(), PluginError> {
        quikinfra_core::validate::validate(env).map_err(PluginError::Invalid)?;
        let mut progress = |status: &str| io.progress(&format!("Stack: {status}"));
        let approved = args.flag("auto-approve");
        match args.subcommand() {
            Some("plan") => io.out(&self.stacks.plan(env).await?),
            Some("apply") => {
                let mut confirm = |text: &str| {
                    io.out(text);
                    if approved { Ok(true) } else { io.confirm("execute this change set") }
                };
                let changed = self.stacks.apply(env, &mut confirm, &mut progress).await?;
                io.progress(if changed { "Stack apply complete." } else { "Nothing was changed." });
            }
            Some("destroy") => {
                if !approved && !io.confirm("delete the stack and every resource in it")? {
                    return Err(PluginError::Cancelled("stack destroy cancelled".to_string()));
                }
                self.stacks.destroy(env, &mut progress).await?;
                io.progress("Stack destroyed.");
            }
            other => {
                return Err(PluginError::failed("stack", format!("unknown stack command {other:?}")));
            }
        }
        Ok(())
    }
}
