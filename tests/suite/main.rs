//! The integration suite: one binary, one module per feature, against the embedded simulator
//! (and, for `azure`, the ARM emulator on loopback) with state in temporary directories.

mod support;

#[path = "../../examples/blueprint/mod.rs"]
mod blueprint;

mod adopt;
mod apply;
mod azblob_state;
mod azure;
mod cli;
mod crash;
mod derive;
mod e2e;
mod environments;
mod estate;
mod generate;
mod generate_aws;
mod generate_azure;
mod generated;
mod local;
mod media_access;
mod misuse;
mod plan;
mod props;
mod quikapp;
mod scope;
mod shared_state;
mod tidy;
mod validate;
mod whole_estate;
