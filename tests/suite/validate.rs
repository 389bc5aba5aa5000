//! Validation reports every problem at once, before any provider call, naming resource and field.

use quikinfra::engine::environment::Environment;
use quikinfra::engine::plan::PlanError;
use quikinfra::engine::resource::ResourceExt;

use crate::support::{Thing, World};

#[tokio::test]
async fn every_problem_is_reported_at_once_and_nothing_is_called() {
    let ghost = Thing::new("ghost");
    let a = Thing::new("a").size(0);
    let b = Thing::new("b").link(a.arn());
    let mut env = Environment::new("bad");
    env.add(a.clone().link(b.arn()).zone(""))
        .add(b)
        .add(Thing::new("dup"))
        .add(Thing::new("dup"))
        .add(Thing::new("c").link(ghost.arn()))
        .add(Thing::new("d").depends_on(&ghost))
        .add(Thing::new("Bad"))
        .add(Thing::new("e").ignore_changes(["nope"]));
    let world = World::new();
    let err = world.plan_with(&env, &Default::default()).await.unwrap_err();
    let PlanError::Invalid(problems) = &err else { panic!("expected validation problems, got {err}") };
    insta::assert_snapshot!(err.to_string(), @r"
    8 problems in the definition:
      - test_thing.Bad: address `test_thing.Bad`: name `Bad` may only hold a-z, 0-9, `_` and `-`, starting with a letter
      - test_thing.a: dependency cycle: test_thing.a -> test_thing.b -> test_thing.a
      - test_thing.a: field `size`: must be between 1 and 100
      - test_thing.a: field `zone`: must not be empty
      - test_thing.c: field `link`: refers to `test_thing.ghost`, which is not declared
      - test_thing.d: field `depends_on`: depends on `test_thing.ghost`, which is not declared
      - test_thing.dup: declared more than once
      - test_thing.e: field `ignore_changes`: `nope` is not an attribute of `test_thing`
    ");
    assert_eq!(problems.0.len(), 8);
    assert_eq!(world.providers.stats().total(), 0, "validation must come before any provider call");
}

#[tokio::test]
async fn sensitive_attributes_need_a_set_secret() {
    let mut env = Environment::new("secrets");
    env.add(Thing::new("db").password(quikinfra::engine::value::Secret::from_env("QUIKINFRA_TEST_UNSET_SECRET")));
    let world = World::new();
    let err = world.plan_with(&env, &Default::default()).await.unwrap_err();
    assert!(
        err.to_string().contains(
            "test_thing.db: field `password`: secret environment variable `QUIKINFRA_TEST_UNSET_SECRET` is not set"
        ),
        "{err}"
    );
}
