//! `aws_shield_protection` over the Shield Advanced API (global, served from us-east-1).
//!
//! The provider id is the protection id. A refresh makes two calls, `DescribeProtection` and
//! `ListTagsForResource`. The name and the protected resource cannot change (the schema forces
//! a replacement), so an update only touches tags. Shield allows one protection per resource:
//! a create answered `ResourceAlreadyExistsException` takes the one there as its own only on the
//! engine's retry of this create and when it has the declared name (the earlier attempt's);
//! otherwise it is a conflict naming the `import` of that protection. `find` looks the
//! protection up by the protected resource (`DescribeProtection`), with the declared name and
//! no other environment's tags.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_shield::types::Tag;
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, ProviderError, ReadRequest, Serves, TagChanges, UpdateRequest, foreign_owner,
};
use quikinfra_core::value::Attrs;

use super::Clients;
use super::attrs::{self, MapBuilder};
use super::error::{self, is_code};
use crate::ShieldProtection;

const NOT_FOUND: &str = "ResourceNotFoundException";

fn shield_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The id and name of the protection of `resource`, if it has one.
async fn protection_of(c: &Clients, resource: &str) -> Result<Option<(String, String)>, ProviderError> {
    let out = match c.shield.describe_protection().resource_arn(resource).send().await {
        Ok(out) => out,
        Err(e) if is_code(&e, NOT_FOUND) => return Ok(None),
        Err(e) => return Err(error::sdk("shield:DescribeProtection", e)),
    };
    Ok(out.protection().map(|p| (p.id().unwrap_or_default().to_string(), p.name().unwrap_or_default().to_string())))
}

/// Reads the live protection; `None` when it is gone.
async fn read(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let out = match c.shield.describe_protection().protection_id(id).send().await {
        Ok(out) => out,
        Err(e) if is_code(&e, NOT_FOUND) => return Ok(None),
        Err(e) => return Err(error::sdk("shield:DescribeProtection", e)),
    };
    let Some(p) = out.protection() else { return Ok(None) };
    let arn = p.protection_arn().unwrap_or_default();
    let tags = match c.shield.list_tags_for_resource().resource_arn(arn).send().await {
        Ok(out) => {
            attrs::string_map(out.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())))
        }
        Err(e) if is_code(&e, NOT_FOUND) => return Ok(None),
        Err(e) => return Err(error::sdk("shield:ListTagsForResource", e)),
    };
    let attrs = MapBuilder::default()
        .set(ShieldProtection::ID, p.id().unwrap_or(id))
        .set(ShieldProtection::ARN, arn)
        .set(ShieldProtection::NAME, p.name().unwrap_or_default())
        .set(ShieldProtection::RESOURCE_ARN, p.resource_arn().unwrap_or_default())
        .set(ShieldProtection::TAGS, tags)
        .build();
    Ok(Some(attrs))
}

#[async_trait]
impl Serves<ShieldProtection> for Clients {
    /// Reads the live protection; `None` when it is gone.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        read(self, req.id).await
    }

    /// Protects the resource.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let config = req.config;
        let name = ShieldProtection::NAME.require(config)?;
        let resource = ShieldProtection::RESOURCE_ARN.require(config)?;
        let tags = ShieldProtection::TAGS.read(config).unwrap_or_default();
        let id = match c
            .shield
            .create_protection()
            .name(name)
            .resource_arn(resource)
            .set_tags(Some(shield_tags(&tags)))
            .send()
            .await
        {
            Ok(out) => out.protection_id().unwrap_or_default().to_string(),
            Err(e) if is_code(&e, "ResourceAlreadyExistsException") => {
                let Some((id, existing)) = protection_of(c, resource).await? else {
                    return Err(ProviderError::transient(format!(
                        "shield:CreateProtection: `{resource}` is protected, but its protection is not readable yet"
                    )));
                };
                let what = format!("the Shield protection `{existing}` of `{resource}`");
                if existing != name {
                    return Err(quikinfra_core::provider::attempts::conflict(&req, &what, &id));
                }
                req.already_there(&what, &id)?;
                id
            }
            Err(e) => return Err(error::sdk("shield:CreateProtection", e)),
        };
        match read(c, &id).await? {
            Some(attrs) => Ok(Created { id, attrs }),
            None => Err(ProviderError::transient(format!("shield protection {id} is not readable yet"))),
        }
    }

    /// The protection of the configured resource, with the declared name and no other
    /// environment's tags.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let name = ShieldProtection::NAME.require(req.config)?;
        let resource = ShieldProtection::RESOURCE_ARN.require(req.config)?;
        let Some((id, existing)) = protection_of(self, resource).await? else { return Ok(None) };
        if existing != name {
            return Ok(None);
        }
        Ok(match read(self, &id).await? {
            Some(attrs) if foreign_owner(req.config, &attrs).is_none() => Some(Created { id, attrs }),
            _ => None,
        })
    }

    /// Changes the tags (nothing else can change in place).
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let c = self;
        let (prior, config, changed) = (req.prior, req.config, req.changed);
        let arn = ShieldProtection::ARN.require(prior)?;
        if changed.iter().any(|c| c == ShieldProtection::TAGS.name()) {
            let untag = |keys| async move {
                let call = c.shield.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)).send().await;
                call.map(drop).map_err(|e| error::sdk("shield:UntagResource", e))
            };
            let tag = |set: BTreeMap<String, String>| async move {
                let call = c.shield.tag_resource().resource_arn(arn).set_tags(Some(shield_tags(&set))).send().await;
                call.map(drop).map_err(|e| error::sdk("shield:TagResource", e))
            };
            TagChanges::between(prior, config).apply(untag, tag).await?;
        }
        let mut out = prior.clone();
        out.insert(
            ShieldProtection::TAGS.name(),
            attrs::string_map(ShieldProtection::TAGS.read(config).unwrap_or_default()),
        );
        if let Some(name) = ShieldProtection::NAME.read(config) {
            out.insert(ShieldProtection::NAME.name(), name.into());
        }
        Ok(out)
    }

    /// Removes the protection; one already gone counts as removed.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let c = self;
        let id = req.id;
        match c.shield.delete_protection().protection_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_code(&e, NOT_FOUND) => Ok(()),
            Err(e) => Err(error::sdk("shield:DeleteProtection", e)),
        }
    }
}
