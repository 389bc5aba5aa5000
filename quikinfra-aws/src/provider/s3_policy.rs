//! `aws_s3_bucket_policy` over the S3 API: `PutBucketPolicy`, `GetBucketPolicy` and
//! `DeleteBucketPolicy`.
//!
//! The provider id is the bucket's name. A refresh is one call; a bucket without a policy (or
//! without the bucket) reads as gone. What S3 returns is compared by meaning with what state
//! recorded ([`super::policy::read_back`]): S3 rewrites one-element lists as strings and
//! reorders keys, which is no drift. Create and update are the same call, which replaces the
//! whole policy; a retry sends the same document again. A create first reads the bucket's
//! policy: one already there (set outside quikinfra) is a conflict naming the `import`, never
//! silently replaced, except on the boundary's retry of that create.

use async_trait::async_trait;
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, ProviderError, ReadRequest, Serves, UpdateRequest,
};
use quikinfra_core::value::Attrs;

use super::Clients;
use super::attrs::{MapBuilder, required_str};
use super::error::{self, is_code};
use super::policy;
use crate::S3BucketPolicy;

async fn put(c: &Clients, address: &str, bucket: &str, config: &Attrs) -> Result<Attrs, ProviderError> {
    let text = policy::render(address, config.get(S3BucketPolicy::POLICY.name()))?;
    c.s3.put_bucket_policy()
        .bucket(bucket)
        .policy(text)
        .send()
        .await
        .map_err(|e| error::sdk("s3:PutBucketPolicy", e))?;
    let mut out = config.clone();
    out.insert(S3BucketPolicy::ID.name(), bucket.into());
    Ok(out)
}

/// Whether `bucket` holds a policy now (a missing bucket holds none).
async fn has_policy(c: &Clients, bucket: &str) -> Result<bool, ProviderError> {
    match c.s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => Ok(out.policy().is_some_and(|p| !p.trim().is_empty())),
        Err(e) if is_code(&e, "NoSuchBucketPolicy") || is_code(&e, "NoSuchBucket") => Ok(false),
        Err(e) => Err(error::sdk("s3:GetBucketPolicy", e)),
    }
}

#[async_trait]
impl Serves<S3BucketPolicy> for Clients {
    /// Reads the bucket's policy; `None` when the bucket has none (or is gone).
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let (bucket, prior) = (req.id, req.prior);
        let text = match self.s3.get_bucket_policy().bucket(bucket).send().await {
            Ok(out) => out.policy().unwrap_or_default().to_string(),
            Err(e) if is_code(&e, "NoSuchBucketPolicy") || is_code(&e, "NoSuchBucket") => return Ok(None),
            Err(e) => return Err(error::sdk("s3:GetBucketPolicy", e)),
        };
        let document = policy::read_back("s3:GetBucketPolicy", &text, prior.get(S3BucketPolicy::POLICY.name()))?;
        let attrs = MapBuilder::default()
            .set(S3BucketPolicy::ID, bucket)
            .set(S3BucketPolicy::BUCKET, bucket)
            .set(S3BucketPolicy::POLICY, document)
            .build();
        Ok(Some(attrs))
    }

    /// Puts the policy on the bucket.
    /// Puts the policy, unless the bucket already has one (set outside quikinfra, or by another
    /// environment): putting would silently replace it, so a fresh create conflicts instead.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let bucket = required_str(req.config, S3BucketPolicy::BUCKET.name())?.to_string();
        if has_policy(self, &bucket).await? {
            req.already_there(&format!("a policy on bucket `{bucket}`"), &bucket)?;
        }
        let attrs = put(self, &req.address.to_string(), &bucket, req.config).await?;
        Ok(Created { id: bucket, attrs })
    }

    /// The bucket's policy, when it has one (what an interrupted create may have put).
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let bucket = required_str(req.config, S3BucketPolicy::BUCKET.name())?.to_string();
        let read = ReadRequest { address: req.address, id: &bucket, prior: req.config };
        let found = Serves::<S3BucketPolicy>::read(self, read).await?;
        Ok(found.map(|attrs| Created { id: bucket, attrs }))
    }

    /// Replaces the policy (the bucket cannot change: the schema forces a replacement).
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        put(self, &req.address.to_string(), req.id, req.config).await
    }

    /// Removes the policy; a bucket without one (or gone) counts as done.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        match self.s3.delete_bucket_policy().bucket(req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_code(&e, "NoSuchBucketPolicy") || is_code(&e, "NoSuchBucket") => Ok(()),
            Err(e) => Err(error::sdk("s3:DeleteBucketPolicy", e)),
        }
    }
}
