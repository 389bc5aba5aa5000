//! [`CliError`]: a command's failure, printed as `Error: …` with exit code 1.
//!
//! Any error converts into it (`?` works on every library error); the typed cause stays
//! attached until it is printed.

use std::error::Error;
use std::fmt;

/// A command's result: its exit code, or an error to print (exit code 1).
pub type CliResult = Result<i32, CliError>;

/// Why a command failed.
pub struct CliError(Box<dyn Error + Send + Sync>);

impl CliError {
    /// An error saying `message`.
    pub fn msg(message: impl Into<String>) -> Self {
        Self(message.into().into())
    }

    /// The underlying error.
    pub fn source(&self) -> &(dyn Error + Send + Sync + 'static) {
        self.0.as_ref()
    }
}

impl<E: Into<Box<dyn Error + Send + Sync>>> From<E> for CliError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
