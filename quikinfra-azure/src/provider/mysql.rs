//! `azure_mysql_flexible_server` ↔ `Microsoft.DBforMySQL/flexibleServers` (2024-12-30).
//!
//! Create is a PUT (answered 202 with an empty body, then polled); updates are PATCHes of the
//! managed properties. The administrator password is sent on create, and on update only when
//! the secret changed; ARM never returns it, and neither does [`attrs`]. Storage only grows:
//! a smaller size is refused before any call.

use quikinfra_core::provider::ProviderError;
use serde_json::{Map, Value as Json, json};

use super::{Ctx, common, fail, required};
use crate::arm::{ArmError, Condition, api};

fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
    Ok(format!(
        "{}/providers/Microsoft.DBforMySQL/flexibleServers/{}",
        ctx.group_path(required(config, "resource_group")?),
        required(config, "name")?
    ))
}

fn sku(config: &Json) -> Json {
    json!({"name": config.get("sku_name"), "tier": config.get("sku_tier")})
}

/// The PUT body of a new server.
pub(crate) fn create_body(config: &Json) -> Json {
    json!({
        "location": config.get("location"),
        "sku": sku(config),
        "tags": config.get("tags").cloned().unwrap_or(json!({})),
        "properties": {
            "createMode": "Default",
            "administratorLogin": config.get("administrator_login"),
            "administratorLoginPassword": config.get("administrator_password"),
            "version": config.get("version"),
            "storage": {"storageSizeGB": config.get("storage_gb")},
            "highAvailability": {"mode": config.get("high_availability")},
            "backup": {"backupRetentionDays": config.get("backup_retention_days")},
        },
    })
}

/// The attributes of a server's body (never the password).
pub(crate) fn attrs(body: &Json, id: &str) -> Json {
    let mut out = common(body, id);
    let fields = [
        ("version", "/properties/version"),
        ("sku_tier", "/sku/tier"),
        ("sku_name", "/sku/name"),
        ("storage_gb", "/properties/storage/storageSizeGB"),
        ("high_availability", "/properties/highAvailability/mode"),
        ("backup_retention_days", "/properties/backup/backupRetentionDays"),
        ("administrator_login", "/properties/administratorLogin"),
        ("fqdn", "/properties/fullyQualifiedDomainName"),
    ];
    for (attr, pointer) in fields {
        if let Some(v) = body.pointer(pointer).filter(|v| !v.is_null()) {
            out.insert(attr.into(), v.clone());
        }
    }
    Json::Object(out)
}

pub(crate) async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
    let path = path(ctx, config)?;
    let fetched = super::put_resuming(ctx.client, &path, api::MYSQL_FLEXIBLE_SERVERS, &create_body(config))
        .await
        .map_err(fail)?;
    Ok(attrs(&fetched.body, &super::id_of(&fetched.body, &path)))
}

pub(crate) async fn read(ctx: &Ctx<'_>, id: &str) -> Result<Option<Json>, ArmError> {
    Ok(ctx.client.get(id, api::MYSQL_FLEXIBLE_SERVERS).await?.map(|f| attrs(&f.body, id)))
}

/// The PATCH body for an update: every managed property, the password only when it changed.
pub(crate) fn update_body(config: &Json, prior: &Json, changed: &[String]) -> Result<Json, ProviderError> {
    if let (Some(now), Some(asked)) =
        (prior.get("storage_gb").and_then(Json::as_u64), config.get("storage_gb").and_then(Json::as_u64))
        && asked < now
    {
        return Err(ProviderError::permanent(format!(
            "storage_gb: flexible server storage only grows; the server has {now} GB, {asked} GB was asked"
        )));
    }
    let mut props = Map::new();
    props.insert("version".into(), config.get("version").cloned().unwrap_or(Json::Null));
    props.insert("storage".into(), json!({"storageSizeGB": config.get("storage_gb")}));
    props.insert("highAvailability".into(), json!({"mode": config.get("high_availability")}));
    props.insert("backup".into(), json!({"backupRetentionDays": config.get("backup_retention_days")}));
    if changed.iter().any(|c| c == "administrator_password")
        && let Some(password) = config.get("administrator_password")
    {
        props.insert("administratorLoginPassword".into(), password.clone());
    }
    props.retain(|_, v| !v.is_null());
    Ok(json!({"sku": sku(config), "tags": config.get("tags").cloned().unwrap_or(json!({})), "properties": props}))
}

pub(crate) async fn update(
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
