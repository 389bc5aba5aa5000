//! `aws_s3_bucket`: an S3 bucket with versioning, lifecycle rules, default encryption, the
//! public access block and tags.
//!
//! The bucket name is checked against S3's naming rules and lifecycle rules against the
//! constraints S3 enforces on `PutBucketLifecycleConfiguration`, before any API call (moto
//! accepts much of what AWS rejects, so these checks are ours to make).

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::check;

/// The id of the whole-bucket rule that [`S3Bucket::expire_after_days`] and
/// [`S3Bucket::transition`] edit.
pub const DEFAULT_RULE_ID: &str = "default";

/// An S3 bucket.
///
/// ```ignore
/// let bucket = S3Bucket::new("media", "quikapp-media-staging")
///     .versioning(true)
///     .transition(30, StorageClass::StandardIa)
///     .transition(90, StorageClass::Glacier)
///     .sse_kms(key.arn());
/// ```
///
/// Every new bucket blocks public access (all four flags of the public access block) unless
/// [`allow_public_access`](Self::allow_public_access) is called. Leaving encryption unset leaves
/// it unmanaged: AWS then applies SSE-S3, its default for every bucket since 2023.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(
    type = "aws_s3_bucket",
    provider = "aws",
    refs(id, arn, regional_domain_name = bucket_regional_domain_name),
    validate = Self::check
)]
pub struct S3Bucket {
    #[serde(skip)]
    meta: Meta,
    /// The bucket's id (its name, known once created).
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The bucket's ARN, `arn:aws:s3:::<bucket>`.
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    /// The regional domain name, `<bucket>.s3.<region>.amazonaws.com`: what a CloudFront origin
    /// with origin access control points at.
    #[serde(skip)]
    #[resource(computed)]
    bucket_regional_domain_name: Computed<String>,
    #[resource(identity, force_new = "an s3 bucket cannot be renamed")]
    bucket: String,
    /// Turns object versioning on or off. S3 cannot return a bucket to "never versioned": once
    /// enabled, `false` means versioning is suspended.
    #[resource(setter)]
    versioning: bool,
    /// Adds a lifecycle rule of its own (for a prefix, for noncurrent versions…).
    #[resource(push = "lifecycle_rule")]
    lifecycle_rules: Vec<LifecycleRule>,
    /// Sets the default encryption of new objects.
    #[serde(rename = "server_side_encryption", skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, setter)]
    encryption: Option<Encryption>,
    /// Sets the public access block flag by flag.
    #[resource(setter)]
    public_access_block: PublicAccessBlock,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl S3Bucket {
    /// A private, unversioned bucket called `bucket` (the global S3 name), addressed as
    /// `aws_s3_bucket.<name>`.
    pub fn new(name: &str, bucket: impl Into<String>) -> Self {
        Self {
            meta: Meta::named(name),
            id: Computed::new(),
            arn: Computed::new(),
            bucket_regional_domain_name: Computed::new(),
            bucket: bucket.into(),
            versioning: false,
            lifecycle_rules: Vec::new(),
            encryption: None,
            public_access_block: PublicAccessBlock::default(),
            tags: BTreeMap::new(),
        }
    }

    /// Deletes objects `days` days after creation (the whole-bucket rule [`DEFAULT_RULE_ID`]).
    pub fn expire_after_days(mut self, days: u32) -> Self {
        self.default_rule().expiration_days = Some(days);
        self
    }

    /// Moves objects to `class` `days` days after creation (the whole-bucket rule
    /// [`DEFAULT_RULE_ID`]); call once per storage class.
    pub fn transition(mut self, days: u32, class: StorageClass) -> Self {
        self.default_rule().transitions.push(Transition { days, storage_class: class });
        self
    }

    /// Encrypts new objects with S3-managed keys: SSE-S3, AES-256 (see [`Encryption::Aes256`]).
    pub fn sse_s3(self) -> Self {
        self.encryption(Encryption::Aes256)
    }

    /// Encrypts new objects with a KMS key (`key.arn()`), with an S3 Bucket Key to keep KMS
    /// request costs down.
    pub fn sse_kms(self, key: impl Into<Val<String>>) -> Self {
        self.encryption(Encryption::SseKms { key: key.into(), bucket_key: true })
    }

    /// Lifts all four public access block flags. Objects still need a policy or ACL to be public.
    pub fn allow_public_access(mut self) -> Self {
        self.public_access_block = PublicAccessBlock::none();
        self
    }

    fn default_rule(&mut self) -> &mut LifecycleRule {
        let index = match self.lifecycle_rules.iter().position(|r| r.id == DEFAULT_RULE_ID) {
            Some(i) => i,
            None => {
                self.lifecycle_rules.push(LifecycleRule::new(DEFAULT_RULE_ID));
                self.lifecycle_rules.len() - 1
            }
        };
        &mut self.lifecycle_rules[index]
    }
}

/// Default encryption for new objects.
///
/// "AES-256" and "SSE-S3" are one and the same setting: SSE-S3 encrypts every object with
/// AES-256 under keys S3 manages, and the API spells it `AES256`. S3 has no other AES-256
/// option, so both are written `.sse_s3()` and serialize as [`Encryption::Aes256`]; LocalStack
/// and moto accept the same call.
#[derive(Clone, Debug, Serialize, AttrValue)]
#[serde(tag = "sse_algorithm")]
pub enum Encryption {
    /// SSE-S3: AES-256 with S3-managed keys (`AES256`).
    #[serde(rename = "AES256")]
    Aes256,
    /// SSE-KMS: a KMS key of ours (`aws:kms`).
    #[serde(rename = "aws:kms")]
    SseKms {
        /// The key: its ARN (`key.arn()`), id or alias ARN.
        #[serde(rename = "kms_master_key_id")]
        key: Val<String>,
        /// Use an S3 Bucket Key, which cuts KMS requests (and their cost) by reusing a
        /// bucket-level data key.
        #[serde(rename = "bucket_key_enabled")]
        bucket_key: bool,
    },
}

/// The four flags of S3's public access block; all `true` blocks every form of public access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub struct PublicAccessBlock {
    /// Rejects requests that add public ACLs.
    pub block_public_acls: bool,
    /// Rejects bucket policies that grant public access.
    pub block_public_policy: bool,
    /// Ignores public ACLs already present.
    pub ignore_public_acls: bool,
    /// Limits access under a public policy to AWS services and the bucket owner's account.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Every flag off.
    pub fn none() -> Self {
        Self {
            block_public_acls: false,
            block_public_policy: false,
            ignore_public_acls: false,
            restrict_public_buckets: false,
        }
    }
}

impl Default for PublicAccessBlock {
    /// Every flag on.
    fn default() -> Self {
        Self {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

/// A storage class objects can move to, in S3's spelling.
///
/// S3 moves objects only down this list (its "waterfall"): `StandardIa`, `IntelligentTiering`,
/// `OnezoneIa`, `GlacierIr`, `Glacier`, `DeepArchive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum StorageClass {
    /// Standard-Infrequent Access (at least 30 days after creation).
    #[serde(rename = "STANDARD_IA")]
    StandardIa,
    /// Intelligent-Tiering.
    #[serde(rename = "INTELLIGENT_TIERING")]
    IntelligentTiering,
    /// One Zone-Infrequent Access (at least 30 days after creation).
    #[serde(rename = "ONEZONE_IA")]
    OnezoneIa,
    /// Glacier Instant Retrieval.
    #[serde(rename = "GLACIER_IR")]
    GlacierIr,
    /// Glacier Flexible Retrieval.
    #[serde(rename = "GLACIER")]
    Glacier,
    /// Glacier Deep Archive.
    #[serde(rename = "DEEP_ARCHIVE")]
    DeepArchive,
}

impl StorageClass {
    /// The class as S3 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::OnezoneIa => "ONEZONE_IA",
            StorageClass::GlacierIr => "GLACIER_IR",
            StorageClass::Glacier => "GLACIER",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
        }
    }

    /// Whether objects must be 30 days old to enter the class and stay 30 days before leaving it.
    fn is_infrequent_access(self) -> bool {
        matches!(self, StorageClass::StandardIa | StorageClass::OnezoneIa)
    }
}

/// One transition of a lifecycle rule: objects move to `storage_class` `days` after creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// Days after creation.
    pub days: u32,
    /// Where the objects go.
    pub storage_class: StorageClass,
}

/// A lifecycle rule: expiration and transitions for the whole bucket or a key prefix.
#[derive(Clone, Debug, Serialize)]
pub struct LifecycleRule {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix: Option<String>,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_days: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    transitions: Vec<Transition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    noncurrent_version_expiration_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    abort_incomplete_multipart_upload_days: Option<u32>,
}

impl LifecycleRule {
    /// An enabled rule for the whole bucket, with no action yet.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            prefix: None,
            enabled: true,
            expiration_days: None,
            transitions: Vec::new(),
            noncurrent_version_expiration_days: None,
            abort_incomplete_multipart_upload_days: None,
        }
    }

    /// Applies the rule only to keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Keeps the rule but stops S3 from acting on it.
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }

    /// Deletes current objects `days` days after creation.
    pub fn expire_after_days(mut self, days: u32) -> Self {
        self.expiration_days = Some(days);
        self
    }

    /// Moves current objects to `class` `days` days after creation.
    pub fn transition(mut self, days: u32, class: StorageClass) -> Self {
        self.transitions.push(Transition { days, storage_class: class });
        self
    }

    /// Deletes old versions `days` days after they stop being current (versioned buckets).
    pub fn noncurrent_expire_after_days(mut self, days: u32) -> Self {
        self.noncurrent_version_expiration_days = Some(days);
        self
    }

    /// Aborts multipart uploads left unfinished `days` days after they started.
    pub fn abort_incomplete_uploads_after_days(mut self, days: u32) -> Self {
        self.abort_incomplete_multipart_upload_days = Some(days);
        self
    }
}

/// What is wrong with `name` as a general purpose bucket name, one message per broken rule
/// (empty when nothing is).
pub fn bucket_name_problems(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let len = name.chars().count();
    if !(3..=63).contains(&len) {
        out.push(format!("must be 3 to 63 characters long, got {len}"));
    }
    let bad: BTreeSet<char> =
        name.chars().filter(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-')).collect();
    if !bad.is_empty() {
        let shown: Vec<String> = bad.iter().map(|c| format!("`{c}`")).collect();
        out.push(format!("may only hold lowercase letters, digits, dots and hyphens, found {}", shown.join(", ")));
    }
    if name.chars().next().is_some_and(|c| !c.is_ascii_alphanumeric()) {
        out.push("must start with a letter or digit".to_string());
    }
    if name.chars().last().is_some_and(|c| !c.is_ascii_alphanumeric()) {
        out.push("must end with a letter or digit".to_string());
    }
    if name.contains("..") {
        out.push("must not contain two adjacent dots".to_string());
    }
    if looks_like_ip_address(name) {
        out.push("must not be formatted as an ip address".to_string());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            out.push(format!("must not start with the reserved prefix `{prefix}`"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            out.push(format!("must not end with the reserved suffix `{suffix}`"));
        }
    }
    out
}

/// Four dot-separated groups of one to three digits, like `192.168.5.4`.
fn looks_like_ip_address(name: &str) -> bool {
    let groups: Vec<&str> = name.split('.').collect();
    groups.len() == 4 && groups.iter().all(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
}

fn validate_rule(p: &mut FieldProblems<'_>, i: usize, rule: &LifecycleRule) {
    let at = |field: &str| format!("lifecycle_rules[{i}].{field}");
    let id_len = rule.id.chars().count();
    if id_len == 0 || id_len > 255 {
        p.field(&at("id"), format!("must be 1 to 255 characters long, got {id_len}"));
    }
    if let Some(prefix) = &rule.prefix
        && prefix.len() > 1024
    {
        p.field(&at("prefix"), "must be at most 1024 bytes long");
    }
    let has_action = rule.expiration_days.is_some()
        || !rule.transitions.is_empty()
        || rule.noncurrent_version_expiration_days.is_some()
        || rule.abort_incomplete_multipart_upload_days.is_some();
    if !has_action {
        p.field(&format!("lifecycle_rules[{i}]"), "a rule needs at least one action: an expiration or a transition");
    }
    for (field, days) in [
        ("expiration_days", rule.expiration_days),
        ("noncurrent_version_expiration_days", rule.noncurrent_version_expiration_days),
        ("abort_incomplete_multipart_upload_days", rule.abort_incomplete_multipart_upload_days),
    ] {
        if days == Some(0) {
            p.field(&at(field), "must be at least 1 day, got 0");
        }
    }
    let mut seen: BTreeMap<StorageClass, usize> = BTreeMap::new();
    for (j, t) in rule.transitions.iter().enumerate() {
        let days_field = at(&format!("transitions[{j}].days"));
        if let Some(first) = seen.insert(t.storage_class, j) {
            p.field(
                &at(&format!("transitions[{j}].storage_class")),
                format!("a rule can move objects to {} only once (see transitions[{first}])", t.storage_class.as_str()),
            );
        }
        if t.storage_class.is_infrequent_access() && t.days < 30 {
            p.field(
                &days_field,
                format!(
                    "a transition to {} needs at least 30 days: s3 keeps new objects in STANDARD that long, got {}",
                    t.storage_class.as_str(),
                    t.days
                ),
            );
        }
        // Every transition to a class higher in the waterfall must come first; leaving an
        // infrequent access class needs 30 days spent in it.
        for earlier in rule.transitions.iter().filter(|e| e.storage_class < t.storage_class) {
            let needed =
                if earlier.storage_class.is_infrequent_access() { earlier.days + 30 } else { earlier.days + 1 };
            if t.days < needed {
                let why = if earlier.storage_class.is_infrequent_access() {
                    format!(
                        "at least 30 days after the {} transition (day {})",
                        earlier.storage_class.as_str(),
                        earlier.days
                    )
                } else {
                    format!("after the {} transition (day {})", earlier.storage_class.as_str(), earlier.days)
                };
                p.field(
                    &days_field,
                    format!("the transition to {} (day {}) must come {why}", t.storage_class.as_str(), t.days),
                );
            }
        }
    }
    if let Some(expire) = rule.expiration_days
        && let Some(last) = rule.transitions.iter().max_by_key(|t| t.days)
        && expire <= last.days
    {
        p.field(
            &at("expiration_days"),
            format!(
                "expiration (day {expire}) must come after every transition, and the {} transition is at day {}",
                last.storage_class.as_str(),
                last.days
            ),
        );
    }
}

impl S3Bucket {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in bucket_name_problems(&self.bucket) {
            p.field("bucket", message);
        }
        if self.lifecycle_rules.len() > 1000 {
            p.field("lifecycle_rules", format!("at most 1000 rules are allowed, got {}", self.lifecycle_rules.len()));
        }
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, rule) in self.lifecycle_rules.iter().enumerate() {
            if let Some(first) = ids.insert(&rule.id, i) {
                p.field(
                    &format!("lifecycle_rules[{i}].id"),
                    format!("rule ids must be unique: `{}` is also used by lifecycle_rules[{first}]", rule.id),
                );
            }
            validate_rule(p, i, rule);
        }
        if let Some(Encryption::SseKms { key: Val::Known(key), .. }) = &self.encryption {
            if key.is_empty() {
                p.field("server_side_encryption.kms_master_key_id", "must name a kms key");
            } else if key.starts_with("arn:") && check::parse_arn(key).is_none_or(|a| a.service != "kms") {
                p.field("server_side_encryption.kms_master_key_id", format!("`{key}` is not a kms key or alias arn"));
            }
        }
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::KmsKey;
    use crate::testing::{assert_no_problem, assert_problem, attrs, problems};

    fn staging() -> S3Bucket {
        S3Bucket::new("media", "quikapp-media-staging")
            .versioning(true)
            .transition(30, StorageClass::StandardIa)
            .transition(90, StorageClass::Glacier)
            .sse_kms(KmsKey::new("media").arn())
            .tag("team", "media")
    }

    #[test]
    fn a_staging_bucket_serializes_to_its_attributes() {
        assert_eq!(
            attrs(&staging()),
            json!({
                "bucket": "quikapp-media-staging",
                "versioning": true,
                "lifecycle_rules": [{
                    "id": "default",
                    "enabled": true,
                    "transitions": [
                        {"days": 30, "storage_class": "STANDARD_IA"},
                        {"days": 90, "storage_class": "GLACIER"}
                    ]
                }],
                "server_side_encryption": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": {"$ref": "aws_kms_key.media.arn"},
                    "bucket_key_enabled": true
                },
                "public_access_block": {
                    "block_public_acls": true,
                    "block_public_policy": true,
                    "ignore_public_acls": true,
                    "restrict_public_buckets": true
                },
                "tags": {"team": "media"}
            })
        );
        assert!(problems(staging()).is_empty());
    }

    #[test]
    fn expiry_transition_and_sse_s3_are_one_builder_call_each() {
        let local = S3Bucket::new("media", "quikapp-media-local").expire_after_days(1).sse_s3();
        let json = attrs(&local);
        assert_eq!(json["lifecycle_rules"], json!([{"id": "default", "enabled": true, "expiration_days": 1}]));
        assert_eq!(json["server_side_encryption"], json!({"sse_algorithm": "AES256"}));
        assert!(problems(local).is_empty());
        let uat = S3Bucket::new("media", "quikapp-media-uat").transition(30, StorageClass::StandardIa);
        assert!(problems(uat).is_empty());
    }

    #[test]
    fn unset_encryption_is_unmanaged_and_public_access_can_be_allowed() {
        let json = attrs(&S3Bucket::new("site", "quikapp-site").allow_public_access());
        assert!(json.get("server_side_encryption").is_none());
        assert!(json.get("tags").is_none());
        assert_eq!(json["lifecycle_rules"], json!([]));
        assert_eq!(json["public_access_block"]["block_public_policy"], json!(false));
        assert_eq!(json["public_access_block"]["restrict_public_buckets"], json!(false));
    }

    #[test]
    fn references_render_as_refs() {
        let bucket = staging();
        assert_eq!(
            serde_json::to_value(bucket.regional_domain_name()).unwrap(),
            json!({"$ref": "aws_s3_bucket.media.bucket_regional_domain_name"})
        );
        assert_eq!(serde_json::to_value(bucket.arn()).unwrap(), json!({"$ref": "aws_s3_bucket.media.arn"}));
        assert_eq!(serde_json::to_value(bucket.id()).unwrap(), json!({"$ref": "aws_s3_bucket.media.id"}));
    }

    #[test]
    fn schema_marks_the_name_as_forcing_replacement_and_takes_tags() {
        let schema = S3Bucket::schema();
        assert!(schema.has_tags());
        let bucket = schema.attr("bucket").unwrap();
        assert!(bucket.force_new);
        assert!(!bucket.replace_reason.is_empty());
        assert!(schema.attr("arn").unwrap().is_computed());
        assert!(!schema.attr("arn").unwrap().is_input());
    }

    #[test]
    fn bucket_names_report_each_broken_rule() {
        let cases = [
            ("ab", "3 to 63"),
            ("Quikapp-Media", "lowercase letters"),
            ("quikapp_media", "`_`"),
            ("-quikapp", "start with"),
            ("quikapp-", "end with"),
            ("quikapp..media", "adjacent dots"),
            ("192.168.5.4", "ip address"),
            ("xn--quikapp", "`xn--`"),
            ("sthree-media", "`sthree-`"),
            ("amzn-s3-demo-media", "`amzn-s3-demo-`"),
            ("media-s3alias", "`-s3alias`"),
            ("media--ol-s3", "`--ol-s3`"),
            ("media.mrap", "`.mrap`"),
            ("media--x-s3", "`--x-s3`"),
            ("media--table-s3", "`--table-s3`"),
        ];
        for (name, needle) in cases {
            let found = problems(S3Bucket::new("media", name));
            assert_problem(&found, "bucket", needle);
        }
        let many = problems(S3Bucket::new("media", "-A_"));
        assert!(many.iter().filter(|(f, _)| f == "bucket").count() >= 3, "{many:?}");
        assert!(bucket_name_problems("quikapp-media-prod").is_empty());
        assert!(bucket_name_problems("media.quikapp.com").is_empty());
    }

    #[test]
    fn infrequent_access_needs_thirty_days() {
        let found = problems(S3Bucket::new("media", "quikapp-media").transition(20, StorageClass::StandardIa));
        assert_problem(&found, "lifecycle_rules[0].transitions[0].days", "at least 30 days");
        let found = problems(S3Bucket::new("media", "quikapp-media").transition(29, StorageClass::OnezoneIa));
        assert_problem(&found, "lifecycle_rules[0].transitions[0].days", "ONEZONE_IA");
        let glacier_now = problems(S3Bucket::new("media", "quikapp-media").transition(0, StorageClass::Glacier));
        assert!(glacier_now.is_empty(), "{glacier_now:?}");
    }

    #[test]
    fn glacier_comes_after_infrequent_access() {
        let before = S3Bucket::new("media", "quikapp-media")
            .transition(60, StorageClass::StandardIa)
            .transition(45, StorageClass::Glacier);
        assert_problem(&problems(before), "lifecycle_rules[0].transitions[1].days", "after the STANDARD_IA transition");
        let too_soon = S3Bucket::new("media", "quikapp-media")
            .transition(30, StorageClass::StandardIa)
            .transition(50, StorageClass::Glacier);
        assert_problem(&problems(too_soon), "lifecycle_rules[0].transitions[1].days", "at least 30 days after");
        let reversed = S3Bucket::new("media", "quikapp-media")
            .transition(30, StorageClass::DeepArchive)
            .transition(90, StorageClass::Glacier);
        let found = problems(reversed);
        assert_problem(&found, "lifecycle_rules[0].transitions[0].days", "after the GLACIER transition (day 90)");
        assert_no_problem(&found, "lifecycle_rules[0].transitions[1].days");
    }

    #[test]
    fn expiration_comes_after_every_transition() {
        let bucket = S3Bucket::new("media", "quikapp-media")
            .transition(30, StorageClass::StandardIa)
            .transition(90, StorageClass::Glacier)
            .expire_after_days(60);
        assert_problem(&problems(bucket), "lifecycle_rules[0].expiration_days", "GLACIER transition is at day 90");
    }

    #[test]
    fn days_and_actions_and_ids_are_checked() {
        let bucket = S3Bucket::new("media", "quikapp-media")
            .expire_after_days(0)
            .lifecycle_rule(LifecycleRule::new("empty"))
            .lifecycle_rule(LifecycleRule::new("default").noncurrent_expire_after_days(0))
            .lifecycle_rule(
                LifecycleRule::new("twice")
                    .transition(30, StorageClass::StandardIa)
                    .transition(60, StorageClass::StandardIa),
            );
        let found = problems(bucket);
        assert_problem(&found, "lifecycle_rules[0].expiration_days", "at least 1 day");
        assert_problem(&found, "lifecycle_rules[1]", "at least one action");
        assert_problem(&found, "lifecycle_rules[2].id", "also used by lifecycle_rules[0]");
        assert_problem(&found, "lifecycle_rules[2].noncurrent_version_expiration_days", "at least 1 day");
        assert_problem(&found, "lifecycle_rules[3].transitions[1].storage_class", "only once");
    }

    #[test]
    fn a_literal_kms_key_must_be_a_kms_arn() {
        let wrong = S3Bucket::new("media", "quikapp-media").sse_kms("arn:aws:s3:::other-bucket");
        assert_problem(&problems(wrong), "server_side_encryption.kms_master_key_id", "not a kms key");
        let alias = S3Bucket::new("media", "quikapp-media").sse_kms("arn:aws:kms:us-east-1:123456789012:alias/media");
        assert!(problems(alias).is_empty());
    }

    #[test]
    fn tags_follow_aws_rules() {
        let bucket = S3Bucket::new("media", "quikapp-media").tag("aws:owner", "x").tag("note", "v".repeat(300));
        let found = problems(bucket);
        assert_problem(&found, "tags.aws:owner", "reserved");
        assert_problem(&found, "tags.note", "256");
    }

    #[test]
    fn rule_ids_prefixes_and_counts_are_bounded() {
        let long = S3Bucket::new("media", "quikapp-media").lifecycle_rule(
            LifecycleRule::new("r".repeat(256)).prefix("p".repeat(1025)).expire_after_days(7).disabled(),
        );
        let found = problems(long);
        assert_problem(&found, "lifecycle_rules[0].id", "1 to 255");
        assert_problem(&found, "lifecycle_rules[0].prefix", "1024");
        let many = (0..1001).fold(S3Bucket::new("media", "quikapp-media"), |b, i| {
            b.lifecycle_rule(LifecycleRule::new(format!("r{i}")).abort_incomplete_uploads_after_days(7))
        });
        assert_problem(&problems(many), "lifecycle_rules", "at most 1000");
        let json = attrs(
            &S3Bucket::new("media", "quikapp-media")
                .lifecycle_rule(LifecycleRule::new("logs").prefix("logs/").noncurrent_expire_after_days(30).disabled()),
        );
        assert_eq!(
            json["lifecycle_rules"],
            json!([{"id": "logs", "prefix": "logs/", "enabled": false, "noncurrent_version_expiration_days": 30}])
        );
    }

    #[test]
    fn tag_keys_and_counts_are_bounded() {
        let bucket = (0..51).fold(S3Bucket::new("media", "quikapp-media"), |b, i| b.tag(format!("k{i}"), "v"));
        assert_problem(&problems(bucket), "tags", "at most 50 tags");
        let long_key = S3Bucket::new("media", "quikapp-media").tag("k".repeat(129), "v");
        assert_problem(&problems(long_key), &format!("tags.{}", "k".repeat(129)), "1 to 128");
    }

    /// The naming rules restated as plainly as possible, to check the validator against.
    fn reference_is_valid(name: &str) -> bool {
        let b = name.as_bytes();
        let alphabet = b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-');
        let ends = !b.is_empty() && b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric();
        let parts: Vec<&str> = name.split('.').collect();
        let ip = parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok());
        let reserved = ["xn--", "sthree-", "amzn-s3-demo-"].iter().any(|p| name.starts_with(p))
            || ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].iter().any(|s| name.ends_with(s));
        (3..=63).contains(&b.len()) && alphabet && ends && !name.contains("..") && !ip && !reserved
    }

    fn bucket_like_names() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9.-]{0,70}",
            "[a-zA-Z0-9._-]{1,20}",
            "[0-9]{1,4}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
            "(xn--|sthree-|amzn-s3-demo-)?[a-z0-9][a-z0-9.-]{0,12}(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)?",
        ]
    }

    proptest! {
        #[test]
        fn bucket_name_validator_agrees_with_the_reference(name in bucket_like_names()) {
            prop_assert_eq!(bucket_name_problems(&name).is_empty(), reference_is_valid(&name), "name {:?}", name);
        }
    }
}
