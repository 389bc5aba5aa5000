//! End to end: the QuikApp environments, built by the blueprint exactly as their examples are,
//! applied with `--cloud real` against moto (AWS) and the ARM emulator (Azure), then planned
//! again: "No changes". `dev` and `staging`; `production` and `live` with their Traffic Manager
//! edges, Live's switch to green (the plan shows the two endpoint statuses that change, and is
//! refused while the green cluster is missing or not `Succeeded` on ARM). Staging's names are
//! read back with plain SDK clients and ARM: its domain on its ingress's public IP, its media
//! domain on its distribution with an issued certificate, a record changed outside repaired;
//! Production's and Live's domains on their edges, whose endpoints target the clusters' public
//! IPs. And the proof of the whole: all nine environments applied in flow order, owners first,
//! with state in S3 sealed by a key, then nine plans with no changes, Live switched to green
//! and back, and uat2 and qa destroyed leaving what they read untouched. Needs moto:
//! `./scripts/test.sh` starts it and sets `QUIKINFRA_MOTO_ENDPOINT`; without it these tests
//! fail, never skip.

use crate::support::{Buf, blueprint_secrets, moto};
use quikinfra::cli::Context;
use quikinfra_arm_emulator::{Config, Emulator};

use crate::blueprint;

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-0000000000e2";

struct Run {
    code: i32,
    out: String,
}

/// Runs environment `environment` as its example does (Live with its `switch`), with
/// `--cloud real`: AWS on moto, Azure on the ARM emulator at `arm`.
fn cli(environment: &str, dir: &std::path::Path, moto: &str, arm: &str, args: &[&str]) -> Run {
    cli_with(environment, dir, moto, arm, &Extra::default(), args)
}

/// What a run adds to [`cli`]'s: a state backend and key, flags before the command.
#[derive(Default)]
struct Extra {
    key: Option<String>,
    flags: Vec<String>,
}

fn cli_with(environment: &str, dir: &std::path::Path, moto: &str, arm: &str, extra: &Extra, args: &[&str]) -> Run {
    blueprint_secrets();
    let out = Buf::default();
    let (moto, arm) = (moto.to_string(), arm.to_string());
    let ctx = Context {
        out: Box::new(out.clone()),
        err: Box::new(out.clone()),
        input: Box::new(std::io::empty()),
        out_is_terminal: false,
        input_is_terminal: false,
        color_allowed: false,
        plugins: vec![
            std::sync::Arc::new(quikinfra::aws::AwsPlugin::with_config(moto::config(&moto)).wait_for_cloudfront(false)),
            std::sync::Arc::new(quikinfra::azure::AzurePlugin::from_vars(move |name| {
                let vars = [
                    ("AZURE_RESOURCE_MANAGER_ENDPOINT", arm.clone()),
                    ("AZURE_ACCESS_TOKEN", "e2e-token".to_string()),
                    ("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION.to_string()),
                ];
                vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
            })),
        ],
        state_key: extra.key.clone(),
    };
    let head = [environment, "--state-dir", dir.to_str().unwrap(), "--cloud", "real"];
    let argv: Vec<String> = head
        .iter()
        .map(|s| s.to_string())
        .chain(extra.flags.iter().cloned())
        .chain(args.iter().map(|s| s.to_string()))
        .collect();
    let code = blueprint::run_with(blueprint::row(environment).expect("a seed row"), argv, ctx);
    Run { code, out: out.text() }
}

#[track_caller]
fn ok(environment: &str, run: &Run) {
    assert_eq!(run.code, 0, "{environment}:\n{}", run.out);
}

fn emulator() -> Emulator {
    Emulator::start(Config { polls: 1, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test")
}

/// Applies `environment`, checks every resource that started applying completed, then plans
/// "No changes".
fn apply_then_no_changes(environment: &str, dir: &std::path::Path, moto: &str, arm: &str) {
    let run = cli(environment, dir, moto, arm, &["apply", "--auto-approve"]);
    ok(environment, &run);
    assert!(run.out.contains("Apply complete!"), "{environment}: {}", run.out);
    assert!(
        run.out.starts_with(&format!("Target: real clouds (aws, azure) for environment `{environment}`")),
        "{}",
        run.out
    );
    for line in run.out.lines().filter(|l| l.ends_with(": Applying...")) {
        let resource = line.trim_end_matches(": Applying...");
        assert!(run.out.contains(&format!("{resource}: Apply complete")), "{environment}: {}", run.out);
    }
    no_changes(environment, dir, moto, arm);
}

#[track_caller]
fn no_changes(environment: &str, dir: &std::path::Path, moto: &str, arm: &str) {
    let run = cli(environment, dir, moto, arm, &["plan", "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{environment} after apply:\n{}", run.out);
    assert!(run.out.contains("No changes."), "{environment}: {}", run.out);
}

#[test]
fn dev_and_staging_apply_against_moto_and_the_arm_emulator_then_show_no_changes() {
    blueprint_secrets();
    let _moto = moto::exclusive();
    let moto = moto::endpoint();
    moto::reset(&moto);
    let arm = emulator();
    let dir = tempfile::tempdir().unwrap();
    // The zone both record in is Production's: its owner applies it first (alone, here).
    let zone = cli(
        "production",
        dir.path(),
        &moto,
        &arm.url(),
        &["apply", "--auto-approve", "--target", "aws_route53_zone.main"],
    );
    ok("production", &zone);
    assert!(zone.out.contains("Apply complete! Resources: 1 added"), "{}", zone.out);
    for environment in ["dev", "staging"] {
        apply_then_no_changes(environment, dir.path(), &moto, &arm.url());
        let state = std::fs::read_to_string(dir.path().join(environment).join("state.json")).unwrap();
        assert!(state.contains("aws_s3_bucket.media"), "{environment}: {state}");
    }
    assert!(arm.resource_ids().iter().any(|id| id.contains("rg-quikapp-staging")), "{:?}", arm.resource_ids());
    staging_names_read_back_and_repaired(dir.path(), &moto, &arm);
}

/// Staging's names, read with plain SDK clients and from ARM; a record changed outside
/// quikinfra is drift, and apply repairs it.
fn staging_names_read_back_and_repaired(dir: &std::path::Path, moto: &str, arm: &Emulator) {
    use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
    let config = moto::config(moto);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let route53 = aws_sdk_route53::Client::new(&config);
    let zones = rt.block_on(route53.list_hosted_zones_by_name().dns_name("quikapp.com").send()).unwrap();
    assert_eq!(zones.hosted_zones().len(), 1, "one zone, Production's: {:?}", zones.hosted_zones());
    let zone_id = zones.hosted_zones()[0].id().rsplit('/').next().unwrap().to_string();
    let records = || rt.block_on(route53.list_resource_record_sets().hosted_zone_id(&zone_id).send()).unwrap();
    let find = |sets: &aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsOutput,
                name: &str,
                ty: &str| {
        sets.resource_record_sets()
            .iter()
            .find(|s| s.name().trim_end_matches('.') == name && s.r#type().as_str() == ty)
            .cloned()
            .unwrap_or_else(|| panic!("{name} {ty} in {:#?}", sets.resource_record_sets()))
    };
    // staging.quikapp.com: an A record of the address ARM allocated to the ingress.
    let pip = format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-quikapp-staging/providers/Microsoft.Network/publicIPAddresses/pip-quikapp-staging"
    );
    let ip = arm.resource(&pip).expect("staging's ingress address on ARM");
    assert_eq!(ip["sku"]["name"], "Standard");
    assert_eq!(ip["properties"]["publicIPAllocationMethod"], "Static");
    assert_eq!(ip["zones"], serde_json::json!(["1", "2", "3"]), "the cluster's zones");
    let address = ip["properties"]["ipAddress"].as_str().expect("an allocated address").to_string();
    let sets = records();
    assert_eq!(find(&sets, "staging.quikapp.com", "A").resource_records()[0].value(), address);
    assert_eq!(find(&sets, "dev.quikapp.com", "A").resource_records().len(), 1);
    // media.staging.quikapp.com: an alias of the distribution, which serves it with the certificate.
    let acm = aws_sdk_acm::Client::new(&config);
    let listed = rt.block_on(acm.list_certificates().send()).unwrap();
    let arn = listed
        .certificate_summary_list()
        .iter()
        .find(|c| c.domain_name() == Some("media.staging.quikapp.com"))
        .and_then(|c| c.certificate_arn())
        .expect("staging's certificate")
        .to_string();
    let cert = rt.block_on(acm.describe_certificate().certificate_arn(&arn).send()).unwrap();
    let cert = cert.certificate().unwrap();
    assert_eq!(cert.status().unwrap().as_str(), "ISSUED");
    let wanted = cert.domain_validation_options()[0].resource_record().unwrap();
    let proof = find(&sets, wanted.name().trim_end_matches('.'), "CNAME");
    assert_eq!(proof.resource_records()[0].value(), wanted.value(), "the certificate's validation record");
    let cloudfront = aws_sdk_cloudfront::Client::new(&config);
    let dists = rt.block_on(cloudfront.list_distributions().send()).unwrap();
    let summary = dists
        .distribution_list()
        .unwrap()
        .items()
        .iter()
        .find(|d| {
            d.aliases()
                .and_then(|a| a.items.as_ref())
                .is_some_and(|i| i.iter().any(|a| a == "media.staging.quikapp.com"))
        })
        .expect("a distribution serving media.staging.quikapp.com")
        .clone();
    let media = find(&sets, "media.staging.quikapp.com", "A");
    let alias = media.alias_target().expect("an alias record");
    assert_eq!(alias.dns_name().trim_end_matches('.'), summary.domain_name());
    let dist = rt.block_on(cloudfront.get_distribution_config().id(summary.id()).send()).unwrap();
    let viewer = dist.distribution_config().unwrap().viewer_certificate().unwrap();
    assert_eq!(viewer.acm_certificate_arn(), Some(arn.as_str()));
    assert_eq!(viewer.minimum_protocol_version().unwrap().as_str(), "TLSv1.2_2021");
    assert_eq!(viewer.ssl_support_method().unwrap().as_str(), "sni-only");

    // Someone points staging.quikapp.com elsewhere: drift, repaired by apply.
    let set = ResourceRecordSet::builder()
        .name("staging.quikapp.com")
        .r#type(RrType::A)
        .ttl(300)
        .resource_records(ResourceRecord::builder().value("198.51.100.1").build().unwrap())
        .build()
        .unwrap();
    let change = Change::builder().action(ChangeAction::Upsert).resource_record_set(set).build().unwrap();
    let batch = ChangeBatch::builder().changes(change).build().unwrap();
    rt.block_on(route53.change_resource_record_sets().hosted_zone_id(&zone_id).change_batch(batch).send()).unwrap();
    let plan = cli("staging", dir, moto, &arm.url(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.out);
    assert!(plan.out.contains("aws_route53_record.entry"), "{}", plan.out);
    assert!(plan.out.contains("# aws_route53_record.entry will be updated in-place"), "{}", plan.out);
    assert!(plan.out.contains("\"198.51.100.1\""), "{}", plan.out);
    assert!(plan.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", plan.out);
    apply_then_no_changes("staging", dir, moto, &arm.url());
    assert_eq!(find(&records(), "staging.quikapp.com", "A").resource_records()[0].value(), address, "repaired");
}

#[test]
fn production_and_live_apply_on_the_real_apis_and_live_switches_to_green_by_endpoint_status() {
    blueprint_secrets();
    let _moto = moto::exclusive();
    let moto = moto::endpoint();
    moto::reset(&moto);
    let arm = emulator();
    let url = arm.url();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let run = |environment: &str, args: &[&str]| cli(environment, dir, &moto, &url, args);

    // Production owns the media bucket Live reads: it goes first.
    apply_then_no_changes("production", dir, &moto, &url);
    apply_then_no_changes("live", dir, &moto, &url);
    let profile = |name: &str| {
        format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-quikapp-{name}/providers/Microsoft.Network/trafficManagerProfiles/tm-quikapp-{name}"
        )
    };
    let canary = arm.resource(&profile("production")).expect("production's edge on ARM");
    assert_eq!(canary["properties"]["trafficRoutingMethod"], "Weighted");
    let weights: Vec<u64> = canary["properties"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["properties"]["weight"].as_u64().unwrap())
        .collect();
    assert_eq!(weights, [90, 10]);
    let statuses = || -> Vec<(String, String)> {
        arm.resource(&profile("live")).expect("live's edge on ARM")["properties"]["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["properties"]["endpointStatus"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let blue_active = [("blue".to_string(), "Enabled".to_string()), ("green".to_string(), "Disabled".to_string())];
    assert_eq!(statuses(), blue_active);
    // The edges target the clusters' public IPs; the domains are CNAMEs of the edges' names.
    let pip = |name: &str| {
        format!(
            "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-quikapp-{name}/providers/Microsoft.Network/publicIPAddresses/pip-quikapp-{name}"
        )
    };
    let targets = |name: &str| -> Vec<String> {
        arm.resource(&profile(name)).unwrap()["properties"]["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["properties"]["targetResourceId"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(targets("live"), [format!("{}-blue", pip("live")), format!("{}-green", pip("live"))]);
    assert_eq!(
        targets("production"),
        [format!("{}-stable", pip("production")), format!("{}-canary", pip("production"))]
    );
    for id in targets("live").iter().chain(&targets("production")) {
        let ip = arm.resource(id).unwrap_or_else(|| panic!("{id} on ARM"));
        assert!(
            ip["properties"]["ipAddress"].is_string() && ip["properties"]["dnsSettings"]["fqdn"].is_string(),
            "{ip}"
        );
    }
    let config = moto::config(&moto);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let route53 = aws_sdk_route53::Client::new(&config);
    let zone = rt.block_on(route53.list_hosted_zones_by_name().dns_name("quikapp.com").send()).unwrap();
    let zone_id = zone.hosted_zones()[0].id().to_string();
    let sets = rt.block_on(route53.list_resource_record_sets().hosted_zone_id(&zone_id).send()).unwrap();
    for name in ["live", "production"] {
        let domain = if name == "production" { "prod.quikapp.com".to_string() } else { format!("{name}.quikapp.com") };
        let cname = sets
            .resource_record_sets()
            .iter()
            .find(|s| s.name().trim_end_matches('.') == domain && s.r#type().as_str() == "CNAME")
            .unwrap_or_else(|| panic!("{domain} CNAME"));
        let fqdn =
            arm.resource(&profile(name)).unwrap()["properties"]["dnsConfig"]["fqdn"].as_str().unwrap().to_string();
        assert_eq!(cname.resource_records()[0].value(), fqdn, "{domain}");
    }
    assert_eq!(arm.resource(&profile("live")).unwrap()["properties"]["trafficRoutingMethod"], "Priority");

    // The switch reads the green cluster on ARM: refused while it is Failed, or gone.
    let green = format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-quikapp-live/providers/Microsoft.ContainerService/managedClusters/aks-quikapp-live-green"
    );
    assert!(arm.edit(&green, |b| b["properties"]["provisioningState"] = "Failed".into()));
    let refused = run("live", &["switch", "green"]);
    assert_eq!(refused.code, 1, "{}", refused.out);
    assert!(
        refused.out.contains(
            "refusing to switch `live` to green: azure_aks_cluster.green is not healthy: its provisioning state is `Failed`, not `Succeeded`"
        ),
        "{}",
        refused.out
    );
    // A plan repairs it; so does the apply, and then the switch is allowed.
    let repair = run("live", &["plan"]);
    ok("live", &repair);
    assert!(repair.out.contains("# azure_aks_cluster.green will be updated in-place"), "{}", repair.out);
    assert!(
        repair
            .out
            .contains("(because its provisioning_state is \"Failed\": the definition is sent again to repair it)"),
        "{}",
        repair.out
    );
    assert!(repair.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", repair.out);
    ok("live", &run("live", &["apply", "--auto-approve"]));
    assert_eq!(arm.resource(&green).unwrap()["properties"]["provisioningState"], "Succeeded");
    assert!(arm.remove(&green));
    let gone = run("live", &["switch", "green"]);
    assert_eq!(gone.code, 1, "{}", gone.out);
    assert!(gone.out.contains(&format!("azure_aks_cluster.green (id {green}) no longer exists")), "{}", gone.out);
    assert_eq!(statuses(), blue_active, "traffic never moved");
    apply_then_no_changes("live", dir, &moto, &url);

    // The switch plans the edge profile alone: the two endpoint statuses that change.
    let switch = run("live", &["switch", "green"]);
    ok("live", &switch);
    assert!(
        !switch.out.contains("- {") && !switch.out.contains("+ {"),
        "no endpoint removed or added:\n{}",
        switch.out
    );
    insta::assert_snapshot!("live_switch_green_on_arm", switch.out);
    assert_eq!(statuses(), blue_active, "a plan changes nothing");

    ok("live", &run("live", &["switch", "green", "--apply", "--auto-approve"]));
    assert_eq!(
        statuses(),
        [("blue".to_string(), "Disabled".to_string()), ("green".to_string(), "Enabled".to_string())]
    );
    for environment in ["production", "live"] {
        no_changes(environment, dir, &moto, &url);
    }
}

/// The whole estate on the real APIs, as a team runs it: state in S3 (moto) sealed with a key,
/// Local's bucket in LocalStack (moto standing in), every environment applied in flow order
/// with owners first, then every plan "No changes"; Live switched to green and back; uat2 and
/// qa destroyed, leaving the bucket, key and Kafka they read, which uat1 and dev own.
#[test]
fn all_nine_environments_apply_in_flow_order_on_the_real_apis_then_plan_no_changes() {
    use aws_sdk_kms::types::KeyState;
    blueprint_secrets();
    let _moto = moto::exclusive();
    let moto = moto::endpoint();
    moto::reset(&moto);
    let arm = emulator();
    let url = arm.url();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let config = moto::config(&moto);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let kms = aws_sdk_kms::Client::new(&config);
    rt.block_on(s3.create_bucket().bucket("quikapp-state").send()).expect("the state bucket");
    let extra = Extra {
        key: Some("0f1e2d3c4b5a69788796a5b4c3d2e1f05f0e1d2c3b4a69788796a5b4c3d2e1f0".to_string()),
        flags: ["--backend", "s3://quikapp-state/estate/", "--endpoint", &format!("aws={moto}")]
            .map(String::from)
            .to_vec(),
    };
    let run = |environment: &str, args: &[&str]| cli_with(environment, dir, &moto, &url, &extra, args);

    // The flow (Local → Dev → QA → UAT → Staging → Production → Live), owners first: Production
    // owns the zone every hosted environment records its names in.
    let order = ["production", "local", "dev", "qa", "uat1", "uat2", "uat3", "staging", "live"];
    let flow: Vec<&str> = blueprint::flow::FLOW.iter().flat_map(|s| s.environments.iter().copied()).collect();
    assert_eq!(order[1..].iter().chain(&order[..1]).count(), flow.len());
    for environment in order {
        let applied = run(environment, &["apply", "--auto-approve"]);
        ok(environment, &applied);
        assert!(applied.out.contains("Apply complete!"), "{environment}: {}", applied.out);
    }
    for environment in order {
        let plan = run(environment, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{environment} after the estate applied:\n{}", plan.out);
        assert!(plan.out.contains("No changes."), "{environment}: {}", plan.out);
    }
    // Every state is in the bucket, sealed: no resource name in the clear.
    let listed = rt.block_on(s3.list_objects_v2().bucket("quikapp-state").prefix("estate/").send()).unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    for environment in order {
        let key = format!("estate/{environment}/state.json");
        assert!(keys.contains(&key.as_str()), "{key} not in {keys:?}");
        let body = rt.block_on(s3.get_object().bucket("quikapp-state").key(&key).send()).unwrap();
        let bytes = rt.block_on(body.body.collect()).unwrap().into_bytes();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("aws_s3_bucket"), "{key} is not sealed: {text}");
    }

    // Live's blue/green switch on the real APIs, and back.
    for colour in ["green", "blue"] {
        let switched = run("live", &["switch", colour, "--apply", "--auto-approve"]);
        ok("live", &switched);
        let plan = run("live", &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "live after switching to {colour}:\n{}", plan.out);
    }

    // Destroying readers leaves what they read: the UAT bucket and key (uat1's), Kafka (dev's).
    let dev_kafka = arm
        .resource_ids()
        .into_iter()
        .find(|id| id.contains("/resourceGroups/rg-quikapp-dev/") && id.contains("Microsoft.EventHub/namespaces"))
        .expect("dev's Event Hubs namespace on ARM");
    for environment in ["uat2", "qa"] {
        let destroyed = run(environment, &["destroy", "--auto-approve"]);
        ok(environment, &destroyed);
        assert!(destroyed.out.contains("Destroy complete!"), "{environment}: {}", destroyed.out);
        // uat2 reads uat1's bucket; qa has a bucket of its own, which goes with it.
        let reads_bucket = environment == "uat2";
        assert_eq!(!destroyed.out.contains("aws_s3_bucket.media will be destroyed"), reads_bucket, "{}", destroyed.out);
        assert!(!destroyed.out.contains("azure_eventhub_namespace.shared will be destroyed"), "{}", destroyed.out);
    }
    assert!(rt.block_on(s3.head_bucket().bucket("quikapp-media-qa").send()).is_err(), "qa's own bucket is gone");
    rt.block_on(s3.head_bucket().bucket("quikapp-media-uat").send()).expect("the UAT bucket survives");
    let key = rt.block_on(kms.describe_key().key_id("alias/quikapp-media-uat").send()).expect("the UAT key survives");
    assert_eq!(key.key_metadata().and_then(|m| m.key_state()), Some(&KeyState::Enabled));
    assert!(arm.resource(&dev_kafka).is_some(), "dev's Kafka survives");
    assert!(!arm.resource_ids().iter().any(|id| id.contains("/resourceGroups/rg-quikapp-uat2")), "uat2 is gone");
    assert!(!arm.resource_ids().iter().any(|id| id.contains("/resourceGroups/rg-quikapp-qa")), "qa is gone");
    for environment in ["uat1", "uat3", "dev"] {
        let plan = run(environment, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{environment} after uat2 and qa left:\n{}", plan.out);
    }
}
