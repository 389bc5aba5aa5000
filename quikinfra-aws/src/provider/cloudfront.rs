//! `aws_cloudfront_distribution` over the CloudFront API (global, served from us-east-1).
//!
//! # Origin access control
//!
//! Create first makes (or reuses, by name) an origin access control for the bucket, named after
//! it, signing every request with SigV4; the distribution's one origin uses it with an empty
//! origin access identity. Its id is recorded in the computed `origin_access_control_id`, and
//! delete removes it unless another distribution still uses it. The bucket policy that lets
//! the distribution read the bucket is the bucket owner's business.
//!
//! # Reads, updates and the ETag protocol
//!
//! A refresh makes two calls, `GetDistribution` (whose ETag is kept as `etag`) and
//! `ListTagsForResource`. The deployment `status` is not kept: it turns from `InProgress` to
//! `Deployed` by itself after every change and would show as drift on the next plan.
//!
//! An update reads the current configuration with `GetDistributionConfig` and its ETag, changes
//! only the managed fields (other origins, cache behaviours, logging, restrictions stay as they
//! are) and writes it back with `If-Match` on that ETag: a change made in between fails the
//! write (`PreconditionFailed`, a conflict) instead of being overwritten.
//!
//! After a create or an update the provider waits until the distribution reports `Deployed`
//! (minutes on AWS), so dependents and the next plan see it live; while it waits, apply prints
//! the engine's "still creating / modifying … elapsed" progress lines. The wait is skipped with
//! `QUIKINFRA_CLOUDFRONT_WAIT=false` (or [`AwsProvider::wait_for_cloudfront`](super::AwsProvider::wait_for_cloudfront)):
//! CloudFront then serves the old configuration for a while after apply returns.
//!
//! With a certificate of its own (aliases need one), the viewer certificate carries the spec's
//! `ssl_support_method` and `minimum_protocol_version` (`sni-only` and `TLSv1.2_2021` unless set
//! otherwise); without one, CloudFront's default `*.cloudfront.net` certificate.
//!
//! Delete disables the distribution if needed, waits until that is deployed (CloudFront
//! refuses to delete a distribution before), then deletes it with `If-Match`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CachedMethods, DefaultCacheBehavior, Distribution, DistributionConfig,
    DistributionConfigWithTags, Method, MinimumProtocolVersion, Origin, OriginAccessControlConfig,
    OriginAccessControlOriginTypes, OriginAccessControlSigningBehaviors, OriginAccessControlSigningProtocols, Origins,
    PriceClass, S3OriginConfig, SslSupportMethod, Tag, TagKeys, Tags, ViewerCertificate, ViewerProtocolPolicy,
};
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, ProviderError, ReadRequest, Serves, TagChanges,
    UpdateRequest,
};
use quikinfra_core::value::{Attrs, Value};

use super::Clients;
use super::attrs::{self, MapBuilder, bool_of, list_of, required_str, str_of};
use super::error::{self, is_code};
use crate::CloudFrontDistribution as Cdn;

/// The id of the one origin (and the default behaviour's target).
const ORIGIN_ID: &str = "s3-origin";

/// Every method CloudFront knows, in the order the spec lists them.
const METHOD_ORDER: [&str; 7] = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];

/// How long delete waits for a disabled distribution to deploy.
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn build_error(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::permanent(format!("building the {what}: {e}"))
}

#[async_trait]
impl Serves<Cdn> for Clients {
    /// Reads the live distribution; `None` when it is gone.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let c = self;
        let (id, prior) = (req.id, req.prior);
        let got = match c.cloudfront.get_distribution().id(id).send().await {
            Ok(out) => out,
            Err(e) if is_code(&e, "NoSuchDistribution") => return Ok(None),
            Err(e) => return Err(error::sdk("cloudfront:GetDistribution", e)),
        };
        let Some(dist) = got.distribution() else { return Ok(None) };
        let tags = match c.cloudfront.list_tags_for_resource().resource(dist.arn()).send().await {
            Ok(out) => attrs::string_map(
                out.tags()
                    .map(|t| t.items())
                    .unwrap_or_default()
                    .iter()
                    .map(|t| (t.key(), t.value().unwrap_or_default())),
            ),
            Err(e) if is_code(&e, "NoSuchResource") => return Ok(None),
            Err(e) => return Err(error::sdk("cloudfront:ListTagsForResource", e)),
        };
        let mut out = distribution_attrs(dist, got.e_tag(), prior);
        out.insert(Cdn::TAGS.name(), tags);
        Ok(Some(out))
    }

    /// Every distribution (`ListDistributions`, every page) carrying the requested tags
    /// (`ListTagsForResource`, asked only when tags are requested), named after its origin's
    /// bucket, by name then id.
    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        let mut found = Vec::new();
        let mut marker = None;
        loop {
            let out = self
                .cloudfront
                .list_distributions()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| error::sdk("cloudfront:ListDistributions", e))?;
            let Some(list) = out.distribution_list() else { break };
            for dist in list.items() {
                let origin = dist.origins().and_then(|o| o.items().first()).map(|o| o.domain_name());
                let name = oac_name(origin.unwrap_or(dist.id()));
                found.push((Discovered { id: dist.id().to_string(), name }, dist.arn().to_string()));
            }
            match list.next_marker() {
                Some(next) if list.is_truncated() && !next.is_empty() => marker = Some(next.to_string()),
                _ => break,
            }
        }
        found.sort_by(|(a, _), (b, _)| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        let mut kept = Vec::new();
        for (dist, arn) in found {
            if !req.tags.is_empty() {
                let tags: BTreeMap<String, String> =
                    match self.cloudfront.list_tags_for_resource().resource(&arn).send().await {
                        Ok(out) => out
                            .tags()
                            .map(|t| t.items())
                            .unwrap_or_default()
                            .iter()
                            .map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()))
                            .collect(),
                        Err(e) if is_code(&e, "NoSuchResource") => continue,
                        Err(e) => return Err(error::sdk("cloudfront:ListTagsForResource", e)),
                    };
                if req.tags.iter().any(|(k, v)| tags.get(k) != Some(v)) {
                    continue;
                }
            }
            kept.push(dist);
        }
        Ok(kept)
    }

    /// Creates the origin access control and the distribution.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let config = req.config;
        let domain = Cdn::ORIGIN
            .read(config)
            .and_then(|o| str_of(o, "domain_name"))
            .ok_or_else(|| ProviderError::permanent("attribute `origin.domain_name` is missing"))?;
        let oac = ensure_oac(c, domain).await?;
        let mut dist_config = DistributionConfig::builder()
            .caller_reference(format!("quikinfra-{}", uuid::Uuid::new_v4()))
            .comment("managed by quikinfra")
            .enabled(true)
            .build()
            .map_err(|e| build_error("distribution", e))?;
        apply_config(&mut dist_config, config, Some(&oac))?;
        let with_tags = DistributionConfigWithTags::builder()
            .distribution_config(dist_config)
            .tags(cloudfront_tags(&Cdn::TAGS.read(config).unwrap_or_default())?)
            .build();
        let out = c
            .cloudfront
            .create_distribution_with_tags()
            .distribution_config_with_tags(with_tags)
            .send()
            .await
            .map_err(|e| error::sdk("cloudfront:CreateDistributionWithTags", e))?;
        let dist = out.distribution().ok_or_else(|| ProviderError::permanent("cloudfront returned no distribution"))?;
        let prior = MapBuilder::default().set("origin_access_control_id", oac.as_str()).build();
        let mut etag = out.e_tag().unwrap_or_default().to_string();
        // The distribution exists now: failing the create would make the engine's retry create a
        // second one. A wait that fails (or times out) only means the first plan may still see
        // it deploying.
        if c.wait_for_cloudfront
            && let Ok(deployed) = wait_deployed(c, dist.id(), etag.clone()).await
        {
            etag = deployed;
        }
        let mut attrs = distribution_attrs(dist, Some(&etag), &prior);
        attrs.insert(Cdn::TAGS.name(), attrs::string_map(Cdn::TAGS.read(config).unwrap_or_default()));
        Ok(Created { id: dist.id().to_string(), attrs })
    }

    /// Writes the managed fields with `If-Match`, then the tags that changed.
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let c = self;
        let (id, prior, config, changed) = (req.id, req.prior, req.config, req.changed);
        let body_changed = changed.iter().any(|c| c != "tags");
        let mut out = prior.clone();
        if body_changed {
            let current = c
                .cloudfront
                .get_distribution_config()
                .id(id)
                .send()
                .await
                .map_err(|e| error::sdk("cloudfront:GetDistributionConfig", e))?;
            let etag = current.e_tag().unwrap_or_default().to_string();
            let mut dist_config = current
                .distribution_config()
                .cloned()
                .ok_or_else(|| ProviderError::permanent("cloudfront returned no distribution config"))?;
            apply_config(&mut dist_config, config, Cdn::ORIGIN_ACCESS_CONTROL_ID.read(prior))?;
            let updated = c
                .cloudfront
                .update_distribution()
                .id(id)
                .if_match(etag)
                .distribution_config(dist_config)
                .send()
                .await
                .map_err(|e| error::sdk("cloudfront:UpdateDistribution", e))?;
            if let Some(dist) = updated.distribution() {
                let mut etag = updated.e_tag().unwrap_or_default().to_string();
                if c.wait_for_cloudfront {
                    etag = wait_deployed(c, id, etag).await?;
                }
                let tags = out.remove("tags");
                out = distribution_attrs(dist, Some(&etag), prior);
                out.extend(tags.map(|t| ("tags".to_string(), t)));
            }
        }
        if changed.iter().any(|c| c == Cdn::TAGS.name()) {
            let arn = Cdn::ARN.require(prior)?;
            let untag = |keys| async move {
                let keys = TagKeys::builder().set_items(Some(keys)).build();
                let call = c.cloudfront.untag_resource().resource(arn).tag_keys(keys).send().await;
                call.map(drop).map_err(|e| error::sdk("cloudfront:UntagResource", e))
            };
            let tag = |set: BTreeMap<String, String>| async move {
                let call = c.cloudfront.tag_resource().resource(arn).tags(cloudfront_tags(&set)?).send().await;
                call.map(drop).map_err(|e| error::sdk("cloudfront:TagResource", e))
            };
            TagChanges::between(prior, config).apply(untag, tag).await?;
            out.insert(Cdn::TAGS.name(), attrs::string_map(Cdn::TAGS.read(config).unwrap_or_default()));
        }
        Ok(out)
    }

    /// Disables the distribution if needed, waits for that to deploy, deletes it and its origin
    /// access control.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let c = self;
        let (id, prior) = (req.id, req.prior);
        let current = match c.cloudfront.get_distribution_config().id(id).send().await {
            Ok(out) => out,
            Err(e) if is_code(&e, "NoSuchDistribution") => return delete_oac(c, prior).await,
            Err(e) => return Err(error::sdk("cloudfront:GetDistributionConfig", e)),
        };
        let mut etag = current.e_tag().unwrap_or_default().to_string();
        if let Some(config) = current.distribution_config().filter(|c| c.enabled()) {
            let mut disabled = config.clone();
            disabled.enabled = false;
            let out = c
                .cloudfront
                .update_distribution()
                .id(id)
                .if_match(&etag)
                .distribution_config(disabled)
                .send()
                .await
                .map_err(|e| error::sdk("cloudfront:UpdateDistribution", e))?;
            etag = out.e_tag().unwrap_or_default().to_string();
        }
        etag = wait_deployed(c, id, etag).await?;
        match c.cloudfront.delete_distribution().id(id).if_match(etag).send().await {
            Ok(_) => {}
            Err(e) if is_code(&e, "NoSuchDistribution") => {}
            Err(e) => return Err(error::sdk("cloudfront:DeleteDistribution", e)),
        }
        delete_oac(c, prior).await
    }
}

/// A distribution in the spec's shape (tags aside).
fn distribution_attrs(dist: &Distribution, etag: Option<&str>, prior: &Attrs) -> Attrs {
    let config = dist.distribution_config();
    let mut out = MapBuilder::default()
        .set(Cdn::ID, dist.id())
        .set(Cdn::ARN, dist.arn())
        .set(Cdn::DOMAIN_NAME, dist.domain_name())
        .set_opt(Cdn::ETAG, etag)
        .set_opt(Cdn::ORIGIN_ACCESS_CONTROL_ID, Cdn::ORIGIN_ACCESS_CONTROL_ID.read(prior))
        .build();
    if let Some(config) = config {
        out.extend(config_attrs(config, prior));
    }
    out
}

fn config_attrs(config: &DistributionConfig, prior: &Attrs) -> Attrs {
    let origin = config.origins().and_then(|o| o.items().first());
    let origin = MapBuilder::default()
        .set("domain_name", origin.map(|o| o.domain_name()).unwrap_or_default())
        .set_opt("origin_path", origin.and_then(|o| o.origin_path()).filter(|p| !p.is_empty()))
        .value();
    let behavior = config.default_cache_behavior();
    let mut methods: Vec<&str> = behavior
        .and_then(|b| b.allowed_methods())
        .map(|m| m.items().iter().map(|m| m.as_str()).collect())
        .unwrap_or_default();
    methods.sort_by_key(|m| METHOD_ORDER.iter().position(|o| o == m).unwrap_or(usize::MAX));
    let behavior = MapBuilder::default()
        .set("viewer_protocol_policy", behavior.map(|b| b.viewer_protocol_policy().as_str()).unwrap_or_default())
        .set("allowed_methods", Value::List(methods.into_iter().map(Value::from).collect()))
        .set("cache_policy_id", behavior.and_then(|b| b.cache_policy_id()).unwrap_or_default())
        .set("compress", behavior.and_then(|b| b.compress()).unwrap_or(false))
        .value();
    let live: Vec<String> = config
        .aliases()
        .and_then(|a| a.items.as_ref())
        .map(|items| items.iter().map(|a| a.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    let recorded: Vec<&str> = Cdn::ALIASES.read(prior).unwrap_or_default().iter().filter_map(Value::as_str).collect();
    let mut aliases: Vec<String> =
        recorded.iter().filter(|a| live.iter().any(|l| l == *a)).map(|a| a.to_string()).collect();
    let mut extra: Vec<String> = live.iter().filter(|l| !aliases.contains(l)).cloned().collect();
    extra.sort();
    aliases.extend(extra);
    let custom = config.viewer_certificate().filter(|v| v.cloud_front_default_certificate() != Some(true));
    let certificate = custom.and_then(|v| v.acm_certificate_arn()).filter(|a| !a.is_empty());
    // Only with a certificate of ours: CloudFront's own one reports settings of its own.
    let ssl = certificate.and(custom).and_then(|v| v.ssl_support_method()).map(|m| m.as_str());
    let tls = certificate.and(custom).and_then(|v| v.minimum_protocol_version()).map(|m| m.as_str());
    MapBuilder::default()
        .set(Cdn::ORIGIN, origin)
        .set(Cdn::ENABLED, config.enabled())
        .set(Cdn::PRICE_CLASS, config.price_class().map(|p| p.as_str()).unwrap_or("PriceClass_All"))
        .set(Cdn::DEFAULT_CACHE_BEHAVIOR, behavior)
        .set(Cdn::ALIASES, Value::List(aliases.into_iter().map(Value::from).collect()))
        .set_opt(Cdn::ACM_CERTIFICATE_ARN, certificate)
        .set_opt(Cdn::SSL_SUPPORT_METHOD, ssl)
        .set_opt(Cdn::MINIMUM_PROTOCOL_VERSION, tls)
        .set_opt(Cdn::WEB_ACL_ARN, config.web_acl_id().filter(|w| !w.is_empty()))
        .build()
}

/// The origin access control's name for a bucket domain: the bucket name, at most 64 characters.
fn oac_name(domain: &str) -> String {
    let bucket = domain.split(".s3").next().unwrap_or(domain);
    bucket.chars().take(64).collect()
}

/// Creates the origin access control for `domain`, or finds the one already named for it.
async fn ensure_oac(c: &Clients, domain: &str) -> Result<String, ProviderError> {
    let name = oac_name(domain);
    let config = OriginAccessControlConfig::builder()
        .name(&name)
        .description("quikinfra: CloudFront reads this bucket with SigV4")
        .signing_protocol(OriginAccessControlSigningProtocols::Sigv4)
        .signing_behavior(OriginAccessControlSigningBehaviors::Always)
        .origin_access_control_origin_type(OriginAccessControlOriginTypes::S3)
        .build()
        .map_err(|e| build_error("origin access control", e))?;
    match c.cloudfront.create_origin_access_control().origin_access_control_config(config).send().await {
        Ok(out) => Ok(out.origin_access_control().map(|o| o.id().to_string()).unwrap_or_default()),
        Err(e) if is_code(&e, "OriginAccessControlAlreadyExists") => {
            let list = c
                .cloudfront
                .list_origin_access_controls()
                .send()
                .await
                .map_err(|e| error::sdk("cloudfront:ListOriginAccessControls", e))?;
            list.origin_access_control_list()
                .map(|l| l.items())
                .unwrap_or_default()
                .iter()
                .find(|o| o.name() == name)
                .map(|o| o.id().to_string())
                .ok_or_else(|| {
                    ProviderError::transient(format!("origin access control `{name}` exists but is not listed yet"))
                })
        }
        Err(e) => Err(error::sdk("cloudfront:CreateOriginAccessControl", e)),
    }
}

fn methods(items: &[&str]) -> Vec<Method> {
    items.iter().map(|m| Method::from(*m)).collect()
}

/// Sets the managed fields of `config` from the declared attributes.
fn apply_config(config: &mut DistributionConfig, want: &Attrs, oac: Option<&str>) -> Result<(), ProviderError> {
    let origin_attrs = Cdn::ORIGIN.require(want)?;
    let domain = required_str(origin_attrs, "domain_name")?;
    let path = str_of(origin_attrs, "origin_path").unwrap_or_default();
    let mut origins = config.origins.take().map(|o| o.items).unwrap_or_default();
    match origins.iter_mut().find(|o| o.id == ORIGIN_ID) {
        Some(origin) => {
            origin.domain_name = domain.to_string();
            origin.origin_path = Some(path.to_string());
            if oac.is_some() {
                origin.origin_access_control_id = oac.map(str::to_string);
            }
        }
        None => {
            let origin = Origin::builder()
                .id(ORIGIN_ID)
                .domain_name(domain)
                .origin_path(path)
                .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
                .set_origin_access_control_id(oac.map(str::to_string))
                .build()
                .map_err(|e| build_error("origin", e))?;
            origins.insert(0, origin);
        }
    }
    config.origins = Some(
        Origins::builder()
            .quantity(origins.len() as i32)
            .set_items(Some(origins))
            .build()
            .map_err(|e| build_error("origins", e))?,
    );

    let b = Cdn::DEFAULT_CACHE_BEHAVIOR.require(want)?;
    let allowed: Vec<&str> = list_of(b, "allowed_methods").iter().filter_map(Value::as_str).collect();
    let cached = CachedMethods::builder()
        .quantity(2)
        .set_items(Some(methods(&["GET", "HEAD"])))
        .build()
        .map_err(|e| build_error("cached methods", e))?;
    let allowed = AllowedMethods::builder()
        .quantity(allowed.len() as i32)
        .set_items(Some(methods(&allowed)))
        .cached_methods(cached)
        .build()
        .map_err(|e| build_error("allowed methods", e))?;
    let policy = ViewerProtocolPolicy::from(str_of(b, "viewer_protocol_policy").unwrap_or("redirect-to-https"));
    let behavior = match config.default_cache_behavior.take() {
        Some(mut current) => {
            current.viewer_protocol_policy = policy;
            current.allowed_methods = Some(allowed);
            current.cache_policy_id = str_of(b, "cache_policy_id").map(str::to_string);
            current.compress = bool_of(b, "compress");
            current
        }
        None => DefaultCacheBehavior::builder()
            .target_origin_id(ORIGIN_ID)
            .viewer_protocol_policy(policy)
            .allowed_methods(allowed)
            .set_cache_policy_id(str_of(b, "cache_policy_id").map(str::to_string))
            .set_compress(bool_of(b, "compress"))
            .build()
            .map_err(|e| build_error("default cache behaviour", e))?,
    };
    config.default_cache_behavior = Some(behavior);

    config.enabled = Cdn::ENABLED.read(want).unwrap_or(true);
    config.price_class = Some(PriceClass::from(Cdn::PRICE_CLASS.read(want).unwrap_or("PriceClass_All")));
    let aliases: Vec<String> =
        Cdn::ALIASES.read(want).unwrap_or_default().iter().filter_map(Value::as_str).map(str::to_string).collect();
    config.aliases = Some(
        Aliases::builder()
            .quantity(aliases.len() as i32)
            .set_items((!aliases.is_empty()).then_some(aliases))
            .build()
            .map_err(|e| build_error("aliases", e))?,
    );
    config.viewer_certificate = Some(match Cdn::ACM_CERTIFICATE_ARN.read(want) {
        Some(arn) => ViewerCertificate::builder()
            .cloud_front_default_certificate(false)
            .acm_certificate_arn(arn)
            .ssl_support_method(SslSupportMethod::from(Cdn::SSL_SUPPORT_METHOD.read(want).unwrap_or("sni-only")))
            .minimum_protocol_version(MinimumProtocolVersion::from(
                Cdn::MINIMUM_PROTOCOL_VERSION.read(want).unwrap_or("TLSv1.2_2021"),
            ))
            .build(),
        None => ViewerCertificate::builder().cloud_front_default_certificate(true).build(),
    });
    if let Some(acl) = Cdn::WEB_ACL_ARN.read(want) {
        config.web_acl_id = Some(acl.to_string());
    }
    Ok(())
}

fn cloudfront_tags(tags: &BTreeMap<String, String>) -> Result<Tags, ProviderError> {
    let items = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("tags", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Tags::builder().set_items(Some(items)).build())
}

/// Polls until the distribution reports `Deployed`; returns its ETag then.
async fn wait_deployed(c: &Clients, id: &str, mut etag: String) -> Result<String, ProviderError> {
    let started = Instant::now();
    let mut pause = Duration::from_secs(1);
    loop {
        let out = c
            .cloudfront
            .get_distribution()
            .id(id)
            .send()
            .await
            .map_err(|e| error::sdk("cloudfront:GetDistribution", e))?;
        if let Some(tag) = out.e_tag() {
            etag = tag.to_string();
        }
        if out.distribution().is_some_and(|d| d.status() == "Deployed") {
            return Ok(etag);
        }
        let status = out.distribution().map(|d| d.status().to_string()).unwrap_or_default();
        quikinfra_core::provider::progress::report(format!("distribution {id} is {status}, waiting for Deployed"));
        if started.elapsed() > DEPLOY_TIMEOUT {
            return Err(ProviderError::transient(format!(
                "distribution {id} is still deploying after {DEPLOY_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(20));
    }
}

/// Deletes the recorded origin access control unless a distribution still uses it.
async fn delete_oac(c: &Clients, prior: &Attrs) -> Result<(), ProviderError> {
    let Some(oac) = Cdn::ORIGIN_ACCESS_CONTROL_ID.read(prior) else { return Ok(()) };
    let current = match c.cloudfront.get_origin_access_control().id(oac).send().await {
        Ok(out) => out,
        Err(e) if is_code(&e, "NoSuchOriginAccessControl") => return Ok(()),
        Err(e) => return Err(error::sdk("cloudfront:GetOriginAccessControl", e)),
    };
    match c.cloudfront.delete_origin_access_control().id(oac).if_match(current.e_tag().unwrap_or_default()).send().await
    {
        Ok(_) => Ok(()),
        Err(e) if is_code(&e, "NoSuchOriginAccessControl") || is_code(&e, "OriginAccessControlInUse") => Ok(()),
        Err(e) => Err(error::sdk("cloudfront:DeleteOriginAccessControl", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_controls_are_named_after_their_bucket() {
        assert_eq!(oac_name("quikapp-media-prod.s3.us-east-1.amazonaws.com"), "quikapp-media-prod");
        assert_eq!(oac_name("media.s3.amazonaws.com"), "media");
    }
}
