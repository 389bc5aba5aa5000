//! The integration suite: one binary, one module per feature, all against the embedded
//! simulator with state in temporary directories.

mod support;

mod apply;
mod cli;
mod crash;
mod estate;
mod plan;
mod props;
mod tidy;
mod validate;
