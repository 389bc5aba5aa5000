//! `aws_kms_key`: a symmetric KMS key with an optional alias, yearly rotation, an optional key
//! policy and tags.
//!
//! Buckets encrypted with SSE-KMS point at one of these through `key.arn()`. A key without a
//! declared policy keeps the default policy KMS gives it, unmanaged; a declared one
//! ([`KmsKey::policy`]) replaces it whole and must keep the account's own access (its root
//! principal with `kms:*`), or nobody can manage the key any more.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::value::Computed;
use serde::Serialize;

use crate::check;
use crate::iam_policy::PolicyDocument;

/// The largest key policy KMS accepts, in bytes.
const MAX_POLICY_BYTES: usize = 32 * 1024;

/// A symmetric encryption key in KMS.
///
/// Rotation is on by default (KMS's own default is off): a key created for SSE-KMS should
/// rotate, and turning it off is a deliberate `.rotation(false)`.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "aws_kms_key", provider = "aws", refs(arn, key_id), validate = Self::check)]
pub struct KmsKey {
    #[serde(skip)]
    meta: Meta,
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The key's ARN, what S3's SSE-KMS setting takes.
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    /// The key's id, a UUID.
    #[serde(skip)]
    #[resource(computed)]
    key_id: Computed<String>,
    /// Gives the key an alias, `alias/<something>`. Changing it moves the alias; the key stays.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, identity, setter)]
    alias: Option<String>,
    /// Describes what the key is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, setter)]
    description: Option<String>,
    /// Turns automatic yearly rotation of the key material on or off.
    #[resource(setter = "rotation")]
    enable_key_rotation: bool,
    /// Sets the key policy, replacing KMS's default one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, setter)]
    policy: Option<PolicyDocument>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl KmsKey {
    /// A rotating key addressed as `aws_kms_key.<name>`.
    pub fn new(name: &str) -> Self {
        Self {
            meta: Meta::named(name),
            id: Computed::new(),
            arn: Computed::new(),
            key_id: Computed::new(),
            alias: None,
            description: None,
            enable_key_rotation: true,
            policy: None,
            tags: BTreeMap::new(),
        }
    }
}

impl KmsKey {
    fn check(&self, p: &mut FieldProblems<'_>) {
        if let Some(alias) = &self.alias {
            match alias.strip_prefix("alias/") {
                None => p.field("alias", format!("must start with `alias/`, got `{alias}`")),
                Some(rest) => {
                    if rest.is_empty() {
                        p.field("alias", "needs a name after `alias/`");
                    }
                    if rest.starts_with("aws/") {
                        p.field("alias", "`alias/aws/` is reserved for keys aws manages");
                    }
                    if !rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-')) {
                        p.field("alias", "may only hold letters, digits, `/`, `_` and `-` after `alias/`");
                    }
                }
            }
            if alias.len() > 256 {
                p.field("alias", format!("must be at most 256 characters long, got {}", alias.len()));
            }
        }
        if let Some(description) = &self.description
            && description.chars().count() > 8192
        {
            p.field("description", "must be at most 8192 characters long");
        }
        if let Some(policy) = &self.policy {
            policy.check(p, "policy");
            let size = serde_json::to_string(policy).map_or(0, |t| t.len());
            if size > MAX_POLICY_BYTES {
                p.field("policy", format!("kms accepts key policies of at most {MAX_POLICY_BYTES} bytes, got {size}"));
            }
        }
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};

    #[test]
    fn a_key_serializes_to_its_attributes() {
        let key = KmsKey::new("media").alias("alias/quikapp-media").description("media at rest").tag("team", "media");
        assert_eq!(
            attrs(&key),
            json!({
                "alias": "alias/quikapp-media",
                "description": "media at rest",
                "enable_key_rotation": true,
                "tags": {"team": "media"}
            })
        );
        assert!(problems(key).is_empty());
        assert_eq!(attrs(&KmsKey::new("k").rotation(false)), json!({"enable_key_rotation": false}));
    }

    #[test]
    fn accessors_are_references() {
        let key = KmsKey::new("media");
        assert_eq!(serde_json::to_value(key.arn()).unwrap(), json!({"$ref": "aws_kms_key.media.arn"}));
        assert_eq!(serde_json::to_value(key.key_id()).unwrap(), json!({"$ref": "aws_kms_key.media.key_id"}));
        assert!(KmsKey::schema().has_tags());
    }

    #[test]
    fn aliases_follow_kms_rules() {
        assert_problem(&problems(KmsKey::new("k").alias("quikapp-media")), "alias", "must start with `alias/`");
        assert_problem(&problems(KmsKey::new("k").alias("alias/aws/s3")), "alias", "reserved");
        assert_problem(&problems(KmsKey::new("k").alias("alias/")), "alias", "needs a name");
        assert_problem(&problems(KmsKey::new("k").alias("alias/media key")), "alias", "may only hold");
        assert_problem(&problems(KmsKey::new("k").alias(format!("alias/{}", "a".repeat(251)))), "alias", "256");
    }

    #[test]
    fn a_declared_policy_is_an_attribute_and_is_checked() {
        use crate::iam_policy::Statement;
        let policy = PolicyDocument::new().statement(
            Statement::allow().sid("Root").aws("arn:aws:iam::123456789012:root").action("kms:*").resource("*"),
        );
        let key = KmsKey::new("media").policy(policy);
        assert_eq!(
            attrs(&key)["policy"],
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "Root", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
                "Action": ["kms:*"], "Resource": ["*"]
            }]})
        );
        assert!(problems(key).is_empty());
        assert!(attrs(&KmsKey::new("k")).get("policy").is_none(), "no policy declared: kms's default, unmanaged");
        let bad = KmsKey::new("k").policy(PolicyDocument::new().statement(Statement::allow().action("Decrypt")));
        let found = problems(bad);
        assert_problem(&found, "policy.Statement[0].Action", "no service prefix");
        assert_problem(&found, "policy.Statement[0].Principal", "needs a principal");
    }

    #[test]
    fn every_problem_is_reported() {
        let key = KmsKey::new("k").alias("alias/aws/x y").description("d".repeat(8193)).tag("aws:x", "y");
        let found = problems(key);
        assert_problem(&found, "alias", "reserved");
        assert_problem(&found, "alias", "may only hold");
        assert_problem(&found, "description", "8192");
        assert_problem(&found, "tags.aws:x", "reserved");
    }
}
