//! quikinfra: infrastructure as typed Rust.
//!
//! An environment is a Rust value built from typed resources; `cli::run` gives it the
//! `plan` / `apply` / `destroy` command line. This facade re-exports the engine
//! ([`engine`]), the command line ([`cli`]) and the cloud libraries ([`aws`], [`azure`]), and
//! adds nothing but wiring: it registers the cloud plugins once. Definitions usually start with `use quikinfra::prelude::*;`.

pub use quikinfra_aws as aws;
pub use quikinfra_azure as azure;
pub use quikinfra_core as engine;

/// Everything an environment definition needs.
pub mod prelude {
    pub use quikinfra_core::environment::Environment;
    pub use quikinfra_core::resource::{Lifecycle, Meta, Resource, ResourceExt};
    pub use quikinfra_core::value::{Ref, Secret, Val};
}

/// The command line ([`quikinfra_cli`]) with the AWS and Azure plugins registered.
pub mod cli {
    use std::sync::Arc;

    use quikinfra_core::environment::Environment;
    use quikinfra_core::plugin::Plugin;

    pub use quikinfra_cli::*;

    /// The plugins every program links: AWS (the `aws` provider, `s3://` state, `synth`,
    /// `stack`) and Azure (the `azure` provider), each configured from the process
    /// environment when first needed.
    pub fn plugins() -> Vec<Arc<dyn Plugin>> {
        vec![Arc::new(quikinfra_aws::AwsPlugin::from_env()), Arc::new(quikinfra_azure::AzurePlugin::from_env())]
    }

    /// Runs the command line for `env` and exits: what an environment's `main` calls.
    ///
    /// The embedded simulator is the default target; `--cloud real` (or `QUIKINFRA_CLOUD=real`)
    /// asks for the real clouds through the registered plugins.
    pub fn run(env: Environment) -> ! {
        quikinfra_cli::run(env, plugins())
    }

    /// Runs the command line of a whole estate (`plan`, `apply`, `drift` over every
    /// environment, owners first) and exits.
    pub fn run_estate(estate: estate::Estate) -> ! {
        quikinfra_cli::estate::run(estate, plugins())
    }

    /// Runs the command line for `program` (a definition with subcommands of its own) and exits.
    pub fn run_program<P: Program>(program: P) -> ! {
        quikinfra_cli::run_program(program, plugins())
    }
}
