//! Test fixtures: the generic resource type (core's `testing::Thing`), and helpers to run
//! plans and applies against the embedded simulator with state in a temporary directory.

use std::sync::Arc;

use quikinfra::engine::apply::{self, ApplyOptions, ApplyReport, SilentProgress};
use quikinfra::engine::environment::Environment;
use quikinfra::engine::plan::{self, Plan, PlanOptions};
use quikinfra::engine::provider::{Providers, RetryPolicy};
use quikinfra::engine::sim::Simulator;
use quikinfra::engine::state::StateStore;

/// The generic resource every test plans: sizes update in place, zones force replacement.
pub use quikinfra::engine::testing::Thing;

/// A world: a simulator and a state directory that outlive one plan or apply.
pub struct World {
    pub dir: tempfile::TempDir,
    pub sim: Arc<Simulator>,
    pub providers: Providers,
}

impl World {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let sim = Arc::new(Simulator::open(dir.path().join("sim")).expect("simulator"));
        Self::with_sim(dir, sim)
    }

    pub fn with_sim(dir: tempfile::TempDir, sim: Arc<Simulator>) -> Self {
        let retry = RetryPolicy {
            max_attempts: 20,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(5),
        };
        let providers = Providers::new().fallback(sim.clone(), 64).with_retry(retry);
        Self { dir, sim, providers }
    }

    pub fn backend(&self, env: &Environment) -> StateStore {
        StateStore::local(self.dir.path(), env.name())
    }

    pub async fn plan_with(&self, env: &Environment, opts: &PlanOptions) -> Result<Plan, plan::PlanError> {
        let state = self.backend(env).read().await.expect("state readable");
        plan::plan(env, state.as_ref(), &self.providers, opts).await
    }

    pub async fn plan(&self, env: &Environment) -> Plan {
        self.plan_with(env, &PlanOptions::default()).await.expect("plan")
    }

    pub async fn apply_plan(&self, env: &Environment, plan: &Plan) -> ApplyReport {
        let opts = ApplyOptions { parallelism: 8, ..Default::default() };
        apply::apply(plan, &env.schemas(), &self.providers, &self.backend(env), &SilentProgress, &opts)
            .await
            .expect("apply runs")
    }

    /// Plans and applies, asserting success.
    pub async fn converge(&self, env: &Environment) -> ApplyReport {
        let plan = self.plan(env).await;
        let report = self.apply_plan(env, &plan).await;
        assert!(report.succeeded(), "apply failed: {:?}", report.failures);
        report
    }
}

/// What each change in a plan does, as `action address` lines.
pub fn actions(plan: &Plan) -> Vec<String> {
    plan.actions()
        .map(|c| format!("{:?} {}{}", c.action, c.address, if c.deposed { " (deposed)" } else { "" }))
        .collect()
}

/// A shared in-memory writer: hand clones to the CLI as stdout and stderr, read them after.
#[derive(Clone, Default)]
pub struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Real targets need real secrets: sets every secret variable the blueprint's environments
/// name (the MySQL administrator passwords) to a value derived from the variable's name, once
/// per process. Every test running a blueprint environment calls it before its first plan, so
/// no test ever sees a variable go from unset (the simulator's placeholder) to set between its
/// plan and its apply.
pub fn blueprint_secrets() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for row in crate::blueprint::ESTATE {
            for node in crate::blueprint::build(row).resources() {
                for value in node.attrs.values() {
                    if let quikinfra::engine::value::Value::Secret(spec) = value {
                        set_secret(&spec.env, &format!("suite-{}-password", spec.env.len()));
                    }
                }
            }
        }
    });
}

#[allow(unsafe_code)] // setting variables only the suite reads, once, before any test plans with them
fn set_secret(name: &str, value: &str) {
    unsafe { std::env::set_var(name, value) };
}

/// moto server, which `./scripts/test.sh` installs and starts: tests that use it fail, never
/// skip, without it.
pub mod moto {
    use std::io::{Read, Write};
    use std::sync::{Mutex, MutexGuard};

    use aws_config::{BehaviorVersion, Region};
    use aws_sdk_s3::config::Credentials;

    static MOTO: Mutex<()> = Mutex::new(());

    /// Held by each test that uses moto: one resets it, so they take turns.
    pub fn exclusive() -> MutexGuard<'static, ()> {
        MOTO.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// moto's endpoint, from `QUIKINFRA_MOTO_ENDPOINT`.
    pub fn endpoint() -> String {
        std::env::var("QUIKINFRA_MOTO_ENDPOINT").ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| {
            panic!("QUIKINFRA_MOTO_ENDPOINT is not set: run ./scripts/test.sh, which installs and starts moto")
        })
    }

    /// `POST /moto-api/reset`: the test owns the buckets and keys the blueprint names.
    pub fn reset(endpoint: &str) {
        let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = std::net::TcpStream::connect(host).expect("moto is reachable");
        write!(
            stream,
            "POST /moto-api/reset HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "moto reset: {reply}");
    }

    /// An SDK configuration for `endpoint`: static credentials, us-east-1.
    pub fn config(endpoint: &str) -> aws_config::SdkConfig {
        let endpoint = endpoint.to_string();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(
                aws_config::defaults(BehaviorVersion::latest())
                    .endpoint_url(endpoint)
                    .region(Region::new("us-east-1"))
                    .credentials_provider(Credentials::new("testing", "testing", None, None, "suite"))
                    .http_client(quikinfra::aws::provider::https_client())
                    .load(),
            )
        })
        .join()
        .unwrap()
    }
}
