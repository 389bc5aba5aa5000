//! Property tests over random graphs: apply then plan shows no changes; the executor never
//! starts a resource before its dependencies, even under injected failures; every state
//! checkpoint written is whole and consistent.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use proptest::prelude::*;
use quikinfra::engine::addr::Address;
use quikinfra::engine::apply::{self, ApplyOptions, Event, ops::OpKind};
use quikinfra::engine::environment::Environment;
use quikinfra::engine::sim::{Faults, Simulator};
use quikinfra::engine::state::local::LocalBackend;
use quikinfra::engine::state::{LockInfo, LockRequest, State, StateBackend, StateError, StateVersion};

use crate::support::{Thing, World};

/// A random DAG: node i may link to one earlier node and depend on others.
fn graphs() -> impl Strategy<Value = Vec<(Option<usize>, Vec<usize>)>> {
    (1usize..24).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                let link = if i == 0 { Just(None).boxed() } else { proptest::option::of(0..i).boxed() };
                let deps = if i == 0 { Just(vec![]).boxed() } else { proptest::collection::vec(0..i, 0..3).boxed() };
                (link, deps)
            })
            .collect::<Vec<_>>()
    })
}

fn env_of(graph: &[(Option<usize>, Vec<usize>)], sizes: u32) -> Environment {
    let things: Vec<Thing> = (0..graph.len()).map(|i| Thing::new(&format!("n{i}")).size(sizes)).collect();
    let mut env = Environment::new("prop");
    for (i, (link, deps)) in graph.iter().enumerate() {
        let mut t = things[i].clone();
        if let Some(l) = link {
            t = t.link(things[*l].arn());
        }
        for d in deps {
            t = quikinfra::engine::resource::ResourceExt::depends_on(t, &things[*d]);
        }
        env.add(t);
    }
    env
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn apply_then_plan_has_no_changes(graph in graphs(), size in 1u32..5, resize in 1u32..5) {
        runtime().block_on(async {
            let world = World::new();
            world.converge(&env_of(&graph, size)).await;
            prop_assert!(!world.plan(&env_of(&graph, size)).await.has_changes());
            world.converge(&env_of(&graph, resize)).await;
            let plan = world.plan(&env_of(&graph, resize)).await;
            prop_assert!(!plan.has_changes());
            prop_assert_eq!(world.sim.objects().len(), graph.len());
            Ok(())
        })?;
    }

    #[test]
    fn executor_never_starts_before_dependencies(graph in graphs(), failing in proptest::collection::btree_set(0usize..24, 0..3)) {
        runtime().block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let fail: BTreeSet<Address> = failing.iter().map(|i| format!("test_thing.n{i}").parse().unwrap()).collect();
            let faults = Faults { fail, latency: std::time::Duration::from_millis(1), ..Faults::none() };
            let sim = Arc::new(Simulator::open(dir.path().join("sim")).unwrap().with_faults(faults));
            let world = World::with_sim(dir, sim);
            let env = env_of(&graph, 1);
            let plan = world.plan(&env).await;
            let log = Arc::new(Mutex::new(Vec::new()));
            let sink = log.clone();
            let progress = move |e: Event| sink.lock().unwrap().push(e);
            let backend = Checked::new(world.backend(&env));
            let report = apply::apply(&plan, &env.schemas(), &world.providers, &backend, &progress, &ApplyOptions { parallelism: 4, ..Default::default() }).await.unwrap();
            let events = log.lock().unwrap().clone();
            let mut finished = BTreeSet::new();
            for e in &events {
                match e {
                    Event::Started { address, kind: OpKind::Apply, .. } => {
                        let node = env.resource(address).unwrap();
                        for dep in node.dependencies() {
                            prop_assert!(finished.contains(&dep), "{} started before {}", address, dep);
                        }
                    }
                    Event::Finished { address, .. } => { finished.insert(address.clone()); }
                    _ => {}
                }
            }
            // Nothing depending on a failure ever started, and state names exactly what exists.
            let state = world.backend(&env).read().await.unwrap().unwrap_or_else(|| State::new("prop", "x"));
            prop_assert_eq!(state.resources.len(), world.sim.objects().len());
            prop_assert_eq!(report.failures.is_empty(), failing.iter().all(|&i| i >= graph.len()));
            prop_assert!(backend.problems().is_empty(), "{:?}", backend.problems());
            Ok(())
        })?;
    }
}

/// A backend that checks every checkpoint: it must parse back identically from disk, its
/// serial must grow by one, and every recorded dependency must itself be in state.
struct Checked {
    inner: LocalBackend,
    problems: Mutex<Vec<String>>,
}

impl Checked {
    fn new(inner: LocalBackend) -> Self {
        Self { inner, problems: Mutex::new(Vec::new()) }
    }
    fn problems(&self) -> Vec<String> {
        self.problems.lock().unwrap().clone()
    }
}

#[async_trait]
impl StateBackend for Checked {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    async fn read(&self) -> Result<Option<State>, StateError> {
        self.inner.read().await
    }
    async fn write(&self, state: &State, expected: Option<&StateVersion>) -> Result<(), StateError> {
        self.inner.write(state, expected).await?;
        let back = self.inner.read().await;
        let mut problems = self.problems.lock().unwrap();
        if state.version.serial != expected.map_or(1, |v| v.serial + 1) {
            problems.push(format!("serial {} after {:?}", state.version.serial, expected));
        }
        match back {
            Ok(Some(back)) if &back == state => {}
            other => problems.push(format!("checkpoint did not read back whole: {other:?}")),
        }
        let present: BTreeMap<&Address, ()> = state.resources.keys().map(|a| (a, ())).collect();
        for (a, rs) in &state.resources {
            for d in &rs.dependencies {
                if !present.contains_key(d) {
                    problems.push(format!("{a} recorded before its dependency {d}"));
                }
            }
        }
        Ok(())
    }
    async fn lock(&self, request: &LockRequest) -> Result<LockInfo, StateError> {
        self.inner.lock(request).await
    }
    async fn renew(&self, lock: &LockInfo, ttl: std::time::Duration) -> Result<LockInfo, StateError> {
        self.inner.renew(lock, ttl).await
    }
    async fn unlock(&self, lock: &LockInfo) -> Result<(), StateError> {
        self.inner.unlock(lock).await
    }
    async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        self.inner.force_unlock(id).await
    }
    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        self.inner.current_lock().await
    }
}
