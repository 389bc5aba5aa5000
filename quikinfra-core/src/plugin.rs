//! Cloud plugins: what a cloud library adds to a program, as typed values.
//!
//! A [`Plugin`] names its provider family (`aws`), the resource types its provider serves (so a
//! definition using a type nobody serves is rejected before any call), builds that provider
//! for a run against the real cloud, opens state backends for its URL scheme (`s3://`), and
//! contributes subcommands of its own (`synth`, `stack …`) and the code writers of its types
//! (`import --generate`). Front ends register plugins once
//! and offer all of it to every environment program alike.
//!
//! Subcommands are described as data ([`CommandSpec`]): this crate knows no command-line
//! parser. The front end turns a spec into its parser's terms, parses, and hands the plugin
//! the typed [`CommandArgs`] and a [`CommandIo`] for output and confirmations. Every failure
//! crosses the boundary as a [`PluginError`] with its cause attached, never as a bare string.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::sync::Arc;

use async_trait::async_trait;

use crate::codegen::Generators;
use crate::diag::Problems;
use crate::environment::Environment;
use crate::provider::Provider;
use crate::state::{Backends, StateError};

/// A cloud library, as a program links it.
pub trait Plugin: Send + Sync {
    /// The provider family it serves (`aws`), as resource schemas name it.
    fn family(&self) -> &'static str;

    /// Every resource type its provider serves (`aws_s3_bucket`, …).
    fn serves(&self) -> &'static [&'static str];

    /// Builds its provider for a run against the real cloud (credentials and settings as the
    /// plugin was configured with, or from the process environment).
    fn provider(&self) -> Result<Arc<dyn Provider>, PluginError>;

    /// Builds its provider against `endpoint` (an emulator on the developer's machine, such as
    /// LocalStack, with its well-known test credentials), for a definition that serves its
    /// resources there (`Environment::provider_endpoint`).
    fn provider_at(&self, endpoint: &str) -> Result<Arc<dyn Provider>, PluginError> {
        Err(PluginError::Setup {
            family: self.family(),
            message: format!("this plugin cannot serve its resources at `{endpoint}`"),
        })
    }

    /// The URL scheme of the state backends it opens (`s3` for `s3://bucket/prefix/`).
    fn backend_scheme(&self) -> Option<&'static str> {
        None
    }

    /// The state backends `url` names, for every environment of the estate.
    fn backends(&self, url: &str) -> Result<Arc<dyn Backends>, PluginError> {
        Err(PluginError::BackendUrl {
            url: url.to_string(),
            reason: format!("{} opens no state backends", self.family()),
        })
    }

    /// The subcommands it adds.
    fn commands(&self) -> Vec<Arc<dyn PluginCommand>> {
        Vec::new()
    }

    /// The resource types whose live objects it can write as code (`import --generate`);
    /// none by default.
    fn generators(&self) -> Generators {
        Generators::new()
    }
}

/// A subcommand a plugin adds.
#[async_trait]
pub trait PluginCommand: Send + Sync {
    /// Its name, arguments and nested subcommands.
    fn spec(&self) -> CommandSpec;

    /// Runs it for `env` with the arguments parsed after [`PluginCommand::spec`].
    async fn run(&self, env: &Environment, args: &CommandArgs, io: &dyn CommandIo) -> Result<(), PluginError>;
}

/// A subcommand, described for the front end's parser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandSpec {
    /// Its name (`stack`).
    pub name: &'static str,
    /// One line of help.
    pub about: &'static str,
    /// Its arguments.
    pub args: Vec<ArgSpec>,
    /// Nested subcommands (`stack plan`, `stack apply`); one is required when any is given.
    pub subcommands: Vec<CommandSpec>,
}

impl CommandSpec {
    /// A subcommand called `name`.
    pub fn new(name: &'static str, about: &'static str) -> Self {
        Self { name, about, args: Vec::new(), subcommands: Vec::new() }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: ArgSpec) -> Self {
        self.args.push(arg);
        self
    }

    /// Adds a nested subcommand.
    pub fn subcommand(mut self, sub: CommandSpec) -> Self {
        self.subcommands.push(sub);
        self
    }
}

/// One argument of a subcommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgSpec {
    /// Its name: the long flag without `--` (`auto-approve`), or the positional's name.
    pub name: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// What kind of argument it is.
    pub kind: ArgKind,
}

/// The kinds of argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// `--name`, on or off.
    Flag,
    /// `--name VALUE`, optional.
    Value {
        /// The value's placeholder in help (`FILE`).
        value_name: &'static str,
    },
}

impl ArgSpec {
    /// A `--name` flag.
    pub fn flag(name: &'static str, help: &'static str) -> Self {
        Self { name, help, kind: ArgKind::Flag }
    }

    /// An optional `--name VALUE`.
    pub fn value(name: &'static str, value_name: &'static str, help: &'static str) -> Self {
        Self { name, help, kind: ArgKind::Value { value_name } }
    }
}

/// A plugin subcommand's arguments as parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandArgs {
    /// The nested subcommands chosen, outermost first (`["apply"]` for `stack apply`).
    pub path: Vec<String>,
    /// The flags given, at any level.
    pub flags: BTreeSet<String>,
    /// The values given, at any level.
    pub values: BTreeMap<String, String>,
}

impl CommandArgs {
    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.flags.contains(name)
    }

    /// The value of `--name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The innermost subcommand chosen, if any.
    pub fn subcommand(&self) -> Option<&str> {
        self.path.last().map(String::as_str)
    }
}

/// Where a plugin subcommand writes and asks.
pub trait CommandIo: Send + Sync {
    /// Writes `text` to standard output as is.
    fn out(&self, text: &str);

    /// Reports progress, one line.
    fn progress(&self, line: &str);

    /// Asks "Do you want to {question}?"; `Ok(true)` only on an explicit yes, an error when no
    /// one can be asked (and no approval was given up front).
    fn confirm(&self, question: &str) -> Result<bool, PluginError>;
}

/// Why a plugin could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The provider could not be set up (settings or credentials missing or wrong).
    #[error("{family}: {message}")]
    Setup {
        /// The provider family.
        family: &'static str,
        /// What is missing or wrong, and how to fix it.
        message: String,
    },
    /// A state backend URL the plugin cannot open.
    #[error("state backend `{url}`: {reason}")]
    BackendUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The definition cannot be handled as asked; nothing was called.
    #[error("{0}")]
    Invalid(Problems),
    /// Reading or writing state failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The person declined; nothing was changed.
    #[error("{0}; nothing was changed")]
    Cancelled(String),
    /// No one could be asked for a confirmation that was needed.
    #[error("{0}")]
    NoConfirmation(String),
    /// A call the subcommand made failed.
    #[error("{context}: {source}")]
    Failed {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Box<dyn Error + Send + Sync>,
    },
}

impl PluginError {
    /// `source` failed while doing `context`.
    pub fn failed(context: impl Into<String>, source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self::Failed { context: context.into(), source: source.into() }
    }
}
