//! Which target a state belongs to: the embedded simulator or the real clouds, and the cloud
//! accounts and subscriptions its objects live in.
//!
//! State records its target when an apply or import first writes it, and every operation
//! compares it with the run's: a state whose objects live in the real clouds is never planned
//! or applied against the simulator (which would "create" everything again and overwrite the
//! record of the real objects), nor the other way round. The accounts are read from the
//! objects' own identifiers (AWS ARNs, ARM resource ids), so nothing extra is called.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::State;
use crate::value::Value;

/// Where a run's objects live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// The embedded simulator.
    Simulator,
    /// The real clouds (or their emulators), through the linked providers.
    Real,
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TargetKind::Simulator => "the embedded simulator",
            TargetKind::Real => "the real clouds",
        })
    }
}

/// What a state records of its target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateTarget {
    /// Simulator or real.
    pub kind: TargetKind,
    /// Provider family → the accounts (AWS) or subscriptions (Azure) its objects were seen in.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, BTreeSet<String>>,
}

impl fmt::Display for StateTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        let seen: Vec<String> = self
            .accounts
            .iter()
            .map(|(family, ids)| {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                format!("{family} {}", ids.join(", "))
            })
            .collect();
        if !seen.is_empty() {
            write!(f, " ({})", seen.join("; "))?;
        }
        Ok(())
    }
}

/// Records `kind` as `state`'s target, with every account its objects' ids and ARNs name.
pub fn record(state: &mut State, kind: TargetKind) {
    let mut accounts = match state.target.take() {
        Some(target) if target.kind == kind => target.accounts,
        _ => BTreeMap::new(),
    };
    if kind == TargetKind::Real {
        for resource in state.resources.values() {
            let mut names = vec![resource.id.as_str()];
            names.extend(resource.attributes.values().filter_map(Value::as_str));
            for name in names {
                if let Some((family, account)) = account_in(name) {
                    accounts.entry(family.to_string()).or_default().insert(account);
                }
            }
        }
    }
    state.target = Some(StateTarget { kind, accounts });
}

/// The account an identifier names: `arn:aws:<service>:<region>:<account>:…` (AWS) or
/// `/subscriptions/<id>/…` (Azure).
fn account_in(name: &str) -> Option<(&'static str, String)> {
    if let Some(rest) = name.strip_prefix("arn:aws:") {
        let account = rest.split(':').nth(2)?;
        return (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
            .then(|| ("aws", account.to_string()));
    }
    let lower = name.to_ascii_lowercase();
    let at = lower.find("/subscriptions/")?;
    let id = name[at + "/subscriptions/".len()..].split('/').next()?;
    (!id.is_empty()).then(|| ("azure", id.to_ascii_lowercase()))
}

/// Why a run against `run` must not touch a state recorded for `recorded`, or `None` when it
/// may: the kinds agree, or the state tracks nothing yet (an empty state takes the run's target).
pub fn conflict(state: &State, run: TargetKind) -> Option<StateTarget> {
    let recorded = state.target.as_ref()?;
    (recorded.kind != run && !state.resources.is_empty()).then(|| recorded.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_read_from_arns_and_arm_ids() {
        assert_eq!(account_in("arn:aws:kms:us-east-1:123456789012:key/abc"), Some(("aws", "123456789012".into())));
        assert_eq!(account_in("arn:aws:s3:::quikapp-media"), None, "bucket ARNs name no account");
        assert_eq!(
            account_in("/subscriptions/0000AAAA-0000/resourceGroups/rg/providers/x/y"),
            Some(("azure", "0000aaaa-0000".into()))
        );
        assert_eq!(account_in("media-1"), None);
    }
}
