//! The command line every environment's `main` calls: `quikinfra::cli::run(env)`.
//!
//! [`run_with`] parses arguments ([`args`]), picks the target (the embedded simulator unless
//! real clouds are asked for), and hands each command to [`exec`], which calls the engine and
//! writes through one [`Shell`]. Exit codes are decided here and nowhere else:
//! 0 success, 1 error, 2 "changes present" with `--detailed-exitcode`.

pub mod args;
pub mod exec;
pub mod printer;

use std::ffi::OsString;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use clap::Parser;

use crate::environment::Environment;
use crate::provider::Provider;
use crate::state::StateBackend;

/// Builds the real-cloud providers (family name → provider) when `--cloud real` is asked for.
pub type RealClouds = Box<dyn Fn() -> Result<Vec<(String, Arc<dyn Provider>)>, String> + Send + Sync>;

/// Opens the state backend a `--backend` URL names, for an environment: `(url, environment)`.
pub type StateBackends = Box<dyn Fn(&str, &str) -> Result<Arc<dyn StateBackend>, String> + Send + Sync>;

/// Writes an environment as a deployment template, for `synth`.
pub type Synth = Box<dyn Fn(&Environment) -> Result<String, String> + Send + Sync>;

/// A second way to deploy an environment: as one stack (CloudFormation change sets), for
/// `stack plan|apply|destroy`. The deployer keeps its change set between showing and executing.
#[async_trait::async_trait]
pub trait StackDeployer: Send + Sync {
    /// The change set that would bring the stack to `env`, rendered as a plan; it is deleted.
    async fn plan(&self, env: &Environment) -> Result<String, String>;

    /// Computes the change set, shows it to `confirm` (rendered; `false` cancels), executes it
    /// and waits, calling `progress` with each status. `Ok(false)` when cancelled or when there
    /// was nothing to do.
    async fn apply(
        &self,
        env: &Environment,
        confirm: &mut (dyn for<'a> FnMut(&'a str) -> Result<bool, String> + Send),
        progress: &mut (dyn for<'a> FnMut(&'a str) + Send),
    ) -> Result<bool, String>;

    /// Deletes the stack and waits, calling `progress` with each status.
    async fn destroy(
        &self,
        env: &Environment,
        progress: &mut (dyn for<'a> FnMut(&'a str) + Send),
    ) -> Result<(), String>;
}

/// What provider crates add to the command line beyond providers: state backends other than
/// local files, a template writer, and a stack engine.
#[derive(Default)]
pub struct Extensions {
    /// Opens `--backend` URLs.
    pub state_backends: Option<StateBackends>,
    /// Serves `synth`.
    pub synth: Option<Synth>,
    /// Serves `stack …`.
    pub stack: Option<Arc<dyn StackDeployer>>,
}

/// Where a run reads and writes, and what it may assume about its terminal.
pub struct Context {
    /// Standard output.
    pub out: Box<dyn Write + Send>,
    /// Standard error.
    pub err: Box<dyn Write + Send>,
    /// Standard input, for apply's confirmation.
    pub input: Box<dyn BufRead + Send>,
    /// Whether standard output is a terminal (colour, live progress).
    pub out_is_terminal: bool,
    /// Whether standard input is a terminal (confirmation prompts).
    pub input_is_terminal: bool,
    /// Whether `NO_COLOR` is unset.
    pub color_allowed: bool,
    /// The real-cloud providers linked into this program.
    pub real_clouds: Option<RealClouds>,
    /// The key encrypting state and saved plans (`QUIKINFRA_STATE_KEY`), if set.
    pub state_key: Option<String>,
    /// State backends and template writers linked into this program.
    pub extensions: Extensions,
}

impl Context {
    /// The process's own streams and terminal.
    pub fn process(real_clouds: Option<RealClouds>) -> Self {
        Self {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            input: Box::new(std::io::BufReader::new(std::io::stdin())),
            out_is_terminal: std::io::stdout().is_terminal(),
            input_is_terminal: std::io::stdin().is_terminal(),
            color_allowed: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            real_clouds,
            state_key: std::env::var(crate::state::crypt::KEY_ENV).ok().filter(|k| !k.trim().is_empty()),
            extensions: Extensions::default(),
        }
    }

    /// Adds state backends and template writers.
    pub fn with_extensions(mut self, extensions: Extensions) -> Self {
        self.extensions = extensions;
        self
    }
}

/// All output of a run goes through here.
pub struct Shell {
    out: Mutex<Box<dyn Write + Send>>,
    err: Mutex<Box<dyn Write + Send>>,
    /// Whether to colour output.
    pub color: bool,
    /// Whether standard output is a terminal.
    pub terminal: bool,
}

impl Shell {
    /// Writes `text` to standard output as is.
    pub fn out(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Writes one line to standard output.
    pub fn line(&self, text: &str) {
        self.out(&format!("{text}\n"));
    }

    /// Writes one line to standard error.
    pub fn err_line(&self, text: &str) {
        let mut err = self.err.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(err, "{text}");
        let _ = err.flush();
    }

    /// Writes an error to standard error, `Error: …` in red on a terminal.
    pub fn error(&self, message: &str) {
        let label = if self.color { "\x1b[1;31mError:\x1b[0m" } else { "Error:" };
        self.err_line(&format!("{label} {}", message.trim_end()));
    }

    /// Paints `text` bold when colouring.
    pub fn bold(&self, text: &str) -> String {
        if self.color { format!("\x1b[1m{text}\x1b[0m") } else { text.to_string() }
    }
}

/// Runs the CLI for `env` with the process's arguments and streams, and exits.
pub fn run(env: Environment) -> ! {
    run_with_clouds(env, None)
}

/// Like [`run`], with real-cloud providers available to `--cloud real`.
pub fn run_with_clouds(env: Environment, real_clouds: Option<RealClouds>) -> ! {
    let code = run_with(env, std::env::args_os(), Context::process(real_clouds));
    std::process::exit(code)
}

/// Runs the CLI for `env` with the given arguments (the first is the program name) and
/// context, returning the exit code.
pub fn run_with<I, T>(env: Environment, args: I, ctx: Context) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let Context {
        out,
        err,
        input,
        out_is_terminal,
        input_is_terminal,
        color_allowed,
        real_clouds,
        state_key,
        extensions,
    } = ctx;
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let text = e.render().to_string();
            let mut sink: Box<dyn Write + Send> = if e.use_stderr() { err } else { out };
            let _ = sink.write_all(text.as_bytes());
            return code;
        }
    };
    let shell = Shell {
        out: Mutex::new(out),
        err: Mutex::new(err),
        color: out_is_terminal && color_allowed && !cli.no_color,
        terminal: out_is_terminal,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            shell.error(&format!("cannot start the async runtime: {e}"));
            return 1;
        }
    };
    let cipher = match state_key.as_deref().map(crate::state::crypt::Cipher::from_key_text).transpose() {
        Ok(cipher) => cipher,
        Err(e) => {
            shell.error(&e.to_string());
            return 1;
        }
    };
    let session =
        exec::Session { env, cli, shell, input: Mutex::new(input), input_is_terminal, real_clouds, cipher, extensions };
    match runtime.block_on(session.execute()) {
        Ok(code) => code,
        Err(e) => {
            session.shell.error(&e.to_string());
            1
        }
    }
}
