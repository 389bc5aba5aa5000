//! `aws_kms_key` over the KMS API: a symmetric encryption key, its alias, rotation and tags.
//!
//! A refresh makes four calls, concurrently: `DescribeKey`, `GetKeyRotationStatus`,
//! `ListAliases` (for this key) and `ListResourceTags`. A key pending deletion reads as gone:
//! KMS never deletes a key at once, and one scheduled for deletion can no longer be used.
//!
//! Create is all or nothing: when enabling rotation or creating the alias fails after the key
//! exists, the new key is scheduled for deletion before the error is returned, so the engine's
//! retry does not leave unmanaged keys behind.
//!
//! Delete removes the alias and schedules the key's deletion after the shortest window KMS
//! allows (7 days), during which `CancelKeyDeletion` can still save it. Changing the alias
//! creates the new one and deletes the old one; the key stays.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_kms::types::{KeyState, Tag};
use quikinfra_core::provider::{Created, ErrorKind, ProviderError};
use quikinfra_core::value::{Attrs, Value};

use super::Clients;
use super::attrs::{self, MapBuilder, bool_of, str_of, tags_of};
use super::error::{self, is_code};

/// The type this module serves.
pub const TYPE: &str = "aws_kms_key";

/// Days between scheduling a key's deletion and the deletion (KMS's minimum).
const DELETION_WINDOW_DAYS: i32 = 7;

/// Reads the live key `id`; `None` when it is gone or pending deletion.
pub(crate) async fn read(c: &Clients, id: &str, prior: &Attrs) -> Result<Option<Attrs>, ProviderError> {
    let kms = &c.kms;
    let (described, rotation, aliases, tags) = tokio::join!(
        kms.describe_key().key_id(id).send(),
        kms.get_key_rotation_status().key_id(id).send(),
        kms.list_aliases().key_id(id).send(),
        kms.list_resource_tags().key_id(id).send(),
    );
    let described = match described {
        Ok(out) => out,
        Err(e) if is_code(&e, "NotFoundException") => return Ok(None),
        Err(e) => return Err(error::sdk("kms:DescribeKey", e)),
    };
    let Some(meta) = described.key_metadata() else { return Ok(None) };
    if matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)) {
        return Ok(None);
    }
    let rotation = match rotation {
        Ok(out) => out.key_rotation_enabled(),
        Err(e) if is_code(&e, "NotFoundException") => return Ok(None),
        Err(e) => return Err(error::sdk("kms:GetKeyRotationStatus", e)),
    };
    let aliases: Vec<String> = match aliases {
        Ok(out) => out.aliases().iter().filter_map(|a| a.alias_name()).map(str::to_string).collect(),
        Err(e) if is_code(&e, "NotFoundException") => return Ok(None),
        Err(e) => return Err(error::sdk("kms:ListAliases", e)),
    };
    let tags = match tags {
        Ok(out) => attrs::string_map(out.tags().iter().map(|t| (t.tag_key(), t.tag_value()))),
        Err(e) if is_code(&e, "NotFoundException") => return Ok(None),
        Err(e) => return Err(error::sdk("kms:ListResourceTags", e)),
    };
    // The alias state recorded, if the key still has it; else the first one, by name.
    let alias = match str_of(prior, "alias") {
        Some(recorded) if aliases.iter().any(|a| a == recorded) => Some(recorded.to_string()),
        _ => aliases.iter().filter(|a| !a.starts_with("alias/aws/")).min().cloned(),
    };
    let out = MapBuilder::default()
        .set("id", meta.key_id())
        .set("key_id", meta.key_id())
        .set_opt("arn", meta.arn())
        .set_opt("alias", alias)
        .set("description", meta.description().unwrap_or_default())
        .set("enable_key_rotation", rotation)
        .set("tags", tags)
        .build();
    Ok(Some(out))
}

fn kms_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| ProviderError::permanent(format!("building kms tags: {e}")))
        })
        .collect()
}

/// Creates the key, then its rotation and alias.
pub(crate) async fn create(c: &Clients, config: &Attrs) -> Result<Created, ProviderError> {
    let description = str_of(config, "description").unwrap_or_default();
    let tags = tags_of(config);
    let out = c
        .kms
        .create_key()
        .description(description)
        .set_tags(Some(kms_tags(&tags)?))
        .send()
        .await
        .map_err(|e| error::sdk("kms:CreateKey", e))?;
    let meta = out.key_metadata().ok_or_else(|| ProviderError::permanent("kms:CreateKey returned no key"))?;
    let id = meta.key_id().to_string();
    let rotation = bool_of(config, "enable_key_rotation").unwrap_or(false);
    // The engine retries a failed create from the start: a key left behind by a failed
    // rotation or alias call would never be managed, so it is scheduled for deletion first.
    if let Err(e) = configure_new_key(c, &id, rotation, str_of(config, "alias")).await {
        let _ = c.kms.schedule_key_deletion().key_id(&id).pending_window_in_days(DELETION_WINDOW_DAYS).send().await;
        return Err(e);
    }
    let attrs = MapBuilder::default()
        .set("id", id.as_str())
        .set("key_id", id.as_str())
        .set_opt("arn", meta.arn())
        .set_opt("alias", str_of(config, "alias"))
        .set("description", description)
        .set("enable_key_rotation", rotation)
        .set("tags", attrs::string_map(tags))
        .build();
    Ok(Created { id, attrs })
}

async fn configure_new_key(c: &Clients, id: &str, rotation: bool, alias: Option<&str>) -> Result<(), ProviderError> {
    if rotation {
        set_rotation(c, id, true).await?;
    }
    if let Some(alias) = alias {
        create_alias(c, id, alias).await?;
    }
    Ok(())
}

async fn set_rotation(c: &Clients, id: &str, on: bool) -> Result<(), ProviderError> {
    if on {
        c.kms.enable_key_rotation().key_id(id).send().await.map_err(|e| error::sdk("kms:EnableKeyRotation", e))?;
    } else {
        c.kms.disable_key_rotation().key_id(id).send().await.map_err(|e| error::sdk("kms:DisableKeyRotation", e))?;
    }
    Ok(())
}

async fn create_alias(c: &Clients, id: &str, alias: &str) -> Result<(), ProviderError> {
    match c.kms.create_alias().alias_name(alias).target_key_id(id).send().await {
        Ok(_) => Ok(()),
        // Taken. By the key of an earlier attempt of this create, rolled back (pending
        // deletion): point it here. By a live key: that key is someone else's.
        Err(e) if is_code(&e, "AlreadyExistsException") => {
            let holder =
                c.kms.describe_key().key_id(alias).send().await.map_err(|e| error::sdk("kms:DescribeKey", e))?;
            let meta = holder.key_metadata();
            let pending = meta.is_some_and(|m| matches!(m.key_state(), Some(KeyState::PendingDeletion)));
            if !pending {
                let other = meta.map(|m| m.key_id()).unwrap_or("another key");
                return Err(ProviderError {
                    kind: ErrorKind::Conflict,
                    message: format!(
                        "kms:CreateAlias: `{alias}` already names key {other}; remove it or import that key"
                    ),
                });
            }
            c.kms
                .update_alias()
                .alias_name(alias)
                .target_key_id(id)
                .send()
                .await
                .map_err(|e| error::sdk("kms:UpdateAlias", e))?;
            Ok(())
        }
        Err(e) => Err(error::sdk("kms:CreateAlias", e)),
    }
}

async fn delete_alias(c: &Clients, alias: &str) -> Result<(), ProviderError> {
    match c.kms.delete_alias().alias_name(alias).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_code(&e, "NotFoundException") => Ok(()),
        Err(e) => Err(error::sdk("kms:DeleteAlias", e)),
    }
}

/// Changes what differs.
pub(crate) async fn update(
    c: &Clients,
    id: &str,
    prior: &Attrs,
    config: &Attrs,
    changed: &[String],
) -> Result<Attrs, ProviderError> {
    for attribute in changed {
        match attribute.as_str() {
            "description" => {
                c.kms
                    .update_key_description()
                    .key_id(id)
                    .description(str_of(config, "description").unwrap_or_default())
                    .send()
                    .await
                    .map_err(|e| error::sdk("kms:UpdateKeyDescription", e))?;
            }
            "enable_key_rotation" => set_rotation(c, id, bool_of(config, "enable_key_rotation") == Some(true)).await?,
            "alias" => {
                if let Some(alias) = str_of(config, "alias") {
                    create_alias(c, id, alias).await?;
                }
                if let Some(old) = str_of(prior, "alias")
                    && Some(old) != str_of(config, "alias")
                {
                    delete_alias(c, old).await?;
                }
            }
            "tags" => {
                let want = tags_of(config);
                let have = tags_of(prior);
                let removed: BTreeSet<&String> = have.keys().filter(|k| !want.contains_key(*k)).collect();
                if !removed.is_empty() {
                    c.kms
                        .untag_resource()
                        .key_id(id)
                        .set_tag_keys(Some(removed.into_iter().cloned().collect()))
                        .send()
                        .await
                        .map_err(|e| error::sdk("kms:UntagResource", e))?;
                }
                let set: BTreeMap<String, String> = want.into_iter().filter(|(k, v)| have.get(k) != Some(v)).collect();
                if !set.is_empty() {
                    c.kms
                        .tag_resource()
                        .key_id(id)
                        .set_tags(Some(kms_tags(&set)?))
                        .send()
                        .await
                        .map_err(|e| error::sdk("kms:TagResource", e))?;
                }
            }
            _ => {}
        }
    }
    let mut out = prior.clone();
    for (k, v) in config {
        out.insert(k.clone(), v.clone());
    }
    if str_of(config, "alias").is_none() && changed.iter().any(|c| c == "alias") {
        out.remove("alias");
    }
    out.entry("description".into()).or_insert_with(|| Value::from(""));
    Ok(out)
}

/// Deletes the alias and schedules the key's deletion.
pub(crate) async fn delete(c: &Clients, id: &str, prior: &Attrs) -> Result<(), ProviderError> {
    if let Some(alias) = str_of(prior, "alias") {
        delete_alias(c, alias).await?;
    }
    match c.kms.schedule_key_deletion().key_id(id).pending_window_in_days(DELETION_WINDOW_DAYS).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_code(&e, "NotFoundException") => Ok(()),
        // Already pending deletion.
        Err(e) if is_code(&e, "KMSInvalidStateException") => Ok(()),
        Err(e) => Err(error::sdk("kms:ScheduleKeyDeletion", e)),
    }
}
