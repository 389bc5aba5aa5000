//! The Azure types that write the code declaring a live object (`import --generate`): one
//! module per type implementing [`Generate`](quikinfra_core::codegen::Generate), the table of
//! them the `azure` plugin hands out ([`generators`]), and what every type's code shares
//! ([`Draft`]: the object's placement, enum-valued setters, the notes on the resource group and
//! the subscription, the derived builders).

mod aks_cluster;
mod kafka_namespace;
mod managed_redis;
mod mysql_flexible_server;
mod resource_group;
#[cfg(test)]
mod tests;

use std::fmt::Debug;

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, GenerateContext, GenerateError, Generators};
use quikinfra_core::resource::Resource;
use quikinfra_core::value::{Attrs, Value};
use serde::Serialize;

use crate::{AksCluster, KafkaNamespace, ManagedRedis, MySqlFlexibleServer, ResourceGroup};

/// Every Azure type with a generator.
pub fn generators() -> Generators {
    Generators::new()
        .with::<AksCluster>()
        .with::<KafkaNamespace>()
        .with::<ManagedRedis>()
        .with::<MySqlFlexibleServer>()
        .with::<ResourceGroup>()
}

/// The attributes that place an object, written by its constructor or as notes.
const PLACEMENT: [&str; 3] = ["location", "resource_group", "subscription_id"];

/// The live text attribute `attribute`, an error naming it when the object has none.
pub(crate) fn text<'a>(address: &Address, live: &'a Attrs, attribute: &str) -> Result<&'a str, GenerateError> {
    live.get(attribute)
        .and_then(Value::as_str)
        .ok_or_else(|| GenerateError::new(address, attribute, "the object has none"))
}

/// Where an object in a resource group is: its name, its group's name and its region.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placement<'a> {
    /// The object's name.
    pub name: &'a str,
    /// Its resource group's name.
    pub group: &'a str,
    /// Its region (short name).
    pub location: &'a str,
}

impl<'a> Placement<'a> {
    /// The placement `live` records.
    pub fn of(address: &Address, live: &'a Attrs) -> Result<Self, GenerateError> {
        Ok(Self {
            name: text(address, live, "name")?,
            group: text(address, live, "resource_group")?,
            location: text(address, live, "location")?,
        })
    }

    /// The arguments of an `in_group(local, name, resource_group, location)` constructor.
    pub fn in_group_args(&self, address: &Address) -> [String; 4] {
        [address.name(), self.name, self.group, self.location].map(codegen::string)
    }
}

/// One object's code while a generator writes it: the chain so far, the items it names, the
/// attributes written by hand, and the notes.
pub(crate) struct Draft<'a> {
    address: &'a Address,
    live: &'a Attrs,
    defaults: Attrs,
    /// The builder chain so far.
    pub chain: Chain,
    uses: Vec<&'static str>,
    handled: Vec<&'a str>,
    notes: Vec<String>,
}

impl<'a> Draft<'a> {
    /// Code for `live` as `address`, starting from `chain` (the constructor call, naming
    /// `type_path`), whose spec `constructed` gives the defaults.
    pub fn new<R: Resource>(
        address: &'a Address,
        live: &'a Attrs,
        constructed: &R,
        type_path: &'static str,
        chain: Chain,
    ) -> Self {
        let defaults = codegen::attributes(constructed);
        Self { address, live, defaults, chain, uses: vec![type_path], handled: PLACEMENT.to_vec(), notes: Vec::new() }
    }

    /// An error naming `attribute`.
    pub fn fail(&self, attribute: &str, reason: impl Into<String>) -> GenerateError {
        GenerateError::new(self.address, attribute, reason)
    }

    /// The live value of `attribute`, if any.
    pub fn live(&self, attribute: &str) -> Option<&'a Value> {
        self.live.get(attribute).filter(|v| !matches!(v, Value::Null))
    }

    /// Whether the live value of `attribute` is what the constructor gives.
    pub fn is_default(&self, attribute: &str) -> bool {
        self.live(attribute) == self.defaults.get(attribute)
    }

    /// Marks `attributes` as written by hand: the derived builders leave them alone.
    pub fn handled(&mut self, attributes: &[&'a str]) {
        self.handled.extend_from_slice(attributes);
    }

    /// Names `path` in a `use` line.
    pub fn uses(&mut self, path: &'static str) {
        if !self.uses.contains(&path) {
            self.uses.push(path);
        }
    }

    /// Adds a note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The variant of `variants` the live `attribute` holds, written `Type::Variant` with the
    /// type named by `type_path`; an error naming the attribute when it holds none of them.
    pub fn variant<T: Serialize + Debug>(
        &mut self,
        attribute: &'a str,
        type_path: &'static str,
        variants: &[T],
    ) -> Result<String, GenerateError> {
        let value = self.live(attribute).ok_or_else(|| self.fail(attribute, "the object has none"))?;
        let found =
            variants.iter().find(|v| serde_json::to_value(v).ok().map(Value::from_json) == Some(Ok(value.clone())));
        let type_name = type_path.rsplit("::").next().unwrap_or(type_path);
        let variant = found.ok_or_else(|| self.fail(attribute, format!("{value:?} is no `{type_name}`")))?;
        self.uses(type_path);
        Ok(format!("{type_name}::{variant:?}"))
    }

    /// `.method(Type::Variant)` for the live `attribute` when the constructor gives another
    /// value (see [`Draft::variant`]).
    pub fn choice<T: Serialize + Debug>(
        &mut self,
        attribute: &'a str,
        method: &str,
        type_path: &'static str,
        variants: &[T],
    ) -> Result<(), GenerateError> {
        self.handled.push(attribute);
        if self.is_default(attribute) {
            return Ok(());
        }
        let variant = self.variant(attribute, type_path, variants)?;
        self.chain = self.chain.clone().call(method, [variant]);
        Ok(())
    }

    /// Adds `.method(args…)`.
    pub fn call<I: IntoIterator<Item = String>>(&mut self, method: &str, args: I) {
        self.chain = self.chain.clone().call(method, args);
    }

    /// Notes that the resource group `group` is a literal name (`R::new(…, &group)` takes the
    /// definition's group instead).
    pub fn named_group(&mut self, type_name: &str, group: &str) {
        self.note(format!(
            "The resource group `{group}` is named, not referenced: where the definition declares it, use {type_name}::new(…, &group) instead."
        ));
    }

    /// The declaration: the notes (the subscription's last), then the derived builders of `R`
    /// for every attribute not written by hand.
    pub fn finish<R: Resource>(self, constructed: &R, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let mut declaration = Declaration::new(self.address.clone(), self.uses, self.chain);
        for note in self.notes {
            declaration = declaration.note(note);
        }
        if let Some(subscription) = self.live.get("subscription_id").and_then(Value::as_str) {
            declaration = declaration.note(format!(
                "The {} is in subscription {subscription}: the run's AZURE_SUBSCRIPTION_ID must name it.",
                noun(R::TYPE)
            ));
        }
        codegen::plain_builders(declaration, self.live, constructed, &self.handled, ctx)
    }
}

/// What the notes call an object of `type_name`.
fn noun(type_name: &str) -> &'static str {
    match type_name {
        "azure_aks_cluster" => "cluster",
        "azure_resource_group" => "group",
        "azure_mysql_flexible_server" => "server",
        "azure_managed_redis" => "cache",
        "azure_eventhub_namespace" => "namespace",
        _ => "object",
    }
}
