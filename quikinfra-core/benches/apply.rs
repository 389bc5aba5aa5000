//! Apply benchmarks: how close a parallel apply gets to its critical path when every provider
//! call takes a fixed latency (the simulator's injected `Faults::latency`).
//!
//! Each graph (see `support::Shape`) is groups of one root fanning out to chains, so its
//! longest dependency path is `depth` creates and its widest level `width` creates; with
//! parallelism 64 ≥ width, a perfect scheduler finishes in `depth × latency`. Each iteration
//! applies a from-scratch plan to a fresh world: an in-memory simulator with latency and a
//! `LocalBackend` in a new temporary directory (state is checkpointed after every completed
//! operation, as in real use). Only `apply` is timed; the plan (no state, so no refresh) and
//! the world are set up outside.
//!
//! - `apply_latency/<shape>`: apply time; after each, a line on stderr gives the median over
//!   every run (warm-up included) divided by the critical path (target: ratio ≤ 1.10), and
//!   the same for the "provider floor": `depth` calls made one after the other without the
//!   engine, which is what tokio's 1 ms timer and wake-ups make of `depth × latency`.
//! - `apply_no_latency/<shape>`: the same apply with zero latency: the engine's own cost
//!   (scheduling, state checkpoints), which is what separates the two.
//!
//! Each runs twice: `/local-fs` keeps state in a `LocalBackend` (every checkpoint serializes
//! the whole state, writes it to a temporary file, fsyncs it, renames it and fsyncs the
//! directory), `/memory` in `MemoryBackend` (serialized the same way, never written),
//! which separates the engine's scheduling from the disk's sync latency.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench --bench apply
//! ```

#[path = "support/mod.rs"]
mod support;

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use quikinfra_core::apply::{ApplyOptions, SilentProgress, apply};
use quikinfra_core::plan::plan;
use quikinfra_core::provider::CreateRequest;
use quikinfra_core::state::StateStore;
use quikinfra_core::state::memory::MemoryBackend;
use support::Shape;

/// The graphs applied, with the latency each provider call takes.
const CASES: &[(&str, Shape, Duration)] = &[
    // 280 things, 10 deep, 30 wide: critical path 10 × 50 ms = 500 ms.
    ("deep-280", Shape { groups: 10, fan_out: 3, chain: 9 }, Duration::from_millis(50)),
    // 500 things, 9 deep, 60 wide: critical path 9 × 20 ms = 180 ms.
    ("wide-500", Shape { groups: 20, fan_out: 3, chain: 8 }, Duration::from_millis(20)),
];

/// Where applies keep state.
#[derive(Clone, Copy, Debug)]
enum Backend {
    /// `LocalBackend` in a fresh temporary directory: what users get (fsync per checkpoint).
    Local,
    /// `MemoryBackend`: serialized per checkpoint, never written to disk.
    Memory,
}

impl Backend {
    fn label(self) -> &'static str {
        match self {
            Backend::Local => "local-fs",
            Backend::Memory => "memory",
        }
    }
}

/// Applies a fresh plan of `shape` to a fresh world whose provider calls take `latency`,
/// returning the time `apply` took.
fn apply_once(rt: &tokio::runtime::Runtime, shape: &Shape, latency: Duration, kind: Backend) -> Duration {
    let env = shape.environment();
    let sim = Arc::new(support::sim_with_latency(latency));
    let providers = support::providers(sim.clone());
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = match kind {
        Backend::Local => StateStore::local(dir.path(), support::ENV),
        Backend::Memory => StateStore::new(Arc::new(MemoryBackend::new()), support::ENV, None),
    };
    let opts = ApplyOptions { parallelism: support::PARALLELISM, ..ApplyOptions::default() };
    rt.block_on(async {
        let planned = plan(&env, None, &providers, &support::plan_options()).await.expect("plan");
        assert_eq!(planned.summary().add, shape.len(), "everything is created");
        let schemas = env.schemas();
        let t = Instant::now();
        let report = apply(&planned, &schemas, &providers, &backend, &SilentProgress, &opts).await.expect("apply");
        let took = t.elapsed();
        assert!(report.succeeded(), "apply failed: {:?}", report.failures);
        assert_eq!(report.added, shape.len());
        assert_eq!(sim.len(), shape.len());
        took
    })
}

/// The best any scheduler can do on this runtime: `depth` provider calls one after the other
/// (through `Providers`, to the simulator with `latency`), no engine around them. Differs from
/// `depth × latency` by tokio's timer rounding (1 ms ticks) and wake-ups.
fn provider_floor(rt: &tokio::runtime::Runtime, shape: &Shape, latency: Duration) -> Duration {
    let env = Shape { groups: 1, fan_out: 1, chain: shape.depth() - 1 }.environment();
    let sim = Arc::new(support::sim_with_latency(latency));
    let providers = support::providers(sim);
    let runs = (0..5)
        .map(|_| {
            rt.block_on(async {
                let t = Instant::now();
                for node in env.resources() {
                    // Links resolved to a constant: only the calls' timing matters here.
                    let mut config = node.attrs.clone();
                    config.insert("link", "arn:sim:floor".into());
                    let req = CreateRequest::new(&node.address, node.schema, &config);
                    providers.create(node.schema.provider, req).await.expect("create");
                }
                t.elapsed()
            })
        })
        .collect();
    median(runs)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn apply_latency(c: &mut Criterion) {
    let rt = support::runtime();
    let mut group = c.benchmark_group("apply_latency");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(6));
    for ((name, shape, latency), kind) in CASES.iter().flat_map(|c| [(c, Backend::Local), (c, Backend::Memory)]) {
        assert!(shape.width() <= support::PARALLELISM, "parallelism must cover the widest level");
        let critical = latency.saturating_mul(shape.depth() as u32);
        // Every run criterion makes (warm-up included: each is a full apply of a fresh world),
        // kept to report the median against the critical path.
        let runs = RefCell::new(Vec::new());
        let id = format!("{name}-d{}-w{}-{}ms/{}", shape.depth(), shape.width(), latency.as_millis(), kind.label());
        group.bench_function(BenchmarkId::from_parameter(&id), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let took = apply_once(&rt, shape, *latency, kind);
                    runs.borrow_mut().push(took);
                    total += took;
                }
                total
            })
        });
        let runs = runs.into_inner();
        let count = runs.len();
        // Left out by a name filter: nothing to report.
        let Some(&best) = runs.iter().min() else { continue };
        let floor = provider_floor(&rt, shape, *latency);
        let med = median(runs);
        let ratio = |d: Duration| d.as_secs_f64() / critical.as_secs_f64();
        eprintln!(
            "apply_latency/{id}: {} resources, critical path {} x {:?} = {:?}; over {count} applies: \
             median {:.1?} (ratio {:.3}), best {:.1?} (ratio {:.3}); target ratio <= 1.10; \
             the same {} calls in sequence without the engine take {:.1?} (ratio {:.3}), \
             so the engine's own share is median / that = {:.3}; load average now {}",
            shape.len(),
            shape.depth(),
            latency,
            critical,
            med,
            ratio(med),
            best,
            ratio(best),
            shape.depth(),
            floor,
            ratio(floor),
            med.as_secs_f64() / floor.as_secs_f64(),
            std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().next().unwrap_or("?"),
        );
    }
    group.finish();
}

fn apply_no_latency(c: &mut Criterion) {
    let rt = support::runtime();
    let mut group = c.benchmark_group("apply_no_latency");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for ((name, shape, _), kind) in CASES.iter().flat_map(|c| [(c, Backend::Local), (c, Backend::Memory)]) {
        let id = format!("{name}-d{}-w{}/{}", shape.depth(), shape.width(), kind.label());
        group.bench_function(BenchmarkId::from_parameter(&id), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| apply_once(&rt, shape, Duration::ZERO, kind)).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, apply_latency, apply_no_latency);
criterion_main!(benches);
