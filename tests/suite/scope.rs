//! What `--target`, `--exclude` and `--replace` select, through the command line: a destroy
//! takes a target with everything depending on it (from the definition and from state) and
//! keeps an excluded resource with everything it depends on; addresses naming nothing and
//! flags leaving nothing in scope are errors of their own; objects already deleted outside
//! quikinfra are only removed from state by a destroy.

use quikinfra::cli::run_with;
use quikinfra::engine::environment::Environment;
use quikinfra::engine::resource::ResourceExt;

use crate::support::{Buf, Thing};

struct Run {
    code: i32,
    out: String,
    err: String,
}

/// `key` ← `bucket` ← `cdn` (each links the one before), and `other` on its own.
fn env() -> Environment {
    chain(false)
}

/// The same, with `cdn` (which depends on `key` only through `bucket`) protected.
fn chain(protect_cdn: bool) -> Environment {
    let key = Thing::new("key");
    let bucket = Thing::new("bucket").link(key.arn());
    let cdn = Thing::new("cdn").link(bucket.arn());
    let cdn = if protect_cdn { cdn.prevent_destroy() } else { cdn };
    Environment::new("staging").with(key).with(bucket).with(cdn).with(Thing::new("other"))
}

fn run(dir: &std::path::Path, env: Environment, args: &[&str]) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = quikinfra::cli::Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![]);
    let head = ["staging", "--state-dir", dir.to_str().unwrap()];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let code = run_with(env, argv, ctx);
    Run { code, out: out.text(), err: err.text() }
}

fn applied(env: Environment) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let apply = run(dir.path(), env, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.out, apply.err);
    dir
}

fn state_list(dir: &std::path::Path) -> String {
    run(dir, env(), &["state", "list"]).out
}

#[test]
fn destroy_target_takes_everything_depending_on_it() {
    let dir = applied(env());
    let plan = run(dir.path(), env(), &["plan", "--destroy", "--target", "test_thing.key"]);
    assert_eq!(plan.code, 0, "{}{}", plan.out, plan.err);
    for destroyed in ["test_thing.key", "test_thing.bucket", "test_thing.cdn"] {
        assert!(plan.out.contains(&format!("# {destroyed} will be destroyed")), "{destroyed}: {}", plan.out);
    }
    assert!(!plan.out.contains("test_thing.other"), "{}", plan.out);
    assert!(plan.out.contains("Plan: 0 to add, 0 to change, 3 to destroy."), "{}", plan.out);

    let destroy = run(dir.path(), env(), &["destroy", "--target", "test_thing.key", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}{}", destroy.out, destroy.err);
    assert!(destroy.out.contains("Destroy complete! Resources: 3 destroyed."), "{}", destroy.out);
    assert_eq!(state_list(dir.path()), "test_thing.other\n");
}

#[test]
fn destroy_target_trips_prevent_destroy_of_its_dependents() {
    let dir = applied(chain(true));
    for args in [&["plan", "--destroy", "--target", "test_thing.key"][..], &["destroy", "--target", "test_thing.key"]] {
        let r = run(dir.path(), chain(true), args);
        assert_eq!(r.code, 1, "{args:?}: {}{}", r.out, r.err);
        assert!(r.err.contains("protected by lifecycle.prevent_destroy"), "{args:?}: {}", r.err);
        assert!(
            r.err.contains("test_thing.cdn: it depends on test_thing.key, which --target destroys"),
            "{args:?}: {}",
            r.err
        );
    }
    assert_eq!(state_list(dir.path()), "test_thing.bucket\ntest_thing.cdn\ntest_thing.key\ntest_thing.other\n");
}

#[test]
fn destroy_target_follows_dependencies_recorded_in_state() {
    // `cdn` is no longer declared: only state knows it depends on `bucket`.
    let dir = applied(env());
    let without_cdn = || {
        let key = Thing::new("key");
        let bucket = Thing::new("bucket").link(key.arn());
        Environment::new("staging").with(key).with(bucket).with(Thing::new("other"))
    };
    let plan = run(dir.path(), without_cdn(), &["plan", "--destroy", "--target", "test_thing.key"]);
    assert_eq!(plan.code, 0, "{}{}", plan.out, plan.err);
    assert!(plan.out.contains("# test_thing.cdn will be destroyed"), "{}", plan.out);
    assert!(plan.out.contains("3 to destroy."), "{}", plan.out);
    let destroy = run(dir.path(), without_cdn(), &["destroy", "--target", "test_thing.key", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}{}", destroy.out, destroy.err);
    assert_eq!(state_list(dir.path()), "test_thing.other\n");
}

#[test]
fn destroy_exclude_keeps_everything_the_excluded_resource_depends_on() {
    let dir = applied(env());
    let destroy = run(dir.path(), env(), &["destroy", "--exclude", "test_thing.bucket", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}{}", destroy.out, destroy.err);
    assert!(destroy.out.contains("Destroy complete! Resources: 2 destroyed."), "{}", destroy.out);
    assert_eq!(state_list(dir.path()), "test_thing.bucket\ntest_thing.key\n", "`bucket` still has its key");
}

#[test]
fn normal_plans_keep_target_with_dependencies_and_exclude_with_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let targeted = run(dir.path(), env(), &["plan", "--target", "test_thing.bucket"]);
    assert_eq!(targeted.code, 0, "{}", targeted.err);
    assert!(targeted.out.contains("# test_thing.key will be created"), "{}", targeted.out);
    assert!(!targeted.out.contains("test_thing.cdn"), "{}", targeted.out);
    assert!(targeted.out.contains("Plan: 2 to add"), "{}", targeted.out);
    let excluded = run(dir.path(), env(), &["plan", "--exclude", "test_thing.bucket"]);
    assert_eq!(excluded.code, 0, "{}", excluded.err);
    assert!(!excluded.out.contains("test_thing.cdn"), "{}", excluded.out);
    assert!(excluded.out.contains("Plan: 2 to add"), "{}", excluded.out);
}

#[test]
fn an_address_naming_nothing_is_reported_with_its_flag_and_the_closest_address() {
    let dir = applied(env());
    for (flag, command) in [("--target", "plan"), ("--exclude", "plan"), ("--replace", "plan"), ("--target", "destroy")]
    {
        let r = run(dir.path(), env(), &[command, flag, "test_thing.bukcet"]);
        assert_eq!(r.code, 1, "{flag}: {}{}", r.out, r.err);
        assert!(
            r.err.contains(&format!(
                "test_thing.bukcet: {flag}: no such resource in the definition or the state; did you mean test_thing.bucket?"
            )),
            "{flag}: {}",
            r.err
        );
        assert!(!r.err.contains("in the definition:"), "not a problem in the definition: {}", r.err);
    }
    let far = run(dir.path(), env(), &["plan", "--target", "aws_kms_key.media"]);
    assert_eq!(far.code, 1);
    assert!(far.err.contains("aws_kms_key.media: --target: no such resource"), "{}", far.err);
    assert!(!far.err.contains("did you mean"), "nothing is close: {}", far.err);
}

#[test]
fn flags_leaving_nothing_in_scope_are_an_error() {
    let dir = applied(env());
    let r = run(dir.path(), env(), &["plan", "--target", "test_thing.bucket", "--exclude", "test_thing.key"]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(!r.out.contains("matches the definition"), "{}", r.out);
    assert!(r.err.contains("--target test_thing.bucket --exclude test_thing.key leave nothing in scope"), "{}", r.err);
    let destroy = run(dir.path(), env(), &["destroy", "--target", "test_thing.bucket", "--exclude", "test_thing.cdn"]);
    assert_eq!(destroy.code, 1, "{}{}", destroy.out, destroy.err);
    assert!(destroy.err.contains("leave nothing in scope"), "{}", destroy.err);
    assert_eq!(state_list(dir.path()), "test_thing.bucket\ntest_thing.cdn\ntest_thing.key\ntest_thing.other\n");
}

#[test]
fn destroy_after_a_deletion_outside_only_removes_the_gone_object_from_state() {
    let dir = applied(env());
    assert_eq!(run(dir.path(), env(), &["sim", "delete", "test_thing.other"]).code, 0);
    let plan = run(dir.path(), env(), &["plan", "--destroy"]);
    assert_eq!(plan.code, 0, "{}{}", plan.out, plan.err);
    assert_eq!(plan.out.matches("test_thing.other").count(), 1, "said once: {}", plan.out);
    assert!(plan.out.contains("# test_thing.other has been deleted"), "{}", plan.out);
    assert!(plan.out.contains("Plan: 0 to add, 0 to change, 3 to destroy."), "{}", plan.out);

    let destroy = run(dir.path(), env(), &["--verbose", "destroy", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}{}", destroy.out, destroy.err);
    assert!(destroy.out.contains("Destroy complete! Resources: 3 destroyed."), "{}", destroy.out);
    assert!(destroy.err.contains("delete=3 "), "no delete call for the gone object: {}", destroy.err);
    assert_eq!(state_list(dir.path()), "");
}

#[test]
fn destroy_of_only_gone_objects_still_clears_them_from_state() {
    let dir = applied(env());
    assert_eq!(run(dir.path(), env(), &["sim", "delete", "test_thing.other"]).code, 0);
    let destroy = run(dir.path(), env(), &["--verbose", "destroy", "--target", "test_thing.other", "--auto-approve"]);
    assert_eq!(destroy.code, 0, "{}{}", destroy.out, destroy.err);
    assert!(!destroy.err.contains("delete="), "no provider delete: {}", destroy.err);
    assert_eq!(state_list(dir.path()), "test_thing.bucket\ntest_thing.cdn\ntest_thing.key\n");
}
