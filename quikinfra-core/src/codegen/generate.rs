//! The per-type hook of code generation: [`Generate`], implemented by resource types that can
//! write the code declaring a live object, and [`Generators`], the table of them a plugin hands
//! out (`Plugin::generators`).

use std::collections::BTreeMap;

use super::Declaration;
use crate::addr::Address;
use crate::resource::Resource;
use crate::schema::Schema;
use crate::value::Attrs;

/// What the code is written for: the environment the declaration goes into.
#[derive(Clone, Copy, Debug)]
pub struct GenerateContext<'a> {
    /// The tags the environment gives every taggable resource: the code leaves them out.
    pub standard_tags: &'a BTreeMap<String, String>,
}

/// A live value the type's builders cannot express: generating it would not plan "No changes".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{address}: cannot write `{attribute}` as code: {reason}")]
pub struct GenerateError {
    /// The resource being written.
    pub address: Address,
    /// The attribute.
    pub attribute: String,
    /// Why not.
    pub reason: String,
}

impl GenerateError {
    /// `attribute` of `address` cannot be written, because of `reason`.
    pub fn new(address: &Address, attribute: &str, reason: impl Into<String>) -> Self {
        Self { address: address.clone(), attribute: attribute.to_string(), reason: reason.into() }
    }
}

/// A resource type that writes the code declaring a live object through its public builders.
pub trait Generate: Resource {
    /// The declaration of the live object `live` (its attributes as a read returns them) as
    /// `address`: only managed attributes, values the constructor already gives left out.
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError>;
}

type GenerateFn = fn(&Address, &Attrs, &GenerateContext<'_>) -> Result<Declaration, GenerateError>;

/// One type's generator, erased.
#[derive(Clone, Copy, Debug)]
pub struct Generator {
    /// The resource type (`aws_s3_bucket`).
    pub type_name: &'static str,
    /// Its schema (its provider family, its identity attributes).
    pub schema: &'static Schema,
    generate: GenerateFn,
}

impl Generator {
    /// The declaration of `live` as `address` (see [`Generate::generate`]).
    pub fn generate(
        &self,
        address: &Address,
        live: &Attrs,
        ctx: &GenerateContext<'_>,
    ) -> Result<Declaration, GenerateError> {
        (self.generate)(address, live, ctx)
    }
}

/// The types a cloud library can write code for, by type name.
#[derive(Clone, Debug, Default)]
pub struct Generators {
    by_type: BTreeMap<&'static str, Generator>,
}

impl Generators {
    /// No type yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `R`'s generator.
    pub fn with<R: Generate>(mut self) -> Self {
        let generator = Generator { type_name: R::TYPE, schema: R::schema(), generate: R::generate };
        self.by_type.insert(R::TYPE, generator);
        self
    }

    /// Adds every generator of `other`.
    pub fn extend(&mut self, other: Generators) {
        self.by_type.extend(other.by_type);
    }

    /// The generator of `type_name`, if there is one.
    pub fn get(&self, type_name: &str) -> Option<Generator> {
        self.by_type.get(type_name).copied()
    }

    /// Every type with a generator, sorted.
    pub fn types(&self) -> Vec<&'static str> {
        self.by_type.keys().copied().collect()
    }
}
