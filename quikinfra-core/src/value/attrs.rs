//! [`Attrs`]: a resource's attributes (and any map inside a value), compact and shared.
//!
//! A plan over N resources holds each resource's attributes several times over: as the
//! definition declares them, as state recorded them, as the provider read them back and as the
//! plan expects them after apply. Most of these are equal. `Attrs` is therefore a sorted vector
//! of ([`Name`], [`Value`]) pairs behind a reference count:
//!
//! - a clone is a reference count, so equal copies share one storage (the plan keeps prior and
//!   planned values in one allocation when they agree); a change copies first (copy on write),
//!   so no holder ever sees another's edit;
//! - names are interned, so a pair is one [`Name`] (two words) and a [`Value`], with no
//!   allocation per key, and the same key compares by pointer;
//! - lookups are binary searches over a few dozen pairs, iteration is in name order, as with
//!   the `BTreeMap<String, Value>` this replaces, whose API it keeps.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Value;
use super::name::Name;

/// Attributes ordered by name; a clone shares the storage until either side changes it.
#[derive(Clone, Default)]
pub struct Attrs(Arc<Vec<(Name, Value)>>);

impl Attrs {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(name, _)| name.as_str().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    /// The stored name and value of `key`.
    pub fn get_key_value(&self, key: &str) -> Option<(&Name, &Value)> {
        self.position(key).ok().map(|i| {
            let (name, value) = &self.0[i];
            (name, value)
        })
    }

    /// The value of `key`, to change in place (copying a shared storage first).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let i = self.position(key).ok()?;
        Some(&mut Arc::make_mut(&mut self.0)[i].1)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`, answering the value it replaced. Setting the value a key already
    /// has changes nothing, so a storage shared with clones stays shared.
    pub fn insert(&mut self, key: impl Into<Name>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.position(&key) {
            Ok(i) if self.0[i].1 == value => Some(value),
            Ok(i) => Some(std::mem::replace(&mut Arc::make_mut(&mut self.0)[i].1, value)),
            Err(i) => {
                Arc::make_mut(&mut self.0).insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`, answering its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key).ok()?;
        Some(Arc::make_mut(&mut self.0).remove(i).1)
    }

    /// The value of `key`, inserting `make()` first when it is not set.
    pub fn get_or_insert_with(&mut self, key: impl Into<Name>, make: impl FnOnce() -> Value) -> &mut Value {
        let key = key.into();
        let entries = Arc::make_mut(&mut self.0);
        let i = match entries.binary_search_by(|(name, _)| name.as_str().cmp(key.as_str())) {
            Ok(i) => i,
            Err(i) => {
                entries.insert(i, (key, make()));
                i
            }
        };
        &mut entries[i].1
    }

    /// Keeps only the attributes `keep` says yes to. Storage shared with other maps stays
    /// shared when `keep` keeps everything (it is asked first whether anything goes).
    pub fn retain(&mut self, mut keep: impl FnMut(&Name, &Value) -> bool) {
        if self.0.iter().all(|(name, value)| keep(name, value)) {
            return;
        }
        Arc::make_mut(&mut self.0).retain(|(name, value)| keep(name, value));
    }

    /// Moves every attribute of `other` into `self` (replacing equal names), leaving `other` empty.
    pub fn append(&mut self, other: &mut Attrs) {
        let taken = std::mem::take(other);
        self.extend(taken);
    }

    /// The attributes, in name order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.0.iter())
    }

    /// The attributes, in name order, to change in place (copying a shared storage first).
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(Arc::make_mut(&mut self.0).iter_mut())
    }

    /// The names, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Name> + ExactSizeIterator + '_ {
        self.0.iter().map(|(name, _)| name)
    }

    /// The values, in name order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + '_ {
        self.0.iter().map(|(_, value)| value)
    }

    /// The values, in name order, to change in place (copying a shared storage first).
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator + '_ {
        Arc::make_mut(&mut self.0).iter_mut().map(|(_, value)| value)
    }

    /// The first attribute in name order.
    pub fn first_key_value(&self) -> Option<(&Name, &Value)> {
        self.0.first().map(|(name, value)| (name, value))
    }

    /// The last attribute in name order.
    pub fn last_key_value(&self) -> Option<(&Name, &Value)> {
        self.0.last().map(|(name, value)| (name, value))
    }

    /// Whether `a` and `b` are one storage (a clone neither side has changed since).
    pub fn shares(a: &Attrs, b: &Attrs) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// Builds from pairs in any order; of pairs with equal names the last wins.
    pub(super) fn from_pairs(entries: Vec<(Name, Value)>) -> Self {
        Self(Arc::new(Self::normalised(entries)))
    }

    /// Reads a map's pairs with `next`, which is called until it answers `None` and may itself
    /// read nested maps. The pairs are gathered on one stack per thread and the map gets an
    /// allocation of exactly its size: no growing, and no shrinking afterwards.
    pub(super) fn read_with<E>(mut next: impl FnMut() -> Result<Option<(Name, Value)>, E>) -> Result<Self, E> {
        thread_local! {
            static PAIRS: std::cell::RefCell<Vec<(Name, Value)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let start = PAIRS.with_borrow(Vec::len);
        let unwind = |pairs: &mut Vec<(Name, Value)>| pairs.truncate(start);
        loop {
            // Not borrowed while `next` runs: a nested map pushes its own pairs above ours.
            match next() {
                Ok(Some(pair)) => PAIRS.with_borrow_mut(|pairs| pairs.push(pair)),
                Ok(None) => break,
                Err(e) => {
                    PAIRS.with_borrow_mut(unwind);
                    return Err(e);
                }
            }
        }
        let entries: Vec<(Name, Value)> = PAIRS.with_borrow_mut(|pairs| pairs.drain(start..).collect());
        Ok(Self::from_pairs(entries))
    }

    fn normalised(mut entries: Vec<(Name, Value)>) -> Vec<(Name, Value)> {
        let sorted = entries.windows(2).all(|w| w[0].0.as_str() < w[1].0.as_str());
        if !sorted {
            entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            // `dedup_by` keeps the earlier of two equal pairs: give it the later one's value.
            entries.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    std::mem::swap(&mut later.1, &mut kept.1);
                }
                same
            });
        }
        if entries.capacity() > entries.len() {
            entries.shrink_to_fit();
        }
        entries
    }
}

/// The attributes of an [`Attrs`], by reference, in name order.
#[derive(Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, (Name, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Name, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(name, value)| (name, value))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// The attributes of an [`Attrs`], values changeable, in name order.
pub struct IterMut<'a>(std::slice::IterMut<'a, (Name, Value)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a Name, &'a mut Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (&*name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for IterMut<'_> {}

impl<'a> IntoIterator for &'a Attrs {
    type Item = (&'a Name, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Attrs {
    type Item = (Name, Value);
    type IntoIter = std::vec::IntoIter<(Name, Value)>;

    /// The pairs by value: taken when this was the only holder, copied otherwise.
    fn into_iter(self) -> Self::IntoIter {
        Arc::unwrap_or_clone(self.0).into_iter()
    }
}

impl<K: Into<Name>> FromIterator<(K, Value)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(pairs: I) -> Self {
        Self::from_pairs(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<K: Into<Name>> Extend<(K, Value)> for Attrs {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, pairs: I) {
        for (key, value) in pairs {
            self.insert(key, value);
        }
    }
}

impl<K: Into<Name>, const N: usize> From<[(K, Value); N]> for Attrs {
    fn from(pairs: [(K, Value); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl From<BTreeMap<String, Value>> for Attrs {
    fn from(map: BTreeMap<String, Value>) -> Self {
        // Already in name order: `from_pairs` only checks.
        map.into_iter().collect()
    }
}

impl std::ops::Index<&str> for Attrs {
    type Output = Value;

    /// The value of `key`; panics when it is not set, like a map's index.
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(value) => value,
            None => panic!("no attribute `{key}`"),
        }
    }
}

impl PartialEq for Attrs {
    fn eq(&self, other: &Self) -> bool {
        Attrs::shares(self, other) || self.0 == other.0
    }
}

impl fmt::Debug for Attrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Attrs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name.as_str(), value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Attrs {
    /// A JSON object of values, in one pass; a reserved one-key object (`{"$ref": …}`) is
    /// refused here, since attributes are a map, not a value.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttrsVisitor;
        impl<'de> serde::de::Visitor<'de> for AttrsVisitor {
            type Value = Attrs;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of attributes")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Attrs, A::Error> {
                Attrs::read_with(|| map.next_entry::<Name, Value>())
            }
        }
        deserializer.deserialize_map(AttrsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, i64)]) -> Attrs {
        pairs.iter().map(|(k, v)| (*k, Value::from(*v))).collect()
    }

    #[test]
    fn pairs_are_kept_in_name_order_and_the_last_of_equal_names_wins() {
        let a = attrs(&[("b", 1), ("a", 2), ("b", 3), ("a-b", 4)]);
        let names: Vec<&str> = a.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["a", "a-b", "b"]);
        assert_eq!(a.get("b"), Some(&Value::from(3i64)));
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn a_clone_shares_until_one_side_changes() {
        let a = attrs(&[("size", 1), ("zone", 2)]);
        let mut b = a.clone();
        assert!(Attrs::shares(&a, &b));
        b.insert("size", Value::from(5i64));
        assert!(!Attrs::shares(&a, &b));
        assert_eq!(a.get("size"), Some(&Value::from(1i64)), "the original is untouched");
        assert_eq!(b.get("size"), Some(&Value::from(5i64)));
        assert_ne!(a, b);
    }

    #[test]
    fn insert_remove_and_retain_behave_as_a_map() {
        let mut a = Attrs::new();
        assert_eq!(a.insert("z", Value::from(1i64)), None);
        assert_eq!(a.insert("m", Value::from(2i64)), None);
        assert_eq!(a.insert("z", Value::from(3i64)), Some(Value::from(1i64)));
        assert_eq!(a.remove("m"), Some(Value::from(2i64)));
        assert_eq!(a.remove("m"), None);
        a.insert("k", Value::from(4i64));
        a.retain(|name, _| name != "z");
        assert_eq!(a, attrs(&[("k", 4)]));
        *a.get_or_insert_with("n", || Value::from(0i64)) = Value::from(9i64);
        assert_eq!(a["n"], Value::from(9i64));
    }

    #[test]
    fn json_round_trip_sorts_whatever_order_it_reads() {
        let a: Attrs = serde_json::from_str(r#"{"zone":"a","size":3,"tags":{"b":"1","a":"2"}}"#).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"size":3,"tags":{"a":"2","b":"1"},"zone":"a"}"#);
    }

    #[test]
    fn an_attribute_list_is_small() {
        assert_eq!(std::mem::size_of::<Attrs>(), 8);
        assert_eq!(std::mem::size_of::<(Name, Value)>(), 48);
    }
}
