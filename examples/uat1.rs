//! The QuikApp `uat1` environment: feature testing at uat1.quikapp.com; owns the shared `quikapp-media-uat` bucket.
//!
//! Its values are the `uat1` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example uat1 plan` (the embedded simulator is the default target).

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("uat1")
}
