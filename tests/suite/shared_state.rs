//! The estate's state kept in S3 (moto) and encrypted: owners and readers, and Live's switch,
//! all read one another's state through the configured backend and key; the objects in the
//! bucket are sealed. And `--cloud real` links the real providers for every program, Live's
//! included, and refuses a type no plugin serves before any request leaves the process.
//!
//! Needs moto (`./scripts/test.sh` starts it); fails, never skips, without it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use quikinfra::cli::Context;
use quikinfra::engine::plugin::Plugin;
use quikinfra::engine::state::{StateStore, StateStores};
use quikinfra_arm_emulator::{Config, Emulator};

use crate::blueprint::{self, Colour};
use crate::support::{Buf, moto};

const KEY: &str = "5f0e1d2c3b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs environment `name` as its example does, with the AWS plugin on moto, state under
/// `--backend url` sealed with [`KEY`], and the simulator's world under `dir`.
fn cli(config: &aws_config::SdkConfig, dir: &std::path::Path, url: &str, name: &str, args: &[&str]) -> Run {
    crate::support::blueprint_secrets();
    let (out, err) = (Buf::default(), Buf::default());
    let plugin = quikinfra::aws::AwsPlugin::with_config(config.clone());
    let mut ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![Arc::new(plugin)]);
    ctx.state_key = Some(KEY.to_string());
    let head = [name, "--state-dir", dir.to_str().unwrap(), "--backend", url];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let code = blueprint::run_with(blueprint::row(name).unwrap(), argv, ctx);
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
fn owners_readers_and_the_switch_share_encrypted_state_in_s3() {
    let _moto = moto::exclusive();
    let config = moto::config(&moto::endpoint());
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let bucket = format!("quikinfra-state-{}", std::process::id());
    runtime().block_on(s3.create_bucket().bucket(&bucket).send()).expect("state bucket");
    let url = format!("s3://{bucket}/quikapp/");
    let dir = tempfile::tempdir().unwrap();

    for owner in ["production", "dev", "live"] {
        ok(&cli(&config, dir.path(), &url, owner, &["apply", "--auto-approve"]));
    }
    assert!(!dir.path().join("dev").join("state.json").exists(), "state lives in the bucket, not on disk");

    // A reader resolves its owner's state through the same backend and key.
    let qa = cli(&config, dir.path(), &url, "qa", &["plan", "--json"]);
    ok(&qa);
    let plan: serde_json::Value = serde_json::from_str(&qa.out).unwrap();
    let kafka = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "azure_eventhub_namespace.shared")
        .unwrap_or_else(|| panic!("qa reads dev's Kafka:\n{}", qa.out));
    assert_eq!(kafka["reason"], serde_json::json!({"kind": "shared", "owner": "dev"}));
    assert!(kafka["id"].as_str().is_some_and(|id| !id.is_empty()), "resolved from dev's state: {kafka}");

    // Live's colour is read from its state in the bucket: the switch plans only the edge.
    for head in [&["switch", "green"][..], &["--lock-ttl", "60", "switch", "green"]] {
        let switch = cli(&config, dir.path(), &url, "live", head);
        ok(&switch);
        assert!(switch.out.starts_with("Switching `live` from blue to green"), "{}", switch.out);
        assert!(switch.out.contains("Plan: 0 to add, 1 to change, 0 to destroy."), "{}", switch.out);
    }
    ok(&cli(&config, dir.path(), &url, "live", &["switch", "green", "--apply", "--auto-approve"]));
    let live = cli(&config, dir.path(), &url, "live", &["plan", "--detailed-exitcode"]);
    assert_eq!(live.code, 0, "a plain plan keeps green:\n{}{}", live.out, live.err);

    let cipher = quikinfra::engine::state::crypt::Cipher::from_key_text(KEY).unwrap();
    let backends = quikinfra::aws::AwsPlugin::with_config(config.clone()).backends(&url).unwrap();
    let stores = StateStores::new(backends.clone(), Some(cipher));
    let state = runtime().block_on(stores.open("live").unwrap().read()).unwrap().unwrap();
    assert_eq!(blueprint::traffic::active_colour(&state), Some(Colour::Green));

    // What the bucket holds is sealed: no resource, bucket name or attribute in clear, and
    // without the key it cannot be read.
    for environment in ["dev", "production", "live"] {
        let key = format!("quikapp/{environment}/state.json");
        let bytes = runtime()
            .block_on(async {
                let object = s3.get_object().bucket(&bucket).key(&key).send().await.expect("state object");
                object.body.collect().await.map(|b| b.into_bytes())
            })
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        for clear in ["\"resources\"", "azure_aks_cluster", "quikapp-media", "rg-quikapp"] {
            assert!(!text.contains(clear), "{key} holds `{clear}` in clear:\n{text}");
        }
        assert!(text.contains("\"ciphertext\""), "{key}:\n{text}");
        let path = std::path::Path::new(&key);
        assert!(quikinfra::engine::state::file::from_json(&text, path).is_err(), "{key} parses as plaintext state");
        let keyless = StateStore::new(backends.open(environment).unwrap(), environment, None);
        let err = runtime().block_on(keyless.read()).expect_err("sealed");
        assert!(err.to_string().contains("QUIKINFRA_STATE_KEY"), "{err}");
    }
}

/// A TCP endpoint that counts the connections made to it and answers none.
fn counting_endpoint() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

static FRONT_DOOR: quikinfra::engine::schema::Schema = quikinfra::engine::schema::Schema {
    type_name: "azure_front_door_profile",
    provider: "azure",
    attributes: &[quikinfra::engine::schema::AttrSchema::input("name", quikinfra::engine::schema::AttrType::String)],
    related: None,
};

#[test]
fn live_gets_the_real_providers_and_a_type_no_plugin_serves_fails_before_any_request() {
    crate::support::blueprint_secrets();
    let arm = Emulator::start(Config::default()).expect("the ARM emulator must start for this test");
    let (aws_url, aws_connections) = counting_endpoint();
    let config = moto::config(&aws_url);
    let arm_url = arm.url();
    let azure = quikinfra::azure::AzurePlugin::from_vars(move |name| match name {
        "AZURE_RESOURCE_MANAGER_ENDPOINT" => Some(arm_url.clone()),
        "AZURE_ACCESS_TOKEN" => Some("suite-token".to_string()),
        "AZURE_SUBSCRIPTION_ID" => Some("00000000-0000-0000-0000-0000000000bb".to_string()),
        _ => None,
    });
    let plugins: Vec<Arc<dyn quikinfra::engine::plugin::Plugin>> =
        vec![Arc::new(quikinfra::aws::AwsPlugin::with_config(config)), Arc::new(azure)];
    let dir = tempfile::tempdir().unwrap();
    let run = |program: Option<quikinfra::engine::environment::Environment>, command: &str| {
        let (out, err) = (Buf::default(), Buf::default());
        let ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), plugins.clone());
        let name = program.as_ref().map_or("live", |env| env.name()).to_string();
        let argv = [name.as_str(), "--state-dir", dir.path().to_str().unwrap(), "--cloud", "real", command];
        let argv = argv.map(String::from).to_vec();
        let code = match program {
            Some(env) => quikinfra::cli::run_with(env, argv, ctx),
            None => blueprint::run_with(blueprint::row("live").unwrap(), argv, ctx),
        };
        (code, out.text(), err.text())
    };

    // Live, a program with its own subcommands, gets the real providers for every type it uses.
    let (code, out, err) = run(None, "validate");
    assert_eq!(code, 0, "validate: {out}{err}");
    let (code, out, err) = run(None, "plan");
    assert_eq!(code, 0, "plan: {out}{err}");
    assert!(out.starts_with("Target: real clouds (aws, azure) for environment `live`"), "{out}");
    assert!(out.contains("Reads what `production` has not applied yet"), "{out}");
    assert!(!err.contains("does not serve") && !err.contains("this program links no real-cloud provider"), "{err}");

    // A type of a linked family that its plugin does not serve is refused by name, offline.
    let mut env = quikinfra::engine::environment::Environment::new("edge");
    env.add_node(quikinfra::engine::resource::ResourceNode {
        address: "azure_front_door_profile.main".parse().unwrap(),
        schema: &FRONT_DOOR,
        attrs: [("name".to_string(), quikinfra::engine::value::Value::from("fd-quikapp"))].into_iter().collect(),
        depends_on: vec![],
        lifecycle: Default::default(),
        owner: None,
    });
    for command in ["plan", "validate"] {
        let (code, out, err) = run(Some(env.clone()), command);
        assert_eq!(code, 1, "{command}: {out}{err}");
        assert!(
            err.contains(
                "azure_front_door_profile.main: the `azure` provider of this run does not serve `azure_front_door_profile` resources"
            ) || err.contains(
                "azure_front_door_profile.main: the `azure` plugin linked into this program does not serve `azure_front_door_profile` resources"
            ),
            "{command}: {err}"
        );
    }
    assert_eq!(arm.requests().len(), 0, "no request reached the ARM emulator: {:?}", arm.requests());
    assert_eq!(aws_connections.load(Ordering::SeqCst), 0, "no request reached the AWS endpoint");
}
