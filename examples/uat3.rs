//! The QuikApp `uat3` environment: regression testing at uat3.quikapp.com; reads UAT1's media bucket and Dev's Kafka.
//!
//! Its values are the `uat3` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example uat3 plan` (the embedded simulator is the default target).

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("uat3")
}
