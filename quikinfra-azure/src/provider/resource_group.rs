//! `azure_resource_group` ↔ `Microsoft.Resources/resourceGroups`: PUT to create, PATCH for
//! tags, DELETE through `Location` polling.

use async_trait::async_trait;
use quikinfra_core::provider::ProviderError;
use serde_json::{Value as Json, json};

use super::{ArmType, Ctx, common, fail};
use crate::ResourceGroup;
use crate::arm::{ArmError, Condition, api};

/// The attributes of a group's body.
pub(crate) fn attrs(body: &Json, id: &str) -> Json {
    let mut out = common(body, id);
    // A group is not in a group.
    out.remove("resource_group");
    Json::Object(out)
}

#[async_trait]
impl ArmType for ResourceGroup {
    const API: &'static str = api::RESOURCE_GROUPS;
    const IS_THE_GROUP: bool = true;

    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
        Ok(ctx.group_path(ResourceGroup::NAME.require_str(config)?))
    }

    async fn read(ctx: &Ctx<'_>, id: &str, _prior: &Json) -> Result<Option<Json>, ArmError> {
        Ok(ctx.client.get(id, api::RESOURCE_GROUPS).await?.map(|f| attrs(&f.body, id)))
    }

    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
        let path = Self::path(ctx, config)?;
        let location = ResourceGroup::LOCATION.require_str(config)?;
        let body =
            json!({"location": location, "tags": ResourceGroup::TAGS.json(config).cloned().unwrap_or(json!({}))});
        let fetched = ctx.client.put(&path, api::RESOURCE_GROUPS, &body, &Condition::None).await.map_err(fail)?;
        Ok(attrs(&fetched.body, &super::id_of(&fetched.body, &path)))
    }

    async fn update(
        ctx: &Ctx<'_>,
        id: &str,
        config: &Json,
        _prior: &Json,
        _changed: &[String],
    ) -> Result<Json, ProviderError> {
        let body = json!({"tags": ResourceGroup::TAGS.json(config).cloned().unwrap_or(json!({}))});
        let fetched = ctx.client.patch(id, api::RESOURCE_GROUPS, &body, &Condition::None).await.map_err(fail)?;
        Ok(attrs(&fetched.body, id))
    }
}
