//! End to end: the QuikApp `dev` and `staging` environments, built by the blueprint exactly as
//! their examples are, applied with `--cloud real` against moto (AWS) and the ARM emulator
//! (Azure), then planned again: "No changes". Needs moto: `./scripts/test.sh` starts it and
//! sets `QUIKINFRA_MOTO_ENDPOINT`; without it this test fails, never skips.

use crate::support::Buf;
use std::io::{Read, Write};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::config::Credentials;
use quikinfra::cli::{Context, run_with};
use quikinfra_arm_emulator::{Config, Emulator};

use crate::blueprint;

fn moto_endpoint() -> String {
    std::env::var("QUIKINFRA_MOTO_ENDPOINT").ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| {
        panic!("QUIKINFRA_MOTO_ENDPOINT is not set: run ./scripts/test.sh, which installs and starts moto")
    })
}

/// `POST /moto-api/reset`: this test owns the buckets and keys the blueprint names.
fn reset_moto(endpoint: &str) {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).expect("moto is reachable");
    write!(stream, "POST /moto-api/reset HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "moto reset: {reply}");
}

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
            std::sync::Arc::new(quikinfra::aws::AwsPlugin::with_config(moto_config(&moto)).wait_for_cloudfront(false)),
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

/// An SDK configuration for moto: static credentials, us-east-1, its endpoint.
fn moto_config(endpoint: &str) -> aws_config::SdkConfig {
    let endpoint = endpoint.to_string();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("testing", "testing", None, None, "e2e"))
                .http_client(quikinfra::aws::provider::https_client())
                .load(),
        )
    })
    .join()
    .unwrap()
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
    let moto = moto_endpoint();
    reset_moto(&moto);
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
