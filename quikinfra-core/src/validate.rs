//! Whole-definition validation, run before any API call.
//!
//! [`validate`] reports every problem at once — field rules of each type, attributes outside
//! the schema, bad or duplicate addresses, references to missing resources or attributes,
//! dependency cycles spelled out, two resources naming one cloud object (their `identity`
//! attributes equal), each type's checks against the resources it relates to
//! (`Schema::related`: a record against its zone) and the environment's policy rules — each
//! naming the resource and field. On success it returns the dependency [`Graph`].
//! [`estate_conflicts`] does the same across environments: no two environments may both manage
//! one object.

use crate::diag::{FieldProblems, Problems};
use crate::environment::Environment;
use crate::graph::Graph;
use crate::schema::Related;
use crate::value::{Reference, Value};

/// Validates `env`, returning its dependency graph or every problem found.
pub fn validate(env: &Environment) -> Result<Graph, Problems> {
    let mut problems = env.spec_problems().clone();
    let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(env.resources().len(), Default::default());
    for node in env.resources() {
        if let Err(e) = node.address.check() {
            problems.push(Some(&node.address), None, e.to_string());
        }
        if node.address.type_name() != node.schema.type_name {
            problems.push(
                Some(&node.address),
                None,
                format!("address type does not match schema type `{}`", node.schema.type_name),
            );
        }
        if !seen.insert(&node.address) {
            problems.push(Some(&node.address), None, "declared more than once");
        }
    }
    for node in env.resources() {
        for (field, value) in &node.attrs {
            for r in value.references() {
                check_reference(env, r, Some(&node.address), field, &mut problems);
            }
        }
        for dep in &node.depends_on {
            if env.resource(dep).is_none() {
                problems.push(
                    Some(&node.address),
                    Some("depends_on"),
                    format!("depends on `{dep}`, which is not declared"),
                );
            }
        }
        for ignored in &node.lifecycle.ignore_changes {
            if node.schema.attr(ignored).is_none() {
                problems.push(
                    Some(&node.address),
                    Some("ignore_changes"),
                    format!("`{ignored}` is not an attribute of `{}`", node.schema.type_name),
                );
            }
        }
    }
    for (name, value) in env.outputs() {
        for r in value.references() {
            check_reference(env, r, None, &format!("output.{name}"), &mut problems);
        }
        if matches!(value, Value::Secret(_)) {
            problems.push(None, Some(&format!("output.{name}")), "outputs cannot hold secrets");
        }
    }
    let view = env.view();
    let mut named: std::collections::BTreeMap<String, &crate::addr::Address> = Default::default();
    for node in env.resources() {
        let Some((key, field, shown)) = identity(env, node) else { continue };
        match named.get(&key) {
            Some(first) if **first != node.address => problems.push(
                Some(&node.address),
                Some(field),
                format!(
                    "names the same {} object as `{first}` ({shown}); one of them must go or be renamed",
                    node.schema.type_name
                ),
            ),
            Some(_) => {}
            None => {
                named.insert(key, &node.address);
            }
        }
    }
    for node in env.resources().iter().filter(|n| !n.is_read_only()) {
        if let Some(check) = node.schema.related {
            let related = Related { address: &node.address, attrs: &node.attrs, definition: &view };
            check(&related, &mut FieldProblems::new(&node.address, &mut problems));
        }
    }
    for rule in env.rules() {
        rule.check(&view, &mut problems);
    }
    let graph = Graph::new(env.resources().iter().map(|n| (&n.address, n.dependencies())));
    if let Err(cycles) = graph.topo_order() {
        for cycle in cycles {
            let path: Vec<String> = cycle.iter().map(ToString::to_string).collect();
            problems.push(Some(&cycle[0]), None, format!("dependency cycle: {}", path.join(" -> ")));
        }
    }
    if problems.is_empty() { Ok(graph) } else { Err(problems.sorted()) }
}

fn check_reference(
    env: &Environment,
    r: &Reference,
    from: Option<&crate::addr::Address>,
    field: &str,
    problems: &mut Problems,
) {
    match env.resource(&r.address) {
        None => problems.push(from, Some(field), format!("refers to `{}`, which is not declared", r.address)),
        Some(target) if target.schema.attr(&r.attribute).is_none() => problems.push(
            from,
            Some(field),
            format!("refers to `{r}`, but `{}` has no attribute `{}`", target.schema.type_name, r.attribute),
        ),
        Some(_) => {}
    }
}

/// The cloud object a resource names: a key (its type and identity values), the first identity
/// attribute (to name in errors) and the values as shown; `None` when its type has no identity
/// attributes or one of them is unset or unknown before apply.
fn identity<'a>(env: &Environment, node: &'a crate::resource::ResourceNode) -> Option<(String, &'a str, String)> {
    let mut parts = Vec::new();
    let mut first = None;
    for attr in node.schema.attributes.iter().filter(|a| a.identity) {
        first.get_or_insert(attr.name);
        let value = match node.attrs.get(attr.name)? {
            Value::String(s) => s.clone(),
            // A reference to another declared resource's literal (a cluster's group name).
            Value::Ref(r) => match env.resource(&r.address).and_then(|t| t.attrs.get(&r.attribute)) {
                Some(Value::String(s)) => s.clone(),
                _ => return None,
            },
            _ => return None,
        };
        parts.push(format!("{} `{value}`", attr.name));
    }
    let field = first?;
    let shown = parts.join(", ");
    Some((format!("{}|{shown}", node.schema.type_name), field, shown))
}

/// Objects two environments would both manage: every resource an environment manages (not one
/// it reads from its owner) whose identity another environment also manages, named with both.
pub fn estate_conflicts(envs: &[&Environment]) -> Problems {
    let mut problems = Problems::default();
    let mut managed: std::collections::BTreeMap<String, (&str, &crate::addr::Address)> = Default::default();
    for env in envs {
        for node in env.resources().iter().filter(|n| n.owner.is_none()) {
            let Some((key, field, shown)) = identity(env, node) else { continue };
            match managed.get(&key) {
                Some((other, address)) if *other != env.name() => problems.push(
                    Some(&node.address),
                    Some(field),
                    format!(
                        "environment `{}` manages the {} object {shown}, which environment `{other}` manages too (as `{address}`); \
                         one must own it and the other read it (`Environment::add_shared`)",
                        env.name(),
                        node.schema.type_name
                    ),
                ),
                Some(_) => {}
                None => {
                    managed.insert(key, (env.name(), &node.address));
                }
            }
        }
    }
    problems.sorted()
}
