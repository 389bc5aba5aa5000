//! The QuikApp estate as one unit: all nine environments planned, applied or checked for
//! drift together, owners first.
//!
//! `cargo run --example estate -- plan` plans every environment (a summary table, then each
//! plan; `--markdown` for a pull request, `--json`, `--out DIR`, `--only dev,qa`);
//! `estate apply [DIR] [--auto-approve]` applies them in order; `estate drift` reports what
//! changed outside quikinfra (exit 2 when anything did). Every global flag works:
//! `--cloud real`, `--backend`, `--state-dir`.

#[path = "blueprint/mod.rs"]
mod blueprint;

fn main() {
    quikinfra::cli::run_estate(blueprint::estate())
}
