//! End to end: the QuikApp environments, built by the blueprint exactly as their examples are,
//! applied with `--cloud real` against moto (AWS) and the ARM emulator (Azure), then planned
//! again: "No changes". `dev` and `staging`; `production` and `live` with their Traffic Manager
//! edges, Live's switch to green (the plan shows the two endpoint statuses that change, and is
//! refused while the green cluster is missing or not `Succeeded` on ARM). Needs moto:
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
        state_key: None,
    };
    let head = [environment, "--state-dir", dir.to_str().unwrap(), "--cloud", "real"];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
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
    for environment in ["dev", "staging"] {
        apply_then_no_changes(environment, dir.path(), &moto, &arm.url());
        let state = std::fs::read_to_string(dir.path().join(environment).join("state.json")).unwrap();
        assert!(state.contains("aws_s3_bucket.media"), "{environment}: {state}");
    }
    assert!(arm.resource_ids().iter().any(|id| id.contains("rg-quikapp-staging")), "{:?}", arm.resource_ids());
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
