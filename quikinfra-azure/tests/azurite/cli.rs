//! The command line with state in Azure Blob Storage (Azurite): apply through
//! `--backend azblob://…` (sealed with a state key), a clean plan afterwards, a held lock naming
//! its holder, and `force-unlock` by id. Resources are served by the embedded simulator: what
//! is under test is where state and lock live.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quikinfra_azure::{AzurePlugin, ResourceGroup};
use quikinfra_cli::{Context, run_with};
use quikinfra_core::environment::Environment;
use quikinfra_core::state::{LockRequest, StateBackend};

use crate::support::Container;

const KEY: &str = "5f0e1d2c3b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

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

/// Runs the CLI for `live` with the Azure plugin reading Azurite's variables, state sealed
/// with [`KEY`]; returns (exit code, stdout, stderr).
fn cli(container: &Container, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let plugin = AzurePlugin::from_vars(container.vars());
    let (out, err) = (Buf::default(), Buf::default());
    let mut ctx = Context::captured(Box::new(out.clone()), Box::new(err.clone()), vec![Arc::new(plugin)]);
    ctx.state_key = Some(KEY.to_string());
    let url = container.url("teams/media/");
    let head = ["live", "--state-dir", dir.to_str().unwrap(), "--backend", url.as_str()];
    let argv: Vec<String> = head.iter().chain(args).map(|s| s.to_string()).collect();
    let env = Environment::new("live").with(ResourceGroup::new("main", "rg-quikapp-live", "westeurope"));
    let code = run_with(env, argv, ctx);
    (code, out.text(), err.text())
}

#[test]
fn state_and_lock_live_in_blob_storage_and_a_held_lock_names_its_holder() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let container = runtime.block_on(Container::new());
    let dir = tempfile::tempdir().unwrap();

    let (code, out, err) = cli(&container, dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let name = "teams/media/live/state.json";
    let text = String::from_utf8(runtime.block_on(container.read(name))).unwrap();
    assert!(text.contains("\"ciphertext\"") && !text.contains("rg-quikapp-live"), "sealed:\n{text}");
    assert!(!dir.path().join("live").join("state.json").exists(), "and not on disk");

    let (code, out, err) = cli(&container, dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}");

    // Another run holds the lock: plan refuses, naming holder and lock id.
    let holder = container.backend("teams/media/", "live");
    let lock = runtime
        .block_on(holder.lock(&LockRequest { operation: "apply".into(), ttl: Duration::from_secs(600) }))
        .unwrap();
    let (code, _, err) = cli(&container, dir.path(), &["plan"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("state is locked by {}", lock.holder)), "{err}");
    assert!(err.contains(&lock.id), "{err}");

    // force-unlock with the id frees it, and the next plan runs.
    let (code, out, err) = cli(&container, dir.path(), &["force-unlock", &lock.id]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(runtime.block_on(holder.current_lock()).unwrap().is_none());
    let (code, out, err) = cli(&container, dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(runtime.block_on(holder.current_lock()).unwrap().is_none(), "the plan released its lock");
}

/// The variables a plugin reads.
type Vars = dyn Fn(&str) -> Option<String> + Send + Sync;

#[test]
fn a_bad_backend_url_or_setting_fails_before_any_request() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let container = runtime.block_on(Container::new());
    let dir = tempfile::tempdir().unwrap();
    let run = |url: &str, vars: Box<Vars>| {
        let (out, err) = (Buf::default(), Buf::default());
        let ctx = Context::captured(
            Box::new(out.clone()),
            Box::new(err.clone()),
            vec![Arc::new(AzurePlugin::from_vars(vars))],
        );
        let argv = ["live", "--state-dir", dir.path().to_str().unwrap(), "--backend", url, "plan"];
        let env = Environment::new("live").with(ResourceGroup::new("main", "rg-quikapp-live", "westeurope"));
        (run_with(env, argv.map(String::from).to_vec(), ctx), err.text())
    };
    let (code, err) = run("azblob://devstoreaccount1/x", Box::new(container.vars()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is not a container name"), "{err}");
    let vars = container.vars();
    let remote = move |name: &str| match name {
        quikinfra_azure::blob::settings::ENDPOINT_VAR => {
            Some("http://storage.example.com/devstoreaccount1".to_string())
        }
        other => vars(other),
    };
    let (code, err) = run(&container.url(""), Box::new(remote));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("AZURE_STORAGE_BLOB_ENDPOINT") && err.contains("loopback"), "{err}");
    assert!(!err.contains("sig="), "{err}");

    // A container that does not exist: the first read says so, and no SAS shows.
    let (code, err) = run("azblob://devstoreaccount1/no-such-container/x/", Box::new(container.vars()));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("ContainerNotFound") && err.contains("create the container first"), "{err}");
    assert!(err.contains("azblob://devstoreaccount1/no-such-container/x/live/state."), "{err}");
    assert!(!err.contains("<?xml"), "one line: {err}");
    assert!(!err.contains("sig="), "{err}");
}
