//! Shared fixtures for the benchmarks and `examples/plan_scale.rs`: the generic resource type,
//! a mixed chain-and-fan-out graph of any size, and a world (simulator + state) in which that
//! graph is already applied, built directly through the provider interface rather than by
//! `apply` (which checkpoints state after every operation: quadratic at 100,000 resources).
//!
//! Included with `#[path = "support/mod.rs"] mod support;`; each includer uses a different
//! subset, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use quikinfra_core::addr::Address;
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::{Plan, PlanOptions};
use quikinfra_core::provider::{CreateRequest, Provider, Providers, RetryPolicy};
use quikinfra_core::sim::{Faults, Simulator};
use quikinfra_core::state::{ResourceState, State};
pub use quikinfra_core::testing::Thing;
use quikinfra_core::value::Attrs;

/// The environment every benchmark plans.
pub const ENV: &str = "bench";

/// Provider calls in flight at once, in plans (refresh), applies and the boundary's limit.
pub const PARALLELISM: usize = 64;

/// A thing called `name`, linked to nothing, tagged `team = bench` (the environment's
/// standard tags are merged in, as for any taggable type): core's generic `test_thing`.
pub fn thing(name: &str) -> Thing {
    Thing::new(name).tag("team", "bench")
}

/// The graph's shape: `groups` roots, each fanning out to `fan_out` chains of `chain` things
/// (each link of a chain refers to the previous one's `arn`, the first to the root's).
///
/// A group holds `1 + fan_out * chain` things; the longest dependency path (the critical path
/// of an apply) is `1 + chain` operations; the widest level has `groups * fan_out` things.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Independent groups.
    pub groups: usize,
    /// Chains hanging off each group's root.
    pub fan_out: usize,
    /// Things in each chain.
    pub chain: usize,
}

impl Shape {
    /// The plan benchmarks' shape for about `n` things: groups of 1 root + 3 chains of 3
    /// (10 things per group, depth 4), as many groups as fit in `n`.
    pub fn for_plan(n: usize) -> Self {
        let shape = Self { groups: 0, fan_out: 3, chain: 3 };
        Self { groups: (n / shape.group_size()).max(1), ..shape }
    }

    /// Things per group.
    pub fn group_size(&self) -> usize {
        1 + self.fan_out * self.chain
    }

    /// Things in all.
    pub fn len(&self) -> usize {
        self.groups * self.group_size()
    }

    /// Operations on the longest dependency path.
    pub fn depth(&self) -> usize {
        1 + self.chain
    }

    /// Things at the widest level.
    pub fn width(&self) -> usize {
        self.groups * self.fan_out
    }

    /// The environment: every thing added as a typed spec, dependencies first (so the
    /// order of `env.resources()` is a topological order).
    pub fn environment(&self) -> Environment {
        let mut env = Environment::new(ENV).fact("tier", "bench");
        for g in 0..self.groups {
            let root = thing(&format!("g{g}-root")).size(1 + (g % 100) as u32);
            let root_arn = root.arn();
            env.add(root);
            for f in 0..self.fan_out {
                let mut parent = root_arn.clone();
                for c in 0..self.chain {
                    let thing = thing(&format!("g{g}-f{f}-c{c}")).size(1 + c as u32).link(&parent);
                    parent = thing.arn();
                    env.add(thing);
                }
            }
        }
        env
    }
}

/// Providers routing every family to `sim`, `PARALLELISM` calls at once, fast retries.
pub fn providers(sim: Arc<Simulator>) -> Providers {
    let retry =
        RetryPolicy { max_attempts: 20, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5) };
    Providers::new().fallback(sim, PARALLELISM).with_retry(retry)
}

/// A simulator whose every call first sleeps `latency`.
pub fn sim_with_latency(latency: Duration) -> Simulator {
    Simulator::in_memory().with_faults(Faults { latency, ..Faults::none() })
}

/// A world where `env` is already applied: an in-memory simulator holding every object and
/// the state recording them (as read from its file), as a converged apply would have left them.
pub struct Applied {
    /// The simulator holding every object.
    pub sim: Arc<Simulator>,
    /// State recording every object.
    pub state: State,
}

/// Creates every resource of `env` in a fresh in-memory simulator, in the order declared
/// (dependencies first, as [`Shape::environment`] declares them; references resolved from what
/// the simulator returned), and builds the matching state.
///
/// Deliberately not `validate` + topological order: validation is part of what the plan
/// benchmarks measure, so the setup stays independent of it.
pub async fn applied(env: &Environment) -> Applied {
    let sim = Arc::new(Simulator::in_memory());
    let mut created: HashMap<&Address, Attrs> = HashMap::with_capacity(env.resources().len());
    let mut state = State::new(ENV, State::new_lineage());
    for node in env.resources() {
        let config: Attrs = node
            .attrs
            .iter()
            .map(|(k, v)| {
                let v = v.resolve_with(&mut |r| created.get(&r.address).and_then(|a| a.get(&r.attribute)).cloned());
                assert!(v.is_known(), "{}: `{k}` refers to a resource declared later", node.address);
                (*k, v)
            })
            .collect();
        let req = CreateRequest::new(&node.address, node.schema, &config);
        let c = sim.create(req).await.expect("simulated create");
        state.resources.insert(
            node.address.clone(),
            ResourceState {
                provider: node.schema.provider.to_string(),
                id: c.id,
                attributes: c.attrs.clone(),
                dependencies: node.dependencies(),
                lifecycle: node.lifecycle.clone(),
                deposed: Vec::new(),
            },
        );
        created.insert(&node.address, c.attrs);
    }
    state.version.serial = 1;
    // As a plan gets it: read back from its file, so state holds its own copy of every value
    // rather than sharing the simulator's.
    let text = quikinfra_core::state::file::to_json(&state);
    let state = quikinfra_core::state::file::from_json(&text, std::path::Path::new("state.json")).expect("reads back");
    Applied { sim, state }
}

/// The plan options every plan benchmark uses: refresh on, `PARALLELISM` reads in flight.
pub fn plan_options() -> PlanOptions {
    PlanOptions { parallelism: PARALLELISM, ..PlanOptions::default() }
}

/// Panics unless `plan` is a converged no-op over `n` resources (anything else means the
/// setup is wrong and the figure meaningless).
pub fn assert_no_changes(plan: &Plan, n: usize) {
    assert!(!plan.has_changes(), "plan over a converged world has changes: {:?}", plan.summary());
    assert!(plan.drift.is_empty(), "plan over a converged world reports drift");
    assert_eq!(plan.resource_changes.len(), n, "one change per resource");
}

/// A multi-threaded tokio runtime, as the CLI uses.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

/// How the calling thread spent its time so far: on a CPU, and runnable but waiting for one
/// (from `/proc/thread-self/schedstat`). On this shared 2-core machine the wait is the part
/// of a wall-clock figure that other processes, not the engine, are responsible for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sched {
    /// Time running on a CPU.
    pub on_cpu: Duration,
    /// Time runnable but waiting for a CPU.
    pub waiting: Duration,
}

impl Sched {
    /// The calling thread's totals now (zero when /proc does not say).
    pub fn now() -> Self {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().unwrap_or(0));
        let on_cpu = Duration::from_nanos(fields.next().unwrap_or(0));
        let waiting = Duration::from_nanos(fields.next().unwrap_or(0));
        Self { on_cpu, waiting }
    }

    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: Self) -> Self {
        Self {
            on_cpu: self.on_cpu.saturating_sub(earlier.on_cpu),
            waiting: self.waiting.saturating_sub(earlier.waiting),
        }
    }
}

/// One timed run: wall time, and how the measuring thread spent it.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// Wall-clock time.
    pub wall: Duration,
    /// The calling thread's scheduling during the run.
    pub sched: Sched,
}

/// Times `f` on the calling thread.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Run) {
    let (s, t) = (Sched::now(), std::time::Instant::now());
    let out = f();
    let wall = t.elapsed();
    (out, Run { wall, sched: Sched::now().since(s) })
}

/// The median of each figure over `runs`, as one line for stderr.
pub fn summary(name: &str, runs: &[Run]) -> String {
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let wall = median(runs.iter().map(|r| r.wall).collect());
    let cpu = median(runs.iter().map(|r| r.sched.on_cpu).collect());
    let waiting = median(runs.iter().map(|r| r.sched.waiting).collect());
    format!(
        "{name}: medians over {} runs: wall {wall:.1?}, measuring thread on CPU {cpu:.1?}, \
         runnable but waiting for a CPU {waiting:.1?}; load average now {}",
        runs.len(),
        load_average(),
    )
}

/// The machine's load averages now (1, 5 and 15 minutes), as /proc gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// This process's peak resident set size (`VmHWM`) in bytes, when /proc says.
pub fn peak_rss() -> Option<u64> {
    proc_status_kib("VmHWM:").map(|k| k * 1024)
}

/// This process's current resident set size (`VmRSS`) in bytes, when /proc says.
pub fn current_rss() -> Option<u64> {
    proc_status_kib("VmRSS:").map(|k| k * 1024)
}

/// Resets this process's peak RSS to its current RSS (Linux ≥ 4.0), so a later
/// [`peak_rss`] measures one phase; `false` when the kernel refuses.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
