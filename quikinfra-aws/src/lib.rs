//! AWS resource types for quikinfra: S3 buckets and their policies, KMS keys, CloudFront
//! distributions, WAFv2 web ACLs, Shield protections, Route 53 hosted zones and records, and
//! ACM certificates. [`iam_policy`] holds the typed policy documents buckets and keys take.
//!
//! Each resource module holds one resource type: its typed spec with builders, its static
//! schema (what forces replacement, what AWS computes) and its field rules, checked before any
//! API call. [`provider`] serves those types over the official AWS SDK crates and [`backend`]
//! keeps state in S3; both plug into quikinfra-core's traits. [`cloudformation`] synthesizes
//! a template from an environment and deploys it through change sets.
//!
//! ```ignore
//! let key = KmsKey::new("media").alias("alias/quikapp-media-prod");
//! let bucket = S3Bucket::new("media", "quikapp-media-prod")
//!     .transition(30, StorageClass::StandardIa)
//!     .transition(90, StorageClass::Glacier)
//!     .sse_kms(key.arn());
//! let acl = WafWebAcl::new("edge", "quikapp-prod-edge").managed_rule_group("AWSManagedRulesCommonRuleSet");
//! let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name()).web_acl(acl.arn());
//! let shield = ShieldProtection::new("edge", "quikapp-live-cdn", cdn.arn());
//! ```

pub mod acm_certificate;
pub mod backend;
mod check;
pub mod cloudformation;
pub mod cloudfront_distribution;
pub mod codegen;
pub mod iam_policy;
pub mod kms_key;
pub mod plugin;
pub mod provider;
pub mod regions;
pub mod route53_record;
pub mod route53_zone;
pub mod s3_bucket;
pub mod s3_bucket_policy;
pub mod shield_protection;
#[cfg(test)]
mod testing;
pub mod waf_web_acl;

pub use acm_certificate::{AcmCertificate, AcmCertificateValidation, ValidationMethod};
pub use backend::{S3Backend, S3Backends};
pub use cloudfront_distribution::{
    AllowedMethods, CloudFrontDistribution, MinimumProtocolVersion, PriceClass, SslSupportMethod, ViewerProtocolPolicy,
};
pub use iam_policy::{Effect, PolicyDocument, Principal, Statement};
pub use kms_key::KmsKey;
pub use plugin::AwsPlugin;
pub use provider::AwsProvider;
pub use route53_record::{AliasTarget, RecordType, Route53Record};
pub use route53_zone::Route53Zone;
pub use s3_bucket::{Encryption, LifecycleRule, PublicAccessBlock, S3Bucket, StorageClass, Transition};
pub use s3_bucket_policy::S3BucketPolicy;
pub use shield_protection::ShieldProtection;
pub use waf_web_acl::{DefaultAction, Scope, WafWebAcl};
