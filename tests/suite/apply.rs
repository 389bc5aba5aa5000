//! The apply executor: stale plans refused, failures stop scheduling with state saved,
//! deletes in reverse order, secrets never stored.

use std::sync::{Arc, Mutex};

use quikinfra::engine::apply::{self, ApplyError, ApplyOptions, Event, ops::OpKind};
use quikinfra::engine::environment::Environment;
use quikinfra::engine::render;
use quikinfra::engine::sim::{Faults, Simulator};
use quikinfra::engine::value::Secret;

use crate::support::{Thing, World, actions};

fn chain() -> Environment {
    let a = Thing::new("a");
    let b = Thing::new("b").link(a.arn());
    let c = Thing::new("c").link(b.arn());
    Environment::new("chain").with(a).with(b).with(c).with(Thing::new("lone"))
}

#[tokio::test]
async fn a_plan_made_from_empty_state_applies_only_once() {
    let world = World::new();
    let env = chain();
    let plan = world.plan(&env).await;
    assert!(world.apply_plan(&env, &plan).await.succeeded());
    let again = apply::apply(
        &plan,
        &env.schemas(),
        &world.providers,
        &world.backend(&env),
        &apply::SilentProgress,
        &ApplyOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(again, ApplyError::Stale { .. }));
    assert!(again.to_string().contains("it was made from no state"), "{again}");
    assert_eq!(world.sim.objects().len(), 4, "the second apply created nothing");
}

#[tokio::test]
async fn a_plan_is_stale_once_the_serial_moves() {
    let world = World::new();
    let env = chain();
    world.converge(&env).await;
    let bigger = chain().with(Thing::new("extra"));
    let plan = world.plan(&bigger).await;
    world.converge(&chain().with(Thing::new("other"))).await;
    let err = apply::apply(
        &plan,
        &bigger.schemas(),
        &world.providers,
        &world.backend(&bigger),
        &apply::SilentProgress,
        &ApplyOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ApplyError::Stale { .. }), "{err}");
}

#[tokio::test]
async fn a_failure_stops_scheduling_saves_state_and_names_the_resource() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults { fail: ["test_thing.b".parse().unwrap()].into(), ..Faults::none() };
    let sim = Arc::new(Simulator::open(dir.path().join("sim")).unwrap().with_faults(faults));
    let world = World::with_sim(dir, sim);
    let env = chain();
    let plan = world.plan(&env).await;
    let report = world.apply_plan(&env, &plan).await;
    assert!(!report.succeeded());
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].address.to_string(), "test_thing.b");
    assert!(report.failures[0].message.contains("simulated failure"), "{}", report.failures[0].message);
    assert!(report.not_started.iter().any(|a| a.to_string() == "test_thing.c"));
    let state = world.backend(&env).read().await.unwrap().unwrap();
    assert!(state.resources.contains_key(&"test_thing.a".parse().unwrap()));
    assert!(!state.resources.contains_key(&"test_thing.c".parse().unwrap()));
    // State tracks exactly what exists.
    assert_eq!(state.resources.len(), world.sim.objects().len());
}

#[tokio::test]
async fn destroy_runs_in_reverse_dependency_order() {
    let world = World::new();
    let env = chain();
    world.converge(&env).await;
    let plan = world
        .plan_with(
            &env,
            &quikinfra::engine::plan::PlanOptions {
                mode: quikinfra::engine::plan::PlanMode::Destroy,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(plan.summary().destroy, 4);
    let order = Arc::new(Mutex::new(Vec::new()));
    let seen = order.clone();
    let progress = move |e: Event| {
        if let Event::Finished { address, kind: OpKind::Destroy, .. } = e {
            seen.lock().unwrap().push(address.to_string());
        }
    };
    let report = apply::apply(
        &plan,
        &env.schemas(),
        &world.providers,
        &world.backend(&env),
        &progress,
        &ApplyOptions { parallelism: 1, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(report.succeeded());
    let order = order.lock().unwrap().clone();
    let pos = |a: &str| order.iter().position(|x| x == a).unwrap();
    assert!(pos("test_thing.c") < pos("test_thing.b") && pos("test_thing.b") < pos("test_thing.a"), "{order:?}");
    assert!(world.sim.objects().is_empty());
    assert!(world.backend(&env).read().await.unwrap().unwrap().resources.is_empty());
}

#[tokio::test]
#[allow(unsafe_code)] // setting a variable only this test reads
async fn secrets_reach_the_provider_but_never_state_plans_or_the_simulator_files() {
    const CANARY: &str = "canary-Zx81-secret";
    unsafe { std::env::set_var("QUIKINFRA_TEST_DB_PASSWORD", CANARY) };
    let world = World::new();
    let env =
        Environment::new("secret").with(Thing::new("db").password(Secret::from_env("QUIKINFRA_TEST_DB_PASSWORD")));
    let plan = world.plan(&env).await;
    let json = render::plan_json(&plan);
    let text = render::plan_text(&plan, &render::TextOptions { color: false });
    assert!(text.contains("(sensitive value)"), "{text}");
    world.apply_plan(&env, &plan).await;
    let again = world.plan(&env).await;
    assert!(!again.has_changes(), "{}", render::plan_text(&again, &render::TextOptions { color: false }));
    let mut files = Vec::new();
    for entry in walk(world.dir.path()) {
        files.push(std::fs::read_to_string(&entry).unwrap_or_default());
    }
    assert!(!files.is_empty());
    for artifact in files.iter().chain([&json, &text]) {
        assert!(!artifact.contains(CANARY), "secret leaked into {artifact}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_resources_converge_with_a_fifth_of_calls_failing_transiently() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults { transient_rate: 0.2, seed: 7, ..Faults::none() };
    let sim = Arc::new(Simulator::open(dir.path().join("sim")).unwrap().with_faults(faults));
    let world = World::with_sim(dir, sim);
    let mut env = Environment::new("flaky");
    for group in 0..40 {
        let root = Thing::new(&format!("g{group}"));
        for child in 0..4 {
            env.add(Thing::new(&format!("g{group}-{child}")).link(root.arn()));
        }
        env.add(root);
    }
    let report = world.converge(&env).await;
    assert_eq!(report.added, 200);
    assert_eq!(world.sim.objects().len(), 200, "no duplicates");
    let retries: u64 = world.providers.stats().retries.values().sum();
    assert!(retries > 20, "about a fifth of the calls should have been retried, got {retries}");
    assert!(actions(&world.plan(&env).await).is_empty());
}

#[tokio::test]
async fn optional_attributes_left_out_are_filled_by_the_provider() {
    use quikinfra::engine::schema::{AttrSchema, AttrType, Schema};
    static OPTIONAL: Schema = Schema {
        type_name: "test_optional",
        provider: "test",
        attributes: &[
            AttrSchema::computed("id", AttrType::String),
            AttrSchema::optional_computed("description", AttrType::String),
        ],
        related: None,
    };
    let world = World::new();
    let mut env = Environment::new("optional");
    env.add_node(quikinfra::engine::resource::ResourceNode {
        address: "test_optional.o".parse().unwrap(),
        schema: &OPTIONAL,
        attrs: Default::default(),
        depends_on: vec![],
        lifecycle: Default::default(),
        owner: None,
    });
    world.converge(&env).await;
    let description = world.sim.objects()[0].attrs.get("description").cloned();
    assert!(matches!(description, Some(quikinfra::engine::value::Value::String(_))), "{description:?}");
    assert!(!world.plan(&env).await.has_changes());
}

#[tokio::test]
#[allow(unsafe_code)] // a variable only this test reads
async fn a_secret_changed_since_the_plan_stops_the_apply_before_its_first_call() {
    const VAR: &str = "QUIKINFRA_TEST_SECRET_CHANGED_SINCE_PLAN";
    unsafe { std::env::set_var(VAR, "first") };
    let mut env = chain();
    env.add(Thing::new("z-last").password(Secret::from_env(VAR)));
    let world = World::new();
    let plan = world.plan(&env).await;
    unsafe { std::env::set_var(VAR, "second") };
    let opts = ApplyOptions::default();
    let err =
        apply::apply(&plan, &env.schemas(), &world.providers, &world.backend(&env), &apply::SilentProgress, &opts)
            .await
            .expect_err("refused");
    assert!(matches!(&err, ApplyError::SecretsChanged(list) if list.len() == 1), "{err}");
    assert!(err.to_string().contains(&format!("`{VAR}` (test_thing.z-last.password) changed")), "{err}");
    assert!(world.sim.objects().is_empty(), "nothing was created: {:?}", world.sim.objects());
    assert_eq!(world.providers.stats().total(), 0, "no provider call");
}

/// A provider that says what it waits for, then takes its time, around the simulator.
struct Slow(Arc<Simulator>);

#[async_trait::async_trait]
impl quikinfra::engine::provider::Provider for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    async fn read(
        &self,
        req: quikinfra::engine::provider::ReadRequest<'_>,
    ) -> Result<Option<quikinfra::engine::value::Attrs>, quikinfra::engine::provider::ProviderError> {
        self.0.read(req).await
    }
    async fn create(
        &self,
        req: quikinfra::engine::provider::CreateRequest<'_>,
    ) -> Result<quikinfra::engine::provider::Created, quikinfra::engine::provider::ProviderError> {
        quikinfra::engine::provider::progress::report(format!("{} is PENDING, waiting for READY", req.address));
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        self.0.create(req).await
    }
    async fn update(
        &self,
        req: quikinfra::engine::provider::UpdateRequest<'_>,
    ) -> Result<quikinfra::engine::value::Attrs, quikinfra::engine::provider::ProviderError> {
        self.0.update(req).await
    }
    async fn delete(
        &self,
        req: quikinfra::engine::provider::DeleteRequest<'_>,
    ) -> Result<(), quikinfra::engine::provider::ProviderError> {
        self.0.delete(req).await
    }
}

#[tokio::test]
async fn still_running_lines_say_what_the_provider_waits_for() {
    let world = World::new();
    let providers =
        quikinfra::engine::provider::Providers::new().register("test", Arc::new(Slow(world.sim.clone())), 4);
    let env = Environment::new("slow").with(Thing::new("a"));
    let plan = quikinfra::engine::plan::plan(&env, None, &providers, &Default::default()).await.unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let progress = move |e: Event| seen.lock().unwrap().push(e);
    let opts = ApplyOptions { still_running_every: std::time::Duration::from_millis(100), ..Default::default() };
    let report = apply::apply(&plan, &env.schemas(), &providers, &world.backend(&env), &progress, &opts).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failures);
    let details: Vec<Option<String>> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::StillRunning { detail, .. } => Some(detail.clone()),
            _ => None,
        })
        .collect();
    assert!(!details.is_empty(), "a 400 ms create reports every 100 ms");
    assert!(details.iter().all(|d| d.as_deref() == Some("test_thing.a is PENDING, waiting for READY")), "{details:?}");
}
