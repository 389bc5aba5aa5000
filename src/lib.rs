//! quikinfra: infrastructure as typed Rust.
//!
//! An environment is a Rust value built from typed resources; `cli::run` gives it the
//! `plan` / `apply` / `destroy` command line. This facade re-exports the engine
//! ([`core`](quikinfra_core)) and the provider crates ([`aws`], [`azure`]) and adds nothing
//! but wiring. Definitions usually start with `use quikinfra::prelude::*;`.

pub use quikinfra_aws as aws;
pub use quikinfra_azure as azure;
pub use quikinfra_core as engine;

/// Everything an environment definition needs.
pub mod prelude {
    pub use quikinfra_core::environment::Environment;
    pub use quikinfra_core::resource::{Lifecycle, Meta, Resource, ResourceExt};
    pub use quikinfra_core::value::{Ref, Secret, Val};
}

/// The command line.
pub mod cli {
    use std::sync::Arc;

    use quikinfra_core::cli::{Extensions, RealClouds};
    use quikinfra_core::environment::Environment;
    use quikinfra_core::provider::Provider;
    use quikinfra_core::state::StateBackend;

    pub use quikinfra_core::cli::{Context, run_with};

    /// Providers by family name (`azure`, `aws`), or why they could not be set up.
    pub type Clouds = Result<Vec<(String, Arc<dyn Provider>)>, String>;

    /// Runs the command line for `env` and exits: what an environment's `main` calls.
    ///
    /// The embedded simulator is the default target; `--cloud real` (or `QUIKINFRA_CLOUD=real`)
    /// asks for the real clouds through the providers linked into this program.
    pub fn run(env: Environment) -> ! {
        let ctx = Context::process(Some(real_clouds())).with_extensions(extensions());
        std::process::exit(run_with(env, std::env::args_os(), ctx))
    }

    /// What the provider crates add to the command line: `--backend s3://bucket/prefix/` (state
    /// in S3, see `quikinfra_aws::backend`), `synth` (the CloudFormation template of the
    /// environment's AWS resources) and `stack plan|apply|destroy` (that template deployed
    /// through change sets).
    pub fn extensions() -> Extensions {
        Extensions {
            state_backends: Some(Box::new(|url, environment| {
                if url.starts_with("s3://") {
                    let backend = quikinfra_aws::S3Backend::from_url(url, environment).map_err(|e| e.to_string())?;
                    Ok(Arc::new(backend) as Arc<dyn StateBackend>)
                } else {
                    Err(format!(
                        "unknown state backend `{url}`: use s3://bucket/prefix/, or leave --backend out for local files"
                    ))
                }
            })),
            synth: Some(Box::new(|env| {
                quikinfra_aws::cloudformation::synth(env).map(|t| t.to_json()).map_err(|e| e.to_string())
            })),
            stack: Some(Arc::new(quikinfra_aws::cloudformation::CloudFormationStacks::from_env())),
        }
    }

    /// The real-cloud providers `--cloud real` uses, each configured from the process
    /// environment when asked for: AWS through aws-config's default chain (loaded on first use,
    /// so building it needs no credentials) and Azure through its credential chain.
    pub fn real_clouds() -> RealClouds {
        Box::new(|| {
            let mut providers = aws()?;
            providers.extend(azure()?);
            Ok(providers)
        })
    }

    /// The `aws` provider, configured by aws-config's default chain and `AWS_ENDPOINT_URL*`.
    pub fn aws() -> Clouds {
        let aws = quikinfra_aws::AwsProvider::from_env().shared();
        Ok(vec![(quikinfra_aws::provider::FAMILY.to_string(), aws)])
    }

    /// The `azure` provider, configured from the process environment.
    pub fn azure() -> Clouds {
        azure_from(&|name| std::env::var(name).ok())
    }

    /// The `azure` provider, configured from the variables `env` answers:
    /// `AZURE_RESOURCE_MANAGER_ENDPOINT`, `AZURE_AUTHORITY_HOST`, `AZURE_SUBSCRIPTION_ID`,
    /// `AZURE_ACCESS_TOKEN` and the credential chain's (see `quikinfra_azure::arm::credential`).
    pub fn azure_from(env: &dyn Fn(&str) -> Option<String>) -> Clouds {
        let provider = quikinfra_azure::AzureProvider::from_env(env).map_err(|e| format!("azure: {e}"))?;
        Ok(vec![(quikinfra_azure::provider::FAMILY.to_string(), Arc::new(provider))])
    }
}
