//! The QuikApp `live` environment: active production at live.quikapp.com: blue/green clusters behind the edge; reads Production's media bucket.
//!
//! Its values are the `live` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example live plan` (the embedded simulator is the default target).
//!
//! `cargo run --example live switch green` plans the switch of traffic to the green cluster
//! (`--apply` applies it); it refuses a colour whose cluster is missing or unhealthy.

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("live")
}
