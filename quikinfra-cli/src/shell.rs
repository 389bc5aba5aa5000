//! [`Shell`]: all output of a run goes through here, coloured only when allowed.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Standard output and error of a run; clones write to the same streams.
#[derive(Clone)]
pub struct Shell {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    err: Arc<Mutex<Box<dyn Write + Send>>>,
    /// Whether to colour output.
    pub color: bool,
    /// Whether standard output is a terminal.
    pub terminal: bool,
}

impl Shell {
    /// A shell over `out` and `err`.
    pub fn new(out: Box<dyn Write + Send>, err: Box<dyn Write + Send>, color: bool, terminal: bool) -> Self {
        Self { out: Arc::new(Mutex::new(out)), err: Arc::new(Mutex::new(err)), color, terminal }
    }

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
