//! Bucket and key policies against moto through the engine: created, read back from moto
//! statement by statement, no drift on an unchanged policy, a changed statement updated in place.

use quikinfra_aws::{CloudFrontDistribution, KmsKey, PolicyDocument, S3Bucket, S3BucketPolicy, Statement};
use quikinfra_core::environment::Environment;
use serde_json::{Value, json};

use crate::support::{World, actions, assert_no_changes, text, unique};

const ACCOUNT: &str = "123456789012";

fn key_policy(decrypt_actions: &[&str]) -> PolicyDocument {
    let cloudfront = decrypt_actions.iter().fold(
        Statement::allow()
            .sid("CloudFrontDecrypts")
            .service("cloudfront.amazonaws.com")
            .resource("*")
            .condition("ArnLike", "AWS:SourceArn", format!("arn:aws:cloudfront::{ACCOUNT}:distribution/*"))
            .condition("StringEquals", "AWS:SourceAccount", ACCOUNT),
        |s, a| s.action(*a),
    );
    PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("AccountRoot")
                .aws(format!("arn:aws:iam::{ACCOUNT}:root"))
                .action("kms:*")
                .resource("*"),
        )
        .statement(cloudfront)
}

fn estate(bucket_name: &str, alias: &str, decrypt_actions: &[&str]) -> Environment {
    let key = KmsKey::new("media").alias(alias).policy(key_policy(decrypt_actions));
    let bucket = S3Bucket::new("media", bucket_name).sse_kms(key.arn());
    let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name());
    let reads = S3BucketPolicy::new(
        "media",
        bucket.id(),
        PolicyDocument::new().statement(
            Statement::allow()
                .sid("CloudFrontReadsMedia")
                .service("cloudfront.amazonaws.com")
                .action("s3:GetObject")
                .resource(format!("arn:aws:s3:::{bucket_name}/*"))
                .condition("StringEquals", "AWS:SourceArn", cdn.arn()),
        ),
    );
    Environment::new("staging").with(key).with(bucket).with(cdn).with(reads)
}

/// The statements of a policy as AWS returned it, by sid.
fn statements(text: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(text).expect("moto returns JSON");
    assert_eq!(doc["Version"], json!("2012-10-17"), "{doc}");
    doc["Statement"].as_array().expect("a list of statements").clone()
}

/// A statement's list field, whether AWS wrote it as a string or a list.
fn list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().map(|i| i.as_str().expect("strings").to_string()).collect(),
        other => panic!("not a list: {other}"),
    }
}

#[tokio::test]
async fn bucket_and_key_policies_are_put_read_back_without_drift_and_updated_in_place() {
    let world = World::new();
    let bucket_name = unique("quikapp-media");
    let alias = format!("alias/{}", unique("media"));
    let env = estate(&bucket_name, &alias, &["kms:Decrypt"]);
    let plan = world.converge(&env).await;
    assert!(actions(&plan).contains(&"Create aws_s3_bucket_policy.media".to_string()), "{}", text(&plan));

    // What moto holds, read with the raw SDK.
    let state = world.backend(&env).read().await.unwrap().expect("state written");
    let cdn_arn = state.resources[&"aws_cloudfront_distribution.media".parse().unwrap()].attributes["arn"]
        .as_str()
        .expect("the distribution's arn is recorded")
        .to_string();
    let s3 = world.moto.s3();
    let bucket_policy = s3.get_bucket_policy().bucket(&bucket_name).send().await.unwrap();
    let found = statements(bucket_policy.policy().unwrap());
    assert_eq!(found.len(), 1, "{found:?}");
    let read = &found[0];
    assert_eq!(read["Sid"], json!("CloudFrontReadsMedia"));
    assert_eq!(read["Effect"], json!("Allow"));
    assert_eq!(list(&read["Principal"]["Service"]), ["cloudfront.amazonaws.com"]);
    assert_eq!(list(&read["Action"]), ["s3:GetObject"]);
    assert_eq!(list(&read["Resource"]), [format!("arn:aws:s3:::{bucket_name}/*")]);
    assert_eq!(list(&read["Condition"]["StringEquals"]["AWS:SourceArn"]), std::slice::from_ref(&cdn_arn));
    assert!(cdn_arn.starts_with("arn:aws:cloudfront::"), "{cdn_arn}");

    let kms = aws_sdk_kms::Client::new(&world.moto.config);
    let key_id = kms.describe_key().key_id(&alias).send().await.unwrap().key_metadata().unwrap().key_id().to_string();
    let live_policy = kms.get_key_policy().key_id(&key_id).policy_name("default").send().await.unwrap();
    let found = statements(live_policy.policy().unwrap());
    assert_eq!(found.len(), 2, "{found:?}");
    let (root, cloudfront) = (&found[0], &found[1]);
    assert_eq!(root["Sid"], json!("AccountRoot"));
    assert_eq!(list(&root["Principal"]["AWS"]), [format!("arn:aws:iam::{ACCOUNT}:root")]);
    assert_eq!(list(&root["Action"]), ["kms:*"]);
    assert_eq!(list(&root["Resource"]), ["*"]);
    assert_eq!(cloudfront["Sid"], json!("CloudFrontDecrypts"));
    assert_eq!(list(&cloudfront["Principal"]["Service"]), ["cloudfront.amazonaws.com"]);
    assert_eq!(list(&cloudfront["Action"]), ["kms:Decrypt"]);
    assert_eq!(
        list(&cloudfront["Condition"]["ArnLike"]["AWS:SourceArn"]),
        [format!("arn:aws:cloudfront::{ACCOUNT}:distribution/*")]
    );
    assert_eq!(list(&cloudfront["Condition"]["StringEquals"]["AWS:SourceAccount"]), [ACCOUNT]);

    assert_no_changes(&world.plan(&env).await);

    // The bucket policy rewritten outside, as S3 itself writes policies back (strings for
    // one-element lists, keys reordered): the same policy, no drift.
    let rewritten = json!({"Statement": [{
        "Condition": {"StringEquals": {"AWS:SourceArn": cdn_arn}},
        "Resource": format!("arn:aws:s3:::{bucket_name}/*"),
        "Action": "s3:GetObject",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Effect": "Allow",
        "Sid": "CloudFrontReadsMedia"
    }], "Version": "2012-10-17"});
    s3.put_bucket_policy().bucket(&bucket_name).policy(rewritten.to_string()).send().await.unwrap();
    assert_no_changes(&world.plan(&env).await);

    // A changed statement: the key updated in place, its policy put again.
    let changed = estate(&bucket_name, &alias, &["kms:Decrypt", "kms:GenerateDataKey"]);
    let plan = world.plan(&changed).await;
    assert_eq!(actions(&plan), ["Update aws_kms_key.media"], "{}", text(&plan));
    let key_change = plan.resource_changes.iter().find(|c| c.address.to_string() == "aws_kms_key.media").unwrap();
    let names: Vec<&str> = key_change.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["policy"]);
    let report = world.apply(&changed, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let live_policy = kms.get_key_policy().key_id(&key_id).policy_name("default").send().await.unwrap();
    let found = statements(live_policy.policy().unwrap());
    assert_eq!(list(&found[1]["Action"]), ["kms:Decrypt", "kms:GenerateDataKey"]);
    assert_no_changes(&world.plan(&changed).await);

    // A statement changed outside shows as drift and is put back in place.
    let widened = rewritten.to_string().replace("s3:GetObject", "s3:*");
    s3.put_bucket_policy().bucket(&bucket_name).policy(widened).send().await.unwrap();
    let plan = world.plan(&changed).await;
    assert_eq!(actions(&plan), ["Update aws_s3_bucket_policy.media"], "{}", text(&plan));
    let report = world.apply(&changed, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let restored = s3.get_bucket_policy().bucket(&bucket_name).send().await.unwrap();
    assert_eq!(list(&statements(restored.policy().unwrap())[0]["Action"]), ["s3:GetObject"]);
    assert_no_changes(&world.plan(&changed).await);

    // Removing the bucket policy resource deletes the policy; the bucket stays.
    let without = {
        let key = KmsKey::new("media").alias(&alias).policy(key_policy(&["kms:Decrypt", "kms:GenerateDataKey"]));
        let bucket = S3Bucket::new("media", &bucket_name).sse_kms(key.arn());
        let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name());
        Environment::new("staging").with(key).with(bucket).with(cdn)
    };
    let plan = world.plan(&without).await;
    assert_eq!(actions(&plan), ["Delete aws_s3_bucket_policy.media"], "{}", text(&plan));
    let report = world.apply(&without, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let gone = s3.get_bucket_policy().bucket(&bucket_name).send().await;
    assert!(gone.is_err(), "the policy is deleted: {gone:?}");
    assert_no_changes(&world.plan(&without).await);
}

#[tokio::test]
async fn a_key_without_a_declared_policy_keeps_the_default_one_unmanaged() {
    let world = World::new();
    let env = Environment::new("staging").with(KmsKey::new("plain"));
    world.converge(&env).await;
    let before = world.calls();
    assert_no_changes(&world.plan(&env).await);
    let after = world.calls();
    assert!(
        !crate::support::calls_since(&before, &after).contains_key("kms:GetKeyPolicy"),
        "not read when not declared"
    );
}

#[tokio::test]
async fn a_policy_already_on_the_bucket_is_a_conflict_and_left_as_it_is() {
    let world = World::new();
    let bucket_name = unique("quikapp-media");
    let bucket = S3Bucket::new("media", &bucket_name);
    world.converge(&Environment::new("staging").with(bucket.clone())).await;
    // Someone sets a policy by hand; then the definition declares one.
    let outside = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "SetByHand", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
        "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket_name}/*")
    }]})
    .to_string();
    let s3 = world.moto.s3();
    s3.put_bucket_policy().bucket(&bucket_name).policy(&outside).send().await.unwrap();
    let declared = S3BucketPolicy::new(
        "media",
        bucket.id(),
        PolicyDocument::new().statement(
            Statement::allow()
                .sid("Declared")
                .service("cloudfront.amazonaws.com")
                .action("s3:GetObject")
                .resource(format!("arn:aws:s3:::{bucket_name}/*")),
        ),
    );
    let env = Environment::new("staging").with(bucket).with(declared);
    let plan = world.plan(&env).await;
    let report = world.apply(&env, &plan).await;
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let message = &report.failures[0].message;
    assert!(message.contains(&format!("import aws_s3_bucket_policy.media {bucket_name}")), "{message}");
    let live = s3.get_bucket_policy().bucket(&bucket_name).send().await.unwrap();
    let found = statements(live.policy().unwrap());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["Sid"], json!("SetByHand"), "the policy set by hand is untouched");
    let state = world.backend(&env).read().await.unwrap().unwrap();
    assert!(!state.resources.contains_key(&"aws_s3_bucket_policy.media".parse().unwrap()), "nothing recorded");
}
