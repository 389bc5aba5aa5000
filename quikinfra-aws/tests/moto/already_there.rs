//! Objects already there, against moto: a create never takes over a bucket or a KMS alias
//! another state tracks (it fails naming the `import`, changing nothing and leaving no orphan
//! key); the engine's retry of a create whose reply was lost adopts what it made; a bucket made
//! before a later call of its create failed is recorded, not orphaned.

use aws_sdk_kms::types::KeyState;
use quikinfra_aws::{KmsKey, S3Bucket};
use quikinfra_core::addr::Address;
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::Action;

use crate::support::{World, assert_no_changes, text, unique};

fn bucket_env(env: &str, bucket: &str) -> Environment {
    Environment::new(env).with(S3Bucket::new("media", bucket).versioning(true).tag("team", "media"))
}

async fn bucket_tags(world: &World, bucket: &str) -> Vec<(String, String)> {
    let out = world.moto.s3().get_bucket_tagging().bucket(bucket).send().await.expect("tags readable");
    let mut tags: Vec<(String, String)> = out.tag_set().iter().map(|t| (t.key().into(), t.value().into())).collect();
    tags.sort();
    tags
}

async fn live_keys(world: &World) -> usize {
    let kms = aws_sdk_kms::Client::new(&world.moto.config);
    let mut live = 0;
    for key in kms.list_keys().send().await.expect("ListKeys").keys() {
        let meta = kms.describe_key().key_id(key.key_id().expect("id")).send().await.expect("DescribeKey");
        if meta.key_metadata().and_then(|m| m.key_state()) != Some(&KeyState::PendingDeletion) {
            live += 1;
        }
    }
    live
}

#[tokio::test]
async fn a_second_state_declaring_the_same_bucket_fails_naming_the_import_and_changes_nothing() {
    let staging = World::new();
    let bucket = unique("quikapp-media");
    let first = bucket_env("staging", &bucket);
    staging.converge(&first).await;
    let tags = bucket_tags(&staging, &bucket).await;
    assert!(tags.contains(&("environment".into(), "staging".into())), "{tags:?}");
    let first_state = std::fs::read_to_string(staging.dir.path().join("staging").join("state.json")).unwrap();

    // Another state directory, in the same account, declares the same bucket.
    let qa = staging.beside();
    let second = bucket_env("qa", &bucket);
    let plan = qa.plan(&second).await;
    let report = qa.apply(&second, &plan).await;
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let message = &report.failures[0].message;
    assert!(message.contains(&format!("`import aws_s3_bucket.media {bucket}`")), "{message}");
    assert!(message.contains(&format!("bucket `{bucket}` already exists")), "{message}");
    // Found by HeadBucket before any write: nothing changed.
    let calls = qa.calls();
    let writes: Vec<&String> = calls.keys().filter(|c| c.starts_with("s3:Put") || c.starts_with("s3:Create")).collect();
    assert!(writes.is_empty(), "the second apply wrote: {writes:?}");
    assert!(report.state.resources.is_empty(), "the second state tracks nothing");
    assert_eq!(bucket_tags(&staging, &bucket).await, tags, "the bucket keeps the first environment's tags");
    let after = std::fs::read_to_string(staging.dir.path().join("staging").join("state.json")).unwrap();
    assert_eq!(after, first_state, "the first state is untouched");
    assert_no_changes(&staging.plan(&first).await);
}

#[tokio::test]
async fn a_second_state_declaring_the_same_kms_alias_fails_naming_the_import_and_makes_no_key() {
    let staging = World::new();
    let alias = format!("alias/{}", unique("media"));
    let first = Environment::new("staging").with(KmsKey::new("media").alias(&alias));
    staging.converge(&first).await;
    let state = staging.backend(&first).read().await.unwrap().expect("state");
    let key_id = state.resources[&Address::new("aws_kms_key", "media")].id.clone();
    let keys = live_keys(&staging).await;

    let qa = staging.beside();
    let second = Environment::new("qa").with(KmsKey::new("media").alias(&alias));
    let plan = qa.plan(&second).await;
    let report = qa.apply(&second, &plan).await;
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let message = &report.failures[0].message;
    assert!(message.contains(&format!("`import aws_kms_key.media {key_id}`")), "{message}");
    assert!(!qa.calls().contains_key("kms:CreateKey"), "the alias was looked up before any key was made");
    assert_eq!(live_keys(&staging).await, keys, "no orphan key");
    let kms = aws_sdk_kms::Client::new(&staging.moto.config);
    let holder = kms.describe_key().key_id(&alias).send().await.unwrap();
    assert_eq!(holder.key_metadata().unwrap().key_id(), key_id, "the alias still names the first key");
    assert_no_changes(&staging.plan(&first).await);
}

#[tokio::test]
async fn a_create_whose_reply_was_lost_is_retried_and_adopts_its_own_bucket() {
    let world = World::new();
    let bucket = unique("quikapp-media");
    let env = bucket_env("staging", &bucket);
    // CreateBucket (a PUT of the bucket, no sub-resource) reaches moto; its reply is lost.
    let path = format!("/{bucket}/");
    world.moto.faults.lose_reply("PUT", 1, move |uri| uri.ends_with(&path));
    world.converge(&env).await;
    assert_eq!(world.moto.faults.injected.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(world.providers.stats().retries.get("aws").copied(), Some(1), "the boundary retried the create");
    let state = world.backend(&env).read().await.unwrap().expect("state");
    assert_eq!(state.resources[&Address::new("aws_s3_bucket", "media")].id, bucket);
    assert_no_changes(&world.plan(&env).await);
}

#[tokio::test]
async fn a_bucket_made_before_its_create_failed_is_recorded_and_the_next_plan_updates_it() {
    let world = World::new();
    let bucket = unique("quikapp-media");
    let env = Environment::new("staging").with(S3Bucket::new("media", &bucket).sse_s3().tag("team", "media"));
    // The bucket is made, then PutBucketEncryption is refused for good.
    world.moto.faults.refuse("PUT", |uri| uri.contains("?encryption"));
    let plan = world.plan(&env).await;
    let report = world.apply(&env, &plan).await;
    world.moto.faults.clear();
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let message = &report.failures[0].message;
    assert!(message.contains("AccessDenied") || message.contains("Access Denied"), "{message}");
    assert!(message.contains(&format!("(id {bucket}) is recorded in state")), "{message}");
    let address = Address::new("aws_s3_bucket", "media");
    assert_eq!(report.state.resources[&address].id, bucket, "the bucket is tracked, not orphaned");
    assert!(report.state.pending.is_empty());
    // The next plan brings the bucket to the definition in place; nothing is created twice.
    let plan = world.plan(&env).await;
    let change = plan.actions().find(|c| c.address == address).expect("a change for the bucket");
    assert_eq!(change.action, Action::Update, "{}", text(&plan));
    world.converge(&env).await;
    assert_no_changes(&world.plan(&env).await);
}
