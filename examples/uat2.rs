//! The QuikApp `uat2` environment: feature testing at uat2.quikapp.com; reads UAT1's media bucket and Dev's Kafka.
//!
//! Its values are the `uat2` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example uat2 plan` (the embedded simulator is the default target).

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("uat2")
}
