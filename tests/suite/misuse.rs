//! Misuse as property tests: random command lines never panic the program, and random
//! sequences of plan / apply / destroy (whole or `--target`) / import / `state rm` over two
//! environments sharing a store never delete what the other environment owns and never leave
//! an object untracked (but what `state rm` deliberately let go).

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use quikinfra::cli::{Context, run_with};
use quikinfra::engine::environment::Environment;
use quikinfra::engine::sim::Simulator;
use quikinfra::engine::state::StateStore;

use crate::support::Thing;

/// Words a user (or a script gone wrong) puts on a command line.
const WORDS: &[&str] = &[
    "plan",
    "apply",
    "destroy",
    "refresh",
    "show",
    "state",
    "list",
    "rm",
    "mv",
    "import",
    "output",
    "graph",
    "validate",
    "force-unlock",
    "sim",
    "set",
    "unset",
    "delete",
    "--target",
    "--exclude",
    "--replace",
    "--out",
    "--json",
    "--detailed-exitcode",
    "--auto-approve",
    "--refresh=false",
    "--refresh-only",
    "--destroy",
    "--lock-ttl",
    "--parallelism",
    "--cloud",
    "real",
    "sim",
    "--backend",
    "s3://x",
    "ftp://y",
    "-v",
    "--no-color",
    "test_thing.key",
    "test_thing.bucket",
    "test_thing.nope",
    "bad..address",
    "0",
    "1",
    "65536",
    "18446744073709551615",
    "-1",
    "\"x\"",
    "{",
    "",
    " ",
    "\u{0}",
    "size",
    "zone",
    "password",
    "staging.key-1",
];

fn env() -> Environment {
    let key = Thing::new("key");
    let bucket = Thing::new("bucket").size(2).link(key.arn());
    Environment::new("staging").with(key).with(bucket)
}

fn run(dir: &Path, env: Environment, args: &[String]) -> i32 {
    let ctx = Context::captured(Box::new(std::io::sink()), Box::new(std::io::sink()), vec![]);
    let name = env.name().to_string();
    let mut argv = vec![name, "--state-dir".to_string(), dir.display().to_string()];
    argv.extend(args.iter().cloned());
    run_with(env, argv, ctx)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_command_line_never_panics(words in proptest::collection::vec(proptest::sample::select(WORDS), 0..7), applied in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        if applied {
            prop_assert_eq!(run(dir.path(), env(), &["apply".into(), "--auto-approve".into()]), 0);
        }
        let args: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let code = std::panic::catch_unwind(|| run(dir.path(), env(), &args));
        prop_assert!(code.is_ok(), "panicked on {:?}", args);
        let code = code.unwrap();
        prop_assert!((0..=2).contains(&code), "exit code {} on {:?}", code, args);
        prop_assert!(!dir.path().join("staging").join("state.lock").exists(), "{:?} left the lock", args);
    }
}

/// The owner of the shared store, and the reader.
fn owner() -> Environment {
    let store = Thing::new("store");
    let mine = Thing::new("mine").link(store.arn());
    Environment::new("own").with(store).with(mine)
}

fn reader() -> Environment {
    let store = Thing::new("store");
    let theirs = Thing::new("theirs").link(store.arn());
    Environment::new("read").with_shared("own", store).with(theirs).with(Thing::new("lone"))
}

/// One step of a misusing team.
#[derive(Clone, Debug)]
enum Step {
    Apply(bool),
    Destroy(bool),
    DestroyTarget(bool, &'static str),
    Plan(bool),
    ImportTheStoreIntoTheReader,
    StateRm(bool, &'static str),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let address =
        proptest::sample::select(&["test_thing.store", "test_thing.mine", "test_thing.theirs", "test_thing.lone"][..]);
    let step = prop_oneof![
        3 => any::<bool>().prop_map(Step::Apply),
        1 => any::<bool>().prop_map(Step::Destroy),
        2 => (any::<bool>(), address.clone()).prop_map(|(o, a)| Step::DestroyTarget(o, a)),
        1 => any::<bool>().prop_map(Step::Plan),
        1 => Just(Step::ImportTheStoreIntoTheReader),
        1 => (any::<bool>(), address).prop_map(|(o, a)| Step::StateRm(o, a)),
    ];
    proptest::collection::vec(step, 1..9)
}

/// The ids an environment's state tracks.
fn tracked(dir: &Path, name: &str) -> BTreeSet<String> {
    let store = StateStore::local(dir, name);
    let state = tokio::runtime::Runtime::new().unwrap().block_on(store.read()).unwrap();
    state.iter().flat_map(|s| s.resources.values().map(|r| r.id.clone())).collect()
}

fn live(dir: &Path) -> BTreeSet<String> {
    Simulator::open(dir.join("sim")).unwrap().objects().into_iter().map(|o| o.id).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn two_environments_sharing_a_store_never_lose_each_others_objects(steps in steps()) {
        let dir = tempfile::tempdir().unwrap();
        let mut released = BTreeSet::new();
        for step in &steps {
            let (owner_acts, args): (bool, Vec<String>) = match step {
                Step::Apply(o) => (*o, vec!["apply".into(), "--auto-approve".into()]),
                Step::Destroy(o) => (*o, vec!["destroy".into(), "--auto-approve".into()]),
                Step::DestroyTarget(o, a) => (*o, vec!["destroy".into(), "--auto-approve".into(), "--target".into(), a.to_string()]),
                Step::Plan(o) => (*o, vec!["plan".into()]),
                Step::ImportTheStoreIntoTheReader => {
                    let id = tracked(dir.path(), "own").into_iter().find(|id| id.contains("store")).unwrap_or_else(|| "own.store-1".into());
                    (false, vec!["import".into(), "test_thing.store".into(), id])
                }
                Step::StateRm(o, a) => (*o, vec!["state".into(), "rm".into(), a.to_string()]),
            };
            let (acting, other) = if owner_acts { ("own", "read") } else { ("read", "own") };
            let others_before = tracked(dir.path(), other);
            let mine_before = tracked(dir.path(), acting);
            let env = if owner_acts { owner() } else { reader() };
            let code = run(dir.path(), env, &args);
            prop_assert!((0..=2).contains(&code), "{step:?}: exit code {code}");
            if matches!(step, Step::StateRm(..)) && code == 0 {
                released.extend(mine_before.difference(&tracked(dir.path(), acting)).cloned());
            }
            let now = live(dir.path());
            let lost: Vec<&String> = others_before.iter().filter(|id| !now.contains(*id)).collect();
            prop_assert!(lost.is_empty(), "{step:?} by `{acting}` deleted `{other}`'s {lost:?} (steps {steps:?})");
            let all: BTreeSet<String> = tracked(dir.path(), "own").union(&tracked(dir.path(), "read")).cloned().collect();
            let untracked: Vec<&String> = now.iter().filter(|id| !all.contains(*id) && !released.contains(*id)).collect();
            prop_assert!(untracked.is_empty(), "{step:?} left {untracked:?} untracked (steps {steps:?})");
            prop_assert!(!tracked(dir.path(), "read").iter().any(|id| id.starts_with("own.")), "the reader owns an owner's object after {step:?}");
        }
    }
}
