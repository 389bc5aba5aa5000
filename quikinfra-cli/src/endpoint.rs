//! A definition's own endpoint for a family (`Environment::provider_endpoint`: LocalStack on
//! a developer's machine): the plugin's provider built against it, behind a check that it
//! answers at all, so a stopped emulator gives one clear line saying how to start it instead
//! of every call retrying a refused connection.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, Provider, ProviderError, ReadRequest,
    UpdateRequest,
};
use quikinfra_core::value::Attrs;
use tokio::sync::OnceCell;

/// How long connecting to the endpoint may take before it counts as not answering.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// A provider whose endpoint is checked once, before its first call.
pub struct Reachable {
    inner: std::sync::Arc<dyn Provider>,
    family: String,
    url: String,
    hint: String,
    answered: OnceCell<Result<(), String>>,
}

impl Reachable {
    /// `inner`, serving `family` at `url`; `hint` says how to start it.
    pub fn new(inner: std::sync::Arc<dyn Provider>, family: &str, url: &str, hint: &str) -> Self {
        Self {
            inner,
            family: family.to_string(),
            url: url.to_string(),
            hint: hint.to_string(),
            answered: OnceCell::new(),
        }
    }

    /// `host:port` of the endpoint URL.
    fn authority(&self) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("http", self.url.as_str()));
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:{}", if scheme == "https" { 443 } else { 80 })
        }
    }

    async fn check(&self) -> Result<(), ProviderError> {
        let answered = self
            .answered
            .get_or_init(|| async {
                let connect = tokio::net::TcpStream::connect(self.authority());
                match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())),
                }
            })
            .await;
        answered.clone().map_err(|why| {
            ProviderError::permanent(format!(
                "the {} endpoint {} does not answer ({why}): {}",
                self.family, self.url, self.hint
            ))
        })
    }
}

#[async_trait]
impl Provider for Reachable {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        self.check().await?;
        self.inner.read(req).await
    }

    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        self.check().await?;
        self.inner.create(req).await
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        self.check().await?;
        self.inner.update(req).await
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        self.check().await?;
        self.inner.delete(req).await
    }

    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        self.check().await?;
        self.inner.find(req).await
    }

    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        self.check().await?;
        self.inner.discover(req).await
    }

    fn api_calls(&self) -> BTreeMap<String, u64> {
        self.inner.api_calls()
    }

    fn retries(&self) -> u64 {
        self.inner.retries()
    }
}
