//! `import --generate`: objects created outside quikinfra (a bucket with the raw S3 client on
//! moto, AKS clusters with raw ARM PUTs on the emulator) written as code, the code committed
//! under `generated/` byte for byte as written and compiled into this suite, then declared,
//! imported and planned: "No changes". Discovery by tag (S3) and by resource group (ARM), the
//! simulator's generation, and the command's errors. Needs moto (`QUIKINFRA_MOTO_ENDPOINT`)
//! for the AWS tests: without it they fail, never skip.

use std::io::{Read, Write};

use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging, Transition, TransitionStorageClass, VersioningConfiguration,
};
use quikinfra::cli::run_with;
use quikinfra::engine::environment::Environment;
use quikinfra_arm_emulator::{Config, Emulator};
use serde_json::json;

use crate::generated;
use crate::support::{Buf, moto};

/// The subscription the emulator's objects live in.
pub(crate) const SUBSCRIPTION: &str = "00000000-0000-0000-0000-00000000c0de";
/// The environment generated code is pasted into.
pub(crate) const ENVIRONMENT: &str = "imported";

/// One command-line run: its exit code and what it wrote.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) out: String,
    pub(crate) err: String,
}

/// Runs `env` with `--cloud real` (unless `args` say otherwise): AWS on moto at `moto` (if
/// given), Azure on the emulator at `arm` (if given).
pub(crate) fn cli(
    dir: &std::path::Path,
    env: Environment,
    moto: Option<&str>,
    arm: Option<&str>,
    args: &[&str],
) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let mut plugins: Vec<std::sync::Arc<dyn quikinfra::engine::plugin::Plugin>> = Vec::new();
    if let Some(moto) = moto {
        plugins.push(std::sync::Arc::new(quikinfra::aws::AwsPlugin::with_config(moto::config(moto))));
    } else {
        plugins.push(std::sync::Arc::new(quikinfra::aws::AwsPlugin::from_env()));
    }
    let arm = arm.unwrap_or("http://127.0.0.1:9").to_string();
    plugins.push(std::sync::Arc::new(quikinfra::azure::AzurePlugin::from_vars(move |name| {
        let vars = [
            ("AZURE_RESOURCE_MANAGER_ENDPOINT", arm.clone()),
            ("AZURE_ACCESS_TOKEN", "generate-token".to_string()),
            ("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION.to_string()),
        ];
        vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })));
    let ctx = quikinfra::cli::Context::captured(Box::new(out.clone()), Box::new(err.clone()), plugins);
    let mut argv = vec![ENVIRONMENT, "--state-dir", dir.to_str().unwrap()];
    if !args.contains(&"--cloud") {
        argv.extend(["--cloud", "real"]);
    }
    argv.extend(args);
    let code = run_with(env, argv.iter().map(|s| s.to_string()).collect::<Vec<_>>(), ctx);
    Run { code, out: out.text(), err: err.text() }
}

/// The environment the generated code is pasted into, with nothing declared yet.
fn empty() -> Environment {
    Environment::new(ENVIRONMENT)
}

/// The committed file is the generated code, byte for byte. `QUIKINFRA_WRITE_GENERATED=1`
/// rewrites it (then review the diff, as for snapshots).
#[track_caller]
pub(crate) fn assert_committed(file: &str, code: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite/generated").join(file);
    if std::env::var_os("QUIKINFRA_WRITE_GENERATED").is_some() {
        std::fs::write(&path, code).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(code, committed, "generation no longer writes {}", path.display());
}

/// The run succeeded (or its output is shown).
#[track_caller]
pub(crate) fn ok(run: &Run) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.out, run.err);
}

/// Imports `address` as `id` into `env` and plans: "No changes".
#[track_caller]
fn import_then_no_changes(
    dir: &std::path::Path,
    env: impl Fn() -> Environment,
    moto: Option<&str>,
    arm: Option<&str>,
    address: &str,
    id: &str,
) {
    let run = cli(dir, env(), moto, arm, &["import", address, id]);
    ok(&run);
    let run = cli(dir, env(), moto, arm, &["plan", "--detailed-exitcode"]);
    ok(&run);
    assert!(run.out.contains("No changes."), "{}", run.out);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn tagging(tags: &[(&str, &str)]) -> Tagging {
    let set = tags.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap()).collect();
    Tagging::builder().set_tag_set(Some(set)).build().unwrap()
}

/// A bucket made by hand, as a team's console or script made it: versioned, two lifecycle
/// rules, SSE-KMS with a bucket key, tagged (the environment's standard tags among them).
async fn media_bucket_made_outside(s3: &aws_sdk_s3::Client, name: &str) {
    s3.create_bucket().bucket(name).send().await.unwrap();
    let versioning = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
    s3.put_bucket_versioning().bucket(name).versioning_configuration(versioning).send().await.unwrap();
    let whole = LifecycleRule::builder()
        .id("default")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .transitions(Transition::builder().days(30).storage_class(TransitionStorageClass::StandardIa).build())
        .expiration(LifecycleExpiration::builder().days(365).build())
        .build()
        .unwrap();
    let logs = LifecycleRule::builder()
        .id("logs")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("logs/\"raw\"/").build())
        .expiration(LifecycleExpiration::builder().days(7).build())
        .build()
        .unwrap();
    let lifecycle = BucketLifecycleConfiguration::builder().rules(whole).rules(logs).build().unwrap();
    s3.put_bucket_lifecycle_configuration().bucket(name).lifecycle_configuration(lifecycle).send().await.unwrap();
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::AwsKms)
        .kms_master_key_id("arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
        .build()
        .unwrap();
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(by_default)
        .bucket_key_enabled(true)
        .build();
    let sse = ServerSideEncryptionConfiguration::builder().rules(rule).build().unwrap();
    s3.put_bucket_encryption().bucket(name).server_side_encryption_configuration(sse).send().await.unwrap();
    let tags = tagging(&[("environment", ENVIRONMENT), ("managed-by", "quikinfra"), ("team", "média \"core\"")]);
    s3.put_bucket_tagging().bucket(name).tagging(tags).send().await.unwrap();
}

#[test]
fn a_bucket_made_outside_is_generated_compiled_imported_and_planned_with_no_changes() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let s3 = aws_sdk_s3::Client::new(&moto::config(&endpoint));
    block_on(media_bucket_made_outside(&s3, "quikapp-media-imported"));
    let dir = tempfile::tempdir().unwrap();

    let run = cli(
        dir.path(),
        empty(),
        Some(&endpoint),
        None,
        &["import", "aws_s3_bucket.media", "quikapp-media-imported", "--generate"],
    );
    ok(&run);
    assert_committed("media_bucket.rs", &run.out);
    insta::assert_snapshot!(run.err);
    assert!(
        !dir.path().join("imported.json").exists()
            && std::fs::read_dir(dir.path())
                .unwrap()
                .all(|e| { !e.unwrap().file_name().to_string_lossy().ends_with(".json") }),
        "generation writes no state"
    );

    let out = dir.path().join("media.rs");
    let run = cli(
        dir.path(),
        empty(),
        Some(&endpoint),
        None,
        &["import", "aws_s3_bucket.media", "quikapp-media-imported", "--generate", "--out", out.to_str().unwrap()],
    );
    ok(&run);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite/generated/media_bucket.rs")
        )
        .unwrap()
    );
    assert!(run.out.is_empty(), "{}", run.out);

    let declared = || {
        let mut env = empty();
        generated::media_bucket::declare(&mut env);
        env
    };
    import_then_no_changes(
        dir.path(),
        declared,
        Some(&endpoint),
        None,
        "aws_s3_bucket.media",
        "quikapp-media-imported",
    );

    let missing = cli(
        dir.path(),
        empty(),
        Some(&endpoint),
        None,
        &["import", "aws_s3_bucket.gone", "no-such-bucket", "--generate"],
    );
    assert_eq!(missing.code, 1, "{}", missing.err);
    assert!(missing.err.contains("aws_s3_bucket.gone: no object with id `no-such-bucket` exists"), "{}", missing.err);
    assert!(missing.out.is_empty(), "{}", missing.out);
}

#[test]
fn discovery_by_tag_writes_exactly_the_tagged_buckets() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let s3 = aws_sdk_s3::Client::new(&moto::config(&endpoint));
    block_on(async {
        for (name, tags) in [
            ("team-x-assets", Some(("team", "x"))),
            ("team-x-logs", Some(("team", "x"))),
            ("team-y-assets", Some(("team", "y"))),
            ("untagged-assets", None),
        ] {
            s3.create_bucket().bucket(name).send().await.unwrap();
            if let Some(tag) = tags {
                s3.put_bucket_tagging().bucket(name).tagging(tagging(&[tag])).send().await.unwrap();
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let run = cli(
        dir.path(),
        empty(),
        Some(&endpoint),
        None,
        &["import", "--generate", "--discover", "aws_s3_bucket", "--tag", "team=x"],
    );
    ok(&run);
    insta::assert_snapshot!(run.out);
    assert_eq!(run.out.matches("env.add(").count(), 2, "{}", run.out);
    assert!(run.out.contains(r#"S3Bucket::new("team-x-assets", "team-x-assets")"#), "{}", run.out);
    assert!(run.out.contains(r#"S3Bucket::new("team-x-logs", "team-x-logs")"#), "{}", run.out);
    assert!(!run.out.contains("team-y") && !run.out.contains("untagged"), "{}", run.out);

    let none = cli(
        dir.path(),
        empty(),
        Some(&endpoint),
        None,
        &["import", "--generate", "--discover", "aws_s3_bucket", "--tag", "team=z"],
    );
    ok(&none);
    assert!(none.out.is_empty() && none.err.contains("No `aws_s3_bucket` object matched"), "{}", none.err);
}

/// One HTTP/1.1 request to the emulator, as a script with a token would send it.
pub(crate) fn arm(url: &str, method: &str, path: &str, body: Option<&serde_json::Value>) -> (u16, serde_json::Value) {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("the emulator is reachable");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer outside\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let json = reply.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or_default();
    (status, json)
}

const AKS_API: &str = "api-version=2026-07-01";

fn group_path(group: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}")
}

/// A resource group and a cluster PUT by hand: two pools (a fixed system pool, an
/// autoscaled user pool) over three zones, Azure CNI Overlay, an admin group, tags.
fn cluster_made_outside(url: &str, group: &str, name: &str) -> String {
    let (status, _) = arm(
        url,
        "PUT",
        &format!("{}?api-version=2024-03-01", group_path(group)),
        Some(&json!({"location": "westeurope"})),
    );
    assert!(status == 200 || status == 201, "resource group: {status}");
    let zones = json!(["1", "2", "3"]);
    let body = json!({
        "location": "westeurope",
        "identity": {"type": "SystemAssigned"},
        "sku": {"name": "Base", "tier": "Standard"},
        "tags": {"environment": ENVIRONMENT, "managed-by": "quikinfra", "cost-center": "42"},
        "properties": {
            "dnsPrefix": format!("{name}-dns"),
            "kubernetesVersion": "1.31",
            "enableRBAC": true,
            "agentPoolProfiles": [
                {"name": "sys", "mode": "System", "type": "VirtualMachineScaleSets", "osType": "Linux",
                 "vmSize": "Standard_D4s_v5", "count": 3, "enableAutoScaling": false, "availabilityZones": zones},
                {"name": "apps", "mode": "User", "type": "VirtualMachineScaleSets", "osType": "Linux",
                 "vmSize": "Standard_D8s_v5", "count": 2, "enableAutoScaling": true, "minCount": 2, "maxCount": 6,
                 "availabilityZones": zones}
            ],
            "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay", "podCidr": "10.244.0.0/16",
                               "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10"},
            "aadProfile": {"managed": true, "enableAzureRBAC": true,
                           "adminGroupObjectIDs": ["6f2c1c1e-3b7a-4c55-9a3e-2f1d0c9b8a7e"]}
        }
    });
    let path = format!("{}/providers/Microsoft.ContainerService/managedClusters/{name}", group_path(group));
    let (status, _) = arm(url, "PUT", &format!("{path}?{AKS_API}"), Some(&body));
    assert!(status == 200 || status == 201, "cluster: {status}");
    // Polls until the create settles, as `az` does.
    for _ in 0..50 {
        let (_, live) = arm(url, "GET", &format!("{path}?{AKS_API}"), None);
        if live.pointer("/properties/provisioningState").and_then(|s| s.as_str()) == Some("Succeeded") {
            return path;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the cluster {path} never settled");
}

fn emulator() -> Emulator {
    Emulator::start(Config { polls: 1, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test")
}

#[test]
fn an_aks_cluster_made_outside_is_generated_compiled_imported_and_planned_with_no_changes() {
    let emulator = emulator();
    let url = emulator.url();
    let id = cluster_made_outside(&url, "rg-quikapp-imported", "aks-quikapp-imported");
    let dir = tempfile::tempdir().unwrap();

    let run = cli(dir.path(), empty(), None, Some(&url), &["import", "azure_aks_cluster.main", &id, "--generate"]);
    ok(&run);
    assert_committed("aks_cluster.rs", &run.out);

    let declared = || {
        let mut env = empty();
        generated::aks_cluster::declare(&mut env);
        env
    };
    import_then_no_changes(dir.path(), declared, None, Some(&url), "azure_aks_cluster.main", &id);
}

#[test]
fn discovery_in_a_resource_group_writes_every_cluster_in_it() {
    let emulator = emulator();
    let url = emulator.url();
    cluster_made_outside(&url, "rg-apps", "aks-blue");
    cluster_made_outside(&url, "rg-apps", "aks-green");
    cluster_made_outside(&url, "rg-other", "aks-elsewhere");
    let dir = tempfile::tempdir().unwrap();
    let run = cli(
        dir.path(),
        empty(),
        None,
        Some(&url),
        &["import", "--generate", "--discover", "azure_aks_cluster", "--resource-group", "rg-apps"],
    );
    ok(&run);
    assert_eq!(run.out.matches("env.add(").count(), 2, "{}", run.out);
    assert!(
        run.out.contains(r#"AksCluster::in_group("aks-blue", "aks-blue", "rg-apps", "westeurope")"#),
        "{}",
        run.out
    );
    assert!(
        run.out.contains(r#"AksCluster::in_group("aks-green", "aks-green", "rg-apps", "westeurope")"#),
        "{}",
        run.out
    );
    assert!(!run.out.contains("aks-elsewhere"), "{}", run.out);
    let tagged = cli(
        dir.path(),
        empty(),
        None,
        Some(&url),
        &["import", "--generate", "--discover", "azure_aks_cluster", "--tag", "cost-center=42"],
    );
    ok(&tagged);
    assert_eq!(tagged.out.matches("env.add(").count(), 3, "the whole subscription: {}", tagged.out);
}

#[test]
fn the_simulator_writes_the_code_of_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let made = || {
        Environment::new(ENVIRONMENT).with(
            quikinfra::aws::S3Bucket::new("media", "quikapp-media-sim")
                .versioning(true)
                .expire_after_days(30)
                .tag("team", "media"),
        )
    };
    ok(&cli(dir.path(), made(), None, None, &["--cloud", "sim", "apply", "--auto-approve"]));
    let run = cli(
        dir.path(),
        empty(),
        None,
        None,
        &["--cloud", "sim", "import", "aws_s3_bucket.media", "imported.media-1", "--generate"],
    );
    ok(&run);
    assert!(run.out.contains("S3Bucket::new(\"media\", \"quikapp-media-sim\")\n            .expire_after_days(30)\n            .versioning(true)\n            .tag(\"team\", \"media\"),"), "{}", run.out);
    let found = cli(
        dir.path(),
        empty(),
        None,
        None,
        &["--cloud", "sim", "import", "--generate", "--discover", "aws_s3_bucket", "--tag", "team=media"],
    );
    ok(&found);
    assert_eq!(found.out.matches("env.add(").count(), 1, "{}", found.out);
}

#[test]
fn the_command_names_what_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let sim = |args: &[&str]| {
        let mut argv = vec!["--cloud", "sim"];
        argv.extend(args);
        cli(dir.path(), empty(), None, None, &argv)
    };
    let unknown = sim(&["import", "aws_nope.x", "id", "--generate"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.err.contains(
            "unknown resource type `aws_nope`: no linked plugin serves it (these types can be written as code: "
        ) && unknown.err.contains("`aws_s3_bucket`")
            && unknown.err.contains("`azure_aks_cluster`"),
        "{}",
        unknown.err
    );
    let no_generator = sim(&["import", "aws_route53_zone.main", "Z123", "--generate"]);
    assert_eq!(no_generator.code, 1);
    let can = no_generator
        .err
        .split("`aws_route53_zone` resources cannot be written as code; these types can: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", no_generator.err));
    assert!(can.contains("`aws_s3_bucket`") && can.contains("`azure_aks_cluster`"), "{}", no_generator.err);
    let missing = sim(&["import", "aws_s3_bucket.media", "imported.media-9", "--generate"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.err.contains("aws_s3_bucket.media: no object with id `imported.media-9` exists"),
        "{}",
        missing.err
    );
    let discover_alone = sim(&["import", "--discover", "aws_s3_bucket"]);
    assert_eq!(discover_alone.code, 1);
    assert!(
        discover_alone.err.contains("--discover, --tag, --resource-group and --out write code: add --generate"),
        "{}",
        discover_alone.err
    );
    let bad_tag = sim(&["import", "--generate", "--discover", "aws_s3_bucket", "--tag", "team"]);
    assert_eq!(bad_tag.code, 1);
    assert!(bad_tag.err.contains("--tag `team`: expected KEY=VALUE"), "{}", bad_tag.err);
    for out in [&unknown, &no_generator, &missing, &discover_alone, &bad_tag] {
        assert!(out.out.is_empty(), "errors print no code: {}", out.out);
    }
}
