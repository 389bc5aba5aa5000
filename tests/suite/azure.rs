//! The command line with `--cloud real` and the Azure provider pointed at the ARM emulator
//! through the documented settings: plan, apply, a clean plan, then drift — as a user runs it —
//! and a cluster an operation left Failed, planned as a repair and repaired by the next apply.

use crate::support::Buf;

use quikinfra::azure::{AksCluster, KafkaNamespace, ManagedRedis, Replicas, ResourceGroup};
use quikinfra::cli::{Context, run_with};
use quikinfra::engine::environment::Environment;
use quikinfra_arm_emulator::{Config, Emulator, Fault};

fn env() -> Environment {
    let group = ResourceGroup::new("main", "rg-quikapp-qa", "westeurope");
    let aks = AksCluster::new("main", "aks-quikapp-qa", &group).user_nodes(Replicas::range(1, 2));
    let redis = ManagedRedis::new("main", "redis-quikapp-qa", &group);
    let kafka = KafkaNamespace::new("main", "evh-quikapp-qa", &group).capacity(2).zone_redundant(true).topic(
        "media-events",
        4,
        24,
    );
    Environment::new("qa").fact("tier", "test").with(group).with(aks).with(redis).with(kafka)
}

/// Runs the CLI with `--cloud real`, the Azure provider reading `vars` as its environment.
fn run(dir: &std::path::Path, endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let (out, err) = (Buf::default(), Buf::default());
    let vars = [
        ("AZURE_RESOURCE_MANAGER_ENDPOINT", endpoint.to_string()),
        ("AZURE_ACCESS_TOKEN", "cli-test-token".to_string()),
        ("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-0000000000aa".to_string()),
    ];
    let ctx = Context::captured(
        Box::new(out.clone()),
        Box::new(err.clone()),
        vec![std::sync::Arc::new(quikinfra::azure::AzurePlugin::from_vars(move |name| {
            vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
        }))],
    );
    let mut head = vec!["qa", "--state-dir", dir.to_str().unwrap()];
    if !args.contains(&"--cloud") {
        head.extend(["--cloud", "real"]);
    }
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let code = run_with(env(), argv, ctx);
    (code, out.text(), err.text())
}

#[test]
fn plan_apply_plan_against_the_arm_emulator() {
    let emulator = Emulator::start(Config { polls: 2, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test");
    let dir = tempfile::tempdir().unwrap();
    let url = emulator.url();

    let (code, out, err) = run(dir.path(), &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.starts_with("Target: real clouds (azure) for environment `qa`"), "{out}");
    assert!(out.contains("Plan: 4 to add, 0 to change, 0 to destroy."), "{out}");

    let (code, out, err) = run(dir.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."), "{out}");
    // The group, the cluster, the cache and its database, the namespace and its topic.
    assert_eq!(emulator.resource_ids().len(), 6, "{:?}", emulator.resource_ids());

    let (code, out, err) = run(dir.path(), &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}");

    let cluster = emulator.resource_ids().into_iter().find(|id| id.contains("managedClusters")).unwrap();
    emulator.edit(&cluster, |b| b["sku"]["tier"] = "Standard".into());
    let (code, out, err) = run(dir.path(), &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Objects have changed outside of quikinfra") && out.contains("sku_tier"), "{out}");
    assert!(out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{out}");
}

#[test]
fn insecure_endpoints_are_refused_before_any_call() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), "http://arm.example.com", &["plan"]);
    assert_eq!(code, 1);
    assert!(err.contains("AZURE_RESOURCE_MANAGER_ENDPOINT") && err.contains("loopback"), "{err}");
}

#[test]
fn state_of_real_objects_is_never_run_against_the_simulator_nor_the_other_way_round() {
    let emulator = Emulator::start(Config { polls: 1, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test");
    let dir = tempfile::tempdir().unwrap();
    let url = emulator.url();
    let (code, out, err) = run(dir.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let state_file = dir.path().join("qa").join("state.json");
    let before = std::fs::read(&state_file).unwrap();
    assert!(String::from_utf8_lossy(&before).contains("\"kind\": \"real\""), "state records its target");

    for command in [
        &["--cloud", "sim", "apply", "--auto-approve"][..],
        &["--cloud", "sim", "plan"],
        &["--cloud", "sim", "destroy", "--auto-approve"],
    ] {
        let (code, out, err) = run(dir.path(), &url, command);
        assert_eq!(code, 1, "{command:?}: {out}{err}");
        assert!(
            err.contains("the state of `qa` records objects in the real clouds (azure 00000000-0000-0000-0000-0000000000aa), but this run targets the embedded simulator"),
            "{err}"
        );
        assert!(err.contains("--cloud real"), "{err}");
    }
    assert_eq!(std::fs::read(&state_file).unwrap(), before, "state untouched");
    assert_eq!(emulator.resource_ids().len(), 6, "nothing live changed");

    // And a simulator's state is never run against the real clouds.
    let sim_dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(sim_dir.path(), &url, &["--cloud", "sim", "apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(sim_dir.path(), &url, &["plan"]);
    assert_eq!(code, 1);
    assert!(err.contains("records objects in the embedded simulator, but this run targets the real clouds"), "{err}");
    assert_eq!(emulator.resource_ids().len(), 6);
}

#[test]
fn verbose_counts_the_retries_every_layer_made() {
    let emulator = Emulator::start(Config { polls: 1, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test");
    let dir = tempfile::tempdir().unwrap();
    let url = emulator.url();
    let (code, out, err) = run(dir.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    emulator.inject(Fault::Throttle { count: 3, method: Some("GET".into()), path_contains: None, retry_after_ms: 1 });
    let (code, out, err) = run(dir.path(), &url, &["plan", "-v", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    let line = err.lines().find(|l| l.starts_with("Provider calls (azure)")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.ends_with("retries=3 (client 3, engine 0)"), "{line}");
    assert!(err.lines().any(|l| l.starts_with("API calls (azure): ") && l.contains("arm:requests=")), "{err}");
}

#[test]
fn a_cluster_left_failed_by_an_operation_is_planned_as_a_repair_and_repaired_by_apply() {
    let emulator = Emulator::start(Config { polls: 2, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test");
    let dir = tempfile::tempdir().unwrap();
    let url = emulator.url();
    let (code, out, err) = run(dir.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let cluster = emulator.resource_ids().into_iter().find(|id| id.contains("managedClusters")).unwrap();

    // Someone raises the tier in the portal; the apply putting it back ends Failed on ARM.
    emulator.edit(&cluster, |b| b["sku"]["tier"] = "Standard".into());
    emulator.inject(Fault::FailOperation {
        count: 1,
        path_contains: Some("managedClusters".into()),
        code: "InternalOperationError".into(),
        message: "An internal error occurred while updating the cluster.".into(),
    });
    let (code, out, err) = run(dir.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("InternalOperationError"), "{out}{err}");
    assert_eq!(emulator.resource(&cluster).unwrap()["properties"]["provisioningState"], "Failed");

    // Live matches the definition again, but failed: the plan is a repair, never "No changes".
    let (code, out, err) = run(dir.path(), &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!out.contains("No changes."), "{out}");
    assert!(out.contains("~ provisioning_state = \"Succeeded\" -> \"Failed\""), "drift:\n{out}");
    assert!(out.contains("# azure_aks_cluster.main will be updated in-place"), "{out}");
    assert!(
        out.contains("# (because its provisioning_state is \"Failed\": the definition is sent again to repair it)"),
        "{out}"
    );
    assert!(out.contains("~ provisioning_state = \"Failed\" -> (known after apply)"), "{out}");
    assert!(out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{out}");
    let (code, json, err) = run(dir.path(), &url, &["plan", "--json"]);
    assert_eq!(code, 0, "{json}{err}");
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    let change =
        plan["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "azure_aks_cluster.main").unwrap();
    assert_eq!(change["action"], "update");
    assert_eq!(
        change["reason"],
        serde_json::json!({"kind": "repair", "attribute": "provisioning_state", "value": "Failed"})
    );

    let (code, out, err) = run(dir.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "{out}");
    assert_eq!(emulator.resource(&cluster).unwrap()["properties"]["provisioningState"], "Succeeded");
    let (code, out, err) = run(dir.path(), &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes. Your infrastructure matches the definition."), "{out}");
}

#[test]
fn missing_azure_credentials_give_one_line_naming_the_chain_and_the_fix() {
    let emulator = Emulator::start(Config::default()).expect("the ARM emulator must start for this test");
    let url = emulator.url();
    let plugin = quikinfra::azure::AzurePlugin::from_vars(move |name| match name {
        "AZURE_RESOURCE_MANAGER_ENDPOINT" => Some(url.clone()),
        "AZURE_SUBSCRIPTION_ID" => Some("00000000-0000-0000-0000-0000000000aa".to_string()),
        // Only the developer tools, which are not installed here: no network wait.
        "AZURE_TOKEN_CREDENTIALS" => Some("dev".to_string()),
        "PATH" => Some(String::new()),
        _ => None,
    });
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![std::sync::Arc::new(plugin)]);
    let argv = ["qa", "--state-dir", dir.path().to_str().unwrap(), "--cloud", "real", "apply", "--auto-approve"];
    let code = run_with(env(), argv.map(String::from).to_vec(), ctx);
    let err = err.text();
    assert_eq!(code, 1, "{}{err}", out.text());
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("no Azure credential produced a token")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("az login") && lines[0].contains("AZURE_CLIENT_SECRET"), "{err}");
    assert!(!err.contains("To troubleshoot"), "{err}");
    assert_eq!(emulator.resource_ids().len(), 0);
}
