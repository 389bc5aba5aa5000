//! Comparing two environments' definitions resource by resource, before either is planned:
//! what promoting a release from one environment to the next meets on the way.
//!
//! [`compare`] matches resources by address and flattens every attribute to a path
//! (`user_pool_nodes.min_count`, `lifecycle_rules[0].transitions[1].days`), so a difference
//! deep inside a nested value is named where it is. The standard tags (environment, tier,
//! data class…) differ between any two environments; they are compared once, as the
//! environments' facts, and left out of each resource's tags. Ownership (managed here or read
//! from another environment) and lifecycle options are compared too. Nothing is called: this
//! is a function of the two definitions, and its output is deterministic.
//!
//! [`compare_deployed`] compares what is deployed instead: both environments' states, attribute
//! by attribute, with what is environment-specific normalised away (each side's name, domain
//! and the domain's first label become `{env}` / `{domain}`, standard tags are left out, and
//! attributes the cloud computes — ids, ARNs, endpoints — are not compared), so what remains
//! is what promoting would change.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::addr::Address;
use crate::environment::Environment;
use crate::resource::ResourceNode;
use crate::value::{Attrs, Value};

/// One difference at a path: a fact, an attribute leaf, a lifecycle option.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// Where: a fact or tag name, or an attribute path.
    pub path: String,
    /// The value on the `from` side (absent: not set there).
    pub from: Option<Value>,
    /// The value on the `to` side (absent: not set there).
    pub to: Option<Value>,
}

/// Which sides declare a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Both environments declare it.
    Both,
    /// Only the `from` environment does.
    OnlyFrom,
    /// Only the `to` environment does.
    OnlyTo,
}

/// How one resource compares.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceComparison {
    /// The resource.
    pub address: Address,
    /// Which sides declare it.
    pub presence: Presence,
    /// The environment owning it on each side (`None`: managed by that environment itself).
    pub owners: (Option<String>, Option<String>),
    /// What differs, when both declare it: attribute leaves, then lifecycle options.
    pub differences: Vec<Difference>,
}

impl ResourceComparison {
    /// Whether both sides declare it the same way.
    pub fn is_identical(&self) -> bool {
        self.presence == Presence::Both && self.owners.0 == self.owners.1 && self.differences.is_empty()
    }
}

/// How two environments' definitions compare.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The environment compared from.
    pub from: String,
    /// The environment compared to.
    pub to: String,
    /// Differences of the standard tags (environment name and facts) and extra tags.
    pub facts: Vec<Difference>,
    /// Every resource of either side, ordered by address.
    pub resources: Vec<ResourceComparison>,
    /// Whether it compares what is deployed (states) rather than definitions.
    pub deployed: bool,
}

/// Compares the definitions of `from` and `to`.
pub fn compare(from: &Environment, to: &Environment) -> Comparison {
    let tags =
        |env: &Environment| -> Attrs { env.standard_tags().into_iter().map(|(k, v)| (k, Value::String(v))).collect() };
    let facts = diff_maps("", &tags(from), &tags(to));
    let (left, right) = (by_address(from), by_address(to));
    let mut addresses: Vec<&Address> = left.keys().chain(right.keys()).collect();
    addresses.sort();
    addresses.dedup();
    let resources = addresses
        .into_iter()
        .map(|address| {
            let (l, r) = (left.get(address), right.get(address));
            let presence = match (l, r) {
                (Some(_), Some(_)) => Presence::Both,
                (Some(_), None) => Presence::OnlyFrom,
                _ => Presence::OnlyTo,
            };
            let differences = match (l, r) {
                (Some(l), Some(r)) => node_differences(from, l, to, r),
                _ => Vec::new(),
            };
            ResourceComparison {
                address: address.clone(),
                presence,
                owners: (l.and_then(|n| n.owner.clone()), r.and_then(|n| n.owner.clone())),
                differences,
            }
        })
        .collect();
    Comparison { from: from.name().to_string(), to: to.name().to_string(), facts, resources, deployed: false }
}

/// Compares what is deployed: `from_state` (of the `from` definition) with `to_state`.
/// Resources only one state tracks show as present on one side; a side with no state tracks
/// nothing.
pub fn compare_deployed(
    from: &Environment,
    from_state: Option<&crate::state::State>,
    to: &Environment,
    to_state: Option<&crate::state::State>,
) -> Comparison {
    let empty = BTreeMap::new();
    let left = from_state.map_or(&empty, |s| &s.resources);
    let right = to_state.map_or(&empty, |s| &s.resources);
    let mut addresses: Vec<&Address> = left.keys().chain(right.keys()).collect();
    addresses.sort();
    addresses.dedup();
    let schemas = {
        let mut m = from.schemas();
        m.extend(to.schemas());
        m
    };
    let resources = addresses
        .into_iter()
        .map(|address| {
            let (l, r) = (left.get(address), right.get(address));
            let presence = match (l, r) {
                (Some(_), Some(_)) => Presence::Both,
                (Some(_), None) => Presence::OnlyFrom,
                _ => Presence::OnlyTo,
            };
            let attrs = |env: &Environment, rs: &crate::state::ResourceState| {
                normalised_attrs(env, schemas.get(address.type_name()).copied(), &rs.attributes)
            };
            let differences = match (l, r) {
                (Some(l), Some(r)) => diff_maps("", &attrs(from, l), &attrs(to, r)),
                _ => Vec::new(),
            };
            let owner = |env: &Environment| env.resource(address).and_then(|n| n.owner.clone());
            ResourceComparison { address: address.clone(), presence, owners: (owner(from), owner(to)), differences }
        })
        .collect();
    Comparison {
        from: from.name().to_string(),
        to: to.name().to_string(),
        facts: Vec::new(),
        resources,
        deployed: true,
    }
}

/// A state's attributes without what the cloud computes, without the standard tags, and with
/// the environment's name and domain replaced by placeholders.
fn normalised_attrs(env: &Environment, schema: Option<&crate::schema::Schema>, attrs: &Attrs) -> Attrs {
    let standard = env.standard_tags();
    let mut tokens: Vec<(String, &str)> = Vec::new();
    if let Some(domain) = env.get_fact("domain") {
        tokens.push((domain.to_string(), "{domain}"));
        if let Some(first) = domain.split('.').next().filter(|f| f.len() > 2) {
            tokens.push((first.to_string(), "{env}"));
        }
    }
    tokens.push((env.name().to_string(), "{env}"));
    tokens.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
    let normalise = |text: &str| tokens.iter().fold(text.to_string(), |acc, (t, with)| acc.replace(t.as_str(), with));
    fn walk(value: &Value, normalise: &dyn Fn(&str) -> String) -> Value {
        match value {
            Value::String(s) => Value::String(normalise(s)),
            Value::List(items) => Value::List(items.iter().map(|v| walk(v, normalise)).collect()),
            Value::Map(map) => Value::Map(map.iter().map(|(k, v)| (*k, walk(v, normalise))).collect()),
            other => other.clone(),
        }
    }
    let computed =
        |name: &str| schema.and_then(|s| s.attr(name)).is_some_and(|a| a.mode == crate::schema::AttrMode::Computed);
    let mut out = Attrs::new();
    for (name, value) in attrs.iter().filter(|(name, _)| !computed(name)) {
        let mut value = value.clone();
        if name == "tags"
            && let Value::Map(tags) = &mut value
        {
            tags.retain(|k, v| standard.get(k.as_str()).is_none_or(|s| v.as_str() != Some(s.as_str())));
            if tags.is_empty() {
                continue;
            }
        }
        out.insert(*name, walk(&value, &normalise));
    }
    out
}

fn by_address(env: &Environment) -> BTreeMap<Address, &ResourceNode> {
    env.resources().iter().map(|n| (n.address.clone(), n)).collect()
}

/// A node's attributes with the environment's standard tags taken out of its `tags`.
fn own_attrs(env: &Environment, node: &ResourceNode) -> Attrs {
    let standard = env.standard_tags();
    let mut attrs = node.attrs.clone();
    if let Some(Value::Map(tags)) = attrs.get_mut("tags") {
        tags.retain(|k, v| standard.get(k.as_str()).is_none_or(|s| v.as_str() != Some(s.as_str())));
        if tags.is_empty() {
            attrs.remove("tags");
        }
    }
    attrs
}

fn node_differences(from: &Environment, l: &ResourceNode, to: &Environment, r: &ResourceNode) -> Vec<Difference> {
    let (la, ra) = (own_attrs(from, l), own_attrs(to, r));
    let mut out = diff_maps("", &la, &ra);
    let lifecycle = |n: &ResourceNode| -> Attrs {
        let ignored = n.lifecycle.ignore_changes.iter().map(|s| Value::String(s.clone())).collect();
        Attrs::from([
            ("prevent_destroy", Value::Bool(n.lifecycle.prevent_destroy)),
            ("create_before_destroy", Value::Bool(n.lifecycle.create_before_destroy)),
            ("ignore_changes", Value::List(ignored)),
        ])
    };
    out.extend(diff_maps("lifecycle.", &lifecycle(l), &lifecycle(r)));
    out
}

/// Flattens `value` into leaves keyed by path; empty maps and lists are leaves themselves.
fn flatten(path: String, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Map(map) if !map.is_empty() => {
            for (k, v) in map {
                flatten(format!("{path}.{k}"), v, out);
            }
        }
        Value::List(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(format!("{path}[{i}]"), v, out);
            }
        }
        other => {
            out.insert(path, other.clone());
        }
    }
}

fn diff_maps(prefix: &str, left: &Attrs, right: &Attrs) -> Vec<Difference> {
    let leaves = |map: &Attrs| {
        let mut out = BTreeMap::new();
        for (k, v) in map {
            flatten(format!("{prefix}{k}"), v, &mut out);
        }
        out
    };
    let (l, r) = (leaves(left), leaves(right));
    let mut paths: Vec<&String> = l.keys().chain(r.keys()).collect();
    paths.sort_by_key(|p| path_key(p));
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| l.get(*p) != r.get(*p))
        .map(|p| Difference { path: p.clone(), from: l.get(p).cloned(), to: r.get(p).cloned() })
        .collect()
}

/// A sort key for a path: list indices zero-padded, so `[2]` comes before `[10]`.
fn path_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    let mut index: Option<String> = None;
    for c in path.chars() {
        match (c, &mut index) {
            ('[', None) => {
                out.push('[');
                index = Some(String::new());
            }
            (']', Some(digits)) => {
                out.push_str(&format!("{digits:0>10}]"));
                index = None;
            }
            (c, Some(digits)) => digits.push(c),
            (c, None) => out.push(c),
        }
    }
    out
}

/// One leaf as the comparison shows it: strings quoted, references by name, secrets by source.
pub fn leaf_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Ref(r) => format!("<{r}>"),
        Value::Unknown => "(known after apply)".to_string(),
        Value::Secret(spec) => format!("(secret from ${})", spec.env),
        Value::Sensitive(_) => "(sensitive value)".to_string(),
        Value::List(_) => "[]".to_string(),
        Value::Map(_) => "{}".to_string(),
    }
}

fn difference_line(out: &mut String, indent: &str, d: &Difference, width: usize) {
    let path = &d.path;
    let _ = match (&d.from, &d.to) {
        (Some(a), Some(b)) => writeln!(out, "{indent}~ {path:width$} = {} -> {}", leaf_text(a), leaf_text(b)),
        (None, Some(b)) => writeln!(out, "{indent}+ {path:width$} = {}", leaf_text(b)),
        (Some(a), None) => writeln!(out, "{indent}- {path:width$} = {}", leaf_text(a)),
        (None, None) => Ok(()),
    };
}

fn owner_text(owner: &Option<String>) -> String {
    match owner {
        Some(o) => format!("read from `{o}`"),
        None => "managed here".to_string(),
    }
}

impl Comparison {
    /// The comparison as text: facts, then each resource that differs, then a summary line.
    pub fn to_text(&self) -> String {
        let (from, to) = (&self.from, &self.to);
        let what = if self.deployed {
            "what is deployed (states; names and domains normalised, computed attributes left out)"
        } else {
            "the definitions"
        };
        let mut out = format!("Comparing {what} of `{from}` and `{to}` (left: {from}, right: {to}).\n");
        if !self.facts.is_empty() {
            out.push_str("\nEnvironment facts and standard tags:\n");
            let width = self.facts.iter().map(|d| d.path.len()).max().unwrap_or(0);
            for d in &self.facts {
                difference_line(&mut out, "  ", d, width);
            }
        }
        let (mut only_from, mut only_to, mut differ, mut same) = (0, 0, 0, 0);
        let mut body = String::new();
        for r in &self.resources {
            match r.presence {
                Presence::OnlyFrom => {
                    only_from += 1;
                    let _ = writeln!(body, "\n  - {} (only in `{from}`, {})", r.address, owner_text(&r.owners.0));
                }
                Presence::OnlyTo => {
                    only_to += 1;
                    let _ = writeln!(body, "\n  + {} (only in `{to}`, {})", r.address, owner_text(&r.owners.1));
                }
                Presence::Both if r.is_identical() => same += 1,
                Presence::Both => {
                    differ += 1;
                    let _ = writeln!(body, "\n  ~ {}", r.address);
                    if r.owners.0 != r.owners.1 {
                        let _ = writeln!(
                            body,
                            "      ~ owner = {} -> {}",
                            owner_text(&r.owners.0),
                            owner_text(&r.owners.1)
                        );
                    }
                    let width = r.differences.iter().map(|d| d.path.len()).max().unwrap_or(0);
                    for d in &r.differences {
                        difference_line(&mut body, "      ", d, width);
                    }
                }
            }
        }
        if !body.is_empty() {
            out.push_str("\nResources:\n");
            out.push_str(&body);
        }
        let _ = writeln!(
            out,
            "\nResources: {only_to} only in `{to}`, {only_from} only in `{from}`, {differ} differ, {same} identical."
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Lifecycle, Resource, ResourceNode};
    use crate::testing::Thing;

    fn node(name: &str, json: serde_json::Value) -> ResourceNode {
        let Value::Map(attrs) = Value::from_json(json).unwrap() else { panic!("a map") };
        ResourceNode {
            address: Address::new("test_thing", name),
            schema: Thing::schema(),
            attrs,
            depends_on: vec![],
            lifecycle: Lifecycle::default(),
            owner: None,
        }
    }

    fn env(name: &str, tier: &str, nodes: Vec<ResourceNode>) -> Environment {
        let mut env = Environment::new(name).fact("tier", tier);
        for mut n in nodes {
            // Standard tags, as `Environment::add` merges them.
            let tags: Attrs = env.standard_tags().into_iter().map(|(k, v)| (k, Value::String(v))).collect();
            n.attrs.insert("tags", Value::Map(tags));
            env.add_node(n);
        }
        env
    }

    #[test]
    fn differences_are_named_by_path_and_standard_tags_compared_once() {
        let staging = env(
            "staging",
            "pre-production",
            vec![
                node("db", serde_json::json!({"size": 2, "nodes": {"count": 3}, "rules": [{"days": 30}]})),
                node("cache", serde_json::json!({"size": 1})),
                node("old", serde_json::json!({"size": 1})),
            ],
        );
        let mut db = node(
            "db",
            serde_json::json!({"size": 2, "nodes": {"min_count": 3, "max_count": 5}, "rules": [{"days": 30}, {"days": 90}]}),
        );
        db.lifecycle.prevent_destroy = true;
        let mut cache = node("cache", serde_json::json!({"size": 1}));
        cache.owner = Some("live".into());
        let production = env("production", "production", vec![db, cache, node("waf", serde_json::json!({"size": 1}))]);
        let c = compare(&staging, &production);
        assert_eq!(c.facts.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["environment", "tier"]);
        let db = &c.resources[1];
        assert_eq!(db.address.to_string(), "test_thing.db");
        let paths: Vec<&str> = db.differences.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            ["nodes.count", "nodes.max_count", "nodes.min_count", "rules[1].days", "lifecycle.prevent_destroy"]
        );
        insta::assert_snapshot!(c.to_text(), @r#"
        Comparing the definitions of `staging` and `production` (left: staging, right: production).

        Environment facts and standard tags:
          ~ environment = "staging" -> "production"
          ~ tier        = "pre-production" -> "production"

        Resources:

          ~ test_thing.cache
              ~ owner = managed here -> read from `live`

          ~ test_thing.db
              - nodes.count               = 3
              + nodes.max_count           = 5
              + nodes.min_count           = 3
              + rules[1].days             = 90
              ~ lifecycle.prevent_destroy = false -> true

          - test_thing.old (only in `staging`, managed here)

          + test_thing.waf (only in `production`, managed here)

        Resources: 1 only in `production`, 1 only in `staging`, 2 differ, 0 identical.
        "#);
    }

    #[test]
    fn an_environment_compared_with_itself_has_no_difference() {
        let a = env("qa", "testing", vec![node("db", serde_json::json!({"size": 2, "rules": []}))]);
        let c = compare(&a, &a);
        assert!(c.facts.is_empty());
        assert!(c.resources.iter().all(ResourceComparison::is_identical));
        assert!(c.to_text().ends_with("Resources: 0 only in `qa`, 0 only in `qa`, 0 differ, 1 identical.\n"));
    }
}
