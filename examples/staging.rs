//! The QuikApp `staging` environment: the pre-production mirror at staging.quikapp.com.
//!
//! Its values are the `staging` row of the estate table in `blueprint/mod.rs`: Environment
//! Summary "Staging | Pre-production validation | Prod clone | On release | All teams";
//! Compute & Database "AKS (prod-like) | Dedicated MySQL | Cluster | Cluster | 3"; AWS Media
//! "quikapp-media-staging | Enabled | 30d-IA, 90d-Glacier | SSE-KMS".
//!
//! Run `cargo run --example staging plan` (the embedded simulator is the default target).

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("staging")
}
