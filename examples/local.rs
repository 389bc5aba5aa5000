//! The QuikApp `local` environment: the developer machine: a generated `docker-compose.yml` (Local row).
//!
//! Its values are the `local` row of the estate table in `blueprint/mod.rs`.
//! Run `cargo run --example local plan` (the embedded simulator is the default target).
//!
//! `cargo run --example local apply` writes `deploy/local/docker-compose.yml`; then
//! `docker compose -f deploy/local/docker-compose.yml up`.

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    blueprint::run("local")
}
