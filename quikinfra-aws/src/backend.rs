//! [`S3Backend`]: an environment's state kept in an S3 bucket, for teams.
//!
//! Environment `staging` under prefix `quikinfra/` has two objects:
//!
//! - `quikinfra/staging/state.json`: the state document, as `quikinfra_core::state::StateStore`
//!   encodes it (sealed when state encryption is on; this backend only stores its bytes);
//! - `quikinfra/staging/state.lock`: the lock while one is held, a [`LockInfo`] as JSON (holder,
//!   operation, time taken, expiry).
//!
//! Every change is a conditional write, so no two runs can silently overwrite each other:
//!
//! - **State writes** carry `If-Match` with the ETag (the [`Token`]) of the document the store
//!   last read or wrote (`If-None-Match: *` for the first write). A 412 means another writer got
//!   there first: nothing is written, and the store reports the conflict naming both versions.
//!   The ETag condition is what makes the store's compare-and-swap hold across machines.
//! - **Taking the lock** creates the lock object with `If-None-Match: *`: among racing runs
//!   exactly one succeeds, and the others read the lock and report its holder
//!   ([`StateError::Locked`]).
//! - **An expired lock** (a crashed run's) is taken over by overwriting it with `If-Match` on the
//!   ETag of the expired lock as read: two runs taking over the same stale lock cannot both win,
//!   since the first overwrite changes the ETag. Renewal does the same with the holder's own lock.
//! - **Unlock and force-unlock** read the lock, check its id, and delete it with `If-Match` on the
//!   ETag read, so a lock taken over meanwhile is never removed by mistake.
//!
//! Expiry is judged by the reading machine's clock against the time written in the lock; clocks
//! a few seconds apart only shift when a lock counts as stale.
//!
//! The bucket should have versioning on (every state write then keeps the previous state as a
//! version, the S3 counterpart of the local backend's `.backup`). The backend needs
//! `s3:GetObject`, `s3:PutObject` and `s3:DeleteObject` on the prefix.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use quikinfra_core::state::{Backends, LockInfo, LockRequest, StateBackend, StateError, Stored, Token};

use tokio::sync::OnceCell;

use crate::provider::error::{self as sdk_error, is_code};

/// How often taking the lock is tried when the lock object changes underneath.
const LOCK_ATTEMPTS: usize = 8;

/// State and lock objects of one environment in one bucket.
pub struct S3Backend {
    /// Given, or built from aws-config's default chain on first use (shared by every
    /// environment's backend opened by one [`S3Backends`]).
    client: Arc<OnceCell<aws_sdk_s3::Client>>,
    bucket: String,
    state_key: String,
    lock_key: String,
}

/// An object's bytes and ETag.
struct Object {
    etag: String,
    bytes: Vec<u8>,
}

impl S3Backend {
    /// State of `environment` in `bucket` under `prefix` (`quikinfra/`, or empty), through `client`.
    ///
    /// The client needs an HTTP client ([`crate::provider::https_client`] for AWS); its retries
    /// are harmless, since every write here is conditional.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>, prefix: &str, environment: &str) -> Self {
        Self::with_client(Arc::new(OnceCell::new_with(Some(client))), bucket.into(), prefix, environment)
    }

    /// State of `environment` at `url`, `s3://bucket` or `s3://bucket/prefix/`, through a client
    /// built from aws-config's default chain on first use (credentials, region and the
    /// `AWS_ENDPOINT_URL` overrides, as for the provider).
    pub fn from_url(url: &str, environment: &str) -> Result<Self, BackendUrlError> {
        S3Backends::from_url(url, None).map(|b| b.backend(environment))
    }

    fn with_client(client: Arc<OnceCell<aws_sdk_s3::Client>>, bucket: String, prefix: &str, environment: &str) -> Self {
        let base = format!("{prefix}{environment}");
        Self { client, bucket, state_key: format!("{base}/state.json"), lock_key: format!("{base}/state.lock") }
    }

    /// The key of the state object.
    pub fn state_key(&self) -> &str {
        &self.state_key
    }

    /// The key of the lock object.
    pub fn lock_key(&self) -> &str {
        &self.lock_key
    }

    async fn client(&self) -> &aws_sdk_s3::Client {
        self.client
            .get_or_init(|| async {
                // The SDK's standard retries stay on here: every write is conditional.
                let config = aws_config::defaults(BehaviorVersion::latest())
                    .http_client(crate::provider::https_client())
                    .load()
                    .await;
                s3_client(&config)
            })
            .await
    }

    fn url(&self, key: &str) -> PathBuf {
        PathBuf::from(format!("s3://{}/{key}", self.bucket))
    }

    fn io<E>(&self, key: &str, call: &str, err: SdkError<E, HttpResponse>) -> StateError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        StateError::Io { path: self.url(key), source: std::io::Error::other(sdk_error::sdk(call, err).message) }
    }

    /// The object at `key`, `None` when there is none.
    async fn get_object(&self, key: &str) -> Result<Option<Object>, StateError> {
        let out = match self.client().await.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => out,
            Err(e) if is_code(&e, "NoSuchKey") => return Ok(None),
            Err(e) => return Err(self.io(key, "s3:GetObject", e)),
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let bytes = out.body.collect().await.map_err(|e| StateError::Io {
            path: self.url(key),
            source: std::io::Error::other(format!("reading the object: {e}")),
        })?;
        Ok(Some(Object { etag, bytes: bytes.into_bytes().to_vec() }))
    }

    /// Puts `bytes` at `key` if the object's ETag is `if_match` (`None`: if there is no object).
    /// `Ok(None)` when the condition failed; the new ETag otherwise.
    async fn put_if(&self, key: &str, bytes: Vec<u8>, if_match: Option<&str>) -> Result<Option<String>, StateError> {
        let mut req = self
            .client()
            .await
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(bytes));
        req = match if_match {
            Some(etag) => req.if_match(etag),
            None => req.if_none_match("*"),
        };
        match req.send().await {
            Ok(out) => Ok(Some(out.e_tag().unwrap_or_default().to_string())),
            Err(e) if precondition_failed(&e) => Ok(None),
            Err(e) => Err(self.io(key, "s3:PutObject", e)),
        }
    }

    /// Deletes `key` if its ETag is still `etag`; `false` when it changed (or is gone).
    async fn delete_if(&self, key: &str, etag: &str) -> Result<bool, StateError> {
        match self.client().await.delete_object().bucket(&self.bucket).key(key).if_match(etag).send().await {
            Ok(_) => Ok(true),
            Err(e) if precondition_failed(&e) || is_code(&e, "NoSuchKey") => Ok(false),
            Err(e) => Err(self.io(key, "s3:DeleteObject", e)),
        }
    }

    /// The lock as stored, with its ETag.
    async fn read_lock(&self) -> Result<Option<(String, LockInfo)>, StateError> {
        let Some(object) = self.get_object(&self.lock_key).await? else { return Ok(None) };
        let info = serde_json::from_slice::<LockInfo>(&object.bytes).unwrap_or_else(|e| LockInfo {
            id: format!("unreadable-{}", object.etag.trim_matches('"')),
            holder: format!(
                "an unknown holder (lock object {} is unreadable: {e})",
                self.url(&self.lock_key).display()
            ),
            operation: "unknown".to_string(),
            created: "an unknown time".to_string(),
            expires: "never".to_string(),
            host: None,
            pid: None,
        });
        Ok(Some((object.etag, info)))
    }

    /// The current lock if its id is `id`, with its ETag; else `LockMismatch`.
    async fn lock_with_id(&self, id: &str) -> Result<(String, LockInfo), StateError> {
        match self.read_lock().await? {
            Some((etag, current)) if current.id == id => Ok((etag, current)),
            other => Err(StateError::LockMismatch {
                given: id.to_string(),
                current: other.map_or_else(|| "none".to_string(), |(_, l)| l.id),
            }),
        }
    }

    async fn remove_lock(&self, id: &str) -> Result<(), StateError> {
        for _ in 0..LOCK_ATTEMPTS {
            let (etag, _) = self.lock_with_id(id).await?;
            if self.delete_if(&self.lock_key, &etag).await? {
                return Ok(());
            }
        }
        Err(self.gave_up())
    }

    fn gave_up(&self) -> StateError {
        StateError::Io {
            path: self.url(&self.lock_key),
            source: std::io::Error::other(format!("the lock kept changing; gave up after {LOCK_ATTEMPTS} attempts")),
        }
    }
}

/// An S3 client for state over `config`: path-style addressing when an endpoint override is
/// set (emulators do not resolve virtual-hosted names). Every write here is conditional, so
/// the SDK's standard retries are safe.
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let path_style = config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(config).force_path_style(path_style).build())
}

/// Why an `s3://` URL names no state location.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendUrlError {
    /// Not an `s3://` URL.
    #[error("`{0}` is not an s3:// url")]
    NotS3(String),
    /// The bucket part is not a valid bucket name.
    #[error("`{url}`: `{bucket}` is not a bucket name")]
    BadBucket {
        /// The URL.
        url: String,
        /// Its bucket part.
        bucket: String,
    },
}

/// The state of every environment of one estate under one bucket and prefix
/// (`s3://bucket/prefix/`): environment `dev` at `prefix/dev/state.json`.
pub struct S3Backends {
    client: Arc<OnceCell<aws_sdk_s3::Client>>,
    bucket: String,
    prefix: String,
}

impl S3Backends {
    /// The location `url` names (`s3://bucket` or `s3://bucket/prefix/`), through `client`, or
    /// a client built from aws-config's default chain on first use (credentials, region and
    /// the `AWS_ENDPOINT_URL` overrides, as for the provider).
    pub fn from_url(url: &str, client: Option<aws_sdk_s3::Client>) -> Result<Self, BackendUrlError> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| BackendUrlError::NotS3(url.to_string()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !crate::s3_bucket::bucket_name_problems(bucket).is_empty() {
            return Err(BackendUrlError::BadBucket { url: url.to_string(), bucket: bucket.to_string() });
        }
        let prefix = match prefix {
            "" => String::new(),
            p if p.ends_with('/') => p.to_string(),
            p => format!("{p}/"),
        };
        Ok(Self { client: Arc::new(OnceCell::new_with(client)), bucket: bucket.to_string(), prefix })
    }

    /// The backend of `environment`.
    pub fn backend(&self, environment: &str) -> S3Backend {
        S3Backend::with_client(self.client.clone(), self.bucket.clone(), &self.prefix, environment)
    }
}

impl Backends for S3Backends {
    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn open(&self, environment: &str) -> Result<Arc<dyn StateBackend>, StateError> {
        Ok(Arc::new(self.backend(environment)))
    }
}

fn precondition_failed<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(e) => e.raw().status().as_u16() == 412 || e.err().code() == Some("PreconditionFailed"),
        _ => false,
    }
}

fn lock_json(info: &LockInfo) -> Vec<u8> {
    // Cannot fail: LockInfo is a struct of strings.
    let mut json = serde_json::to_vec_pretty(info).expect("a lock always serializes to JSON");
    json.push(b'\n');
    json
}

#[async_trait]
impl StateBackend for S3Backend {
    fn describe(&self) -> String {
        format!("s3 object {}", self.url(&self.state_key).display())
    }

    fn location(&self) -> PathBuf {
        self.url(&self.state_key)
    }

    async fn get(&self) -> Result<Option<Stored>, StateError> {
        Ok(self.get_object(&self.state_key).await?.map(|o| Stored { bytes: o.bytes, token: Token(o.etag) }))
    }

    async fn put(&self, bytes: &[u8], expected: Option<&Token>) -> Result<Option<Token>, StateError> {
        let etag = expected.map(|t| t.0.as_str());
        Ok(self.put_if(&self.state_key, bytes.to_vec(), etag).await?.map(Token))
    }

    async fn lock(&self, request: &LockRequest) -> Result<LockInfo, StateError> {
        let info = LockInfo::new(request);
        for _ in 0..LOCK_ATTEMPTS {
            if self.put_if(&self.lock_key, lock_json(&info), None).await?.is_some() {
                return Ok(info);
            }
            let Some((etag, current)) = self.read_lock().await? else { continue };
            if !current.is_stale(SystemTime::now()) {
                return Err(StateError::Locked(Box::new(current)));
            }
            // Expired: take it over, unless another run took it over (or its holder renewed it)
            // since it was read, which changes the ETag.
            if self.put_if(&self.lock_key, lock_json(&info), Some(&etag)).await?.is_some() {
                return Ok(info);
            }
        }
        match self.read_lock().await? {
            Some((_, current)) => Err(StateError::Locked(Box::new(current))),
            None => Err(self.gave_up()),
        }
    }

    async fn renew(&self, lock: &LockInfo, ttl: Duration) -> Result<LockInfo, StateError> {
        let renewed =
            LockInfo { expires: quikinfra_core::state::backend::expiry(SystemTime::now(), ttl), ..lock.clone() };
        for _ in 0..LOCK_ATTEMPTS {
            let (etag, _) = self.lock_with_id(&lock.id).await?;
            if self.put_if(&self.lock_key, lock_json(&renewed), Some(&etag)).await?.is_some() {
                return Ok(renewed);
            }
        }
        Err(self.gave_up())
    }

    async fn unlock(&self, lock: &LockInfo) -> Result<(), StateError> {
        self.remove_lock(&lock.id).await
    }

    async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        self.remove_lock(id).await
    }

    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.read_lock().await?.map(|(_, info)| info))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_bucket_and_a_prefix() {
        let b = S3Backend::from_url("s3://quikapp-state/teams/media", "live").unwrap();
        assert_eq!(
            (b.bucket.as_str(), b.state_key(), b.lock_key()),
            ("quikapp-state", "teams/media/live/state.json", "teams/media/live/state.lock")
        );
        let bare = S3Backend::from_url("s3://quikapp-state", "dev").unwrap();
        assert_eq!(bare.state_key(), "dev/state.json");
        assert_eq!(bare.describe(), "s3 object s3://quikapp-state/dev/state.json");
        assert!(S3Backend::from_url("gs://quikapp-state", "dev").is_err());
        assert!(S3Backend::from_url("s3://Quikapp_State/x", "dev").is_err());
    }
}
