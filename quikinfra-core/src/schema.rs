//! Per-type schemas: which attributes a resource type has and how the engine treats each one.
//!
//! A schema is static data written next to its resource type. It tells the diff engine which
//! attributes force replacement (and why), which the cloud computes, which are sensitive, which
//! are only watched for drift and which values of a watched attribute mean the live object failed
//! (so a plan repairs it); it tells the simulator what to fill in on create.

use crate::value::{Attrs, Value};

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
}

impl AttrSchema {
    /// An input attribute, updatable in place.
    pub const fn input(name: &'static str, ty: AttrType) -> Self {
        Self { name, ty, mode: AttrMode::Input, force_new: false, replace_reason: "", sensitive: false, failed: &[] }
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

    /// Changing this attribute replaces the resource.
    pub const fn force_new(mut self) -> Self {
        self.force_new = true;
        self
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
}

impl Schema {
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

/// Replaces every value of a sensitive attribute in `attrs` (as a provider read it) by its
/// fingerprint, so no secret a live object holds reaches state, plans or output.
pub fn mask_sensitive(schema: &Schema, address: &crate::addr::Address, attrs: &mut crate::value::Attrs) {
    use crate::value::Value;
    for a in schema.attributes.iter().filter(|a| a.sensitive) {
        let Some(value) = attrs.get_mut(a.name) else { continue };
        if matches!(value, Value::Sensitive(_) | Value::Null) {
            continue;
        }
        let text = match &*value {
            Value::String(s) => s.clone(),
            other => serde_json::to_string(other).unwrap_or_default(),
        };
        *value = Value::Sensitive(crate::value::fingerprint(address, a.name, &text));
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
