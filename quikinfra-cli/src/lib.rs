//! quikinfra-cli: the command line every environment program runs.
//!
//! An environment's `main` calls [`run`] (or [`run_program`] for a definition with
//! subcommands of its own). [`program`] builds one clap parser from the built-in commands
//! ([`commands`], one module per command in cargo's shape: its arguments and a thin `exec`
//! calling `quikinfra_core::ops`), the program's own typed subcommands, and the subcommands the
//! linked cloud plugins describe ([`plugins`]). A [`Session`] holds what one invocation works
//! with: the parsed global flags, the state stores (local files, or the backend a plugin opens
//! for `--backend`), the definition, and the target's providers once asked for.
//!
//! All output goes through one [`Shell`]; apply progress through [`printer`]; interrupts are
//! caught in [`signals`]. Exit codes are decided here and nowhere else: 0 success, 1 error,
//! 2 "changes present" with `--detailed-exitcode`, 130 on a second interrupt.
//!
//! Architecture invariant: this crate knows no cloud. Providers, backends and extra
//! subcommands reach it only through the plugins it is given.

pub mod args;
pub mod commands;
pub mod context;
pub mod endpoint;
pub mod error;
pub mod estate;
pub mod plugins;
pub mod printer;
pub mod program;
pub mod session;
pub mod shell;
pub mod signals;

pub use args::{Cloud, GlobalArgs, PlanFlags, ScopeArgs};
pub use context::Context;
pub use error::{CliError, CliResult};
pub use program::{InEstate, NoCommands, Program, open_states, run, run_program, run_with};
pub use session::{Session, Target};
pub use shell::Shell;
