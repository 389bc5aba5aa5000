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
use quikinfra::engine::state::file;
use quikinfra::engine::state::local::LocalBackend;
use quikinfra::engine::state::{LockInfo, LockRequest, State, StateBackend, StateError, StateStore, Stored, Token};

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
            let backend = Arc::new(Checked::new(LocalBackend::new(world.dir.path(), env.name())));
            let store = StateStore::new(backend.clone(), env.name(), None);
            let report = apply::apply(&plan, &env.schemas(), &world.providers, &store, &progress, &ApplyOptions { parallelism: 4, ..Default::default() }).await.unwrap();
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
    last_serial: Mutex<Option<u64>>,
    problems: Mutex<Vec<String>>,
}

impl Checked {
    fn new(inner: LocalBackend) -> Self {
        Self { inner, last_serial: Mutex::new(None), problems: Mutex::new(Vec::new()) }
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
    fn location(&self) -> std::path::PathBuf {
        self.inner.location()
    }
    async fn get(&self) -> Result<Option<Stored>, StateError> {
        self.inner.get().await
    }
    async fn put(&self, bytes: &[u8], expected: Option<&Token>) -> Result<Option<Token>, StateError> {
        let Some(token) = self.inner.put(bytes, expected).await? else { return Ok(None) };
        let back = self.inner.get().await?;
        let state = file::from_json(std::str::from_utf8(bytes).unwrap(), &self.location()).unwrap();
        let mut problems = self.problems.lock().unwrap();
        let mut last = self.last_serial.lock().unwrap();
        if state.version.serial != last.map_or(1, |s| s + 1) {
            problems.push(format!("serial {} after {:?}", state.version.serial, *last));
        }
        *last = Some(state.version.serial);
        if back.as_ref().map(|b| b.bytes.as_slice()) != Some(bytes) {
            problems.push("checkpoint did not read back whole".to_string());
        }
        let present: BTreeMap<&Address, ()> = state.resources.keys().map(|a| (a, ())).collect();
        for (a, rs) in &state.resources {
            for d in &rs.dependencies {
                if !present.contains_key(d) {
                    problems.push(format!("{a} recorded before its dependency {d}"));
                }
            }
        }
        Ok(Some(token))
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
