//! Environments sharing one state directory, and so one simulated world: each environment's
//! objects are its own, whether the environments apply one after another or at the same time,
//! and crash recovery in one never adopts another's objects.
//!
//! Concurrent applies run in child processes: this test binary re-executed on the ignored
//! `environments::child_apply` test, against a simulator with per-operation latency.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use quikinfra::cli::run_with;
use quikinfra::engine::environment::Environment;
use quikinfra::engine::sim::{SimObject, Simulator};

use quikinfra::engine::state::{PendingOp, State, StateStore};
use quikinfra::engine::value::Attrs;

use crate::support::{Buf, Thing};

const DIR_VAR: &str = "QUIKINFRA_ENVIRONMENTS_TEST_DIR";
const ENV_VAR: &str = "QUIKINFRA_ENVIRONMENTS_TEST_ENV";

/// Nine things, three roots with two children each: the same addresses in every environment.
fn estate(name: &str) -> Environment {
    let mut env = Environment::new(name);
    for group in 0..3 {
        let root = Thing::new(&format!("g{group}-root"));
        for child in 0..2 {
            env.add(Thing::new(&format!("g{group}-c{child}")).link(root.arn()));
        }
        env.add(root);
    }
    env
}

fn cli(dir: &Path, name: &str, args: &[&str]) -> (i32, String) {
    let output = Buf::default();
    let ctx = quikinfra::cli::Context::captured(Box::new(output.clone()), Box::new(output.clone()), vec![]);
    let mut argv = vec![name.to_string(), "--state-dir".into(), dir.to_str().unwrap().into()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let code = run_with(estate(name), argv, ctx);
    (code, output.text())
}

#[track_caller]
fn ok(dir: &Path, name: &str, args: &[&str]) -> String {
    let (code, out) = cli(dir, name, args);
    assert_eq!(code, 0, "{name} {args:?}: {out}");
    out
}

fn state(dir: &Path, name: &str) -> State {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(StateStore::local(dir, name).read()).unwrap().expect("state exists")
}

fn objects(dir: &Path) -> Vec<SimObject> {
    Simulator::open(dir.join("sim")).unwrap().objects()
}

/// Ids of the objects environment `name` created.
fn ids_of(objects: &[SimObject], name: &str) -> BTreeSet<String> {
    objects.iter().filter(|o| o.environment.as_deref() == Some(name)).map(|o| o.id.clone()).collect()
}

/// Ids environment `name`'s state tracks.
fn tracked(dir: &Path, name: &str) -> BTreeSet<String> {
    state(dir, name).resources.values().map(|r| r.id.clone()).collect()
}

/// The child: apply environment `$ENV_VAR` in the directory the parent names. Ignored in normal runs.
#[test]
#[ignore = "run by two_environments_applying_at_once_get_an_object_per_resource in a child process"]
fn child_apply() {
    let dir = std::env::var(DIR_VAR).expect("the parent names the directory");
    let name = std::env::var(ENV_VAR).expect("the parent names the environment");
    ok(Path::new(&dir), &name, &["apply", "--auto-approve", "--parallelism", "4"]);
}

#[test]
fn two_environments_applying_at_once_get_an_object_per_resource() {
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = ["staging", "production"]
        .into_iter()
        .map(|name| {
            Command::new(&exe)
                .args(["--ignored", "--exact", "environments::child_apply", "--nocapture", "--test-threads", "1"])
                .env(DIR_VAR, dir.path())
                .env(ENV_VAR, name)
                .env("QUIKINFRA_SIM_LATENCY_MS", "15")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{text}");
    }

    let all = objects(dir.path());
    assert_eq!(all.len(), 18, "18 resources, 18 objects: {:?}", all.iter().map(|o| &o.id).collect::<Vec<_>>());
    for name in ["staging", "production"] {
        let own = ids_of(&all, name);
        assert_eq!(own.len(), 9, "{name}: {own:?}");
        assert!(own.iter().all(|id| id.starts_with(&format!("{name}."))), "{name}: {own:?}");
        assert_eq!(tracked(dir.path(), name), own, "{name} tracks exactly its own objects");
        assert_eq!(cli(dir.path(), name, &["plan", "--detailed-exitcode"]).0, 0, "{name} converged");
    }
}

/// The journal entry an apply killed just before creating `test_thing.g0-root` leaves, its
/// configuration `config`.
fn interrupted_create(config: Attrs) -> PendingOp {
    PendingOp {
        address: "test_thing.g0-root".parse().unwrap(),
        operation: "create".into(),
        provider: "test".into(),
        id: None,
        config,
        dependencies: Vec::new(),
        started: "2026-01-01T00:00:00Z".into(),
    }
}

#[test]
fn recovery_in_staging_never_adopts_productions_object_of_the_same_address() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), "production", &["apply", "--auto-approve"]);
    let production = state(dir.path(), "production");
    let theirs = &production.resources[&"test_thing.g0-root".parse().unwrap()];
    // The worst case: staging's journal holds exactly the configuration production's object was
    // made with (its `environment` tag included), so only whose object it is tells them apart.
    let config: Attrs = ["size", "zone", "tags"].map(|name| (name.to_string(), theirs.attributes[name].clone())).into();
    let pending = interrupted_create(config);
    let before = objects(dir.path());

    let mut interrupted = State::new("staging", State::new_lineage());
    interrupted.pending.push(pending);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(StateStore::local(dir.path(), "staging").write(&interrupted, None)).unwrap();
    let out = ok(dir.path(), "staging", &["apply", "--auto-approve"]);
    assert!(out.contains("test_thing.g0-root: the interrupted create left nothing behind"), "{out}");
    assert!(!out.contains("adopted"), "{out}");

    let all = objects(dir.path());
    assert!(tracked(dir.path(), "staging").is_disjoint(&tracked(dir.path(), "production")));
    assert_eq!(tracked(dir.path(), "staging"), ids_of(&all, "staging"));
    assert_eq!(cli(dir.path(), "production", &["plan", "--detailed-exitcode"]).0, 0, "production is untouched");
    ok(dir.path(), "staging", &["destroy", "--auto-approve"]);
    assert_eq!(objects(dir.path()), before, "destroying staging left production's objects as they were");
    assert_eq!(cli(dir.path(), "production", &["plan", "--detailed-exitcode"]).0, 0);
}

/// The child of `a_killed_staging_apply_recovers_without_touching_production`.
#[test]
#[ignore = "run by a_killed_staging_apply_recovers_without_touching_production in a child process"]
fn child_apply_staging() {
    let dir = std::env::var(DIR_VAR).expect("the parent names the directory");
    ok(Path::new(&dir), "staging", &["apply", "--auto-approve", "--parallelism", "2"]);
}

#[test]
fn a_killed_staging_apply_recovers_without_touching_production() {
    let exe = std::env::current_exe().unwrap();
    let mut recovered_some = false;
    for point in 0..6u64 {
        let dir = tempfile::tempdir().unwrap();
        ok(dir.path(), "production", &["apply", "--auto-approve"]);
        let before = objects(dir.path());
        let mut child = Command::new(&exe)
            .args(["--ignored", "--exact", "environments::child_apply_staging", "--test-threads", "1"])
            .env(DIR_VAR, dir.path())
            .env("QUIKINFRA_SIM_LATENCY_MS", "12")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(25 + point * 15));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let rt = tokio::runtime::Runtime::new().unwrap();
        let backend = StateStore::local(dir.path(), "staging");
        recovered_some |= rt.block_on(backend.read()).unwrap().is_some_and(|s| !s.pending.is_empty());
        if let Some(lock) = rt.block_on(backend.current_lock()).unwrap() {
            ok(dir.path(), "staging", &["force-unlock", &lock.id]);
        }
        ok(dir.path(), "staging", &["apply", "--auto-approve"]);
        assert_eq!(cli(dir.path(), "staging", &["plan", "--detailed-exitcode"]).0, 0, "kill point {point}");

        let all = objects(dir.path());
        let production: Vec<&SimObject> =
            all.iter().filter(|o| o.environment.as_deref() == Some("production")).collect();
        assert_eq!(production, before.iter().collect::<Vec<_>>(), "kill point {point}: production's objects changed");
        assert_eq!(tracked(dir.path(), "staging"), ids_of(&all, "staging"), "kill point {point}: orphans");
        assert_eq!(all.len(), 18, "kill point {point}: duplicates or losses");
        assert_eq!(cli(dir.path(), "production", &["plan", "--detailed-exitcode"]).0, 0, "kill point {point}");
    }
    assert!(recovered_some, "no kill landed mid-apply: the schedule needs adjusting");
}
