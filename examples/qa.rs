//! The QuikApp `qa` environment: quality assurance at qa.quikapp.com; reads Dev's shared Kafka.
//!
//! Its values are the `qa` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example qa plan` (the embedded simulator is the default target).

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("qa")
}
