//! Reading the engine's erased attributes ([`Attrs`]) and building them back.
//!
//! The provider's input is exactly what the typed specs serialize (`S3Bucket` → `bucket`,
//! `lifecycle_rules`…), references and secrets already resolved; what it returns must have the
//! same shape, so that an unchanged resource compares equal attribute by attribute. A spec's
//! own attributes are read and written through its typed keys (`S3Bucket::BUCKET`); the helpers
//! here read the nested maps inside them (a lifecycle rule, a cache behavior), by string key.

use quikinfra_core::provider::ProviderError;
use quikinfra_core::schema::Attr;
use quikinfra_core::value::{Attrs, Value};

/// An attribute's name: a typed key of the spec (`S3Bucket::ARN`) for its own attributes, a
/// string for the keys of nested maps.
pub(crate) trait Key {
    /// The name.
    fn key(&self) -> &str;
}

impl Key for &str {
    fn key(&self) -> &str {
        self
    }
}

impl<T> Key for Attr<T> {
    fn key(&self) -> &str {
        self.name()
    }
}

/// The string attribute `name`, if set.
pub(crate) fn str_of<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// The string attribute `name`, which the type always sets.
pub(crate) fn required_str<'a>(attrs: &'a Attrs, name: &str) -> Result<&'a str, ProviderError> {
    str_of(attrs, name)
        .ok_or_else(|| ProviderError::permanent(format!("attribute `{name}` is missing or not a string")))
}

/// The boolean attribute `name`, if set.
pub(crate) fn bool_of(attrs: &Attrs, name: &str) -> Option<bool> {
    match attrs.get(name) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

/// The whole-number attribute `name`, if set and representable.
pub(crate) fn int_of(attrs: &Attrs, name: &str) -> Option<i64> {
    match attrs.get(name) {
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
}

/// The list attribute `name` (empty when unset).
pub(crate) fn list_of<'a>(attrs: &'a Attrs, name: &str) -> &'a [Value] {
    match attrs.get(name) {
        Some(Value::List(items)) => items,
        _ => &[],
    }
}

/// A map of strings as a value.
pub(crate) fn string_map<I, K, V>(pairs: I) -> Value
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    Value::Map(pairs.into_iter().map(|(k, v)| (k.into(), Value::String(v.into()))).collect())
}

/// A whole number as a value.
pub(crate) fn int(n: i64) -> Value {
    Value::Number(n.into())
}

/// Small builder for attribute maps.
#[derive(Default)]
pub(crate) struct MapBuilder(Attrs);

impl MapBuilder {
    /// Sets `name`.
    pub(crate) fn set(mut self, name: impl Key, value: impl Into<Value>) -> Self {
        self.0.insert(name.key().to_string(), value.into());
        self
    }

    /// Sets `name` when `value` is some.
    pub(crate) fn set_opt(mut self, name: impl Key, value: Option<impl Into<Value>>) -> Self {
        if let Some(v) = value {
            self.0.insert(name.key().to_string(), v.into());
        }
        self
    }

    /// The finished map.
    pub(crate) fn build(self) -> Attrs {
        self.0
    }

    /// The finished map as a value.
    pub(crate) fn value(self) -> Value {
        Value::Map(self.0)
    }
}
