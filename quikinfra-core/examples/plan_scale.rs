//! Peak memory and wall time of one refreshing plan over N resources.
//!
//! Builds the benchmarks' chain-and-fan-out environment of N things (default 10,000), an
//! in-memory simulator holding every object and the matching state (as a converged apply
//! leaves them), then runs one `plan` with refresh and parallelism 64 and prints one line:
//! N; the plan's wall time, and how much of it the thread running the plan spent on a CPU or
//! waiting for one (the machines these run on are shared); RSS before the plan; the peak RSS
//! during the plan (`VmHWM` from /proc/self/status, reset just before the plan through
//! /proc/self/clear_refs); and both per resource.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo run --release --example plan_scale -- 100000
//! ```
//!
//! `--phases` also times the plan's own steps separately (validate, refresh-equivalent reads,
//! state-file round trip) to show where the time goes.

#[path = "../benches/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use quikinfra_core::plan::{PlanOptions, plan};
use quikinfra_core::provider::ReadRequest;

const MIB: f64 = 1024.0 * 1024.0;

/// The arguments: N (`10_000` and `10000` alike, default 10,000) and `--phases`, which also
/// times each phase of the plan. (Parsed by hand: the engine's crate has no command-line parser.)
fn args() -> (usize, bool) {
    let mut n = 10_000;
    let mut phases = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--phases" => phases = true,
            number => {
                n = number.replace('_', "").parse().unwrap_or_else(|_| panic!("usage: plan_scale [N] [--phases]"))
            }
        }
    }
    (n, phases)
}

fn main() {
    let (n, phases) = args();
    let rt = support::runtime();

    let shape = support::Shape::for_plan(n);
    let n = shape.len();
    let started = Instant::now();
    let env = shape.environment();
    let env_time = started.elapsed();
    let applied = rt.block_on(support::applied(&env));
    let setup_time = started.elapsed();
    let providers = support::providers(applied.sim.clone());
    let opts = support::plan_options();

    let rss_before = support::current_rss().unwrap_or(0);
    let reset = support::reset_peak_rss();
    let (planned, run) = support::timed(|| rt.block_on(plan(&env, Some(&applied.state), &providers, &opts)));
    let planned = planned.expect("plan");
    let plan_time = run.wall;
    let plan_peak = support::peak_rss().unwrap_or(0);
    support::assert_no_changes(&planned, n);
    drop(planned);

    let per = |bytes: u64| bytes as f64 / n as f64;
    let grown = plan_peak.saturating_sub(rss_before);
    println!(
        "n={n} plan={:.3}s (on CPU {:.3}s, waiting for a CPU {:.3}s) \
         rss_before_plan={:.1}MiB ({:.0} B/resource) plan_peak_rss={:.1}MiB{} \
         plan_growth={:.1}MiB ({:.0} B/resource) setup={:.2}s (env {:.2}s)",
        plan_time.as_secs_f64(),
        run.sched.on_cpu.as_secs_f64(),
        run.sched.waiting.as_secs_f64(),
        rss_before as f64 / MIB,
        per(rss_before),
        plan_peak as f64 / MIB,
        if reset { "" } else { " (VmHWM not reset: includes setup)" },
        grown as f64 / MIB,
        per(grown),
        setup_time.as_secs_f64(),
        env_time.as_secs_f64(),
    );

    if phases {
        print_phases(&rt, &env, &applied, &providers);
    }
}

/// Times the plan's steps one by one, each as the engine runs it, to locate the cost.
fn print_phases(
    rt: &tokio::runtime::Runtime,
    env: &quikinfra_core::environment::Environment,
    applied: &support::Applied,
    providers: &quikinfra_core::provider::Providers,
) {
    let t = Instant::now();
    let graph = quikinfra_core::validate::validate(env).expect("valid");
    println!("  validate (incl. graph + topo check): {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let _ = graph.topo_order().expect("no cycles");
    println!("  topo_order: {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let desired = quikinfra_core::plan::build::resolve_desired(env, providers, false).expect("resolved");
    println!("  resolve_desired: {:.3}s", t.elapsed().as_secs_f64());
    drop(desired);
    let no_refresh = PlanOptions { refresh: false, ..support::plan_options() };
    let t = Instant::now();
    let planned = rt.block_on(plan(env, Some(&applied.state), providers, &no_refresh)).expect("plan");
    println!("  whole plan with --refresh=false: {:.3}s", t.elapsed().as_secs_f64());
    support::assert_no_changes(&planned, applied.state.resources.len());
    let t = Instant::now();
    drop(planned);
    println!("  dropping that plan: {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let reads = rt.block_on(read_all(providers, &applied.state));
    println!(
        "  refresh-equivalent reads (sequential, through Providers): {:.3}s ({reads} objects)",
        t.elapsed().as_secs_f64()
    );
    let sim = Arc::clone(&applied.sim);
    let t = Instant::now();
    let direct = applied.state.resources.iter().filter(|(a, rs)| sim.get(a.type_name(), &rs.id).is_some()).count();
    println!("  simulator lookups (no boundary): {:.3}s ({direct} objects)", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let json = quikinfra_core::state::file::to_json(&applied.state);
    println!("  state to_json: {:.3}s ({:.1} MiB)", t.elapsed().as_secs_f64(), json.len() as f64 / MIB);
    let t = Instant::now();
    let back = quikinfra_core::state::file::from_json(&json, std::path::Path::new("state.json")).expect("reads");
    println!("  state from_json: {:.3}s", t.elapsed().as_secs_f64());
    assert_eq!(back.resources.len(), applied.state.resources.len());
    let t = Instant::now();
    for node in env.resources().iter().step_by((env.resources().len() / 1000).max(1)) {
        std::hint::black_box(env.resource(&node.address));
    }
    println!("  Environment::resource, 1000 lookups spread over all: {:.3}s", t.elapsed().as_secs_f64());
}

async fn read_all(providers: &quikinfra_core::provider::Providers, state: &quikinfra_core::state::State) -> usize {
    let mut found = 0;
    for (address, rs) in &state.resources {
        let req = ReadRequest { address, id: &rs.id, prior: &rs.attributes };
        if providers.read(&rs.provider, req).await.expect("read").is_some() {
            found += 1;
        }
    }
    found
}
