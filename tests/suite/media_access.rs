//! The QuikApp media CDNs can read their origins: from the blueprint's definitions, every
//! environment with a distribution finds its media bucket's policy granting that distribution
//! `s3:GetObject` (exactly for the owner's own, by account for readers of a shared bucket) and,
//! for an SSE-KMS bucket, the key's policy granting CloudFront `kms:Decrypt` and keeping the
//! account root's full access. The policies are read as the JSON the provider sends.

use quikinfra::engine::environment::Environment;
use serde_json::{Value as Json, json};

use crate::blueprint::{self, AWS_ACCOUNT_ID, Bucket, ESTATE, MediaEncryption, Row, SharedStore};

/// The attribute `name` of the resource at `address`, as plain JSON (references as `$ref`).
fn attribute(env: &Environment, address: &str, name: &str) -> Option<Json> {
    let node = env.resources().iter().find(|n| n.address.to_string() == address)?;
    node.attrs.get(name).map(|v| serde_json::to_value(v).expect("attributes are JSON"))
}

fn has(env: &Environment, address: &str) -> bool {
    env.resources().iter().any(|n| n.address.to_string() == address)
}

/// Whether `text` matches the IAM wildcard `pattern` (`*` any run, `?` one character).
fn arn_like(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

fn strings(v: &Json) -> Vec<Json> {
    v.as_array().cloned().unwrap_or_default()
}

/// Whether `statement` lets CloudFront do `action` on `resource`.
fn grants_cloudfront(statement: &Json, action: &str, resource: &str) -> bool {
    statement["Effect"] == json!("Allow")
        && strings(&statement["Principal"]["Service"]).contains(&json!("cloudfront.amazonaws.com"))
        && strings(&statement["Action"]).contains(&json!(action))
        && strings(&statement["Resource"]).contains(&json!(resource))
}

/// Whether `statement`'s conditions admit any distribution of the estate's account, and only those.
fn admits_the_accounts_distributions(statement: &Json) -> bool {
    let patterns = strings(&statement["Condition"]["ArnLike"]["AWS:SourceArn"]);
    let of_account = format!("arn:aws:cloudfront::{AWS_ACCOUNT_ID}:distribution/E2QWRUHAPOMQZL");
    let of_other = "arn:aws:cloudfront::210987654321:distribution/E2QWRUHAPOMQZL";
    patterns.iter().filter_map(Json::as_str).any(|p| arn_like(p, &of_account))
        && !patterns.iter().filter_map(Json::as_str).any(|p| arn_like(p, of_other))
        && strings(&statement["Condition"]["StringEquals"]["AWS:SourceAccount"]) == [json!(AWS_ACCOUNT_ID)]
}

/// The rows with a media bucket in S3 and a distribution, with the row owning the bucket.
fn fronted_rows() -> Vec<(&'static Row, &'static str, &'static Row, Environment)> {
    let mut out = Vec::new();
    for row in ESTATE {
        let Bucket::S3(bucket) = row.bucket else { continue };
        let env = blueprint::build(row);
        if !has(&env, "aws_cloudfront_distribution.media") {
            continue;
        }
        let owner = blueprint::owner_of(SharedStore::Media(bucket), row.name).unwrap_or(row);
        out.push((row, bucket, owner, env));
    }
    out
}

#[test]
fn every_distribution_is_granted_its_media_bucket_by_the_owners_policy() {
    let fronted = fronted_rows();
    let names: Vec<&str> = fronted.iter().map(|(r, ..)| r.name).collect();
    assert_eq!(names, ["dev", "qa", "uat1", "uat2", "uat3", "staging", "production", "live"]);
    for (row, bucket, owner, env) in &fronted {
        let objects = format!("arn:aws:s3:::{bucket}/*");
        let owner_env = blueprint::build(owner);
        let policy = attribute(&owner_env, "aws_s3_bucket_policy.media", "policy")
            .unwrap_or_else(|| panic!("{}: the owner of {bucket} declares no bucket policy", owner.name));
        assert_eq!(policy["Version"], json!("2012-10-17"));
        assert_eq!(
            attribute(&owner_env, "aws_s3_bucket_policy.media", "bucket"),
            Some(json!({"$ref": "aws_s3_bucket.media.id"})),
            "{}: the policy is the media bucket's",
            owner.name
        );
        let statements = strings(&policy["Statement"]);
        if row.name == owner.name {
            // The owner's own distribution, by its exact ARN.
            let own: Vec<&Json> =
                statements.iter().filter(|s| grants_cloudfront(s, "s3:GetObject", &objects)).collect();
            assert!(
                own.iter().any(|s| strings(&s["Condition"]["StringEquals"]["AWS:SourceArn"])
                    == [json!({"$ref": "aws_cloudfront_distribution.media.arn"})]),
                "{}: no statement grants its own distribution: {policy:#}",
                row.name
            );
        } else {
            // A reader: granted by the owner, whose state it cannot change, for any distribution of the account.
            assert!(
                !has(env, "aws_s3_bucket_policy.media"),
                "{}: a reader must not declare the owner's policy",
                row.name
            );
            assert!(
                statements
                    .iter()
                    .any(|s| grants_cloudfront(s, "s3:GetObject", &objects) && admits_the_accounts_distributions(s)),
                "{}: {}'s policy does not grant its readers' distributions: {policy:#}",
                row.name,
                owner.name
            );
        }
        // Nothing broader than reading objects, and nothing for anyone else.
        for s in &statements {
            assert_eq!(strings(&s["Action"]), [json!("s3:GetObject")], "{}: {s:#}", owner.name);
            assert_eq!(strings(&s["Resource"]), [json!(objects.clone())], "{}: {s:#}", owner.name);
            assert_eq!(s["Principal"], json!({"Service": ["cloudfront.amazonaws.com"]}), "{}: {s:#}", owner.name);
        }
    }
}

#[test]
fn shared_buckets_grant_their_readers_and_unshared_ones_only_their_own_distribution() {
    for row in ESTATE {
        let Bucket::S3(bucket) = row.bucket else { continue };
        if blueprint::owner_of(SharedStore::Media(bucket), row.name).is_some() {
            continue;
        }
        let readers: Vec<&str> = blueprint::SHARED
            .iter()
            .filter(|o| o.store == SharedStore::Media(bucket) && o.owner == row.name)
            .flat_map(|o| o.readers.iter().copied())
            .collect();
        let env = blueprint::build(row);
        let policy = attribute(&env, "aws_s3_bucket_policy.media", "policy").expect("an owner declares the policy");
        let statements = strings(&policy["Statement"]);
        let sids: Vec<&str> = statements.iter().filter_map(|s| s["Sid"].as_str()).collect();
        if readers.is_empty() {
            assert_eq!(sids, ["OwnDistributionReadsMedia"], "{}", row.name);
        } else {
            assert_eq!(sids, ["OwnDistributionReadsMedia", "ReadersDistributionsReadMedia"], "{}", row.name);
            assert!(admits_the_accounts_distributions(&statements[1]), "{}: {policy:#}", row.name);
        }
    }
}

#[test]
fn every_sse_kms_media_key_lets_cloudfront_decrypt_and_keeps_the_account_root() {
    let mut keyed = Vec::new();
    for (row, _, owner, env) in fronted_rows() {
        let policy = attribute(&env, "aws_kms_key.media", "policy");
        if owner.encryption != MediaEncryption::SseKms {
            assert!(policy.is_none(), "{}: an SSE-S3 bucket has no key", row.name);
            continue;
        }
        keyed.push(row.name);
        let policy = policy.unwrap_or_else(|| panic!("{}: the media key declares no policy", row.name));
        // A reader sees the owner's key as the owner declares it.
        assert_eq!(Some(&policy), attribute(&blueprint::build(owner), "aws_kms_key.media", "policy").as_ref());
        let statements = strings(&policy["Statement"]);
        assert_eq!(statements.len(), 2, "{}: {policy:#}", row.name);
        let root = &statements[0];
        assert_eq!(root["Effect"], json!("Allow"));
        assert_eq!(root["Principal"], json!({"AWS": [format!("arn:aws:iam::{AWS_ACCOUNT_ID}:root")]}));
        assert_eq!(strings(&root["Action"]), [json!("kms:*")]);
        assert_eq!(strings(&root["Resource"]), [json!("*")]);
        let decrypt = &statements[1];
        assert!(grants_cloudfront(decrypt, "kms:Decrypt", "*"), "{}: {policy:#}", row.name);
        assert_eq!(strings(&decrypt["Action"]), [json!("kms:Decrypt")]);
        assert!(admits_the_accounts_distributions(decrypt), "{}: {policy:#}", row.name);
    }
    assert_eq!(keyed, ["uat1", "uat2", "uat3", "staging", "production", "live"]);
}

#[test]
fn the_wildcard_matcher_follows_iam() {
    assert!(arn_like("arn:aws:cloudfront::1:distribution/*", "arn:aws:cloudfront::1:distribution/E1"));
    assert!(!arn_like("arn:aws:cloudfront::1:distribution/*", "arn:aws:cloudfront::2:distribution/E1"));
    assert!(arn_like("a?c", "abc") && !arn_like("a?c", "ac"));
}
