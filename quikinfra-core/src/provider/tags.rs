//! [`TagChanges`]: what an update changes in a resource's standard `tags` map, for providers
//! whose API tags and untags by key (one call to remove keys, one to set entries); and
//! [`foreign_owner`]: whether a live object's ownership tags (`environment`, `managed-by`, from
//! the environment's standard tags) name another owner than a configuration's, so `find`
//! never adopts another environment's object.

use std::collections::BTreeMap;
use std::future::Future;

use crate::value::{Attrs, Value};

/// The keys an update removes from `tags` and the entries it adds or changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagChanges {
    /// Keys tagged now and not wanted, sorted.
    pub removed: Vec<String>,
    /// Entries wanted and not tagged so (new keys, changed values).
    pub set: BTreeMap<String, String>,
}

/// A `tags` attribute as plain strings (entries of another shape left out).
fn tags(attrs: &Attrs) -> BTreeMap<String, String> {
    match attrs.get("tags") {
        Some(Value::Map(map)) => {
            map.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.to_string(), v.to_string()))).collect()
        }
        _ => BTreeMap::new(),
    }
}

/// The standard tags that say who owns an object (see
/// [`Environment::standard_tags`](crate::environment::Environment::standard_tags)).
pub const OWNERSHIP_KEYS: [&str; 2] = ["environment", "managed-by"];

/// When the live object's ownership tags name another owner than `config`'s (both carry the
/// tag, with other values), the first such tag as `key=value`; `None` when they agree or either
/// side lacks them (an object a failed create made may not be tagged yet).
pub fn foreign_owner(config: &Attrs, live: &Attrs) -> Option<String> {
    let (want, have) = (tags(config), tags(live));
    OWNERSHIP_KEYS.iter().find_map(|key| match (want.get(*key), have.get(*key)) {
        (Some(w), Some(h)) if w != h => Some(format!("{key}={h}")),
        _ => None,
    })
}

impl TagChanges {
    /// From the tags state recorded (`prior`) to the ones the definition wants (`config`).
    pub fn between(prior: &Attrs, config: &Attrs) -> Self {
        let (have, want) = (tags(prior), tags(config));
        let removed = have.keys().filter(|k| !want.contains_key(*k)).cloned().collect();
        let set = want.into_iter().filter(|(k, v)| have.get(k) != Some(v)).collect();
        Self { removed, set }
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.set.is_empty()
    }

    /// Calls `untag` with the removed keys, then `tag` with the entries to set, each only when
    /// it has something to do.
    pub async fn apply<E, U, T>(
        self,
        untag: impl FnOnce(Vec<String>) -> U,
        tag: impl FnOnce(BTreeMap<String, String>) -> T,
    ) -> Result<(), E>
    where
        U: Future<Output = Result<(), E>>,
        T: Future<Output = Result<(), E>>,
    {
        if !self.removed.is_empty() {
            untag(self.removed).await?;
        }
        if !self.set.is_empty() {
            tag(self.set).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_tags(pairs: &[(&str, &str)]) -> Attrs {
        let map = pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
        [("tags".to_string(), Value::Map(map))].into_iter().collect()
    }

    #[test]
    fn another_environments_ownership_tags_are_foreign_and_missing_ones_are_not() {
        let staging = with_tags(&[("environment", "staging"), ("managed-by", "quikinfra"), ("team", "a")]);
        let production = with_tags(&[("environment", "production"), ("managed-by", "quikinfra")]);
        assert_eq!(foreign_owner(&staging, &production).as_deref(), Some("environment=production"));
        assert_eq!(foreign_owner(&staging, &with_tags(&[("environment", "staging"), ("team", "b")])), None);
        assert_eq!(foreign_owner(&staging, &Attrs::new()), None, "an untagged object is not another's");
        assert_eq!(foreign_owner(&Attrs::new(), &production), None);
        let other_tool = with_tags(&[("environment", "staging"), ("managed-by", "terraform")]);
        assert_eq!(foreign_owner(&staging, &other_tool).as_deref(), Some("managed-by=terraform"));
    }

    #[test]
    fn removed_keys_and_changed_entries_are_told_apart() {
        let changes = TagChanges::between(
            &with_tags(&[("a", "1"), ("b", "2"), ("c", "3")]),
            &with_tags(&[("b", "2"), ("c", "4"), ("d", "5")]),
        );
        assert_eq!(changes.removed, ["a"]);
        assert_eq!(changes.set, BTreeMap::from([("c".into(), "4".into()), ("d".into(), "5".into())]));
        assert!(TagChanges::between(&with_tags(&[("a", "1")]), &with_tags(&[("a", "1")])).is_empty());
        assert_eq!(TagChanges::between(&Attrs::new(), &with_tags(&[("a", "1")])).set.len(), 1);
    }
}
