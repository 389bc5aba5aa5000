//! `aws_s3_bucket` over the S3 API.
//!
//! # Reading: five calls
//!
//! A refresh makes exactly the five calls for the attributes the type manages, concurrently:
//! `GetBucketVersioning`, `GetBucketLifecycleConfiguration`, `GetBucketEncryption`,
//! `GetPublicAccessBlock` and `GetBucketTagging`. A missing bucket answers `NoSuchBucket` to each,
//! which reads as "gone". `id`, `arn` and `bucket_regional_domain_name` are derived from the name
//! and the configured region, without `HeadBucket` or `GetBucketLocation`.
//!
//! # Normalization
//!
//! What S3 reports is brought to the spec's shape so an unchanged bucket compares equal:
//! - "no such configuration" answers become the empty value: no lifecycle rules, no tags, every
//!   public access block flag off;
//! - no default encryption reads as SSE-S3 (`AES256`), which AWS applies to every bucket since
//!   2023 (moto still reports none for a new bucket); `bucket_key_enabled` is only kept for
//!   SSE-KMS, where it means something;
//! - lifecycle rules come back in the order state last recorded (by id), transitions in the order
//!   recorded (by storage class), whatever order S3 lists them in; an empty prefix is no prefix;
//! - rule settings the type cannot express (tag or size filters, dates, noncurrent transitions…)
//!   are listed under `unmanaged_settings`, so a rule edited outside shows as drift and the next
//!   apply puts the declared rule back.
//!
//! # Writing
//!
//! Create first asks `HeadBucket` whether the bucket is already there (S3 in us-east-1 answers
//! a `CreateBucket` of a bucket the account owns with success): a bucket already there, or a
//! `BucketAlreadyOwnedByYou` / `BucketAlreadyExists` answer, is a conflict naming the `import`
//! that would track it (another state may own it; see `quikinfra_core::provider::attempts`),
//! except on the engine's retry of this very create, which adopts the bucket its earlier attempt
//! made (and skips the `HeadBucket`). It then makes the bucket, then (in this order, one call
//! each, only what is declared) the public access block, default encryption, versioning,
//! lifecycle and tags. The attributes returned are
//! the declared ones, normalized as a read would: S3 applies lifecycle changes lazily, so reading
//! right back could record a configuration about to be replaced. Update makes one call per
//! changed attribute. Delete removes the bucket, which must be empty: objects are never deleted
//! on the user's behalf.
//!
//! `find` (recovery, and the look-up after a failed create) is a `HeadBucket` of the configured
//! name, then the five calls of a refresh; a bucket tagged for another environment is not found.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    NoncurrentVersionExpiration, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, Transition, TransitionStorageClass,
    VersioningConfiguration,
};
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, ErrorKind, ProviderError, ReadRequest, Serves,
    UpdateRequest, attempts, foreign_owner,
};
use quikinfra_core::value::{Attrs, Value};

use super::Clients;
use super::attrs::{self, MapBuilder, bool_of, int, int_of, list_of, required_str, str_of};
use super::error::{self, is_code};
use crate::S3Bucket;

/// The API calls one refresh makes.
pub const READ_CALLS: usize = 5;

/// The public access block flags, in the spec's spelling.
const PAB_FLAGS: [&str; 4] =
    ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

fn build_error(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::permanent(format!("building the {what} request: {e}"))
}

/// The partition of a region: `aws`, `aws-cn` or `aws-us-gov`.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The attributes S3 computes, derived from the name and region.
fn computed(name: &str, region: &str) -> Attrs {
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    MapBuilder::default()
        .set(S3Bucket::ID, name)
        .set(S3Bucket::ARN, format!("arn:{}:s3:::{name}", partition(region)))
        .set(S3Bucket::BUCKET_REGIONAL_DOMAIN_NAME, format!("{name}.s3.{region}.{suffix}"))
        .build()
}

#[async_trait]
impl Serves<S3Bucket> for Clients {
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let c = self;
        let (name, prior) = (req.id, req.prior);
        let region = c.region()?;
        let s3 = &c.s3;
        let (versioning, lifecycle, encryption, pab, tagging) = tokio::join!(
            s3.get_bucket_versioning().bucket(name).send(),
            s3.get_bucket_lifecycle_configuration().bucket(name).send(),
            s3.get_bucket_encryption().bucket(name).send(),
            s3.get_public_access_block().bucket(name).send(),
            s3.get_bucket_tagging().bucket(name).send(),
        );
        let gone = versioning.as_ref().err().is_some_and(|e| is_code(e, "NoSuchBucket"))
            || lifecycle.as_ref().err().is_some_and(|e| is_code(e, "NoSuchBucket"))
            || encryption.as_ref().err().is_some_and(|e| is_code(e, "NoSuchBucket"))
            || pab.as_ref().err().is_some_and(|e| is_code(e, "NoSuchBucket"))
            || tagging.as_ref().err().is_some_and(|e| is_code(e, "NoSuchBucket"));
        if gone {
            return Ok(None);
        }
        let versioning = versioning.map_err(|e| error::sdk("s3:GetBucketVersioning", e))?;
        let rules = match lifecycle {
            Ok(out) => out.rules().iter().map(rule_value).collect(),
            Err(e) if is_code(&e, "NoSuchLifecycleConfiguration") => Vec::new(),
            Err(e) => return Err(error::sdk("s3:GetBucketLifecycleConfiguration", e)),
        };
        let encryption = match encryption {
            Ok(out) => encryption_value(out.server_side_encryption_configuration().and_then(|c| c.rules().first())),
            Err(e) if is_code(&e, "ServerSideEncryptionConfigurationNotFoundError") => encryption_value(None),
            Err(e) => return Err(error::sdk("s3:GetBucketEncryption", e)),
        };
        let pab = match pab {
            Ok(out) => {
                let c = out.public_access_block_configuration();
                pab_value([
                    c.and_then(|c| c.block_public_acls()),
                    c.and_then(|c| c.block_public_policy()),
                    c.and_then(|c| c.ignore_public_acls()),
                    c.and_then(|c| c.restrict_public_buckets()),
                ])
            }
            Err(e) if is_code(&e, "NoSuchPublicAccessBlockConfiguration") => pab_value([None; 4]),
            Err(e) => return Err(error::sdk("s3:GetPublicAccessBlock", e)),
        };
        let tags = match tagging {
            Ok(out) => attrs::string_map(out.tag_set().iter().map(|t| (t.key(), t.value()))),
            Err(e) if is_code(&e, "NoSuchTagSet") => Value::Map(Attrs::new()),
            Err(e) => return Err(error::sdk("s3:GetBucketTagging", e)),
        };
        let prior_rules = S3Bucket::LIFECYCLE_RULES.read(prior).unwrap_or_default();
        let mut out = computed(name, region);
        out.insert(S3Bucket::BUCKET.name(), Value::from(name));
        let versioning = Value::Bool(versioning.status() == Some(&BucketVersioningStatus::Enabled));
        out.insert(S3Bucket::VERSIONING.name(), versioning);
        out.insert(S3Bucket::LIFECYCLE_RULES.name(), Value::List(order_rules(rules, prior_rules)));
        out.insert(S3Bucket::SERVER_SIDE_ENCRYPTION.name(), encryption);
        out.insert(S3Bucket::PUBLIC_ACCESS_BLOCK.name(), pab);
        out.insert(S3Bucket::TAGS.name(), tags);
        Ok(Some(out))
    }

    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let config = req.config;
        let region = c.region()?;
        let name = S3Bucket::BUCKET.require(config)?;
        let what = format!("bucket `{name}`");
        if !req.is_retry() && bucket_exists(c, name).await? {
            return Err(attempts::conflict(&req, &what, name));
        }
        let create = req;
        let mut req = c.s3.create_bucket().bucket(name);
        if region != "us-east-1" {
            let location = CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build();
            req = req.create_bucket_configuration(location);
        }
        match req.send().await {
            Ok(_) => {}
            // Ours: made by an earlier attempt of this very create (carry on), or a conflict.
            Err(e) if is_code(&e, "BucketAlreadyOwnedByYou") => create.already_there(&what, name)?,
            Err(e) if is_code(&e, "BucketAlreadyExists") => {
                return Err(attempts::conflict(&create, &format!("{what} (in another account)"), name));
            }
            Err(e) => return Err(error::sdk("s3:CreateBucket", e)),
        }
        if let Some(pab) = S3Bucket::PUBLIC_ACCESS_BLOCK.read(config) {
            put_public_access_block(c, name, pab).await?;
        }
        if let Some(sse) = S3Bucket::SERVER_SIDE_ENCRYPTION.read(config) {
            put_encryption(c, name, sse).await?;
        }
        if S3Bucket::VERSIONING.read(config) == Some(true) {
            put_versioning(c, name, true).await?;
        }
        let rules = S3Bucket::LIFECYCLE_RULES.read(config).unwrap_or_default();
        if !rules.is_empty() {
            put_lifecycle(c, name, rules).await?;
        }
        let tags = S3Bucket::TAGS.read(config).unwrap_or_default();
        if !tags.is_empty() {
            put_tags(c, name, &tags).await?;
        }
        Ok(Created { id: name.to_string(), attrs: written(name, region, config) })
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let c = self;
        let (name, config, changed) = (req.id, req.config, req.changed);
        let region = c.region()?;
        for attribute in changed {
            match attribute.as_str() {
                a if a == S3Bucket::PUBLIC_ACCESS_BLOCK.name() => {
                    let pab = S3Bucket::PUBLIC_ACCESS_BLOCK.read(config).cloned().unwrap_or_default();
                    put_public_access_block(c, name, &pab).await?;
                }
                a if a == S3Bucket::SERVER_SIDE_ENCRYPTION.name() => {
                    if let Some(sse) = S3Bucket::SERVER_SIDE_ENCRYPTION.read(config) {
                        put_encryption(c, name, sse).await?;
                    }
                }
                a if a == S3Bucket::VERSIONING.name() => {
                    put_versioning(c, name, S3Bucket::VERSIONING.read(config) == Some(true)).await?
                }
                a if a == S3Bucket::LIFECYCLE_RULES.name() => {
                    let rules = S3Bucket::LIFECYCLE_RULES.read(config).unwrap_or_default();
                    if rules.is_empty() {
                        c.s3.delete_bucket_lifecycle()
                            .bucket(name)
                            .send()
                            .await
                            .map_err(|e| error::sdk("s3:DeleteBucketLifecycle", e))?;
                    } else {
                        put_lifecycle(c, name, rules).await?;
                    }
                }
                a if a == S3Bucket::TAGS.name() => {
                    let tags = S3Bucket::TAGS.read(config).unwrap_or_default();
                    if tags.is_empty() {
                        c.s3.delete_bucket_tagging()
                            .bucket(name)
                            .send()
                            .await
                            .map_err(|e| error::sdk("s3:DeleteBucketTagging", e))?;
                    } else {
                        put_tags(c, name, &tags).await?;
                    }
                }
                a if a == S3Bucket::BUCKET.name() => {
                    return Err(ProviderError::permanent("an s3 bucket cannot be renamed; it must be replaced"));
                }
                _ => {}
            }
        }
        Ok(written(name, region, config))
    }

    /// `ListBuckets` (every page), then `GetBucketTagging` for each bucket when tags are
    /// asked for; a bucket deleted in between is left out.
    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        let mut names = Vec::new();
        let mut pages = self.s3.list_buckets().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| error::sdk("s3:ListBuckets", e))?;
            names.extend(page.buckets().iter().filter_map(|b| b.name().map(str::to_string)));
        }
        names.sort();
        let mut found = Vec::new();
        for name in names {
            if !req.tags.is_empty() {
                let tags = match self.s3.get_bucket_tagging().bucket(&name).send().await {
                    Ok(out) => out.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
                    Err(e) if is_code(&e, "NoSuchTagSet") => BTreeMap::new(),
                    Err(e) if is_code(&e, "NoSuchBucket") => continue,
                    Err(e) => return Err(error::sdk("s3:GetBucketTagging", e)),
                };
                if req.tags.iter().any(|(k, v)| tags.get(k) != Some(v)) {
                    continue;
                }
            }
            found.push(Discovered { id: name.clone(), name });
        }
        Ok(found)
    }

    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let name = S3Bucket::BUCKET.require(req.config)?;
        if !bucket_exists(self, name).await? {
            return Ok(None);
        }
        let read = ReadRequest { address: req.address, id: name, prior: req.config };
        let Some(attrs) = Serves::<S3Bucket>::read(self, read).await? else { return Ok(None) };
        if foreign_owner(req.config, &attrs).is_some() {
            return Ok(None);
        }
        Ok(Some(Created { id: name.to_string(), attrs }))
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let c = self;
        let name = req.id;
        match c.s3.delete_bucket().bucket(name).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_code(&e, "NoSuchBucket") => Ok(()),
            Err(e) if is_code(&e, "BucketNotEmpty") => Err(ProviderError::permanent(format!(
                "s3:DeleteBucket: bucket `{name}` still holds objects (or object versions); quikinfra never deletes \
                 data: empty it first"
            ))),
            Err(e) => Err(error::sdk("s3:DeleteBucket", e)),
        }
    }
}

/// Whether the bucket `name` exists (`HeadBucket`; 404 is no).
async fn bucket_exists(c: &Clients, name: &str) -> Result<bool, ProviderError> {
    match c.s3.head_bucket().bucket(name).send().await {
        Ok(_) => Ok(true),
        Err(e) => match error::sdk("s3:HeadBucket", e) {
            e if e.kind == ErrorKind::NotFound => Ok(false),
            e => Err(e),
        },
    }
}

fn pab_value(flags: [Option<bool>; 4]) -> Value {
    Value::Map(PAB_FLAGS.iter().zip(flags).map(|(name, flag)| (*name, Value::Bool(flag.unwrap_or(false)))).collect())
}

/// Default encryption as the spec writes it; none at all reads as AWS's default, SSE-S3.
fn encryption_value(rule: Option<&ServerSideEncryptionRule>) -> Value {
    let default = rule.and_then(|r| r.apply_server_side_encryption_by_default());
    match default.map(|d| d.sse_algorithm()) {
        None | Some(ServerSideEncryption::Aes256) => MapBuilder::default().set("sse_algorithm", "AES256").value(),
        Some(algorithm) => MapBuilder::default()
            .set("sse_algorithm", algorithm.as_str())
            .set_opt("kms_master_key_id", default.and_then(|d| d.kms_master_key_id()))
            .set("bucket_key_enabled", rule.and_then(|r| r.bucket_key_enabled()).unwrap_or(false))
            .value(),
    }
}

/// One lifecycle rule as the spec writes it.
fn rule_value(rule: &LifecycleRule) -> Value {
    let mut unmanaged = Vec::new();
    let filter = rule.filter();
    if let Some(f) = filter {
        if f.tag().is_some() {
            unmanaged.push("filter.tag");
        }
        if f.and().is_some() {
            unmanaged.push("filter.and");
        }
        if f.object_size_greater_than().is_some() || f.object_size_less_than().is_some() {
            unmanaged.push("filter.object_size");
        }
    }
    // Rules written before filters existed carry the prefix at the top level.
    #[allow(deprecated)]
    let legacy_prefix = rule.prefix();
    let prefix = filter.and_then(|f| f.prefix()).or(legacy_prefix).filter(|p| !p.is_empty());
    let expiration = rule.expiration();
    if expiration.is_some_and(|e| e.date().is_some()) {
        unmanaged.push("expiration.date");
    }
    if expiration.is_some_and(|e| e.expired_object_delete_marker() == Some(true)) {
        unmanaged.push("expiration.expired_object_delete_marker");
    }
    if !rule.noncurrent_version_transitions().is_empty() {
        unmanaged.push("noncurrent_version_transitions");
    }
    if rule.transitions().iter().any(|t| t.date().is_some()) {
        unmanaged.push("transitions.date");
    }
    let transitions: Vec<Value> = rule
        .transitions()
        .iter()
        .filter_map(|t| {
            let days = t.days()?;
            let class = t.storage_class()?;
            Some(MapBuilder::default().set("days", int(days.into())).set("storage_class", class.as_str()).value())
        })
        .collect();
    let mut b = MapBuilder::default()
        .set("id", rule.id().unwrap_or_default())
        .set_opt("prefix", prefix)
        .set("enabled", *rule.status() == ExpirationStatus::Enabled)
        .set_opt("expiration_days", expiration.and_then(|e| e.days()).map(|d| int(d.into())))
        .set_opt(
            "noncurrent_version_expiration_days",
            rule.noncurrent_version_expiration().and_then(|n| n.noncurrent_days()).map(|d| int(d.into())),
        )
        .set_opt(
            "abort_incomplete_multipart_upload_days",
            rule.abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()).map(|d| int(d.into())),
        );
    if !transitions.is_empty() {
        b = b.set("transitions", Value::List(transitions));
    }
    if !unmanaged.is_empty() {
        b = b.set("unmanaged_settings", Value::List(unmanaged.into_iter().map(Value::from).collect()));
    }
    b.value()
}

fn rule_id(rule: &Value) -> &str {
    rule.as_map().and_then(|m| str_of(m, "id")).unwrap_or_default()
}

/// Puts `rules` in the order of `prior` (by rule id; unknown ids last, by id), and each rule's
/// transitions in the order of the prior rule's (by storage class; unknown ones last, by day).
fn order_rules(mut rules: Vec<Value>, prior: &[Value]) -> Vec<Value> {
    let position = |id: &str| prior.iter().position(|r| rule_id(r) == id).unwrap_or(usize::MAX);
    rules.sort_by(|a, b| (position(rule_id(a)), rule_id(a)).cmp(&(position(rule_id(b)), rule_id(b))));
    for rule in &mut rules {
        let id = rule_id(rule).to_string();
        let prior_transitions =
            prior.iter().find(|r| rule_id(r) == id).and_then(Value::as_map).map(|m| list_of(m, "transitions"));
        if let Value::Map(map) = rule
            && let Some(Value::List(transitions)) = map.get_mut("transitions")
        {
            let class = |t: &Value| t.as_map().and_then(|m| str_of(m, "storage_class")).unwrap_or_default().to_string();
            let days = |t: &Value| t.as_map().and_then(|m| int_of(m, "days")).unwrap_or_default();
            let known: Vec<String> = prior_transitions.unwrap_or_default().iter().map(class).collect();
            let position = |t: &Value| known.iter().position(|c| *c == class(t)).unwrap_or(usize::MAX);
            transitions.sort_by_key(|t| (position(t), days(t), class(t)));
        }
    }
    rules
}

/// The attributes after a write: the declared ones, normalized as a read would report them.
fn written(name: &str, region: &str, config: &Attrs) -> Attrs {
    let mut out = computed(name, region);
    let declared = [
        S3Bucket::BUCKET.name(),
        S3Bucket::VERSIONING.name(),
        S3Bucket::LIFECYCLE_RULES.name(),
        S3Bucket::PUBLIC_ACCESS_BLOCK.name(),
        S3Bucket::TAGS.name(),
    ];
    for key in declared {
        if let Some(v) = config.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    let sse = S3Bucket::SERVER_SIDE_ENCRYPTION.read(config).map(|m| {
        let algorithm = str_of(m, "sse_algorithm").unwrap_or("AES256");
        if algorithm == "AES256" {
            MapBuilder::default().set("sse_algorithm", "AES256").value()
        } else {
            MapBuilder::default()
                .set("sse_algorithm", algorithm)
                .set_opt("kms_master_key_id", str_of(m, "kms_master_key_id"))
                .set("bucket_key_enabled", bool_of(m, "bucket_key_enabled").unwrap_or(false))
                .value()
        }
    });
    out.insert(S3Bucket::SERVER_SIDE_ENCRYPTION.name(), sse.unwrap_or_else(|| encryption_value(None)));
    out.get_or_insert_with(S3Bucket::TAGS.name(), || Value::Map(Attrs::new()));
    out.get_or_insert_with(S3Bucket::LIFECYCLE_RULES.name(), || Value::List(Vec::new()));
    out
}

async fn put_public_access_block(c: &Clients, name: &str, pab: &Attrs) -> Result<(), ProviderError> {
    let flag = |n: &str| bool_of(pab, n).unwrap_or(false);
    let config = PublicAccessBlockConfiguration::builder()
        .block_public_acls(flag("block_public_acls"))
        .block_public_policy(flag("block_public_policy"))
        .ignore_public_acls(flag("ignore_public_acls"))
        .restrict_public_buckets(flag("restrict_public_buckets"))
        .build();
    c.s3.put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(config)
        .send()
        .await
        .map_err(|e| error::sdk("s3:PutPublicAccessBlock", e))?;
    Ok(())
}

async fn put_encryption(c: &Clients, name: &str, sse: &Attrs) -> Result<(), ProviderError> {
    let algorithm = str_of(sse, "sse_algorithm").unwrap_or("AES256");
    let mut default = ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::from(algorithm));
    if let Some(key) = str_of(sse, "kms_master_key_id") {
        default = default.kms_master_key_id(key);
    }
    let mut rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default.build().map_err(|e| build_error("encryption", e))?);
    if algorithm != "AES256" {
        rule = rule.bucket_key_enabled(bool_of(sse, "bucket_key_enabled").unwrap_or(false));
    }
    let config = ServerSideEncryptionConfiguration::builder()
        .rules(rule.build())
        .build()
        .map_err(|e| build_error("encryption", e))?;
    c.s3.put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .map_err(|e| error::sdk("s3:PutBucketEncryption", e))?;
    Ok(())
}

async fn put_versioning(c: &Clients, name: &str, on: bool) -> Result<(), ProviderError> {
    let status = if on { BucketVersioningStatus::Enabled } else { BucketVersioningStatus::Suspended };
    c.s3.put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map_err(|e| error::sdk("s3:PutBucketVersioning", e))?;
    Ok(())
}

/// A spec rule as S3's type.
fn lifecycle_rule(value: &Value) -> Result<LifecycleRule, ProviderError> {
    let m = value.as_map().ok_or_else(|| ProviderError::permanent("a lifecycle rule must be a map"))?;
    let days = |n: &str| int_of(m, n).and_then(|d| i32::try_from(d).ok());
    let filter = LifecycleRuleFilter::builder().prefix(str_of(m, "prefix").unwrap_or_default()).build();
    let status =
        if bool_of(m, "enabled").unwrap_or(true) { ExpirationStatus::Enabled } else { ExpirationStatus::Disabled };
    let mut rule = LifecycleRule::builder().id(required_str(m, "id")?).filter(filter).status(status);
    if let Some(d) = days("expiration_days") {
        rule = rule.expiration(LifecycleExpiration::builder().days(d).build());
    }
    for t in list_of(m, "transitions") {
        let t = t.as_map().ok_or_else(|| ProviderError::permanent("a transition must be a map"))?;
        let class = required_str(t, "storage_class")?;
        let d = int_of(t, "days").and_then(|d| i32::try_from(d).ok()).unwrap_or(0);
        rule =
            rule.transitions(Transition::builder().days(d).storage_class(TransitionStorageClass::from(class)).build());
    }
    if let Some(d) = days("noncurrent_version_expiration_days") {
        rule = rule.noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(d).build());
    }
    if let Some(d) = days("abort_incomplete_multipart_upload_days") {
        rule = rule.abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder().days_after_initiation(d).build(),
        );
    }
    rule.build().map_err(|e| build_error("lifecycle", e))
}

async fn put_lifecycle(c: &Clients, name: &str, rules: &[Value]) -> Result<(), ProviderError> {
    let rules = rules.iter().map(lifecycle_rule).collect::<Result<Vec<_>, _>>()?;
    let config = BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| build_error("lifecycle", e))?;
    c.s3.put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(|e| error::sdk("s3:PutBucketLifecycleConfiguration", e))?;
    Ok(())
}

async fn put_tags(c: &Clients, name: &str, tags: &BTreeMap<String, String>) -> Result<(), ProviderError> {
    let set = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("tagging", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let tagging = Tagging::builder().set_tag_set(Some(set)).build().map_err(|e| build_error("tagging", e))?;
    c.s3.put_bucket_tagging()
        .bucket(name)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| error::sdk("s3:PutBucketTagging", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, transitions: &[(i64, &str)]) -> Value {
        let list: Vec<Value> = transitions
            .iter()
            .map(|(d, c)| MapBuilder::default().set("days", int(*d)).set("storage_class", *c).value())
            .collect();
        MapBuilder::default().set("id", id).set("enabled", true).set("transitions", Value::List(list)).value()
    }

    #[test]
    fn rules_and_transitions_follow_the_recorded_order() {
        let prior = vec![rule("b", &[(90, "GLACIER"), (30, "STANDARD_IA")]), rule("a", &[])];
        let live = vec![rule("new", &[]), rule("a", &[]), rule("b", &[(30, "STANDARD_IA"), (90, "GLACIER")])];
        let ordered = order_rules(live, &prior);
        let ids: Vec<&str> = ordered.iter().map(rule_id).collect();
        assert_eq!(ids, ["b", "a", "new"]);
        assert_eq!(ordered[0], prior[0]);
    }

    #[test]
    fn missing_encryption_reads_as_sse_s3() {
        assert_eq!(encryption_value(None), MapBuilder::default().set("sse_algorithm", "AES256").value());
        let kms = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::AwsKms)
                    .kms_master_key_id("arn:aws:kms:us-east-1:123456789012:key/k")
                    .build()
                    .unwrap(),
            )
            .bucket_key_enabled(true)
            .build();
        assert_eq!(
            encryption_value(Some(&kms)),
            MapBuilder::default()
                .set("sse_algorithm", "aws:kms")
                .set("kms_master_key_id", "arn:aws:kms:us-east-1:123456789012:key/k")
                .set("bucket_key_enabled", true)
                .value()
        );
    }

    #[test]
    fn rules_round_trip_through_the_sdk_type() {
        let spec = MapBuilder::default()
            .set("id", "default")
            .set("prefix", "media/")
            .set("enabled", true)
            .set("expiration_days", int(365))
            .set(
                "transitions",
                Value::List(vec![
                    MapBuilder::default().set("days", int(30)).set("storage_class", "STANDARD_IA").value(),
                ]),
            )
            .set("abort_incomplete_multipart_upload_days", int(7))
            .value();
        assert_eq!(rule_value(&lifecycle_rule(&spec).unwrap()), spec);
    }

    #[test]
    fn computed_names_follow_the_partition() {
        let attrs = computed("media", "cn-north-1");
        assert_eq!(attrs["arn"], Value::from("arn:aws-cn:s3:::media"));
        assert_eq!(attrs["bucket_regional_domain_name"], Value::from("media.s3.cn-north-1.amazonaws.com.cn"));
    }
}
