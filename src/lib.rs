//! quikinfra: infrastructure as typed Rust.
//!
//! This facade re-exports the engine ([`core`]) and the provider crates ([`aws`], [`azure`]),
//! and offers a [`prelude`] for environment definitions.

pub use quikinfra_aws as aws;
pub use quikinfra_azure as azure;
pub use quikinfra_core as core;
