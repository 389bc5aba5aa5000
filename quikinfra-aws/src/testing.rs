//! Test helpers: add a spec to an environment and read back what the engine sees.

use quikinfra_core::environment::Environment;
use quikinfra_core::resource::Resource;
use serde::Serialize;

/// The spec's attributes as plain JSON, as the engine receives them.
pub(crate) fn attrs<R: Serialize>(spec: &R) -> serde_json::Value {
    serde_json::to_value(spec).expect("spec serializes")
}

/// Every problem the environment records when the spec is added, as `(field, message)`.
pub(crate) fn problems<R: Resource>(spec: R) -> Vec<(String, String)> {
    let mut env = Environment::new("test");
    env.add(spec);
    env.spec_problems().0.iter().map(|p| (p.field.clone().unwrap_or_default(), p.message.clone())).collect()
}

/// Asserts that one problem is recorded on `field` with a message containing `needle`.
#[track_caller]
pub(crate) fn assert_problem(problems: &[(String, String)], field: &str, needle: &str) {
    assert!(
        problems.iter().any(|(f, m)| f == field && m.contains(needle)),
        "expected a problem on `{field}` containing `{needle}`, got {problems:#?}"
    );
}

/// Asserts that no problem is recorded on `field`.
#[track_caller]
pub(crate) fn assert_no_problem(problems: &[(String, String)], field: &str) {
    assert!(problems.iter().all(|(f, _)| f != field), "expected no problem on `{field}`, got {problems:#?}");
}
