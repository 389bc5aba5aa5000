//! Objects already there, through the command line against the ARM emulator: an apply killed
//! with SIGKILL while its create runs is recovered by the next run, which adopts the object the
//! killed create made (its journal shows this environment started it) instead of creating it
//! again or refusing it as another's; a following plan has no changes. And an environment
//! declaring what another environment's state tracks fails naming the `import`, changing
//! nothing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use quikinfra::azure::{AksCluster, Replicas, ResourceGroup};
use quikinfra::cli::{Context, run_with};
use quikinfra::engine::environment::Environment;
use quikinfra::engine::state::StateStore;
use quikinfra_arm_emulator::{Config, Emulator};

use crate::support::Buf;

const URL_VAR: &str = "QUIKINFRA_ADOPT_TEST_ARM_URL";
const DIR_VAR: &str = "QUIKINFRA_ADOPT_TEST_DIR";
const SUBSCRIPTION: &str = "00000000-0000-0000-0000-0000000000ad";

fn env(name: &str) -> Environment {
    let group = ResourceGroup::new("main", "rg-quikapp-adopt", "westeurope");
    let aks = AksCluster::new("main", "aks-quikapp-adopt", &group).user_nodes(Replicas::range(1, 2));
    Environment::new(name).fact("tier", "test").with(group).with(aks)
}

/// Runs the command line for environment `name` with `--cloud real`, the Azure provider on the
/// emulator at `url`.
fn run(name: &str, dir: &std::path::Path, url: &str, args: &[&str]) -> (i32, String) {
    let output = Buf::default();
    let vars = [
        ("AZURE_RESOURCE_MANAGER_ENDPOINT", url.to_string()),
        ("AZURE_ACCESS_TOKEN", "adopt-test-token".to_string()),
        ("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION.to_string()),
    ];
    let plugin = quikinfra::azure::AzurePlugin::from_vars(move |var| {
        vars.iter().find(|(k, _)| *k == var).map(|(_, v)| v.clone())
    });
    let ctx = Context::captured(Box::new(output.clone()), Box::new(output.clone()), vec![std::sync::Arc::new(plugin)]);
    let mut argv = vec![name.to_string(), "--state-dir".into(), dir.to_str().unwrap().into(), "--cloud".into()];
    argv.push("real".into());
    argv.extend(args.iter().map(|s| s.to_string()));
    let code = run_with(env(name), argv, ctx);
    (code, output.text())
}

/// The child: applies `adopt` in the directory the parent names. Ignored in normal runs.
#[test]
#[ignore = "run by an_apply_killed_mid_create_is_recovered_by_adopting_the_object in a child process"]
fn child_apply() {
    let dir = std::env::var(DIR_VAR).expect("the parent names the directory");
    let url = std::env::var(URL_VAR).expect("the parent names the emulator");
    let (code, out) = run("adopt", std::path::Path::new(&dir), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
}

fn cluster_puts(emulator: &Emulator) -> usize {
    emulator.requests().iter().filter(|r| r.method == "PUT" && r.path.contains("managedClusters")).count()
}

#[test]
fn an_apply_killed_mid_create_is_recovered_by_adopting_the_object() {
    // Long-running operations take 40 polls, 100 ms apart: the cluster's create runs for seconds.
    let emulator = Emulator::start(Config { polls: 40, retry_after_ms: 100, ..Config::default() })
        .expect("the ARM emulator must start for this test");
    let dir = tempfile::tempdir().unwrap();
    let url = emulator.url();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "adopt::child_apply", "--nocapture", "--test-threads", "1"])
        .env(DIR_VAR, dir.path())
        .env(URL_VAR, &url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once ARM has the cluster (its PUT applied, its operation running).
    let started = Instant::now();
    while !emulator.resource_ids().iter().any(|id| id.contains("managedClusters")) {
        assert!(started.elapsed() < Duration::from_secs(60), "the child never created the cluster");
        assert!(child.try_wait().unwrap().is_none(), "the child ended before it was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(cluster_puts(&emulator), 1);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = StateStore::local(dir.path(), "adopt");
    let state = rt.block_on(store.read()).unwrap().expect("the killed apply wrote state");
    let pending: Vec<String> = state.pending.iter().map(|p| format!("{} {}", p.operation, p.address)).collect();
    assert_eq!(pending, ["create azure_aks_cluster.main"], "the kill landed mid-create");
    if let Some(lock) = rt.block_on(store.current_lock()).unwrap() {
        assert_eq!(run("adopt", dir.path(), &url, &["force-unlock", &lock.id]).0, 0);
    }

    let (code, out) = run("adopt", dir.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("azure_aks_cluster.main: adopted the object an interrupted apply created"), "{out}");
    let (code, out) = run("adopt", dir.path(), &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not converged: {out}");
    assert!(out.contains("No changes."), "{out}");

    let state = rt.block_on(store.read()).unwrap().unwrap();
    assert!(state.pending.is_empty());
    let clusters: Vec<String> =
        emulator.resource_ids().into_iter().filter(|id| id.contains("managedClusters")).collect();
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let tracked = &state.resources[&"azure_aks_cluster.main".parse().unwrap()].id;
    assert_eq!(tracked.to_ascii_lowercase(), clusters[0].to_ascii_lowercase());
}

#[test]
fn another_environment_declaring_the_same_group_fails_naming_the_import() {
    let emulator = Emulator::start(Config { polls: 1, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test");
    let url = emulator.url();
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (code, out) = run("adopt", first.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}");
    let ids = emulator.resource_ids();
    let group = format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-quikapp-adopt");
    let before = emulator.resource(&group).expect("the group exists");

    let (code, out) = run("other", second.path(), &url, &["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("`import azure_resource_group.main {group}`")), "{out}");
    assert_eq!(emulator.resource_ids(), ids, "nothing made");
    assert_eq!(emulator.resource(&group).unwrap(), before, "nothing changed");
    let (code, out) = run("adopt", first.path(), &url, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
}
