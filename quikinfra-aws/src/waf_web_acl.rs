//! `aws_wafv2_web_acl`: a WAFv2 web ACL for CloudFront distributions, made of AWS managed rule
//! groups and an optional per-IP rate limit.
//!
//! Rules are numbered by the builders: the rate limit (cheap, and it should shed floods before
//! anything else looks at them) has priority 0, managed rule groups follow in the order added.

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::Computed;
use serde::Serialize;

use crate::check;

/// The smallest rate limit WAF accepts, in requests per five minutes per IP.
pub const MIN_RATE_LIMIT: u64 = 10;
/// The largest rate limit WAF accepts, in requests per five minutes per IP.
pub const MAX_RATE_LIMIT: u64 = 2_000_000_000;
/// The name of the rate-based rule in the ACL.
pub const RATE_RULE_NAME: &str = "rate-limit";

/// A WAFv2 web ACL.
///
/// ```ignore
/// let acl = WafWebAcl::new("edge", "quikapp-prod-edge")
///     .managed_rule_group("AWSManagedRulesCommonRuleSet")
///     .managed_rule_group("AWSManagedRulesKnownBadInputsRuleSet")
///     .rate_limit(2_000);
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "aws_wafv2_web_acl", provider = "aws", refs(arn, id), validate = Self::check)]
pub struct WafWebAcl {
    #[serde(skip)]
    meta: Meta,
    /// The ACL's id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The ACL's ARN, what a distribution's `web_acl` takes.
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    #[resource(identity, force_new = "a web acl cannot be renamed")]
    name: String,
    /// Sets the scope. Only [`Scope::Cloudfront`] passes validation: this type is meant for
    /// distributions.
    #[resource(identity, setter, force_new = "a web acl's scope is fixed at creation")]
    scope: Scope,
    /// Sets what happens to requests no rule matched.
    #[resource(setter)]
    default_action: DefaultAction,
    /// Sets the CloudWatch metric name (the ACL's name unless set).
    #[resource(setter)]
    metric_name: String,
    rules: Vec<Rule>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

/// Where a web ACL can be attached; fixed at creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum Scope {
    /// CloudFront distributions; the ACL lives in us-east-1.
    #[serde(rename = "CLOUDFRONT")]
    Cloudfront,
    /// Regional resources (load balancers, API Gateway…). Not supported by this type yet.
    #[serde(rename = "REGIONAL")]
    Regional,
}

/// What happens to a request no rule matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum DefaultAction {
    /// Let it through (the default: rules block what they recognise).
    Allow,
    /// Block it (rules allow what they recognise).
    Block,
}

/// One rule of the ACL, with its evaluation priority (lowest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Rule {
    /// Blocks an IP that sends more than `limit` requests in five minutes.
    RateBased { name: String, priority: u32, limit: u64, aggregate_key_type: &'static str },
    /// A rule group AWS maintains, with its own actions.
    ManagedRuleGroup { name: String, priority: u32, vendor_name: &'static str },
}

impl Rule {
    fn is_rate_based(&self) -> bool {
        matches!(self, Rule::RateBased { .. })
    }

    fn set_priority(&mut self, to: u32) {
        match self {
            Rule::RateBased { priority, .. } | Rule::ManagedRuleGroup { priority, .. } => *priority = to,
        }
    }
}

impl WafWebAcl {
    /// An empty CLOUDFRONT-scope ACL called `name` (its name in WAF and its metric name),
    /// allowing by default, addressed as `aws_wafv2_web_acl.<local>`.
    pub fn new(local: &str, name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            arn: Computed::new(),
            metric_name: name.clone(),
            name,
            scope: Scope::Cloudfront,
            default_action: DefaultAction::Allow,
            rules: Vec::new(),
            tags: BTreeMap::new(),
        }
    }

    /// Adds an AWS managed rule group such as `AWSManagedRulesCommonRuleSet`, evaluated after
    /// the ones added before it.
    pub fn managed_rule_group(mut self, name: impl Into<String>) -> Self {
        self.rules.push(Rule::ManagedRuleGroup { name: name.into(), priority: 0, vendor_name: "AWS" });
        self.renumber();
        self
    }

    /// Blocks any IP sending more than `requests_per_5_min` requests in five minutes; replaces
    /// an earlier limit.
    pub fn rate_limit(mut self, requests_per_5_min: u64) -> Self {
        self.rules.retain(|r| !r.is_rate_based());
        let rule = Rule::RateBased {
            name: RATE_RULE_NAME.to_string(),
            priority: 0,
            limit: requests_per_5_min,
            aggregate_key_type: "IP",
        };
        self.rules.insert(0, rule);
        self.renumber();
        self
    }

    fn renumber(&mut self) {
        for (priority, rule) in (0u32..).zip(self.rules.iter_mut()) {
            rule.set_priority(priority);
        }
    }
}

impl WafWebAcl {
    fn check(&self, p: &mut FieldProblems<'_>) {
        let name_len = self.name.chars().count();
        if !(1..=128).contains(&name_len) {
            p.field("name", format!("must be 1 to 128 characters long, got {name_len}"));
        }
        if !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            p.field("name", "may only hold letters, digits, `_` and `-`");
        }
        if self.scope != Scope::Cloudfront {
            p.field(
                "scope",
                "must be CLOUDFRONT: this type is meant for cloudfront distributions, regional acls are not supported",
            );
        }
        let metric_len = self.metric_name.chars().count();
        if !(1..=255).contains(&metric_len) {
            p.field("metric_name", format!("must be 1 to 255 characters long, got {metric_len}"));
        }
        if !self
            .metric_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '#' | ':' | '.' | '/'))
        {
            p.field("metric_name", "may only hold letters, digits and `_ - # : . /`");
        }
        if matches!(self.metric_name.as_str(), "All" | "Default_Action") {
            p.field("metric_name", format!("`{}` is reserved by waf", self.metric_name));
        }
        let mut groups = BTreeSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            match rule {
                Rule::RateBased { limit, .. } => {
                    if !(MIN_RATE_LIMIT..=MAX_RATE_LIMIT).contains(limit) {
                        p.field(
                            &format!("rules[{i}].limit"),
                            format!(
                                "the rate limit must be {MIN_RATE_LIMIT} to {MAX_RATE_LIMIT} requests per 5 minutes, got {limit}"
                            ),
                        );
                    }
                }
                Rule::ManagedRuleGroup { name, .. } => {
                    if !name.starts_with("AWSManagedRules") || name.len() == "AWSManagedRules".len() {
                        p.field(
                            &format!("rules[{i}].name"),
                            format!(
                                "`{name}` is not an aws managed rule group: their names start with `AWSManagedRules`"
                            ),
                        );
                    }
                    if !groups.insert(name) {
                        p.field(&format!("rules[{i}].name"), format!("`{name}` is added twice"));
                    }
                }
            }
        }
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};

    fn production() -> WafWebAcl {
        WafWebAcl::new("edge", "quikapp-prod-edge")
            .managed_rule_group("AWSManagedRulesCommonRuleSet")
            .managed_rule_group("AWSManagedRulesKnownBadInputsRuleSet")
            .rate_limit(2_000)
    }

    #[test]
    fn a_production_acl_serializes_with_numbered_rules() {
        assert_eq!(
            attrs(&production()),
            json!({
                "name": "quikapp-prod-edge",
                "scope": "CLOUDFRONT",
                "default_action": "Allow",
                "metric_name": "quikapp-prod-edge",
                "rules": [
                    {"type": "rate_based", "name": "rate-limit", "priority": 0, "limit": 2000, "aggregate_key_type": "IP"},
                    {"type": "managed_rule_group", "name": "AWSManagedRulesCommonRuleSet", "priority": 1, "vendor_name": "AWS"},
                    {"type": "managed_rule_group", "name": "AWSManagedRulesKnownBadInputsRuleSet", "priority": 2, "vendor_name": "AWS"}
                ]
            })
        );
        assert!(problems(production()).is_empty());
    }

    #[test]
    fn a_second_rate_limit_replaces_the_first() {
        let acl = production().rate_limit(500).default_action(DefaultAction::Block).metric_name("edge");
        let json = attrs(&acl);
        assert_eq!(json["rules"].as_array().unwrap().len(), 3);
        assert_eq!(json["rules"][0]["limit"], json!(500));
        assert_eq!(json["default_action"], json!("Block"));
        assert_eq!(json["metric_name"], json!("edge"));
    }

    #[test]
    fn accessors_are_references() {
        let acl = production();
        assert_eq!(serde_json::to_value(acl.arn()).unwrap(), json!({"$ref": "aws_wafv2_web_acl.edge.arn"}));
        assert_eq!(serde_json::to_value(acl.id()).unwrap(), json!({"$ref": "aws_wafv2_web_acl.edge.id"}));
        assert!(WafWebAcl::schema().attr("name").unwrap().force_new);
        assert!(WafWebAcl::schema().attr("scope").unwrap().force_new);
    }

    #[test]
    fn scope_must_be_cloudfront() {
        let found = problems(production().scope(Scope::Regional));
        assert_problem(&found, "scope", "meant for cloudfront distributions");
    }

    #[test]
    fn rate_limits_stay_in_waf_range() {
        assert_problem(&problems(production().rate_limit(9)), "rules[0].limit", "got 9");
        assert_problem(&problems(production().rate_limit(2_000_000_001)), "rules[0].limit", "10 to 2000000000");
        assert!(problems(production().rate_limit(10)).is_empty());
        assert!(problems(production().rate_limit(2_000_000_000)).is_empty());
    }

    #[test]
    fn names_and_groups_are_checked() {
        let acl = WafWebAcl::new("edge", "quikapp edge")
            .metric_name("All")
            .managed_rule_group("CommonRuleSet")
            .managed_rule_group("AWSManagedRulesCommonRuleSet")
            .managed_rule_group("AWSManagedRulesCommonRuleSet");
        let found = problems(acl);
        assert_problem(&found, "name", "may only hold");
        assert_problem(&found, "metric_name", "reserved");
        assert_problem(&found, "rules[0].name", "start with `AWSManagedRules`");
        assert_problem(&found, "rules[2].name", "added twice");
    }

    #[test]
    fn name_and_metric_lengths_are_bounded() {
        let found = problems(WafWebAcl::new("edge", "").metric_name("m".repeat(256)));
        assert_problem(&found, "name", "got 0");
        assert_problem(&found, "metric_name", "1 to 255");
        let found = problems(WafWebAcl::new("edge", "edge").metric_name("edge metric"));
        assert_problem(&found, "metric_name", "may only hold");
    }
}
