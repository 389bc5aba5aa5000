//! The estate as one unit (`cargo run --example estate`): all nine environments planned on a
//! fresh checkout (readers reading their owners' planned values), applied owners first, planned
//! again with no changes, drift found across environments, saved plans applied exactly or
//! refused, and plans rendered for review. Local's bucket lives in LocalStack, which moto
//! stands in for (`--endpoint aws=…`): tests applying the whole estate take moto in turn.
//!
//! Needs moto (`./scripts/test.sh` starts it); fails, never skips, without it.

use std::path::Path;

use quikinfra::cli::Context;

use crate::blueprint;
use crate::support::{Buf, moto};

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn estate(dir: &Path, args: &[&str]) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), quikinfra::cli::plugins());
    let localstack = format!("aws={}", moto::endpoint());
    let head = ["estate", "--state-dir", dir.to_str().unwrap(), "--endpoint", &localstack];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let code = quikinfra::cli::estate::run_with(blueprint::estate(), argv, ctx);
    Run { code, out: out.text(), err: err.text() }
}

fn env(dir: &Path, name: &str, args: &[&str]) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), quikinfra::cli::plugins());
    let mut argv = vec![name.to_string(), "--state-dir".into(), dir.display().to_string()];
    argv.extend(["--endpoint".to_string(), format!("aws={}", moto::endpoint())]);
    argv.extend(args.iter().map(|a| a.to_string()));
    let code = blueprint::run_with(blueprint::row(name).unwrap(), argv, ctx);
    Run { code, out: out.text(), err: err.text() }
}

/// The summary table: the text before the first plan.
fn summary(out: &str) -> &str {
    out.split("\n=== ").next().unwrap()
}

#[test]
fn a_fresh_estate_plans_whole_then_applies_owners_first_then_has_no_changes() {
    let _moto = moto::exclusive();
    moto::reset(&moto::endpoint());
    let dir = tempfile::tempdir().unwrap();
    let plan = estate(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.out, plan.err);
    insta::assert_snapshot!("estate_plan_summary", summary(&plan.out));
    let qa = plan.out.split("\n=== qa ===").nth(1).unwrap();
    assert!(qa.contains("Reads what `dev` and `production` have not applied yet"), "{qa}");
    assert!(!plan.err.contains("does not manage it yet"), "{}", plan.err);

    let apply = estate(dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.out, apply.err);
    let order: Vec<&str> =
        apply.out.lines().filter_map(|l| l.strip_prefix("=== ").and_then(|l| l.strip_suffix(" ==="))).collect();
    let at = |n: &str| order.iter().position(|o| *o == n).unwrap();
    for (owner, reader) in [
        ("production", "dev"),
        ("production", "staging"),
        ("dev", "qa"),
        ("dev", "uat1"),
        ("uat1", "uat2"),
        ("uat1", "uat3"),
        ("production", "live"),
    ] {
        assert!(at(owner) < at(reader), "{owner} applies before {reader}: {order:?}");
    }
    let again = estate(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.out, again.err);
    assert_eq!(again.out.matches("No changes.").count(), 9, "{}", again.out);
}

#[test]
fn drift_in_two_environments_names_both_and_exits_two() {
    let _moto = moto::exclusive();
    moto::reset(&moto::endpoint());
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(estate(dir.path(), &["apply", "--auto-approve"]).code, 0);
    let clean = estate(dir.path(), &["drift"]);
    assert_eq!(clean.code, 0, "{}{}", clean.out, clean.err);
    assert_eq!(env(dir.path(), "dev", &["sim", "set", "aws_s3_bucket.media", "versioning", "true"]).code, 0);
    assert_eq!(env(dir.path(), "staging", &["sim", "delete", "aws_kms_key.media"]).code, 0);
    let drift = estate(dir.path(), &["drift"]);
    assert_eq!(drift.code, 2, "{}{}", drift.out, drift.err);
    assert!(drift.out.contains("dev          aws_s3_bucket.media  changed: versioning"), "{}", drift.out);
    assert!(drift.out.contains("staging      aws_kms_key.media    deleted outside quikinfra"), "{}", drift.out);
    let json: serde_json::Value = serde_json::from_str(&estate(dir.path(), &["drift", "--json"]).out).unwrap();
    let drifted: Vec<&str> = json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["drift"].as_array().is_some_and(|d| !d.is_empty()))
        .map(|e| e["environment"].as_str().unwrap())
        .collect();
    assert_eq!(drifted, ["dev", "staging"]);
    let markdown = estate(dir.path(), &["drift", "--markdown"]);
    assert!(markdown.out.starts_with("## Drift in dev, staging\n"), "{}", markdown.out);
    // Drift reports; it never writes state.
    assert_eq!(estate(dir.path(), &["drift"]).code, 2);
}

#[test]
fn saved_estate_plans_apply_exactly_and_readers_planned_before_their_owners_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plans = tempfile::tempdir().unwrap();
    // Production owns the zone dev and qa record in: applied first.
    assert_eq!(env(dir.path(), "production", &["apply", "--auto-approve"]).code, 0);
    let saved = estate(dir.path(), &["plan", "--only", "dev,qa", "--out", plans.path().to_str().unwrap()]);
    assert_eq!(saved.code, 0, "{}{}", saved.out, saved.err);
    assert!(plans.path().join("dev.plan").exists() && plans.path().join("qa.plan").exists());
    let apply = estate(dir.path(), &["apply", plans.path().to_str().unwrap(), "--only", "dev,qa"]);
    assert_eq!(apply.code, 1, "{}{}", apply.out, apply.err);
    assert!(apply.err.contains("this plan read what `dev` had not applied yet"), "{}", apply.err);
    assert!(apply.out.contains("dev          applied"), "{}", apply.out);
    // Planned again now that dev is applied: qa's saved plan applies; a second time it is stale.
    assert_eq!(estate(dir.path(), &["plan", "--only", "qa", "--out", plans.path().to_str().unwrap()]).code, 0);
    let qa = estate(dir.path(), &["apply", plans.path().to_str().unwrap(), "--only", "qa"]);
    assert_eq!(qa.code, 0, "{}{}", qa.out, qa.err);
    let stale = estate(dir.path(), &["apply", plans.path().to_str().unwrap(), "--only", "qa"]);
    assert_eq!(stale.code, 1);
    assert!(stale.err.contains("the plan is stale"), "{}", stale.err);
    let unknown = estate(dir.path(), &["plan", "--only", "dev,qq"]);
    assert!(unknown.code == 1 && unknown.err.contains("--only: no environment `qq`"), "{}", unknown.err);
}

#[test]
fn plans_render_for_review_as_markdown() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(env(dir.path(), "production", &["apply", "--auto-approve"]).code, 0, "the zone's owner");
    let staging = env(dir.path(), "staging", &["plan", "--markdown"]);
    assert_eq!(staging.code, 0, "{}", staging.err);
    insta::assert_snapshot!("staging_plan_markdown", staging.out);
    let whole = estate(dir.path(), &["plan", "--markdown", "--only", "dev,qa"]);
    assert!(
        whole.out.starts_with("## Estate plan\n\n| environment | add | change | destroy | drift | result |"),
        "{}",
        whole.out
    );
    assert!(whole.out.contains("### **qa**: 13 to add"), "{}", whole.out);
    let json: serde_json::Value =
        serde_json::from_str(&estate(dir.path(), &["plan", "--json", "--only", "dev,qa"]).out).unwrap();
    assert_eq!(json["environments"][1]["environment"], "qa");
    assert_eq!(json["environments"][1]["plan"]["environment"], "qa");
}
