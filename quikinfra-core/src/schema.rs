//! Per-type schemas: which attributes a resource type has and how the engine treats each one.
//!
//! A schema is static data derived from its resource type's struct (`#[derive(Resource)]`, see the
//! `resource` module): one attribute per serialized field, its name the serialized name. It
//! tells the diff engine which attributes force replacement (and why), which the cloud
//! computes, which are sensitive, which are only watched for drift and which values of a watched
//! attribute mean the live object failed (so a plan repairs it); it tells the simulator what to
//! fill in on create.
//!
//! [`AttrValue`] gives every field type its shape ([`AttrType`]) and how providers read it back
//! from erased attributes; [`Attr`] is a typed attribute key, which the derive generates for
//! every attribute (`S3Bucket::BUCKET`), so providers name attributes through the compiler.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

pub use quikinfra_derive::AttrValue;

use crate::addr::Address;
use crate::diag::FieldProblems;
use crate::value::{Attrs, Computed, Ref, Secret, Val, Value};

/// The shape of an attribute's value, used to fill computed attributes and to check specs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrType {
    /// A string.
    String,
    /// A number.
    Number,
    /// A boolean.
    Bool,
    /// A list.
    List,
    /// A map or object.
    Map,
}

impl fmt::Display for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AttrType::String => "string",
            AttrType::Number => "number",
            AttrType::Bool => "boolean",
            AttrType::List => "list",
            AttrType::Map => "map",
        })
    }
}

/// How an attribute's value comes to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrMode {
    /// Set by the definition; compared with live on every plan.
    Input,
    /// Set by the cloud (ids, ARNs, endpoints); unknown until created, referable by others.
    Computed,
    /// May be set by the definition; when left out the cloud picks it and it is not compared.
    InputOrComputed,
    /// Not managed: read from live and reported as drift when it changes, never planned.
    Watch,
}

/// One attribute of a resource type.
#[derive(Clone, Copy, Debug)]
pub struct AttrSchema {
    /// The attribute's name as it appears in attributes and plans.
    pub name: &'static str,
    /// The shape of its value.
    pub ty: AttrType,
    /// How its value comes to be.
    pub mode: AttrMode,
    /// Changing it cannot be done in place: the resource is replaced.
    pub force_new: bool,
    /// Why a change forces replacement, shown in plans (empty: the generic reason).
    pub replace_reason: &'static str,
    /// The value never reaches state, plans or logs.
    pub sensitive: bool,
    /// Values meaning the live object failed: its last operation ended without success (ARM's
    /// `provisioningState` `Failed`). A plan finding one repairs the object, an update sending
    /// the definition again, even when nothing else differs. Empty: no value means failed.
    pub failed: &'static [&'static str],
    /// Whether the attribute is part of the object's name in the cloud (a bucket's name, a
    /// resource's name and group): two resources of one type with the same identity values
    /// would be one object, which validation refuses.
    pub identity: bool,
}

impl AttrSchema {
    /// An input attribute, updatable in place.
    pub const fn input(name: &'static str, ty: AttrType) -> Self {
        Self {
            name,
            ty,
            mode: AttrMode::Input,
            force_new: false,
            replace_reason: "",
            sensitive: false,
            failed: &[],
            identity: false,
        }
    }

    /// Marks the attribute as part of the object's name in the cloud (see [`AttrSchema::identity`]).
    pub const fn identity(self) -> Self {
        Self { identity: true, ..self }
    }

    /// An attribute the cloud computes.
    pub const fn computed(name: &'static str, ty: AttrType) -> Self {
        Self { mode: AttrMode::Computed, ..Self::input(name, ty) }
    }

    /// An attribute the definition may set, else the cloud picks it.
    pub const fn optional_computed(name: &'static str, ty: AttrType) -> Self {
        Self { mode: AttrMode::InputOrComputed, ..Self::input(name, ty) }
    }

    /// An attribute only watched for drift.
    pub const fn watch(name: &'static str, ty: AttrType) -> Self {
        Self { mode: AttrMode::Watch, ..Self::input(name, ty) }
    }

    /// Changing this attribute replaces the resource, for the reason given.
    pub const fn force_new_because(mut self, reason: &'static str) -> Self {
        self.force_new = true;
        self.replace_reason = reason;
        self
    }

    /// The value is secret.
    pub const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// These values of the attribute mean the live object failed and must be repaired.
    pub const fn failed_when(mut self, values: &'static [&'static str]) -> Self {
        self.failed = values;
        self
    }

    /// Whether the definition sets this attribute (input or optional).
    pub fn is_input(&self) -> bool {
        matches!(self.mode, AttrMode::Input | AttrMode::InputOrComputed)
    }

    /// Whether the cloud may fill this attribute in.
    pub fn is_computed(&self) -> bool {
        matches!(self.mode, AttrMode::Computed | AttrMode::InputOrComputed)
    }
}

/// The schema of one resource type.
#[derive(Debug)]
pub struct Schema {
    /// The type name, the first part of addresses: `aws_s3_bucket`.
    pub type_name: &'static str,
    /// The provider family that serves it: `aws`, `azure`, `local`.
    pub provider: &'static str,
    /// Every attribute, in the order plans show them.
    pub attributes: &'static [AttrSchema],
    /// The type's checks against the resources it relates to (a record against its zone, a
    /// distribution's aliases against its certificate), run by validation before any call;
    /// `None` for types whose field rules are all their own.
    pub related: Option<RelatedCheck>,
}

/// A type's check of one of its resources against the rest of the definition
/// ([`Schema::related`]): it records each problem under the resource's field.
pub type RelatedCheck = fn(&Related<'_>, &mut FieldProblems<'_>);

/// The rest of a definition, as a related check sees it: read-only, by address.
pub trait Definition {
    /// The schema and desired attributes of the resource at `address`.
    fn get(&self, address: &Address) -> Option<(&'static Schema, &Attrs)>;

    /// Every resource, in declaration order: address, schema, desired attributes.
    fn each(&self) -> Vec<(&Address, &'static Schema, &Attrs)>;
}

/// One resource under a related check, with the definition around it.
pub struct Related<'a> {
    /// The resource checked.
    pub address: &'a Address,
    /// Its desired attributes.
    pub attrs: &'a Attrs,
    /// The whole definition.
    pub definition: &'a dyn Definition,
}

/// A resource a reference leads to, and the attribute it names.
pub struct Target<'a> {
    /// The resource's address.
    pub address: &'a Address,
    /// Its schema.
    pub schema: &'static Schema,
    /// Its desired attributes.
    pub attrs: &'a Attrs,
    /// The attribute the reference names.
    pub attribute: &'a str,
}

impl<'a> Related<'a> {
    /// The resource `value` refers to, when it is a reference to a declared resource.
    pub fn target(&self, value: &'a Value) -> Option<Target<'a>> {
        let Value::Ref(r) = value else { return None };
        let (schema, attrs) = self.definition.get(&r.address)?;
        Some(Target { address: &r.address, schema, attrs, attribute: &r.attribute })
    }

    /// Follows `value` through references to the first resource of type `type_name` it leads
    /// to (`distribution.acm_certificate_arn` → `validation.certificate_arn` → the certificate),
    /// at most `hops` references deep.
    pub fn follow(&self, value: &'a Value, type_name: &str, hops: usize) -> Option<Target<'a>> {
        let mut at = self.target(value)?;
        for _ in 0..hops {
            if at.schema.type_name == type_name {
                return Some(at);
            }
            at = self.target(at.attrs.get(at.attribute)?)?;
        }
        (at.schema.type_name == type_name).then_some(at)
    }
}

impl Schema {
    /// Whether any attribute names the object in the cloud.
    pub fn has_identity(&self) -> bool {
        self.attributes.iter().any(|a| a.identity)
    }

    /// The attribute called `name`.
    pub fn attr(&self, name: &str) -> Option<&AttrSchema> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The attribute whose value in `live` says the object failed, with that value (see
    /// [`AttrSchema::failed`]); the first in schema order when several do.
    pub fn failure<'a>(&self, live: &'a Attrs) -> Option<(&'static str, &'a str)> {
        self.attributes.iter().find_map(|a| match live.get(a.name) {
            Some(Value::String(value)) if a.failed.contains(&value.as_str()) => Some((a.name, value.as_str())),
            _ => None,
        })
    }

    /// Whether the type carries the standard `tags` map.
    pub fn has_tags(&self) -> bool {
        self.attr("tags").is_some_and(|a| a.ty == AttrType::Map && a.is_input())
    }
}

/// A type a resource attribute can hold: its shape, and how a provider reads it back from the
/// erased attributes it is given.
///
/// Implemented here for the standard types and quikinfra's values; types of a spec's own
/// (enums, nested structs) derive it, the derive reading the shape from their serde
/// attributes: `#[derive(Serialize, AttrValue)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a resource attribute: its shape is unknown",
    label = "no `AttrValue` for this type",
    note = "derive it next to `Serialize` (`#[derive(Serialize, AttrValue)]`): \
            the derive reads the shape (string, map…) from the serde attributes"
)]
pub trait AttrValue {
    /// The shape of the serialized value.
    const TYPE: AttrType;
    /// The type a reference to the attribute carries (`Ref<Target>`): `String` for a
    /// `Computed<String>` or a `Val<String>`.
    type Target;
    /// What a provider reads the attribute as.
    type Read<'a>;
    /// Reads the value, `None` when it has another shape.
    fn read(value: &Value) -> Option<Self::Read<'_>>;
}

macro_rules! attr_values {
    ($($ty:ty => $shape:ident, $read:ty, |$v:ident| $body:expr;)*) => {$(
        impl AttrValue for $ty {
            const TYPE: AttrType = AttrType::$shape;
            type Target = $ty;
            type Read<'a> = $read;
            fn read($v: &Value) -> Option<Self::Read<'_>> {
                $body
            }
        }
    )*};
}

fn number<T: TryFrom<u64> + TryFrom<i64>>(value: &Value) -> Option<T> {
    match value {
        Value::Number(n) => match n.as_u64() {
            Some(u) => T::try_from(u).ok(),
            None => n.as_i64().and_then(|i| T::try_from(i).ok()),
        },
        _ => None,
    }
}

attr_values! {
    String => String, &'a str, |v| v.as_str();
    &'static str => String, &'a str, |v| v.as_str();
    bool => Bool, bool, |v| match v { Value::Bool(b) => Some(*b), _ => None };
    u8 => Number, u8, |v| number(v);
    u16 => Number, u16, |v| number(v);
    u32 => Number, u32, |v| number(v);
    u64 => Number, u64, |v| number(v);
    i32 => Number, i32, |v| number(v);
    i64 => Number, i64, |v| number(v);
    usize => Number, usize, |v| number(v);
    f64 => Number, f64, |v| match v { Value::Number(n) => n.as_f64(), _ => None };
    Attrs => Map, &'a Attrs, |v| v.as_map();
    BTreeMap<String, Value> => Map, &'a Attrs, |v| v.as_map();
}

/// A string map (tags) reads as plain strings; entries of another shape are left out.
impl AttrValue for BTreeMap<String, String> {
    const TYPE: AttrType = AttrType::Map;
    type Target = Self;
    type Read<'a> = BTreeMap<String, String>;
    fn read(value: &Value) -> Option<Self::Read<'_>> {
        let map = value.as_map()?;
        Some(map.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.to_string(), v.to_string()))).collect())
    }
}

impl<T> AttrValue for Vec<T> {
    const TYPE: AttrType = AttrType::List;
    type Target = Self;
    type Read<'a> = &'a [Value];
    fn read(value: &Value) -> Option<&[Value]> {
        match value {
            Value::List(items) => Some(items),
            _ => None,
        }
    }
}

impl<T> AttrValue for BTreeSet<T> {
    const TYPE: AttrType = AttrType::List;
    type Target = Self;
    type Read<'a> = &'a [Value];
    fn read(value: &Value) -> Option<&[Value]> {
        <Vec<T> as AttrValue>::read(value)
    }
}

/// Left out when `None` (not managed); read as what it holds.
impl<T: AttrValue> AttrValue for Option<T> {
    const TYPE: AttrType = T::TYPE;
    type Target = T::Target;
    type Read<'a> = T::Read<'a>;
    fn read(value: &Value) -> Option<T::Read<'_>> {
        T::read(value)
    }
}

/// A known value or a reference: by apply time, the value.
impl<T: AttrValue> AttrValue for Val<T> {
    const TYPE: AttrType = T::TYPE;
    type Target = T::Target;
    type Read<'a> = T::Read<'a>;
    fn read(value: &Value) -> Option<T::Read<'_>> {
        T::read(value)
    }
}

impl<T: AttrValue> AttrValue for Ref<T> {
    const TYPE: AttrType = T::TYPE;
    type Target = T::Target;
    type Read<'a> = T::Read<'a>;
    fn read(value: &Value) -> Option<T::Read<'_>> {
        T::read(value)
    }
}

/// Filled in by the cloud.
impl<T: AttrValue> AttrValue for Computed<T> {
    const TYPE: AttrType = T::TYPE;
    type Target = T::Target;
    type Read<'a> = T::Read<'a>;
    fn read(value: &Value) -> Option<T::Read<'_>> {
        T::read(value)
    }
}

/// A secret is a string: providers get the value itself, resolved at apply time.
impl AttrValue for Secret {
    const TYPE: AttrType = AttrType::String;
    type Target = String;
    type Read<'a> = &'a str;
    fn read(value: &Value) -> Option<&str> {
        value.as_str()
    }
}

/// One plain builder of a resource type, as the derive wrote it: `.method(value)` sets
/// `attribute` ([`BuilderKind`] says how). Code generation calls them to declare live values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builder {
    /// The attribute it sets.
    pub attribute: &'static str,
    /// The method's name.
    pub method: &'static str,
    /// How the method takes its value.
    pub kind: BuilderKind,
}

/// How a [`Builder`] takes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuilderKind {
    /// `.method(value)` sets the whole attribute (`#[resource(setter)]`).
    Set,
    /// `.method(key, value)` adds one entry of a map (`#[resource(insert = "tag")]`).
    Insert,
    /// `.method(item)` adds one item of a list (`#[resource(push = "admin_group")]`).
    Push,
}

/// A typed attribute key: the attribute's name and the type its field holds.
///
/// `#[derive(Resource)]` generates one per attribute (`S3Bucket::BUCKET`, `KmsKey::ARN`), so
/// providers read the erased attributes they are given by a name the compiler checks, as the
/// field's type reads (`&str`, `bool`, a list…).
pub struct Attr<T> {
    name: &'static str,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Attr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Attr<T> {}

impl<T> fmt::Debug for Attr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attr({})", self.name)
    }
}

impl<T> Attr<T> {
    /// The key of the attribute called `name`.
    pub const fn new(name: &'static str) -> Self {
        Self { name, _type: PhantomData }
    }

    /// The attribute's name, as attributes, state and plans spell it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The erased value, if set.
    pub fn get<'a>(&self, attrs: &'a Attrs) -> Option<&'a Value> {
        attrs.get(self.name)
    }

    /// The value in a JSON body of attributes, if set.
    pub fn json<'a>(&self, body: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        body.get(self.name)
    }
}

impl<T: AttrValue> Attr<T> {
    /// The value, as the field's type reads; `None` when unset or of another shape.
    pub fn read<'a>(&self, attrs: &'a Attrs) -> Option<T::Read<'a>> {
        attrs.get(self.name).and_then(T::read)
    }

    /// The value, which the type always sets.
    pub fn require<'a>(&self, attrs: &'a Attrs) -> Result<T::Read<'a>, MissingAttr> {
        self.read(attrs).ok_or(MissingAttr { name: self.name, ty: T::TYPE })
    }

    /// The string value in a JSON body of attributes, which the type always sets.
    pub fn require_str<'a>(&self, body: &'a serde_json::Value) -> Result<&'a str, MissingAttr> {
        self.json(body).and_then(serde_json::Value::as_str).ok_or(MissingAttr { name: self.name, ty: T::TYPE })
    }
}

/// An attribute a provider needs is missing, or has another shape than its type's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("attribute `{name}` is missing or not a {ty}")]
pub struct MissingAttr {
    /// The attribute's name.
    pub name: &'static str,
    /// The shape it should have.
    pub ty: AttrType,
}

/// Replaces every value of a sensitive attribute in `attrs` (as a provider read it) by its
/// fingerprint, so no secret a live object holds reaches state, plans or output.
pub fn mask_sensitive(schema: &Schema, address: &crate::addr::Address, attrs: &mut crate::value::Attrs) {
    use crate::value::Value;
    for a in schema.attributes.iter().filter(|a| a.sensitive) {
        // Looked at before it is changed: attributes already masked keep a shared storage shared.
        let Some(value) = attrs.get(a.name) else { continue };
        if matches!(value, Value::Sensitive(_) | Value::Null) {
            continue;
        }
        let text = match value {
            Value::String(s) => s.clone(),
            other => serde_json::to_string(other).unwrap_or_default(),
        };
        attrs.insert(a.name, Value::Sensitive(crate::value::fingerprint(address, a.name, &text)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TYPE: Schema = Schema {
        type_name: "test_cluster",
        provider: "test",
        attributes: &[
            AttrSchema::watch("power_state", AttrType::String).failed_when(&["Stopped"]),
            AttrSchema::watch("provisioning_state", AttrType::String).failed_when(&["Failed", "Canceled"]),
            AttrSchema::input("size", AttrType::Number),
        ],
        related: None,
    };

    #[test]
    fn a_failed_value_of_a_watched_attribute_names_the_failure() {
        let attrs =
            |pairs: &[(&str, Value)]| -> Attrs { pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() };
        assert_eq!(TYPE.failure(&attrs(&[("provisioning_state", "Succeeded".into())])), None);
        assert_eq!(TYPE.failure(&attrs(&[("size", 3i64.into())])), None);
        assert_eq!(
            TYPE.failure(&attrs(&[("provisioning_state", "Canceled".into())])),
            Some(("provisioning_state", "Canceled"))
        );
        let both = attrs(&[("provisioning_state", "Failed".into()), ("power_state", "Stopped".into())]);
        assert_eq!(TYPE.failure(&both), Some(("power_state", "Stopped")), "schema order decides");
        assert!(AttrSchema::input("x", AttrType::String).failed.is_empty());
    }
}
