//! Resource addresses: the stable `type.name` identity of every resource (`aws_s3_bucket.media`).
//!
//! An address is what state, plans, references and the CLI use to name a resource. It is
//! immutable and orders by type, then name, which gives every output its deterministic order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The identity of one resource: its type (`aws_s3_bucket`) and its local name (`media`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Address {
    type_name: String,
    name: String,
}

/// Why a string is not a valid address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    /// The string has no `.` between type and name.
    #[error("address `{0}` must look like `type.name`")]
    Shape(String),
    /// A part holds characters other than lowercase letters, digits, `_` and `-`.
    #[error("address `{address}`: {part} `{value}` may only hold a-z, 0-9, `_` and `-`, starting with a letter")]
    Characters {
        /// The whole address.
        address: String,
        /// `type` or `name`.
        part: &'static str,
        /// The offending part.
        value: String,
    },
}

impl Address {
    /// Builds an address; the parts are checked by [`Address::check`] during validation.
    pub fn new(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Self { type_name: type_name.into(), name: name.into() }
    }

    /// The resource type, e.g. `aws_s3_bucket`.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The local name, e.g. `media`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks both parts use the allowed alphabet.
    pub fn check(&self) -> Result<(), AddressError> {
        for (part, value) in [("type", &self.type_name), ("name", &self.name)] {
            let mut chars = value.chars();
            let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
            let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !first_ok || !rest_ok {
                return Err(AddressError::Characters { address: self.to_string(), part, value: value.clone() });
            }
        }
        Ok(())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (type_name, name) = s.split_once('.').ok_or_else(|| AddressError::Shape(s.to_string()))?;
        let address = Address::new(type_name, name);
        address.check()?;
        Ok(address)
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        let a: Address = "aws_s3_bucket.media".parse().unwrap();
        assert_eq!(a.type_name(), "aws_s3_bucket");
        assert_eq!(a.name(), "media");
        assert_eq!(a.to_string(), "aws_s3_bucket.media");
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!("nodot".parse::<Address>(), Err(AddressError::Shape("nodot".into())));
        assert!(matches!("aws.Media".parse::<Address>(), Err(AddressError::Characters { part: "name", .. })));
        assert!(matches!("9x.a".parse::<Address>(), Err(AddressError::Characters { part: "type", .. })));
    }

    #[test]
    fn orders_by_type_then_name() {
        let mut v: Vec<Address> = ["b.a", "a.z", "a.b"].iter().map(|s| s.parse().unwrap()).collect();
        v.sort();
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["a.b", "a.z", "b.a"]);
    }
}
