//! `local_file`: a file whose whole content the definition states.

use serde::Serialize;

use crate::diag::FieldProblems;
use crate::resource::{Meta, Resource};
use crate::value::Computed;

/// A file written by apply, its content compared on every plan.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "local_file", provider = "local", refs(sha256), validate = Self::check)]
pub struct LocalFile {
    #[serde(skip)]
    meta: Meta,
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    #[resource(identity, force_new = "a file is replaced when it moves")]
    path: String,
    content: String,
    /// The file's content digest, known after apply.
    #[serde(skip)]
    #[resource(computed)]
    sha256: Computed<String>,
}

impl LocalFile {
    /// A file called `name` in addresses, at `path` (relative to the working directory).
    pub fn new(name: &str, path: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            meta: Meta::named(name),
            id: Computed::new(),
            path: path.into(),
            content: content.into(),
            sha256: Computed::new(),
        }
    }

    fn check(&self, problems: &mut FieldProblems<'_>) {
        let path = std::path::Path::new(&self.path);
        if self.path.is_empty() {
            problems.field("path", "must not be empty");
        } else if path.is_absolute() || path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            problems.field("path", "must be relative and stay inside the working directory");
        }
    }
}
