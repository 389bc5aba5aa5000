//! Diagnostics: problems found in a definition, collected all at once, each naming where it is.
//!
//! Validation never stops at the first problem: it gathers every [`Problem`] so a user fixes a
//! definition in one pass. Each problem names the resource and the field when it has them.

use std::fmt;

use crate::addr::Address;

/// One problem in a definition.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The resource the problem is in, when it is in one.
    pub address: Option<Address>,
    /// The field of that resource, when the problem is in one.
    pub field: Option<String>,
    /// What is wrong, in lowercase, without a trailing period.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.address, &self.field) {
            (Some(a), Some(field)) => write!(f, "{a}: field `{field}`: {}", self.message),
            (Some(a), None) => write!(f, "{a}: {}", self.message),
            (None, Some(field)) => write!(f, "field `{field}`: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Every problem found in a definition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem.
    pub fn push(&mut self, address: Option<&Address>, field: Option<&str>, message: impl Into<String>) {
        self.0.push(Problem { address: address.cloned(), field: field.map(str::to_string), message: message.into() });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts problems by resource and field so output is deterministic.
    pub fn sorted(mut self) -> Self {
        self.0.sort();
        self.0.dedup();
        self
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} problem{} in the definition:", if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// The problems of one resource, handed to its type's `validate`.
pub struct FieldProblems<'a> {
    address: &'a Address,
    problems: &'a mut Problems,
}

impl<'a> FieldProblems<'a> {
    /// Scopes `problems` to the resource at `address`.
    pub fn new(address: &'a Address, problems: &'a mut Problems) -> Self {
        Self { address, problems }
    }

    /// Records that `field` is invalid.
    pub fn field(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Some(self.address), Some(field), message);
    }

    /// Records a problem with the resource as a whole.
    pub fn resource(&mut self, message: impl Into<String>) {
        self.problems.push(Some(self.address), None, message);
    }
}
