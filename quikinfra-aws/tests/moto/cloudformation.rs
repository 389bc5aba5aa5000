//! The CloudFormation engine against moto: a synthesized template deployed through change
//! sets (create, describe, execute), changed, and the stack deleted.

use std::time::Duration;

use quikinfra_aws::S3Bucket;
use quikinfra_aws::cloudformation::{StackEngine, synth};
use quikinfra_core::environment::Environment;

use crate::support::{Moto, unique};

fn media(bucket: &str, team: &str) -> Environment {
    Environment::new("dev").with(S3Bucket::new("media", bucket).sse_s3().expire_after_days(7).tag("team", team))
}

#[tokio::test]
async fn a_stack_is_created_changed_and_deleted_through_change_sets() {
    let moto = Moto::new();
    let engine = StackEngine::new(&moto.config).poll_every(Duration::from_millis(50)).timeout(Duration::from_secs(60));
    let stack = unique("quikapp-dev-media");
    let bucket = unique("quikapp-media-dev");
    let s3 = moto.s3();

    let plan = engine.plan(&stack, &synth(&media(&bucket, "media")).unwrap()).await.unwrap();
    assert!(plan.creates_stack);
    let rendered = plan.render();
    assert!(rendered.contains("+ MediaBucket (AWS::S3::Bucket)"), "{rendered}");
    let mut seen = Vec::new();
    engine.execute(&plan, &mut |status| seen.push(status.to_string())).await.unwrap();
    assert_eq!(seen.last().map(String::as_str), Some("CREATE_COMPLETE"), "{seen:?}");
    s3.head_bucket().bucket(&bucket).send().await.expect("the stack created the bucket");
    let encryption = s3.get_bucket_encryption().bucket(&bucket).send().await.unwrap();
    let rule = &encryption.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str(), "AES256");

    let same = engine.plan(&stack, &synth(&media(&bucket, "media")).unwrap()).await.unwrap();
    assert!(!same.has_changes(), "{}", same.render());
    assert!(same.render().starts_with("No changes."), "{}", same.render());

    let plan = engine.plan(&stack, &synth(&media(&bucket, "platform")).unwrap()).await.unwrap();
    assert!(!plan.creates_stack);
    assert!(plan.render().contains("~ MediaBucket (AWS::S3::Bucket)"), "{}", plan.render());
    engine.execute(&plan, &mut |_| {}).await.unwrap();
    let tags = s3.get_bucket_tagging().bucket(&bucket).send().await.unwrap();
    assert!(tags.tag_set().iter().any(|t| t.key() == "team" && t.value() == "platform"), "{tags:?}");

    engine.delete(&stack, &mut |_| {}).await.unwrap();
    assert!(s3.head_bucket().bucket(&bucket).send().await.is_err(), "deleting the stack deletes the bucket");
}
