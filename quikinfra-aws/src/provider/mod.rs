//! The AWS provider: reads, creates, updates and deletes the `aws` resource family through the
//! official SDK crates, one module per service.
//!
//! # Configuration
//!
//! [`AwsProvider::from_env`] loads aws-config's default chain on first use: credentials from the
//! environment, shared profiles, SSO, web identity, ECS and IMDS; the region from
//! `AWS_REGION` or the profile; and the standard endpoint overrides (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_S3`…), so one binary targets AWS, moto or LocalStack. With an endpoint
//! override, S3 is addressed path-style (emulators do not resolve virtual-hosted names).
//! [`AwsProvider::new`] takes an [`SdkConfig`] built by the caller (tests do).
//!
//! # Provider ids (what `import ADDRESS ID` takes)
//!
//! | type | id |
//! |---|---|
//! | `aws_s3_bucket` | the bucket name |
//! | `aws_kms_key` | the key id (a UUID) |
//! | `aws_cloudfront_distribution` | the distribution id (`E2QWRUHAPOMQZL`) |
//! | `aws_wafv2_web_acl` | the web ACL's ARN (it names the ACL's name, id and scope) |
//! | `aws_shield_protection` | the protection id |
//! | `aws_route53_zone` | the hosted zone id (`Z0123456789ABCDEFGHIJ`) |
//! | `aws_route53_record` | `<zone id>_<name>_<type>` (`Z0123…_staging.quikapp.com_A`) |
//! | `aws_acm_certificate` | the certificate's ARN |
//! | `aws_acm_certificate_validation` | the certificate's ARN |
//! | `aws_s3_bucket_policy` | the bucket name |
//!
//! # Retries and call counts
//!
//! The SDK's own retries are turned off (one attempt per call): a failed call becomes a
//! [`ProviderError`] whose kind ([`error`]) tells the engine's boundary, `Providers`, whether to
//! retry the whole operation with backoff and jitter. Leaving both on would multiply attempts
//! (3 SDK attempts × 8 engine attempts). Operations are written to be safe to retry from the
//! start: a bucket create whose first attempt got through finds the bucket already owned and
//! carries on; a KMS key whose rotation or alias call failed is scheduled for deletion before
//! the error returns; a Shield create adopts the protection its first attempt made; an origin
//! access control is reused by name; a distribution that exists is never reported as failed.
//!
//! Besides the engine's limit on calls to the whole provider, each service has its own limit on
//! operations in flight (`SERVICE_LIMITS`): CloudFront, WAFv2 and Shield throttle far sooner
//! than S3.
//!
//! Every client carries an interceptor counting API calls by `service:Operation`
//! ([`AwsProvider::api_calls`]): refreshing an S3 bucket costs five calls (the five
//! configuration reads, made concurrently), a KMS key four, a distribution, web ACL, Shield
//! protection, hosted zone or certificate two, a record, a validation or a bucket policy one (a
//! key whose policy is declared one more, `GetKeyPolicy`).

mod acm;
pub(crate) mod attrs;
mod cloudfront;
pub mod error;
mod kms;
mod policy;
mod route53;
pub mod s3;
mod s3_policy;
mod shield;
mod waf;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, Provider, ProviderError, ReadRequest, Served,
    UpdateRequest,
};
use quikinfra_core::resource::Resource;
use quikinfra_core::value::Attrs;
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};

use crate::{
    AcmCertificate, AcmCertificateValidation, CloudFrontDistribution, KmsKey, Route53Record, Route53Zone, S3Bucket,
    S3BucketPolicy, ShieldProtection, WafWebAcl,
};

/// The family this provider serves, as resource schemas name it.
pub const FAMILY: &str = "aws";

/// Every resource type this provider serves, each with the operations its module implements
/// (`impl Serves<S3Bucket> for Clients`): calls are dispatched through it, and the `aws` plugin
/// declares its types ([`served`]). Serving one more type is one more line here.
static TYPES: LazyLock<Served<Clients>> = LazyLock::new(|| {
    Served::new(FAMILY)
        .with::<S3Bucket>()
        .with::<KmsKey>()
        .with::<CloudFrontDistribution>()
        .with::<WafWebAcl>()
        .with::<ShieldProtection>()
        .with::<Route53Zone>()
        .with::<Route53Record>()
        .with::<AcmCertificate>()
        .with::<AcmCertificateValidation>()
        .with::<S3BucketPolicy>()
});

/// Every resource type this provider serves: what the `aws` plugin declares.
pub fn served() -> &'static [&'static str] {
    TYPES.types()
}

/// Where the global services (CloudFront, WAFv2 for CloudFront, Shield Advanced, Route 53) are
/// served, and where CloudFront takes its ACM certificates from.
const GLOBAL_REGION: &str = "us-east-1";

/// How long one API call may take before it counts as a (transient) timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Operations on one service in flight at once, within the engine's limit for the whole
/// provider: the control planes of CloudFront, WAFv2 and Shield throttle far sooner than S3's.
/// Route 53 allows five requests a second per account; a validation only polls ACM.
const SERVICE_LIMITS: [(&str, usize); 10] = [
    (S3Bucket::TYPE, 16),
    (KmsKey::TYPE, 8),
    (CloudFrontDistribution::TYPE, 4),
    (WafWebAcl::TYPE, 4),
    (ShieldProtection::TYPE, 4),
    (Route53Zone::TYPE, 2),
    (Route53Record::TYPE, 4),
    (AcmCertificate::TYPE, 4),
    (AcmCertificateValidation::TYPE, 8),
    (S3BucketPolicy::TYPE, 16),
];

/// API calls made, by `service:Operation` (`s3:GetBucketTagging`).
#[derive(Clone, Debug, Default)]
pub struct ApiCalls(Arc<Mutex<BTreeMap<String, u64>>>);

impl ApiCalls {
    /// The counts so far.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every call counted so far.
    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }
}

impl Intercept for ApiCalls {
    fn name(&self) -> &'static str {
        "quikinfra-api-calls"
    }

    // Not `read_before_execution`: client interceptors see that hook before the operation's
    // configuration (its name) is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg.load::<Metadata>().map_or_else(
            || "unknown:unknown".to_string(),
            |m| format!("{}:{}", m.service().to_ascii_lowercase(), m.name()),
        );
        *self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(name).or_default() += 1;
        Ok(())
    }
}

/// One client per service, built from one [`SdkConfig`].
pub(crate) struct Clients {
    pub(crate) s3: aws_sdk_s3::Client,
    pub(crate) kms: aws_sdk_kms::Client,
    pub(crate) cloudfront: aws_sdk_cloudfront::Client,
    pub(crate) wafv2: aws_sdk_wafv2::Client,
    pub(crate) shield: aws_sdk_shield::Client,
    pub(crate) route53: aws_sdk_route53::Client,
    /// In us-east-1, where CloudFront takes certificates from.
    pub(crate) acm: aws_sdk_acm::Client,
    /// Drawn once per provider: makes caller references and idempotency tokens stable across
    /// the engine's retries of one create, and unique across runs.
    pub(crate) token: String,
    /// How long a certificate validation waits for `ISSUED`.
    pub(crate) acm_validation_timeout: Duration,
    /// The region buckets are created in.
    pub(crate) region: Option<String>,
    /// Whether CloudFront creates and updates wait for `Deployed`.
    pub(crate) wait_for_cloudfront: bool,
}

impl Clients {
    fn new(config: &SdkConfig, calls: &ApiCalls, options: &Options) -> Self {
        let retry = RetryConfig::standard().with_max_attempts(1);
        // A config built without an HTTP client (the caller's own) gets ours.
        let http = config.http_client().unwrap_or_else(https_client);
        let path_style = config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .http_client(http.clone())
            .retry_config(retry.clone())
            .force_path_style(path_style)
            .interceptor(calls.clone())
            .build();
        let kms = aws_sdk_kms::config::Builder::from(config)
            .http_client(http.clone())
            .retry_config(retry.clone())
            .interceptor(calls.clone())
            .build();
        // CloudFront, WAFv2 at CLOUDFRONT scope and Shield Advanced are global: us-east-1.
        let global = Region::from_static(GLOBAL_REGION);
        let cloudfront = aws_sdk_cloudfront::config::Builder::from(config)
            .http_client(http.clone())
            .region(global.clone())
            .retry_config(retry.clone())
            .interceptor(calls.clone())
            .build();
        let wafv2 = aws_sdk_wafv2::config::Builder::from(config)
            .http_client(http.clone())
            .region(global.clone())
            .retry_config(retry.clone())
            .interceptor(calls.clone())
            .build();
        let shield = aws_sdk_shield::config::Builder::from(config)
            .http_client(http.clone())
            .region(global.clone())
            .retry_config(retry.clone())
            .interceptor(calls.clone())
            .build();
        let route53 = aws_sdk_route53::config::Builder::from(config)
            .http_client(http.clone())
            .region(global.clone())
            .retry_config(retry.clone())
            .interceptor(calls.clone())
            .build();
        let acm = aws_sdk_acm::config::Builder::from(config)
            .http_client(http.clone())
            .region(global)
            .retry_config(retry)
            .interceptor(calls.clone())
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3),
            kms: aws_sdk_kms::Client::from_conf(kms),
            cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront),
            wafv2: aws_sdk_wafv2::Client::from_conf(wafv2),
            shield: aws_sdk_shield::Client::from_conf(shield),
            route53: aws_sdk_route53::Client::from_conf(route53),
            acm: aws_sdk_acm::Client::from_conf(acm),
            token: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            acm_validation_timeout: options.acm_validation_timeout,
            region: config.region().map(|r| r.to_string()),
            wait_for_cloudfront: options.wait_for_cloudfront,
        }
    }

    /// The region, which bucket creation and regional names need.
    pub(crate) fn region(&self) -> Result<&str, ProviderError> {
        self.region.as_deref().ok_or_else(|| {
            ProviderError::permanent("no AWS region configured: set AWS_REGION or a region in your profile")
        })
    }
}

/// The HTTPS client every AWS call goes through: hyper 1 and rustls with ring as its crypto,
/// trusting the system's root certificates (the SDK's `default-https-client` is the same client
/// on aws-lc, a C library that dominates cold builds).
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// Loads aws-config's default chain (its credential providers included) over
/// [`https_client`], with the SDK's retries off (the engine retries) and a per-call timeout.
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(TimeoutConfig::builder().operation_attempt_timeout(CALL_TIMEOUT).build())
        .load()
        .await
}

/// How the provider waits on slow changes.
#[derive(Clone, Debug)]
struct Options {
    wait_for_cloudfront: bool,
    acm_validation_timeout: Duration,
}

/// The provider serving the `aws` family.
pub struct AwsProvider {
    config: Option<SdkConfig>,
    clients: OnceCell<Clients>,
    calls: ApiCalls,
    limits: BTreeMap<&'static str, Semaphore>,
    options: Options,
}

impl AwsProvider {
    /// A provider over `config` (credentials, region, endpoint as the caller built them; the
    /// HTTP client too, else [`https_client`]).
    pub fn new(config: &SdkConfig) -> Self {
        Self::with_config(Some(config.clone()))
    }

    /// A provider that loads aws-config's default chain ([`load_config`]) on its first call,
    /// so it can be built outside an async context.
    pub fn from_env() -> Self {
        Self::with_config(None)
    }

    fn with_config(config: Option<SdkConfig>) -> Self {
        let limits = SERVICE_LIMITS.iter().map(|(ty, n)| (*ty, Semaphore::new(*n))).collect();
        let wait_for_cloudfront = std::env::var("QUIKINFRA_CLOUDFRONT_WAIT").map_or(true, |v| v != "false" && v != "0");
        let acm_validation_timeout = std::env::var("QUIKINFRA_ACM_VALIDATION_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(acm::DEFAULT_VALIDATION_TIMEOUT, Duration::from_secs);
        let options = Options { wait_for_cloudfront, acm_validation_timeout };
        Self { config, clients: OnceCell::new(), calls: ApiCalls::default(), limits, options }
    }

    /// Whether CloudFront creates and updates wait until the distribution is `Deployed` (the
    /// default, unless `QUIKINFRA_CLOUDFRONT_WAIT=false`).
    pub fn wait_for_cloudfront(mut self, wait: bool) -> Self {
        self.options.wait_for_cloudfront = wait;
        self
    }

    /// How long a certificate validation waits for ACM to issue the certificate (45 minutes,
    /// or `QUIKINFRA_ACM_VALIDATION_TIMEOUT` seconds); past it the apply fails naming the
    /// certificate, its status and its validation record.
    pub fn acm_validation_timeout(mut self, timeout: Duration) -> Self {
        self.options.acm_validation_timeout = timeout;
        self
    }

    /// Waits for room on the service serving `type_name`.
    async fn permit(&self, type_name: &str) -> Option<SemaphorePermit<'_>> {
        match self.limits.get(type_name) {
            Some(limit) => limit.acquire().await.ok(),
            None => None,
        }
    }

    /// This provider as the engine registers it: `Providers::new().register(FAMILY, p, n)`.
    pub fn shared(self) -> Arc<dyn Provider> {
        Arc::new(self)
    }

    /// API calls made so far, by `service:Operation`.
    pub fn api_calls(&self) -> &ApiCalls {
        &self.calls
    }

    pub(crate) async fn clients(&self) -> &Clients {
        self.clients
            .get_or_init(|| async {
                match &self.config {
                    Some(config) => Clients::new(config, &self.calls, &self.options),
                    None => Clients::new(&load_config().await, &self.calls, &self.options),
                }
            })
            .await
    }
}

/// Builds the provider from aws-config's default chain: what `--cloud real` uses.
pub async fn provider() -> Arc<dyn Provider> {
    AwsProvider::new(&load_config().await).shared()
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &str {
        FAMILY
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let _permit = self.permit(req.address.type_name()).await;
        TYPES.read(self.clients().await, req).await
    }

    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let _permit = self.permit(req.address.type_name()).await;
        TYPES.create(self.clients().await, req).await
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let _permit = self.permit(req.address.type_name()).await;
        TYPES.update(self.clients().await, req).await
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let _permit = self.permit(req.address.type_name()).await;
        TYPES.delete(self.clients().await, req).await
    }

    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        let _permit = self.permit(req.type_name).await;
        TYPES.discover(self.clients().await, req).await
    }

    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let _permit = self.permit(req.address.type_name()).await;
        TYPES.find(self.clients().await, req).await
    }

    fn api_calls(&self) -> BTreeMap<String, u64> {
        self.calls.snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_type_has_a_service_limit() {
        assert_eq!(
            served(),
            [
                S3Bucket::TYPE,
                KmsKey::TYPE,
                CloudFrontDistribution::TYPE,
                WafWebAcl::TYPE,
                ShieldProtection::TYPE,
                Route53Zone::TYPE,
                Route53Record::TYPE,
                AcmCertificate::TYPE,
                AcmCertificateValidation::TYPE,
                S3BucketPolicy::TYPE
            ]
        );
        for ty in served() {
            assert!(SERVICE_LIMITS.iter().any(|(t, _)| t == ty), "{ty} has no service limit");
        }
    }

    #[test]
    fn clients_get_the_ring_https_client_when_the_config_has_none() {
        let config =
            SdkConfig::builder().behavior_version(BehaviorVersion::latest()).region(Region::new("eu-west-1")).build();
        assert!(config.http_client().is_none());
        let options = Options { wait_for_cloudfront: true, acm_validation_timeout: Duration::from_secs(1) };
        let clients = Clients::new(&config, &ApiCalls::default(), &options);
        assert!(clients.s3.config().http_client().is_some());
        assert!(clients.cloudfront.config().http_client().is_some());
        assert_eq!(clients.region().unwrap(), "eu-west-1");
        assert_eq!(clients.cloudfront.config().region().map(|r| r.as_ref()), Some(GLOBAL_REGION));
        assert_eq!(clients.acm.config().region().map(|r| r.as_ref()), Some(GLOBAL_REGION), "cloudfront's certificates");
    }
}
