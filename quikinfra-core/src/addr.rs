//! Resource addresses: the stable `type.name` identity of every resource (`aws_s3_bucket.media`).
//!
//! An address is what state, plans, references and the CLI use to name a resource. It is
//! immutable and orders by type, then name, which gives every output its deterministic order.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The identity of one resource: its type (`aws_s3_bucket`) and its local name (`media`).
///
/// Kept as one shared `type.name` string and the position of the dot between them, so cloning
/// an address (state, plans, graphs and dependency lists all hold them) costs a reference count,
/// not two allocations.
#[derive(Clone)]
pub struct Address {
    text: Arc<str>,
    dot: usize,
}

impl PartialEq for Address {
    fn eq(&self, other: &Self) -> bool {
        // Clones share one string: the same pointer is the same address.
        Arc::ptr_eq(&self.text, &other.text) || (self.dot == other.dot && self.text == other.text)
    }
}

impl Eq for Address {}

impl Hash for Address {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

/// By type, then name (not by the joined text: `-` sorts before the dot).
impl Ord for Address {
    fn cmp(&self, other: &Self) -> Ordering {
        if Arc::ptr_eq(&self.text, &other.text) {
            return Ordering::Equal;
        }
        // One pass over the joined texts, the dot counting as lower than any character: the
        // same order as comparing (type, name), without two slice comparisons per call.
        let (a, b) = (self.text.as_bytes(), other.text.as_bytes());
        let key = |c: u8| if c == b'.' { 0 } else { c };
        // The common prefix is skipped eight bytes at a time: addresses of one estate share
        // long ones (`aws_s3_bucket.media-`).
        let shorter = a.len().min(b.len());
        let mut at = 0;
        while at + 8 <= shorter && a[at..at + 8] == b[at..at + 8] {
            at += 8;
        }
        while at < shorter && a[at] == b[at] {
            at += 1;
        }
        if at < shorter {
            return key(a[at]).cmp(&key(b[at])).then_with(|| self.dot.cmp(&other.dot));
        }
        a.len().cmp(&b.len()).then_with(|| self.dot.cmp(&other.dot))
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address").field("type_name", &self.type_name()).field("name", &self.name()).finish()
    }
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
        let (type_name, name) = (type_name.into(), name.into());
        let mut text = String::with_capacity(type_name.len() + 1 + name.len());
        text.push_str(&type_name);
        text.push('.');
        text.push_str(&name);
        Self { text: text.into(), dot: type_name.len() }
    }

    /// The resource type, e.g. `aws_s3_bucket`.
    pub fn type_name(&self) -> &str {
        &self.text[..self.dot]
    }

    /// The local name, e.g. `media`.
    pub fn name(&self) -> &str {
        &self.text[self.dot + 1..]
    }

    /// Checks both parts use the allowed alphabet.
    pub fn check(&self) -> Result<(), AddressError> {
        for (part, value) in [("type", self.type_name()), ("name", self.name())] {
            let mut chars = value.chars();
            let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
            let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !first_ok || !rest_ok {
                return Err(AddressError::Characters { address: self.to_string(), part, value: value.to_string() });
            }
        }
        Ok(())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (type_name, name) = s.split_once('.').ok_or_else(|| AddressError::Shape(s.to_string()))?;
        let address = Address { text: s.into(), dot: type_name.len() };
        debug_assert_eq!((address.type_name(), address.name()), (type_name, name));
        address.check()?;
        Ok(address)
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
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
        // By type first, whatever the characters after it: `a` before `a-b`, though `-` < `.`.
        let (short, long): (Address, Address) = ("a.z".parse().unwrap(), "a-b.a".parse().unwrap());
        assert!(short < long);
    }

    proptest::proptest! {
        /// The one-pass comparison orders exactly as (type, name) does, and agrees with `==`.
        #[test]
        fn order_is_by_type_then_name(
            a in ("[a-c][a-c_-]{0,3}", "[a-c][a-c0-9_-]{0,3}"),
            b in ("[a-c][a-c_-]{0,3}", "[a-c][a-c0-9_-]{0,3}"),
        ) {
            let (x, y) = (Address::new(&a.0, &a.1), Address::new(&b.0, &b.1));
            proptest::prop_assert_eq!(x.cmp(&y), (&a.0, &a.1).cmp(&(&b.0, &b.1)));
            proptest::prop_assert_eq!(x == y, a == b);
        }
    }

    #[test]
    fn equal_addresses_hash_alike_and_clones_share_their_text() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |a: &Address| {
            let mut h = DefaultHasher::new();
            a.hash(&mut h);
            h.finish()
        };
        let parsed: Address = "aws_s3_bucket.media".parse().unwrap();
        let built = Address::new("aws_s3_bucket", "media");
        assert_eq!(parsed, built);
        assert_eq!(hash(&parsed), hash(&built));
        assert_ne!(built, Address::new("aws_s3_bucket", "medi"));
        let clone = built.clone();
        assert!(Arc::ptr_eq(&clone.text, &built.text));
        assert_eq!(format!("{clone:?}"), r#"Address { type_name: "aws_s3_bucket", name: "media" }"#);
    }
}
