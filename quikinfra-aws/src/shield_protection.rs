//! `aws_shield_protection`: Shield Advanced protection for one resource, typically a
//! production CloudFront distribution.
//!
//! Shield Advanced needs an active subscription on the account (a yearly commitment); creating
//! a protection without one fails at apply time, which no local check can see.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::check;

/// Shield Advanced protection of one resource.
///
/// ```ignore
/// let shield = ShieldProtection::new("edge", "quikapp-live-cdn", cdn.arn());
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "aws_shield_protection", provider = "aws", refs(id, arn), validate = Self::check)]
pub struct ShieldProtection {
    #[serde(skip)]
    meta: Meta,
    /// The protection's id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The protection's ARN.
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    #[resource(force_new = "shield cannot rename a protection")]
    name: String,
    #[resource(identity, force_new = "a protection guards one resource for its whole life")]
    resource_arn: Val<String>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl ShieldProtection {
    /// Protects the resource at `resource_arn` (`cdn.arn()`) under the protection name `name`,
    /// addressed as `aws_shield_protection.<local>`.
    pub fn new(local: &str, name: impl Into<String>, resource_arn: impl Into<Val<String>>) -> Self {
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            arn: Computed::new(),
            name: name.into(),
            resource_arn: resource_arn.into(),
            tags: BTreeMap::new(),
        }
    }
}

/// Whether Shield Advanced can protect the resource `arn` names.
fn is_protectable(arn: &str) -> bool {
    check::parse_arn(arn).is_some_and(|a| match a.service {
        "cloudfront" => a.resource.starts_with("distribution/"),
        "route53" => a.resource.starts_with("hostedzone/"),
        "globalaccelerator" => a.resource.starts_with("accelerator/"),
        "elasticloadbalancing" => a.resource.starts_with("loadbalancer/"),
        "ec2" => a.resource.starts_with("eip-allocation/"),
        _ => false,
    })
}

impl ShieldProtection {
    fn check(&self, p: &mut FieldProblems<'_>) {
        let len = self.name.chars().count();
        if !(1..=128).contains(&len) {
            p.field("name", format!("must be 1 to 128 characters long, got {len}"));
        }
        if !self.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-')) {
            p.field("name", "may only hold letters, digits, spaces, `_`, `.` and `-`");
        }
        if let Val::Known(arn) = &self.resource_arn
            && !is_protectable(arn)
        {
            p.field(
                "resource_arn",
                format!(
                    "`{arn}` is not a resource shield advanced protects: a cloudfront distribution, route 53 hosted zone, \
                     global accelerator, load balancer or elastic ip"
                ),
            );
        }
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::CloudFrontDistribution;
    use crate::testing::{assert_problem, attrs, problems};

    #[test]
    fn a_protection_references_its_distribution() {
        let cdn = CloudFrontDistribution::new("media", "quikapp-media-prod.s3.us-east-1.amazonaws.com");
        let shield = ShieldProtection::new("edge", "quikapp-live-cdn", cdn.arn());
        assert_eq!(
            attrs(&shield),
            json!({"name": "quikapp-live-cdn", "resource_arn": {"$ref": "aws_cloudfront_distribution.media.arn"}})
        );
        assert!(problems(shield).is_empty());
        let schema = ShieldProtection::schema();
        assert!(schema.attr("resource_arn").unwrap().force_new);
        assert!(schema.has_tags());
    }

    #[test]
    fn accessors_are_references() {
        let shield = ShieldProtection::new("edge", "p", "arn:aws:cloudfront::123456789012:distribution/E2QW");
        assert_eq!(serde_json::to_value(shield.id()).unwrap(), json!({"$ref": "aws_shield_protection.edge.id"}));
        assert_eq!(serde_json::to_value(shield.arn()).unwrap(), json!({"$ref": "aws_shield_protection.edge.arn"}));
    }

    #[test]
    fn only_protectable_resources_and_plain_names_pass() {
        let bucket = ShieldProtection::new("edge", "bad/name", "arn:aws:s3:::quikapp-media");
        let found = problems(bucket);
        assert_problem(&found, "resource_arn", "not a resource shield advanced protects");
        assert_problem(&found, "name", "may only hold");
        let empty = problems(ShieldProtection::new("edge", "", "arn:aws:cloudfront::123456789012:distribution/E2QW"));
        assert_problem(&empty, "name", "got 0");
        for ok in [
            "arn:aws:cloudfront::123456789012:distribution/E2QW",
            "arn:aws:route53:::hostedzone/Z123",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1",
            "arn:aws:ec2:us-east-1:123456789012:eip-allocation/eipalloc-1",
            "arn:aws:globalaccelerator::123456789012:accelerator/abc",
        ] {
            assert!(is_protectable(ok), "{ok}");
        }
    }
}
