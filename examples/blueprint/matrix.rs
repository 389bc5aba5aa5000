//! The environment matrix: the seed's three tables, read back from the built definitions.
//!
//! Every cell is read from an [`Environment`] as the blueprint built it, not from its row:
//! the summary from the environment's facts and tags, the infrastructure from its resources'
//! attributes (an AKS cluster's `aks-size` tag and user pool, a MySQL server's standby, a
//! bucket's lifecycle rules and encryption, the distribution's WAF and Shield), and the Local
//! row from the `docker-compose.yml` it manages. Environments whose cells are all equal, in
//! order, share one row (`UAT1-3`), as in the seed. [`parse_tables`] reads Markdown tables
//! back, for the test comparing the matrix with the seed cell by cell.
//!
//! A fourth table, [`DOMAINS`], is the blueprint's own (the seed gives the names only): each
//! environment's domain and what it resolves to (an A record of its ingress's public IP, or a
//! CNAME of its Traffic Manager profile and the addresses that profile picks from), and its
//! media domain with the distribution and certificate serving it, read from its records.

use quikinfra::engine::environment::Environment;
use quikinfra::engine::resource::ResourceNode;
use quikinfra::engine::value::Value;

use super::{Access, AksSize, Cdn, DataClass, Database, MediaEncryption, Trigger, compose};

/// One table: its heading, header and rows of cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The heading above it (`Compute & Database`).
    pub heading: String,
    /// The header cells.
    pub header: Vec<String>,
    /// The rows' cells.
    pub rows: Vec<Vec<String>>,
}

/// The heading of the seed's first table.
pub const SUMMARY: &str = "Environment Summary";
/// The heading of the seed's second table.
pub const COMPUTE: &str = "Compute & Database";
/// The heading of the seed's third table.
pub const MEDIA: &str = "AWS Media Infrastructure";
/// The heading of the names table (not in the seed).
pub const DOMAINS: &str = "Domains";

fn of_type<'a>(env: &'a Environment, type_name: &str) -> Vec<&'a ResourceNode> {
    env.resources().iter().filter(|r| r.address.type_name() == type_name).collect()
}

fn attr<'a>(node: &'a ResourceNode, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(node.attrs.get(first)?, |v, key| v.as_map()?.get(key))
}

fn text(node: &ResourceNode, path: &[&str]) -> Option<String> {
    attr(node, path).and_then(Value::as_str).map(str::to_string)
}

fn number(value: Option<&Value>) -> Option<u64> {
    match value {
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    }
}

/// Whether the environment reads the resource from another, or it is its shared store.
fn shared(node: &ResourceNode) -> bool {
    node.is_read_only() || node.address.name() == "shared"
}

/// One cell for several resources: their common value, else each one's joined.
fn one(cells: Vec<String>, none: &str) -> String {
    let mut unique = cells.clone();
    unique.dedup();
    match unique.len() {
        0 => none.to_string(),
        1 => unique.remove(0),
        _ => cells.join(" / "),
    }
}

fn compose_cells(env: &Environment) -> Option<compose::ComposeCells> {
    of_type(env, "local_file")
        .into_iter()
        .find(|f| text(f, &["path"]).is_some_and(|p| p.ends_with("docker-compose.yml")))
        .and_then(|f| text(f, &["content"]))
        .map(|content| compose::read(&content))
}

/// The Environment Summary row of `env`, labelled `label`.
pub fn summary_row(label: &str, env: &Environment) -> Vec<String> {
    let fact = |key: &str| env.get_fact(key).unwrap_or("").to_string();
    let labelled = |key: &str, f: fn(&str) -> Option<&'static str>| {
        let value = fact(key);
        f(&value).map(str::to_string).unwrap_or(value)
    };
    vec![
        format!("**{label}**"),
        env.standard_tags().get("purpose").cloned().unwrap_or_default(),
        labelled("data-class", |t| DataClass::from_tag(t).map(DataClass::label)),
        labelled("deployment", |t| Trigger::from_tag(t).map(Trigger::label)),
        labelled("access", |t| Access::from_tag(t).map(Access::label)),
    ]
}

/// The Compute & Database row of `env`, labelled `label`.
pub fn compute_row(label: &str, env: &Environment) -> Vec<String> {
    if let Some(c) = compose_cells(env) {
        let single = |service: &str| if c.has(service) { "Single" } else { "—" }.to_string();
        return vec![
            label.to_string(),
            "Docker Compose".to_string(),
            c.database.unwrap_or("—").to_string(),
            single("redis"),
            single("kafka"),
            c.replicas.map_or("—".to_string(), |n| n.to_string()),
        ];
    }
    let clusters = of_type(env, "azure_aks_cluster");
    let kubernetes = clusters
        .iter()
        .map(|c| {
            let tag = text(c, &["tags", "aks-size"]).unwrap_or_default();
            AksSize::from_tag(&tag).map_or_else(|| format!("AKS ({tag})"), |s| s.label().to_string())
        })
        .collect();
    let replicas = clusters
        .iter()
        .map(|c| {
            let nodes = |k: &str| number(attr(c, &["user_pool_nodes", k]));
            match (nodes("count"), nodes("min_count"), nodes("max_count")) {
                (Some(n), _, _) => n.to_string(),
                (None, Some(a), Some(b)) => format!("{a}-{b}"),
                _ => "?".to_string(),
            }
        })
        .collect();
    let database = of_type(env, "azure_mysql_flexible_server")
        .iter()
        .map(|m| {
            let kind = if shared(m) {
                Database::SharedMySql
            } else if text(m, &["high_availability"]).as_deref() == Some("ZoneRedundant") {
                Database::MultiAzMySql
            } else {
                Database::DedicatedMySql
            };
            kind.label().to_string()
        })
        .collect();
    let redis = of_type(env, "azure_managed_redis")
        .iter()
        .map(|r| {
            let cluster = text(r, &["clustering_policy"]).as_deref() == Some("OSSCluster")
                && attr(r, &["high_availability"]) == Some(&Value::Bool(true));
            match (shared(r), cluster, text(r, &["sku"]).as_deref()) {
                (true, _, _) => "Shared",
                (false, true, _) => "Cluster",
                (false, false, Some("Balanced_B0")) => "Single",
                (false, false, _) => "Dedicated",
            }
            .to_string()
        })
        .collect();
    let kafka = of_type(env, "azure_eventhub_namespace")
        .iter()
        .map(|k| {
            match (shared(k), text(k, &["tier"]).as_deref()) {
                (true, _) => "Shared",
                (false, Some("Premium")) => "Cluster",
                (false, _) => "Single",
            }
            .to_string()
        })
        .collect();
    vec![
        label.to_string(),
        one(kubernetes, "—"),
        one(database, "—"),
        one(redis, "—"),
        one(kafka, "—"),
        one(replicas, "—"),
    ]
}

/// The seed's short name of a storage class.
fn class_label(class: &str) -> String {
    match class {
        "STANDARD_IA" => "IA".to_string(),
        "GLACIER" => "Glacier".to_string(),
        other => other.to_string(),
    }
}

/// A bucket's whole-bucket lifecycle rule in the seed's spelling.
fn lifecycle_label(bucket: &ResourceNode) -> String {
    let Some(Value::List(rules)) = attr(bucket, &["lifecycle_rules"]) else { return "None".to_string() };
    let Some(rule) =
        rules.iter().filter_map(Value::as_map).find(|r| r.get("id").and_then(Value::as_str) == Some("default"))
    else {
        return "None".to_string();
    };
    let transitions: Vec<(u64, String)> = match rule.get("transitions") {
        Some(Value::List(ts)) => ts
            .iter()
            .filter_map(Value::as_map)
            .map(|t| {
                let class = t.get("storage_class").and_then(Value::as_str).unwrap_or("?");
                (number(t.get("days")).unwrap_or(0), class_label(class))
            })
            .collect(),
        _ => Vec::new(),
    };
    let expire = number(rule.get("expiration_days"));
    match (transitions.as_slice(), expire) {
        ([], Some(days)) => format!("{days} day delete"),
        ([(days, class)], None) => format!("{days} day to {class}"),
        (ts, expire) => {
            let mut parts: Vec<String> = ts.iter().map(|(d, c)| format!("{d}d-{c}")).collect();
            if let Some(days) = expire {
                parts.push(format!("{days}d-delete"));
            }
            parts.join(", ")
        }
    }
}

/// The AWS Media Infrastructure row of `env`, labelled `label`.
pub fn media_row(label: &str, env: &Environment) -> Vec<String> {
    if let Some(c) = compose_cells(env) {
        // The bucket inside the file's LocalStack: the environment's own, served there.
        let bucket = of_type(env, "aws_s3_bucket").into_iter().next().filter(|_| {
            c.has("localstack") && env.provider_endpoints().get("aws").is_some_and(|e| e.url == compose::LOCALSTACK_URL)
        });
        let encryption = bucket.and_then(|b| text(b, &["server_side_encryption", "sse_algorithm"]));
        return vec![
            label.to_string(),
            if bucket.is_some() { "LocalStack S3" } else { "—" }.to_string(),
            Cdn::None.label().to_string(),
            bucket.map_or_else(|| "—".to_string(), lifecycle_label),
            match encryption.as_deref() {
                Some("AES256") => MediaEncryption::Aes256.label(),
                Some(_) => "other",
                None => "—",
            }
            .to_string(),
        ];
    }
    let buckets = of_type(env, "aws_s3_bucket");
    let shields: Vec<String> = of_type(env, "aws_shield_protection")
        .iter()
        .filter_map(|s| match attr(s, &["resource_arn"]) {
            Some(Value::Ref(r)) => Some(r.address.to_string()),
            _ => None,
        })
        .collect();
    let cdn = of_type(env, "aws_cloudfront_distribution")
        .iter()
        .map(|d| {
            let kind = if attr(d, &["enabled"]) == Some(&Value::Bool(false)) {
                Cdn::Disabled
            } else if d.lifecycle.ignore_changes.contains("enabled") {
                Cdn::Optional
            } else if attr(d, &["web_acl_arn"]).is_none() {
                Cdn::Enabled
            } else if shields.contains(&d.address.to_string()) {
                Cdn::EnabledWafShield
            } else {
                Cdn::EnabledWaf
            };
            kind.label().to_string()
        })
        .collect();
    let encryption = buckets
        .iter()
        .map(|b| {
            match text(b, &["server_side_encryption", "sse_algorithm"]).as_deref() {
                Some("aws:kms") => "SSE-KMS",
                Some("AES256") => "SSE-S3",
                _ => "S3 default",
            }
            .to_string()
        })
        .collect();
    vec![
        label.to_string(),
        one(buckets.iter().filter_map(|b| text(b, &["bucket"])).collect(), "—"),
        one(cdn, Cdn::None.label()),
        one(buckets.iter().map(|b| lifecycle_label(b)).collect(), "—"),
        one(encryption, "—"),
    ]
}

/// The name of the resource `value` refers to (its `name` attribute), in backticks, or its address.
fn named<'a>(env: &'a Environment, value: Option<&Value>) -> Option<(String, &'a ResourceNode)> {
    let Some(Value::Ref(r)) = value else { return None };
    let node = env.resource(&r.address)?;
    let name = text(node, &["name"]).map_or_else(|| r.address.to_string(), |n| format!("`{n}`"));
    Some((name, node))
}

/// What a record resolves to, in words.
fn resolution(env: &Environment, record: &ResourceNode) -> String {
    let kind = text(record, &["record_type"]).unwrap_or_else(|| "?".to_string());
    if let Some((_, cdn)) = named(env, attr(record, &["alias", "name"])) {
        let certificate = certificate_of(env, cdn).map(|c| format!(", certificate `{c}`")).unwrap_or_default();
        let tls = [text(cdn, &["ssl_support_method"]), text(cdn, &["minimum_protocol_version"])]
            .into_iter()
            .flatten()
            .map(|t| format!(", {t}"))
            .collect::<String>();
        return format!("alias → CloudFront {}{certificate}{tls}", cdn.address);
    }
    let targets: Vec<String> = match attr(record, &["records"]) {
        Some(Value::List(items)) => items
            .iter()
            .map(|v| match named(env, Some(v)) {
                Some((name, node)) if node.address.type_name() == "azure_public_ip" => format!("public IP {name}"),
                Some((name, node)) if node.address.type_name() == "azure_traffic_manager_profile" => {
                    let endpoints: Vec<String> = match attr(node, &["endpoints"]) {
                        Some(Value::List(es)) => es
                            .iter()
                            .filter_map(Value::as_map)
                            .map(|e| {
                                let track = e.get("name").and_then(Value::as_str).unwrap_or("?");
                                let ip = named(env, e.get("target_resource_id")).map(|(n, _)| n).unwrap_or_default();
                                format!("{track} {ip}")
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    format!("Traffic Manager {name} ({})", endpoints.join(", "))
                }
                Some((name, _)) => name,
                None => v.as_str().map_or("?".to_string(), |s| format!("`{s}`")),
            })
            .collect(),
        _ => Vec::new(),
    };
    format!("{kind} → {}", targets.join(", "))
}

/// The name of the certificate a distribution serves, followed through its validation.
fn certificate_of(env: &Environment, cdn: &ResourceNode) -> Option<String> {
    let mut at = attr(cdn, &["acm_certificate_arn"])?;
    for _ in 0..3 {
        let Value::Ref(r) = at else { return None };
        let node = env.resource(&r.address)?;
        if node.address.type_name() == "aws_acm_certificate" {
            return text(node, &["domain_name"]);
        }
        at = node.attrs.get(&r.attribute)?;
    }
    None
}

/// The Domains row of `env`, labelled `label`.
pub fn domains_row(label: &str, env: &Environment) -> Vec<String> {
    let domain = env.get_fact("domain").unwrap_or("—").to_string();
    if let Some(c) = compose_cells(env) {
        let app = if c.has("app") { "Docker Compose, the `app` container" } else { "Docker Compose" };
        return vec![label.to_string(), format!("`{domain}`"), app.to_string(), "—".to_string(), "—".to_string()];
    }
    let records = of_type(env, "aws_route53_record");
    let entry = records.iter().find(|r| text(r, &["name"]).as_deref() == Some(domain.as_str()));
    let media = records.iter().find(|r| attr(r, &["alias"]).is_some());
    vec![
        label.to_string(),
        format!("`{domain}`"),
        entry.map_or("—".to_string(), |r| resolution(env, r)),
        media.and_then(|r| text(r, &["name"])).map_or("—".to_string(), |n| format!("`{n}`")),
        media.map_or("—".to_string(), |r| resolution(env, r)),
    ]
}

/// Merges consecutive rows whose cells after the first are equal: `UAT1`, `UAT2`, `UAT3`
/// become `UAT1-3`.
fn merge(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let mut out: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((labels, last)) if last[1..] == row[1..] => labels.push(row[0].clone()),
            _ => out.push((vec![row[0].clone()], row)),
        }
    }
    out.into_iter()
        .map(|(labels, mut row)| {
            row[0] = merged_label(&labels);
            row
        })
        .collect()
}

/// `UAT1-3` for `UAT1`, `UAT2`, `UAT3`; the labels joined with `, ` when they do not number.
fn merged_label(labels: &[String]) -> String {
    let split = |l: &str| {
        let digits = l.len() - l.bytes().rev().take_while(u8::is_ascii_digit).count();
        (l[..digits].to_string(), l[digits..].to_string())
    };
    let (first, last) = (&labels[0], &labels[labels.len() - 1]);
    let (prefix, _) = split(first);
    let numbered = labels.iter().all(|l| {
        let (p, n) = split(l);
        p == prefix && !n.is_empty()
    });
    match labels.len() {
        1 => first.clone(),
        _ if numbered => format!("{first}-{}", split(last).1),
        _ => labels.join(", "),
    }
}

/// The seed's three tables for `envs` (label, definition), in order.
pub fn tables(envs: &[(&str, Environment)]) -> Vec<Table> {
    let header = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    vec![
        Table {
            heading: SUMMARY.to_string(),
            header: header(&["Environment", "Purpose", "Data", "Deployment", "Access"]),
            rows: envs.iter().map(|(l, e)| summary_row(l, e)).collect(),
        },
        Table {
            heading: COMPUTE.to_string(),
            header: header(&["Environment", "Kubernetes", "Database", "Redis", "Kafka", "Replicas"]),
            rows: merge(envs.iter().map(|(l, e)| compute_row(l, e)).collect()),
        },
        Table {
            heading: MEDIA.to_string(),
            header: header(&["Environment", "S3 Bucket", "CloudFront", "S3 Lifecycle", "Encryption"]),
            rows: merge(envs.iter().map(|(l, e)| media_row(l, e)).collect()),
        },
        Table {
            heading: DOMAINS.to_string(),
            header: header(&["Environment", "Domain", "Resolves to", "Media domain", "Served by"]),
            rows: envs.iter().map(|(l, e)| domains_row(l, e)).collect(),
        },
    ]
}

/// The tables of the whole estate, built from the blueprint.
pub fn estate_tables() -> Vec<Table> {
    let envs: Vec<(&str, Environment)> = super::ESTATE.iter().map(|r| (r.label, super::build(r))).collect();
    tables(&envs)
}

/// One table as Markdown, in the seed's layout: separator dashes two wider than each header.
pub fn table_markdown(table: &Table) -> String {
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let mut out = line(&table.header);
    let dashes: Vec<String> = table.header.iter().map(|h| "-".repeat(h.chars().count() + 2)).collect();
    out.push_str(&format!("|{}|\n", dashes.join("|")));
    for row in &table.rows {
        out.push_str(&line(row));
    }
    out
}

/// The matrix as Markdown, headed as in the seed.
pub fn markdown(tables: &[Table]) -> String {
    let mut out =
        String::from("# QuikApp environment matrix\n\nGenerated by quikinfra from the environment definitions.\n");
    for t in tables {
        match t.heading.as_str() {
            SUMMARY => out.push_str(&format!("\n## {SUMMARY}\n\n")),
            COMPUTE => out.push_str(&format!("\n## Infrastructure per Environment\n\n### {COMPUTE}\n\n")),
            DOMAINS => out.push_str(&format!(
                "\n## {DOMAINS}\n\nWhat each name resolves to, from the records the environments manage.\n\n"
            )),
            other => out.push_str(&format!("\n### {other}\n\n")),
        }
        out.push_str(&table_markdown(t));
    }
    out
}

/// Every Markdown table of `text`, under the heading nearest above it.
pub fn parse_tables(text: &str) -> Vec<Table> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut lines = text.lines().peekable();
    let cells = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(|c| c.trim().to_string()).collect()
    };
    while let Some(line) = lines.next() {
        if line.starts_with('#') {
            heading = line.trim_start_matches('#').trim().to_string();
            continue;
        }
        if !line.trim_start().starts_with('|') {
            continue;
        }
        let header = cells(line);
        let mut rows = Vec::new();
        while let Some(next) = lines.peek().filter(|l| l.trim_start().starts_with('|')) {
            let row = cells(next);
            if !row.iter().all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':'))) {
                rows.push(row);
            }
            lines.next();
        }
        out.push(Table { heading: heading.clone(), header, rows });
    }
    out
}
