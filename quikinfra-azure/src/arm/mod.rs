//! A thin, typed Azure Resource Manager client on `azure_core`'s HTTP pipeline.
//!
//! [`ArmClient`] sends JSON to resource ids with a pinned `api-version` ([`api`]), a bearer
//! token for the management scope ([`auth`], tokens from a [`credential`] chain), and:
//!
//! - **retries** each request on 429, 500, 502, 503, 504 and connection failures, waiting what
//!   `x-ms-retry-after-ms`, `retry-after-ms` or `Retry-After` says (else exponential backoff),
//!   up to [`RetryConfig::max_attempts`]. The SDK's own retry policy is off, and the engine's
//!   provider boundary does not retry again: errors that outlive these retries reach it as
//!   permanent, so one throttled poll never re-runs a whole create;
//! - **long-running operations** ([`Operation`]): a 201/202 answer is polled through
//!   `Azure-AsyncOperation` (its `status`) when present, else `Location` (202 until done), else
//!   the resource's own `provisioningState`; `Retry-After` paces the polls; `Succeeded`,
//!   `Failed` and `Canceled` are terminal, and the resource is read again after success.
//!   An [`Operation`] is plain data holding its poll URL: [`ArmClient::wait`] resumes one, and
//!   an operation outliving [`PollConfig::timeout`] fails with that URL in the error;
//! - **ETags**: reads return the resource's ETag; writes take a [`Condition`] (`If-Match`,
//!   `If-None-Match: *`), and 412 comes back as an [`ArmError::Http`];
//! - **errors** as ARM's code, message and target ([`ErrorBody`]).
//!
//! Poll and next-page URLs must point at the endpoint's own origin: a token is never sent
//! elsewhere.

pub mod api;
pub mod auth;
pub mod credential;
pub mod error;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::request::Body;
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, PipelineSendOptions, RawResponse, Request, RetryOptions, Url,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::{ArmError, ErrorBody};

/// The public cloud's ARM endpoint.
pub const PUBLIC_ENDPOINT: &str = "https://management.azure.com/";
/// The public cloud's management token scope.
pub const PUBLIC_SCOPE: &str = "https://management.azure.com/.default";

/// How requests are retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryConfig {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first backoff when the server names no delay; doubled each retry.
    pub base_delay: Duration,
    /// No wait is longer than this, whatever `Retry-After` says.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self { max_attempts: 6, base_delay: Duration::from_secs(1), max_delay: Duration::from_secs(60) }
    }
}

/// How long-running operations are polled.
#[derive(Clone, Copy, Debug)]
pub struct PollConfig {
    /// The wait between polls when the server names none.
    pub default_delay: Duration,
    /// No wait between polls is longer than this.
    pub max_delay: Duration,
    /// Give up (with the poll URL in the error) after this long.
    pub timeout: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            default_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(2 * 60 * 60),
        }
    }
}

/// Where and how the client talks to ARM.
#[derive(Clone, Debug)]
pub struct ArmConfig {
    /// The ARM endpoint, `https://management.azure.com/` unless overridden.
    pub endpoint: Url,
    /// Request retries.
    pub retry: RetryConfig,
    /// Long-running operation polling.
    pub poll: PollConfig,
}

impl ArmConfig {
    /// The public cloud with default retries and polling.
    pub fn public() -> Self {
        Self::for_endpoint(Url::parse(PUBLIC_ENDPOINT).expect("a valid URL"))
    }

    /// Another endpoint (sovereign cloud, emulator) with default retries and polling.
    pub fn for_endpoint(endpoint: Url) -> Self {
        Self { endpoint, retry: RetryConfig::default(), poll: PollConfig::default() }
    }
}

/// A write's precondition on the resource's ETag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Condition {
    /// None.
    #[default]
    None,
    /// `If-Match`: only if the resource still has this ETag.
    IfMatch(String),
    /// `If-None-Match: *`: only if the resource does not exist.
    IfNoneMatchAny,
}

/// A resource as read: its body and ETag.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    /// The JSON body.
    pub body: Value,
    /// The `ETag` header (else the body's `eTag`), without quotes.
    pub etag: Option<String>,
}

/// How a long-running operation reports progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "via", content = "url")]
pub enum Poll {
    /// It finished with the first answer.
    Done,
    /// `Azure-AsyncOperation`: a status document `{"status": …}`.
    AsyncOperation(String),
    /// `Location`: 202 until done.
    Location(String),
    /// Neither header: the resource's `provisioningState` (or, for a delete, its 404).
    ResourceState,
}

/// What a write does, for polling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Write {
    /// PUT: create or replace.
    Put,
    /// PATCH: update some properties.
    Patch,
    /// DELETE.
    Delete,
}

impl Write {
    fn method(self) -> Method {
        match self {
            Write::Put => Method::Put,
            Write::Patch => Method::Patch,
            Write::Delete => Method::Delete,
        }
    }
}

/// A started write, possibly still running: enough to resume waiting for it later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// The write.
    pub write: Write,
    /// The resource's path.
    pub resource: String,
    /// The resource type's API version.
    pub api_version: String,
    /// How to follow it.
    pub poll: Poll,
    /// The first wait the server asked for, in milliseconds.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
}

impl Operation {
    /// The URL that reports progress, when there is one.
    pub fn poll_url(&self) -> Option<&str> {
        match &self.poll {
            Poll::AsyncOperation(url) | Poll::Location(url) => Some(url),
            Poll::Done | Poll::ResourceState => None,
        }
    }
}

/// Counts of what the client did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, retries and polls included.
    pub requests: u64,
    /// Requests sent again after a 429, 5xx or connection failure.
    pub retries: u64,
    /// Polls of long-running operations.
    pub polls: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    polls: AtomicU64,
}

/// One answer, read whole.
struct Reply {
    status: u16,
    headers: Headers,
    body: Vec<u8>,
}

impl Reply {
    fn from_raw(raw: RawResponse) -> Self {
        let (status, headers, body) = raw.deconstruct();
        Self { status: u16::from(status), headers, body: body.as_ref().to_vec() }
    }

    fn header(&self, name: &'static str) -> Option<&str> {
        self.headers.get_optional_str(&HeaderName::from_static(name))
    }

    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn retry_after(&self) -> Option<Duration> {
        retry_after(|name| self.header(name))
    }

    fn error(&self) -> ErrorBody {
        ErrorBody::parse(&self.body).unwrap_or_else(|| ErrorBody {
            code: format!("HTTP{}", self.status),
            message: String::from_utf8_lossy(&self.body).trim().chars().take(300).collect(),
            ..ErrorBody::default()
        })
    }
}

/// The delay a response asks for: `x-ms-retry-after-ms`, `retry-after-ms` (milliseconds), or
/// `Retry-After` (whole seconds; an HTTP date is ignored), in that order.
pub fn retry_after<'a>(header: impl Fn(&'static str) -> Option<&'a str>) -> Option<Duration> {
    for name in ["x-ms-retry-after-ms", "retry-after-ms"] {
        if let Some(ms) = header(name).and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs)
}

/// Whether a status is worth another attempt.
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// The `provisioningState`s a resource is left in when its last operation did not succeed:
/// what a plan repairs (see `AttrSchema::failed_when`).
pub const FAILED_STATES: &[&str] = &["Failed", "Canceled"];

/// Whether a `provisioningState` (or operation `status`) is terminal, and how it ended.
fn terminal(state: &str) -> Option<bool> {
    match state.to_ascii_lowercase().as_str() {
        "succeeded" => Some(true),
        "failed" | "canceled" | "cancelled" => Some(false),
        _ => None,
    }
}

fn provisioning_state(body: &Value) -> Option<&str> {
    body.pointer("/properties/provisioningState").and_then(Value::as_str)
}

/// The Azure Resource Manager client.
pub struct ArmClient {
    pipeline: Pipeline,
    config: ArmConfig,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient").field("endpoint", &self.config.endpoint.as_str()).finish_non_exhaustive()
    }
}

impl ArmClient {
    /// A client for `config.endpoint` authenticating with `credential`. Refuses a plain-HTTP
    /// endpoint that is not on loopback.
    pub fn new(credential: Arc<dyn TokenCredential>, config: ArmConfig) -> Result<Self, ArmError> {
        if let Some(reason) = auth::token_refusal(&config.endpoint) {
            return Err(ArmError::Insecure { url: config.endpoint.to_string(), reason });
        }
        let bearer = Arc::new(auth::BearerPolicy::new(credential, auth::scope_for(&config.endpoint)));
        let options = ClientOptions { retry: RetryOptions::none(), ..ClientOptions::default() };
        let pipeline = Pipeline::new(
            Some(env!("CARGO_PKG_NAME")),
            Some(env!("CARGO_PKG_VERSION")),
            options,
            vec![],
            vec![bearer],
            None,
        );
        Ok(Self { pipeline, config, counters: Arc::new(Counters::default()) })
    }

    /// The ARM endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.config.endpoint
    }

    /// What the client did so far.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            polls: self.counters.polls.load(Ordering::Relaxed),
        }
    }

    /// The URL of a resource path with its API version.
    pub fn url(&self, path: &str, api_version: &str) -> Result<Url, ArmError> {
        let mut url = self.config.endpoint.join(path.trim_start_matches('/')).map_err(|e| ArmError::Unexpected {
            path: path.to_string(),
            message: format!("not a resource path: {e}"),
        })?;
        url.query_pairs_mut().append_pair("api-version", api_version);
        Ok(url)
    }

    fn same_origin(&self, url: &str) -> Result<Url, ArmError> {
        let parsed =
            Url::parse(url).map_err(|e| ArmError::Unexpected { path: url.to_string(), message: e.to_string() })?;
        let origin =
            |u: &Url| (u.scheme().to_string(), u.host_str().map(str::to_ascii_lowercase), u.port_or_known_default());
        if origin(&parsed) != origin(&self.config.endpoint) {
            return Err(ArmError::Insecure {
                url: url.to_string(),
                reason: format!("it is not on the ARM endpoint {}", self.config.endpoint),
            });
        }
        Ok(parsed)
    }

    /// Sends one request, retrying 429, 5xx and connection failures.
    async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        condition: &Condition,
    ) -> Result<Reply, ArmError> {
        let retry = self.config.retry;
        let payload = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = Request::new(url.clone(), method);
            request.insert_header("accept", "application/json");
            if let Some(bytes) = &payload {
                request.insert_header("content-type", "application/json");
                request.set_body(Body::Bytes(bytes.clone().into()));
            }
            match condition {
                Condition::None => {}
                Condition::IfMatch(etag) => request.insert_header("if-match", quoted(etag)),
                Condition::IfNoneMatchAny => request.insert_header("if-none-match", "*"),
            }
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let options = PipelineSendOptions { skip_checks: true, ..PipelineSendOptions::default() };
            let result = self.pipeline.send(&Context::new(), &mut request, Some(options)).await;
            let wait = match result {
                Ok(raw) => {
                    let reply = Reply::from_raw(raw);
                    if !is_retryable(reply.status) || attempt >= retry.max_attempts {
                        return if reply.status >= 400 {
                            Err(self.http_error(method, url, &reply, attempt))
                        } else {
                            Ok(reply)
                        };
                    }
                    reply.retry_after()
                }
                Err(e) => {
                    let connection = matches!(e.kind(), ErrorKind::Io | ErrorKind::Connection);
                    if !connection || attempt >= retry.max_attempts {
                        let credential = matches!(e.kind(), ErrorKind::Credential);
                        let context = if credential { "getting an ARM token" } else { "calling ARM" };
                        if e.to_string().contains("refusing to send a token") {
                            return Err(ArmError::Insecure { url: url.to_string(), reason: e.to_string() });
                        }
                        return Err(ArmError::Transport {
                            context: format!("{context} ({} {})", method, url.path()),
                            message: e.to_string(),
                            credential,
                        });
                    }
                    None
                }
            };
            let backoff = retry.base_delay.saturating_mul(1 << (attempt - 1).min(16));
            let delay = wait.unwrap_or(backoff).min(retry.max_delay);
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
        }
    }

    fn http_error(&self, method: Method, url: &Url, reply: &Reply, attempts: u32) -> ArmError {
        ArmError::Http {
            status: reply.status,
            method: method.to_string(),
            path: url.path().to_string(),
            error: Box::new(reply.error()),
            attempts,
        }
    }

    /// Reads a resource; `None` when it does not exist (404).
    pub async fn get(&self, path: &str, api_version: &str) -> Result<Option<Fetched>, ArmError> {
        let url = self.url(path, api_version)?;
        match self.send(Method::Get, &url, None, &Condition::None).await {
            Ok(reply) => {
                let body = reply.json().ok_or_else(|| ArmError::Unexpected {
                    path: path.to_string(),
                    message: "the body is not JSON".into(),
                })?;
                let etag = reply
                    .header("etag")
                    .map(unquoted)
                    .or_else(|| body.get("eTag").or(body.get("etag")).and_then(Value::as_str).map(unquoted));
                Ok(Some(Fetched { body, etag }))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Lists a collection (`…/eventhubs`), following `nextLink`.
    pub async fn list(&self, path: &str, api_version: &str) -> Result<Vec<Value>, ArmError> {
        let mut url = self.url(path, api_version)?;
        let mut out = Vec::new();
        loop {
            let reply = self.send(Method::Get, &url, None, &Condition::None).await?;
            let page = reply.json().unwrap_or(Value::Null);
            if let Some(items) = page.get("value").and_then(Value::as_array) {
                out.extend(items.iter().cloned());
            }
            match page.get("nextLink").and_then(Value::as_str).filter(|l| !l.is_empty()) {
                Some(next) => url = self.same_origin(next)?,
                None => return Ok(out),
            }
        }
    }

    /// Starts a write and reports how to follow it. A DELETE of something already gone is done.
    pub async fn begin(
        &self,
        write: Write,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
        condition: &Condition,
    ) -> Result<Operation, ArmError> {
        let url = self.url(path, api_version)?;
        let reply = match self.send(write.method(), &url, body, condition).await {
            Ok(reply) => reply,
            Err(e) if write == Write::Delete && e.status() == Some(404) => {
                return Ok(self.operation(write, path, api_version, Poll::Done, None));
            }
            Err(e) => return Err(e),
        };
        let retry_after = reply.retry_after().map(|d| d.as_millis() as u64);
        let json = reply.json();
        let poll = if let Some(url) = reply.header("azure-asyncoperation") {
            Poll::AsyncOperation(url.to_string())
        } else if let (Some(url), 201 | 202) = (reply.header("location"), reply.status) {
            Poll::Location(url.to_string())
        } else if reply.status == 204 || (write == Write::Delete && reply.status == 200) {
            Poll::Done
        } else if reply.status == 202 {
            Poll::ResourceState
        } else {
            match json.as_ref().and_then(provisioning_state).map(terminal) {
                Some(None) => Poll::ResourceState,
                Some(Some(false)) => {
                    return Err(ArmError::OperationFailed {
                        status: json.as_ref().and_then(provisioning_state).unwrap_or("Failed").to_string(),
                        resource: path.to_string(),
                        error: Box::new(ErrorBody {
                            code: "ProvisioningFailed".into(),
                            message: "the resource's provisioningState is terminal and not Succeeded".into(),
                            ..ErrorBody::default()
                        }),
                    });
                }
                _ => Poll::Done,
            }
        };
        Ok(self.operation(write, path, api_version, poll, retry_after))
    }

    fn operation(
        &self,
        write: Write,
        path: &str,
        api_version: &str,
        poll: Poll,
        retry_after_ms: Option<u64>,
    ) -> Operation {
        Operation { write, resource: path.to_string(), api_version: api_version.to_string(), poll, retry_after_ms }
    }

    /// Waits for an operation (a fresh one or one resumed from its saved form) to finish.
    pub async fn wait(&self, op: &Operation) -> Result<(), ArmError> {
        let poll = self.config.poll;
        let started = Instant::now();
        let mut delay = op.retry_after_ms.map(Duration::from_millis);
        loop {
            if matches!(op.poll, Poll::Done) {
                return Ok(());
            }
            if started.elapsed() > poll.timeout {
                return Err(ArmError::StillRunning {
                    resource: op.resource.clone(),
                    poll_url: op.poll_url().map_or_else(|| op.resource.clone(), str::to_string),
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(delay.unwrap_or(poll.default_delay).min(poll.max_delay)).await;
            self.counters.polls.fetch_add(1, Ordering::Relaxed);
            let (finished, next) = self.poll_once(op).await?;
            if finished {
                return Ok(());
            }
            delay = next;
        }
    }

    /// One poll: whether the operation is over (an error if it failed), and the wait asked for.
    async fn poll_once(&self, op: &Operation) -> Result<(bool, Option<Duration>), ArmError> {
        let failed = |status: &str, error: ErrorBody| ArmError::OperationFailed {
            status: status.to_string(),
            resource: op.resource.clone(),
            error: Box::new(error),
        };
        match &op.poll {
            Poll::Done => Ok((true, None)),
            Poll::AsyncOperation(url) => {
                let url = self.same_origin(url)?;
                let reply = self.send(Method::Get, &url, None, &Condition::None).await?;
                let json = reply.json().unwrap_or(Value::Null);
                let status = json.get("status").and_then(Value::as_str).unwrap_or("InProgress");
                match terminal(status) {
                    Some(true) => Ok((true, None)),
                    Some(false) => {
                        Err(failed(status, json.get("error").and_then(ErrorBody::from_json).unwrap_or_default()))
                    }
                    None => Ok((false, reply.retry_after())),
                }
            }
            Poll::Location(url) => {
                let url = self.same_origin(url)?;
                match self.send(Method::Get, &url, None, &Condition::None).await {
                    Ok(reply) if reply.status == 202 => Ok((false, reply.retry_after())),
                    Ok(_) => Ok((true, None)),
                    Err(ArmError::Http { status, error, .. }) if !is_retryable(status) => Err(failed("Failed", *error)),
                    Err(e) => Err(e),
                }
            }
            Poll::ResourceState => match self.get(&op.resource, &op.api_version).await? {
                None if op.write == Write::Delete => Ok((true, None)),
                None => Err(ArmError::Unexpected {
                    path: op.resource.clone(),
                    message: "the resource disappeared while being written".into(),
                }),
                Some(fetched) => match provisioning_state(&fetched.body).map(terminal) {
                    None | Some(Some(true)) if op.write != Write::Delete => Ok((true, None)),
                    Some(Some(false)) => {
                        let state = provisioning_state(&fetched.body).unwrap_or("Failed").to_string();
                        Err(failed(
                            &state,
                            ErrorBody {
                                code: state.clone(),
                                message: "provisioning did not succeed".into(),
                                ..ErrorBody::default()
                            },
                        ))
                    }
                    _ => Ok((false, None)),
                },
            },
        }
    }

    /// Waits for a resource whose `provisioningState` shows an operation still running (left by
    /// an interrupted apply) to settle. Returns the settled resource, `None` if it is gone.
    pub async fn settle(&self, path: &str, api_version: &str) -> Result<Option<Fetched>, ArmError> {
        let poll = self.config.poll;
        let started = Instant::now();
        loop {
            let Some(fetched) = self.get(path, api_version).await? else { return Ok(None) };
            if provisioning_state(&fetched.body).is_none_or(|s| terminal(s).is_some()) {
                return Ok(Some(fetched));
            }
            if started.elapsed() > poll.timeout {
                return Err(ArmError::StillRunning {
                    resource: path.to_string(),
                    poll_url: self.url(path, api_version)?.to_string(),
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            self.counters.polls.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(poll.default_delay.min(poll.max_delay)).await;
        }
    }

    /// Writes and waits, then reads the resource back (checking it did not end `Failed`).
    async fn write_and_read(
        &self,
        write: Write,
        path: &str,
        api_version: &str,
        body: &Value,
        condition: &Condition,
    ) -> Result<Fetched, ArmError> {
        let op = self.begin(write, path, api_version, Some(body), condition).await?;
        self.wait(&op).await?;
        let fetched = self.get(path, api_version).await?.ok_or_else(|| ArmError::Unexpected {
            path: path.to_string(),
            message: "the resource is gone right after it was written".into(),
        })?;
        if let Some(state) = provisioning_state(&fetched.body)
            && terminal(state) == Some(false)
        {
            return Err(ArmError::OperationFailed {
                status: state.to_string(),
                resource: path.to_string(),
                error: Box::new(ErrorBody {
                    code: state.to_string(),
                    message: "provisioning did not succeed".into(),
                    ..ErrorBody::default()
                }),
            });
        }
        Ok(fetched)
    }

    /// PUT (create or replace), wait, read back.
    pub async fn put(
        &self,
        path: &str,
        api_version: &str,
        body: &Value,
        condition: &Condition,
    ) -> Result<Fetched, ArmError> {
        self.write_and_read(Write::Put, path, api_version, body, condition).await
    }

    /// PATCH, wait, read back.
    pub async fn patch(
        &self,
        path: &str,
        api_version: &str,
        body: &Value,
        condition: &Condition,
    ) -> Result<Fetched, ArmError> {
        self.write_and_read(Write::Patch, path, api_version, body, condition).await
    }

    /// DELETE and wait; deleting what is already gone succeeds.
    pub async fn delete(&self, path: &str, api_version: &str, condition: &Condition) -> Result<(), ArmError> {
        let op = self.begin(Write::Delete, path, api_version, None, condition).await?;
        self.wait(&op).await
    }
}

fn quoted(etag: &str) -> String {
    if etag.starts_with('"') || etag.starts_with("W/") { etag.to_string() } else { format!("\"{etag}\"") }
}

fn unquoted(etag: &str) -> String {
    etag.trim().trim_start_matches("W/").trim_matches('"').to_string()
}

#[cfg(test)]
mod tests;
