//! Benchmark of `estate plan`: the nine QuikApp environments planned in one run, against the
//! sum of nine separate `plan` runs, on the simulator, with and without simulated latency.
//!
//! `cargo run --release --example estate_bench -- [LATENCY_MS…]` (default `0 50`): applies the
//! estate once in a temporary directory, then for each latency times `ROUNDS` rounds of
//! (a) one `estate plan` and (b) nine `plan` runs one after another, and prints the medians
//! and their ratio. Both refresh every resource; `QUIKINFRA_SIM_LATENCY_MS` delays every
//! simulator call.
#![allow(unsafe_code)] // one thread sets the simulator's latency variable between rounds

#[path = "blueprint/mod.rs"]
mod blueprint;

use std::time::{Duration, Instant};

use quikinfra::cli::Context;

const ROUNDS: usize = 5;

fn quiet() -> Context {
    Context::captured(Box::new(std::io::sink()), Box::new(std::io::sink()), vec![])
}

fn estate(dir: &str, args: &[&str]) -> i32 {
    let argv: Vec<String> = ["estate", "--state-dir", dir].iter().chain(args).map(|s| s.to_string()).collect();
    quikinfra::cli::estate::run_with(blueprint::estate(), argv, quiet())
}

fn one(dir: &str, name: &str) -> i32 {
    let argv: Vec<String> = [name, "--state-dir", dir, "plan"].iter().map(|s| s.to_string()).collect();
    blueprint::run_with(blueprint::row(name).expect("a row"), argv, quiet())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Time `estate plan` against nine separate plans.
#[derive(clap::Parser)]
struct Args {
    /// Simulated latency per provider call, in milliseconds, one measurement each.
    #[arg(default_values_t = [0u64, 50])]
    latencies: Vec<u64>,
}

fn main() {
    let Args { latencies } = clap::Parser::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path().to_str().expect("utf-8").to_string();
    assert_eq!(estate(&dir, &["apply", "--auto-approve"]), 0, "the estate applies");
    println!("| latency per call | estate plan (9 environments) | 9 separate plans | ratio |");
    println!("|---|---|---|---|");
    for latency in latencies {
        unsafe { std::env::set_var("QUIKINFRA_SIM_LATENCY_MS", latency.to_string()) };
        let (mut together, mut apart) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let start = Instant::now();
            assert_eq!(estate(&dir, &["plan", "--detailed-exitcode"]), 0, "no changes");
            together.push(start.elapsed());
            let start = Instant::now();
            for row in blueprint::ESTATE {
                assert_eq!(one(&dir, row.name), 0, "{}", row.name);
            }
            apart.push(start.elapsed());
        }
        let (t, a) = (median(together), median(apart));
        println!(
            "| {latency} ms | {:.3} s | {:.3} s | {:.2} × |",
            t.as_secs_f64(),
            a.as_secs_f64(),
            t.as_secs_f64() / a.as_secs_f64()
        );
    }
}
