//! Tier policies: rules the blueprint attaches to each environment by its tier, checked by
//! validation before any API call.
//!
//! From the Production tier on (Production, Live): media encrypted with SSE-KMS, CloudFront
//! behind WAF (and Shield where the row asks for it), Multi-AZ MySQL, at least 3 replicas,
//! `prevent_destroy` on every data store the environment manages (its hosted zone included), and
//! HTTPS only with TLS 1.2 or newer (every distribution on a certificate of its own, never
//! serving plain HTTP; the edge probing its endpoints over HTTPS). Below Staging: never marked
//! as holding real data. Each rule names the seed row and cell it comes from, so a violation
//! reads "environment `live` breaks rule `multi-az-mysql` (seed: Compute & Database, Live row,
//! Database "Multi-AZ MySQL"): …".

use quikinfra::engine::environment::Environment;
use quikinfra::engine::policy::{DefinitionView, Rule, Violations};
use quikinfra::engine::resource::ResourceNode;
use quikinfra::engine::value::Value;

use super::{Cdn, DataClass, Row, Tier};

/// The smallest replica count the Production tier allows.
pub const MIN_PRODUCTION_REPLICAS: u64 = 3;

/// The types holding data: what `prevent_destroy` must protect.
pub const DATA_STORE_TYPES: &[&str] = &[
    "azure_mysql_flexible_server",
    "azure_managed_redis",
    "azure_eventhub_namespace",
    "aws_s3_bucket",
    "aws_kms_key",
    "aws_route53_zone",
];

/// The rules for `row`'s tier.
pub fn rules(row: &Row) -> Vec<Rule> {
    let mut rules = Vec::new();
    let label = row.label;
    if row.tier < Tier::PreProduction {
        rules.push(no_real_data(format!(
            "seed: Environment Summary, {label} row, Data \"{}\"; real data starts at Production",
            row.data.label()
        )));
    }
    if row.tier == Tier::Production {
        let media = |cell: &str| format!("seed: AWS Media Infrastructure, {label} row, {cell}");
        let compute = |cell: &str| format!("seed: Compute & Database, {label} row, {cell}");
        rules.push(sse_kms(media(&format!("Encryption \"{}\"", row.encryption.label()))));
        rules.push(waf(media(&format!("CloudFront \"{}\"", row.cdn.label()))));
        if row.cdn == Cdn::EnabledWafShield {
            rules.push(shield(media(&format!("CloudFront \"{}\"", row.cdn.label()))));
        }
        rules.push(multi_az(compute(&format!("Database \"{}\"", row.database.label()))));
        let replicas = if row.replicas.is_autoscaled() {
            format!("{}-{}", row.replicas.min(), row.replicas.max())
        } else {
            row.replicas.min().to_string()
        };
        rules.push(min_replicas(compute(&format!("Replicas \"{replicas}\""))));
        rules.push(protected_data_stores(format!(
            "seed: Environment Summary, {label} row, Data \"{}\"",
            row.data.label()
        )));
        rules.push(https_tls12(format!(
            "seed: Environment Summary, {label} row, Access \"{}\"; {label} is reached at {}",
            row.access.label(),
            row.domain
        )));
    }
    rules
}

/// Attaches `row`'s rules to `env`.
pub fn attach(env: &mut Environment, row: &Row) {
    for rule in rules(row) {
        env.rule(rule);
    }
}

fn of_type<'a>(env: &DefinitionView<'a>, type_name: &'a str) -> impl Iterator<Item = &'a ResourceNode> + 'a {
    env.resources().iter().filter(move |r| r.address.type_name() == type_name)
}

fn text<'a>(node: &'a ResourceNode, path: &[&str]) -> Option<&'a str> {
    attr(node, path).and_then(Value::as_str)
}

fn attr<'a>(node: &'a ResourceNode, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(node.attrs.get(first)?, |v, key| v.as_map()?.get(key))
}

/// Below Staging: the `data-class` fact is never `real-data`.
pub fn no_real_data(source: String) -> Rule {
    Rule::new("no-real-data-below-staging", source, |env, v| {
        if env.fact("data-class") == Some(DataClass::RealData.tag()) {
            v.environment("is marked as holding real data, which only the Production tier may");
        }
    })
}

/// Every media bucket, owned or read, encrypts with SSE-KMS.
pub fn sse_kms(source: String) -> Rule {
    Rule::new("sse-kms", source, |env, v| {
        for b in of_type(env, "aws_s3_bucket") {
            match text(b, &["server_side_encryption", "sse_algorithm"]) {
                Some("aws:kms") => {}
                Some(other) => {
                    v.field(&b.address, "server_side_encryption", format!("must be SSE-KMS (`aws:kms`), is `{other}`"))
                }
                None => v.field(&b.address, "server_side_encryption", "must be SSE-KMS (`aws:kms`), is not set"),
            }
        }
    })
}

/// A CloudFront distribution exists and every one is behind a WAF web ACL.
pub fn waf(source: String) -> Rule {
    Rule::new("waf-on-cloudfront", source, |env, v| {
        let mut any = false;
        for d in of_type(env, "aws_cloudfront_distribution") {
            any = true;
            if attr(d, &["web_acl_arn"]).is_none() {
                v.field(&d.address, "web_acl_arn", "must be set: media is served behind a WAF web ACL");
            }
        }
        if !any {
            v.environment("has no CloudFront distribution to put behind a WAF web ACL");
        }
    })
}

/// Every CloudFront distribution is protected by Shield Advanced.
pub fn shield(source: String) -> Rule {
    Rule::new("shield-on-cloudfront", source, |env, v| {
        let protected: Vec<String> = of_type(env, "aws_shield_protection")
            .filter_map(|s| match attr(s, &["resource_arn"]) {
                Some(Value::Ref(r)) => Some(r.address.to_string()),
                _ => None,
            })
            .collect();
        for d in of_type(env, "aws_cloudfront_distribution") {
            if !protected.contains(&d.address.to_string()) {
                v.resource(&d.address, "must be protected by an aws_shield_protection");
            }
        }
    })
}

/// A MySQL server exists and every one has a zone-redundant standby.
pub fn multi_az(source: String) -> Rule {
    Rule::new("multi-az-mysql", source, |env, v| {
        let mut any = false;
        for m in of_type(env, "azure_mysql_flexible_server") {
            any = true;
            match text(m, &["high_availability"]) {
                Some("ZoneRedundant") => {}
                other => v.field(
                    &m.address,
                    "high_availability",
                    format!("must be ZoneRedundant (Multi-AZ), is {}", other.unwrap_or("not set")),
                ),
            }
        }
        if !any {
            v.environment("has no MySQL server");
        }
    })
}

/// Every AKS user pool keeps at least [`MIN_PRODUCTION_REPLICAS`] nodes.
pub fn min_replicas(source: String) -> Rule {
    Rule::new("min-3-replicas", source, |env, v| {
        for c in of_type(env, "azure_aks_cluster") {
            let nodes = attr(c, &["user_pool_nodes"]).and_then(Value::as_map);
            let min = nodes
                .and_then(|n| n.get("count").or_else(|| n.get("min_count")))
                .and_then(|n| match n {
                    Value::Number(n) => n.as_u64(),
                    _ => None,
                })
                .unwrap_or(0);
            if min < MIN_PRODUCTION_REPLICAS {
                v.field(
                    &c.address,
                    "user_pool_nodes",
                    format!("must keep at least {MIN_PRODUCTION_REPLICAS} nodes, keeps {min}"),
                );
            }
        }
    })
}

/// Every data store the environment manages (not those it reads) has `prevent_destroy`.
pub fn protected_data_stores(source: String) -> Rule {
    Rule::new("prevent-destroy-data-stores", source, |env, v: &mut Violations<'_>| {
        for r in env.resources() {
            if DATA_STORE_TYPES.contains(&r.address.type_name()) && !r.is_read_only() && !r.lifecycle.prevent_destroy {
                v.resource(&r.address, "holds data and must have lifecycle.prevent_destroy");
            }
        }
    })
}

/// HTTPS only, with TLS 1.2 or newer: every distribution serves a certificate of its own with a
/// `TLSv1.2_*` minimum and never plain HTTP (`redirect-to-https` or `https-only`), and the edge
/// probes its endpoints over HTTPS.
///
/// Decision: a redirect of plain HTTP to HTTPS counts as serving HTTPS only (nothing but the
/// redirect is ever sent in clear, and links typed without `https://` keep working);
/// `allow-all` does not.
pub fn https_tls12(source: String) -> Rule {
    Rule::new("https-tls12", source, |env, v| {
        for d in of_type(env, "aws_cloudfront_distribution") {
            if text(d, &["default_cache_behavior", "viewer_protocol_policy"]) == Some("allow-all") {
                v.field(
                    &d.address,
                    "default_cache_behavior.viewer_protocol_policy",
                    "must be `redirect-to-https` or `https-only`: media is never served over plain HTTP",
                );
            }
            if attr(d, &["acm_certificate_arn"]).is_none() {
                v.field(
                    &d.address,
                    "acm_certificate_arn",
                    "must be set: cloudfront's default certificate still accepts TLS 1.0",
                );
            }
            match text(d, &["minimum_protocol_version"]) {
                Some(tls) if quikinfra::aws::MinimumProtocolVersion::is_tls12_or_newer(tls) => {}
                other => v.field(
                    &d.address,
                    "minimum_protocol_version",
                    format!("must be TLS 1.2 or newer (`TLSv1.2_2021`), is {}", other.unwrap_or("not set")),
                ),
            }
        }
        for p in of_type(env, "azure_traffic_manager_profile") {
            if text(p, &["monitor", "protocol"]) != Some("HTTPS") {
                v.field(
                    &p.address,
                    "monitor.protocol",
                    "must be HTTPS: the edge only sends traffic to endpoints serving HTTPS",
                );
            }
        }
    })
}
