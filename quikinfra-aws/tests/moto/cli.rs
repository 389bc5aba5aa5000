//! The command line with state in S3 (moto): apply through `--backend s3://…`, a held lock
//! naming its holder, force-unlock, and a clean plan afterwards. Resources are served by the
//! embedded simulator: what is under test is where state and lock live.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quikinfra_aws::{AwsPlugin, S3Backend, S3Bucket};
use quikinfra_cli::{Context, run_with};
use quikinfra_core::environment::Environment;
use quikinfra_core::state::{LockRequest, StateBackend};

use crate::support::{Moto, unique};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Runs the CLI with `s3://` backends opened on moto, returning (exit code, stdout, stderr).
fn cli(moto: &Moto, dir: &std::path::Path, url: &str, env: Environment, args: &[&str]) -> (i32, String, String) {
    let mut head = vec!["--backend", url];
    head.extend_from_slice(args);
    run(moto, dir, env, &head)
}

/// Runs the CLI with the AWS plugin on moto: `--cloud real` served by the AWS provider,
/// `s3://` backends and the stack engine; returns (exit code, stdout, stderr).
fn run(moto: &Moto, dir: &std::path::Path, env: Environment, args: &[&str]) -> (i32, String, String) {
    let plugin = AwsPlugin::with_config(moto.config.clone()).stack_poll_every(Duration::from_millis(50));
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![Arc::new(plugin)]);
    let head = ["live", "--state-dir", dir.to_str().unwrap()];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let code = run_with(env, argv, ctx);
    (code, out.text(), err.text())
}

fn env(bucket: &str) -> Environment {
    Environment::new("live").with(S3Bucket::new("media", bucket).sse_s3())
}

#[test]
fn state_and_lock_live_in_s3_and_a_held_lock_names_its_holder() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let moto = Moto::new();
    let state_bucket = unique("quikinfra-state");
    runtime.block_on(moto.s3().create_bucket().bucket(&state_bucket).send()).unwrap();
    let url = format!("s3://{state_bucket}/teams/media/");
    let media = unique("quikapp-media-live");
    let dir = tempfile::tempdir().unwrap();

    let (code, out, err) = cli(&moto, dir.path(), &url, env(&media), &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let key = "teams/media/live/state.json";
    let stored = runtime.block_on(moto.s3().get_object().bucket(&state_bucket).key(key).send());
    assert!(stored.is_ok(), "state is in s3 at {key}");
    assert!(!dir.path().join("live").join("state.json").exists(), "and not on disk");

    // Another run holds the lock: plan refuses, naming holder and lock id.
    let holder = S3Backend::new(moto.s3(), &state_bucket, "teams/media/", "live");
    let lock = runtime
        .block_on(holder.lock(&LockRequest { operation: "apply".into(), ttl: Duration::from_secs(600) }))
        .unwrap();
    let (code, _, err) = cli(&moto, dir.path(), &url, env(&media), &["plan"]);
    assert_eq!(code, 1);
    assert!(err.contains(&lock.holder) && err.contains(&lock.id) && err.contains("force-unlock"), "{err}");

    let (code, out, err) = cli(&moto, dir.path(), &url, env(&media), &["force-unlock", &lock.id]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = cli(&moto, dir.path(), &url, env(&media), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}");
    assert!(runtime.block_on(holder.current_lock()).unwrap().is_none(), "plan released its lock");
}

#[test]
fn cloud_real_plans_against_aws_and_verbose_counts_the_api_calls() {
    let moto = Moto::new();
    let media = unique("quikapp-media-live");
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&moto, dir.path(), env(&media), &["--cloud", "real", "apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Target: real clouds (aws)"), "{out}");
    let (code, out, err) =
        run(&moto, dir.path(), env(&media), &["--cloud", "real", "plan", "-v", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}");
    let line = err.lines().find(|l| l.starts_with("API calls (aws)")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with("API calls (aws): 5: s3:GetBucketEncryption=1"), "{line}");
}

#[test]
fn stack_commands_deploy_the_environment_through_change_sets() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let moto = Moto::new();
    let media = unique("quikapp-media-live");
    let dir = tempfile::tempdir().unwrap();
    let exists = |bucket: &str| runtime.block_on(moto.s3().head_bucket().bucket(bucket).send()).is_ok();

    let (code, out, err) = run(&moto, dir.path(), env(&media), &["stack", "plan"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Change set to create stack `quikinfra-live`"), "{out}");
    assert!(out.contains("+ MediaBucket (AWS::S3::Bucket)"), "{out}");
    assert!(!exists(&media), "plan changes nothing");

    let (code, _, err) = run(&moto, dir.path(), env(&media), &["stack", "apply"]);
    assert_eq!(code, 1, "no terminal to confirm on");
    assert!(err.contains("--auto-approve"), "{err}");
    assert!(!exists(&media));

    let (code, out, err) = run(&moto, dir.path(), env(&media), &["stack", "apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Stack: CREATE_COMPLETE") && out.contains("Stack apply complete."), "{out}");
    assert!(exists(&media));

    let (code, out, err) = run(&moto, dir.path(), env(&media), &["stack", "plan"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("No changes."), "{out}");

    let (code, out, err) = run(&moto, dir.path(), env(&media), &["stack", "destroy", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Stack destroyed."), "{out}");
    assert!(!exists(&media));
}

/// A credential chain where nothing answers, as on a laptop with no profile.
#[derive(Debug)]
struct NoCredentials;

impl aws_credential_types::provider::ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::not_loaded(
                "no providers in chain provided credentials",
            ),
        ))
    }
}

#[test]
fn missing_credentials_give_one_line_naming_the_chain() {
    let moto = Moto::new();
    let config = moto
        .config
        .to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(NoCredentials))
        .build();
    let bucket = unique("quikapp-media-live");
    let env = Environment::new("live")
        .with(S3Bucket::new("media", &bucket).sse_s3())
        .with(S3Bucket::new("logs", format!("{bucket}-logs")).sse_s3());
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (Buf::default(), Buf::default());
    let ctx =
        Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![Arc::new(AwsPlugin::with_config(config))]);
    let argv = ["live", "--state-dir", dir.path().to_str().unwrap(), "--cloud", "real", "apply", "--auto-approve"];
    let code = run_with(env, argv.map(String::from).to_vec(), ctx);
    let err = err.text();
    assert_eq!(code, 1, "{}{err}", out.text());
    let mentions: Vec<&str> = err.lines().filter(|l| l.contains("no AWS credentials")).collect();
    assert_eq!(mentions.len(), 1, "one line for both buckets: {err}");
    assert!(
        mentions[0].starts_with("Error: aws_s3_bucket.logs, aws_s3_bucket.media: s3:HeadBucket: no AWS credentials"),
        "{err}"
    );
    assert!(err.contains("AWS_PROFILE") && err.contains("aws sso login"), "{err}");
    assert!(!err.contains("ConstructionFailure") && !err.contains("DispatchFailure"), "no SDK debug dump: {err}");
}
