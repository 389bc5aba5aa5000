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
//! - lists keep the definition's order (Event Hubs topics, Traffic Manager endpoints);
//! - write-only values (the MySQL administrator password) are sent, never read back: the
//!   engine keeps their fingerprints.
//!
//! Each type implements [`ArmType`] in its module (`impl ArmType for AksCluster`): its API
//! version and the three calls that differ between types; the provider reaches them through one
//! [`Served`] table keyed by the type, which is also what the `azure` plugin declares
//! ([`served`]). Serving another type is its module and one line in that table.
//!
//! A create first `GET`s the id its config gives the resource ([`ArmType::path`]): ARM's `PUT`
//! is create-or-update, so a resource already there (another environment's, or one made
//! outside) is a conflict naming the `import` that would track it, never taken over. `find`
//! (crash recovery, the look-up after a failed create) reads that id, and a resource whose
//! ownership tags name another environment is not found. A `PUT` whose reply is lost is sent
//! again by the ARM client (below), which updates what the first one made: one resource.
//!
//! Resource ids are ARM ids. The subscription is a resource's `subscription_id` attribute when
//! it has one, else [`AzureSettings::subscription_id`](crate::arm::credential::AzureSettings)
//! (`AZURE_SUBSCRIPTION_ID`).
//!
//! Errors: the ARM client has already retried throttling and 5xx (see [`crate::arm`]), so
//! failures reach the engine as permanent (404 as not found, 409 and 412 as conflicts), each
//! message carrying ARM's code, message and target.
//!
//! For `-v`, the provider reports the ARM client's requests and polls as its API calls and the
//! requests the client sent again as its retries (through [`Dispatch`], so the engine shows
//! them apart from its own).

mod aks;
mod eventhubs;
mod mysql;
mod public_ip;
mod redis;
mod resource_group;
#[cfg(test)]
mod tests;
mod traffic_manager;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, Dispatch, ErrorKind, ProviderError,
    ReadRequest, Served, Serves, UpdateRequest, attempts, foreign_owner,
};
use quikinfra_core::resource::Resource;
use quikinfra_core::value::{Attrs, Value};
use serde_json::{Map, Value as Json};

use crate::arm::credential::{AzureSettings, ChainCredential, SettingError};
use crate::arm::{ArmClient, ArmConfig, ArmError};
use crate::{
    AksCluster, KafkaNamespace, ManagedRedis, MySqlFlexibleServer, PublicIp, ResourceGroup, TrafficManagerProfile,
};

/// The provider family name the Azure types declare in their schemas.
pub const FAMILY: &str = "azure";

/// Every resource type this provider serves, each through its [`ArmType`] impl: calls are
/// dispatched through it, and the `azure` plugin declares its types ([`served`]).
static TYPES: LazyLock<Served<AzureProvider>> = LazyLock::new(|| {
    Served::new(FAMILY)
        .with::<ResourceGroup>()
        .with::<AksCluster>()
        .with::<MySqlFlexibleServer>()
        .with::<ManagedRedis>()
        .with::<KafkaNamespace>()
        .with::<TrafficManagerProfile>()
        .with::<PublicIp>()
});

/// Every resource type this provider serves: what the `azure` plugin declares.
pub fn served() -> &'static [&'static str] {
    TYPES.types()
}

/// The attributes Azure types share, read from any ARM body by [`common`] (the types' own
/// attributes go through their typed keys; a test checks each served type has the first three).
mod shared {
    pub(super) const ID: &str = "id";
    pub(super) const NAME: &str = "name";
    pub(super) const TAGS: &str = "tags";
    pub(super) const LOCATION: &str = "location";
    pub(super) const RESOURCE_GROUP: &str = "resource_group";
    pub(super) const SUBSCRIPTION_ID: &str = "subscription_id";
}

/// One Azure resource type over ARM: its API version and how its attributes map to ARM bodies
/// and back (as plain JSON, every value known by apply time). Deletes are the same for every
/// type (a `DELETE` of the id, polled), so only reads, creates and updates are the type's.
#[async_trait]
pub trait ArmType: Resource {
    /// The API version of the type's ARM resource provider.
    const API: &'static str;

    /// The type's collection under a resource group (`Microsoft.ContainerService/managedClusters`),
    /// for a type whose objects can be discovered; `None`: it cannot be.
    const COLLECTION: Option<&'static str> = None;

    /// Whether the type is the resource group itself: discovery in a group finds that group
    /// (there is no collection to list under it).
    const IS_THE_GROUP: bool = false;

    /// The ARM id the config gives the resource (what a create PUTs to).
    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError>;

    /// Reads the resource `id`; `prior` is what state recorded (optional nested attributes keep
    /// its keys). `None` when it is gone.
    async fn read(ctx: &Ctx<'_>, id: &str, prior: &Json) -> Result<Option<Json>, ArmError>;

    /// Creates the resource the config describes, returning its attributes.
    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError>;

    /// Updates the resource `id` to the config, returning its attributes.
    async fn update(
        ctx: &Ctx<'_>,
        id: &str,
        config: &Json,
        prior: &Json,
        changed: &[String],
    ) -> Result<Json, ProviderError>;
}

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
            .get(shared::SUBSCRIPTION_ID)
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

    /// The context of a call on the resource `id`: the subscription it names.
    fn ctx_of(&self, id: &str) -> Ctx<'_> {
        let subscription = subscription_of(id).or_else(|| self.subscription.clone()).unwrap_or_default();
        Ctx { client: &self.client, subscription }
    }
}

/// What a type's calls need: the client and the subscription.
pub struct Ctx<'a> {
    /// The ARM client.
    pub client: &'a ArmClient,
    /// The subscription the resource is in.
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
    out.insert(shared::ID.into(), id.into());
    if let Some(name) = body.get("name").and_then(Json::as_str) {
        out.insert(shared::NAME.into(), name.rsplit('/').next().unwrap_or(name).into());
    }
    if let Some(location) = body.get("location").and_then(Json::as_str) {
        out.insert(shared::LOCATION.into(), short_region(location).into());
    }
    if let Some(group) = group_of(id) {
        out.insert(shared::RESOURCE_GROUP.into(), group.into());
    }
    if let Some(subscription) = subscription_of(id) {
        out.insert(shared::SUBSCRIPTION_ID.into(), subscription.into());
    }
    out.insert(shared::TAGS.into(), tags_of(body));
    out
}

/// The resource's ARM id from a body, else `fallback`.
pub(crate) fn id_of(body: &Json, fallback: &str) -> String {
    body.get("id").and_then(Json::as_str).unwrap_or(fallback).to_string()
}

#[async_trait]
impl<R: ArmType> Serves<R> for AzureProvider {
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let read = R::read(&self.ctx_of(req.id), req.id, &to_json(req.prior)).await;
        Ok(read.map_err(fail)?.map(to_attrs))
    }

    /// A `GET` of the resource's id first: ARM's `PUT` is create-or-update, so one already there
    /// would be taken over silently; it is a conflict instead (see [`attempts`]).
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let config = to_json(req.config);
        let ctx = self.ctx(&config)?;
        if !req.is_retry() {
            let path = R::path(&ctx, &config)?;
            if ctx.client.get(&path, R::API).await.map_err(fail)?.is_some() {
                return Err(attempts::conflict(&req, &format!("the Azure resource `{path}`"), &path));
            }
        }
        let attrs = R::create(&ctx, &config).await?;
        let id = attrs.get(shared::ID).and_then(Json::as_str).unwrap_or_default().to_string();
        Ok(Created { id, attrs: to_attrs(attrs) })
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let (config, prior) = (to_json(req.config), to_json(req.prior));
        let attrs = R::update(&self.ctx(&config)?, req.id, &config, &prior, req.changed).await?;
        Ok(to_attrs(attrs))
    }

    /// A read of the id the config gives the resource; one tagged for another environment is
    /// not found.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let config = to_json(req.config);
        let ctx = self.ctx(&config)?;
        let path = R::path(&ctx, &config)?;
        let Some(found) = R::read(&ctx, &path, &config).await.map_err(fail)? else { return Ok(None) };
        let attrs = to_attrs(found);
        if foreign_owner(req.config, &attrs).is_some() {
            return Ok(None);
        }
        let id = attrs.get(shared::ID).and_then(Value::as_str).unwrap_or(&path).to_string();
        Ok(Some(Created { id, attrs }))
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let ctx = self.ctx_of(req.id);
        ctx.client.delete(req.id, R::API, &crate::arm::Condition::None).await.map_err(fail)
    }

    /// One list of the type's collection, in the resource group or the whole subscription
    /// (every page), filtered by tags here; sorted by id.
    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        let ctx = self.ctx(&Json::Null)?;
        if R::IS_THE_GROUP {
            return discover_group(&ctx, &req).await;
        }
        let Some(collection) = R::COLLECTION else {
            return Err(quikinfra_core::provider::cannot_discover(FAMILY, req.type_name));
        };
        let scope = match req.resource_group {
            Some(group) => ctx.group_path(group),
            None => format!("/subscriptions/{}", ctx.subscription),
        };
        let bodies = ctx.client.list(&format!("{scope}/providers/{collection}"), R::API).await.map_err(fail)?;
        let mut found: Vec<Discovered> = bodies
            .iter()
            .filter(|body| {
                let tags = tags_of(body);
                req.tags.iter().all(|(k, v)| tags.get(k).and_then(Json::as_str) == Some(v))
            })
            .filter_map(|body| {
                let id = body.get("id").and_then(Json::as_str)?;
                let name = body.get("name").and_then(Json::as_str).unwrap_or(id);
                Some(Discovered { id: id.to_string(), name: name.to_string() })
            })
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }
}

impl Dispatch for AzureProvider {
    fn table() -> &'static Served<Self> {
        &TYPES
    }

    /// The ARM client's requests and polls.
    fn api_call_counts(&self) -> BTreeMap<String, u64> {
        let stats = self.client.stats();
        BTreeMap::from([("arm:polls".to_string(), stats.polls), ("arm:requests".to_string(), stats.requests)])
    }

    /// The requests the ARM client sent again (429, 5xx, connection failures).
    fn client_retries(&self) -> u64 {
        self.client.stats().retries
    }
}

/// The group `--resource-group` names, when it exists and carries the tags asked for. Groups
/// are found by name only: listing every group of a subscription is not supported.
async fn discover_group(ctx: &Ctx<'_>, req: &DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
    let Some(group) = req.resource_group else {
        return Err(ProviderError::permanent(format!(
            "`{}` objects are discovered by name: pass --resource-group NAME",
            req.type_name
        )));
    };
    let id = ctx.group_path(group);
    let Some(fetched) = ctx.client.get(&id, crate::arm::api::RESOURCE_GROUPS).await.map_err(fail)? else {
        return Ok(Vec::new());
    };
    let tags = tags_of(&fetched.body);
    if !req.tags.iter().all(|(k, v)| tags.get(k).and_then(Json::as_str) == Some(v)) {
        return Ok(Vec::new());
    }
    Ok(vec![Discovered { id, name: group.to_string() }])
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
