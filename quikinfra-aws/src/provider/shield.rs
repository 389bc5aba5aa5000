//! `aws_shield_protection` over the Shield Advanced API (global, served from us-east-1).
//!
//! The provider id is the protection id. A refresh makes two calls, `DescribeProtection` and
//! `ListTagsForResource`. The name and the protected resource cannot change (the schema forces
//! a replacement), so an update only touches tags. Shield allows one protection per resource:
//! a create that finds one already there for the same resource under the same name (an earlier
//! attempt that got through) takes it as its own.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_shield::types::Tag;
use quikinfra_core::provider::{Created, ProviderError};
use quikinfra_core::value::Attrs;

use super::Clients;
use super::attrs::{self, MapBuilder, required_str, str_of, tags_of};
use super::error::{self, is_code};

/// The type this module serves.
pub const TYPE: &str = "aws_shield_protection";

const NOT_FOUND: &str = "ResourceNotFoundException";

fn shield_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Reads the live protection; `None` when it is gone.
pub(crate) async fn read(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
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
        .set("id", p.id().unwrap_or(id))
        .set("arn", arn)
        .set("name", p.name().unwrap_or_default())
        .set("resource_arn", p.resource_arn().unwrap_or_default())
        .set("tags", tags)
        .build();
    Ok(Some(attrs))
}

/// Protects the resource.
pub(crate) async fn create(c: &Clients, config: &Attrs) -> Result<Created, ProviderError> {
    let name = required_str(config, "name")?;
    let resource = required_str(config, "resource_arn")?;
    let tags = tags_of(config);
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
            let existing = c
                .shield
                .describe_protection()
                .resource_arn(resource)
                .send()
                .await
                .map_err(|e| error::sdk("shield:DescribeProtection", e))?;
            match existing.protection() {
                Some(p) if p.name() == Some(name) => p.id().unwrap_or_default().to_string(),
                _ => {
                    return Err(ProviderError::permanent(format!(
                        "shield:CreateProtection: `{resource}` is already protected by another protection; import \
                         or remove it first"
                    )));
                }
            }
        }
        Err(e) => return Err(error::sdk("shield:CreateProtection", e)),
    };
    match read(c, &id).await? {
        Some(attrs) => Ok(Created { id, attrs }),
        None => Err(ProviderError::transient(format!("shield protection {id} is not readable yet"))),
    }
}

/// Changes the tags (nothing else can change in place).
pub(crate) async fn update(
    c: &Clients,
    prior: &Attrs,
    config: &Attrs,
    changed: &[String],
) -> Result<Attrs, ProviderError> {
    let arn = required_str(prior, "arn")?;
    if changed.iter().any(|c| c == "tags") {
        let want = tags_of(config);
        let have = tags_of(prior);
        let removed: BTreeSet<&String> = have.keys().filter(|k| !want.contains_key(*k)).collect();
        if !removed.is_empty() {
            c.shield
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed.into_iter().cloned().collect()))
                .send()
                .await
                .map_err(|e| error::sdk("shield:UntagResource", e))?;
        }
        let set: BTreeMap<String, String> = want.into_iter().filter(|(k, v)| have.get(k) != Some(v)).collect();
        if !set.is_empty() {
            c.shield
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(shield_tags(&set)))
                .send()
                .await
                .map_err(|e| error::sdk("shield:TagResource", e))?;
        }
    }
    let mut out = prior.clone();
    out.insert("tags".into(), attrs::string_map(tags_of(config)));
    if let Some(name) = str_of(config, "name") {
        out.insert("name".into(), name.into());
    }
    Ok(out)
}

/// Removes the protection; one already gone counts as removed.
pub(crate) async fn delete(c: &Clients, id: &str) -> Result<(), ProviderError> {
    match c.shield.delete_protection().protection_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_code(&e, NOT_FOUND) => Ok(()),
        Err(e) => Err(error::sdk("shield:DeleteProtection", e)),
    }
}
