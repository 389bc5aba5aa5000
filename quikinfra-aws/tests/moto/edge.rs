//! The media edge against moto through the engine: bucket, WAF web ACL, CloudFront
//! distribution and Shield protection, wired by references; no noise after apply; in-place
//! changes (CloudFront through GetDistributionConfig + If-Match); destroy in reverse order.

use quikinfra_aws::{CloudFrontDistribution, PriceClass, S3Bucket, ShieldProtection, WafWebAcl};
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::PlanMode;

use crate::support::{World, actions, assert_no_changes, calls_since, text, unique};

fn edge(bucket: &str, acl: &str, class: PriceClass, limit: u64, team: &str) -> Environment {
    let media = S3Bucket::new("media", bucket).sse_s3();
    let waf = WafWebAcl::new("edge", acl)
        .managed_rule_group("AWSManagedRulesCommonRuleSet")
        .managed_rule_group("AWSManagedRulesKnownBadInputsRuleSet")
        .rate_limit(limit);
    let cdn = CloudFrontDistribution::new("media", media.regional_domain_name()).price_class(class).web_acl(waf.arn());
    let shield = ShieldProtection::new("edge", "quikapp-live-cdn", cdn.arn()).tag("team", team);
    Environment::new("live").fact("tier", "production").with(media).with(waf).with(cdn).with(shield)
}

#[tokio::test]
async fn the_media_edge_is_created_changed_in_place_and_destroyed() {
    let world = World::new();
    let bucket = unique("quikapp-media-live");
    let acl = unique("quikapp-live-edge");
    let env = edge(&bucket, &acl, PriceClass::Class100, 2000, "media");
    let plan = world.converge(&env).await;
    assert_eq!(
        actions(&plan),
        [
            "Create aws_cloudfront_distribution.media",
            "Create aws_s3_bucket.media",
            "Create aws_shield_protection.edge",
            "Create aws_wafv2_web_acl.edge",
        ]
    );
    let before = world.calls();
    assert_no_changes(&world.plan(&env).await);
    let read = calls_since(&before, &world.calls());
    for service in ["cloudfront", "wafv2", "shield"] {
        let n: u64 = read.iter().filter(|(k, _)| k.starts_with(&format!("{service}:"))).map(|(_, n)| n).sum();
        assert_eq!(n, 2, "{service} refresh: {read:?}");
    }

    let changed = edge(&bucket, &acl, PriceClass::Class200, 500, "edge");
    let plan = world.plan(&changed).await;
    assert_eq!(
        actions(&plan),
        [
            "Update aws_cloudfront_distribution.media",
            "Update aws_shield_protection.edge",
            "Update aws_wafv2_web_acl.edge"
        ],
        "{}",
        text(&plan)
    );
    let report = world.apply(&changed, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_no_changes(&world.plan(&changed).await);
    let cdn_id = report
        .state
        .resources
        .iter()
        .find(|(a, _)| a.type_name() == "aws_cloudfront_distribution")
        .unwrap()
        .1
        .id
        .clone();
    let cloudfront = aws_sdk_cloudfront::Client::new(&world.moto.config);
    let live = cloudfront.get_distribution_config().id(&cdn_id).send().await.unwrap();
    assert_eq!(live.distribution_config().unwrap().price_class().unwrap().as_str(), "PriceClass_200");

    let opts = quikinfra_core::plan::PlanOptions { mode: PlanMode::Destroy, ..Default::default() };
    let state = world.backend(&changed).read().await.unwrap();
    let destroy = quikinfra_core::plan::plan(&changed, state.as_ref(), &world.providers, &opts).await.unwrap();
    let report = world.apply(&changed, &destroy).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(report.state.resources.is_empty());
    assert!(cloudfront.get_distribution().id(&cdn_id).send().await.is_err());
}
