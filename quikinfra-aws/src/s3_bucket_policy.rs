//! `aws_s3_bucket_policy`: the resource policy of one S3 bucket, a typed [`PolicyDocument`].
//!
//! A bucket has one policy; this resource owns it whole. A CloudFront distribution reading a
//! private bucket through an origin access control needs one granting
//! `cloudfront.amazonaws.com` `s3:GetObject`, limited to that distribution by `AWS:SourceArn`.

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::iam_policy::PolicyDocument;

/// The largest bucket policy S3 accepts, in bytes.
const MAX_POLICY_BYTES: usize = 20 * 1024;

/// The policy of a bucket.
///
/// ```ignore
/// let policy = S3BucketPolicy::new("media", bucket.id(), PolicyDocument::new().statement(
///     Statement::allow()
///         .service("cloudfront.amazonaws.com")
///         .action("s3:GetObject")
///         .resource("arn:aws:s3:::quikapp-media-prod/*")
///         .condition("StringEquals", "AWS:SourceArn", cdn.arn()),
/// ));
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "aws_s3_bucket_policy", provider = "aws", refs(id), validate = Self::check)]
pub struct S3BucketPolicy {
    #[serde(skip)]
    meta: Meta,
    /// The bucket's name, which is the policy's id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The bucket (`bucket.id()`, or its name).
    #[resource(identity, force_new = "a bucket policy belongs to one bucket")]
    bucket: Val<String>,
    /// The policy document.
    policy: PolicyDocument,
}

impl S3BucketPolicy {
    /// The policy `policy` of `bucket` (`bucket.id()`), addressed as `aws_s3_bucket_policy.<name>`.
    pub fn new(name: &str, bucket: impl Into<Val<String>>, policy: PolicyDocument) -> Self {
        Self { meta: Meta::named(name), id: Computed::new(), bucket: bucket.into(), policy }
    }

    /// The policy document.
    pub fn policy(&self) -> &PolicyDocument {
        &self.policy
    }

    fn check(&self, p: &mut FieldProblems<'_>) {
        if let Val::Known(bucket) = &self.bucket {
            for problem in crate::s3_bucket::bucket_name_problems(bucket) {
                p.field("bucket", problem);
            }
        }
        self.policy.check(p, "policy");
        let size = serde_json::to_string(&self.policy).map_or(0, |t| t.len());
        if size > MAX_POLICY_BYTES {
            p.field("policy", format!("s3 accepts bucket policies of at most {MAX_POLICY_BYTES} bytes, got {size}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::iam_policy::Statement;
    use crate::testing::{assert_problem, attrs, problems};
    use crate::{CloudFrontDistribution, S3Bucket};

    #[test]
    fn a_policy_references_its_bucket_and_distribution() {
        let bucket = S3Bucket::new("media", "quikapp-media-prod");
        let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name());
        let policy = S3BucketPolicy::new(
            "media",
            bucket.id(),
            PolicyDocument::new().statement(
                Statement::allow()
                    .service("cloudfront.amazonaws.com")
                    .action("s3:GetObject")
                    .resource("arn:aws:s3:::quikapp-media-prod/*")
                    .condition("StringEquals", "AWS:SourceArn", cdn.arn()),
            ),
        );
        assert_eq!(
            attrs(&policy),
            json!({
                "bucket": {"$ref": "aws_s3_bucket.media.id"},
                "policy": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudfront.amazonaws.com"]},
                    "Action": ["s3:GetObject"],
                    "Resource": ["arn:aws:s3:::quikapp-media-prod/*"],
                    "Condition": {"StringEquals": {"AWS:SourceArn": [{"$ref": "aws_cloudfront_distribution.media.arn"}]}}
                }]}
            })
        );
        assert!(problems(policy).is_empty());
        assert!(S3BucketPolicy::schema().attr("bucket").unwrap().force_new);
    }

    #[test]
    fn bad_buckets_and_documents_are_refused() {
        let found = problems(S3BucketPolicy::new("media", "Bad_Bucket", PolicyDocument::new()));
        assert_problem(&found, "bucket", "");
        assert_problem(&found, "policy.Statement", "at least one statement");
        let mut big = PolicyDocument::new();
        for i in 0..400 {
            big = big.statement(
                Statement::allow()
                    .sid(format!("S{i}"))
                    .anyone()
                    .action("s3:GetObject")
                    .resource(format!("arn:aws:s3:::quikapp-media/some/long/prefix/for/statement/number/{i}/*")),
            );
        }
        assert_problem(&problems(S3BucketPolicy::new("media", "quikapp-media", big)), "policy", "at most 20480 bytes");
    }
}
