//! The integration suite: one binary, one module per feature, all against the embedded
//! simulator with state in temporary directories.

mod support;

#[path = "../../examples/blueprint/mod.rs"]
mod blueprint;

mod apply;
mod cli;
mod crash;
mod estate;
mod plan;
mod props;
mod quikapp;
mod tidy;
mod validate;
