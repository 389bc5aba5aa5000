//! The QuikApp estate built by the examples' blueprint: the matrix against the user's seed
//! document, each environment's first plan as a snapshot, shared resources that survive their
//! readers, the blue/green switch, the canary split, the Local compose file and tier policies.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use quikinfra::engine::apply::{self, ApplyOptions, SilentProgress};
use quikinfra::engine::environment::Environment;
use quikinfra::engine::local::LocalFiles;
use quikinfra::engine::plan::{self, Plan, PlanError, PlanOptions};
use quikinfra::engine::provider::Providers;
use quikinfra::engine::render::{self, TextOptions};
use quikinfra::engine::sim::Simulator;
use quikinfra::engine::state::State;
use quikinfra::engine::value::Value;

use crate::blueprint::{self, Colour, ESTATE, Row, SHARED, SharedStore, matrix};
use crate::support::{Buf, World};

// ---------------------------------------------------------------------------------------------
// Helpers: worlds with the local provider, plans with owners' states, applies.

/// A simulator world that also serves `local_file` under a temporary directory.
fn world() -> World {
    crate::support::blueprint_secrets();
    let mut world = World::new();
    let files = world.dir.path().join("files");
    world.providers =
        Providers::new().register("local", Arc::new(LocalFiles::new(files)), 4).fallback(world.sim.clone(), 64);
    world
}

/// Plan options with placeholder secrets and the states of `env`'s owners.
async fn options(world: &World, env: &Environment) -> PlanOptions {
    let mut shared = BTreeMap::new();
    for owner in env.owners() {
        let owner_env = blueprint::build(blueprint::row(owner).unwrap());
        if let Some(state) = world.backend(&owner_env).read().await.unwrap() {
            shared.insert(owner.to_string(), state);
        }
    }
    PlanOptions { placeholder_secrets: true, shared, ..Default::default() }
}

async fn plan_env(world: &World, env: &Environment) -> Result<Plan, PlanError> {
    let state = world.backend(env).read().await.unwrap();
    plan::plan(env, state.as_ref(), &world.providers, &options(world, env).await).await
}

async fn converge(world: &World, env: &Environment) {
    let plan = plan_env(world, env).await.unwrap_or_else(|e| panic!("{}: {e}", env.name()));
    let opts = ApplyOptions { parallelism: 8, placeholder_secrets: true, ..Default::default() };
    let report = apply::apply(&plan, &env.schemas(), &world.providers, &world.backend(env), &SilentProgress, &opts)
        .await
        .unwrap();
    assert!(report.succeeded(), "{}: {:?}", env.name(), report.failures);
}

/// Every environment `name` reads from, transitively, each after the environments it reads
/// from itself (Production, owning the zone, first).
fn owners_first(name: &str) -> Vec<&'static Row> {
    fn visit(name: &str, found: &mut Vec<&'static Row>) {
        for owner in blueprint::build(blueprint::row(name).unwrap()).owners() {
            if !found.iter().any(|r| r.name == owner) {
                visit(owner, found);
                found.push(blueprint::row(owner).unwrap());
            }
        }
    }
    let mut found = Vec::new();
    visit(name, &mut found);
    found
}

/// The whole estate in an order that applies every owner before its readers.
fn apply_order() -> Vec<&'static Row> {
    let mut order: Vec<&'static Row> = Vec::new();
    for row in ESTATE {
        for r in owners_first(row.name).into_iter().chain(std::iter::once(row)) {
            if !order.iter().any(|o| o.name == r.name) {
                order.push(r);
            }
        }
    }
    order
}

/// Secret fingerprints depend on the secret: set in a developer's shell, a placeholder here.
fn redact_fingerprints(json: &str) -> String {
    // Lineages are random: an owner's (`owners_state`) is shown as `[lineage]`.
    let lines: String = json
        .lines()
        .map(|line| match line.find("\"lineage\": \"") {
            Some(at) => format!("{}\"lineage\": \"[lineage]\",\n", &line[..at]),
            None => format!("{line}\n"),
        })
        .collect();
    let json: &str = &lines;
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find("\"sha256:") {
        let start = at + "\"sha256:".len();
        out.push_str(&rest[..start]);
        let hex = rest[start..].bytes().take_while(u8::is_ascii_hexdigit).count();
        out.push_str("[redacted]");
        rest = &rest[start + hex..];
    }
    out.push_str(rest);
    out
}

fn text(plan: &Plan) -> String {
    render::plan_text(plan, &TextOptions { color: false })
}

/// Output captured from a command line.
struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs environment `name`'s command line as its example does, with state under `dir`.
fn cli(dir: &Path, name: &str, args: &[&str]) -> Run {
    crate::support::blueprint_secrets();
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = quikinfra::cli::Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![]);
    let row = blueprint::row(name).unwrap();
    let mut argv: Vec<String> = vec![name.to_string(), "--state-dir".into(), dir.display().to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let code = blueprint::run_with(row, argv, ctx);
    Run { code, out: out.text(), err: err.text() }
}

#[track_caller]
fn ok(run: &Run) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.out, run.err);
}

fn sim_objects(dir: &Path) -> Vec<(String, String, quikinfra::engine::value::Attrs)> {
    let sim = Simulator::open(dir.join("sim")).unwrap();
    sim.objects().into_iter().map(|o| (o.type_name, o.id, o.attrs)).collect()
}

fn has_bucket(dir: &Path, bucket: &str) -> bool {
    sim_objects(dir).iter().any(|(t, _, a)| t == "aws_s3_bucket" && a.get("bucket") == Some(&Value::from(bucket)))
}

// ---------------------------------------------------------------------------------------------
// The matrix and the seed.

fn seed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/seed/deployment-overview.md");
    std::fs::read_to_string(path).expect("the seed document is in the repository")
}

#[test]
fn the_matrix_matches_the_seed_cell_by_cell() {
    let seed_tables = matrix::parse_tables(&seed());
    let generated = matrix::estate_tables();
    let mut mismatches = Vec::new();
    for heading in [matrix::SUMMARY, matrix::COMPUTE, matrix::MEDIA] {
        let want = seed_tables.iter().find(|t| t.heading == heading).unwrap_or_else(|| panic!("seed table {heading}"));
        let got = generated.iter().find(|t| t.heading == heading).unwrap();
        let want_rows = std::iter::once(&want.header).chain(&want.rows);
        let got_rows = std::iter::once(&got.header).chain(&got.rows);
        assert_eq!(want.rows.len(), got.rows.len(), "{heading}: row count");
        for (r, (w, g)) in want_rows.zip(got_rows).enumerate() {
            assert_eq!(w.len(), g.len(), "{heading}, row {r}: column count");
            for (c, (wc, gc)) in w.iter().zip(g).enumerate() {
                if wc != gc {
                    mismatches.push(format!(
                        "{heading}, row {r} ({}), column {}: seed {wc:?}, generated {gc:?}",
                        w[0], want.header[c]
                    ));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "the matrix differs from the seed:\n{}", mismatches.join("\n"));

    // The generated tables are the seed's, byte for byte (the names table is the blueprint's own).
    for table in generated.iter().filter(|t| t.heading != matrix::DOMAINS) {
        let block = matrix::table_markdown(table);
        assert!(seed().contains(&block), "not in the seed verbatim:\n{block}");
    }
    insta::assert_snapshot!("matrix", matrix::markdown(&generated));
}

#[test]
fn the_in_repo_seed_is_the_users_document() {
    let users = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/deployment-overview.md");
    if let Ok(theirs) = std::fs::read_to_string(&users) {
        assert_eq!(theirs, seed(), "the user's seed changed: copy it to docs/seed/ and update the blueprint");
    }
}

#[test]
fn every_shared_store_has_one_owner_and_matches_the_rows() {
    for (i, o) in SHARED.iter().enumerate() {
        assert!(blueprint::row(o.owner).is_some(), "{:?}: unknown owner", o.store);
        assert!(!o.readers.contains(&o.owner), "{:?}: the owner reads itself", o.store);
        assert!(SHARED[..i].iter().all(|p| p.store != o.store), "{:?} is listed twice", o.store);
    }
    for row in ESTATE {
        let shared_cells = [
            (SharedStore::MySql, row.database == blueprint::Database::SharedMySql),
            (SharedStore::Redis, row.redis == blueprint::Redis::Shared),
            (SharedStore::Kafka, row.kafka == blueprint::Kafka::Shared),
        ];
        for (store, says_shared) in shared_cells {
            let entry = SHARED.iter().find(|o| o.store == store).unwrap();
            let involved = entry.owner == row.name || entry.readers.contains(&row.name);
            assert_eq!(says_shared, involved, "{}: its {store:?} cell and the ownership table disagree", row.name);
        }
        if let blueprint::Bucket::S3(name) = row.bucket {
            let users: Vec<&str> = ESTATE.iter().filter(|r| r.bucket == row.bucket).map(|r| r.name).collect();
            let entry = SHARED.iter().find(|o| o.store == SharedStore::Media(name));
            match entry {
                None => assert_eq!(users, [row.name], "{name} is used by several environments but has no owner"),
                Some(o) => {
                    let mut listed: Vec<&str> = std::iter::once(o.owner).chain(o.readers.iter().copied()).collect();
                    listed.sort();
                    let mut users = users.clone();
                    users.sort();
                    assert_eq!(listed, users, "{name}: owner and readers are not the environments using it");
                }
            }
        }
    }
}

#[test]
fn the_flow_covers_every_environment_once_in_tier_order() {
    let order: Vec<&str> = blueprint::flow::FLOW.iter().flat_map(|s| s.environments.iter().copied()).collect();
    let estate: Vec<&str> = ESTATE.iter().map(|r| r.name).collect();
    assert_eq!(order, estate);
    let tiers: Vec<blueprint::Tier> = order.iter().map(|n| blueprint::row(n).unwrap().tier).collect();
    assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "{tiers:?}");
    insta::assert_snapshot!(blueprint::flow::flow_text(), @r"
    Developer (Code Test)
      → Local (arrives by Docker Compose; trigger Local: Manual)
      → Dev (arrives by Auto Deploy; trigger Dev: On commit)
      → QA (arrives by Manual Deploy; trigger QA: On PR merge)
      → UAT (arrives by Manual Deploy; trigger UAT1: Manual, UAT2: Manual, UAT3: Scheduled)
      → Staging (arrives by Release Branch; trigger Staging: On release)
      → Production (arrives by Canary Deploy; trigger Production: Controlled)
      → Live (arrives by Blue/Green Switch; trigger Live: Blue/Green)
    ");
}

#[test]
fn every_environment_is_valid_and_its_clusters_match_their_size_tag() {
    for row in ESTATE {
        let env = blueprint::build(row);
        if let Err(problems) = quikinfra::engine::validate::validate(&env) {
            panic!("{}: {problems}", row.name);
        }
        for node in env.resources().iter().filter(|n| n.address.type_name() == "azure_aks_cluster") {
            let tag = node.attrs["tags"].as_map().unwrap()["aks-size"].as_str().unwrap().to_string();
            let size = blueprint::AksSize::from_tag(&tag).unwrap();
            let rg = quikinfra::azure::ResourceGroup::new("main", "rg", blueprint::build::REGION);
            let mut probe = Environment::new("probe");
            probe.add(size.apply(quikinfra::azure::AksCluster::new("main", "aks", &rg)));
            let preset = &probe.resources()[0].attrs;
            for attr in
                ["sku_tier", "availability_zones", "system_pool_vm_size", "system_pool_nodes", "user_pool_vm_size"]
            {
                assert_eq!(
                    node.attrs[attr], preset[attr],
                    "{} {}: {attr} is not the {tag} preset's",
                    row.name, node.address
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plans against empty state, as snapshots.

#[tokio::test]
async fn every_environment_plans_against_empty_state() {
    for row in ESTATE {
        let world = world();
        for owner in owners_first(row.name) {
            converge(&world, &blueprint::build(owner)).await;
        }
        let env = blueprint::build(row);
        let plan = plan_env(&world, &env).await.unwrap_or_else(|e| panic!("{}: {e}", row.name));
        assert!(plan.has_changes(), "{}", row.name);
        insta::assert_snapshot!(format!("plan_{}_text", row.name), text(&plan));
        insta::assert_snapshot!(format!("plan_{}_json", row.name), redact_fingerprints(&render::plan_json(&plan)));
    }
}

#[tokio::test]
async fn apply_then_plan_shows_no_changes_for_the_whole_estate() {
    let world = world();
    for row in apply_order() {
        converge(&world, &blueprint::build(row)).await;
    }
    for row in ESTATE {
        let plan = plan_env(&world, &blueprint::build(row)).await.unwrap();
        assert!(!plan.has_changes(), "{}:\n{}", row.name, text(&plan));
    }
}

#[tokio::test]
async fn readers_resolve_shared_stores_from_their_owner() {
    let world = world();
    for owner in owners_first("uat2") {
        converge(&world, &blueprint::build(owner)).await;
    }
    let plan = plan_env(&world, &blueprint::build(blueprint::row("uat2").unwrap())).await.unwrap();
    let shared: Vec<String> = plan
        .resource_changes
        .iter()
        .filter(|c| matches!(&c.reason, Some(plan::Reason::Shared { .. })))
        .map(|c| format!("{} from {:?}", c.address, c.reason))
        .collect();
    assert_eq!(
        shared,
        [
            "aws_kms_key.media from Some(Shared { owner: \"uat1\" })",
            "aws_route53_zone.main from Some(Shared { owner: \"production\" })",
            "aws_s3_bucket.media from Some(Shared { owner: \"uat1\" })",
            "azure_eventhub_namespace.shared from Some(Shared { owner: \"dev\" })",
        ]
    );
    let cdn =
        plan.resource_changes.iter().find(|c| c.address.to_string() == "aws_cloudfront_distribution.media").unwrap();
    let origin = &cdn.after.as_ref().unwrap()["origin"].as_map().unwrap()["domain_name"];
    // Production's bucket is `media-1` in this world (it owns the zone: applied first), Dev's
    // `media-2`, UAT1's `media-3`.
    assert_eq!(origin, &Value::from("sim://aws_s3_bucket/media-3/bucket_regional_domain_name"), "known at plan time");
}

#[tokio::test]
async fn production_splits_traffic_for_the_canary_in_its_plan() {
    let world = world();
    let plan = plan_env(&world, &blueprint::build(blueprint::row("production").unwrap())).await.unwrap();
    let edge =
        plan.resource_changes.iter().find(|c| c.address.to_string() == "azure_traffic_manager_profile.edge").unwrap();
    let Value::List(endpoints) = &edge.after.as_ref().unwrap()["endpoints"] else { panic!("endpoints") };
    let split: Vec<(String, String, String)> = endpoints
        .iter()
        .map(|e| {
            let e = e.as_map().unwrap();
            let s = |k: &str| match &e[k] {
                Value::String(s) => s.clone(),
                other => render::value_text(other),
            };
            (s("name"), s("weight"), s("status"))
        })
        .collect();
    assert_eq!(
        split,
        [("stable".into(), "90".into(), "Enabled".into()), ("canary".into(), "10".into(), "Enabled".into())]
    );
    let text = text(&plan);
    let weights: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("+ \"weight\""))
        .filter_map(|l| l.rsplit("= ").next())
        .collect();
    assert_eq!(weights, ["90", "10"], "{text}");
}

// ---------------------------------------------------------------------------------------------
// Local: the compose file.

#[tokio::test]
async fn local_compose_file_is_diffed_by_plan_and_written_by_apply() {
    let world = world();
    let local = blueprint::build(blueprint::row("local").unwrap());
    converge(&world, &local).await;
    let path = world.dir.path().join("files").join(blueprint::compose::PATH);
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, blueprint::compose::render(blueprint::row("local").unwrap()));
    for needle in ["redis:", "apache/kafka", "localstack/localstack", "sqlite:", "jdbc:h2:"] {
        assert!(written.contains(needle), "{needle} missing from\n{written}");
    }
    assert!(!written.contains("awslocal"), "the bucket is the environment's, not the file's");
    let bucket = local.resource(&"aws_s3_bucket.media".parse().unwrap()).expect("Local's media bucket");
    assert!(bucket.depends_on.contains(&"local_file.compose".parse().unwrap()), "the file comes first");
    assert_eq!(local.provider_endpoints()["aws"].url, blueprint::compose::LOCALSTACK_URL);
    assert!(!plan_env(&world, &local).await.unwrap().has_changes());

    std::fs::write(&path, written.replace("replicas: 1", "replicas: 3")).unwrap();
    let plan = plan_env(&world, &local).await.unwrap();
    assert_eq!(plan.drift.len(), 1, "an edit by hand is drift");
    let text = text(&plan);
    assert!(text.contains("local_file.compose will be updated in-place"), "{text}");
    converge(&world, &local).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
}

// ---------------------------------------------------------------------------------------------
// Policies.

fn policy_error(env: &Environment) -> String {
    let world = world();
    let err = tokio::runtime::Runtime::new().unwrap().block_on(plan_env(&world, env)).unwrap_err();
    assert!(matches!(err, PlanError::Invalid(_)), "{err}");
    assert_eq!(world.providers.stats().total(), 0, "nothing is called");
    err.to_string()
}

#[test]
fn a_production_definition_breaking_tier_policies_fails_plan_naming_environment_resource_rule_and_row() {
    let production = blueprint::row("production").unwrap();
    let broken = Row {
        database: blueprint::Database::DedicatedMySql,
        replicas: quikinfra::azure::Replicas::range(2, 5),
        encryption: blueprint::MediaEncryption::SseS3,
        cdn: blueprint::Cdn::Enabled,
        ..*production
    };
    insta::assert_snapshot!(policy_error(&blueprint::build(&broken)), @r#"
    4 problems in the definition:
      - aws_cloudfront_distribution.media: field `web_acl_arn`: environment `production` breaks rule `waf-on-cloudfront` (seed: AWS Media Infrastructure, Production row, CloudFront "Enabled"): must be set: media is served behind a WAF web ACL
      - aws_s3_bucket.media: field `server_side_encryption`: environment `production` breaks rule `sse-kms` (seed: AWS Media Infrastructure, Production row, Encryption "SSE-S3"): must be SSE-KMS (`aws:kms`), is `AES256`
      - azure_aks_cluster.main: field `user_pool_nodes`: environment `production` breaks rule `min-3-replicas` (seed: Compute & Database, Production row, Replicas "2-5"): must keep at least 3 nodes, keeps 2
      - azure_mysql_flexible_server.main: field `high_availability`: environment `production` breaks rule `multi-az-mysql` (seed: Compute & Database, Production row, Database "Dedicated MySQL"): must be ZoneRedundant (Multi-AZ), is Disabled
    "#);
}

#[test]
fn environments_below_staging_never_hold_real_data_and_live_keeps_its_shield_and_protection() {
    let dev = Row { data: blueprint::DataClass::RealData, ..*blueprint::row("dev").unwrap() };
    let err = policy_error(&blueprint::build(&dev));
    assert!(
        err.contains("environment `dev` breaks rule `no-real-data-below-staging` (seed: Environment Summary, Dev row, Data \"Real data\"; real data starts at Production): is marked as holding real data"),
        "{err}"
    );

    // Live without Shield and with an unprotected data store, as someone might write it by hand.
    let live = blueprint::build(blueprint::row("live").unwrap());
    let mut edited = Environment::new("live").fact("data-class", "real-data");
    for node in live.resources() {
        let mut node = node.clone();
        if node.address.to_string() == "azure_managed_redis.main" {
            node.lifecycle.prevent_destroy = false;
        }
        if node.address.type_name() != "aws_shield_protection" {
            edited.add_node(node);
        }
    }
    for rule in live.rules() {
        edited.rule(rule.clone());
    }
    let err = policy_error(&edited);
    assert!(err.contains("aws_cloudfront_distribution.media: environment `live` breaks rule `shield-on-cloudfront` (seed: AWS Media Infrastructure, Live row, CloudFront \"Enabled + WAF + Shield\"): must be protected by an aws_shield_protection"), "{err}");
    assert!(
        err.contains("azure_managed_redis.main: environment `live` breaks rule `prevent-destroy-data-stores`"),
        "{err}"
    );
    assert!(!err.contains("aws_s3_bucket.media"), "read-only stores are their owner's to protect: {err}");
}

#[test]
fn production_serves_https_only_with_tls_1_2_and_protects_its_zone() {
    let production = blueprint::build(blueprint::row("production").unwrap());
    let mut edited = Environment::new("production").fact("data-class", "real-data");
    for node in production.resources() {
        let mut node = node.clone();
        match node.address.to_string().as_str() {
            "aws_cloudfront_distribution.media" => {
                if let Some(Value::Map(b)) = node.attrs.get_mut("default_cache_behavior") {
                    b.insert("viewer_protocol_policy", Value::from("allow-all"));
                }
                node.attrs.insert("minimum_protocol_version", Value::from("TLSv1_2016"));
            }
            "azure_traffic_manager_profile.edge" => {
                if let Some(Value::Map(m)) = node.attrs.get_mut("monitor") {
                    m.insert("protocol", Value::from("HTTP"));
                }
            }
            "aws_route53_zone.main" => node.lifecycle.prevent_destroy = false,
            _ => {}
        }
        edited.add_node(node);
    }
    for rule in production.rules() {
        edited.rule(rule.clone());
    }
    let err = policy_error(&edited);
    for expected in [
        "aws_cloudfront_distribution.media: field `default_cache_behavior.viewer_protocol_policy`: environment `production` breaks rule `https-tls12`",
        "aws_cloudfront_distribution.media: field `minimum_protocol_version`: environment `production` breaks rule `https-tls12` (seed: Environment Summary, Production row, Access \"Operations\"; Production is reached at prod.quikapp.com): must be TLS 1.2 or newer (`TLSv1.2_2021`), is TLSv1_2016",
        "azure_traffic_manager_profile.edge: field `monitor.protocol`: environment `production` breaks rule `https-tls12`",
        "aws_route53_zone.main: environment `production` breaks rule `prevent-destroy-data-stores`",
    ] {
        assert!(err.contains(expected), "{expected}\nnot in:\n{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Shared resources survive their readers (through the command line, as a user runs it).

/// The README's first command on a fresh machine: staging reads the domain's zone from
/// production, which has not applied; the plan shows staging whole, the zone read from
/// production's plan, and says so; apply refuses until production applies and makes nothing.
#[test]
fn a_reader_plans_before_its_owner_applies_and_apply_waits_for_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let plan = cli(dir.path(), "staging", &["plan"]);
    ok(&plan);
    assert!(plan.out.contains("# aws_route53_record.entry will be created"), "{}", plan.out);
    assert!(plan.out.contains(
        "Reads what `production` has not applied yet: values only the cloud knows are known after it applies. This plan is for review: apply `production` first, then plan `staging` again."
    ));
    assert!(!dir.path().join("production").join("state.json").exists(), "planning the owner writes no state");

    let refused = cli(dir.path(), "staging", &["apply", "--auto-approve"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.err.contains("aws_route53_zone.main: owned by environment `production`, which does not manage it yet; apply `production` first"),
        "{}",
        refused.err
    );
    assert!(sim_objects(dir.path()).is_empty(), "a refused apply makes nothing");

    // QA reads from dev, and dev from production: both are planned, owners first.
    let qa = cli(dir.path(), "qa", &["plan"]);
    ok(&qa);
    assert!(qa.out.contains("Reads what `dev` and `production` have not applied yet"), "{}", qa.out);

    ok(&cli(dir.path(), "production", &["apply", "--auto-approve"]));
    let plan = cli(dir.path(), "staging", &["plan"]);
    ok(&plan);
    assert!(!plan.out.contains("has not applied yet"), "{}", plan.out);
    assert!(plan.out.contains("# aws_route53_record.entry will be created"), "{}", plan.out);
    ok(&cli(dir.path(), "staging", &["apply", "--auto-approve"]));
}

#[test]
fn destroying_uat2_never_deletes_what_uat1_and_dev_own() {
    let dir = tempfile::tempdir().unwrap();
    let refused = cli(dir.path(), "uat2", &["apply", "--auto-approve"]);
    assert_eq!(refused.code, 1);
    assert!(refused.err.contains("which does not manage it yet; apply `"), "{}", refused.err);
    assert!(sim_objects(dir.path()).is_empty(), "a refused apply makes nothing");
    for name in ["production", "dev", "uat1", "uat2"] {
        ok(&cli(dir.path(), name, &["apply", "--auto-approve"]));
    }
    let before = sim_objects(dir.path()).len();
    let destroy = cli(dir.path(), "uat2", &["destroy", "--auto-approve"]);
    ok(&destroy);
    assert!(!destroy.out.contains("aws_s3_bucket.media will be destroyed"), "{}", destroy.out);
    assert!(!destroy.out.contains("azure_eventhub_namespace.shared will be destroyed"), "{}", destroy.out);
    assert!(has_bucket(dir.path(), "quikapp-media-uat"));
    let after = sim_objects(dir.path());
    assert!(after.iter().any(|(t, id, _)| t == "aws_kms_key" && id == "uat1.media-1"), "uat1's key survives");
    assert!(
        after.iter().any(|(t, id, _)| t == "azure_eventhub_namespace" && id == "dev.shared-1"),
        "dev's kafka survives"
    );
    let own =
        blueprint::build(blueprint::row("uat2").unwrap()).resources().iter().filter(|r| !r.is_read_only()).count();
    assert_eq!(before - after.len(), own, "uat2 destroyed its own resources only");
    for owner in ["dev", "uat1"] {
        let plan = cli(dir.path(), owner, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{owner} still matches its definition:\n{}{}", plan.out, plan.err);
    }
}

#[test]
fn destroying_live_never_deletes_productions_bucket() {
    let dir = tempfile::tempdir().unwrap();
    ok(&cli(dir.path(), "production", &["apply", "--auto-approve"]));
    ok(&cli(dir.path(), "live", &["apply", "--auto-approve"]));

    // Live's own data stores are protected: destroy is refused before anything is deleted.
    let refused = cli(dir.path(), "live", &["destroy", "--auto-approve"]);
    assert_eq!(refused.code, 1);
    assert!(refused.err.contains("azure_mysql_flexible_server.main: destroy was requested"), "{}", refused.err);
    assert!(!refused.err.contains("aws_s3_bucket"), "{}", refused.err);

    // Tearing Live down for good: stop managing its data stores, destroy the rest.
    let stores = ["azure_mysql_flexible_server.main", "azure_managed_redis.main", "azure_eventhub_namespace.main"];
    ok(&cli(dir.path(), "live", &[&["state", "rm"][..], &stores[..]].concat()));
    let destroy = cli(dir.path(), "live", &["destroy", "--auto-approve"]);
    ok(&destroy);
    assert!(destroy.out.contains("aws_cloudfront_distribution.media will be destroyed"), "{}", destroy.out);
    assert!(!destroy.out.contains("aws_s3_bucket.media will be destroyed"), "{}", destroy.out);
    assert!(!destroy.out.contains("aws_kms_key.media will be destroyed"), "{}", destroy.out);
    assert!(has_bucket(dir.path(), "quikapp-media-prod"));
    let plan = cli(dir.path(), "production", &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "production still matches its definition:\n{}{}", plan.out, plan.err);
}

// ---------------------------------------------------------------------------------------------
// Blue/green.

fn live_state(dir: &Path) -> State {
    let store = quikinfra::engine::state::StateStore::local(dir, "live");
    tokio::runtime::Runtime::new().unwrap().block_on(store.read()).unwrap().unwrap()
}

#[test]
fn switching_live_to_green_changes_only_the_edge_and_sticks() {
    let dir = tempfile::tempdir().unwrap();
    ok(&cli(dir.path(), "production", &["apply", "--auto-approve"]));
    ok(&cli(dir.path(), "live", &["apply", "--auto-approve"]));
    assert_eq!(blueprint::traffic::active_colour(&live_state(dir.path())), Some(Colour::Blue));

    let switch = cli(dir.path(), "live", &["switch", "green"]);
    ok(&switch);
    assert!(
        switch.out.starts_with("Switching `live` from blue to green: only azure_traffic_manager_profile.edge changes."),
        "{}",
        switch.out
    );
    let headers = switch.out.lines().filter(|l| l.starts_with("  # ")).count();
    assert_eq!(headers, 1, "one resource changes:\n{}", switch.out);
    assert!(switch.out.contains("# azure_traffic_manager_profile.edge will be updated in-place"), "{}", switch.out);
    // Shown as the statuses that change, endpoint by endpoint, not every endpoint removed and added.
    for (colour, from, to) in [("blue", "Enabled", "Disabled"), ("green", "Disabled", "Enabled")] {
        let shown = format!("\"name\"   = \"{colour}\"\n              ~ \"status\" = \"{from}\" -> \"{to}\"");
        assert!(switch.out.contains(&shown), "{colour}:\n{}", switch.out);
    }
    assert!(!switch.out.contains("- {") && !switch.out.contains("+ {"), "{}", switch.out);
    assert!(switch.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", switch.out);
    assert_eq!(
        blueprint::traffic::active_colour(&live_state(dir.path())),
        Some(Colour::Blue),
        "a plan changes nothing"
    );

    ok(&cli(dir.path(), "live", &["switch", "green", "--apply", "--auto-approve"]));
    assert_eq!(blueprint::traffic::active_colour(&live_state(dir.path())), Some(Colour::Green));
    let plan = cli(dir.path(), "live", &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "a plain plan keeps green:\n{}{}", plan.out, plan.err);
    let again = cli(dir.path(), "live", &["switch", "green"]);
    ok(&again);
    assert!(again.out.contains("green is already active in `live`: nothing to switch."), "{}", again.out);
}

#[test]
fn switching_to_a_missing_or_unhealthy_colour_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let no_state = cli(dir.path(), "live", &["switch", "green"]);
    assert_eq!(no_state.code, 1);
    assert!(no_state.err.contains("`live` has no state yet; apply it first"), "{}", no_state.err);
    ok(&cli(dir.path(), "production", &["apply", "--auto-approve"]));
    ok(&cli(dir.path(), "live", &["apply", "--auto-approve"]));

    let bad = cli(dir.path(), "live", &["switch", "purple"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.err.contains("invalid value 'purple' for '<COLOUR>'") && bad.err.contains("[possible values: blue, green]"),
        "{}",
        bad.err
    );

    ok(&cli(dir.path(), "live", &["sim", "set", "azure_aks_cluster.green", "provisioning_state", "\"Updating\""]));
    let unhealthy = cli(dir.path(), "live", &["switch", "green"]);
    assert_eq!(unhealthy.code, 1);
    assert!(unhealthy.err.contains("refusing to switch `live` to green: azure_aks_cluster.green is not healthy: its provisioning state is `Updating`, not `Succeeded`"), "{}", unhealthy.err);
    ok(&cli(dir.path(), "live", &["sim", "set", "azure_aks_cluster.green", "provisioning_state", "\"Succeeded\""]));
    ok(&cli(dir.path(), "live", &["switch", "green"]));

    ok(&cli(dir.path(), "live", &["sim", "delete", "azure_aks_cluster.green"]));
    let gone = cli(dir.path(), "live", &["switch", "green"]);
    assert_eq!(gone.code, 1);
    assert!(gone.err.contains("azure_aks_cluster.green (id live.green-1) no longer exists"), "{}", gone.err);

    ok(&cli(dir.path(), "live", &["state", "rm", "azure_aks_cluster.green"]));
    let missing = cli(dir.path(), "live", &["switch", "green"]);
    assert_eq!(missing.code, 1);
    assert!(missing.err.contains("azure_aks_cluster.green is not in state"), "{}", missing.err);
    assert_eq!(blueprint::traffic::active_colour(&live_state(dir.path())), Some(Colour::Blue), "traffic never moved");
}

// ---------------------------------------------------------------------------------------------
// Promotion.

#[test]
fn promoting_staging_to_production_shows_each_resource_difference() {
    let (note, comparison) = blueprint::flow::promotion("staging", "production").unwrap();
    assert!(note.starts_with("Promotion Staging → Production: the next stage of the flow"), "{note}");
    insta::assert_snapshot!("promote_staging_to_production", format!("{note}\n{}", comparison.to_text()));
    let (note, _) = blueprint::flow::promotion("dev", "staging").unwrap();
    assert_eq!(note, "Note: Dev → Staging skips QA, UAT of the flow.\n");
    assert!(blueprint::flow::promotion("dev", "prod").is_err());
}

#[test]
fn a_reader_cannot_import_its_owners_resource() {
    let dir = tempfile::tempdir().unwrap();
    ok(&cli(dir.path(), "production", &["apply", "--auto-approve"]));
    ok(&cli(dir.path(), "dev", &["apply", "--auto-approve"]));
    ok(&cli(dir.path(), "uat1", &["apply", "--auto-approve"]));
    let store = quikinfra::engine::state::StateStore::local(dir.path(), "uat1");
    let uat1 = tokio::runtime::Runtime::new().unwrap().block_on(store.read()).unwrap().unwrap();
    let id = uat1.resources[&"aws_s3_bucket.media".parse().unwrap()].id.clone();
    let import = cli(dir.path(), "uat2", &["import", "aws_s3_bucket.media", &id]);
    assert_eq!(import.code, 1, "{}{}", import.out, import.err);
    assert!(
        import.err.contains("aws_s3_bucket.media is read from environment `uat1`, which manages it"),
        "{}",
        import.err
    );
    assert!(!dir.path().join("uat2").join("state.json").exists(), "nothing was written");
}

#[test]
fn a_readers_saved_plan_is_refused_once_its_owners_state_moved() {
    let dir = tempfile::tempdir().unwrap();
    let plans = tempfile::tempdir().unwrap();
    ok(&cli(dir.path(), "production", &["apply", "--auto-approve"]));
    ok(&cli(dir.path(), "dev", &["apply", "--auto-approve"]));
    let saved = plans.path().join("qa.plan");
    ok(&cli(dir.path(), "qa", &["plan", "--out", saved.to_str().unwrap()]));
    // Dev's state moves: its Kafka namespace drifts and a refresh records it.
    ok(&cli(dir.path(), "dev", &["sim", "set", "azure_eventhub_namespace.shared", "capacity", "3"]));
    ok(&cli(dir.path(), "dev", &["refresh"]));
    let apply = cli(dir.path(), "qa", &["apply", saved.to_str().unwrap()]);
    assert_eq!(apply.code, 1, "{}{}", apply.out, apply.err);
    assert!(apply.err.contains("the plan is stale: it read the state of `dev` at lineage"), "{}", apply.err);
    assert!(!dir.path().join("qa").join("state.json").exists(), "nothing was applied");
}

#[test]
fn promoting_compares_what_is_deployed_with_names_and_domains_normalised() {
    let dir = tempfile::tempdir().unwrap();
    ok(&cli(dir.path(), "production", &["apply", "--auto-approve"]));
    ok(&cli(dir.path(), "staging", &["apply", "--auto-approve"]));
    let states = quikinfra::engine::state::StateStores::local(dir.path());
    let (note, comparison) = blueprint::flow::promotion_deployed("staging", "production", &states).unwrap();
    assert!(note.contains("Staging → Production"), "{note}");
    let text = comparison.to_text();
    assert!(text.starts_with("Comparing what is deployed"), "{text}");
    assert!(text.contains("~ backup_retention_days  = 14 -> 35"), "{text}");
    assert!(text.contains("+ aws_wafv2_web_acl.edge (only in `production`"), "{text}");
    // The buckets differ only by name (quikapp-media-staging, quikapp-media-prod): identical.
    assert!(!text.contains("aws_s3_bucket.media"), "{text}");
    assert!(!text.contains("staging.") && !text.contains("prod.quikapp.com"), "names and domains normalised: {text}");
    // Nothing deployed on one side says so.
    let (note, _) = blueprint::flow::promotion_deployed("staging", "live", &states).unwrap();
    assert!(note.contains("live has no state yet"), "{note}");
}

#[test]
fn staging_synthesizes_its_names_certificate_and_alias() {
    let template =
        quikinfra::aws::cloudformation::synth(&blueprint::build(blueprint::row("staging").unwrap())).unwrap();
    let t = template.value();
    let r = &t["Resources"];
    assert_eq!(r["EntryRecordSet"]["Properties"]["Name"], "staging.quikapp.com");
    assert_eq!(
        r["EntryRecordSet"]["Properties"]["ResourceRecords"],
        serde_json::json!([{"Ref": "AzurePublicIpMainIpAddress"}])
    );
    assert_eq!(
        r["EntryRecordSet"]["Properties"]["HostedZoneId"],
        serde_json::json!({"Ref": "AwsRoute53ZoneMainZoneId"})
    );
    assert_eq!(r["MediaRecordSet"]["Properties"]["AliasTarget"]["HostedZoneId"], "Z2FDTNDATAQYW2");
    assert_eq!(r["MediaCertificate"]["Properties"]["DomainName"], "media.staging.quikapp.com");
    let config = &r["MediaDistribution"]["Properties"]["DistributionConfig"];
    assert_eq!(config["Aliases"], serde_json::json!(["media.staging.quikapp.com"]));
    assert_eq!(config["ViewerCertificate"]["AcmCertificateArn"], serde_json::json!({"Ref": "MediaCertificate"}));
    assert_eq!(config["ViewerCertificate"]["MinimumProtocolVersion"], "TLSv1.2_2021");
    assert!(
        t["Metadata"]["quikinfra"]["skipped"].as_array().unwrap().contains(&serde_json::json!("aws_route53_zone.main"))
    );
}
