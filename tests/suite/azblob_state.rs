//! The estate's state kept in Azure Blob Storage (Azurite) and encrypted: owners apply through
//! `--backend azblob://…`, plan again with "No changes", and a reader resolves its owner's state
//! through the same backend and key; the blobs in the container are sealed.
//!
//! Needs Azurite (`./scripts/test.sh` installs and starts it, and exports
//! `QUIKINFRA_AZURITE_ENDPOINT` and `QUIKINFRA_AZURITE_SAS`); fails, never skips, without it.

use std::sync::Arc;

use azure_core::http::Url;
use azure_storage_blob::BlobContainerClient;
use quikinfra::cli::Context;
use quikinfra::engine::plugin::Plugin;
use quikinfra::engine::state::StateStore;

use crate::blueprint;
use crate::support::Buf;

const KEY: &str = "5f0e1d2c3b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn azurite(name: &str) -> String {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("{name} is not set: run ./scripts/test.sh, which installs and starts Azurite"))
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs environment `name` as its example does, with the Azure plugin reading Azurite's
/// endpoint and SAS, state under `--backend url` sealed with [`KEY`].
fn cli(plugin: &quikinfra::azure::AzurePlugin, dir: &std::path::Path, url: &str, name: &str, args: &[&str]) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let mut ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![Arc::new(plugin.clone())]);
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

#[test]
fn owners_apply_then_plan_no_changes_with_encrypted_state_in_blob_storage() {
    let (endpoint, sas) = (azurite("QUIKINFRA_AZURITE_ENDPOINT"), azurite("QUIKINFRA_AZURITE_SAS"));
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let container = format!("quikinfra-suite-{nanos:x}-{:x}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let container_url =
        Url::parse(&format!("{}/{container}?{}", endpoint.trim_end_matches('/'), sas.trim_start_matches('?')));
    let client = BlobContainerClient::new(container_url.unwrap(), None, None).unwrap();
    runtime.block_on(client.create(None)).expect("the state container");
    let plugin = quikinfra::azure::AzurePlugin::from_vars(move |name| match name {
        "AZURE_STORAGE_BLOB_ENDPOINT" => Some(endpoint.clone()),
        "AZURE_STORAGE_SAS_TOKEN" => Some(sas.clone()),
        _ => None,
    });
    let url = format!("azblob://devstoreaccount1/{container}/quikapp/");
    let dir = tempfile::tempdir().unwrap();

    for owner in ["production", "dev"] {
        ok(&cli(&plugin, dir.path(), &url, owner, &["apply", "--auto-approve"]));
        let again = cli(&plugin, dir.path(), &url, owner, &["plan", "--detailed-exitcode"]);
        ok(&again);
        assert!(again.out.contains("No changes."), "{owner}:\n{}", again.out);
    }
    assert!(!dir.path().join("dev").join("state.json").exists(), "state lives in the container, not on disk");

    // A reader resolves its owner's state through the same backend and key.
    let qa = cli(&plugin, dir.path(), &url, "qa", &["plan", "--json"]);
    ok(&qa);
    let plan: serde_json::Value = serde_json::from_str(&qa.out).unwrap();
    let kafka = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "azure_eventhub_namespace.shared")
        .unwrap_or_else(|| panic!("qa reads dev's Kafka:\n{}", qa.out));
    assert_eq!(kafka["reason"], serde_json::json!({"kind": "shared", "owner": "dev"}));

    // What the container holds is sealed, and unreadable without the key.
    let backends = plugin.backends(&url).unwrap();
    assert_eq!(backends.describe(), url);
    for environment in ["dev", "production"] {
        let backend = backends.open(environment).unwrap();
        let stored = runtime.block_on(backend.get()).unwrap().expect("state blob");
        let text = String::from_utf8(stored.bytes).unwrap();
        for clear in ["\"resources\"", "azure_aks_cluster", "rg-quikapp"] {
            assert!(!text.contains(clear), "{environment} holds `{clear}` in clear:\n{text}");
        }
        assert!(text.contains("\"ciphertext\""), "{environment}:\n{text}");
        let keyless = StateStore::new(backend, environment, None);
        let err = runtime.block_on(keyless.read()).expect_err("sealed");
        assert!(err.to_string().contains("QUIKINFRA_STATE_KEY"), "{err}");
        assert!(runtime.block_on(keyless.current_lock()).unwrap().is_none(), "every run released its lock");
    }
}
