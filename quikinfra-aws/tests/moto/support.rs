//! Test support: the moto endpoint, per-test accounts, injected faults, and a world that runs
//! the engine's plan and apply against moto with state in a temporary directory.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use quikinfra_aws::AwsProvider;
use quikinfra_core::apply::{self, ApplyOptions, ApplyReport, SilentProgress};
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::{self, Plan, PlanOptions};
use quikinfra_core::provider::{Providers, RetryPolicy};
use quikinfra_core::render::{self, TextOptions};
use quikinfra_core::state::StateStore;

/// moto's URL, from `QUIKINFRA_MOTO_ENDPOINT`. Panics when unset: these tests never skip.
pub fn endpoint() -> String {
    match std::env::var("QUIKINFRA_MOTO_ENDPOINT") {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => panic!(
            "QUIKINFRA_MOTO_ENDPOINT is not set: these tests run against moto server. Run ./scripts/test.sh, \
             which installs and starts it, or start `.venv-moto/bin/python scripts/moto_server.py` and export \
             QUIKINFRA_MOTO_ENDPOINT=http://127.0.0.1:PORT"
        ),
    }
}

/// A random name suffix, so names never collide between tests or runs.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:012x}", fastrand_u64() & 0xffff_ffff_ffff)
}

fn fastrand_u64() -> u64 {
    let id = uuid::Uuid::new_v4();
    let bytes = id.as_bytes();
    u64::from_le_bytes(bytes[..8].try_into().expect("eight bytes"))
}

/// Which requests a targeted fault hits: the method and a test on the request's URI.
type Matcher = Box<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// What a targeted fault does to the requests it hits.
enum Targeted {
    /// Answered `403 AccessDenied` without reaching moto.
    Refuse(Matcher),
    /// Sent to moto, which acts on it, and its reply replaced by `503 SlowDown` (`count` times).
    LoseReply(Matcher, u64),
}

/// Injected `503 SlowDown` replies: after `skip` requests, every `every`-th request is answered
/// by a synthetic 503 without reaching moto, `budget` times in all; and targeted faults
/// ([`Faults::refuse`], [`Faults::lose_reply`]).
#[derive(Default)]
pub struct Faults {
    every: AtomicU64,
    skip: AtomicU64,
    budget: AtomicU64,
    seen: AtomicU64,
    /// How many replies were replaced so far.
    pub injected: AtomicU64,
    targeted: std::sync::Mutex<Option<Targeted>>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults").field("injected", &self.injected).finish_non_exhaustive()
    }
}

impl Faults {
    /// Starts injecting.
    pub fn slow_down(&self, skip: u64, every: u64, budget: u64) {
        self.seen.store(0, Ordering::SeqCst);
        self.skip.store(skip, Ordering::SeqCst);
        self.every.store(every.max(1), Ordering::SeqCst);
        self.budget.store(budget, Ordering::SeqCst);
    }

    /// Refuses every request with `method` whose URI `uri` accepts (403, permanent), until
    /// [`Faults::clear`].
    pub fn refuse(&self, method: &'static str, uri: impl Fn(&str) -> bool + Send + Sync + 'static) {
        let matcher: Matcher = Box::new(move |m, u| m == method && uri(u));
        *self.targeted.lock().expect("faults lock") = Some(Targeted::Refuse(matcher));
    }

    /// Lets the next `count` requests with `method` whose URI `uri` accepts reach moto, then
    /// loses their replies (503: the engine retries what already took effect).
    pub fn lose_reply(&self, method: &'static str, count: u64, uri: impl Fn(&str) -> bool + Send + Sync + 'static) {
        let matcher: Matcher = Box::new(move |m, u| m == method && uri(u));
        *self.targeted.lock().expect("faults lock") = Some(Targeted::LoseReply(matcher, count));
    }

    /// Ends the targeted fault.
    pub fn clear(&self) {
        *self.targeted.lock().expect("faults lock") = None;
    }

    /// What the targeted fault does to a request: `Some(true)` refuse, `Some(false)` lose its
    /// reply, `None` nothing.
    fn targeted(&self, method: &str, uri: &str) -> Option<bool> {
        let mut targeted = self.targeted.lock().expect("faults lock");
        let hit = match targeted.as_mut()? {
            Targeted::Refuse(matches) => matches(method, uri).then_some(true),
            Targeted::LoseReply(matches, count) if *count > 0 && matches(method, uri) => {
                *count -= 1;
                Some(false)
            }
            Targeted::LoseReply(..) => None,
        };
        if hit.is_some() {
            self.injected.fetch_add(1, Ordering::SeqCst);
        }
        hit
    }

    fn should_fail(&self) -> bool {
        let n = self.seen.fetch_add(1, Ordering::SeqCst);
        let every = self.every.load(Ordering::SeqCst);
        let skip = self.skip.load(Ordering::SeqCst);
        if every == 0 || n < skip || !(n - skip).is_multiple_of(every) {
            return false;
        }
        let took = self.budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1)).is_ok();
        if took {
            self.injected.fetch_add(1, Ordering::SeqCst);
        }
        took
    }
}

const SLOW_DOWN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>\
<Message>Please reduce your request rate.</Message><RequestId>injected</RequestId></Error>";

const ACCESS_DENIED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
<Message>Access Denied</Message><RequestId>injected</RequestId></Error>";

/// A synthetic S3-style XML error reply.
fn xml_error(status: u16, body: &'static str) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::try_from(status).expect("valid"), SdkBody::from(body));
    response.headers_mut().insert("content-type", "application/xml");
    response
}

/// The HTTP client the tests give the SDK: moto's account header on every request, and
/// injected faults.
#[derive(Debug, Clone)]
struct MotoHttp {
    inner: SharedHttpClient,
    account: String,
    faults: Arc<Faults>,
}

impl HttpClient for MotoHttp {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        let inner = self.inner.http_connector(settings, components);
        SharedHttpConnector::new(MotoConnector { inner, account: self.account.clone(), faults: self.faults.clone() })
    }
}

#[derive(Debug)]
struct MotoConnector {
    inner: SharedHttpConnector,
    account: String,
    faults: Arc<Faults>,
}

impl HttpConnector for MotoConnector {
    fn call(&self, mut request: HttpRequest) -> HttpConnectorFuture {
        let uri = request.uri().to_string();
        match self.faults.targeted(request.method(), &uri) {
            Some(true) => return HttpConnectorFuture::ready(Ok(xml_error(403, ACCESS_DENIED))),
            Some(false) => {
                request.headers_mut().insert("x-moto-account-id", self.account.clone());
                let sent = self.inner.call(request);
                return HttpConnectorFuture::new(async move {
                    let _ = sent.await;
                    Ok(xml_error(503, SLOW_DOWN))
                });
            }
            None => {}
        }
        if self.faults.should_fail() {
            let mut response = HttpResponse::new(StatusCode::try_from(503).expect("valid"), SdkBody::from(SLOW_DOWN));
            response.headers_mut().insert("content-type", "application/xml");
            return HttpConnectorFuture::ready(Ok(response));
        }
        request.headers_mut().insert("x-moto-account-id", self.account.clone());
        self.inner.call(request)
    }
}

/// One test's corner of moto: an account of its own, an SDK config for it, and its faults.
pub struct Moto {
    /// Config for clients in this account.
    pub config: SdkConfig,
    /// Faults to inject into this account's requests.
    pub faults: Arc<Faults>,
}

impl Moto {
    /// A fresh account.
    pub fn new() -> Self {
        let account = format!("{:012}", fastrand_u64() % 1_000_000_000_000);
        let faults = Arc::new(Faults::default());
        let http = MotoHttp {
            inner: aws_smithy_http_client::Builder::new().build_http(),
            account: account.clone(),
            faults: faults.clone(),
        };
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(endpoint())
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )))
            .http_client(SharedHttpClient::new(http))
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        Self { config, faults }
    }

    /// The same account, for a second world: its faults are this one's.
    pub fn same_account(&self) -> Self {
        Self { config: self.config.clone(), faults: self.faults.clone() }
    }

    /// A plain S3 client in this account, for changes made outside quikinfra.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config).force_path_style(true).build();
        aws_sdk_s3::Client::from_conf(conf)
    }
}

/// The engine against moto: the AWS provider and local state in a temporary directory.
pub struct World {
    pub moto: Moto,
    pub dir: tempfile::TempDir,
    pub aws: Arc<AwsProvider>,
    pub providers: Providers,
}

impl World {
    pub fn new() -> Self {
        Self::in_account(Moto::new())
    }

    /// Another world in this one's account, with state in a directory of its own (another
    /// checkout, another team's state).
    pub fn beside(&self) -> Self {
        Self::in_account(self.moto.same_account())
    }

    fn in_account(moto: Moto) -> Self {
        let aws = Arc::new(AwsProvider::new(&moto.config));
        let retry = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        };
        let providers = Providers::new().register("aws", aws.clone(), 8).with_retry(retry);
        Self { moto, dir: tempfile::tempdir().expect("temp dir"), aws, providers }
    }

    pub fn backend(&self, env: &Environment) -> StateStore {
        StateStore::local(self.dir.path(), env.name())
    }

    pub async fn plan(&self, env: &Environment) -> Plan {
        let state = self.backend(env).read().await.expect("state readable");
        plan::plan(env, state.as_ref(), &self.providers, &PlanOptions::default()).await.expect("plan")
    }

    pub async fn apply(&self, env: &Environment, plan: &Plan) -> ApplyReport {
        let opts = ApplyOptions::default();
        apply::apply(plan, &env.schemas(), &self.providers, &self.backend(env), &SilentProgress, &opts)
            .await
            .expect("apply runs")
    }

    /// Plans and applies, asserting success; returns the plan applied.
    pub async fn converge(&self, env: &Environment) -> Plan {
        let plan = self.plan(env).await;
        let report = self.apply(env, &plan).await;
        assert!(report.succeeded(), "apply failed: {:?}\nplan:\n{}", report.failures, text(&plan));
        plan
    }

    /// API calls made so far, by `service:Operation`.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.aws.api_calls().snapshot()
    }
}

/// The plan as the CLI prints it, without colour.
pub fn text(plan: &Plan) -> String {
    render::plan_text(plan, &TextOptions { color: false })
}

/// Asserts the plan has nothing to do and saw no drift.
#[track_caller]
pub fn assert_no_changes(plan: &Plan) {
    let out = text(plan);
    assert!(!plan.has_changes() && plan.drift.is_empty(), "expected no changes, got:\n{out}");
    assert!(out.contains("No changes."), "{out}");
}

/// What each change in a plan does, as `Action address` lines.
pub fn actions(plan: &Plan) -> Vec<String> {
    plan.actions().map(|c| format!("{:?} {}", c.action, c.address)).collect()
}

/// The difference between two call counts.
pub fn calls_since(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter_map(|(k, n)| {
            let d = n - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}
