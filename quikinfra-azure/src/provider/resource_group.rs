//! `azure_resource_group` ↔ `Microsoft.Resources/resourceGroups`: PUT to create, PATCH for
//! tags, DELETE through `Location` polling.

use quikinfra_core::provider::ProviderError;
use serde_json::{Value as Json, json};

use super::{Ctx, common, fail, required};
use crate::arm::{ArmError, Condition, api};

/// The attributes of a group's body.
pub(crate) fn attrs(body: &Json, id: &str) -> Json {
    let mut out = common(body, id);
    // A group is not in a group.
    out.remove("resource_group");
    Json::Object(out)
}

pub(crate) async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
    let path = ctx.group_path(required(config, "name")?);
    let body =
        json!({"location": required(config, "location")?, "tags": config.get("tags").cloned().unwrap_or(json!({}))});
    let fetched = ctx.client.put(&path, api::RESOURCE_GROUPS, &body, &Condition::None).await.map_err(fail)?;
    Ok(attrs(&fetched.body, &super::id_of(&fetched.body, &path)))
}

pub(crate) async fn read(ctx: &Ctx<'_>, id: &str) -> Result<Option<Json>, ArmError> {
    Ok(ctx.client.get(id, api::RESOURCE_GROUPS).await?.map(|f| attrs(&f.body, id)))
}

pub(crate) async fn update(ctx: &Ctx<'_>, id: &str, config: &Json) -> Result<Json, ProviderError> {
    let body = json!({"tags": config.get("tags").cloned().unwrap_or(json!({}))});
    let fetched = ctx.client.patch(id, api::RESOURCE_GROUPS, &body, &Condition::None).await.map_err(fail)?;
    Ok(attrs(&fetched.body, id))
}
