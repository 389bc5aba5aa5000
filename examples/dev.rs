//! The QuikApp `dev` environment: integration testing at dev.quikapp.com; owns the shared MySQL, Redis and Kafka.
//!
//! Its values are the `dev` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example dev plan` (the embedded simulator is the default target).

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("dev")
}
