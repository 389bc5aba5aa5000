//! Environments: one deployable estate (staging, production…) with its identity and resources.
//!
//! An [`Environment`] names itself, carries facts that become standard tags (its domain, and
//! whatever the definition records with [`Environment::fact`]: a blueprint's tier, data class
//! or owner team) and owns the resources added to it. Adding a typed spec erases it into a
//! [`ResourceNode`] and merges the standard tags into its `tags`. Policy rules see the
//! definition through [`Environment::view`], a read-only [`DefinitionView`].

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::addr::Address;
use crate::diag::Problems;
use crate::policy::{DefinitionView, Rule};
use crate::resource::{Resource, ResourceNode};
use crate::schema::Schema;
use crate::value::{Attrs, Reference, Value};

/// One environment's definition.
#[derive(Clone, Debug)]
pub struct Environment {
    name: String,
    facts: BTreeMap<String, String>,
    extra_tags: BTreeMap<String, String>,
    resources: Vec<ResourceNode>,
    /// Address → position of its first declaration in `resources`.
    index: FxHashMap<Address, usize>,
    outputs: BTreeMap<String, Value>,
    rules: Vec<Rule>,
    problems: Problems,
    endpoints: BTreeMap<String, ProviderEndpoint>,
}

/// Where a family's resources of one environment are served whatever the run's target: a
/// local emulator the environment runs itself (LocalStack for a developer's machine).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderEndpoint {
    /// The endpoint URL (`http://localhost:4566`).
    pub url: String,
    /// What to tell the user when it does not answer (how to start it).
    pub when_unreachable: String,
}

impl Environment {
    /// An empty environment called `name` (`staging`), which names its state.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            facts: BTreeMap::new(),
            extra_tags: BTreeMap::new(),
            resources: Vec::new(),
            index: FxHashMap::default(),
            outputs: BTreeMap::new(),
            rules: Vec::new(),
            problems: Problems::default(),
            endpoints: BTreeMap::new(),
        }
    }

    /// Records a fact about the environment (`fact("tier", "pre-production")`): a standard tag
    /// on every taggable resource, readable by policy rules and reports.
    pub fn fact(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.facts.insert(key.into(), value.into());
        self
    }

    /// Its public domain (`staging.quikapp.com`), the `domain` fact.
    pub fn domain(self, domain: impl Into<String>) -> Self {
        self.fact("domain", domain)
    }

    /// Serves this environment's `family` resources (`aws`) at `url` whatever the run's target,
    /// simulator included: an emulator the environment runs on the developer's machine
    /// (LocalStack). `when_unreachable` tells the user how to start it when it does not answer.
    pub fn provider_endpoint(
        mut self,
        family: impl Into<String>,
        url: impl Into<String>,
        when_unreachable: impl Into<String>,
    ) -> Self {
        let endpoint = ProviderEndpoint { url: url.into(), when_unreachable: when_unreachable.into() };
        self.endpoints.insert(family.into(), endpoint);
        self
    }

    /// The families this environment serves at endpoints of its own.
    pub fn provider_endpoints(&self) -> &BTreeMap<String, ProviderEndpoint> {
        &self.endpoints
    }

    /// An extra tag put on every taggable resource.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_tags.insert(key.into(), value.into());
        self
    }

    /// The environment's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A fact recorded with [`Environment::fact`] (or [`Environment::domain`]).
    pub fn get_fact(&self, key: &str) -> Option<&str> {
        self.facts.get(key).map(String::as_str)
    }

    /// The tags every taggable resource gets: `environment`, `managed-by`, the facts, the extras.
    pub fn standard_tags(&self) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::new();
        tags.insert("environment".to_string(), self.name.clone());
        tags.insert("managed-by".to_string(), "quikinfra".to_string());
        for (k, v) in &self.facts {
            tags.insert(k.clone(), v.clone());
        }
        tags.extend(self.extra_tags.clone());
        tags
    }

    /// Adds a resource. Its own tags win over the standard ones on the same key.
    pub fn add<R: Resource>(&mut self, spec: R) -> &mut Self {
        let mut node = ResourceNode::from_spec(&spec, &mut self.problems);
        if node.schema.has_tags() {
            let mut tags: Attrs = self.standard_tags().into_iter().map(|(k, v)| (k, Value::String(v))).collect();
            if let Some(Value::Map(own)) = node.attrs.get("tags") {
                tags.extend(own.clone());
            }
            node.attrs.insert("tags", Value::Map(tags));
        }
        self.push(node);
        self
    }

    /// Declares a resource that environment `owner` manages and this one only reads: its live
    /// attributes are available to references, but no plan here creates, changes or deletes it,
    /// so destroying this environment can never delete it. `spec` is the owner's own definition
    /// (same address); its attributes here are not compared.
    pub fn add_shared<R: Resource>(&mut self, owner: &str, spec: R) -> &mut Self {
        let mut node = ResourceNode::from_spec(&spec, &mut self.problems);
        node.owner = Some(owner.to_string());
        if owner == self.name {
            self.problems.push(Some(&node.address), None, "an environment cannot read a resource it owns itself");
        }
        self.push(node);
        self
    }

    /// Like [`Environment::add_shared`], returning `self` for chained definitions.
    pub fn with_shared<R: Resource>(mut self, owner: &str, spec: R) -> Self {
        self.add_shared(owner, spec);
        self
    }

    /// The environments owning resources this one reads, sorted.
    pub fn owners(&self) -> Vec<&str> {
        let set: std::collections::BTreeSet<&str> = self.resources.iter().filter_map(|r| r.owner.as_deref()).collect();
        set.into_iter().collect()
    }

    /// Adds a resource, returning `self` for chained definitions.
    pub fn with<R: Resource>(mut self, spec: R) -> Self {
        self.add(spec);
        self
    }

    /// Adds an already erased node (generated definitions, tests, benchmarks).
    pub fn add_node(&mut self, node: ResourceNode) -> &mut Self {
        self.push(node);
        self
    }

    /// Declares an output: a value recorded in state after apply and shown by `output`.
    pub fn output(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.outputs.insert(name.into(), value.into());
        self
    }

    /// Declares an output pointing at a resource attribute.
    pub fn output_ref(&mut self, name: impl Into<String>, reference: Reference) -> &mut Self {
        self.output(name, Value::Ref(Box::new(reference)))
    }

    /// Attaches a rule the definition must keep; validation checks it before any API call.
    pub fn rule(&mut self, rule: Rule) -> &mut Self {
        self.rules.push(rule);
        self
    }

    /// The rules attached.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The read-only view policy rules check.
    pub fn view(&self) -> DefinitionView<'_> {
        DefinitionView::new(&self.name, &self.facts, &self.resources, &self.index)
    }

    /// The resources, in the order they were added.
    pub fn resources(&self) -> &[ResourceNode] {
        &self.resources
    }

    /// Keeps `resources` and its address index in step; a duplicate address keeps the first
    /// declaration in the index (validation reports the duplicate).
    fn push(&mut self, node: ResourceNode) {
        self.index.entry(node.address.clone()).or_insert(self.resources.len());
        self.resources.push(node);
    }

    /// The resource at `address` (the first declared, if declared twice).
    pub fn resource(&self, address: &Address) -> Option<&ResourceNode> {
        self.index.get(address).map(|&i| &self.resources[i])
    }

    /// The declared outputs.
    pub fn outputs(&self) -> &BTreeMap<String, Value> {
        &self.outputs
    }

    /// Problems found while adding resources (field rules, schema mismatches).
    pub fn spec_problems(&self) -> &Problems {
        &self.problems
    }

    /// The schema of every type in use, by type name.
    pub fn schemas(&self) -> BTreeMap<&'static str, &'static Schema> {
        self.resources.iter().map(|r| (r.schema.type_name, r.schema)).collect()
    }
}
