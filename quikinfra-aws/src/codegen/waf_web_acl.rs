//! `aws_wafv2_web_acl` as code: the constructor, the scope and default action (enums) and the
//! rules (`.rate_limit(n)`, `.managed_rule_group(name)`) by hand; metric name and tags through
//! the derived builders. Rules the builders would number otherwise, or rules of another
//! shape, are refused by name: the code would plan a change.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::{Attrs, Value};

use super::field;
use crate::WafWebAcl;

impl Generate for WafWebAcl {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let fail = |attribute: &str, reason: String| GenerateError::new(address, attribute, reason);
        let name = WafWebAcl::NAME.read(live).ok_or_else(|| fail("name", "the object has no name".into()))?;
        let mut uses = vec!["quikinfra::aws::WafWebAcl"];
        let mut chain = Chain::new("WafWebAcl::new", [codegen::string(address.name()), codegen::string(name)]);
        match WafWebAcl::SCOPE.read(live) {
            None | Some("CLOUDFRONT") => {}
            Some(other) => return Err(fail("scope", format!("the type declares CLOUDFRONT ACLs only, not {other}"))),
        }
        match WafWebAcl::DEFAULT_ACTION.read(live) {
            None | Some("Allow") => {}
            Some("Block") => {
                uses.push("quikinfra::aws::DefaultAction");
                chain = chain.call("default_action", ["DefaultAction::Block".to_string()]);
            }
            Some(other) => return Err(fail("default_action", format!("`{other}` is no `DefaultAction`"))),
        }
        let live_rules = match live.get(WafWebAcl::RULES.name()) {
            None | Some(Value::Null) => &[][..],
            Some(Value::List(rules)) => rules.as_slice(),
            Some(_) => return Err(fail("rules", "the live value is no list".into())),
        };
        let mut constructed = WafWebAcl::new(address.name(), name);
        for rule in live_rules {
            let (method, argument, built) = rule_call(rule, constructed).map_err(|reason| fail("rules", reason))?;
            chain = chain.call(method, [argument]);
            constructed = built;
        }
        let written = codegen::attributes(&constructed);
        if written.get(WafWebAcl::RULES.name()).unwrap_or(&Value::List(Vec::new())) != &Value::List(live_rules.to_vec())
        {
            return Err(fail("rules", "their priorities are not the ones the builders give (the rate limit first, then the rule groups in order)".into()));
        }
        let declaration = Declaration::new(address.clone(), uses, chain);
        let handled = [WafWebAcl::SCOPE.name(), WafWebAcl::DEFAULT_ACTION.name(), WafWebAcl::RULES.name()];
        codegen::plain_builders(declaration, live, &constructed, &handled, ctx)
    }
}

/// The builder call writing one live rule, its argument as Rust, and `acl` with it added.
fn rule_call(rule: &Value, acl: WafWebAcl) -> Result<(&'static str, String, WafWebAcl), String> {
    let text = |key: &str| field(rule, key).and_then(Value::as_str);
    let name = text("name").unwrap_or("?");
    match text("type") {
        Some("rate_based") => {
            let limit = match field(rule, "limit") {
                Some(Value::Number(n)) => n.as_u64().ok_or_else(|| format!("rule `{name}` has no whole limit"))?,
                _ => return Err(format!("rule `{name}` has no limit")),
            };
            if text("aggregate_key_type") != Some("IP") {
                return Err(format!("rule `{name}` counts requests by other than IP"));
            }
            if name != crate::waf_web_acl::RATE_RULE_NAME {
                return Err(format!(
                    "rule `{name}` is a rate limit not named `{}`",
                    crate::waf_web_acl::RATE_RULE_NAME
                ));
            }
            Ok(("rate_limit", limit.to_string(), acl.rate_limit(limit)))
        }
        Some("managed_rule_group") => {
            if text("vendor_name") != Some("AWS") {
                return Err(format!("rule `{name}` is a rule group of a vendor other than AWS"));
            }
            Ok(("managed_rule_group", codegen::string(name), acl.managed_rule_group(name)))
        }
        _ => Err(format!("rule `{name}` is of a kind the type does not manage")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{code, live};
    use super::*;

    fn acl(extra: serde_json::Value) -> Attrs {
        let mut json = json!({
            "id": "1a2b", "arn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge-acl/1a2b",
            "name": "edge-acl", "scope": "CLOUDFRONT", "default_action": "Allow", "metric_name": "edge-acl",
            "rules": [], "tags": {}
        });
        for (k, v) in extra.as_object().unwrap() {
            json[k] = v.clone();
        }
        live(json)
    }

    #[test]
    fn rules_default_action_and_metric_are_written_through_the_builders() {
        let rules = json!([
            {"type": "rate_based", "name": "rate-limit", "priority": 0, "limit": 2000, "aggregate_key_type": "IP"},
            {"type": "managed_rule_group", "name": "AWSManagedRulesCommonRuleSet", "priority": 1, "vendor_name": "AWS"},
            {"type": "managed_rule_group", "name": "AWSManagedRulesKnownBadInputsRuleSet", "priority": 2, "vendor_name": "AWS"}
        ]);
        let written = code::<WafWebAcl>(
            "edge",
            &acl(json!({"rules": rules, "default_action": "Block", "metric_name": "edge", "tags": {"team": "edge"}})),
        )
        .unwrap();
        assert_eq!(
            written,
            r#"WafWebAcl::new("edge", "edge-acl").default_action(DefaultAction::Block).rate_limit(2000).managed_rule_group("AWSManagedRulesCommonRuleSet").managed_rule_group("AWSManagedRulesKnownBadInputsRuleSet").metric_name("edge").tag("team", "edge")"#
        );
        assert_eq!(code::<WafWebAcl>("edge", &acl(json!({}))).unwrap(), r#"WafWebAcl::new("edge", "edge-acl")"#);
    }

    #[test]
    fn rules_the_builders_cannot_write_are_refused_by_name() {
        let late_rate = json!([
            {"type": "managed_rule_group", "name": "AWSManagedRulesCommonRuleSet", "priority": 0, "vendor_name": "AWS"},
            {"type": "rate_based", "name": "rate-limit", "priority": 1, "limit": 100, "aggregate_key_type": "IP"}
        ]);
        let err = code::<WafWebAcl>("edge", &acl(json!({"rules": late_rate}))).unwrap_err().to_string();
        assert!(err.starts_with("aws_wafv2_web_acl.edge: cannot write `rules` as code: their priorities"), "{err}");
        let unmanaged = json!([{"type": "unmanaged", "name": "geo", "priority": 0}]);
        assert_eq!(
            code::<WafWebAcl>("edge", &acl(json!({"rules": unmanaged}))).unwrap_err().to_string(),
            "aws_wafv2_web_acl.edge: cannot write `rules` as code: rule `geo` is of a kind the type does not manage"
        );
        assert_eq!(
            code::<WafWebAcl>("edge", &acl(json!({"scope": "REGIONAL"}))).unwrap_err().to_string(),
            "aws_wafv2_web_acl.edge: cannot write `scope` as code: the type declares CLOUDFRONT ACLs only, not REGIONAL"
        );
    }
}
