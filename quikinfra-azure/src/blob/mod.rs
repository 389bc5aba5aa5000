//! [`BlobBackend`]: an environment's state kept in Azure Blob Storage, for teams that live in
//! Azure (`--backend azblob://ACCOUNT/CONTAINER/PREFIX/`), on the official `azure_storage_blob`
//! client.
//!
//! Environment `staging` under prefix `quikinfra/` has two block blobs, named as the S3
//! backend names its objects:
//!
//! - `quikinfra/staging/state.json`: the state document as `quikinfra_core::state::StateStore`
//!   encodes it (sealed when state encryption is on; this backend only stores its bytes);
//! - `quikinfra/staging/state.lock`: while a lock is held, its [`LockInfo`] as JSON (holder,
//!   operation, taken, expiry, host, pid), under an infinite **blob lease whose id is the lock's
//!   id**.
//!
//! Every change is conditional, so no two runs can silently overwrite each other:
//!
//! - **State writes** carry `If-Match` with the ETag (the [`Token`]) of the document the store
//!   last read or wrote, `If-None-Match: *` for the first. A refusal (412, or 409
//!   `BlobAlreadyExists`) means another writer got there first: nothing is written and the
//!   store reports the conflict. The state blob itself is never leased.
//! - **Taking the lock** creates the lock blob with `If-None-Match: *` (exactly one of racing
//!   runs succeeds; the others read it and report its holder, [`StateError::Locked`]) and then
//!   leases it with the lock's id as the proposed lease id, `If-Match` on the ETag just written.
//!   From then on only a request naming that id can change or delete the lock blob.
//! - **A stale lock** (expired, or its holder a process of this host that is gone) is taken
//!   over by moving its lease to the new id (`change`, from the stale lock's id, `If-Match` on
//!   the ETag read), then writing the new [`LockInfo`] under the new lease, `If-Match` again. Of
//!   racing takers only one can move the lease (the others no longer name its id), and a lock
//!   counts as taken only once its info is written under its lease. A lock blob with no lease
//!   (its holder died between creating and leasing it) is leased with `If-Match` instead.
//! - **A lease that outlives its holder** under an id nobody knows (a run that died between
//!   moving the lease and writing its info, or a lease taken by hand) is broken once the stale
//!   lock has stayed unchanged for [`ORPHAN_GRACE`] (a live taker writes its info within
//!   milliseconds), `If-Match` on the ETag, then leased anew. A run whose lease is broken under
//!   it cannot write its info (the write names a lease no longer held), so it never believes it
//!   holds the lock.
//! - **Renewal** rewrites the holder's info with a later expiry under its lease, `If-Match`.
//!   **Unlock** deletes the lock blob naming the lease, `If-Match`, so a lock taken over
//!   meanwhile is never removed by mistake. **Force-unlock** checks the id in the lock blob,
//!   breaks the lease and deletes the blob, `If-Match`.
//!
//! Expiry is judged by the reading machine's clock against the time written in the lock, as for
//! S3; leases are infinite, because a finite one (15 to 60 seconds) would have to be renewed far
//! more often than the engine's heartbeat renews a lock (every third of its TTL), and expiry
//! already lives in the [`LockInfo`].
//!
//! Requests go through the SDK's pipeline with its standard retries: every write here is
//! conditional, and lease requests repeat harmlessly (acquiring or changing to the id already
//! held succeeds). Where the account and credential come from is [`settings`]. The container
//! must exist; the identity or SAS needs read, write and delete on its blobs. Turn on blob
//! versioning or soft delete on the account to keep earlier states (the counterpart of the
//! local backend's `.backup`).

pub mod settings;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientOptions, Etag, HttpClientOptions, RequestContent, StatusCode, Transport, new_http_client,
};
use azure_storage_blob::models::{
    BlobClientAcquireLeaseOptions, BlobClientAcquireLeaseResultHeaders, BlobClientBreakLeaseOptions,
    BlobClientChangeLeaseOptions, BlobClientChangeLeaseResultHeaders, BlobClientDeleteOptions, BlobClientUploadOptions,
    LeaseState,
};
use azure_storage_blob::{BlobClient, BlobClientOptions};
use quikinfra_core::plugin::PluginError;
use quikinfra_core::state::{Backends, LockInfo, LockRequest, StateBackend, StateError, Stored, Token};

pub use settings::{BlobAccess, BlobUrl, BlobUrlError, redact};

/// How often one lock operation re-reads the lock blob when it changes underneath.
const LOCK_ATTEMPTS: u32 = 10;

/// How long a stale lock whose lease names an unknown id must stay unchanged before its lease
/// is broken: far longer than a live taker needs between moving the lease and writing its info.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(1);

/// The pause before attempt `attempt` (from 1) re-reads a lock that changed underneath: 50 ms,
/// doubling, at most 400 ms (all attempts together wait under 3 s, past [`ORPHAN_GRACE`]).
fn pause(attempt: u32) -> Duration {
    Duration::from_millis(50 << attempt.saturating_sub(1).min(3))
}

/// State and lock blobs of one environment in one container.
pub struct BlobBackend {
    location: String,
    state_name: String,
    lock_name: String,
    state: BlobClient,
    lock: BlobClient,
}

/// A blob as read: bytes, ETag and whether it is leased.
struct Blob {
    bytes: Vec<u8>,
    etag: String,
    lease: Lease,
}

/// A lock blob's lease, as its last read saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lease {
    /// None: available, expired or broken; anyone may lease the blob.
    Free,
    /// Held (by the lock's own id, or by a taker about to write its info).
    Held,
    /// Being broken with a break period (never by quikinfra, which breaks at once).
    Breaking,
}

/// The lock as stored: its info, the blob's ETag and lease.
struct StoredLock {
    info: LockInfo,
    etag: String,
    lease: Lease,
}

/// A conditional request the service refused: its error code.
#[derive(Debug)]
struct Refused {
    code: String,
}

impl Refused {
    /// The refusal is about the lease (the request named one no longer held, or none).
    fn about_the_lease(&self) -> bool {
        self.code.starts_with("Lease")
    }
}

/// A write's precondition on the blob's ETag.
enum Condition<'a> {
    /// `If-None-Match: *`: only if there is no blob.
    Absent,
    /// `If-Match`: only if the blob still has this ETag.
    Matches(&'a str),
}

impl BlobBackend {
    /// State of `environment` under `url`'s container and prefix, through `access`'s endpoint
    /// and credential.
    pub fn new(access: &BlobAccess, url: &BlobUrl, environment: &str) -> Result<Self, StateError> {
        BlobBackends::new(url.clone(), access.clone()).backend(environment)
    }

    /// The name of the state blob in its container.
    pub fn state_name(&self) -> &str {
        &self.state_name
    }

    /// The name of the lock blob in its container.
    pub fn lock_name(&self) -> &str {
        &self.lock_name
    }

    fn url(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("{}{name}", self.location))
    }

    fn io(&self, name: &str, what: &str, err: azure_core::Error) -> StateError {
        let hint = match code_of(&err) {
            Some((_, "ContainerNotFound")) => "; create the container first (quikinfra never creates it)",
            Some((403, _)) => "; check the SAS (its permissions and expiry) or the identity's role on the container",
            _ => "",
        };
        StateError::Io {
            path: self.url(name),
            source: std::io::Error::other(format!("{what}: {}{hint}", describe(&err))),
        }
    }

    fn client(&self, name: &str) -> &BlobClient {
        if name == self.lock_name { &self.lock } else { &self.state }
    }

    /// The blob `name`, `None` when there is none (a missing container is an error).
    async fn read(&self, name: &str) -> Result<Option<Blob>, StateError> {
        let result = match self.client(name).download(None).await {
            Ok(result) => result,
            Err(e) if code_of(&e).is_some_and(|(status, code)| status == 404 && code == "BlobNotFound") => {
                return Ok(None);
            }
            Err(e) => return Err(self.io(name, "reading the blob", e)),
        };
        let etag = result.properties.etag.as_ref().map(ToString::to_string).unwrap_or_default();
        let lease = match result.properties.lease_state {
            Some(LeaseState::Leased) => Lease::Held,
            Some(LeaseState::Breaking) => Lease::Breaking,
            _ => Lease::Free,
        };
        let bytes = result.body.collect().await.map_err(|e| self.io(name, "reading the blob's content", e))?;
        Ok(Some(Blob { bytes: bytes.to_vec(), etag, lease }))
    }

    /// Writes `bytes` to `name` if `condition` holds (naming `lease` when given); the new ETag,
    /// or the refusal.
    async fn write(
        &self,
        name: &str,
        bytes: Vec<u8>,
        condition: Condition<'_>,
        lease: Option<&str>,
    ) -> Result<Result<String, Refused>, StateError> {
        let mut options = BlobClientUploadOptions {
            blob_content_type: Some("application/json".to_string()),
            lease_id: lease.map(str::to_string),
            ..Default::default()
        };
        match condition {
            Condition::Absent => options.if_none_match = Some(Etag::from("*")),
            Condition::Matches(etag) => options.if_match = Some(Etag::from(etag)),
        }
        match self.client(name).upload(RequestContent::from(bytes), Some(options)).await {
            Ok(result) => Ok(Ok(result.etag.map(|e| e.to_string()).unwrap_or_default())),
            Err(e) => match refusal(&e) {
                Some(refused) => Ok(Err(refused)),
                None => Err(self.io(name, "writing the blob", e)),
            },
        }
    }

    /// Deletes `name` if its ETag is still `etag` (naming `lease` when given): `Ok(Ok(()))` also
    /// when it is already gone.
    async fn delete(&self, name: &str, etag: &str, lease: Option<&str>) -> Result<Result<(), Refused>, StateError> {
        let options = BlobClientDeleteOptions {
            if_match: Some(Etag::from(etag)),
            lease_id: lease.map(str::to_string),
            ..Default::default()
        };
        match self.client(name).delete(Some(options)).await {
            Ok(_) => Ok(Ok(())),
            Err(e) if code_of(&e).is_some_and(|(status, code)| status == 404 && code == "BlobNotFound") => Ok(Ok(())),
            Err(e) => match refusal(&e) {
                Some(refused) => Ok(Err(refused)),
                None => Err(self.io(name, "deleting the blob", e)),
            },
        }
    }

    /// Leases the lock blob for `id` if its ETag is still `etag`; the ETag after, or `None`.
    async fn acquire(&self, id: &str, etag: &str) -> Result<Option<String>, StateError> {
        let options = BlobClientAcquireLeaseOptions {
            if_match: Some(Etag::from(etag)),
            proposed_lease_id: Some(id.to_string()),
            ..Default::default()
        };
        match self.lock.acquire_lease(-1, Some(options)).await {
            Ok(response) => {
                Ok(Some(response.etag().ok().flatten().map_or_else(|| etag.to_string(), |e| e.to_string())))
            }
            Err(e) if refusal(&e).is_some() => Ok(None),
            Err(e) => Err(self.io(&self.lock_name, "leasing the lock blob", e)),
        }
    }

    /// Moves the lock blob's lease from `from` to `to` if its ETag is still `etag`; the ETag
    /// after, or `None` (the lease is not `from`'s, or the blob changed).
    async fn change(&self, from: &str, to: &str, etag: &str) -> Result<Option<String>, StateError> {
        let options = BlobClientChangeLeaseOptions { if_match: Some(Etag::from(etag)), ..Default::default() };
        match self.lock.change_lease(from.to_string(), to.to_string(), Some(options)).await {
            Ok(response) => {
                Ok(Some(response.etag().ok().flatten().map_or_else(|| etag.to_string(), |e| e.to_string())))
            }
            Err(e) if refusal(&e).is_some() => Ok(None),
            Err(e) => Err(self.io(&self.lock_name, "taking over the lock blob's lease", e)),
        }
    }

    /// Breaks the lock blob's lease at once if its ETag is still `etag`; `false` when it changed.
    async fn break_lease(&self, etag: &str) -> Result<bool, StateError> {
        let options = BlobClientBreakLeaseOptions {
            break_period: Some(0),
            if_match: Some(Etag::from(etag)),
            ..Default::default()
        };
        match self.lock.break_lease(Some(options)).await {
            Ok(_) => Ok(true),
            Err(e) if refusal(&e).is_some() => Ok(false),
            Err(e) => Err(self.io(&self.lock_name, "breaking the lock blob's lease", e)),
        }
    }

    /// The lock as stored.
    async fn read_lock(&self) -> Result<Option<StoredLock>, StateError> {
        let Some(blob) = self.read(&self.lock_name).await? else { return Ok(None) };
        let info = serde_json::from_slice::<LockInfo>(&blob.bytes).unwrap_or_else(|e| LockInfo {
            id: format!("unreadable-{}", blob.etag.trim_matches('"')),
            holder: format!("an unknown holder (lock blob {} is unreadable: {e})", self.url(&self.lock_name).display()),
            operation: "unknown".to_string(),
            created: "an unknown time".to_string(),
            expires: "never".to_string(),
            host: None,
            pid: None,
        });
        Ok(Some(StoredLock { info, etag: blob.etag, lease: blob.lease }))
    }

    /// The current lock if its id is `id`; else `LockMismatch`.
    async fn lock_with_id(&self, id: &str) -> Result<StoredLock, StateError> {
        match self.read_lock().await? {
            Some(current) if current.info.id == id => Ok(current),
            other => Err(mismatch(id, other.map_or_else(|| "none".to_string(), |l| l.info.id))),
        }
    }

    /// Takes over the stale `current` for `info`: moves or takes the lease, then writes `info`
    /// under it. `Ok(false)` when another run got there first (re-read and try again).
    async fn take_over(
        &self,
        current: &StoredLock,
        info: &LockInfo,
        orphan: &mut Option<(String, Instant)>,
    ) -> Result<bool, StateError> {
        let leased = match current.lease {
            Lease::Free => self.acquire(&info.id, &current.etag).await?,
            Lease::Held => match self.change(&current.info.id, &info.id, &current.etag).await? {
                Some(etag) => Some(etag),
                // The lease is not the stale lock's: another run is taking over and writes its
                // info next, or one died doing so. Only a lease unchanged for the grace is broken.
                None => match orphan {
                    Some((etag, since)) if *etag == current.etag && since.elapsed() >= ORPHAN_GRACE => {
                        *orphan = None;
                        self.break_and_acquire(&info.id, &current.etag).await?
                    }
                    Some((etag, _)) if *etag == current.etag => None,
                    _ => {
                        *orphan = Some((current.etag.clone(), Instant::now()));
                        None
                    }
                },
            },
            Lease::Breaking => self.break_and_acquire(&info.id, &current.etag).await?,
        };
        let Some(etag) = leased else { return Ok(false) };
        Ok(self.write(&self.lock_name, lock_json(info), Condition::Matches(&etag), Some(&info.id)).await?.is_ok())
    }

    async fn break_and_acquire(&self, id: &str, etag: &str) -> Result<Option<String>, StateError> {
        if !self.break_lease(etag).await? {
            return Ok(None);
        }
        self.acquire(id, etag).await
    }

    fn gave_up(&self) -> StateError {
        StateError::Io {
            path: self.url(&self.lock_name),
            source: std::io::Error::other(format!("the lock kept changing; gave up after {LOCK_ATTEMPTS} attempts")),
        }
    }
}

fn mismatch(given: &str, current: String) -> StateError {
    StateError::LockMismatch { given: given.to_string(), current }
}

/// The status and error code of a service's answer, if `err` is one.
fn code_of(err: &azure_core::Error) -> Option<(u16, &str)> {
    match err.kind() {
        ErrorKind::HttpResponse { status, error_code, .. } => {
            Some((u16::from(*status), error_code.as_deref().unwrap_or_default()))
        }
        _ => None,
    }
}

/// The refusal of a conditional request: 412 (a condition or a lease not met), 409 (the blob
/// exists, or a lease conflict) or 404 for the blob (deleted underneath a lease request);
/// `None` for every other failure.
fn refusal(err: &azure_core::Error) -> Option<Refused> {
    let (status, code) = code_of(err)?;
    let refused = status == u16::from(StatusCode::PreconditionFailed)
        || (status == u16::from(StatusCode::Conflict) && (code == "BlobAlreadyExists" || code.starts_with("Lease")))
        || (status == u16::from(StatusCode::NotFound) && code == "BlobNotFound");
    refused.then(|| Refused { code: code.to_string() })
}

/// An SDK error as one line, with its causes, and any SAS signature cut out. A service's
/// answer shows as its status, code and message (the first line of the XML body's `Message`).
fn describe(err: &azure_core::Error) -> String {
    let mut text = match code_of(err) {
        Some((status, code)) => {
            let text = err.to_string();
            let message = match text.split_once("<Message>") {
                Some((_, rest)) => rest.split(['<', '\n']).next().unwrap_or_default().trim().to_string(),
                None => text.lines().next().unwrap_or_default().trim().to_string(),
            };
            [status.to_string(), code.to_string(), message]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        }
        None => err.to_string(),
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    redact(&text)
}

fn lock_json(info: &LockInfo) -> Vec<u8> {
    // Cannot fail: LockInfo is a struct of strings.
    let mut json = serde_json::to_vec_pretty(info).expect("a lock always serializes to JSON");
    json.push(b'\n');
    json
}

#[async_trait]
impl StateBackend for BlobBackend {
    fn describe(&self) -> String {
        format!("azure blob {}", self.url(&self.state_name).display())
    }

    fn location(&self) -> PathBuf {
        self.url(&self.state_name)
    }

    async fn get(&self) -> Result<Option<Stored>, StateError> {
        Ok(self.read(&self.state_name).await?.map(|b| Stored { bytes: b.bytes, token: Token(b.etag) }))
    }

    async fn put(&self, bytes: &[u8], expected: Option<&Token>) -> Result<Option<Token>, StateError> {
        let condition = match expected {
            Some(token) => Condition::Matches(&token.0),
            None => Condition::Absent,
        };
        Ok(self.write(&self.state_name, bytes.to_vec(), condition, None).await?.ok().map(Token))
    }

    async fn lock(&self, request: &LockRequest) -> Result<LockInfo, StateError> {
        let info = LockInfo::new(request);
        let mut orphan = None;
        for attempt in 0..LOCK_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(pause(attempt)).await;
            }
            if let Ok(etag) = self.write(&self.lock_name, lock_json(&info), Condition::Absent, None).await? {
                if self.acquire(&info.id, &etag).await?.is_some() {
                    return Ok(info);
                }
                continue;
            }
            let Some(current) = self.read_lock().await? else { continue };
            if current.info.id == info.id {
                // Our own create, whose answer was lost and retried: lease it.
                if current.lease == Lease::Free && self.acquire(&info.id, &current.etag).await?.is_some() {
                    return Ok(info);
                }
                continue;
            }
            if !current.info.is_stale(SystemTime::now()) {
                return Err(StateError::Locked(Box::new(current.info)));
            }
            if self.take_over(&current, &info, &mut orphan).await? {
                return Ok(info);
            }
        }
        match self.read_lock().await? {
            Some(current) => Err(StateError::Locked(Box::new(current.info))),
            None => Err(self.gave_up()),
        }
    }

    async fn renew(&self, lock: &LockInfo, ttl: Duration) -> Result<LockInfo, StateError> {
        let renewed =
            LockInfo { expires: quikinfra_core::state::backend::expiry(SystemTime::now(), ttl), ..lock.clone() };
        for attempt in 0..LOCK_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(pause(attempt)).await;
            }
            let current = self.lock_with_id(&lock.id).await?;
            match self
                .write(&self.lock_name, lock_json(&renewed), Condition::Matches(&current.etag), Some(&lock.id))
                .await?
            {
                Ok(_) => return Ok(renewed),
                Err(refused) if refused.about_the_lease() => {
                    return Err(mismatch(&lock.id, "its lease is no longer this run's".to_string()));
                }
                Err(_) => continue,
            }
        }
        Err(self.gave_up())
    }

    async fn unlock(&self, lock: &LockInfo) -> Result<(), StateError> {
        for attempt in 0..LOCK_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(pause(attempt)).await;
            }
            let current = self.lock_with_id(&lock.id).await?;
            let lease = (current.lease != Lease::Free).then_some(lock.id.as_str());
            match self.delete(&self.lock_name, &current.etag, lease).await? {
                Ok(()) => return Ok(()),
                Err(refused) if refused.about_the_lease() && current.lease != Lease::Free => {
                    return Err(mismatch(&lock.id, "its lease is no longer this run's".to_string()));
                }
                Err(_) => continue,
            }
        }
        Err(self.gave_up())
    }

    async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        for attempt in 0..LOCK_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(pause(attempt)).await;
            }
            let current = self.lock_with_id(id).await?;
            if current.lease != Lease::Free && !self.break_lease(&current.etag).await? {
                continue;
            }
            if self.delete(&self.lock_name, &current.etag, None).await?.is_ok() {
                return Ok(());
            }
        }
        Err(self.gave_up())
    }

    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.read_lock().await?.map(|l| l.info))
    }
}

/// The state of every environment of one estate under one container and prefix
/// (`azblob://ACCOUNT/CONTAINER/PREFIX/`): environment `dev` at `PREFIX/dev/state.json`. Every
/// environment's clients share one HTTP connection pool.
pub struct BlobBackends {
    url: BlobUrl,
    access: BlobAccess,
    transport: Transport,
}

impl BlobBackends {
    /// The location `url` names, reached through `access`.
    pub fn new(url: BlobUrl, access: BlobAccess) -> Self {
        let http = new_http_client(Some(HttpClientOptions { automatic_decompression: false }));
        Self { url, access, transport: Transport::new(http) }
    }

    /// The location `url` names (`azblob://ACCOUNT/CONTAINER/PREFIX/`), with the endpoint and
    /// credential the variables `env` answers ([`settings`]).
    pub fn from_url(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, PluginError> {
        let location =
            BlobUrl::parse(url).map_err(|e| PluginError::BackendUrl { url: url.to_string(), reason: e.to_string() })?;
        let access = BlobAccess::from_env(&location.account, env)
            .map_err(|e| PluginError::BackendUrl { url: url.to_string(), reason: e.to_string() })?;
        Ok(Self::new(location, access))
    }

    /// Where they are.
    pub fn url(&self) -> &BlobUrl {
        &self.url
    }

    /// The backend of `environment`.
    pub fn backend(&self, environment: &str) -> Result<BlobBackend, StateError> {
        let base = format!("{}{environment}", self.url.prefix);
        let state_name = format!("{base}/state.json");
        let lock_name = format!("{base}/state.lock");
        let location = format!("{}://{}/{}/", settings::SCHEME, self.url.account, self.url.container);
        let client = |name: &str| {
            let options = BlobClientOptions {
                client_options: ClientOptions { transport: Some(self.transport.clone()), ..ClientOptions::default() },
                ..BlobClientOptions::default()
            };
            BlobClient::new(self.access.blob_url(&self.url.container, name), self.access.credential(), Some(options))
                .map_err(|e| StateError::Io {
                    path: PathBuf::from(format!("{location}{name}")),
                    source: std::io::Error::other(describe(&e)),
                })
        };
        Ok(BlobBackend { state: client(&state_name)?, lock: client(&lock_name)?, location, state_name, lock_name })
    }
}

impl Backends for BlobBackends {
    fn describe(&self) -> String {
        self.url.describe()
    }

    fn open(&self, environment: &str) -> Result<Arc<dyn StateBackend>, StateError> {
        Ok(Arc::new(self.backend(environment)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backends(url: &str) -> BlobBackends {
        let sas = "sv=2020-12-06&ss=b&srt=sco&sp=racwd&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0";
        BlobBackends::from_url(url, &|name| (name == settings::SAS_VAR).then(|| sas.to_string())).unwrap()
    }

    #[test]
    fn environments_are_named_like_the_s3_backend() {
        let b = backends("azblob://quikappstate/tfstate/teams/media").backend("live").unwrap();
        assert_eq!((b.state_name(), b.lock_name()), ("teams/media/live/state.json", "teams/media/live/state.lock"));
        assert_eq!(b.describe(), "azure blob azblob://quikappstate/tfstate/teams/media/live/state.json");
        assert!(!b.describe().contains("sig="));
        let bare = backends("azblob://quikappstate/tfstate").backend("dev").unwrap();
        assert_eq!(bare.state_name(), "dev/state.json");
        assert_eq!(backends("azblob://quikappstate/tfstate/q/").describe(), "azblob://quikappstate/tfstate/q/");
    }

    #[test]
    fn bad_urls_and_settings_are_refused_before_any_request() {
        let sas = |name: &str| (name == settings::SAS_VAR).then(|| "sig=x".to_string());
        assert!(matches!(BlobBackends::from_url("s3://b/p", &sas), Err(PluginError::BackendUrl { .. })));
        let http = |name: &str| match name {
            settings::ENDPOINT_VAR => Some("http://quikappstate.blob.core.windows.net".to_string()),
            settings::SAS_VAR => Some("sig=x".to_string()),
            _ => None,
        };
        let Err(e) = BlobBackends::from_url("azblob://quikappstate/tfstate", &http) else {
            panic!("plain HTTP accepted")
        };
        assert!(e.to_string().contains("loopback"), "{e}");
    }

    #[test]
    fn pauses_between_attempts_outlast_the_orphan_grace() {
        assert_eq!(
            (pause(1), pause(2), pause(4), pause(9)),
            (
                Duration::from_millis(50),
                Duration::from_millis(100),
                Duration::from_millis(400),
                Duration::from_millis(400)
            )
        );
        let total: Duration = (1..LOCK_ATTEMPTS).map(pause).sum();
        assert!(total > ORPHAN_GRACE * 2 && total < Duration::from_secs(3), "{total:?}");
    }

    #[test]
    fn refusals_are_told_apart_from_failures() {
        let http = |status: StatusCode, code: &str| {
            azure_core::Error::with_message(
                ErrorKind::HttpResponse { status, error_code: Some(code.to_string()), raw_response: None },
                "refused",
            )
        };
        for (status, code) in [
            (StatusCode::PreconditionFailed, "ConditionNotMet"),
            (StatusCode::PreconditionFailed, "LeaseIdMismatchWithBlobOperation"),
            (StatusCode::Conflict, "BlobAlreadyExists"),
            (StatusCode::Conflict, "LeaseAlreadyPresent"),
            (StatusCode::Conflict, "LeaseIdMismatchWithLeaseOperation"),
            (StatusCode::NotFound, "BlobNotFound"),
        ] {
            assert!(refusal(&http(status, code)).is_some(), "{code}");
        }
        assert!(refusal(&http(StatusCode::PreconditionFailed, "LeaseIdMissing")).unwrap().about_the_lease());
        assert!(!refusal(&http(StatusCode::PreconditionFailed, "ConditionNotMet")).unwrap().about_the_lease());
        for (status, code) in [
            (StatusCode::Forbidden, "AuthorizationFailure"),
            (StatusCode::NotFound, "ContainerNotFound"),
            (StatusCode::Conflict, "ContainerBeingDeleted"),
            (StatusCode::InternalServerError, "InternalError"),
        ] {
            assert!(refusal(&http(status, code)).is_none(), "{code}");
        }
        let e = http(StatusCode::Forbidden, "AuthorizationFailure");
        assert_eq!(describe(&e), "403 AuthorizationFailure refused");
        let body = "404: <?xml version=\"1.0\"?>\n<Error>\n  <Code>ContainerNotFound</Code>\n  <Message>The specified container does not exist.\nRequestId:b2d15f1f</Message>\n</Error>";
        let e = azure_core::Error::with_message(
            ErrorKind::HttpResponse {
                status: StatusCode::NotFound,
                error_code: Some("ContainerNotFound".into()),
                raw_response: None,
            },
            body,
        );
        assert_eq!(describe(&e), "404 ContainerNotFound The specified container does not exist.");
    }
}
