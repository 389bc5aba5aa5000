//! End to end: the QuikApp `dev` and `staging` environments, built by the blueprint exactly as
//! their examples are, applied with `--cloud real` against moto (AWS) and the ARM emulator
//! (Azure), then planned again: "No changes". Needs moto: `./scripts/test.sh` starts it and
//! sets `QUIKINFRA_MOTO_ENDPOINT`; without it this test fails, never skips.

use crate::support::{Buf, moto};
use quikinfra::cli::{Context, run_with};
use quikinfra_arm_emulator::{Config, Emulator};

use crate::blueprint;

fn cli(environment: &str, dir: &std::path::Path, moto: &str, arm: &str, args: &[&str]) -> (i32, String) {
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
                    ("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-0000000000e2".to_string()),
                ];
                vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
            })),
        ],
        state_key: None,
    };
    let head = [environment, "--state-dir", dir.to_str().unwrap(), "--cloud", "real"];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let env = blueprint::build(blueprint::row(environment).expect("a seed row"));
    let code = run_with(env, argv, ctx);
    let text = out.text();
    (code, text)
}

#[test]
#[allow(unsafe_code)] // setting variables only this test reads
fn dev_and_staging_apply_against_moto_and_the_arm_emulator_then_show_no_changes() {
    // Real targets need real secrets: the MySQL administrator passwords.
    for row in ["dev", "staging"] {
        let env = blueprint::build(blueprint::row(row).unwrap());
        for node in env.resources() {
            for value in node.attrs.values() {
                if let quikinfra::engine::value::Value::Secret(spec) = value {
                    unsafe { std::env::set_var(&spec.env, format!("e2e-{}-password", spec.env.len())) };
                }
            }
        }
    }
    let _moto = moto::exclusive();
    let moto = moto::endpoint();
    moto::reset(&moto);
    let arm = Emulator::start(Config { polls: 1, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test");
    let dir = tempfile::tempdir().unwrap();
    for environment in ["dev", "staging"] {
        let (code, out) = cli(environment, dir.path(), &moto, &arm.url(), &["apply", "--auto-approve"]);
        assert_eq!(code, 0, "{environment}: {out}");
        assert!(out.contains("Apply complete!"), "{environment}: {out}");
        assert!(out.starts_with(&format!("Target: real clouds (aws, azure) for environment `{environment}`")), "{out}");
        for resource in ["aws_s3_bucket.media", "aws_kms_key.media", "azure_aks_cluster.main"] {
            if out.contains(&format!("{resource}: Applying...")) {
                assert!(out.contains(&format!("{resource}: Apply complete")), "{environment}: {out}");
            }
        }
        assert!(out.contains("aws_s3_bucket.media: Apply complete"), "{environment}: {out}");
        let (code, out) = cli(environment, dir.path(), &moto, &arm.url(), &["plan", "--detailed-exitcode"]);
        assert_eq!(code, 0, "{environment} after apply: {out}");
        assert!(out.contains("No changes."), "{environment}: {out}");
    }
    assert!(arm.resource_ids().iter().any(|id| id.contains("rg-quikapp-staging")), "{:?}", arm.resource_ids());
}
