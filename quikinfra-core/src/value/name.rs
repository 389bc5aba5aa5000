//! Interned names: the keys of attribute maps.
//!
//! An estate of 100,000 resources repeats the same few dozen attribute names (`arn`, `tags`,
//! `size`, …) and tag keys (`environment`, `managed_by`, …) in the definition, the state, the
//! provider's answers and the plan. A [`Name`] holds each distinct string once for the life of
//! the process: a copy is two words with no allocation, and two names are equal exactly when
//! they point at the same bytes.
//!
//! Names are never freed. They come from resource schemas, definitions and state documents, so
//! the set of distinct names is what the estate spells, not what it holds.
//!
//! (The interner is a read-mostly `RwLock<FxHashSet<&'static str>>` of leaked strings: a crate
//! such as `ustr` would do the same at the price of four more dependencies in the engine.)

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{OnceLock, RwLock};

use rustc_hash::FxHashSet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One interned name. Ordered, compared and hashed as its text (equality first compares the
/// pointers, which is all it takes for two interned names).
#[derive(Clone, Copy)]
pub struct Name(&'static str);

fn interned() -> &'static RwLock<FxHashSet<&'static str>> {
    static NAMES: OnceLock<RwLock<FxHashSet<&'static str>>> = OnceLock::new();
    NAMES.get_or_init(|| RwLock::new(FxHashSet::default()))
}

/// Slots in each thread's cache of names it looked up lately.
const RECENT_SLOTS: usize = 256;

thread_local! {
    /// Names this thread looked up lately, by hash: reading a document looks up the same few
    /// dozen names again and again, and a hit here takes no lock.
    static RECENT: std::cell::RefCell<[Option<&'static str>; RECENT_SLOTS]> =
        const { std::cell::RefCell::new([None; RECENT_SLOTS]) };
}

impl Name {
    /// The one `Name` spelling `text`.
    pub fn new(text: &str) -> Self {
        let slot = {
            let mut h = rustc_hash::FxHasher::default();
            h.write(text.as_bytes());
            h.finish() as usize % RECENT_SLOTS
        };
        let recent = RECENT.with(|r| r.borrow()[slot].filter(|found| *found == text));
        if let Some(found) = recent {
            return Name(found);
        }
        let name = Self::intern(text);
        RECENT.with(|r| r.borrow_mut()[slot] = Some(name.0));
        name
    }

    /// The one `Name` spelling `text`, from the process's set.
    fn intern(text: &str) -> Self {
        // A poisoned lock still holds a consistent set: insertion is one call that cannot
        // leave it half-done.
        if let Some(found) = interned().read().unwrap_or_else(|e| e.into_inner()).get(text) {
            return Name(found);
        }
        let mut names = interned().write().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = names.get(text) {
            return Name(found);
        }
        let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
        names.insert(leaked);
        Name(leaked)
    }

    /// The text.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        // Interned: the same text is the same pointer.
        std::ptr::eq(self.0.as_ptr(), other.0.as_ptr()) && self.0.len() == other.0.len()
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_str()
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        if self == other { Ordering::Equal } else { self.0.cmp(other.0) }
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As the text, so that `Borrow<str>` lookups in hashed collections agree.
        self.0.hash(state)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Self {
        Name::new(text)
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Self {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Self {
        Name::new(&text)
    }
}

impl From<&Name> for Name {
    fn from(name: &Name) -> Self {
        *name
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.0.to_owned()
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl serde::de::Visitor<'_> for NameVisitor {
            type Value = Name;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name")
            }

            fn visit_str<E>(self, text: &str) -> Result<Name, E> {
                Ok(Name::new(text))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_text_is_one_name() {
        let a = Name::new("arn");
        let b = Name::from(String::from("arn"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_ne!(a, Name::new("arn2"));
        assert_eq!(a, "arn");
    }

    #[test]
    fn names_order_as_their_text() {
        let mut names: Vec<Name> = ["b", "a-b", "a", "ab"].into_iter().map(Name::new).collect();
        names.sort();
        let texts: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        assert_eq!(texts, ["a", "a-b", "ab", "b"]);
    }

    #[test]
    fn a_name_round_trips_through_json() {
        let name: Name = serde_json::from_str("\"managed_by\"").unwrap();
        assert_eq!(name, Name::new("managed_by"));
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"managed_by\"");
    }
}
