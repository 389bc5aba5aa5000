//! How long reading an N-resource state takes, as a command gets it: once, in a fresh process.
//!
//! Writes the benchmarks' applied world of N things (default 10,000) through a `LocalBackend`
//! into a temporary directory, then runs itself 11 times as a child that reads that state once
//! through `StateStore::read` (file, checks, typed decoding) and reports its time; prints the
//! median and the spread. A fresh process is what `plan` and `apply` read state in: a read in
//! a loop of one process measures, besides the read, what the allocator left of the last one.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo run --release -p quikinfra-core --example state_read -- 10000
//! ```

#[path = "../benches/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use quikinfra_core::state::StateStore;

const RUNS: usize = 11;
const CHILD: &str = "--read-once";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = support::runtime();
    if let [flag, dir, n] = args.as_slice()
        && flag == CHILD
    {
        let store = StateStore::local(std::path::Path::new(dir), support::ENV);
        let started = Instant::now();
        let state = rt.block_on(store.read()).expect("state readable").expect("state exists");
        let took = started.elapsed();
        assert_eq!(state.resources.len().to_string(), *n, "the state read back is the one written");
        println!("{}", took.as_nanos());
        return;
    }
    let n: usize = match args.first() {
        Some(n) => n.replace('_', "").parse().unwrap_or_else(|_| panic!("usage: state_read [N]")),
        None => 10_000,
    };
    let shape = support::Shape::for_plan(n);
    let env = shape.environment();
    let applied = rt.block_on(support::applied(&env));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = StateStore::local(dir.path(), support::ENV);
    rt.block_on(store.write(&applied.state, None)).expect("state written");
    let n = applied.state.resources.len();
    let size = std::fs::metadata(dir.path().join(support::ENV).join("state.json")).map(|m| m.len()).unwrap_or(0);
    let me = std::env::current_exe().expect("own path");
    let mut runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let out = std::process::Command::new(&me)
                .args([CHILD, &dir.path().display().to_string(), &n.to_string()])
                .output()
                .expect("child runs");
            assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
            let nanos: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("child prints nanoseconds");
            Duration::from_nanos(nanos)
        })
        .collect();
    runs.sort();
    println!(
        "n={n} state={:.1}MiB read in a fresh process: median {:.1?} (min {:.1?}, max {:.1?}, {RUNS} runs); load average {}",
        size as f64 / (1024.0 * 1024.0),
        runs[RUNS / 2],
        runs[0],
        runs[RUNS - 1],
        support::load_average(),
    );
}
