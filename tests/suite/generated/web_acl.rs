// Written by quikinfra from live objects, for environment `imported`. Paste it into the
// definition (or call `declare(&mut env)`), then import each object and plan: "No changes".
//   then: cargo run --example imported -- import aws_wafv2_web_acl.edge <id>
//   then: cargo run --example imported -- plan
// Other resources' ARNs, ids and names are literal strings here: where the definition
// declares them, pass their references instead (`key.arn()`).

use quikinfra::aws::DefaultAction;
use quikinfra::aws::WafWebAcl;
use quikinfra::prelude::*;

/// Declares the imported objects.
pub fn declare(env: &mut Environment) {
    env.add(
        WafWebAcl::new("edge", "quikapp-edge-imported")
            .default_action(DefaultAction::Block)
            .rate_limit(1500)
            .managed_rule_group("AWSManagedRulesCommonRuleSet")
            .metric_name("edge")
            .tag("team", "edge"),
    );
}
