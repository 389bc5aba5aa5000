//! The `azure` provider: the engine's [`Provider`] for the Azure resource types, over ARM.
//!
//! Each type's module maps the spec's attributes (what the typed spec serializes, the names in
//! its schema) to ARM request bodies and ARM response bodies back to attributes, in the same
//! shapes, so an apply followed by a plan shows "No changes":
//!
//! - what ARM adds (defaults, computed and unknown properties) is dropped, except the
//!   attributes the schema lists as computed or watched;
//! - regions come back in their short form (`Southeast Asia` → `southeastasia`);
//! - optional nested attributes (AKS's `network_profile`) keep only the keys the definition
//!   manages: those of the config on create and update, those of the prior state on read;
//! - lists keep the definition's order (Event Hubs topics);
//! - write-only values (the MySQL administrator password) are sent, never read back: the
//!   engine keeps their fingerprints.
//!
//! Resource ids are ARM ids. The subscription is a resource's `subscription_id` attribute when
//! it has one, else [`AzureSettings::subscription_id`](crate::arm::credential::AzureSettings)
//! (`AZURE_SUBSCRIPTION_ID`).
//!
//! Errors: the ARM client has already retried throttling and 5xx (see [`crate::arm`]), so
//! failures reach the engine as permanent (404 as not found, 409 and 412 as conflicts), each
//! message carrying ARM's code, message and target.

mod aks;
mod eventhubs;
mod mysql;
mod redis;
mod resource_group;
#[cfg(test)]
mod tests;
mod traffic_manager;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, ErrorKind, Provider, ProviderError, ReadRequest, UpdateRequest,
};
use quikinfra_core::value::{Attrs, Value};
use serde_json::{Map, Value as Json};

use crate::arm::credential::{AzureSettings, ChainCredential, SettingError};
use crate::arm::{ArmClient, ArmConfig, ArmError};

/// The provider family name the Azure types declare in their schemas.
pub const FAMILY: &str = "azure";

/// The Azure provider.
#[derive(Debug)]
pub struct AzureProvider {
    client: ArmClient,
    subscription: Option<String>,
}

/// Why the provider could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// An environment setting is unusable.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The ARM client refused its configuration.
    #[error(transparent)]
    Client(#[from] ArmError),
}

impl AzureProvider {
    /// A provider over `client`, using `subscription` when a definition names none.
    pub fn new(client: ArmClient, subscription: Option<String>) -> Self {
        Self { client, subscription }
    }

    /// A provider configured from environment variables read through `env` (see
    /// [`crate::arm::credential`] for the variables and the credential chain).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, SetupError> {
        let settings = AzureSettings::from_env(env)?;
        let credential = Arc::new(ChainCredential::from_env(env, &settings)?);
        let client = ArmClient::new(credential, ArmConfig::for_endpoint(settings.endpoint.clone()))?;
        Ok(Self::new(client, settings.subscription_id))
    }

    /// A provider configured from the process environment.
    pub fn from_process_env() -> Result<Self, SetupError> {
        Self::from_env(&|name| std::env::var(name).ok())
    }

    /// The ARM client (for call counts).
    pub fn client(&self) -> &ArmClient {
        &self.client
    }

    fn ctx<'a>(&'a self, config: &'a Json) -> Result<Ctx<'a>, ProviderError> {
        let subscription = config
            .get("subscription_id")
            .and_then(Json::as_str)
            .map(str::to_string)
            .or_else(|| self.subscription.clone())
            .ok_or_else(|| {
                ProviderError::permanent(
                    "no Azure subscription: set AZURE_SUBSCRIPTION_ID or name the subscription in the definition",
                )
            })?;
        Ok(Ctx { client: &self.client, subscription })
    }
}

/// What a type's functions need: the client and the subscription.
pub(crate) struct Ctx<'a> {
    pub client: &'a ArmClient,
    pub subscription: String,
}

impl Ctx<'_> {
    /// `/subscriptions/<sub>/resourceGroups/<group>`.
    pub fn group_path(&self, group: &str) -> String {
        format!("/subscriptions/{}/resourceGroups/{group}", self.subscription)
    }
}

/// A client error as the engine sees it.
pub(crate) fn fail(e: ArmError) -> ProviderError {
    let kind = match e.status() {
        Some(404) => ErrorKind::NotFound,
        Some(409 | 412) => ErrorKind::Conflict,
        _ => ErrorKind::Permanent,
    };
    ProviderError { kind, message: e.to_string() }
}

/// Attributes as plain JSON (the config's values are all known by apply time).
pub(crate) fn to_json(attrs: &Attrs) -> Json {
    serde_json::to_value(attrs).unwrap_or(Json::Null)
}

/// Plain JSON as attributes.
pub(crate) fn to_attrs(json: Json) -> Attrs {
    match Value::from_json(json) {
        Ok(Value::Map(map)) => map,
        _ => Attrs::new(),
    }
}

/// A string attribute of the config, or an error naming it.
pub(crate) fn required<'a>(config: &'a Json, name: &str) -> Result<&'a str, ProviderError> {
    config
        .get(name)
        .and_then(Json::as_str)
        .ok_or_else(|| ProviderError::permanent(format!("attribute `{name}` is required")))
}

/// `Southeast Asia` → `southeastasia`: the short form specs use.
pub(crate) fn short_region(location: &str) -> String {
    location.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase()
}

/// The resource group named in an ARM id.
pub(crate) fn group_of(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.split('/').collect();
    segs.iter()
        .position(|s| s.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| segs.get(i + 1))
        .map(|s| s.to_string())
}

/// The subscription named in an ARM id.
pub(crate) fn subscription_of(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.split('/').collect();
    segs.iter()
        .position(|s| s.eq_ignore_ascii_case("subscriptions"))
        .and_then(|i| segs.get(i + 1))
        .map(|s| s.to_string())
}

/// The tags of a body, `{}` when absent.
pub(crate) fn tags_of(body: &Json) -> Json {
    match body.get("tags") {
        Some(Json::Object(map)) => Json::Object(map.clone()),
        _ => Json::Object(Map::new()),
    }
}

/// The attributes every Azure type shares, read from an ARM body.
pub(crate) fn common(body: &Json, id: &str) -> Map<String, Json> {
    let mut out = Map::new();
    out.insert("id".into(), id.into());
    if let Some(name) = body.get("name").and_then(Json::as_str) {
        out.insert("name".into(), name.rsplit('/').next().unwrap_or(name).into());
    }
    if let Some(location) = body.get("location").and_then(Json::as_str) {
        out.insert("location".into(), short_region(location).into());
    }
    if let Some(group) = group_of(id) {
        out.insert("resource_group".into(), group.into());
    }
    if let Some(subscription) = subscription_of(id) {
        out.insert("subscription_id".into(), subscription.into());
    }
    out.insert("tags".into(), tags_of(body));
    out
}

/// The resource's ARM id from a body, else `fallback`.
pub(crate) fn id_of(body: &Json, fallback: &str) -> String {
    body.get("id").and_then(Json::as_str).unwrap_or(fallback).to_string()
}

#[async_trait]
impl Provider for AzureProvider {
    fn name(&self) -> &str {
        FAMILY
    }

    fn api_calls(&self) -> BTreeMap<String, u64> {
        let stats = self.client.stats();
        BTreeMap::from([("arm:polls".to_string(), stats.polls), ("arm:requests".to_string(), stats.requests)])
    }

    fn retries(&self) -> u64 {
        self.client.stats().retries
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let subscription = subscription_of(req.id).or_else(|| self.subscription.clone()).unwrap_or_default();
        let ctx = Ctx { client: &self.client, subscription };
        let prior = to_json(req.prior);
        let read = match req.address.type_name() {
            "azure_resource_group" => resource_group::read(&ctx, req.id).await,
            "azure_aks_cluster" => aks::read(&ctx, req.id, &prior).await,
            "azure_mysql_flexible_server" => mysql::read(&ctx, req.id).await,
            "azure_managed_redis" => redis::read(&ctx, req.id).await,
            "azure_eventhub_namespace" => eventhubs::read(&ctx, req.id, &prior).await,
            "azure_traffic_manager_profile" => traffic_manager::read(&ctx, req.id, &prior).await,
            other => return Err(unknown(other)),
        };
        Ok(read.map_err(fail)?.map(to_attrs))
    }

    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let config = to_json(req.config);
        let ctx = self.ctx(&config)?;
        let attrs = match req.address.type_name() {
            "azure_resource_group" => resource_group::create(&ctx, &config).await,
            "azure_aks_cluster" => aks::create(&ctx, &config).await,
            "azure_mysql_flexible_server" => mysql::create(&ctx, &config).await,
            "azure_managed_redis" => redis::create(&ctx, &config).await,
            "azure_eventhub_namespace" => eventhubs::create(&ctx, &config).await,
            "azure_traffic_manager_profile" => traffic_manager::create(&ctx, &config).await,
            other => return Err(unknown(other)),
        }?;
        let id = attrs.get("id").and_then(Json::as_str).unwrap_or_default().to_string();
        Ok(Created { id, attrs: to_attrs(attrs) })
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let config = to_json(req.config);
        let prior = to_json(req.prior);
        let ctx = self.ctx(&config)?;
        let attrs = match req.address.type_name() {
            "azure_resource_group" => resource_group::update(&ctx, req.id, &config).await,
            "azure_aks_cluster" => aks::update(&ctx, req.id, &config).await,
            "azure_mysql_flexible_server" => mysql::update(&ctx, req.id, &config, &prior, req.changed).await,
            "azure_managed_redis" => redis::update(&ctx, req.id, &config).await,
            "azure_eventhub_namespace" => eventhubs::update(&ctx, req.id, &config).await,
            "azure_traffic_manager_profile" => traffic_manager::update(&ctx, req.id, &config).await,
            other => return Err(unknown(other)),
        }?;
        Ok(to_attrs(attrs))
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let subscription = subscription_of(req.id).or_else(|| self.subscription.clone()).unwrap_or_default();
        let ctx = Ctx { client: &self.client, subscription };
        let api = match req.address.type_name() {
            "azure_resource_group" => crate::arm::api::RESOURCE_GROUPS,
            "azure_aks_cluster" => crate::arm::api::MANAGED_CLUSTERS,
            "azure_mysql_flexible_server" => crate::arm::api::MYSQL_FLEXIBLE_SERVERS,
            "azure_managed_redis" => crate::arm::api::REDIS_ENTERPRISE,
            "azure_eventhub_namespace" => crate::arm::api::EVENT_HUBS,
            "azure_traffic_manager_profile" => crate::arm::api::TRAFFIC_MANAGER,
            other => return Err(unknown(other)),
        };
        ctx.client.delete(req.id, api, &crate::arm::Condition::None).await.map_err(fail)
    }
}

/// Every resource type this provider serves: what the `azure` plugin declares.
pub const SERVED: &[&str] = &[
    "azure_resource_group",
    "azure_aks_cluster",
    "azure_mysql_flexible_server",
    "azure_managed_redis",
    "azure_eventhub_namespace",
    "azure_traffic_manager_profile",
];

fn unknown(type_name: &str) -> ProviderError {
    ProviderError::permanent(format!("the azure provider does not serve `{type_name}`"))
}

/// PUT and wait; when another operation still runs on the resource (409, e.g. one an
/// interrupted apply left behind), wait for it to settle and PUT again.
pub(crate) async fn put_resuming(
    client: &ArmClient,
    path: &str,
    api_version: &str,
    body: &Json,
) -> Result<crate::arm::Fetched, ArmError> {
    let none = crate::arm::Condition::None;
    match client.put(path, api_version, body, &none).await {
        Err(e) if e.status() == Some(409) => {
            client.settle(path, api_version).await?;
            client.put(path, api_version, body, &none).await
        }
        other => other,
    }
}
