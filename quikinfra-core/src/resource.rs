//! The resource model: typed specs, their lifecycle options, and the erased node the engine walks.
//!
//! A resource type is a serde-serializable struct deriving [`Resource`] (the trait and its
//! derive share the name, as serde's do): `#[resource(type = "…", provider = "…")]` names it,
//! field attributes (`computed`, `optional_computed`, `watch`, `force_new = "why"`,
//! `sensitive`) mark its attributes, and the derive generates the schema from the same fields
//! serde serializes, so the two cannot disagree; see the `quikinfra-derive` crate. Its
//! builders take and return `self`. [`ResourceExt`] adds the options every resource has
//! (`depends_on`, lifecycle) and typed attribute references. When added to an environment a
//! spec is erased into a [`ResourceNode`]: an address, its static [`Schema`], and attributes
//! as [`Value`]s.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::addr::Address;
use crate::diag::{FieldProblems, Problems};
use crate::schema::{Builder, Schema};
use crate::value::{Attrs, Ref, Value};

pub use quikinfra_derive::Resource;

/// Lifecycle options, as in Terraform's `lifecycle` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// A plan that would destroy this resource fails.
    #[serde(default, skip_serializing_if = "is_false")]
    pub prevent_destroy: bool,
    /// Replacement creates the new object before destroying the old one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_before_destroy: bool,
    /// Attributes whose differences are ignored after creation.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub ignore_changes: BTreeSet<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What every resource carries besides its own fields: its name, explicit dependencies, lifecycle.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// The local name, the second part of the address.
    pub name: String,
    /// Resources this one must come after, beyond those its references imply.
    pub depends_on: Vec<Address>,
    /// Lifecycle options.
    pub lifecycle: Lifecycle,
}

impl Meta {
    /// Metadata for a resource called `name`.
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }
}

/// A typed resource spec, implemented by `#[derive(Resource)]`.
///
/// Implementors serialize their own fields only (skip `meta`), with attribute names matching
/// their [`Schema`]; optional fields left unset are skipped, which means "not managed". The
/// derive guarantees this by building the schema from the serialized fields.
pub trait Resource: Serialize + Send + Sync + 'static {
    /// The type name, the first part of every address of this type.
    const TYPE: &'static str;

    /// The type's schema.
    fn schema() -> &'static Schema
    where
        Self: Sized;

    /// Name, dependencies and lifecycle.
    fn meta(&self) -> &Meta;

    /// Mutable access for the builders in [`ResourceExt`].
    fn meta_mut(&mut self) -> &mut Meta;

    /// Checks the type's own field rules; every problem is recorded, none stops the others.
    fn validate(&self, _problems: &mut FieldProblems<'_>) {}

    /// The plain builders the derive wrote (`setter`, `insert`, `push`), each with the
    /// attribute it sets: what code generation calls to declare a live value.
    fn builders() -> &'static [Builder]
    where
        Self: Sized,
    {
        &[]
    }
}

/// Builders and accessors every resource gets.
pub trait ResourceExt: Resource + Sized {
    /// The resource's address, `type.name`.
    fn address(&self) -> Address {
        Address::new(Self::TYPE, &self.meta().name)
    }

    /// A typed reference to one of this resource's attributes; resource types wrap it in
    /// named accessors such as `arn()`.
    fn attr<T>(&self, attribute: &str) -> Ref<T> {
        Ref::new(self.address(), attribute)
    }

    /// This resource is created after `other` (and destroyed before it).
    fn depends_on<R: Resource>(mut self, other: &R) -> Self {
        let address = Address::new(R::TYPE, &other.meta().name);
        self.meta_mut().depends_on.push(address);
        self
    }

    /// Plans that would destroy this resource fail.
    fn prevent_destroy(mut self) -> Self {
        self.meta_mut().lifecycle.prevent_destroy = true;
        self
    }

    /// Replacement creates the new object first.
    fn create_before_destroy(mut self) -> Self {
        self.meta_mut().lifecycle.create_before_destroy = true;
        self
    }

    /// Differences in these attributes are ignored once the resource exists.
    fn ignore_changes<I, S>(mut self, attributes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let set = &mut self.meta_mut().lifecycle.ignore_changes;
        set.extend(attributes.into_iter().map(Into::into));
        self
    }
}

impl<R: Resource> ResourceExt for R {}

/// A resource as the engine sees it: erased to address, schema and attribute values.
#[derive(Clone, Debug)]
pub struct ResourceNode {
    /// Where it lives.
    pub address: Address,
    /// Its type's schema.
    pub schema: &'static Schema,
    /// The desired attributes: known values, references and secrets.
    pub attrs: Attrs,
    /// Explicit dependencies (references add the rest).
    pub depends_on: Vec<Address>,
    /// Lifecycle options.
    pub lifecycle: Lifecycle,
    /// When set, the resource belongs to that other environment: this one only reads it
    /// (through the owner's state and the live object) and never creates, changes or deletes it.
    pub owner: Option<String>,
}

impl ResourceNode {
    /// Erases a typed spec, recording any problem (its own field rules, attributes missing
    /// from its schema) in `problems`.
    pub fn from_spec<R: Resource>(spec: &R, problems: &mut Problems) -> Self {
        let address = spec.address();
        let schema = R::schema();
        let attrs = match serde_json::to_value(spec).map_err(|e| e.to_string()).and_then(Value::from_json) {
            Ok(Value::Map(map)) => map,
            Ok(_) => {
                problems.push(Some(&address), None, "spec must serialize to a map of attributes");
                Attrs::new()
            }
            Err(e) => {
                problems.push(Some(&address), None, format!("spec cannot be serialized: {e}"));
                Attrs::new()
            }
        };
        for name in attrs.keys() {
            match schema.attr(name) {
                None => problems.push(Some(&address), Some(name), "attribute is not in the type's schema"),
                Some(a) if !a.is_input() => {
                    problems.push(Some(&address), Some(name), "attribute is computed by the cloud and cannot be set")
                }
                Some(_) => {}
            }
        }
        spec.validate(&mut FieldProblems::new(&address, problems));
        let meta = spec.meta();
        Self {
            address,
            schema,
            attrs,
            depends_on: meta.depends_on.clone(),
            lifecycle: meta.lifecycle.clone(),
            owner: None,
        }
    }

    /// Whether this environment only reads the resource (another environment owns it).
    pub fn is_read_only(&self) -> bool {
        self.owner.is_some()
    }

    /// Every resource this one depends on: explicit ones and those its references name, sorted.
    pub fn dependencies(&self) -> Vec<Address> {
        // Sorted and deduplicated in a vector: most resources have none or one.
        let mut deps: Vec<Address> = self.depends_on.to_vec();
        for value in self.attrs.values() {
            deps.extend(value.references().into_iter().map(|r| r.address.clone()));
        }
        deps.sort_unstable();
        deps.dedup();
        deps
    }
}
