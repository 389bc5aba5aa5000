//! `aws_kms_key` over the KMS API: a symmetric encryption key, its alias, rotation, key policy
//! and tags.
//!
//! A refresh makes four calls, concurrently: `DescribeKey`, `GetKeyRotationStatus`,
//! `ListAliases` (for this key) and `ListResourceTags`, and a fifth, `GetKeyPolicy`, when state
//! records a declared policy (a key without one keeps KMS's default policy, which is not read).
//! The policy KMS returns is compared by meaning with the recorded one
//! ([`super::policy::read_back`]). A key pending deletion reads as gone: KMS never deletes a key
//! at once, and one scheduled for deletion can no longer be used.
//!
//! A declared policy goes with `CreateKey` itself, so the key never exists under the default
//! policy; changing it is `PutKeyPolicy`.
//!
//! Create with an alias first looks the alias up (`DescribeKey alias/…`): an alias already
//! naming a live key is a conflict naming the `import` of that key, found before `CreateKey` so
//! no orphan key is made, except on the engine's retry of this very create, which adopts the
//! key its earlier attempt made. `find` (recovery, the look-up after a failed create) is that
//! look-up and a refresh of the key, which must not carry another environment's tags; a key
//! without an alias has no identity to be found by.
//!
//! Create is all or nothing: when enabling rotation or creating the alias fails after the key
//! exists, the new key is scheduled for deletion before the error is returned, so the engine's
//! retry does not leave unmanaged keys behind.
//!
//! Delete removes the alias and schedules the key's deletion after the shortest window KMS
//! allows (7 days), during which `CancelKeyDeletion` can still save it. Changing the alias
//! creates the new one and deletes the old one; the key stays.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_kms::types::{KeyState, Tag};
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, ErrorKind, ProviderError, ReadRequest, Serves, TagChanges, UpdateRequest,
    foreign_owner,
};
use quikinfra_core::value::{Attrs, Value};

use super::Clients;
use super::attrs::{self, MapBuilder};
use super::error::{self, is_code};
use super::policy;
use crate::KmsKey;

/// The name of a key's one policy.
const POLICY_NAME: &str = "default";

/// Days between scheduling a key's deletion and the deletion (KMS's minimum).
const DELETION_WINDOW_DAYS: i32 = 7;

#[async_trait]
impl Serves<KmsKey> for Clients {
    /// Reads the live key `id`; `None` when it is gone or pending deletion.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let c = self;
        let (id, prior) = (req.id, req.prior);
        let kms = &c.kms;
        let recorded_policy = prior.get(KmsKey::POLICY.name());
        let read_policy = async {
            match recorded_policy {
                Some(_) => Some(kms.get_key_policy().key_id(id).policy_name(POLICY_NAME).send().await),
                None => None,
            }
        };
        let (described, rotation, aliases, tags, key_policy) = tokio::join!(
            kms.describe_key().key_id(id).send(),
            kms.get_key_rotation_status().key_id(id).send(),
            kms.list_aliases().key_id(id).send(),
            kms.list_resource_tags().key_id(id).send(),
            read_policy,
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
        let key_policy = match key_policy {
            None => None,
            Some(Ok(out)) => {
                Some(policy::read_back("kms:GetKeyPolicy", out.policy().unwrap_or_default(), recorded_policy)?)
            }
            Some(Err(e)) if is_code(&e, "NotFoundException") => return Ok(None),
            Some(Err(e)) => return Err(error::sdk("kms:GetKeyPolicy", e)),
        };
        // The alias state recorded, if the key still has it; else the first one, by name.
        let alias = match KmsKey::ALIAS.read(prior) {
            Some(recorded) if aliases.iter().any(|a| a == recorded) => Some(recorded.to_string()),
            _ => aliases.iter().filter(|a| !a.starts_with("alias/aws/")).min().cloned(),
        };
        let out = MapBuilder::default()
            .set(KmsKey::ID, meta.key_id())
            .set(KmsKey::KEY_ID, meta.key_id())
            .set_opt(KmsKey::ARN, meta.arn())
            .set_opt(KmsKey::ALIAS, alias)
            .set(KmsKey::DESCRIPTION, meta.description().unwrap_or_default())
            .set(KmsKey::ENABLE_KEY_ROTATION, rotation)
            .set_opt(KmsKey::POLICY, key_policy)
            .set(KmsKey::TAGS, tags)
            .build();
        Ok(Some(out))
    }

    /// Creates the key, then its rotation and alias.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let config = req.config;
        if let Some(alias) = KmsKey::ALIAS.read(config)
            && let Some(holder) = live_key_of_alias(c, alias).await?
        {
            req.already_there(&format!("KMS alias `{alias}` (of key {holder})"), &holder)?;
            return adopt(c, &req, holder).await?.ok_or_else(|| {
                ProviderError::transient(format!("kms: the key of `{alias}` vanished while it was being adopted"))
            });
        }
        let description = KmsKey::DESCRIPTION.read(config).unwrap_or_default();
        let tags = KmsKey::TAGS.read(config).unwrap_or_default();
        let key_policy = match config.get(KmsKey::POLICY.name()) {
            Some(declared) => Some(policy::render(&req.address.to_string(), Some(declared))?),
            None => None,
        };
        let out = c
            .kms
            .create_key()
            .description(description)
            .set_policy(key_policy)
            .set_tags(Some(kms_tags(&tags)?))
            .send()
            .await
            .map_err(|e| error::sdk("kms:CreateKey", e))?;
        let meta = out.key_metadata().ok_or_else(|| ProviderError::permanent("kms:CreateKey returned no key"))?;
        let id = meta.key_id().to_string();
        let rotation = KmsKey::ENABLE_KEY_ROTATION.read(config).unwrap_or(false);
        // The engine retries a failed create from the start: a key left behind by a failed
        // rotation or alias call would never be managed, so it is scheduled for deletion first.
        if let Err(e) = configure_new_key(c, &id, rotation, KmsKey::ALIAS.read(config)).await {
            let _ = c.kms.schedule_key_deletion().key_id(&id).pending_window_in_days(DELETION_WINDOW_DAYS).send().await;
            return Err(e);
        }
        let attrs = MapBuilder::default()
            .set(KmsKey::ID, id.as_str())
            .set(KmsKey::KEY_ID, id.as_str())
            .set_opt(KmsKey::ARN, meta.arn())
            .set_opt(KmsKey::ALIAS, KmsKey::ALIAS.read(config))
            .set(KmsKey::DESCRIPTION, description)
            .set(KmsKey::ENABLE_KEY_ROTATION, rotation)
            .set_opt(KmsKey::POLICY, config.get(KmsKey::POLICY.name()).cloned())
            .set(KmsKey::TAGS, attrs::string_map(tags))
            .build();
        Ok(Created { id, attrs })
    }

    /// Changes what differs.
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let c = self;
        let (id, prior, config, changed) = (req.id, req.prior, req.config, req.changed);
        let (alias, old_alias) = (KmsKey::ALIAS.read(config), KmsKey::ALIAS.read(prior));
        for attribute in changed {
            match attribute.as_str() {
                a if a == KmsKey::DESCRIPTION.name() => {
                    c.kms
                        .update_key_description()
                        .key_id(id)
                        .description(KmsKey::DESCRIPTION.read(config).unwrap_or_default())
                        .send()
                        .await
                        .map_err(|e| error::sdk("kms:UpdateKeyDescription", e))?;
                }
                a if a == KmsKey::ENABLE_KEY_ROTATION.name() => {
                    set_rotation(c, id, KmsKey::ENABLE_KEY_ROTATION.read(config) == Some(true)).await?
                }
                a if a == KmsKey::ALIAS.name() => {
                    if let Some(alias) = alias {
                        create_alias(c, id, alias).await?;
                    }
                    if let Some(old) = old_alias
                        && Some(old) != alias
                    {
                        delete_alias(c, old).await?;
                    }
                }
                a if a == KmsKey::POLICY.name() => {
                    if let Some(declared) = config.get(KmsKey::POLICY.name()) {
                        let text = policy::render(&req.address.to_string(), Some(declared))?;
                        c.kms
                            .put_key_policy()
                            .key_id(id)
                            .policy_name(POLICY_NAME)
                            .policy(text)
                            .send()
                            .await
                            .map_err(|e| error::sdk("kms:PutKeyPolicy", e))?;
                    }
                }
                a if a == KmsKey::TAGS.name() => {
                    let untag = |keys| async move {
                        let call = c.kms.untag_resource().key_id(id).set_tag_keys(Some(keys)).send().await;
                        call.map(drop).map_err(|e| error::sdk("kms:UntagResource", e))
                    };
                    let tag = |set: BTreeMap<String, String>| async move {
                        let call = c.kms.tag_resource().key_id(id).set_tags(Some(kms_tags(&set)?)).send().await;
                        call.map(drop).map_err(|e| error::sdk("kms:TagResource", e))
                    };
                    TagChanges::between(prior, config).apply(untag, tag).await?;
                }
                _ => {}
            }
        }
        let mut out = prior.clone();
        for (k, v) in config {
            out.insert(*k, v.clone());
        }
        if alias.is_none() && changed.iter().any(|c| c == KmsKey::ALIAS.name()) {
            out.remove(KmsKey::ALIAS.name());
        }
        out.get_or_insert_with(KmsKey::DESCRIPTION.name(), || Value::from(""));
        Ok(out)
    }

    /// The live key the configured alias names, unless tagged for another environment.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let Some(alias) = KmsKey::ALIAS.read(req.config) else {
            return Err(ProviderError::permanent(format!(
                "{}: a KMS key without an alias cannot be looked up by its configuration",
                req.address
            )));
        };
        match live_key_of_alias(self, alias).await? {
            Some(holder) => adopt(self, &req, holder).await,
            None => Ok(None),
        }
    }

    /// Deletes the alias and schedules the key's deletion.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let c = self;
        let (id, prior) = (req.id, req.prior);
        if let Some(alias) = KmsKey::ALIAS.read(prior) {
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
}

/// The key `alias` names, when it names one that is not pending deletion (`DescribeKey`).
async fn live_key_of_alias(c: &Clients, alias: &str) -> Result<Option<String>, ProviderError> {
    let described = match c.kms.describe_key().key_id(alias).send().await {
        Ok(out) => out,
        Err(e) if is_code(&e, "NotFoundException") => return Ok(None),
        Err(e) => return Err(error::sdk("kms:DescribeKey", e)),
    };
    let Some(meta) = described.key_metadata() else { return Ok(None) };
    let pending = matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion));
    Ok((!pending).then(|| meta.key_id().to_string()))
}

/// The key `id` as the create of `req` would have made it (a refresh), unless its ownership tags
/// name another environment.
async fn adopt(c: &Clients, req: &CreateRequest<'_>, id: String) -> Result<Option<Created>, ProviderError> {
    let read = ReadRequest { address: req.address, id: &id, prior: req.config };
    let Some(attrs) = Serves::<KmsKey>::read(c, read).await? else { return Ok(None) };
    if foreign_owner(req.config, &attrs).is_some() {
        return Ok(None);
    }
    Ok(Some(Created { id, attrs }))
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
