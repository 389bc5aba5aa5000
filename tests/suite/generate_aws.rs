//! `import --generate` for the AWS types beyond buckets: a KMS key, a WAF web ACL and a
//! CloudFront distribution made
//! outside quikinfra with the raw SDK clients on moto, written as code, the code committed
//! under `generated/` byte for byte and compiled into this suite, then declared, imported and
//! planned: "No changes"; and the discovery of web ACLs and distributions by tag. Needs moto (`QUIKINFRA_MOTO_ENDPOINT`): without it they fail, never
//! skip.

use aws_sdk_wafv2::types::{
    BlockAction, DefaultAction, ManagedRuleGroupStatement, NoneAction, OverrideAction, RateBasedStatement,
    RateBasedStatementAggregateKeyType, Rule, RuleAction, Scope, Statement, Tag, VisibilityConfig,
};
use quikinfra::engine::environment::Environment;

use crate::generate::{self, ENVIRONMENT, Run, assert_committed, ok};
use crate::generated;
use crate::support::moto;

/// Runs `env` with `--cloud real`, AWS on moto at `endpoint`.
fn cli(dir: &std::path::Path, env: Environment, endpoint: &str, args: &[&str]) -> Run {
    generate::cli(dir, env, Some(endpoint), None, args)
}

/// Generates `address` from `id`, checks the committed `file` (where the id, which the cloud
/// picks anew each run, reads `<id>`), then declares the committed code with `declare`,
/// imports the object and plans: "No changes".
#[track_caller]
fn generate_import_and_plan(endpoint: &str, address: &str, id: &str, file: &str, declare: fn(&mut Environment)) {
    let dir = tempfile::tempdir().unwrap();
    let run = cli(dir.path(), Environment::new(ENVIRONMENT), endpoint, &["import", address, id, "--generate"]);
    ok(&run);
    assert!(run.out.contains(id), "{}", run.out);
    assert_committed(file, &run.out.replace(id, "<id>"));
    let declared = || {
        let mut env = Environment::new(ENVIRONMENT);
        declare(&mut env);
        env
    };
    ok(&cli(dir.path(), declared(), endpoint, &["import", address, id]));
    let plan = cli(dir.path(), declared(), endpoint, &["plan", "--detailed-exitcode"]);
    ok(&plan);
    assert!(plan.out.contains("No changes."), "{}", plan.out);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

/// A key made by hand: described, aliased, rotation left off (KMS's default), tagged with the
/// environment's standard tags and a team's own.
async fn key_made_outside(kms: &aws_sdk_kms::Client) -> String {
    let tag = |k: &str, v: &str| aws_sdk_kms::types::Tag::builder().tag_key(k).tag_value(v).build().unwrap();
    let created = kms
        .create_key()
        .description("media at rest, \"made by hand\"")
        .tags(tag("environment", ENVIRONMENT))
        .tags(tag("managed-by", "quikinfra"))
        .tags(tag("team", "media"))
        .send()
        .await
        .unwrap();
    let id = created.key_metadata().unwrap().key_id().to_string();
    kms.create_alias().alias_name("alias/quikapp-media-imported").target_key_id(&id).send().await.unwrap();
    id
}

#[test]
fn a_key_made_outside_is_generated_compiled_imported_and_planned_with_no_changes() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let kms = aws_sdk_kms::Client::new(&moto::config(&endpoint));
    let id = block_on(key_made_outside(&kms));
    generate_import_and_plan(&endpoint, "aws_kms_key.media", &id, "kms_key.rs", generated::kms_key::declare);
}

fn visibility(metric: &str) -> VisibilityConfig {
    VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(metric)
        .build()
        .unwrap()
}

/// A CLOUDFRONT-scope ACL made by hand: blocking by default, a per-IP rate limit first and an
/// AWS managed rule group after it, its own metric name, tagged.
async fn web_acl_made_outside(waf: &aws_sdk_wafv2::Client) -> String {
    let rate = Rule::builder()
        .name("rate-limit")
        .priority(0)
        .statement(
            Statement::builder()
                .rate_based_statement(
                    RateBasedStatement::builder()
                        .limit(1500)
                        .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .action(RuleAction::builder().block(BlockAction::builder().build()).build())
        .visibility_config(visibility("edge-rate-limit"))
        .build()
        .unwrap();
    let common = Rule::builder()
        .name("AWSManagedRulesCommonRuleSet")
        .priority(1)
        .statement(
            Statement::builder()
                .managed_rule_group_statement(
                    ManagedRuleGroupStatement::builder()
                        .vendor_name("AWS")
                        .name("AWSManagedRulesCommonRuleSet")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .override_action(OverrideAction::builder().none(NoneAction::builder().build()).build())
        .visibility_config(visibility("edge-common"))
        .build()
        .unwrap();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
    let created = waf
        .create_web_acl()
        .name("quikapp-edge-imported")
        .scope(Scope::Cloudfront)
        .default_action(DefaultAction::builder().block(BlockAction::builder().build()).build())
        .visibility_config(visibility("edge"))
        .rules(rate)
        .rules(common)
        .tags(tag("environment", ENVIRONMENT))
        .tags(tag("managed-by", "quikinfra"))
        .tags(tag("team", "edge"))
        .send()
        .await
        .unwrap();
    created.summary().unwrap().arn().unwrap().to_string()
}

#[test]
fn a_web_acl_made_outside_is_generated_compiled_imported_and_planned_with_no_changes() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let waf = aws_sdk_wafv2::Client::new(&moto::config(&endpoint));
    let arn = block_on(web_acl_made_outside(&waf));
    generate_import_and_plan(&endpoint, "aws_wafv2_web_acl.edge", &arn, "web_acl.rs", generated::web_acl::declare);
}

/// A distribution made by hand: disabled, on the cheaper edge locations, serving a bucket path
/// over HTTPS only with `GET`/`HEAD`/`OPTIONS`, uncached and uncompressed, under two aliases
/// with a certificate of TLS 1.2 (2019 ciphers), behind a web ACL, tagged.
async fn distribution_made_outside(cloudfront: &aws_sdk_cloudfront::Client) -> String {
    use aws_sdk_cloudfront::types::{
        Aliases, AllowedMethods, DefaultCacheBehavior, DistributionConfig, DistributionConfigWithTags, Method,
        MinimumProtocolVersion, Origin, Origins, PriceClass, S3OriginConfig, SslSupportMethod, Tag, Tags,
        ViewerCertificate, ViewerProtocolPolicy,
    };
    let methods = [Method::Get, Method::Head, Method::Options];
    let origin = Origin::builder()
        .id("media")
        .domain_name("quikapp-media-imported.s3.us-east-1.amazonaws.com")
        .origin_path("/media")
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let behavior = DefaultCacheBehavior::builder()
        .target_origin_id("media")
        .viewer_protocol_policy(ViewerProtocolPolicy::HttpsOnly)
        .allowed_methods(AllowedMethods::builder().quantity(3).set_items(Some(methods.to_vec())).build().unwrap())
        .cache_policy_id("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")
        .compress(false)
        .build()
        .unwrap();
    let aliases = ["static.quikapp.com", "media.quikapp.com"].map(String::from).to_vec();
    let config = DistributionConfig::builder()
        .caller_reference("made-by-hand")
        .comment("made by hand")
        .enabled(false)
        .price_class(PriceClass::PriceClass200)
        .origins(Origins::builder().quantity(1).items(origin).build().unwrap())
        .default_cache_behavior(behavior)
        .aliases(Aliases::builder().quantity(2).set_items(Some(aliases)).build().unwrap())
        .viewer_certificate(
            ViewerCertificate::builder()
                .cloud_front_default_certificate(false)
                .acm_certificate_arn(CERTIFICATE)
                .ssl_support_method(SslSupportMethod::SniOnly)
                .minimum_protocol_version(MinimumProtocolVersion::TlSv122019)
                .build(),
        )
        .web_acl_id(WEB_ACL)
        .build()
        .unwrap();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
    let tags = Tags::builder()
        .items(tag("environment", ENVIRONMENT))
        .items(tag("managed-by", "quikinfra"))
        .items(tag("team", "media"))
        .build();
    let created = cloudfront
        .create_distribution_with_tags()
        .distribution_config_with_tags(
            DistributionConfigWithTags::builder().distribution_config(config).tags(tags).build(),
        )
        .send()
        .await
        .unwrap();
    created.distribution().unwrap().id().to_string()
}

/// The certificate and web ACL the distribution made by hand names (literal ARNs in the code).
const CERTIFICATE: &str = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const WEB_ACL: &str = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/quikapp-edge/1a2b3c4d";

#[test]
fn a_distribution_made_outside_is_generated_compiled_imported_and_planned_with_no_changes() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let cloudfront = aws_sdk_cloudfront::Client::new(&moto::config(&endpoint));
    let id = block_on(distribution_made_outside(&cloudfront));
    let declare = generated::distribution::declare;
    generate_import_and_plan(&endpoint, "aws_cloudfront_distribution.media", &id, "distribution.rs", declare);
}

#[test]
fn discovery_by_tag_writes_exactly_the_tagged_web_acls() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let waf = aws_sdk_wafv2::Client::new(&moto::config(&endpoint));
    block_on(async {
        for (name, team) in
            [("team-x-edge", Some("x")), ("team-x-api", Some("x")), ("team-y-edge", Some("y")), ("untagged", None)]
        {
            let mut create = waf
                .create_web_acl()
                .name(name)
                .scope(Scope::Cloudfront)
                .default_action(
                    DefaultAction::builder().allow(aws_sdk_wafv2::types::AllowAction::builder().build()).build(),
                )
                .visibility_config(visibility(name));
            if let Some(team) = team {
                create = create.tags(Tag::builder().key("team").value(team).build().unwrap());
            }
            create.send().await.unwrap();
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let args = ["import", "--generate", "--discover", "aws_wafv2_web_acl", "--tag", "team=x"];
    let run = cli(dir.path(), Environment::new(ENVIRONMENT), &endpoint, &args);
    ok(&run);
    assert_eq!(run.out.matches("env.add(").count(), 2, "{}", run.out);
    let (api, edge) = (
        run.out.find(r#"WafWebAcl::new("team-x-api", "team-x-api")"#),
        run.out.find(r#"WafWebAcl::new("team-x-edge", "team-x-edge")"#),
    );
    assert!(api.is_some() && edge.is_some() && api < edge, "by name: {}", run.out);
    assert!(!run.out.contains("team-y") && !run.out.contains("untagged"), "{}", run.out);

    let none = cli(
        dir.path(),
        Environment::new(ENVIRONMENT),
        &endpoint,
        &["import", "--generate", "--discover", "aws_wafv2_web_acl", "--tag", "team=z"],
    );
    ok(&none);
    assert!(none.out.is_empty() && none.err.contains("No `aws_wafv2_web_acl` object matched"), "{}", none.err);
}

/// A plain distribution serving `bucket`, tagged `team` when given.
async fn plain_distribution(cloudfront: &aws_sdk_cloudfront::Client, bucket: &str, team: Option<&str>) {
    use aws_sdk_cloudfront::types::{
        AllowedMethods, DefaultCacheBehavior, DistributionConfig, DistributionConfigWithTags, Method, Origin, Origins,
        S3OriginConfig, Tag, Tags, ViewerProtocolPolicy,
    };
    let origin = Origin::builder()
        .id("media")
        .domain_name(format!("{bucket}.s3.us-east-1.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let methods = AllowedMethods::builder().quantity(2).items(Method::Get).items(Method::Head).build().unwrap();
    let behavior = DefaultCacheBehavior::builder()
        .target_origin_id("media")
        .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
        .allowed_methods(methods)
        .cache_policy_id(quikinfra::aws::cloudfront_distribution::managed_cache_policy::CACHING_OPTIMIZED)
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(bucket)
        .comment(bucket)
        .enabled(true)
        .origins(Origins::builder().quantity(1).items(origin).build().unwrap())
        .default_cache_behavior(behavior)
        .build()
        .unwrap();
    let mut tags = Tags::builder();
    if let Some(team) = team {
        tags = tags.items(Tag::builder().key("team").value(team).build().unwrap());
    }
    let with_tags = DistributionConfigWithTags::builder().distribution_config(config).tags(tags.build()).build();
    cloudfront.create_distribution_with_tags().distribution_config_with_tags(with_tags).send().await.unwrap();
}

#[test]
fn discovery_by_tag_writes_exactly_the_tagged_distributions() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let cloudfront = aws_sdk_cloudfront::Client::new(&moto::config(&endpoint));
    block_on(async {
        for (bucket, team) in
            [("team-x-media", Some("x")), ("team-x-assets", Some("x")), ("team-y-media", Some("y")), ("untagged", None)]
        {
            plain_distribution(&cloudfront, bucket, team).await;
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let args = ["import", "--generate", "--discover", "aws_cloudfront_distribution", "--tag", "team=x"];
    let run = cli(dir.path(), Environment::new(ENVIRONMENT), &endpoint, &args);
    ok(&run);
    assert_eq!(run.out.matches("env.add(").count(), 2, "{}", run.out);
    let (assets, media) = (
        run.out.find(r#"CloudFrontDistribution::new("team-x-assets", "team-x-assets.s3.us-east-1.amazonaws.com")"#),
        run.out.find(r#"CloudFrontDistribution::new("team-x-media", "team-x-media.s3.us-east-1.amazonaws.com")"#),
    );
    assert!(assets.is_some() && media.is_some() && assets < media, "by name: {}", run.out);
    assert!(!run.out.contains("team-y") && !run.out.contains("untagged"), "{}", run.out);
    assert!(!run.out.contains(".cache_policy("), "the managed default is left out: {}", run.out);
}
