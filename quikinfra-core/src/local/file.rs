//! `local_file`: a file whose whole content the definition states.

use serde::Serialize;

use crate::diag::FieldProblems;
use crate::resource::{Meta, Resource, ResourceExt};
use crate::schema::{AttrSchema, AttrType, Schema};
use crate::value::Ref;

/// A file written by apply, its content compared on every plan.
#[derive(Clone, Debug, Serialize)]
pub struct LocalFile {
    #[serde(skip)]
    meta: Meta,
    path: String,
    content: String,
}

static SCHEMA: Schema = Schema {
    type_name: "local_file",
    provider: "local",
    attributes: &[
        AttrSchema::computed("id", AttrType::String),
        AttrSchema::input("path", AttrType::String).force_new_because("a file is replaced when it moves"),
        AttrSchema::input("content", AttrType::String),
        AttrSchema::computed("sha256", AttrType::String),
    ],
};

impl LocalFile {
    /// A file called `name` in addresses, at `path` (relative to the working directory).
    pub fn new(name: &str, path: impl Into<String>, content: impl Into<String>) -> Self {
        Self { meta: Meta::named(name), path: path.into(), content: content.into() }
    }

    /// The file's content digest, known after apply.
    pub fn sha256(&self) -> Ref<String> {
        self.attr("sha256")
    }
}

impl Resource for LocalFile {
    const TYPE: &'static str = "local_file";

    fn schema() -> &'static Schema {
        &SCHEMA
    }

    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }

    fn validate(&self, problems: &mut FieldProblems<'_>) {
        let path = std::path::Path::new(&self.path);
        if self.path.is_empty() {
            problems.field("path", "must not be empty");
        } else if path.is_absolute() || path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            problems.field("path", "must be relative and stay inside the working directory");
        }
    }
}
