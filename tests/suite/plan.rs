//! Diff and plan: actions, reasons, drift apart from the user's changes, lifecycle options,
//! targets, and the rendered text and JSON.

use quikinfra::engine::environment::Environment;
use quikinfra::engine::plan::{Action, PlanError, PlanMode, PlanOptions, Reason};
use quikinfra::engine::render::{self, TextOptions};
use quikinfra::engine::resource::ResourceExt;
use quikinfra::engine::value::Value;

use crate::support::{Thing, World, actions};

fn two_things(size: u32, zone: &str) -> Environment {
    let key = Thing::new("key");
    let bucket = Thing::new("bucket").size(size).zone(zone).link(key.arn());
    Environment::new("staging").fact("tier", "pre-production").with(key).with(bucket)
}

fn text(plan: &quikinfra::engine::plan::Plan) -> String {
    render::plan_text(plan, &TextOptions { color: false })
}

#[tokio::test]
async fn first_plan_creates_everything_with_references_known_after_apply() {
    let world = World::new();
    let env = two_things(2, "a");
    let plan = world.plan(&env).await;
    assert_eq!(actions(&plan), ["Create test_thing.bucket", "Create test_thing.key"]);
    let bucket = &plan.resource_changes[0];
    assert_eq!(bucket.after.as_ref().unwrap()["link"], Value::Ref(Box::new("test_thing.key.arn".parse().unwrap())));
    insta::assert_snapshot!("first_plan_text", text(&plan));
    insta::assert_snapshot!("first_plan_json", render::plan_json(&plan));
}

#[tokio::test]
async fn apply_then_plan_shows_no_changes() {
    let world = World::new();
    let env = two_things(2, "a");
    world.converge(&env).await;
    let again = world.plan(&env).await;
    assert!(!again.has_changes(), "{}", text(&again));
    assert!(again.drift.is_empty());
    assert!(text(&again).contains("No changes."), "{}", text(&again));
}

#[tokio::test]
async fn in_place_update_and_replacement_name_their_attributes() {
    let world = World::new();
    world.converge(&two_things(2, "a")).await;

    let plan = world.plan(&two_things(3, "a")).await;
    assert_eq!(actions(&plan), ["Update test_thing.bucket"]);
    let change = &plan.resource_changes[0];
    assert_eq!(change.changes.len(), 1);
    assert_eq!(change.changes[0].name, "size");

    let plan = world.plan(&two_things(2, "b")).await;
    assert_eq!(actions(&plan), ["Replace test_thing.bucket"]);
    let Some(Reason::ReplaceBecause { attributes }) = &plan.resource_changes[0].reason else { panic!() };
    assert_eq!(attributes[0].attribute, "zone");
    assert_eq!(attributes[0].because, "a thing cannot move between zones");
    insta::assert_snapshot!("replace_text", text(&plan));
}

#[tokio::test]
async fn replacing_a_referenced_resource_makes_its_dependents_unknown() {
    let world = World::new();
    world.converge(&two_things(2, "a")).await;
    let key = Thing::new("key").zone("b");
    let env = Environment::new("staging")
        .fact("tier", "pre-production")
        .with(Thing::new("bucket").size(2).link(key.arn()))
        .with(key);
    let plan = world.plan(&env).await;
    assert_eq!(actions(&plan), ["Update test_thing.bucket", "Replace test_thing.key"]);
    assert_eq!(
        plan.resource_changes[0].changes[0].after,
        Some(Value::Ref(Box::new("test_thing.key.arn".parse().unwrap())))
    );
}

#[tokio::test]
async fn drift_is_reported_apart_from_the_users_changes() {
    let world = World::new();
    let env = two_things(2, "a");
    world.converge(&env).await;
    let state = world.backend(&env).read().await.unwrap().unwrap();
    let id = &state.resources[&"test_thing.bucket".parse().unwrap()].id;
    world.sim.set_attribute("test_thing", id, "size", Value::from(7i64)).unwrap();

    let plan = world.plan(&two_things(3, "a")).await;
    assert_eq!(plan.drift.len(), 1);
    assert_eq!(plan.drift[0].changes[0].name, "size");
    assert_eq!(plan.drift[0].changes[0].before, Some(Value::from(2i64)));
    assert_eq!(plan.drift[0].changes[0].after, Some(Value::from(7i64)));
    assert_eq!(
        plan.resource_changes.iter().find(|c| c.action == Action::Update).unwrap().changes[0].before,
        Some(Value::from(7i64))
    );
    insta::assert_snapshot!("drift_text", text(&plan));
}

#[tokio::test]
async fn deleted_outside_is_recreated() {
    let world = World::new();
    let env = two_things(2, "a");
    world.converge(&env).await;
    let state = world.backend(&env).read().await.unwrap().unwrap();
    world.sim.delete_object("test_thing", &state.resources[&"test_thing.key".parse().unwrap()].id).unwrap();
    let plan = world.plan(&env).await;
    assert_eq!(actions(&plan), ["Update test_thing.bucket", "Create test_thing.key"]);
    assert_eq!(plan.resource_changes[1].reason, Some(Reason::DeletedOutside));
    world.apply_plan(&env, &plan).await;
    assert!(!world.plan(&env).await.has_changes());
}

#[tokio::test]
async fn undeclared_resources_are_deleted_and_prevent_destroy_fails_the_plan() {
    let world = World::new();
    let key = Thing::new("key").prevent_destroy();
    let env = Environment::new("staging").with(key).with(Thing::new("old"));
    world.converge(&env).await;

    let smaller = Environment::new("staging").with(Thing::new("key").prevent_destroy());
    let plan = world.plan(&smaller).await;
    assert_eq!(actions(&plan), ["Delete test_thing.old"]);
    let old = plan.resource_changes.iter().find(|c| c.action == Action::Delete).unwrap();
    assert_eq!(old.reason, Some(Reason::NotInDefinition));

    let empty = Environment::new("staging");
    let err = world.plan_with(&empty, &PlanOptions::default()).await.unwrap_err();
    assert!(matches!(err, PlanError::PreventDestroy(_)));
    assert!(err.to_string().contains("test_thing.key: it is no longer in the definition"), "{err}");

    let replace =
        Environment::new("staging").with(Thing::new("key").zone("z").prevent_destroy()).with(Thing::new("old"));
    let err = world.plan_with(&replace, &PlanOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("test_thing.key: the change requires replacement"), "{err}");

    let destroy = PlanOptions { mode: PlanMode::Destroy, ..Default::default() };
    assert!(matches!(world.plan_with(&env, &destroy).await, Err(PlanError::PreventDestroy(_))));
}

#[tokio::test]
async fn ignore_changes_hides_differences_after_creation() {
    let world = World::new();
    world.converge(&Environment::new("s").with(Thing::new("t").size(1).ignore_changes(["size"]))).await;
    let plan = world.plan(&Environment::new("s").with(Thing::new("t").size(9).ignore_changes(["size"]))).await;
    assert!(!plan.has_changes(), "{}", text(&plan));
}

#[tokio::test]
async fn create_before_destroy_is_planned_and_applied_in_that_order() {
    let world = World::new();
    world.converge(&Environment::new("s").with(Thing::new("t").create_before_destroy())).await;
    let env = Environment::new("s").with(Thing::new("t").zone("b").create_before_destroy());
    let plan = world.plan(&env).await;
    assert_eq!(actions(&plan), ["Replace test_thing.t"]);
    assert!(text(&plan).contains("+/- resource \"test_thing\" \"t\""), "{}", text(&plan));
    let report = world.apply_plan(&env, &plan).await;
    assert!(report.succeeded());
    let kinds: Vec<String> = report.completed.iter().map(|(a, k)| format!("{k:?} {a}")).collect();
    assert_eq!(kinds, ["Apply test_thing.t", "Destroy test_thing.t"]);
    assert_eq!(world.sim.objects().len(), 1);
    assert!(!world.plan(&env).await.has_changes());
}

#[tokio::test]
async fn targets_and_excludes_follow_dependencies() {
    let world = World::new();
    let env = two_things(2, "a").with(Thing::new("other"));
    let bucket = "test_thing.bucket".parse().unwrap();
    let key = "test_thing.key".parse().unwrap();
    let targeted = world.plan_with(&env, &PlanOptions { targets: vec![bucket], ..Default::default() }).await.unwrap();
    assert_eq!(actions(&targeted), ["Create test_thing.bucket", "Create test_thing.key"]);
    let excluded = world.plan_with(&env, &PlanOptions { excludes: vec![key], ..Default::default() }).await.unwrap();
    assert_eq!(actions(&excluded), ["Create test_thing.other"]);
    let unknown = world
        .plan_with(&env, &PlanOptions { targets: vec!["test_thing.nope".parse().unwrap()], ..Default::default() })
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("test_thing.nope: --target: no such resource"), "{unknown}");
}

#[tokio::test]
async fn replace_flag_forces_a_replacement() {
    let world = World::new();
    let env = two_things(2, "a");
    world.converge(&env).await;
    let opts = PlanOptions { replace: vec!["test_thing.key".parse().unwrap()], ..Default::default() };
    let plan = world.plan_with(&env, &opts).await.unwrap();
    assert_eq!(actions(&plan), ["Update test_thing.bucket", "Replace test_thing.key"]);
    assert_eq!(plan.resource_changes[1].reason, Some(Reason::ReplaceRequested));
}

#[tokio::test]
async fn same_definition_and_live_state_give_byte_identical_plans() {
    let world = World::new();
    let env = two_things(2, "a").with(Thing::new("z").link(Thing::new("key").arn()));
    world.converge(&two_things(1, "a")).await;
    let first = render::plan_json(&world.plan(&env).await);
    for _ in 0..5 {
        assert_eq!(render::plan_json(&world.plan(&env).await), first);
    }
}

#[tokio::test]
async fn an_undeclared_resource_already_gone_is_dropped_from_state() {
    let world = World::new();
    let env = two_things(2, "a").with(Thing::new("old"));
    world.converge(&env).await;
    let state = world.backend(&env).read().await.unwrap().unwrap();
    world.sim.delete_object("test_thing", &state.resources[&"test_thing.old".parse().unwrap()].id).unwrap();
    let smaller = two_things(2, "a");
    let plan = world.plan(&smaller).await;
    assert_eq!(actions(&plan), ["Delete test_thing.old"]);
    assert!(world.apply_plan(&smaller, &plan).await.succeeded());
    let state = world.backend(&smaller).read().await.unwrap().unwrap();
    assert!(!state.resources.contains_key(&"test_thing.old".parse().unwrap()));
    assert!(!world.plan(&smaller).await.has_changes());
}

#[tokio::test]
async fn removing_prevent_destroy_is_recorded_so_the_resource_can_then_be_destroyed() {
    let world = World::new();
    let protected = Environment::new("s").with(Thing::new("db").prevent_destroy());
    world.converge(&protected).await;

    let unprotected = Environment::new("s").with(Thing::new("db"));
    let plan = world.plan(&unprotected).await;
    assert_eq!(actions(&plan), ["Update test_thing.db"]);
    assert_eq!(plan.resource_changes[0].reason, Some(Reason::StateOnly));
    assert!(text(&plan).contains("recorded in state, no API call"), "{}", text(&plan));
    let calls_before = world.providers.stats().calls.values().flat_map(|ops| ops.get("update")).sum::<u64>();
    assert!(world.apply_plan(&unprotected, &plan).await.succeeded());
    let calls_after = world.providers.stats().calls.values().flat_map(|ops| ops.get("update")).sum::<u64>();
    assert_eq!(calls_before, calls_after, "no API call for a state-only change");
    assert!(!world.plan(&unprotected).await.has_changes());

    let gone = Environment::new("s");
    let plan = world.plan(&gone).await;
    assert_eq!(actions(&plan), ["Delete test_thing.db"]);
}

static UNSERVED: quikinfra::engine::schema::Schema = quikinfra::engine::schema::Schema {
    type_name: "other_thing",
    provider: "other",
    attributes: &[
        quikinfra::engine::schema::AttrSchema::input("secret", quikinfra::engine::schema::AttrType::String).sensitive()
    ],
    related: None,
};

#[tokio::test]
async fn excluded_resources_need_no_provider_nor_secret() {
    use std::sync::Arc;

    use quikinfra::engine::addr::Address;
    use quikinfra::engine::provider::Providers;
    use quikinfra::engine::resource::ResourceNode;
    use quikinfra::engine::sim::Simulator;
    use quikinfra::engine::value::Secret;

    let mut env = two_things(2, "a");
    let mut attrs = quikinfra::engine::value::Attrs::new();
    let secret = serde_json::to_value(Secret::from_env("QUIKINFRA_TEST_UNSET_SECRET")).unwrap();
    attrs.insert("secret", Value::from_json(secret).unwrap());
    env.add_node(ResourceNode {
        address: Address::new("other_thing", "x"),
        schema: &UNSERVED,
        attrs,
        depends_on: vec![],
        lifecycle: Default::default(),
        owner: None,
    });
    let providers = Providers::new().register("test", Arc::new(Simulator::in_memory()), 4);
    let whole = quikinfra::engine::plan::plan(&env, None, &providers, &PlanOptions::default()).await.unwrap_err();
    let text = whole.to_string();
    assert!(
        text.contains("no provider of this run serves `other` resources such as `other_thing`")
            && text.contains("QUIKINFRA_TEST_UNSET_SECRET"),
        "{text}"
    );
    let opts = PlanOptions { excludes: vec![Address::new("other_thing", "x")], ..PlanOptions::default() };
    let plan = quikinfra::engine::plan::plan(&env, None, &providers, &opts).await.unwrap();
    assert_eq!(actions(&plan), ["Create test_thing.bucket", "Create test_thing.key"]);
}
