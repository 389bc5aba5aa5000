//! `aws_route53_record`: one record set of a Route 53 hosted zone: A, AAAA, CNAME or TXT
//! values, or an alias to a CloudFront distribution.
//!
//! A record is identified in its zone by its name and type (the provider id is
//! `<zone id>_<name>_<type>`, as Terraform writes it), so both are fixed once created; values,
//! TTL and alias target change in place. Writes go through Route 53 change batches (`CREATE`,
//! `UPSERT`, `DELETE`) and the provider waits until each change is `INSYNC` on Route 53's
//! name servers.
//!
//! Checked before any call, against the rest of the definition: the name lies in its zone
//! (the `aws_route53_zone` its `zone_id` refers to), no CNAME stands at the zone's apex, no two
//! records of a zone share a name and type and a CNAME shares its name with nothing, an alias
//! record names one of its distribution's aliases, and a certificate's validation record goes
//! to a zone holding the certificate's name.

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::{AttrValue, Related};
use quikinfra_core::value::{Computed, Val, Value};
use serde::Serialize;

use crate::check;
use crate::{AcmCertificate, Route53Zone};

/// The hosted zone id of every CloudFront distribution, what an alias to one names.
pub const CLOUDFRONT_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// The default TTL of records with values, in seconds.
pub const DEFAULT_TTL: u32 = 300;

/// One record set.
///
/// ```ignore
/// let entry = Route53Record::a("entry", &zone, "staging.quikapp.com", [ip.ip_address()]);
/// let edge = Route53Record::cname("entry", &zone, "live.quikapp.com", profile.fqdn());
/// let media = Route53Record::alias("media", &zone, "media.live.quikapp.com", AliasTarget::cloudfront(cdn.domain_name()));
/// let proof = Route53Record::validation("media_validation", &zone, &certificate);
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(
    type = "aws_route53_record",
    provider = "aws",
    refs(fqdn),
    validate = Self::check,
    related = Self::check_related
)]
pub struct Route53Record {
    #[serde(skip)]
    meta: Meta,
    /// The record's fully qualified name, without the trailing dot, once it exists.
    #[serde(skip)]
    #[resource(computed)]
    fqdn: Computed<String>,
    #[resource(force_new = "a record cannot move to another hosted zone")]
    zone_id: Val<String>,
    #[resource(force_new = "a record's name and type are its identity in its zone")]
    name: Val<String>,
    #[resource(force_new = "a record's name and type are its identity in its zone")]
    record_type: RecordType,
    /// Sets how long resolvers cache the record, in seconds (records with values only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter)]
    ttl: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    records: Vec<Val<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<AliasTarget>,
}

/// The record types modelled, in Route 53's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum RecordType {
    /// IPv4 addresses (or an alias answering with them).
    A,
    /// IPv6 addresses (or an alias answering with them).
    #[allow(clippy::upper_case_acronyms)]
    AAAA,
    /// Another name: the only value of its name.
    #[allow(clippy::upper_case_acronyms)]
    CNAME,
    /// Text values (quoted by the provider, as Route 53 wants them).
    #[allow(clippy::upper_case_acronyms)]
    TXT,
}

impl RecordType {
    /// Route 53's spelling: `CNAME`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::AAAA => "AAAA",
            RecordType::CNAME => "CNAME",
            RecordType::TXT => "TXT",
        }
    }
}

/// Where an alias record points: an AWS resource's DNS name in its own hosted zone.
#[derive(Clone, Debug, Serialize, AttrValue)]
pub struct AliasTarget {
    name: Val<String>,
    zone_id: String,
    evaluate_target_health: bool,
}

impl AliasTarget {
    /// A CloudFront distribution, by its domain name (`cdn.domain_name()`), in CloudFront's
    /// hosted zone [`CLOUDFRONT_ZONE_ID`].
    pub fn cloudfront(domain_name: impl Into<Val<String>>) -> Self {
        Self { name: domain_name.into(), zone_id: CLOUDFRONT_ZONE_ID.to_string(), evaluate_target_health: false }
    }
}

impl Route53Record {
    fn with(local: &str, zone: &Route53Zone, name: Val<String>, record_type: RecordType) -> Self {
        let name = match name {
            Val::Known(n) => Val::Known(check::dns_normal(&n)),
            r => r,
        };
        Self {
            meta: Meta::named(local),
            fqdn: Computed::new(),
            zone_id: zone.zone_id().into(),
            name,
            record_type,
            ttl: Some(DEFAULT_TTL),
            records: Vec::new(),
            alias: None,
        }
    }

    /// An A record: `name` answers with the IPv4 `addresses` (`ip.ip_address()`).
    pub fn a<V: Into<Val<String>>>(
        local: &str,
        zone: &Route53Zone,
        name: impl Into<String>,
        addresses: impl IntoIterator<Item = V>,
    ) -> Self {
        let mut record = Self::with(local, zone, Val::Known(name.into()), RecordType::A);
        record.records = addresses.into_iter().map(Into::into).collect();
        record
    }

    /// An AAAA record: `name` answers with the IPv6 `addresses`.
    pub fn aaaa<V: Into<Val<String>>>(
        local: &str,
        zone: &Route53Zone,
        name: impl Into<String>,
        addresses: impl IntoIterator<Item = V>,
    ) -> Self {
        let mut record = Self::with(local, zone, Val::Known(name.into()), RecordType::AAAA);
        record.records = addresses.into_iter().map(Into::into).collect();
        record
    }

    /// A CNAME record: `name` is another name for `target` (`profile.fqdn()`).
    pub fn cname(local: &str, zone: &Route53Zone, name: impl Into<String>, target: impl Into<Val<String>>) -> Self {
        let mut record = Self::with(local, zone, Val::Known(name.into()), RecordType::CNAME);
        record.records = vec![target.into()];
        record
    }

    /// A TXT record holding `texts`, each one string (the provider quotes them).
    pub fn txt<S: Into<String>>(
        local: &str,
        zone: &Route53Zone,
        name: impl Into<String>,
        texts: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut record = Self::with(local, zone, Val::Known(name.into()), RecordType::TXT);
        record.records = texts.into_iter().map(|t| Val::Known(t.into())).collect();
        record
    }

    /// An alias A record: `name` answers with the addresses of `target`, resolved by Route 53
    /// (no TTL of its own; an alias may stand at the zone apex).
    pub fn alias(local: &str, zone: &Route53Zone, name: impl Into<String>, target: AliasTarget) -> Self {
        let mut record = Self::with(local, zone, Val::Known(name.into()), RecordType::A);
        record.ttl = None;
        record.alias = Some(target);
        record
    }

    /// The DNS validation record of `certificate`, taken from the certificate's own
    /// `DomainValidationOptions` once it is requested: the CNAME ACM checks before issuing it.
    pub fn validation(local: &str, zone: &Route53Zone, certificate: &AcmCertificate) -> Self {
        let mut record = Self::with(local, zone, certificate.validation_record_name().into(), RecordType::CNAME);
        record.records = vec![certificate.validation_record_value().into()];
        record
    }

    /// The record's name when the definition knows it.
    pub fn known_name(&self) -> Option<&str> {
        match &self.name {
            Val::Known(n) => Some(n),
            Val::Ref(_) => None,
        }
    }
}

impl Route53Record {
    fn check(&self, p: &mut FieldProblems<'_>) {
        if let Val::Known(name) = &self.name {
            for message in check::dns_name_problems(name, true) {
                p.field("name", format!("`{name}` {message}"));
            }
        }
        match (&self.alias, self.records.is_empty()) {
            (Some(_), false) => p.field("records", "an alias record has no values of its own"),
            (None, true) => p.field("records", "a record needs at least one value, or an alias target"),
            _ => {}
        }
        if self.alias.is_some() {
            if self.ttl.is_some() {
                p.field("ttl", "an alias record has no ttl: route 53 uses its target's");
            }
            if !matches!(self.record_type, RecordType::A | RecordType::AAAA) {
                p.field("record_type", "an alias to a cloudfront distribution is an A or AAAA record");
            }
        }
        if let Some(ttl) = self.ttl
            && ttl > 2_147_483_647
        {
            p.field("ttl", format!("must be at most 2147483647 seconds, got {ttl}"));
        }
        if self.record_type == RecordType::CNAME && self.records.len() > 1 {
            p.field("records", format!("a CNAME holds exactly one name, got {}", self.records.len()));
        }
        for (i, value) in self.records.iter().enumerate() {
            let Val::Known(value) = value else { continue };
            let field = format!("records[{i}]");
            match self.record_type {
                RecordType::A if value.parse::<std::net::Ipv4Addr>().is_err() => {
                    p.field(&field, format!("`{value}` is not an IPv4 address"))
                }
                RecordType::AAAA if value.parse::<std::net::Ipv6Addr>().is_err() => {
                    p.field(&field, format!("`{value}` is not an IPv6 address"))
                }
                RecordType::CNAME => {
                    for message in check::dns_name_problems(&check::dns_normal(value), false) {
                        p.field(&field, format!("`{value}` {message}"));
                    }
                }
                RecordType::TXT if value.len() > 255 => {
                    p.field(&field, format!("a TXT string is at most 255 characters long, got {}", value.len()))
                }
                _ => {}
            }
        }
    }

    /// The checks against the zone, the other records, the distribution and the certificate.
    fn check_related(r: &Related<'_>, p: &mut FieldProblems<'_>) {
        let Some(zone_ref) = r.attrs.get("zone_id") else { return };
        let zone = r.follow(zone_ref, Route53Zone::TYPE, 2);
        let zone_name = zone.as_ref().and_then(|z| z.attrs.get("name")).and_then(Value::as_str);
        let record_type = r.attrs.get("record_type").and_then(Value::as_str).unwrap_or_default();
        let name = r.attrs.get("name").and_then(Value::as_str);
        if let (Some(zone_name), Some(name)) = (zone_name, name) {
            let zone_address = zone.as_ref().map(|z| z.address.to_string()).unwrap_or_default();
            if !check::in_zone(name, zone_name) {
                p.field("name", format!("`{name}` is outside its zone `{zone_name}` ({zone_address})"));
            } else if name == zone_name && record_type == "CNAME" {
                p.field(
                    "record_type",
                    format!(
                        "a CNAME cannot stand at the apex of `{zone_name}` (it holds the zone's SOA and NS records): use an alias record"
                    ),
                );
            }
        }
        // A validation record: its zone must hold the certificate's name.
        if let (Some(zone_name), Some(value)) = (zone_name, r.attrs.get("name"))
            && let Some(cert) = r.follow(value, AcmCertificate::TYPE, 1)
            && let Some(domain) = cert.attrs.get("domain_name").and_then(Value::as_str)
        {
            let base = domain.strip_prefix("*.").unwrap_or(domain);
            if !check::in_zone(base, zone_name) {
                p.field(
                    "name",
                    format!(
                        "the validation record of {} (`{domain}`) cannot go in zone `{zone_name}`: acm looks it up under `{base}`",
                        cert.address
                    ),
                );
            }
        }
        // Duplicates: the same name and type in the same zone, or a CNAME beside anything.
        if let Some(name) = name {
            for (address, schema, attrs) in r.definition.each() {
                if address == r.address {
                    // Only records declared before this one are reported, once.
                    break;
                }
                if schema.type_name != Self::TYPE
                    || attrs.get("zone_id") != Some(zone_ref)
                    || attrs.get("name").and_then(Value::as_str) != Some(name)
                {
                    continue;
                }
                let other = attrs.get("record_type").and_then(Value::as_str).unwrap_or_default();
                if other == record_type {
                    p.field("name", format!("`{name}` {record_type} is also declared by {address}"));
                } else if other == "CNAME" || record_type == "CNAME" {
                    p.field(
                        "name",
                        format!(
                            "`{name}` has a CNAME ({address} or this one) and another record: a CNAME stands alone"
                        ),
                    );
                }
            }
        }
        // An alias to a distribution serves only if the distribution answers for the name.
        if let (Some(name), Some(Value::Map(alias))) = (name, r.attrs.get("alias"))
            && let Some(target) = alias.get("name")
            && let Some(cdn) = r.follow(target, crate::CloudFrontDistribution::TYPE, 1)
        {
            let aliases: Vec<&str> = match cdn.attrs.get("aliases") {
                Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !aliases.contains(&name) {
                p.field(
                    "alias.name",
                    format!(
                        "{} does not answer for `{name}`: add it to the distribution's aliases (it has {})",
                        cdn.address,
                        if aliases.is_empty() { "none".to_string() } else { aliases.join(", ") }
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quikinfra_core::environment::Environment;
    use quikinfra_core::resource::ResourceExt;
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};
    use crate::{AcmCertificate, CloudFrontDistribution, S3Bucket};

    fn zone() -> Route53Zone {
        Route53Zone::new("main", "quikapp.com")
    }

    /// Every problem validation finds, as `address field: message` lines.
    fn validation(env: &Environment) -> Vec<String> {
        match quikinfra_core::validate::validate(env) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn records_serialize_to_their_attributes() {
        let a = Route53Record::a("entry", &zone(), "Staging.QuikApp.com", ["203.0.113.7"]);
        assert_eq!(
            attrs(&a),
            json!({
                "zone_id": {"$ref": "aws_route53_zone.main.zone_id"},
                "name": "staging.quikapp.com",
                "record_type": "A",
                "ttl": 300,
                "records": ["203.0.113.7"]
            })
        );
        assert!(problems(a).is_empty());
        let cdn = CloudFrontDistribution::new("media", "b.s3.amazonaws.com");
        let alias =
            Route53Record::alias("media", &zone(), "media.quikapp.com", AliasTarget::cloudfront(cdn.domain_name()));
        assert_eq!(
            attrs(&alias)["alias"],
            json!({"name": {"$ref": "aws_cloudfront_distribution.media.domain_name"}, "zone_id": CLOUDFRONT_ZONE_ID, "evaluate_target_health": false})
        );
        assert!(attrs(&alias).get("ttl").is_none());
        let cert = AcmCertificate::new("media", "media.quikapp.com");
        let proof = Route53Record::validation("media_validation", &zone(), &cert);
        assert_eq!(attrs(&proof)["name"], json!({"$ref": "aws_acm_certificate.media.validation_record_name"}));
        assert_eq!(attrs(&proof)["records"], json!([{"$ref": "aws_acm_certificate.media.validation_record_value"}]));
    }

    #[test]
    fn values_follow_their_type() {
        let found = problems(Route53Record::a("x", &zone(), "a.quikapp.com", ["10.0.0.300"]));
        assert_problem(&found, "records[0]", "not an IPv4 address");
        let found = problems(Route53Record::aaaa("x", &zone(), "a.quikapp.com", ["10.0.0.1"]));
        assert_problem(&found, "records[0]", "not an IPv6 address");
        let found = problems(Route53Record::cname("x", &zone(), "a.quikapp.com", "not a name"));
        assert_problem(&found, "records[0]", "lowercase letters");
        let found = problems(Route53Record::txt("x", &zone(), "a.quikapp.com", ["t".repeat(256)]));
        assert_problem(&found, "records[0]", "255");
        let found = problems(Route53Record::a("x", &zone(), "a.quikapp.com", Vec::<String>::new()));
        assert_problem(&found, "records", "at least one value");
        let found = problems(Route53Record::a("x", &zone(), "a..quikapp.com", ["10.0.0.1"]));
        assert_problem(&found, "name", "empty labels");
    }

    #[test]
    fn records_are_checked_against_their_zone_and_each_other_before_any_call() {
        let zone = zone();
        let bucket = S3Bucket::new("media", "quikapp-media-staging");
        let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name())
            .alias("media.staging.quikapp.com")
            .certificate("arn:aws:acm:us-east-1:123456789012:certificate/abc");
        let mut env = Environment::new("staging");
        env.add(zone.clone());
        env.add(bucket);
        env.add(cdn.clone());
        env.add(Route53Record::a("outside", &zone, "staging.quikapp.org", ["203.0.113.7"]));
        env.add(Route53Record::cname("apex", &zone, "quikapp.com", "tm-quikapp.trafficmanager.net"));
        env.add(Route53Record::a("first", &zone, "api.quikapp.com", ["203.0.113.7"]));
        env.add(Route53Record::a("second", &zone, "api.quikapp.com", ["203.0.113.8"]));
        env.add(Route53Record::cname("beside", &zone, "api.quikapp.com", "elsewhere.quikapp.com"));
        env.add(Route53Record::alias(
            "media",
            &zone,
            "cdn.staging.quikapp.com",
            AliasTarget::cloudfront(cdn.domain_name()),
        ));
        let found = validation(&env);
        for expected in [
            "aws_route53_record.outside: field `name`: `staging.quikapp.org` is outside its zone `quikapp.com` (aws_route53_zone.main)",
            "aws_route53_record.apex: field `record_type`: a CNAME cannot stand at the apex of `quikapp.com`",
            "aws_route53_record.second: field `name`: `api.quikapp.com` A is also declared by aws_route53_record.first",
            "aws_route53_record.beside: field `name`: `api.quikapp.com` has a CNAME (aws_route53_record.first or this one) and another record",
            "aws_route53_record.media: field `alias.name`: aws_cloudfront_distribution.media does not answer for `cdn.staging.quikapp.com`",
        ] {
            assert!(found.iter().any(|f| f.starts_with(expected)), "missing {expected:?} in {found:#?}");
        }
        assert!(!found.iter().any(|f| f.starts_with("aws_route53_record.first")), "{found:#?}");
    }

    #[test]
    fn a_validation_record_goes_where_acm_looks_for_it() {
        let zone = zone();
        let cert = AcmCertificate::new("media", "media.quikapp.org");
        let env = Environment::new("qa")
            .with(zone.clone())
            .with(cert.clone())
            .with(Route53Record::validation("proof", &zone, &cert));
        let found = validation(&env);
        assert!(
            found.iter().any(|f| f.starts_with(
                "aws_route53_record.proof: field `name`: the validation record of aws_acm_certificate.media (`media.quikapp.org`) cannot go in zone `quikapp.com`"
            )),
            "{found:#?}"
        );
        let fine = AcmCertificate::new("media", "*.qa.quikapp.com");
        let env = Environment::new("qa")
            .with(zone.clone())
            .with(fine.clone())
            .with(Route53Record::validation("proof", &zone, &fine).depends_on(&zone));
        assert!(validation(&env).is_empty(), "{:#?}", validation(&env));
    }
}
