//! Wall time of one apply creating N resources on the simulator (no latency), with state
//! checkpointed in a `LocalBackend` as users get it: how checkpoint cost grows with N.
//!
//! ```text
//! cargo run --example apply_scale -- 1000 10000          # the debug profile users run
//! cargo run --release --example apply_scale -- 1000 10000
//! ```
//!
//! Each N is applied three times in a fresh directory; the median is printed with its
//! ratio to the first N's per-resource time (1.00 × means linear growth).

#[path = "../benches/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use quikinfra_core::apply::{ApplyOptions, SilentProgress, apply};
use quikinfra_core::plan::{PlanOptions, plan};
use quikinfra_core::sim::Simulator;
use quikinfra_core::state::StateStore;

/// The sizes to measure, one measurement each (default 1,000 and 10,000). (Parsed by hand: the
/// engine's crate has no command-line parser.)
fn sizes() -> Vec<usize> {
    let given: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.replace('_', "").parse().unwrap_or_else(|_| panic!("usage: apply_scale [N...]")))
        .collect();
    if given.is_empty() { vec![1000, 10000] } else { given }
}

fn once(rt: &tokio::runtime::Runtime, n: usize) -> Duration {
    let shape = support::Shape::for_plan(n);
    let env = shape.environment();
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = Arc::new(Simulator::in_memory());
    let providers = support::providers(sim);
    let store = StateStore::local(dir.path(), support::ENV);
    rt.block_on(async {
        let planned = plan(&env, None, &providers, &PlanOptions::default()).await.expect("plan");
        let opts = ApplyOptions { parallelism: support::PARALLELISM, ..Default::default() };
        let start = Instant::now();
        let report = apply(&planned, &env.schemas(), &providers, &store, &SilentProgress, &opts).await.expect("apply");
        let took = start.elapsed();
        assert!(report.succeeded() && report.added == shape.len(), "{:?}", report.failures);
        took
    })
}

fn main() {
    let sizes = sizes();
    let rt = support::runtime();
    let mut first_per: Option<f64> = None;
    println!("| resources | apply (median of 3) | per resource | growth vs first |");
    println!("|---|---|---|---|");
    for n in sizes {
        let mut runs: Vec<Duration> = (0..3).map(|_| once(&rt, n)).collect();
        runs.sort();
        let took = runs[1];
        let n_real = support::Shape::for_plan(n).len();
        let per = took.as_secs_f64() / n_real as f64;
        let growth = per / *first_per.get_or_insert(per);
        println!("| {n_real} | {:.3} s | {:.1} µs | {growth:.2} × |", took.as_secs_f64(), per * 1e6);
    }
}
