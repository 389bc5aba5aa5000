//! `azure_managed_redis` ↔ `Microsoft.Cache/redisEnterprise` (2025-07-01) and its `default`
//! database, managed as one resource.
//!
//! Create PUTs the cluster, waits, then PUTs the database (TLS, port 10000, the definition's
//! clustering policy). Updates PATCH the cluster (SKU, high availability, tags); the clustering
//! policy forces a new cache. Deleting the cluster deletes its database (`Location` polling).

use async_trait::async_trait;
use quikinfra_core::provider::ProviderError;
use serde_json::{Value as Json, json};

use super::{ArmType, Ctx, common, fail};
use crate::ManagedRedis;
use crate::arm::{ArmError, Condition, api};

const DATABASE: &str = "default";

fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
    Ok(format!(
        "{}/providers/Microsoft.Cache/redisEnterprise/{}",
        ctx.group_path(ManagedRedis::RESOURCE_GROUP.require_str(config)?),
        ManagedRedis::NAME.require_str(config)?
    ))
}

fn high_availability(config: &Json) -> &'static str {
    if ManagedRedis::HIGH_AVAILABILITY.json(config).and_then(Json::as_bool).unwrap_or(false) {
        "Enabled"
    } else {
        "Disabled"
    }
}

/// The PUT body of a new cluster.
pub(crate) fn cluster_body(config: &Json) -> Json {
    json!({
        "location": ManagedRedis::LOCATION.json(config),
        "sku": {"name": ManagedRedis::SKU.json(config)},
        "tags": ManagedRedis::TAGS.json(config).cloned().unwrap_or(json!({})),
        "properties": {
            "highAvailability": high_availability(config),
            "minimumTlsVersion": "1.2",
            "publicNetworkAccess": "Enabled",
        },
    })
}

/// The PUT body of the database.
pub(crate) fn database_body(config: &Json) -> Json {
    json!({"properties": {
        "clientProtocol": "Encrypted",
        "port": 10000,
        "clusteringPolicy": ManagedRedis::CLUSTERING_POLICY.json(config),
        "evictionPolicy": "VolatileLRU",
    }})
}

/// The attributes of a cluster's and its database's bodies.
pub(crate) fn attrs(cluster: &Json, database: Option<&Json>, id: &str) -> Json {
    let mut out = common(cluster, id);
    if let Some(sku) = cluster.pointer("/sku/name") {
        out.insert(ManagedRedis::SKU.name().into(), sku.clone());
    }
    if let Some(ha) = cluster.pointer("/properties/highAvailability").and_then(Json::as_str) {
        out.insert(ManagedRedis::HIGH_AVAILABILITY.name().into(), (ha == "Enabled").into());
    }
    if let Some(host) = cluster.pointer("/properties/hostName") {
        out.insert(ManagedRedis::HOST_NAME.name().into(), host.clone());
    }
    if let Some(policy) = database.and_then(|d| d.pointer("/properties/clusteringPolicy")) {
        out.insert(ManagedRedis::CLUSTERING_POLICY.name().into(), policy.clone());
    }
    Json::Object(out)
}

async fn read_both(ctx: &Ctx<'_>, id: &str) -> Result<Option<Json>, ArmError> {
    let Some(cluster) = ctx.client.get(id, api::REDIS_ENTERPRISE).await? else { return Ok(None) };
    let database = ctx.client.get(&format!("{id}/databases/{DATABASE}"), api::REDIS_ENTERPRISE).await?;
    Ok(Some(attrs(&cluster.body, database.as_ref().map(|d| &d.body), id)))
}

#[async_trait]
impl ArmType for ManagedRedis {
    const API: &'static str = api::REDIS_ENTERPRISE;
    const COLLECTION: Option<&'static str> = Some("Microsoft.Cache/redisEnterprise");

    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
        path(ctx, config)
    }

    async fn read(ctx: &Ctx<'_>, id: &str, _prior: &Json) -> Result<Option<Json>, ArmError> {
        read_both(ctx, id).await
    }

    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
        let path = path(ctx, config)?;
        let cluster =
            super::put_resuming(ctx.client, &path, api::REDIS_ENTERPRISE, &cluster_body(config)).await.map_err(fail)?;
        let id = super::id_of(&cluster.body, &path);
        let database = super::put_resuming(
            ctx.client,
            &format!("{id}/databases/{DATABASE}"),
            api::REDIS_ENTERPRISE,
            &database_body(config),
        )
        .await
        .map_err(fail)?;
        Ok(attrs(&cluster.body, Some(&database.body), &id))
    }

    async fn update(
        ctx: &Ctx<'_>,
        id: &str,
        config: &Json,
        _prior: &Json,
        _changed: &[String],
    ) -> Result<Json, ProviderError> {
        let body = json!({
            "sku": {"name": ManagedRedis::SKU.json(config)},
            "tags": ManagedRedis::TAGS.json(config).cloned().unwrap_or(json!({})),
            "properties": {"highAvailability": high_availability(config)},
        });
        ctx.client.patch(id, api::REDIS_ENTERPRISE, &body, &Condition::None).await.map_err(fail)?;
        read_both(ctx, id)
            .await
            .map_err(fail)?
            .ok_or_else(|| ProviderError::not_found(format!("the cache {id} no longer exists")))
    }
}
