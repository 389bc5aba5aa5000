//! The integration suite: one binary, one module per feature, against the embedded simulator
//! (and, for `azure`, the ARM emulator on loopback) with state in temporary directories.

mod support;

mod apply;
mod azure;
mod cli;
mod plan;
mod props;
mod tidy;
mod validate;
