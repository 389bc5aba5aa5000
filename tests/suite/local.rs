//! Local on LocalStack, with moto standing in for it: `local apply` writes the compose file,
//! then creates the media bucket (1-day expiry, AES-256) through the S3 API at the endpoint the
//! definition names (`--endpoint aws=…` points it at moto); a run that cannot reach the
//! endpoint writes the file, says to start the containers and leaves the bucket for next time.
//!
//! Needs moto (`./scripts/test.sh` starts it); fails, never skips, without it.

use aws_sdk_s3::types::ServerSideEncryption;
use quikinfra::cli::Context;

use crate::blueprint::{self, compose};
use crate::support::{Buf, moto};

struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs `local` as its example does, state under `dir`, its aws endpoint at `endpoint`.
fn local(dir: &std::path::Path, endpoint: &str, args: &[&str]) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), quikinfra::cli::plugins());
    let head = ["local", "--state-dir", dir.to_str().unwrap(), "--endpoint", &format!("aws={endpoint}")];
    let argv: Vec<String> = head.iter().copied().chain(args.iter().copied()).map(str::to_string).collect();
    let code = blueprint::run_with(blueprint::row("local").unwrap(), argv, ctx);
    Run { code, out: out.text(), err: err.text() }
}

#[track_caller]
fn ok(run: &Run) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.out, run.err);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn local_writes_its_compose_file_then_creates_its_bucket_in_localstack() {
    let _moto = moto::exclusive();
    let endpoint = moto::endpoint();
    moto::reset(&endpoint);
    let config = moto::config(&endpoint);
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let dir = tempfile::tempdir().unwrap();

    let apply = local(dir.path(), &endpoint, &["apply", "--auto-approve"]);
    ok(&apply);
    assert!(apply.out.contains(&format!("aws at {endpoint}")), "{}", apply.out);
    let file = std::fs::read_to_string(compose::PATH).unwrap();
    assert_eq!(file, compose::render(blueprint::row("local").unwrap()));
    assert!(!file.contains("awslocal"), "the file keeps only the containers");

    let rt = runtime();
    let rules = rt.block_on(s3.get_bucket_lifecycle_configuration().bucket(compose::LOCAL_BUCKET).send()).unwrap();
    let rule = &rules.rules()[0];
    assert_eq!(rule.id(), Some("default"));
    assert_eq!(rule.expiration().and_then(|e| e.days()), Some(1), "{rule:?}");
    assert!(rule.transitions().is_empty(), "{rule:?}");
    let sse = rt.block_on(s3.get_bucket_encryption().bucket(compose::LOCAL_BUCKET).send()).unwrap();
    let default = sse.server_side_encryption_configuration().unwrap().rules()[0]
        .apply_server_side_encryption_by_default()
        .unwrap()
        .sse_algorithm()
        .clone();
    assert_eq!(default, ServerSideEncryption::Aes256);

    let plan = local(dir.path(), &endpoint, &["plan"]);
    ok(&plan);
    assert!(plan.out.contains("No changes."), "{}", plan.out);

    ok(&local(dir.path(), &endpoint, &["destroy", "--auto-approve"]));
    let listed = rt.block_on(s3.list_buckets().send()).unwrap();
    assert!(listed.buckets().iter().all(|b| b.name() != Some(compose::LOCAL_BUCKET)), "{listed:?}");
}

#[test]
fn without_localstack_local_writes_its_file_and_says_to_start_the_containers() {
    // A port nothing listens on: bind one, then free it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let endpoint = format!("http://{closed}");
    let dir = tempfile::tempdir().unwrap();

    let apply = local(dir.path(), &endpoint, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{}{}", apply.out, apply.err);
    assert!(apply.out.contains("local_file.compose: Apply complete"), "{}", apply.out);
    assert!(
        apply.err.contains(&format!("aws_s3_bucket.media: the aws endpoint {endpoint} does not answer"))
            && apply.err.contains("start the containers: docker compose -f deploy/local/docker-compose.yml up -d"),
        "{}",
        apply.err
    );
    let list = local(dir.path(), &endpoint, &["state", "list"]);
    ok(&list);
    assert_eq!(list.out.trim(), "local_file.compose", "the file stays applied, the bucket waits");
}
