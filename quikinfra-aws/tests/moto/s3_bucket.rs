//! `aws_s3_bucket` against moto through the engine: create, no noise, drift, update, replace,
//! delete, retried throttling, and the cost of a refresh in API calls.

use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use quikinfra_aws::{KmsKey, LifecycleRule, S3Bucket, StorageClass};
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::{Action, Reason};
use quikinfra_core::value::Value;

use crate::support::{World, actions, assert_no_changes, calls_since, text, unique};

/// The staging media bucket: versioned, IA after 30 days, Glacier after 90, SSE-KMS, tagged.
fn media(bucket: &str) -> (KmsKey, S3Bucket) {
    let key = KmsKey::new("media").alias(format!("alias/{bucket}"));
    let b = S3Bucket::new("media", bucket)
        .versioning(true)
        .transition(30, StorageClass::StandardIa)
        .transition(90, StorageClass::Glacier)
        .sse_kms(key.arn())
        .tag("team", "media");
    (key, b)
}

fn env_with(key: KmsKey, bucket: S3Bucket) -> Environment {
    Environment::new("staging").fact("tier", "pre-production").with(key).with(bucket)
}

async fn exists(world: &World, bucket: &str) -> bool {
    world.moto.s3().head_bucket().bucket(bucket).send().await.is_ok()
}

#[tokio::test]
async fn drift_made_outside_is_reported_per_attribute_and_fixed_by_apply() {
    let world = World::new();
    let name = unique("quikapp-media");
    let (key, bucket) = media(&name);
    let env = env_with(key, bucket);
    let first = world.converge(&env).await;
    assert_eq!(actions(&first), ["Create aws_kms_key.media", "Create aws_s3_bucket.media"]);
    assert_no_changes(&world.plan(&env).await);

    // Someone removes the lifecycle rule and switches encryption to SSE-S3 by hand.
    let s3 = world.moto.s3();
    s3.delete_bucket_lifecycle().bucket(&name).send().await.unwrap();
    let sse_s3 = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::Aes256)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
        .unwrap();
    s3.put_bucket_encryption().bucket(&name).server_side_encryption_configuration(sse_s3).send().await.unwrap();

    let plan = world.plan(&env).await;
    assert_eq!(plan.drift.len(), 1, "{}", text(&plan));
    assert_eq!(plan.drift[0].address.to_string(), "aws_s3_bucket.media");
    let drifted: Vec<&str> = plan.drift[0].changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(drifted, ["lifecycle_rules", "server_side_encryption"], "{}", text(&plan));
    let drift_after = plan.drift[0].changes[1].after.as_ref().unwrap();
    assert_eq!(drift_after.as_map().unwrap()["sse_algorithm"], Value::from("AES256"));
    assert_eq!(actions(&plan), ["Update aws_s3_bucket.media"]);
    let changed: Vec<&str> = plan.resource_changes.iter().flat_map(|c| &c.changes).map(|c| c.name.as_str()).collect();
    assert_eq!(changed, ["lifecycle_rules", "server_side_encryption"]);

    let report = world.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.changed, 1);
    assert_no_changes(&world.plan(&env).await);
    let rules = s3.get_bucket_lifecycle_configuration().bucket(&name).send().await.unwrap();
    assert_eq!(rules.rules().len(), 1);
}

#[tokio::test]
async fn a_refresh_reads_a_bucket_in_at_most_five_calls() {
    let world = World::new();
    let name = unique("quikapp-media");
    let env = Environment::new("dev").with(S3Bucket::new("media", &name).sse_s3().expire_after_days(30));
    world.converge(&env).await;
    let before = world.calls();
    assert_no_changes(&world.plan(&env).await);
    let read = calls_since(&before, &world.calls());
    let s3_calls: u64 = read.iter().filter(|(k, _)| k.starts_with("s3:")).map(|(_, n)| n).sum();
    println!("API calls for one bucket refresh: {s3_calls} {read:?}");
    assert!(s3_calls <= 5, "a refresh made {s3_calls} calls: {read:?}");
    assert_eq!(s3_calls, quikinfra_aws::provider::s3::READ_CALLS as u64, "{read:?}");
    // The engine's boundary reports them too (what `plan -v` prints).
    let stats = world.providers.stats();
    assert_eq!(stats.api_calls["aws"]["s3:GetBucketTagging"], 1, "{stats:?}");
}

#[tokio::test]
async fn defaults_and_quirks_leave_no_perpetual_diff() {
    // No encryption declared (moto reports none for a new bucket, AWS reports SSE-S3), public
    // access allowed, several rules, no versioning: apply, then nothing to do.
    let world = World::new();
    let name = unique("quikapp-site");
    let bucket = S3Bucket::new("site", &name)
        .allow_public_access()
        .lifecycle_rule(LifecycleRule::new("z-logs").prefix("logs/").expire_after_days(14))
        .lifecycle_rule(LifecycleRule::new("a-uploads").abort_incomplete_uploads_after_days(7).disabled())
        .expire_after_days(400)
        .transition(60, StorageClass::Glacier)
        .transition(30, StorageClass::StandardIa);
    let env = Environment::new("dev").with(bucket);
    world.converge(&env).await;
    assert_no_changes(&world.plan(&env).await);
}

#[tokio::test]
async fn changes_apply_in_place() {
    let world = World::new();
    let name = unique("quikapp-media");
    let env =
        Environment::new("qa").with(S3Bucket::new("media", &name).sse_s3().transition(30, StorageClass::StandardIa));
    world.converge(&env).await;

    let changed = Environment::new("qa").with(
        S3Bucket::new("media", &name)
            .sse_s3()
            .versioning(true)
            .transition(30, StorageClass::StandardIa)
            .expire_after_days(365)
            .tag("cost-centre", "media"),
    );
    let plan = world.plan(&changed).await;
    assert_eq!(actions(&plan), ["Update aws_s3_bucket.media"], "{}", text(&plan));
    let names: Vec<&str> = plan.resource_changes[0].changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["versioning", "lifecycle_rules", "tags"]);
    let report = world.apply(&changed, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!((report.added, report.changed, report.destroyed), (0, 1, 0));
    assert_no_changes(&world.plan(&changed).await);

    let s3 = world.moto.s3();
    let versioning = s3.get_bucket_versioning().bucket(&name).send().await.unwrap();
    assert_eq!(versioning.status().map(|s| s.as_str()), Some("Enabled"));
    let tags = s3.get_bucket_tagging().bucket(&name).send().await.unwrap();
    assert!(tags.tag_set().iter().any(|t| t.key() == "cost-centre" && t.value() == "media"));
}

#[tokio::test]
async fn renaming_replaces_the_bucket() {
    let world = World::new();
    let old = unique("quikapp-media");
    let new = unique("quikapp-media");
    world.converge(&Environment::new("uat").with(S3Bucket::new("media", &old))).await;

    let env = Environment::new("uat").with(S3Bucket::new("media", &new));
    let plan = world.plan(&env).await;
    assert_eq!(actions(&plan), ["Replace aws_s3_bucket.media"]);
    let Some(Reason::ReplaceBecause { attributes }) = &plan.resource_changes[0].reason else {
        panic!("{}", text(&plan))
    };
    assert_eq!(attributes[0].attribute, "bucket");
    let report = world.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(!exists(&world, &old).await);
    assert!(exists(&world, &new).await);
    assert_no_changes(&world.plan(&env).await);
}

#[tokio::test]
async fn removing_a_bucket_deletes_it_and_one_deleted_outside_is_recreated() {
    let world = World::new();
    let keep = unique("quikapp-keep");
    let gone = unique("quikapp-gone");
    let both = Environment::new("dev").with(S3Bucket::new("keep", &keep)).with(S3Bucket::new("gone", &gone));
    world.converge(&both).await;

    // Deleted outside: the plan recreates it, saying why.
    world.moto.s3().delete_bucket().bucket(&keep).send().await.unwrap();
    let plan = world.plan(&both).await;
    assert_eq!(actions(&plan), ["Create aws_s3_bucket.keep"]);
    let recreate = plan.resource_changes.iter().find(|c| c.action == Action::Create).unwrap();
    assert_eq!(recreate.reason, Some(Reason::DeletedOutside));
    world.apply(&both, &plan).await;

    // Left out of the definition: deleted.
    let one = Environment::new("dev").with(S3Bucket::new("keep", &keep));
    let plan = world.plan(&one).await;
    assert_eq!(actions(&plan), ["Delete aws_s3_bucket.gone"]);
    assert_eq!(
        plan.resource_changes.iter().find(|c| c.action == Action::Delete).unwrap().reason,
        Some(Reason::NotInDefinition)
    );
    let report = world.apply(&one, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(!exists(&world, &gone).await);
    assert!(exists(&world, &keep).await);
    assert_no_changes(&world.plan(&one).await);
}

#[tokio::test]
async fn slow_down_replies_are_retried_and_the_apply_converges() {
    let world = World::new();
    let name = unique("quikapp-media");
    let (key, bucket) = media(&name);
    let env = env_with(key, bucket);
    // Every third request answered 503 SlowDown, five times in all, none reaching moto.
    world.moto.faults.slow_down(1, 3, 5);
    world.converge(&env).await;
    let injected = world.moto.faults.injected.load(std::sync::atomic::Ordering::SeqCst);
    assert!(injected >= 3, "only {injected} faults were injected");
    let retries = world.providers.stats().retries.get("aws").copied().unwrap_or(0);
    assert!(retries >= 1, "{retries} retries for {injected} faults");
    world.moto.faults.slow_down(0, 1, 0);
    assert_no_changes(&world.plan(&env).await);
    // Retried creates left nothing behind: one live key in the account.
    let kms = aws_sdk_kms::Client::new(&world.moto.config);
    let mut live = 0;
    for key in kms.list_keys().send().await.unwrap().keys() {
        let meta = kms.describe_key().key_id(key.key_id().unwrap()).send().await.unwrap();
        if meta.key_metadata().unwrap().key_state() == Some(&aws_sdk_kms::types::KeyState::Enabled) {
            live += 1;
        }
    }
    assert_eq!(live, 1, "keys left behind by retried creates");
}
