//! The provider boundary: every provider call passes here, and only here.
//!
//! [`Providers`] routes a call to the provider serving the resource's family, holds a
//! per-provider concurrency limit, retries transient failures with exponential backoff and
//! full jitter, and counts calls per provider and operation.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, ErrorKind, Provider, ProviderError,
    ReadRequest, UpdateRequest, attempts,
};
use crate::value::Attrs;

/// How transient failures are retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it.
    pub base_delay: Duration,
    /// No backoff is longer than this.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 8, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(20) }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (1-based): full jitter over an exponential cap.
    fn delay(&self, attempt: u32) -> Duration {
        let cap = self.base_delay.saturating_mul(1u32 << attempt.min(16)).min(self.max_delay);
        let nanos = cap.as_nanos().min(u128::from(u64::MAX)) as u64;
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// The four operations, for call counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    /// A read.
    Read,
    /// A create.
    Create,
    /// An update.
    Update,
    /// A delete.
    Delete,
}

const OPS: [Op; 4] = [Op::Read, Op::Create, Op::Update, Op::Delete];

#[derive(Default)]
struct Counters {
    calls: [AtomicU64; 4],
    retries: AtomicU64,
}

struct Route {
    provider: Arc<dyn Provider>,
    /// The resource types it serves, when it declares them (plugins do); `None`: its family's.
    types: Option<&'static [&'static str]>,
    limit: Arc<Semaphore>,
    counters: Arc<Counters>,
}

/// Calls made through the boundary, per provider.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Provider name → operation → calls (retries included).
    pub calls: BTreeMap<String, BTreeMap<String, u64>>,
    /// Provider name → whole operations retried by the boundary after a transient failure.
    pub retries: BTreeMap<String, u64>,
    /// Provider name → requests its own client retried (429, 5xx, connection failures).
    pub provider_retries: BTreeMap<String, u64>,
    /// Provider name → cloud API call → count, for providers that count them.
    pub api_calls: BTreeMap<String, BTreeMap<String, u64>>,
}

impl CallStats {
    /// Every call counted, all providers and operations.
    pub fn total(&self) -> u64 {
        self.calls.values().flat_map(|ops| ops.values()).sum()
    }
}

/// The registry of providers and the boundary every call goes through.
pub struct Providers {
    routes: BTreeMap<String, Route>,
    fallback: Option<Route>,
    retry: RetryPolicy,
}

impl Providers {
    /// An empty registry with the default retry policy.
    pub fn new() -> Self {
        Self { routes: BTreeMap::new(), fallback: None, retry: RetryPolicy::default() }
    }

    fn route(provider: Arc<dyn Provider>, concurrency: usize) -> Route {
        Route {
            provider,
            types: None,
            limit: Arc::new(Semaphore::new(concurrency.max(1))),
            counters: Arc::new(Counters::default()),
        }
    }

    /// Serves the resource family `family` (`aws`, `azure`, `local`) with `provider`,
    /// at most `concurrency` calls at once.
    pub fn register(mut self, family: &str, provider: Arc<dyn Provider>, concurrency: usize) -> Self {
        self.routes.insert(family.to_string(), Self::route(provider, concurrency));
        self
    }

    /// Like [`Providers::register`], for a provider that serves exactly `types` of its family
    /// (a plugin's declared list): a definition using another type of the family is refused
    /// before any call ([`Providers::check_serves`]).
    pub fn register_serving(
        mut self,
        family: &str,
        provider: Arc<dyn Provider>,
        types: &'static [&'static str],
        concurrency: usize,
    ) -> Self {
        let mut route = Self::route(provider, concurrency);
        route.types = Some(types);
        self.routes.insert(family.to_string(), route);
        self
    }

    /// Serves every family not registered otherwise with `provider` (the simulator).
    pub fn fallback(mut self, provider: Arc<dyn Provider>, concurrency: usize) -> Self {
        self.fallback = Some(Self::route(provider, concurrency));
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Whether some provider serves `family`.
    pub fn serves(&self, family: &str) -> bool {
        self.routes.contains_key(family) || self.fallback.is_some()
    }

    /// Whether some provider of this run serves resources of type `type_name` in `family`;
    /// `Err` says why not, naming the type and the family.
    pub fn check_serves(&self, family: &str, type_name: &str) -> Result<(), String> {
        match (self.routes.get(family), &self.fallback) {
            (Some(Route { types: Some(types), .. }), _) if !types.contains(&type_name) => Err(format!(
                "the `{family}` provider of this run does not serve `{type_name}` resources (it serves {}); \
                 leave the resource out with --exclude, or target the simulator",
                list(types)
            )),
            (Some(_), _) | (None, Some(_)) => Ok(()),
            (None, None) => Err(format!(
                "no provider of this run serves `{family}` resources such as `{type_name}` (link one, or leave the resource out with --exclude)"
            )),
        }
    }

    /// The name of the provider serving `family`.
    pub fn provider_name(&self, family: &str) -> Option<&str> {
        self.lookup(family).ok().map(|r| r.provider.name())
    }

    fn lookup(&self, family: &str) -> Result<&Route, ProviderError> {
        self.routes
            .get(family)
            .or(self.fallback.as_ref())
            .ok_or_else(|| ProviderError::permanent(format!("no provider serves `{family}` resources")))
    }

    /// Calls counted so far.
    pub fn stats(&self) -> CallStats {
        let mut stats = CallStats::default();
        for route in self.routes.values().chain(self.fallback.as_ref()) {
            let name = route.provider.name().to_string();
            let ops = stats.calls.entry(name.clone()).or_default();
            for (i, op) in OPS.iter().enumerate() {
                let n = route.counters.calls[i].load(Ordering::Relaxed);
                if n > 0 {
                    *ops.entry(format!("{op:?}").to_lowercase()).or_default() += n;
                }
            }
            *stats.retries.entry(name.clone()).or_default() += route.counters.retries.load(Ordering::Relaxed);
            *stats.provider_retries.entry(name.clone()).or_default() += route.provider.retries();
            let api = route.provider.api_calls();
            if !api.is_empty() {
                let entry = stats.api_calls.entry(name).or_default();
                for (call, n) in api {
                    *entry.entry(call).or_default() += n;
                }
            }
        }
        stats.calls.retain(|_, ops| !ops.is_empty());
        stats.retries.retain(|_, n| *n > 0);
        stats.provider_retries.retain(|_, n| *n > 0);
        stats
    }

    /// Calls `f` with the provider and the attempt number (from [`attempts::FIRST`]) until it
    /// succeeds, fails for good or runs out of attempts.
    async fn call<T, F, Fut>(&self, family: &str, op: Op, mut f: F) -> Result<T, ProviderError>
    where
        F: FnMut(Arc<dyn Provider>, u32) -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let route = self.lookup(family)?;
        let mut attempt = attempts::FIRST;
        loop {
            let result = {
                let _permit = route.limit.acquire().await.expect("semaphore never closed");
                route.counters.calls[op as usize].fetch_add(1, Ordering::Relaxed);
                f(route.provider.clone(), attempt).await
            };
            match result {
                Err(e) if e.kind == ErrorKind::Transient && attempt < self.retry.max_attempts => {
                    route.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Reads a live object.
    pub async fn read(&self, family: &str, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        self.call(family, Op::Read, |p, _| async move { p.read(req).await }).await
    }

    /// Creates an object; each retry carries the next attempt number ([`attempts`]).
    pub async fn create(&self, family: &str, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        self.call(family, Op::Create, |p, attempt| async move { p.create(CreateRequest { attempt, ..req }).await })
            .await
    }

    /// Updates an object in place.
    pub async fn update(&self, family: &str, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        self.call(family, Op::Update, |p, _| async move { p.update(req).await }).await
    }

    /// Finds what an interrupted create may have left (counted as a read).
    pub async fn find(&self, family: &str, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        self.call(family, Op::Read, |p, _| async move { p.find(req).await }).await
    }

    /// Lists the objects of a type (counted as a read).
    pub async fn discover(&self, family: &str, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        self.call(family, Op::Read, |p, _| async move { p.discover(req).await }).await
    }

    /// Deletes an object.
    pub async fn delete(&self, family: &str, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        self.call(family, Op::Delete, |p, _| async move { p.delete(req).await }).await
    }
}

/// `a`, `b` and `c`, each in backticks.
pub fn list(types: &[&str]) -> String {
    let quoted: Vec<String> = types.iter().map(|t| format!("`{t}`")).collect();
    match quoted.split_last() {
        None => "no type".to_string(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

impl Default for Providers {
    fn default() -> Self {
        Self::new()
    }
}
