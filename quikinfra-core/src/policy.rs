//! Policies: rules an environment's definition must keep, checked before any API call.
//!
//! A [`Rule`] has a name, the source it comes from (the requirement or document row that asks
//! for it) and a check over a [`DefinitionView`]: the erased definition, read-only. (Rules
//! know nothing of `Environment`, which holds them: the view is all they get.) Rules are attached to an environment
//! (typically by a blueprint, per tier) and run by validation; each violation becomes a problem
//! naming the environment, the resource and field, the rule and its source.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::fmt;
use std::sync::Arc;

use crate::addr::Address;
use crate::diag::Problems;
use crate::resource::ResourceNode;

type Check = dyn Fn(&DefinitionView<'_>, &mut Violations<'_>) + Send + Sync;

/// What a rule sees of a definition: its name, facts and resources, read-only.
#[derive(Clone, Copy)]
pub struct DefinitionView<'a> {
    name: &'a str,
    facts: &'a BTreeMap<String, String>,
    resources: &'a [ResourceNode],
    index: &'a FxHashMap<Address, usize>,
}

impl<'a> DefinitionView<'a> {
    /// A view of the definition called `name`; `index` maps each address to its position in
    /// `resources`.
    pub fn new(
        name: &'a str,
        facts: &'a BTreeMap<String, String>,
        resources: &'a [ResourceNode],
        index: &'a FxHashMap<Address, usize>,
    ) -> Self {
        Self { name, facts, resources, index }
    }

    /// The environment's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// A fact the definition records (`tier`, `domain`…).
    pub fn fact(&self, key: &str) -> Option<&'a str> {
        self.facts.get(key).map(String::as_str)
    }

    /// The resources, in the order they were declared.
    pub fn resources(&self) -> &'a [ResourceNode] {
        self.resources
    }

    /// The resource at `address`.
    pub fn resource(&self, address: &Address) -> Option<&'a ResourceNode> {
        self.index.get(address).map(|&i| &self.resources[i])
    }
}

impl crate::schema::Definition for DefinitionView<'_> {
    fn get(&self, address: &Address) -> Option<(&'static crate::schema::Schema, &crate::value::Attrs)> {
        self.resource(address).map(|n| (n.schema, &n.attrs))
    }

    fn each(&self) -> Vec<(&Address, &'static crate::schema::Schema, &crate::value::Attrs)> {
        self.resources.iter().map(|n| (&n.address, n.schema, &n.attrs)).collect()
    }
}

/// A rule the definition must keep.
#[derive(Clone)]
pub struct Rule {
    /// A short name (`sse-kms-for-real-data`).
    pub name: String,
    /// Where the rule comes from (`seed: AWS Media Infrastructure, Production row`).
    pub source: String,
    check: Arc<Check>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("name", &self.name).field("source", &self.source).finish_non_exhaustive()
    }
}

impl Rule {
    /// A rule called `name`, asked for by `source`, checked by `check`.
    pub fn new(
        name: impl Into<String>,
        source: impl Into<String>,
        check: impl Fn(&DefinitionView<'_>, &mut Violations<'_>) + Send + Sync + 'static,
    ) -> Self {
        Self { name: name.into(), source: source.into(), check: Arc::new(check) }
    }

    /// Runs the rule over `definition`, recording each violation in `problems`.
    pub fn check(&self, definition: &DefinitionView<'_>, problems: &mut Problems) {
        let mut v = Violations { env: definition.name(), rule: self, problems };
        (self.check)(definition, &mut v);
    }
}

/// Where a rule records what breaks it.
pub struct Violations<'a> {
    env: &'a str,
    rule: &'a Rule,
    problems: &'a mut Problems,
}

impl Violations<'_> {
    fn message(&self, what: &str) -> String {
        format!("environment `{}` breaks rule `{}` ({}): {what}", self.env, self.rule.name, self.rule.source)
    }

    /// `field` of the resource at `address` breaks the rule.
    pub fn field(&mut self, address: &Address, field: &str, what: impl AsRef<str>) {
        let message = self.message(what.as_ref());
        self.problems.push(Some(address), Some(field), message);
    }

    /// The resource at `address` breaks the rule.
    pub fn resource(&mut self, address: &Address, what: impl AsRef<str>) {
        let message = self.message(what.as_ref());
        self.problems.push(Some(address), None, message);
    }

    /// The environment as a whole breaks the rule (something is missing, a fact is wrong).
    pub fn environment(&mut self, what: impl AsRef<str>) {
        let message = self.message(what.as_ref());
        self.problems.push(None, None, message);
    }
}
