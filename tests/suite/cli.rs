//! The command line as a user drives it: plan, apply, saved plans, exit codes, locks, drift
//! demos, state commands — all on the embedded simulator in a temporary state directory.

use quikinfra::cli::{Context, run_with};
use quikinfra::engine::environment::Environment;
use quikinfra::engine::state::local::LocalBackend;
use quikinfra::engine::state::{LockRequest, StateBackend};

use crate::support::{Buf, Thing};

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn env() -> Environment {
    let key = Thing::new("key");
    let bucket = Thing::new("bucket").size(2).link(key.arn());
    let mut env = Environment::new("staging").domain("staging.example.com").with(key).with(bucket);
    env.output_ref("key_arn", "test_thing.key.arn".parse().unwrap());
    env
}

fn run(dir: &std::path::Path, env: Environment, args: &[&str]) -> Run {
    run_on(dir, env, args, false, true)
}

/// Runs with the plugins the facade links in (`--backend s3://…`, `synth`).
fn run_extended(dir: &std::path::Path, env: Environment, args: &[&str]) -> Run {
    run_with_plugins(dir, env, args, false, true, quikinfra::cli::plugins())
}

/// Runs with standard output a terminal or not, and `NO_COLOR` unset (`color_allowed`) or set.
fn run_on(dir: &std::path::Path, env: Environment, args: &[&str], terminal: bool, color_allowed: bool) -> Run {
    run_ctx(dir, env, args, terminal, color_allowed, None, vec![])
}

/// Runs with the state encryption key `key` (as `QUIKINFRA_STATE_KEY` would give it).
fn run_keyed(dir: &std::path::Path, env: Environment, args: &[&str], key: Option<&str>) -> Run {
    run_ctx(dir, env, args, false, true, key, vec![])
}

fn run_with_plugins(
    dir: &std::path::Path,
    env: Environment,
    args: &[&str],
    terminal: bool,
    color_allowed: bool,
    plugins: Vec<std::sync::Arc<dyn quikinfra::engine::plugin::Plugin>>,
) -> Run {
    run_ctx(dir, env, args, terminal, color_allowed, None, plugins)
}

fn run_ctx(
    dir: &std::path::Path,
    env: Environment,
    args: &[&str],
    terminal: bool,
    color_allowed: bool,
    key: Option<&str>,
    plugins: Vec<std::sync::Arc<dyn quikinfra::engine::plugin::Plugin>>,
) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = Context {
        out: Box::new(out.clone()),
        err: Box::new(err.clone()),
        input: Box::new(std::io::empty()),
        out_is_terminal: terminal,
        input_is_terminal: false,
        color_allowed,
        plugins,
        state_key: key.map(str::to_string),
    };
    let state_dir = dir.to_str().unwrap();
    let head = ["staging", "--state-dir", state_dir];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let code = run_with(env, argv, ctx);
    Run { code, out: out.text(), err: err.text() }
}

#[test]
fn plan_apply_plan_round_trip_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), env(), &["plan", "--detailed-exitcode"]);
    assert_eq!(first.code, 2, "{}{}", first.out, first.err);
    assert!(first.out.starts_with("Target: embedded simulator"), "{}", first.out);
    assert!(first.out.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{}", first.out);
    assert!(!first.out.contains('\x1b'), "no colour without a terminal");

    let refused = run(dir.path(), env(), &["apply"]);
    assert_eq!(refused.code, 1);
    assert!(refused.err.contains("--auto-approve"), "{}", refused.err);

    let apply = run(dir.path(), env(), &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.out, apply.err);
    assert!(apply.out.contains("test_thing.key: Apply complete after 0s [id=staging.key-1]"), "{}", apply.out);
    assert!(apply.out.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."), "{}", apply.out);
    assert!(apply.out.contains("key_arn = \"arn:sim:test_thing:staging.key-1\""), "{}", apply.out);

    let again = run(dir.path(), env(), &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.out, again.err);
    assert!(again.out.contains("No changes."), "{}", again.out);

    let output = run(dir.path(), env(), &["output", "key_arn"]);
    assert_eq!(output.out.trim(), "\"arn:sim:test_thing:staging.key-1\"");
    let list = run(dir.path(), env(), &["state", "list"]);
    assert_eq!(list.out, "test_thing.bucket\ntest_thing.key\n");
}

#[test]
fn saved_plans_apply_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staging.plan");
    let file = file.to_str().unwrap();
    let plan = run(dir.path(), env(), &["plan", "--out", file]);
    assert_eq!(plan.code, 0, "{}", plan.err);
    let first = run(dir.path(), env(), &["apply", file]);
    assert_eq!(first.code, 0, "{}{}", first.out, first.err);
    let second = run(dir.path(), env(), &["apply", file]);
    assert_eq!(second.code, 1);
    assert!(second.err.contains("the plan is stale"), "{}", second.err);
    let shown = run(dir.path(), env(), &["show", file, "--json"]);
    assert!(shown.out.contains("\"format_version\": \"1.0\""), "{}", shown.out);

    std::fs::write(dir.path().join("bad.plan"), "{\"format_version\": \"9.0\"}").unwrap();
    let bad = run(dir.path(), env(), &["apply", dir.path().join("bad.plan").to_str().unwrap()]);
    assert!(bad.err.contains("plan format version `9.0` is not supported"), "{}", bad.err);
}

#[test]
fn a_locked_state_names_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let backend = LocalBackend::new(dir.path(), "staging");
    let lock = rt
        .block_on(backend.lock(&LockRequest { operation: "apply".into(), ttl: std::time::Duration::from_secs(600) }))
        .unwrap();
    let blocked = run(dir.path(), env(), &["plan"]);
    assert_eq!(blocked.code, 1);
    assert!(blocked.err.contains("state is locked by"), "{}", blocked.err);
    assert!(blocked.err.contains(&lock.holder) && blocked.err.contains(&lock.id), "{}", blocked.err);

    let wrong = run(dir.path(), env(), &["force-unlock", "not-the-id"]);
    assert_eq!(wrong.code, 1);
    let unlocked = run(dir.path(), env(), &["force-unlock", &lock.id]);
    assert_eq!(unlocked.code, 0, "{}", unlocked.err);
    assert_eq!(run(dir.path(), env(), &["plan"]).code, 0);
}

#[test]
fn out_of_band_edits_show_as_drift_and_refresh_records_them() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    let edit = run(dir.path(), env(), &["sim", "set", "test_thing.bucket", "size", "5"]);
    assert_eq!(edit.code, 0, "{}", edit.err);
    let plan = run(dir.path(), env(), &["plan"]);
    assert!(plan.out.contains("Objects have changed outside of quikinfra"), "{}", plan.out);
    assert!(plan.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", plan.out);
    let refresh = run(dir.path(), env(), &["refresh"]);
    assert_eq!(refresh.code, 0, "{}", refresh.err);
    let show = run(dir.path(), env(), &["state", "show", "test_thing.bucket"]);
    assert!(show.out.contains("size") && show.out.contains('5'), "{}", show.out);
    let fixed = run(dir.path(), env(), &["apply", "--auto-approve"]);
    assert_eq!(fixed.code, 0);
    assert_eq!(run(dir.path(), env(), &["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn state_commands_and_graph_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    let valid = run(dir.path(), env(), &["validate"]);
    assert!(valid.out.contains("is valid: 2 resources"), "{}", valid.out);
    let graph = run(dir.path(), env(), &["graph"]);
    assert!(graph.out.contains("\"test_thing.bucket\" -> \"test_thing.key\";"), "{}", graph.out);
    let mv = run(dir.path(), env(), &["state", "mv", "test_thing.bucket", "test_thing.media"]);
    assert_eq!(mv.code, 0, "{}", mv.err);
    let plan = run(dir.path(), env(), &["plan"]);
    assert!(plan.out.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "{}", plan.out);
    let rm = run(dir.path(), env(), &["state", "rm", "test_thing.media"]);
    assert_eq!(rm.code, 0, "{}", rm.err);
    let import_id = "staging.bucket-1"; // the object `state rm` stopped tracking
    let import = run(dir.path(), env(), &["import", "test_thing.bucket", import_id]);
    assert_eq!(import.code, 0, "{}", import.err);
    assert_eq!(run(dir.path(), env(), &["plan", "--detailed-exitcode"]).code, 0);
    let destroy = run(dir.path(), env(), &["destroy", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}", destroy.err);
    assert!(destroy.out.contains("Destroy complete! Resources: 2 destroyed."), "{}", destroy.out);
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run_on(dir.path(), env(), &["plan"], true, true).out.contains('\x1b'));
    assert!(!run_on(dir.path(), env(), &["plan"], true, false).out.contains('\x1b'), "NO_COLOR is respected");
    assert!(!run_on(dir.path(), env(), &["plan", "--no-color"], true, true).out.contains('\x1b'));
    assert!(!run_on(dir.path(), env(), &["plan"], false, true).out.contains('\x1b'));
}

#[test]
fn refresh_false_plans_from_state_alone() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    assert_eq!(run(dir.path(), env(), &["sim", "delete", "test_thing.bucket"]).code, 0);
    let blind = run(dir.path(), env(), &["plan", "--refresh=false", "--detailed-exitcode"]);
    assert_eq!(blind.code, 0, "without refresh the deletion is not seen: {}", blind.out);
    let seen = run(dir.path(), env(), &["plan", "--detailed-exitcode"]);
    assert_eq!(seen.code, 2, "{}", seen.out);
    assert!(seen.out.contains("has been deleted"), "{}", seen.out);
}

#[test]
#[allow(unsafe_code)] // setting a variable only this test reads
fn a_canary_secret_never_reaches_any_output_or_file() {
    const CANARY: &str = "canary-Qp7-never-print-me";
    unsafe { std::env::set_var("QUIKINFRA_TEST_CLI_SECRET", CANARY) };
    let secret_env = || {
        let db = Thing::new("db").password(quikinfra::engine::value::Secret::from_env("QUIKINFRA_TEST_CLI_SECRET"));
        let mut env = env().with(db);
        env.output_ref("db_arn", "test_thing.db.arn".parse().unwrap());
        env
    };
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("saved.plan");
    let plan_file = plan_file.to_str().unwrap();
    let mut outputs = Vec::new();
    for args in [
        vec!["plan"],
        vec!["plan", "--json"],
        vec!["plan", "--out", plan_file],
        vec!["show", plan_file],
        vec!["show", plan_file, "--json"],
        vec!["apply", plan_file],
        vec!["plan", "--detailed-exitcode"],
        vec!["show"],
        vec!["show", "--json"],
        vec!["state", "show", "test_thing.db"],
        vec!["output", "--json"],
        vec!["sim", "list"],
        vec!["refresh"],
        vec!["destroy", "--auto-approve"],
    ] {
        let r = run(dir.path(), secret_env(), &args);
        assert!(r.code == 0 || (args == ["plan", "--detailed-exitcode"] && r.code == 2), "{args:?}: {}", r.err);
        outputs.push(format!("{args:?}\n{}{}", r.out, r.err));
    }
    assert!(outputs[0].contains("(sensitive value)"), "{}", outputs[0]);
    for o in &outputs {
        assert!(!o.contains(CANARY), "the secret leaked into the output of {o}");
    }
    let mut files = 0;
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                let bytes = std::fs::read(&path).unwrap();
                assert!(!String::from_utf8_lossy(&bytes).contains(CANARY), "the secret leaked into {}", path.display());
            }
        }
    }
    assert!(files >= 4, "state, its backup, the simulator log and the saved plan were all checked ({files})");
}

#[test]
fn hostile_plan_and_state_files_give_clear_errors_and_stay_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.plan");
    assert_eq!(run(dir.path(), env(), &["plan", "--out", plan.to_str().unwrap()]).code, 0);
    let full = std::fs::read(&plan).unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("truncated", full[..full.len() / 2].to_vec(), "not a quikinfra plan (invalid JSON"),
        ("garbage", b"\x00\xffnot json".to_vec(), "not a quikinfra plan (invalid JSON"),
        ("newer", br#"{"format_version": "2.0"}"#.to_vec(), "plan format version `2.0` is not supported"),
        ("wrong-shape", br#"{"format_version": "1.0", "environment": 7}"#.to_vec(), "not a valid quikinfra plan"),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(format!("{name}.plan"));
        std::fs::write(&path, &bytes).unwrap();
        let r = run(dir.path(), env(), &["apply", path.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{name}");
        assert!(r.err.contains(message), "{name}: {}", r.err);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: the file was modified");
    }

    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    let state = dir.path().join("staging/state.json");
    let good = std::fs::read(&state).unwrap();
    for (name, bytes) in
        [("truncated", good[..good.len() / 3].to_vec()), ("newer", br#"{"format_version": 99}"#.to_vec())]
    {
        std::fs::write(&state, &bytes).unwrap();
        for args in [&["plan"][..], &["apply", "--auto-approve"], &["state", "rm", "test_thing.key"]] {
            let r = run(dir.path(), env(), args);
            assert_eq!(r.code, 1, "{name} {args:?}");
            assert!(r.err.contains("left untouched"), "{name} {args:?}: {}", r.err);
            assert_eq!(std::fs::read(&state).unwrap(), bytes, "{name} {args:?}: state was overwritten");
        }
    }
}

#[test]
fn state_and_saved_plans_are_encrypted_when_a_key_is_set() {
    const KEY: &str = "8f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a";
    const OTHER: &str = "0000000000000000000000000000000000000000000000000000000000000001";
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("sealed.plan");
    let plan = plan.to_str().unwrap();
    assert_eq!(run_keyed(dir.path(), env(), &["plan", "--out", plan], Some(KEY)).code, 0);
    let sealed_plan = std::fs::read_to_string(plan).unwrap();
    assert!(sealed_plan.contains("\"encrypted\"") && !sealed_plan.contains("test_thing"), "{sealed_plan}");

    let refused = run_keyed(dir.path(), env(), &["apply", plan], None);
    assert_eq!(refused.code, 1);
    assert!(refused.err.contains("is encrypted (key id"), "{}", refused.err);
    let applied = run_keyed(dir.path(), env(), &["apply", plan], Some(KEY));
    assert_eq!(applied.code, 0, "{}", applied.err);

    let state = dir.path().join("staging/state.json");
    let sealed_state = std::fs::read(&state).unwrap();
    let text = String::from_utf8_lossy(&sealed_state);
    assert!(text.contains("\"encrypted\"") && !text.contains("test_thing") && !text.contains("arn:sim"), "{text}");
    assert_eq!(run_keyed(dir.path(), env(), &["plan", "--detailed-exitcode"], Some(KEY)).code, 0);

    for (key, message) in [(None, "set QUIKINFRA_STATE_KEY"), (Some(OTHER), "but QUIKINFRA_STATE_KEY holds key id")] {
        let r = run_keyed(dir.path(), env(), &["plan"], key);
        assert_eq!(r.code, 1);
        assert!(r.err.contains(message) && r.err.contains("left untouched"), "{}", r.err);
        assert_eq!(std::fs::read(&state).unwrap(), sealed_state, "refused reads never touch the file");
    }
    let bad = run_keyed(dir.path(), env(), &["plan"], Some("not-a-key"));
    assert!(bad.err.contains("must be 32 bytes"), "{}", bad.err);
}

#[test]
fn turning_encryption_on_needs_no_migration() {
    const KEY: &str = "8f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a";
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    let r = run_keyed(dir.path(), env().with(Thing::new("more")), &["apply", "--auto-approve"], Some(KEY));
    assert_eq!(r.code, 0, "{}", r.err);
    let text = std::fs::read_to_string(dir.path().join("staging/state.json")).unwrap();
    assert!(text.contains("\"encrypted\""), "the next write encrypts");
    assert_eq!(
        run_keyed(dir.path(), env().with(Thing::new("more")), &["plan", "--detailed-exitcode"], Some(KEY)).code,
        0
    );
}

#[test]
fn synth_writes_the_cloudformation_template_of_the_aws_resources() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = quikinfra::aws::S3Bucket::new("media", "quikapp-media-staging").sse_s3();
    let env = Environment::new("staging").with(bucket).with(Thing::new("other"));
    let synth = run_extended(dir.path(), env, &["synth"]);
    assert_eq!(synth.code, 0, "{}", synth.err);
    let template: serde_json::Value = serde_json::from_str(&synth.out).unwrap();
    assert_eq!(template["Resources"]["MediaBucket"]["Type"], "AWS::S3::Bucket");
    assert_eq!(template["Metadata"]["quikinfra"]["skipped"], serde_json::json!(["test_thing.other"]));

    let out = dir.path().join("template.json");
    let to_file = run_extended(dir.path(), Environment::new("staging"), &["synth", "--out", out.to_str().unwrap()]);
    assert_eq!(to_file.code, 0, "{}", to_file.err);
    assert!(std::fs::read_to_string(&out).unwrap().contains("AWSTemplateFormatVersion"));

    let bare = run(dir.path(), Environment::new("staging"), &["synth"]);
    assert_eq!(bare.code, 1);
    assert!(
        bare.err.contains("unrecognized subcommand 'synth'"),
        "a program without the AWS plugin has no synth: {}",
        bare.err
    );
}

#[test]
fn unknown_state_backends_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ftp = run_extended(dir.path(), env(), &["--backend", "ftp://state", "plan"]);
    assert_eq!(ftp.code, 1);
    assert!(
        ftp.err.contains(
            "state backend `ftp://state`: no linked plugin opens this kind of URL (this program opens: s3://…)"
        ),
        "{}",
        ftp.err
    );
    let bad = run_extended(dir.path(), env(), &["--backend", "s3://Bad_Bucket/x", "plan"]);
    assert_eq!(bad.code, 1);
    assert!(bad.err.contains("not a bucket name"), "{}", bad.err);
}

#[test]
fn hostile_lock_ttls_are_refused_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    for ttl in ["18446744073709551615", "99999999999999", "604801", "0"] {
        let run = run(dir.path(), env(), &["--lock-ttl", ttl, "plan"]);
        assert_eq!(run.code, 1, "--lock-ttl {ttl}: {}{}", run.out, run.err);
        assert!(run.err.contains("--lock-ttl"), "{}", run.err);
    }
    assert_eq!(run(dir.path(), env(), &["--lock-ttl", "604800", "plan"]).code, 0);
}

#[test]
fn plan_out_never_overwrites_state() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    let state_file = dir.path().join("staging").join("state.json");
    let before = std::fs::read(&state_file).unwrap();
    let backup = dir.path().join("staging").join("state.json.backup");
    for target in [state_file.clone(), backup, dir.path().join("sim").join("world.log")] {
        let plan = run(dir.path(), env(), &["plan", "--out", target.to_str().unwrap()]);
        assert_eq!(plan.code, 1, "{}{}", plan.out, plan.err);
        assert!(plan.err.contains("among the state files"), "{}", plan.err);
    }
    assert_eq!(std::fs::read(&state_file).unwrap(), before);
    let elsewhere = tempfile::tempdir().unwrap();
    let ok = run(dir.path(), env(), &["plan", "--out", elsewhere.path().join("plan.json").to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}", ok.err);
}

#[test]
fn a_state_at_its_last_serial_is_refused_whole_and_the_lock_released() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = quikinfra::engine::state::StateStore::local(dir.path(), "staging");
    let mut state = rt.block_on(store.read()).unwrap().unwrap();
    let read = state.version.clone();
    state.version.serial = u64::MAX;
    rt.block_on(store.write(&state, Some(&read))).unwrap();
    let before = std::fs::read(dir.path().join("staging").join("state.json")).unwrap();
    for args in [
        &["state", "rm", "test_thing.key"][..],
        &["destroy", "--auto-approve"],
        &["import", "test_thing.key", "staging.key-1"],
    ] {
        let out = run(dir.path(), env(), args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.out, out.err);
        assert!(
            out.err.contains("serial is at its maximum") || out.err.contains("already managed"),
            "{args:?}: {}",
            out.err
        );
        assert!(!dir.path().join("staging").join("state.lock").exists(), "{args:?} left its lock");
    }
    assert_eq!(std::fs::read(dir.path().join("staging").join("state.json")).unwrap(), before);
    let twice = run(dir.path(), env(), &["state", "rm", "test_thing.key", "test_thing.key"]);
    assert!(twice.err.contains("test_thing.key is named more than once"), "{}", twice.err);
}

#[test]
fn outputs_go_with_what_a_destroy_destroys() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), env(), &["apply", "--auto-approve"]).code, 0);
    let before = run(dir.path(), env(), &["output"]);
    assert!(before.out.contains("key_arn"), "{}", before.out);
    let destroy = run(dir.path(), env(), &["destroy", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}{}", destroy.out, destroy.err);
    assert!(!destroy.out.contains("Outputs:"), "{}", destroy.out);
    let after = run(dir.path(), env(), &["output"]);
    assert_eq!(after.code, 0, "{}", after.err);
    assert!(after.out.contains("No outputs"), "{}", after.out);
    let named = run(dir.path(), env(), &["output", "key_arn"]);
    assert_eq!(named.code, 1);
    assert!(named.err.contains("no output named `key_arn`"), "{}", named.err);
    // On a fresh directory with no state at all, the same.
    let fresh = tempfile::tempdir().unwrap();
    assert!(run(fresh.path(), env(), &["output"]).out.contains("No outputs"));
}

#[test]
fn a_sensitive_value_read_from_a_live_object_is_only_ever_a_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let db = || {
        Environment::new("staging").with(
            Thing::new("db").password(quikinfra::engine::value::Secret::from_env("QUIKINFRA_TEST_UNSET_DB_PASSWORD")),
        )
    };
    assert_eq!(run(dir.path(), db(), &["apply", "--auto-approve"]).code, 0);
    let leak = "hunter2-set-in-the-console";
    let set = run(dir.path(), db(), &["sim", "set", "test_thing.db", "password", &format!("\"{leak}\"")]);
    assert_eq!(set.code, 0, "{}", set.err);
    let mut seen = String::new();
    for args in [
        &["refresh"][..],
        &["show"],
        &["show", "--json"],
        &["plan", "--json"],
        &["plan"],
        &["state", "show", "test_thing.db"],
    ] {
        let r = run(dir.path(), db(), args);
        seen.push_str(&r.out);
        seen.push_str(&r.err);
    }
    seen.push_str(&std::fs::read_to_string(dir.path().join("staging").join("state.json")).unwrap());
    assert!(!seen.contains(leak), "the live value leaked:\n{seen}");
    assert!(seen.contains("(sensitive value)"), "the change shows, masked:\n{seen}");
}
