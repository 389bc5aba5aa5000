//! Names and certificates against moto through the engine: a hosted zone, an A record, a
//! DNS-validated certificate whose validation record comes from its own
//! `DomainValidationOptions`, the wait until it is `ISSUED`, a distribution serving its alias
//! with it and an alias record; read back with plain SDK clients; a record changed outside
//! quikinfra is drift and apply repairs it; a certificate that is never issued in time fails
//! naming what was waited for. moto issues certificates `MOTO_ACM_VALIDATION_WAIT` seconds after
//! the request (3 s, set by `scripts/moto_server.py`).

use std::time::Duration;

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use quikinfra_aws::{
    AcmCertificate, AcmCertificateValidation, AliasTarget, AwsProvider, CloudFrontDistribution, Route53Record,
    Route53Zone, S3Bucket,
};
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::PlanMode;
use quikinfra_core::provider::Providers;

use crate::support::{World, actions, assert_no_changes, text, unique};

/// A zone `<domain>`, `app.<domain>` on an address, and `media.<domain>` on a distribution
/// with its certificate.
fn names(domain: &str, bucket: &str, address: &str) -> Environment {
    let zone = Route53Zone::new("main", domain).tag("team", "edge");
    let media = format!("media.{domain}");
    let app = Route53Record::a("app", &zone, format!("app.{domain}"), [address]);
    let cert = AcmCertificate::new("media", &media);
    let proof = Route53Record::validation("media_validation", &zone, &cert);
    let issued = AcmCertificateValidation::new("media", &cert).record(&proof);
    let bucket = S3Bucket::new("media", bucket).sse_s3();
    let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name())
        .alias(&media)
        .certificate(issued.certificate_arn());
    let alias = Route53Record::alias("media", &zone, &media, AliasTarget::cloudfront(cdn.domain_name()));
    Environment::new("staging")
        .with(zone)
        .with(app)
        .with(cert)
        .with(proof)
        .with(issued)
        .with(bucket)
        .with(cdn)
        .with(alias)
}

fn id_of(report: &quikinfra_core::apply::ApplyReport, address: &str) -> String {
    report.state.resources[&address.parse().unwrap()].id.clone()
}

#[tokio::test]
async fn a_zone_records_and_an_issued_certificate_are_applied_read_back_and_repaired() {
    let world = World::new();
    let domain = format!("{}.example", unique("quikapp"));
    let bucket = unique("quikapp-media-dns");
    let env = names(&domain, &bucket, "198.18.0.7");
    let plan = world.plan(&env).await;
    assert_eq!(
        actions(&plan),
        [
            "Create aws_acm_certificate.media",
            "Create aws_acm_certificate_validation.media",
            "Create aws_cloudfront_distribution.media",
            "Create aws_route53_record.app",
            "Create aws_route53_record.media",
            "Create aws_route53_record.media_validation",
            "Create aws_route53_zone.main",
            "Create aws_s3_bucket.media",
        ]
    );
    let report = world.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_no_changes(&world.plan(&env).await);

    // Read back with plain clients.
    let zone_id = id_of(&report, "aws_route53_zone.main");
    let route53 = aws_sdk_route53::Client::new(&world.moto.config);
    let sets = route53.list_resource_record_sets().hosted_zone_id(&zone_id).send().await.unwrap();
    let find = |name: &str, ty: &str| {
        sets.resource_record_sets()
            .iter()
            .find(|s| s.name().trim_end_matches('.') == name && s.r#type().as_str() == ty)
            .cloned()
            .unwrap_or_else(|| panic!("{name} {ty} in {:#?}", sets.resource_record_sets()))
    };
    let app = find(&format!("app.{domain}"), "A");
    assert_eq!(app.resource_records()[0].value(), "198.18.0.7");
    let cdn_id = id_of(&report, "aws_cloudfront_distribution.media");
    let cloudfront = aws_sdk_cloudfront::Client::new(&world.moto.config);
    let dist = cloudfront.get_distribution().id(&cdn_id).send().await.unwrap();
    let dist = dist.distribution().unwrap();
    let media = find(&format!("media.{domain}"), "A");
    let alias = media.alias_target().expect("an alias record");
    assert_eq!(alias.dns_name().trim_end_matches('.'), dist.domain_name());
    assert_eq!(alias.hosted_zone_id(), "Z2FDTNDATAQYW2");
    let arn = id_of(&report, "aws_acm_certificate.media");
    let acm = aws_sdk_acm::Client::new(&world.moto.config);
    let cert = acm.describe_certificate().certificate_arn(&arn).send().await.unwrap();
    let cert = cert.certificate().unwrap();
    assert_eq!(cert.status().unwrap().as_str(), "ISSUED");
    assert_eq!(cert.domain_name(), Some(format!("media.{domain}").as_str()));
    let wanted = cert.domain_validation_options()[0].resource_record().unwrap();
    let proof = find(wanted.name().trim_end_matches('.'), "CNAME");
    assert_eq!(proof.resource_records()[0].value(), wanted.value(), "the certificate's own validation record");
    let config = dist.distribution_config().unwrap();
    assert_eq!(config.aliases().unwrap().items(), [format!("media.{domain}")]);
    let viewer = config.viewer_certificate().unwrap();
    assert_eq!(viewer.acm_certificate_arn(), Some(arn.as_str()));
    assert_eq!(viewer.ssl_support_method().unwrap().as_str(), "sni-only");
    assert_eq!(viewer.minimum_protocol_version().unwrap().as_str(), "TLSv1.2_2021");

    // Someone points app.<domain> elsewhere: drift, and apply puts it back.
    let set = ResourceRecordSet::builder()
        .name(format!("app.{domain}"))
        .r#type(RrType::A)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("198.18.9.9").build().unwrap())
        .build()
        .unwrap();
    let change = Change::builder().action(ChangeAction::Upsert).resource_record_set(set).build().unwrap();
    route53
        .change_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .change_batch(ChangeBatch::builder().changes(change).build().unwrap())
        .send()
        .await
        .unwrap();
    let plan = world.plan(&env).await;
    assert_eq!(plan.drift.len(), 1, "{}", text(&plan));
    assert_eq!(plan.drift[0].address.to_string(), "aws_route53_record.app");
    assert_eq!(actions(&plan), ["Update aws_route53_record.app"], "{}", text(&plan));
    let shown = text(&plan);
    assert!(shown.contains("\"198.18.9.9\"") && shown.contains("\"198.18.0.7\""), "{shown}");
    let report = world.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_no_changes(&world.plan(&env).await);
    let sets = route53
        .list_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .start_record_name(format!("app.{domain}"))
        .start_record_type(RrType::A)
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(sets.resource_record_sets()[0].resource_records()[0].value(), "198.18.0.7");
    assert_eq!(sets.resource_record_sets()[0].ttl(), Some(300));

    // Destroyed in reverse order: records before their zone, which is then gone.
    let opts = quikinfra_core::plan::PlanOptions { mode: PlanMode::Destroy, ..Default::default() };
    let state = world.backend(&env).read().await.unwrap();
    let destroy = quikinfra_core::plan::plan(&env, state.as_ref(), &world.providers, &opts).await.unwrap();
    let report = world.apply(&env, &destroy).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(report.state.resources.is_empty());
    assert!(route53.get_hosted_zone().id(&zone_id).send().await.is_err(), "the zone is gone");
    assert!(acm.describe_certificate().certificate_arn(&arn).send().await.is_err(), "the certificate is gone");
}

#[tokio::test]
async fn a_certificate_not_issued_in_time_fails_naming_what_was_waited_for() {
    let world = World::new();
    // moto issues after 3 s: a one-second wait runs out first.
    let aws = AwsProvider::new(&world.moto.config).acm_validation_timeout(Duration::from_secs(1));
    let providers = Providers::new().register("aws", std::sync::Arc::new(aws), 8);
    let domain = format!("{}.example", unique("quikapp"));
    let zone = Route53Zone::new("main", &domain);
    let cert = AcmCertificate::new("media", format!("media.{domain}"));
    let proof = Route53Record::validation("media_validation", &zone, &cert);
    let issued = AcmCertificateValidation::new("media", &cert).record(&proof);
    let env = Environment::new("qa").with(zone).with(cert).with(proof).with(issued);
    let state = world.backend(&env).read().await.unwrap();
    let plan = quikinfra_core::plan::plan(&env, state.as_ref(), &providers, &Default::default()).await.unwrap();
    let opts = quikinfra_core::apply::ApplyOptions::default();
    let report = quikinfra_core::apply::apply(
        &plan,
        &env.schemas(),
        &providers,
        &world.backend(&env),
        &quikinfra_core::apply::SilentProgress,
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let failure = &report.failures[0];
    assert_eq!(failure.address.to_string(), "aws_acm_certificate_validation.media");
    for needle in [
        format!("for `media.{domain}` is still PENDING_VALIDATION after 1s: waited for ISSUED"),
        format!(".media.{domain} CNAME "),
        "resolves publicly".to_string(),
    ] {
        assert!(failure.message.contains(&needle), "{needle:?} in {}", failure.message);
    }
    // Everything before it is applied; a later apply (once issued) finishes the job.
    assert!(report.state.resources.contains_key(&"aws_route53_record.media_validation".parse().unwrap()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    world.converge(&env).await;
    assert_no_changes(&world.plan(&env).await);
}
