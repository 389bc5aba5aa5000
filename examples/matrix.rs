//! The environment matrix: prints the seed's three tables (Environment Summary, Compute &
//! Database, AWS Media Infrastructure) as Markdown, every cell read from the environment
//! definitions the blueprint builds.
//!
//! Run `cargo run --example matrix`. A test compares the output with
//! `docs/seed/deployment-overview.md` cell by cell.

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    print!("{}", blueprint::matrix::markdown(&blueprint::matrix::estate_tables()));
}
