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

#[test]
fn two_resources_naming_one_cloud_object_are_refused_before_any_call() {
    use quikinfra::aws::S3Bucket;
    use quikinfra::azure::{AksCluster, ResourceGroup};
    let group = ResourceGroup::new("main", "rg-quikapp-qa", "westeurope");
    let env = Environment::new("qa")
        .with(S3Bucket::new("media", "quikapp-media-qa").sse_s3())
        .with(S3Bucket::new("logs", "quikapp-media-qa").sse_s3())
        .with(AksCluster::new("blue", "aks-quikapp-qa", &group))
        .with(AksCluster::new("green", "aks-quikapp-qa", &group))
        .with(group.clone());
    let problems = quikinfra::engine::validate::validate(&env).unwrap_err().to_string();
    assert!(
        problems.contains("aws_s3_bucket.logs: field `bucket`: names the same aws_s3_bucket object as `aws_s3_bucket.media` (bucket `quikapp-media-qa`)"),
        "{problems}"
    );
    assert!(
        problems.contains("azure_aks_cluster.green: field `name`: names the same azure_aks_cluster object as `azure_aks_cluster.blue` (name `aks-quikapp-qa`, resource_group `rg-quikapp-qa`)"),
        "{problems}"
    );
}

#[test]
fn two_environments_managing_one_cloud_object_are_refused_and_the_estate_has_none() {
    use quikinfra::aws::S3Bucket;
    let uat1 = Environment::new("uat1").with(S3Bucket::new("media", "quikapp-media-uat").sse_s3());
    let uat2 = Environment::new("uat2").with(S3Bucket::new("media", "quikapp-media-uat").sse_s3());
    let problems = quikinfra::engine::validate::estate_conflicts(&[&uat1, &uat2]).to_string();
    assert!(
        problems.contains("environment `uat2` manages the aws_s3_bucket object bucket `quikapp-media-uat`, which environment `uat1` manages too"),
        "{problems}"
    );
    let reader = Environment::new("uat2").with_shared("uat1", S3Bucket::new("media", "quikapp-media-uat").sse_s3());
    assert!(quikinfra::engine::validate::estate_conflicts(&[&uat1, &reader]).is_empty(), "a reader manages nothing");
    let estate: Vec<Environment> = crate::blueprint::ESTATE.iter().map(crate::blueprint::build).collect();
    let refs: Vec<&Environment> = estate.iter().collect();
    let conflicts = quikinfra::engine::validate::estate_conflicts(&refs);
    assert!(conflicts.is_empty(), "the QuikApp estate names each object once: {conflicts}");
}

#[test]
fn a_location_that_does_not_exist_is_refused_with_the_closest_one() {
    let group = quikinfra::azure::ResourceGroup::new("main", "rg-quikapp-qa", "westeurop");
    let problems = quikinfra::engine::validate::validate(&Environment::new("qa").with(group)).unwrap_err().to_string();
    assert!(
        problems.contains("azure_resource_group.main: field `location`: `westeurop` is not an Azure region"),
        "{problems}"
    );
    assert!(problems.contains("did you mean `westeurope`?"), "{problems}");
}

#[test]
fn an_aws_region_that_does_not_exist_is_refused_before_any_call() {
    use quikinfra::engine::plugin::Plugin;
    let config = crate::support::moto::config("http://127.0.0.1:9");
    let config = config.to_builder().region(aws_config::Region::new("us-east-9")).build();
    let err = quikinfra::aws::AwsPlugin::with_config(config).provider().err().expect("refused").to_string();
    assert!(err.contains("AWS region `us-east-9` does not exist"), "{err}");
}
