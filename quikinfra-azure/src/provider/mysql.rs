//! `azure_mysql_flexible_server` ↔ `Microsoft.DBforMySQL/flexibleServers` (2024-12-30).
//!
//! Create is a PUT (answered 202 with an empty body, then polled); updates are PATCHes of the
//! managed properties. The administrator password is sent on create, and on update only when
//! the secret changed; ARM never returns it, and neither does [`attrs`]. Storage only grows:
//! a smaller size is refused before any call.

use async_trait::async_trait;
use quikinfra_core::provider::ProviderError;
use serde_json::{Map, Value as Json, json};

use super::{ArmType, Ctx, common, fail};
use crate::MySqlFlexibleServer;
use crate::arm::{ArmError, Condition, api};

fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
    Ok(format!(
        "{}/providers/Microsoft.DBforMySQL/flexibleServers/{}",
        ctx.group_path(MySqlFlexibleServer::RESOURCE_GROUP.require_str(config)?),
        MySqlFlexibleServer::NAME.require_str(config)?
    ))
}

fn sku(config: &Json) -> Json {
    json!({"name": MySqlFlexibleServer::SKU_NAME.json(config), "tier": MySqlFlexibleServer::SKU_TIER.json(config)})
}

/// The PUT body of a new server.
pub(crate) fn create_body(config: &Json) -> Json {
    json!({
        "location": MySqlFlexibleServer::LOCATION.json(config),
        "sku": sku(config),
        "tags": MySqlFlexibleServer::TAGS.json(config).cloned().unwrap_or(json!({})),
        "properties": {
            "createMode": "Default",
            "administratorLogin": MySqlFlexibleServer::ADMINISTRATOR_LOGIN.json(config),
            "administratorLoginPassword": MySqlFlexibleServer::ADMINISTRATOR_PASSWORD.json(config),
            "version": MySqlFlexibleServer::VERSION.json(config),
            "storage": {"storageSizeGB": MySqlFlexibleServer::STORAGE_GB.json(config)},
            "highAvailability": {"mode": MySqlFlexibleServer::HIGH_AVAILABILITY.json(config)},
            "backup": {"backupRetentionDays": MySqlFlexibleServer::BACKUP_RETENTION_DAYS.json(config)},
        },
    })
}

/// The attributes of a server's body (never the password).
pub(crate) fn attrs(body: &Json, id: &str) -> Json {
    let mut out = common(body, id);
    let fields = [
        (MySqlFlexibleServer::VERSION.name(), "/properties/version"),
        (MySqlFlexibleServer::SKU_TIER.name(), "/sku/tier"),
        (MySqlFlexibleServer::SKU_NAME.name(), "/sku/name"),
        (MySqlFlexibleServer::STORAGE_GB.name(), "/properties/storage/storageSizeGB"),
        (MySqlFlexibleServer::HIGH_AVAILABILITY.name(), "/properties/highAvailability/mode"),
        (MySqlFlexibleServer::BACKUP_RETENTION_DAYS.name(), "/properties/backup/backupRetentionDays"),
        (MySqlFlexibleServer::ADMINISTRATOR_LOGIN.name(), "/properties/administratorLogin"),
        (MySqlFlexibleServer::FQDN.name(), "/properties/fullyQualifiedDomainName"),
    ];
    for (attr, pointer) in fields {
        if let Some(v) = body.pointer(pointer).filter(|v| !v.is_null()) {
            out.insert(attr.into(), v.clone());
        }
    }
    Json::Object(out)
}

#[async_trait]
impl ArmType for MySqlFlexibleServer {
    const API: &'static str = api::MYSQL_FLEXIBLE_SERVERS;
    const COLLECTION: Option<&'static str> = Some("Microsoft.DBforMySQL/flexibleServers");

    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
        path(ctx, config)
    }

    async fn read(ctx: &Ctx<'_>, id: &str, _prior: &Json) -> Result<Option<Json>, ArmError> {
        Ok(ctx.client.get(id, api::MYSQL_FLEXIBLE_SERVERS).await?.map(|f| attrs(&f.body, id)))
    }

    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
        let path = path(ctx, config)?;
        let fetched = super::put_resuming(ctx.client, &path, api::MYSQL_FLEXIBLE_SERVERS, &create_body(config))
            .await
            .map_err(fail)?;
        Ok(attrs(&fetched.body, &super::id_of(&fetched.body, &path)))
    }

    async fn update(
        ctx: &Ctx<'_>,
        id: &str,
        config: &Json,
        prior: &Json,
        changed: &[String],
    ) -> Result<Json, ProviderError> {
        // Storage is checked against what is live, which may have grown since the last apply.
        let live = ctx.client.get(id, api::MYSQL_FLEXIBLE_SERVERS).await.map_err(fail)?.map(|f| attrs(&f.body, id));
        let body = update_body(config, live.as_ref().unwrap_or(prior), changed)?;
        let fetched = ctx.client.patch(id, api::MYSQL_FLEXIBLE_SERVERS, &body, &Condition::None).await.map_err(fail)?;
        Ok(attrs(&fetched.body, id))
    }
}

/// The PATCH body for an update: every managed property, the password only when it changed.
pub(crate) fn update_body(config: &Json, prior: &Json, changed: &[String]) -> Result<Json, ProviderError> {
    if let (Some(now), Some(asked)) = (
        MySqlFlexibleServer::STORAGE_GB.json(prior).and_then(Json::as_u64),
        MySqlFlexibleServer::STORAGE_GB.json(config).and_then(Json::as_u64),
    ) && asked < now
    {
        return Err(ProviderError::permanent(format!(
            "storage_gb: flexible server storage only grows; the server has {now} GB, {asked} GB was asked"
        )));
    }
    let mut props = Map::new();
    props.insert("version".into(), MySqlFlexibleServer::VERSION.json(config).cloned().unwrap_or(Json::Null));
    props.insert("storage".into(), json!({"storageSizeGB": MySqlFlexibleServer::STORAGE_GB.json(config)}));
    props.insert("highAvailability".into(), json!({"mode": MySqlFlexibleServer::HIGH_AVAILABILITY.json(config)}));
    props.insert(
        "backup".into(),
        json!({"backupRetentionDays": MySqlFlexibleServer::BACKUP_RETENTION_DAYS.json(config)}),
    );
    if changed.iter().any(|c| c == MySqlFlexibleServer::ADMINISTRATOR_PASSWORD.name())
        && let Some(password) = MySqlFlexibleServer::ADMINISTRATOR_PASSWORD.json(config)
    {
        props.insert("administratorLoginPassword".into(), password.clone());
    }
    props.retain(|_, v| !v.is_null());
    Ok(
        json!({"sku": sku(config), "tags": MySqlFlexibleServer::TAGS.json(config).unwrap_or(&json!({})), "properties": props}),
    )
}
