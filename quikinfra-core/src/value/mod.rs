//! Attribute values: known data, references to other resources' attributes, unknowns and secrets.
//!
//! A resource's attributes are an ordered map of [`Value`]s. Most values are known data; a
//! [`Value::Ref`] points at another resource's attribute and stays unknown until that resource
//! is applied; [`Value::Unknown`] is an attribute the cloud computes; [`Value::Secret`] says where
//! to fetch a secret at apply time and [`Value::Sensitive`] is the only trace of one that state
//! keeps (a fingerprint). Typed specs hold [`Val<T>`] and [`Ref<T>`] so references are checked
//! by the compiler; the engine sees the erased [`Value`].
//!
//! In JSON (state, saved plans) the non-data variants are one-key objects with a reserved key:
//! `{"$ref": "type.name.attr"}`, `{"$unknown": true}`, `{"$secret": {...}}`, `{"$sensitive": "sha256:…"}`.
//! Maps whose only key is one of these are therefore reserved.

use std::fmt;
use std::marker::PhantomData;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::addr::Address;

mod attrs;
mod name;

pub use attrs::{Attrs, Iter, IterMut};
pub use name::Name;

const REF_KEY: &str = "$ref";
const UNKNOWN_KEY: &str = "$unknown";
const SECRET_KEY: &str = "$secret";
const SENSITIVE_KEY: &str = "$sensitive";

/// One attribute value.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// No value.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, kept exactly as written.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An ordered list.
    List(Vec<Value>),
    /// A map with sorted keys (the same compact, shared storage as a resource's attributes).
    Map(Attrs),
    /// Another resource's attribute: unknown until that resource is applied. Boxed, like
    /// `Secret`, so the common variants keep `Value` at 32 bytes.
    Ref(Box<Reference>),
    /// Computed by the cloud: known after apply.
    Unknown,
    /// Where to fetch a secret at apply time, and its fingerprint once resolved. Never the value.
    Secret(Box<SecretSpec>),
    /// What state keeps of a sensitive value: a fingerprint, never the value.
    Sensitive(String),
}

impl Value {
    /// Whether the value (and everything inside it) is known data.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Ref(_) | Value::Unknown | Value::Secret(_) => false,
            Value::List(items) => items.iter().all(Value::is_known),
            Value::Map(map) => map.values().all(Value::is_known),
            _ => true,
        }
    }

    /// Every reference inside the value, in order of appearance.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.collect_references(&mut out);
        out
    }

    fn collect_references<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        match self {
            Value::Ref(r) => out.push(r),
            Value::List(items) => items.iter().for_each(|v| v.collect_references(out)),
            Value::Map(map) => map.values().for_each(|v| v.collect_references(out)),
            _ => {}
        }
    }

    /// Whether a reference is anywhere inside the value.
    pub fn has_references(&self) -> bool {
        match self {
            Value::Ref(_) => true,
            Value::List(items) => items.iter().any(Value::has_references),
            Value::Map(map) => map.values().any(Value::has_references),
            _ => false,
        }
    }

    /// Replaces every reference by what `resolve` answers for it (None keeps the reference).
    /// A list or map without references is the same value, its storage shared.
    pub fn resolve_with(&self, resolve: &mut impl FnMut(&Reference) -> Option<Value>) -> Value {
        match self {
            Value::Ref(r) => resolve(r).unwrap_or_else(|| self.clone()),
            Value::List(items) if items.iter().any(Value::has_references) => {
                Value::List(items.iter().map(|v| v.resolve_with(resolve)).collect())
            }
            Value::Map(map) if map.values().any(Value::has_references) => {
                Value::Map(map.iter().map(|(k, v)| (*k, v.resolve_with(resolve))).collect())
            }
            _ => self.clone(),
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean inside, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The map inside, if this is a map.
    pub fn as_map(&self) -> Option<&Attrs> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Converts plain JSON, decoding the reserved one-key objects.
    pub fn from_json(json: serde_json::Value) -> Result<Value, String> {
        Ok(match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from_json).collect::<Result<_, _>>()?)
            }
            serde_json::Value::Object(map) => {
                if map.len() == 1 {
                    let (key, inner) = map.iter().next().expect("one entry");
                    match key.as_str() {
                        REF_KEY => {
                            let text = inner.as_str().ok_or("`$ref` must be a string")?;
                            return Ok(Value::Ref(Box::new(text.parse()?)));
                        }
                        UNKNOWN_KEY => return Ok(Value::Unknown),
                        SECRET_KEY => {
                            let spec = serde_json::from_value(inner.clone()).map_err(|e| format!("`$secret`: {e}"))?;
                            return Ok(Value::Secret(spec));
                        }
                        SENSITIVE_KEY => {
                            let text = inner.as_str().ok_or("`$sensitive` must be a string")?;
                            return Ok(Value::Sensitive(text.to_string()));
                        }
                        _ => {}
                    }
                }
                Value::Map(map.into_iter().map(|(k, v)| Ok((k, Value::from_json(v)?))).collect::<Result<_, String>>()?)
            }
        })
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(n.into())
    }
}
impl<T> From<Ref<T>> for Value {
    fn from(r: Ref<T>) -> Self {
        Value::Ref(Box::new(r.reference))
    }
}
impl From<Reference> for Value {
    fn from(r: Reference) -> Self {
        Value::Ref(Box::new(r))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => serializer.collect_seq(items),
            Value::Map(map) => map.serialize(serializer),
            Value::Ref(r) => one_key(serializer, REF_KEY, &r.to_string()),
            Value::Unknown => one_key(serializer, UNKNOWN_KEY, &true),
            Value::Secret(spec) => one_key(serializer, SECRET_KEY, spec),
            Value::Sensitive(fp) => one_key(serializer, SENSITIVE_KEY, fp),
        }
    }
}

fn one_key<S: Serializer, V: Serialize + ?Sized>(serializer: S, key: &str, value: &V) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, value)?;
    map.end()
}

impl<'de> Deserialize<'de> for Value {
    /// Decodes in one pass, straight from the document (no intermediate `serde_json::Value`):
    /// reserved one-key objects (`$ref`, `$unknown`, `$secret`, `$sensitive`) become their
    /// variants, like [`Value::from_json`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(n).map(Value::Number).ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<Name>()? else { return Ok(Value::Map(Attrs::new())) };
        if matches!(first.as_str(), REF_KEY | UNKNOWN_KEY | SECRET_KEY | SENSITIVE_KEY) {
            // A reserved key: the value is one of the variants if it is the only key.
            let inner: serde_json::Value = map.next_value()?;
            let Some(second) = map.next_key::<Name>()? else {
                let one = serde_json::Value::Object(std::iter::once((first.to_string(), inner)).collect());
                return Value::from_json(one).map_err(A::Error::custom);
            };
            let mut out = vec![(first, Value::from_json(inner).map_err(A::Error::custom)?)];
            out.push((second, map.next_value::<Value>()?));
            while let Some(pair) = map.next_entry::<Name, Value>()? {
                out.push(pair);
            }
            return Ok(Value::Map(Attrs::from_pairs(out)));
        }
        let mut first = Some(first);
        let attrs = Attrs::read_with(|| match first.take() {
            Some(name) => map.next_value::<Value>().map(|value| Some((name, value))),
            None => map.next_entry::<Name, Value>(),
        })?;
        Ok(Value::Map(attrs))
    }
}

/// A reference to one attribute of another resource: `aws_kms_key.media.arn`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// The resource referred to.
    pub address: Address,
    /// The attribute of that resource.
    pub attribute: String,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.address, self.attribute)
    }
}

impl std::str::FromStr for Reference {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, '.');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(t), Some(n), Some(a)) if !a.is_empty() => {
                Ok(Reference { address: Address::new(t, n), attribute: a.to_string() })
            }
            _ => Err(format!("reference `{s}` must look like `type.name.attribute`")),
        }
    }
}

/// A typed reference to another resource's attribute, as returned by accessors like `key.arn()`.
///
/// `T` is the attribute's type; a field typed `Val<T>` accepts either a `T` or a `Ref<T>`.
pub struct Ref<T> {
    reference: Reference,
    _type: PhantomData<fn() -> T>,
}

impl<T> Ref<T> {
    /// A reference to `attribute` of the resource at `address`.
    pub fn new(address: Address, attribute: &str) -> Self {
        Self { reference: Reference { address, attribute: attribute.to_string() }, _type: PhantomData }
    }

    /// The erased reference.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }
}

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        Self { reference: self.reference.clone(), _type: PhantomData }
    }
}

impl<T> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ref({})", self.reference)
    }
}

impl<T> Serialize for Ref<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        one_key(serializer, REF_KEY, &self.reference.to_string())
    }
}

/// A field that holds either a known `T` or a reference to another resource's attribute of type `T`.
#[derive(Clone, Debug)]
pub enum Val<T> {
    /// Known when the definition is written.
    Known(T),
    /// Known once the referred resource is applied.
    Ref(Ref<T>),
}

impl<T> From<T> for Val<T> {
    fn from(v: T) -> Self {
        Val::Known(v)
    }
}

impl From<&str> for Val<String> {
    fn from(v: &str) -> Self {
        Val::Known(v.to_string())
    }
}

impl<T> From<Ref<T>> for Val<T> {
    fn from(r: Ref<T>) -> Self {
        Val::Ref(r)
    }
}

impl<T> From<&Ref<T>> for Val<T> {
    fn from(r: &Ref<T>) -> Self {
        Val::Ref(r.clone())
    }
}

impl<T: Serialize> Serialize for Val<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Known(v) => v.serialize(serializer),
            Val::Ref(r) => r.serialize(serializer),
        }
    }
}

/// An attribute the cloud computes (an id, an ARN, an endpoint), declared as a field of its
/// resource type: `#[serde(skip)] #[resource(computed)] arn: Computed<String>`.
///
/// It holds nothing: the value exists only once the resource is created, in state, and other
/// resources refer to it through the type's accessor (`bucket.arn()`). It deliberately does
/// not implement `Serialize`: a computed field is never part of what a definition sets.
pub struct Computed<T>(PhantomData<fn() -> T>);

impl<T> Computed<T> {
    /// The placeholder a constructor puts in the field.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for Computed<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for Computed<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Computed<T> {}

impl<T> fmt::Debug for Computed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(known after apply)")
    }
}

/// Where a secret comes from. The value itself is fetched only at plan and apply time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretSpec {
    /// The environment variable holding the secret.
    pub env: String,
    /// The fingerprint of the value, filled in when the plan resolves the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// A secret in a typed spec: `Secret::from_env("MYSQL_ADMIN_PASSWORD")`.
///
/// The value never reaches state, plans or logs; state keeps a salted fingerprint so a
/// rotated secret still shows as a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    env: String,
}

impl Secret {
    /// A secret read from the environment variable `name` at plan and apply time.
    pub fn from_env(name: impl Into<String>) -> Self {
        Self { env: name.into() }
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let spec = SecretSpec { env: self.env.clone(), fingerprint: None };
        one_key(serializer, SECRET_KEY, &spec)
    }
}

/// Reads a secret's value from its environment variable. When unset and `placeholders` is on
/// (the simulator target, which needs no real secrets), a fixed stand-in derived from the
/// variable name is used instead.
pub fn read_secret(spec: &SecretSpec, placeholders: bool) -> Option<String> {
    match std::env::var(&spec.env) {
        Ok(v) => Some(v),
        Err(_) if placeholders => Some(format!("simulator-placeholder-for-{}", spec.env)),
        Err(_) => None,
    }
}

/// The fingerprint state keeps of a sensitive value: salted with where it lives, so equal
/// passwords on two resources do not share a fingerprint.
pub fn fingerprint(address: &Address, attribute: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"quikinfra-sensitive-v1\0");
    hasher.update(address.to_string().as_bytes());
    hasher.update(b"\0");
    hasher.update(attribute.as_bytes());
    hasher.update(b"\0");
    hasher.update(secret.as_bytes());
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_objects_round_trip_through_json() {
        let mut inner = Attrs::new();
        inner.insert("env", Value::from("staging"));
        let value = Value::List(vec![
            Value::Ref(Box::new("aws_kms_key.media.arn".parse().unwrap())),
            Value::Unknown,
            Value::Sensitive("sha256:ab".into()),
            Value::Secret(Box::new(SecretSpec { env: "PW".into(), fingerprint: None })),
            Value::Map(inner),
            Value::from(3i64),
            Value::Null,
        ]);
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(
            json,
            r#"[{"$ref":"aws_kms_key.media.arn"},{"$unknown":true},{"$sensitive":"sha256:ab"},{"$secret":{"env":"PW"}},{"env":"staging"},3,null]"#
        );
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn typed_fields_serialize_to_erased_values() {
        #[derive(Serialize)]
        struct Spec {
            key: Val<String>,
            name: Val<String>,
            password: Secret,
        }
        let spec = Spec {
            key: Ref::<String>::new(Address::new("aws_kms_key", "media"), "arn").into(),
            name: "bucket".into(),
            password: Secret::from_env("PW"),
        };
        let value = Value::from_json(serde_json::to_value(&spec).unwrap()).unwrap();
        let map = value.as_map().unwrap();
        assert_eq!(map["key"], Value::Ref(Box::new("aws_kms_key.media.arn".parse().unwrap())));
        assert_eq!(map["name"], Value::from("bucket"));
        assert!(matches!(&map["password"], Value::Secret(s) if s.env == "PW"));
        assert!(!value.is_known());
        assert_eq!(value.references().len(), 1);
    }

    #[test]
    fn fingerprints_are_salted_by_location() {
        let a = Address::new("t", "a");
        let b = Address::new("t", "b");
        assert_ne!(fingerprint(&a, "pw", "s3cret"), fingerprint(&b, "pw", "s3cret"));
        assert_eq!(fingerprint(&a, "pw", "s3cret"), fingerprint(&a, "pw", "s3cret"));
        assert!(!fingerprint(&a, "pw", "s3cret").contains("s3cret"));
    }
}

#[cfg(test)]
mod size {
    /// Attribute maps hold many values: the rare, large variants are boxed to keep this small.
    #[test]
    fn a_value_is_four_words() {
        assert_eq!(std::mem::size_of::<super::Value>(), 32);
    }
}
