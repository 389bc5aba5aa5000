//! Plan benchmarks: a refreshing `plan` of a converged world over the in-memory simulator
//! with no injected latency, at 1,000 / 10,000 / 100,000 resources in a mixed
//! chain-and-fan-out graph (see `support::Shape::for_plan`).
//!
//! - `plan_refresh/N`: `plan(env, Some(&state), providers, parallelism 64)` with state already
//!   in memory; targets 10,000 < 0.5 s and 100,000 < 5 s.
//! - `read_state_and_plan/10000`: what a user's `plan` does: `LocalBackend::read` of the state
//!   file, then the same plan.
//! - `plan_phases/*/10000`: parts on their own (validation; reading the state file; the plan
//!   without refresh), to show where the time goes.
//!
//! After each benchmark a line on stderr gives the medians of the wall time, of the time the
//! measuring thread (which runs the whole plan) spent on a CPU, and of the time it spent
//! runnable but waiting for a CPU: on a shared machine the last is other processes' doing.
//!
//! Every plan is checked to have no changes, so a wrong setup cannot pass for a fast plan.
//! Setup (environment, simulator objects, state) is outside the measured part.
//!
//! 100,000 takes about 70 s of the run (11 plans of ~6 s); set `QUIKINFRA_BENCH_SKIP_100K=1`
//! to leave it out (`examples/plan_scale.rs` measures it in one run, with peak memory).
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench --bench plan
//! ```

#[path = "support/mod.rs"]
mod support;

use std::cell::RefCell;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use quikinfra_core::plan::{PlanOptions, plan};
use quikinfra_core::state::StateStore;

/// Set (to anything but `0`) to leave 100,000 resources out of `plan_refresh`.
const SKIP_100K_ENV: &str = "QUIKINFRA_BENCH_SKIP_100K";

fn sizes() -> Vec<usize> {
    let mut sizes = vec![1_000, 10_000];
    if !std::env::var_os(SKIP_100K_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        sizes.push(100_000);
    }
    sizes
}

fn plan_refresh(c: &mut Criterion) {
    let rt = support::runtime();
    let opts = support::plan_options();
    let mut group = c.benchmark_group("plan_refresh");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(500));
    for n in sizes() {
        let shape = support::Shape::for_plan(n);
        let env = shape.environment();
        let applied = rt.block_on(support::applied(&env));
        let providers = support::providers(applied.sim.clone());
        // About ten plans' worth: criterion takes at least ten samples whatever the target.
        let secs = if n <= 1_000 {
            3
        } else if n <= 10_000 {
            10
        } else {
            60
        };
        group.measurement_time(Duration::from_secs(secs));
        let runs = RefCell::new(Vec::new());
        group.bench_with_input(BenchmarkId::from_parameter(shape.len()), &shape.len(), |b, &n| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (planned, run) =
                        support::timed(|| rt.block_on(plan(&env, Some(&applied.state), &providers, &opts)));
                    support::assert_no_changes(&planned.expect("plan"), n);
                    runs.borrow_mut().push(run);
                    total += run.wall;
                }
                total
            })
        });
        eprintln!("{}", support::summary(&format!("plan_refresh/{}", shape.len()), &runs.into_inner()));
    }
    group.finish();
}

fn read_state_and_plan(c: &mut Criterion) {
    let rt = support::runtime();
    let opts = support::plan_options();
    let shape = support::Shape::for_plan(10_000);
    let n = shape.len();
    let env = shape.environment();
    let applied = rt.block_on(support::applied(&env));
    let providers = support::providers(applied.sim.clone());
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = StateStore::local(dir.path(), support::ENV);
    rt.block_on(backend.write(&applied.state, None)).expect("state written");
    drop(applied.state);

    let mut group = c.benchmark_group("read_state_and_plan");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(10));
    let runs = RefCell::new(Vec::new());
    group.bench_function(BenchmarkId::from_parameter(n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (planned, run) = support::timed(|| {
                    rt.block_on(async {
                        let state = backend.read().await.expect("state readable").expect("state exists");
                        plan(&env, Some(&state), &providers, &opts).await.expect("plan")
                    })
                });
                support::assert_no_changes(&planned, n);
                runs.borrow_mut().push(run);
                total += run.wall;
            }
            total
        })
    });
    eprintln!("{}", support::summary(&format!("read_state_and_plan/{n}"), &runs.into_inner()));
    group.finish();
}

fn plan_phases(c: &mut Criterion) {
    let rt = support::runtime();
    let shape = support::Shape::for_plan(10_000);
    let n = shape.len();
    let env = shape.environment();
    let applied = rt.block_on(support::applied(&env));
    let providers = support::providers(applied.sim.clone());
    let no_refresh = PlanOptions { refresh: false, ..support::plan_options() };

    let mut group = c.benchmark_group("plan_phases");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(8));
    let runs = RefCell::new(Vec::new());
    group.bench_function(BenchmarkId::new("validate", n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (graph, run) = support::timed(|| quikinfra_core::validate::validate(&env));
                assert_eq!(graph.expect("valid").len(), n);
                runs.borrow_mut().push(run);
                total += run.wall;
            }
            total
        })
    });
    eprintln!("{}", support::summary(&format!("plan_phases/validate/{n}"), &runs.replace(Vec::new())));
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = StateStore::local(dir.path(), support::ENV);
    rt.block_on(backend.write(&applied.state, None)).expect("state written");
    group.bench_function(BenchmarkId::new("read_state", n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (state, run) = support::timed(|| rt.block_on(backend.read()));
                assert_eq!(state.expect("readable").expect("exists").resources.len(), n);
                runs.borrow_mut().push(run);
                total += run.wall;
            }
            total
        })
    });
    eprintln!("{}", support::summary(&format!("plan_phases/read_state/{n}"), &runs.replace(Vec::new())));
    group.bench_function(BenchmarkId::new("plan_no_refresh", n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (planned, run) =
                    support::timed(|| rt.block_on(plan(&env, Some(&applied.state), &providers, &no_refresh)));
                support::assert_no_changes(&planned.expect("plan"), n);
                runs.borrow_mut().push(run);
                total += run.wall;
            }
            total
        })
    });
    eprintln!("{}", support::summary(&format!("plan_phases/plan_no_refresh/{n}"), &runs.into_inner()));
    group.finish();
}

criterion_group!(benches, plan_refresh, read_state_and_plan, plan_phases);
criterion_main!(benches);
