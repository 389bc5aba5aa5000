//! Features an estate of several environments needs: resources owned by one environment and
//! read by others, policy rules checked before any call, and files managed on the local machine.

use std::collections::BTreeMap;
use std::sync::Arc;

use quikinfra::engine::environment::Environment;
use quikinfra::engine::local::{LocalFile, LocalFiles};
use quikinfra::engine::plan::{Action, PlanError, PlanMode, PlanOptions, Reason};
use quikinfra::engine::policy::Rule;
use quikinfra::engine::provider::Providers;
use quikinfra::engine::value::Value;

use crate::support::{Thing, World, actions};

fn dev() -> Environment {
    Environment::new("dev").with(Thing::new("db").size(4))
}

fn qa() -> Environment {
    let db = Thing::new("db").size(4);
    let app = Thing::new("app").link(db.arn());
    Environment::new("qa").with_shared("dev", db).with(app)
}

async fn shared_from(world: &World, owner: &Environment) -> PlanOptions {
    let mut shared = BTreeMap::new();
    if let Some(state) = world.backend(owner).read().await.unwrap() {
        shared.insert(owner.name().to_string(), state);
    }
    PlanOptions { shared, ..Default::default() }
}

#[tokio::test]
async fn a_shared_resource_must_be_applied_by_its_owner_first() {
    let world = World::new();
    let err = world.plan_with(&qa(), &shared_from(&world, &dev()).await).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("test_thing.db: owned by environment `dev`, which does not manage it yet; apply `dev` first"),
        "{err}"
    );
}

#[tokio::test]
async fn readers_resolve_the_owners_attributes_and_never_manage_them() {
    let world = World::new();
    world.converge(&dev()).await;
    let opts = shared_from(&world, &dev()).await;
    let plan = world.plan_with(&qa(), &opts).await.unwrap();
    assert_eq!(actions(&plan), ["Create test_thing.app"]);
    let app = plan.resource_changes.iter().find(|c| c.address.to_string() == "test_thing.app").unwrap();
    assert_eq!(app.after.as_ref().unwrap()["link"], Value::from("arn:sim:test_thing:db-1"), "known at plan time");
    let db = plan.resource_changes.iter().find(|c| c.address.to_string() == "test_thing.db").unwrap();
    assert_eq!(db.reason, Some(Reason::Shared { owner: "dev".into() }));
    let report = world.apply_plan(&qa(), &plan).await;
    assert!(report.succeeded());
    let qa_state = world.backend(&qa()).read().await.unwrap().unwrap();
    assert_eq!(qa_state.resources.keys().map(ToString::to_string).collect::<Vec<_>>(), ["test_thing.app"]);

    // Destroying the reader can never delete what the owner manages.
    let destroy = PlanOptions { mode: PlanMode::Destroy, ..opts.clone() };
    let plan = world.plan_with(&qa(), &destroy).await.unwrap();
    assert_eq!(actions(&plan), ["Delete test_thing.app"]);
    assert!(world.apply_plan(&qa(), &plan).await.succeeded());
    let left: Vec<String> = world.sim.objects().into_iter().map(|o| o.id).collect();
    assert_eq!(left, ["db-1"]);
    assert!(!world.plan_with(&dev(), &PlanOptions::default()).await.unwrap().has_changes());
}

#[tokio::test]
async fn a_reader_whose_shared_object_vanished_is_told_to_apply_the_owner() {
    let world = World::new();
    world.converge(&dev()).await;
    world.sim.delete_object("test_thing", "db-1").unwrap();
    let err = world.plan_with(&qa(), &shared_from(&world, &dev()).await).await.unwrap_err();
    assert!(err.to_string().contains("the object no longer exists; apply `dev` first"), "{err}");
}

fn sized_at_least(min: u64) -> Rule {
    Rule::new("min-size", "seed: Production row, Replicas 3-5", move |env, v| {
        for r in env.resources() {
            if let Some(Value::Number(n)) = r.attrs.get("size")
                && n.as_u64().unwrap_or(0) < min
            {
                v.field(&r.address, "size", format!("must be at least {min}, is {n}"));
            }
        }
    })
}

#[tokio::test]
async fn a_broken_policy_fails_the_plan_naming_environment_resource_rule_and_source() {
    let world = World::new();
    let mut env = Environment::new("production");
    env.add(Thing::new("small").size(2)).add(Thing::new("big").size(5)).rule(sized_at_least(3));
    let err = world.plan_with(&env, &PlanOptions::default()).await.unwrap_err();
    assert!(matches!(err, PlanError::Invalid(_)));
    insta::assert_snapshot!(err.to_string(), @r"
    1 problem in the definition:
      - test_thing.small: field `size`: environment `production` breaks rule `min-size` (seed: Production row, Replicas 3-5): must be at least 3, is 2
    ");
    assert_eq!(world.providers.stats().total(), 0);
}

#[tokio::test]
async fn local_files_are_written_by_apply_and_diffed_by_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut world = World::new();
    world.providers =
        Providers::new().register("local", Arc::new(LocalFiles::new(dir.path())), 2).fallback(world.sim.clone(), 8);
    let env =
        |content: &str| Environment::new("local").with(LocalFile::new("compose", "deploy/docker-compose.yml", content));
    world.converge(&env("services: {}\n")).await;
    let path = dir.path().join("deploy/docker-compose.yml");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "services: {}\n");
    assert!(!world.plan(&env("services: {}\n")).await.has_changes());

    let plan = world.plan(&env("services:\n  redis: {}\n")).await;
    assert_eq!(actions(&plan), ["Update local_file.compose"]);
    world.apply_plan(&env("services:\n  redis: {}\n"), &plan).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "services:\n  redis: {}\n");

    std::fs::write(&path, "edited by hand\n").unwrap();
    let drifted = world.plan(&env("services:\n  redis: {}\n")).await;
    assert_eq!(drifted.drift.len(), 1);
    assert_eq!(drifted.resource_changes[0].action, Action::Update);
}
