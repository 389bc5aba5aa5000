//! quikinfra-core: the engine every provider plugs into.
//!
//! An [`Environment`](environment::Environment) holds typed resources erased to
//! [`ResourceNode`](resource::ResourceNode)s. [`validate`] checks the definition as a whole
//! (addresses, references, cycles, field rules) before any API call. [`plan`] refreshes what
//! [`state`] records through the [`provider`] boundary, diffs desired against live per
//! attribute using each type's [`schema`], and returns a [`Plan`](plan::Plan) value that
//! [`render`] shows as text or JSON. [`apply`] walks the plan's graph with bounded parallelism,
//! checkpointing state after every operation. [`sim`] is the embedded provider for every
//! resource type; [`cli`] is the command line every environment's `main` calls.
//!
//! Architecture invariant: this crate knows no cloud. No AWS or Azure SDK is a dependency.

// The derive's generated code names `::quikinfra_core`, here too (`local_file`, `testing`).
extern crate self as quikinfra_core;

pub mod addr;
pub mod apply;
pub mod codegen;
pub mod compare;
pub mod diag;
pub mod environment;
pub mod graph;
pub mod jsonplan;
pub mod local;
pub mod ops;
pub mod plan;
pub mod plugin;
pub mod policy;
pub mod provider;
pub mod render;
pub mod resource;
pub mod schema;
pub mod sim;
pub mod state;
pub mod testing;
pub mod validate;
pub mod value;

/// The quikinfra version, recorded in state and plans.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
