//! `aws_route53_zone`: a public Route 53 hosted zone, the authority for one domain
//! (`quikapp.com`) and every name under it.
//!
//! Records live in it as [`Route53Record`](crate::Route53Record)s, which name the zone through
//! `zone.zone_id()`. The zone's name servers (`zone.name_servers()`) are what the domain's
//! registrar must delegate to before anything in the zone resolves publicly. A zone still holding
//! records other than its own NS and SOA cannot be deleted (Route 53 refuses), so destroying it
//! takes its records first; the owner of a zone shared by several environments should also mark
//! it `prevent_destroy`.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::value::Computed;
use serde::Serialize;

use crate::check;

/// A public hosted zone.
///
/// ```ignore
/// let zone = Route53Zone::new("main", "quikapp.com").comment("QuikApp's public names");
/// let entry = Route53Record::a("entry", &zone, "staging.quikapp.com", [ip.ip_address()]);
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "aws_route53_zone", provider = "aws", refs(zone_id, name_servers), validate = Self::check)]
pub struct Route53Zone {
    #[serde(skip)]
    meta: Meta,
    /// The zone's id, like `Z0123456789ABCDEFGHIJ` (what records name their zone by).
    #[serde(skip)]
    #[resource(computed)]
    zone_id: Computed<String>,
    /// The four name servers Route 53 assigned: the registrar delegates the domain to them.
    #[serde(skip)]
    #[resource(computed)]
    name_servers: Computed<Vec<String>>,
    #[resource(force_new = "a hosted zone's domain is fixed when it is created")]
    name: String,
    /// Describes the zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, setter)]
    comment: Option<String>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl Route53Zone {
    /// The public hosted zone of `domain` (`quikapp.com`), addressed as
    /// `aws_route53_zone.<local>`. DNS names are case-insensitive; the name is kept in
    /// lowercase and without a trailing dot, as records name it.
    pub fn new(local: &str, domain: impl Into<String>) -> Self {
        Self {
            meta: Meta::named(local),
            zone_id: Computed::new(),
            name_servers: Computed::new(),
            name: check::dns_normal(&domain.into()),
            comment: None,
            tags: BTreeMap::new(),
        }
    }

    /// The zone's domain, `quikapp.com`.
    pub fn domain(&self) -> &str {
        &self.name
    }
}

impl Route53Zone {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::dns_name_problems(&self.name, false) {
            p.field("name", format!("`{}` {message}", self.name));
        }
        if let Some(comment) = &self.comment
            && comment.chars().count() > 256
        {
            p.field("comment", "must be at most 256 characters long");
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
    fn a_zone_serializes_to_its_lowercase_name() {
        let zone = Route53Zone::new("main", "QuikApp.com.").comment("public names");
        assert_eq!(attrs(&zone), json!({"name": "quikapp.com", "comment": "public names"}));
        assert!(problems(zone).is_empty());
        assert_eq!(
            serde_json::to_value(Route53Zone::new("main", "quikapp.com").zone_id()).unwrap(),
            json!({"$ref": "aws_route53_zone.main.zone_id"})
        );
    }

    #[test]
    fn a_zone_is_a_dns_name() {
        assert_problem(&problems(Route53Zone::new("z", "quikapp")), "name", "two labels");
        assert_problem(&problems(Route53Zone::new("z", "quik_app.com")), "name", "lowercase letters");
        assert_problem(&problems(Route53Zone::new("z", "*.quikapp.com")), "name", "wildcards");
        assert_problem(&problems(Route53Zone::new("z", "quikapp.com").comment("c".repeat(257))), "comment", "256");
    }
}
