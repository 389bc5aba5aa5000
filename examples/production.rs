//! The QuikApp `production` environment: the release candidate at prod.quikapp.com, behind a canary split; owns `quikapp-media-prod`.
//!
//! Its values are the `production` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example production plan` (the embedded simulator is the default target).

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("production")
}
