//! Whole-definition validation, run before any API call.
//!
//! [`validate`] reports every problem at once — field rules of each type, attributes outside
//! the schema, bad or duplicate addresses, references to missing resources or attributes,
//! dependency cycles spelled out, and the environment's policy rules — each naming the resource
//! and field. On success it returns the dependency [`Graph`].

use std::collections::BTreeSet;

use crate::diag::Problems;
use crate::environment::Environment;
use crate::graph::Graph;
use crate::value::{Reference, Value};

/// Validates `env`, returning its dependency graph or every problem found.
pub fn validate(env: &Environment) -> Result<Graph, Problems> {
    let mut problems = env.spec_problems().clone();
    let mut seen = BTreeSet::new();
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
