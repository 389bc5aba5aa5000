//! [`Context`]: where a run reads and writes, what it may assume about its terminal, and the
//! plugins linked into the program.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use quikinfra_core::plugin::Plugin;
use quikinfra_core::state::crypt::KEY_ENV;

/// Where a run reads and writes, and what it may assume about its terminal.
pub struct Context {
    /// Standard output.
    pub out: Box<dyn Write + Send>,
    /// Standard error.
    pub err: Box<dyn Write + Send>,
    /// Standard input, for confirmations.
    pub input: Box<dyn BufRead + Send>,
    /// Whether standard output is a terminal (colour, live progress).
    pub out_is_terminal: bool,
    /// Whether standard input is a terminal (confirmation prompts).
    pub input_is_terminal: bool,
    /// Whether `NO_COLOR` is unset.
    pub color_allowed: bool,
    /// The cloud plugins linked into this program: real-cloud providers, state backends,
    /// extra subcommands.
    pub plugins: Vec<Arc<dyn Plugin>>,
    /// The key encrypting state and saved plans (`QUIKINFRA_STATE_KEY`), if set.
    pub state_key: Option<String>,
}

impl Context {
    /// The process's own streams, terminal and `QUIKINFRA_STATE_KEY`, with `plugins`.
    pub fn process(plugins: Vec<Arc<dyn Plugin>>) -> Self {
        Self {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            input: Box::new(std::io::BufReader::new(std::io::stdin())),
            out_is_terminal: std::io::stdout().is_terminal(),
            input_is_terminal: std::io::stdin().is_terminal(),
            color_allowed: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            plugins,
            state_key: std::env::var(KEY_ENV).ok().filter(|k| !k.trim().is_empty()),
        }
    }

    /// Captured streams and no terminal, for tests: output goes to `out` and `err`, input is
    /// empty, nothing is coloured.
    pub fn captured(out: Box<dyn Write + Send>, err: Box<dyn Write + Send>, plugins: Vec<Arc<dyn Plugin>>) -> Self {
        Self {
            out,
            err,
            input: Box::new(std::io::empty()),
            out_is_terminal: false,
            input_is_terminal: false,
            color_allowed: false,
            plugins,
            state_key: None,
        }
    }
}
