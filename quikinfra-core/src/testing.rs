//! Fixtures for tests and benchmarks: [`Thing`], a generic resource type of the `test` family,
//! which the simulator serves like any other.
//!
//! One type for the engine's own unit tests, the integration suite and the benchmarks, so
//! their plans speak of the same `test_thing` whatever runs them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::FieldProblems;
use crate::resource::{Meta, Resource};
use crate::value::{Computed, Secret, Val};

/// A generic resource: a size that updates in place, a zone that forces replacement, an
/// optional link to another thing, an optional secret and tags.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "test_thing", provider = "test", refs(arn), validate = Self::check)]
pub struct Thing {
    #[serde(skip)]
    meta: Meta,
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// A reference to its `arn`, known once applied.
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    /// Its size, 1 to 100; changes in place.
    #[resource(setter)]
    pub size: u32,
    /// Its zone; a change replaces it.
    #[resource(setter, force_new = "a thing cannot move between zones")]
    pub zone: String,
    /// Links it to another thing's attribute (a reference: a real graph edge).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter)]
    pub link: Option<Val<String>>,
    /// Gives it a password, from a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter, sensitive)]
    pub password: Option<Secret>,
    /// Adds a tag.
    #[resource(insert = "tag")]
    pub tags: BTreeMap<String, String>,
}

impl Thing {
    /// A thing called `name`: size 1, zone `a`, linked to nothing.
    pub fn new(name: &str) -> Self {
        Self {
            meta: Meta::named(name),
            id: Computed::new(),
            arn: Computed::new(),
            size: 1,
            zone: "a".into(),
            link: None,
            password: None,
            tags: BTreeMap::new(),
        }
    }

    fn check(&self, problems: &mut FieldProblems<'_>) {
        if self.size == 0 || self.size > 100 {
            problems.field("size", "must be between 1 and 100");
        }
        if self.zone.is_empty() {
            problems.field("zone", "must not be empty");
        }
    }
}

/// The code declaring a live thing: its constructor and the derived setters (size, zone,
/// link as a literal, tags). A password is never read back, so it is never written.
impl crate::codegen::Generate for Thing {
    fn generate(
        address: &crate::addr::Address,
        live: &crate::value::Attrs,
        ctx: &crate::codegen::GenerateContext<'_>,
    ) -> Result<crate::codegen::Declaration, crate::codegen::GenerateError> {
        use crate::codegen::{self, Chain, Declaration};
        let chain = Chain::new("Thing::new", [codegen::string(address.name())]);
        let declaration = Declaration::new(address.clone(), ["quikinfra::engine::testing::Thing"], chain);
        codegen::plain_builders(declaration, live, &Thing::new(address.name()), &[], ctx)
    }
}
