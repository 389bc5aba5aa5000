//! Policies: rules an environment's definition must keep, checked before any API call.
//!
//! A [`Rule`] has a name, the source it comes from (the requirement or document row that asks
//! for it) and a check over the erased definition. Rules are attached to an environment
//! (typically by a blueprint, per tier) and run by validation; each violation becomes a problem
//! naming the environment, the resource and field, the rule and its source.

use std::fmt;
use std::sync::Arc;

use crate::addr::Address;
use crate::diag::Problems;
use crate::environment::Environment;

type Check = dyn Fn(&Environment, &mut Violations<'_>) + Send + Sync;

/// A rule the definition must keep.
#[derive(Clone)]
pub struct Rule {
    /// A short name (`sse-kms-for-real-data`).
    pub name: String,
    /// Where the rule comes from (`seed: AWS Media Infrastructure, Production row`).
    pub source: String,
    check: Arc<Check>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("name", &self.name).field("source", &self.source).finish_non_exhaustive()
    }
}

impl Rule {
    /// A rule called `name`, asked for by `source`, checked by `check`.
    pub fn new(
        name: impl Into<String>,
        source: impl Into<String>,
        check: impl Fn(&Environment, &mut Violations<'_>) + Send + Sync + 'static,
    ) -> Self {
        Self { name: name.into(), source: source.into(), check: Arc::new(check) }
    }

    /// Runs the rule over `env`, recording each violation in `problems`.
    pub fn check(&self, env: &Environment, problems: &mut Problems) {
        let mut v = Violations { env: env.name(), rule: self, problems };
        (self.check)(env, &mut v);
    }
}

/// Where a rule records what breaks it.
pub struct Violations<'a> {
    env: &'a str,
    rule: &'a Rule,
    problems: &'a mut Problems,
}

impl Violations<'_> {
    fn message(&self, what: &str) -> String {
        format!("environment `{}` breaks rule `{}` ({}): {what}", self.env, self.rule.name, self.rule.source)
    }

    /// `field` of the resource at `address` breaks the rule.
    pub fn field(&mut self, address: &Address, field: &str, what: impl AsRef<str>) {
        let message = self.message(what.as_ref());
        self.problems.push(Some(address), Some(field), message);
    }

    /// The resource at `address` breaks the rule.
    pub fn resource(&mut self, address: &Address, what: impl AsRef<str>) {
        let message = self.message(what.as_ref());
        self.problems.push(Some(address), None, message);
    }

    /// The environment as a whole breaks the rule (something is missing, a fact is wrong).
    pub fn environment(&mut self, what: impl AsRef<str>) {
        let message = self.message(what.as_ref());
        self.problems.push(None, None, message);
    }
}
