//! `aws_acm_certificate` and `aws_acm_certificate_validation` over the ACM API, in us-east-1
//! (where CloudFront takes certificates from).
//!
//! # Certificates
//!
//! The provider id is the certificate's ARN. A create is `RequestCertificate` with DNS
//! validation and an idempotency token stable across the engine's retries within this process
//! (ACM answers a repeated request, within an hour, with the same certificate), then
//! `DescribeCertificate` until the certificate's `DomainValidationOptions` carry the CNAME record
//! ACM will look up (a few seconds on AWS), which becomes `validation_record_name` (without the
//! trailing dot) and `validation_record_value`. A refresh makes two calls, `DescribeCertificate`
//! and `ListTagsForCertificate`. Only tags change in place. A certificate still used by a
//! distribution cannot be deleted: ACM says `ResourceInUseException` for a while after the
//! distribution lets go of it, so that is retried.
//!
//! # Validations
//!
//! Nothing is created: a validation's create (and its repair) waits until `DescribeCertificate`
//! reports the certificate `ISSUED`, polling with growing pauses and saying on each poll what it
//! waits for (`provider::progress::report`: apply's "Still creating…" lines show it). A status
//! that will never turn `ISSUED` (`FAILED`, `VALIDATION_TIMED_OUT`, `REVOKED`…) fails at once with
//! ACM's reason; a certificate still pending after the timeout (45 minutes unless
//! [`AwsProvider::acm_validation_timeout`](super::AwsProvider::acm_validation_timeout) says
//! otherwise) fails naming the certificate, its name, its status and the record ACM looks up.
//! Its id is the certificate's ARN; deleting it deletes nothing.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, Tag, ValidationMethod};
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, ProviderError, ReadRequest, Serves, TagChanges, UpdateRequest,
};
use quikinfra_core::value::Attrs;

use super::Clients;
use super::attrs::{self, MapBuilder};
use super::error::{self, is_code};
use crate::check::dns_normal;
use crate::{AcmCertificate as Cert, AcmCertificateValidation as Validation};

const NOT_FOUND: &str = "ResourceNotFoundException";

/// How long a create waits for ACM to publish the validation record.
const RECORD_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a validation waits for the certificate to be issued, unless configured otherwise.
pub(crate) const DEFAULT_VALIDATION_TIMEOUT: Duration = Duration::from_secs(45 * 60);

fn acm_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

async fn describe(c: &Clients, arn: &str) -> Result<Option<CertificateDetail>, ProviderError> {
    match c.acm.describe_certificate().certificate_arn(arn).send().await {
        Ok(out) => Ok(out.certificate().cloned()),
        Err(e) if is_code(&e, NOT_FOUND) => Ok(None),
        Err(e) => Err(error::sdk("acm:DescribeCertificate", e)),
    }
}

/// The validation record of the certificate's own name: `(name, value)`, once ACM has it.
fn validation_record(detail: &CertificateDetail) -> Option<(String, String)> {
    let domain = detail.domain_name()?;
    let option = detail.domain_validation_options().iter().find(|o| o.domain_name() == domain)?;
    let record = option.resource_record()?;
    Some((dns_normal(record.name()), record.value().to_string()))
}

async fn read_cert(c: &Clients, arn: &str) -> Result<Option<Attrs>, ProviderError> {
    let Some(detail) = describe(c, arn).await? else { return Ok(None) };
    let tags = match c.acm.list_tags_for_certificate().certificate_arn(arn).send().await {
        Ok(out) => attrs::string_map(out.tags().iter().map(|t| (t.key(), t.value().unwrap_or_default()))),
        Err(e) if is_code(&e, NOT_FOUND) => return Ok(None),
        Err(e) => return Err(error::sdk("acm:ListTagsForCertificate", e)),
    };
    let record = validation_record(&detail);
    Ok(Some(
        MapBuilder::default()
            .set(Cert::ARN, detail.certificate_arn().unwrap_or(arn))
            .set_opt(Cert::VALIDATION_RECORD_NAME, record.as_ref().map(|r| r.0.as_str()))
            .set_opt(Cert::VALIDATION_RECORD_VALUE, record.as_ref().map(|r| r.1.as_str()))
            .set(Cert::DOMAIN_NAME, detail.domain_name().map(dns_normal).unwrap_or_default())
            .set(Cert::VALIDATION_METHOD, "DNS")
            .set(Cert::TAGS, tags)
            .build(),
    ))
}

#[async_trait]
impl Serves<Cert> for Clients {
    /// Reads the live certificate; `None` when it is gone.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        read_cert(self, req.id).await
    }

    /// Requests the certificate and waits for its validation record.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let config = req.config;
        let domain = Cert::DOMAIN_NAME.require(config)?;
        let tags = Cert::TAGS.read(config).unwrap_or_default();
        // ACM takes tokens of at most 32 word characters.
        let token: String = format!("{}{}", c.token, fold(&req.address.to_string()))
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect();
        let mut request = c
            .acm
            .request_certificate()
            .domain_name(domain)
            .validation_method(ValidationMethod::Dns)
            .idempotency_token(token);
        if !tags.is_empty() {
            request = request.set_tags(Some(acm_tags(&tags)));
        }
        let out = request.send().await.map_err(|e| error::sdk("acm:RequestCertificate", e))?;
        let arn = out.certificate_arn().unwrap_or_default().to_string();
        let started = Instant::now();
        let mut pause = Duration::from_millis(250);
        loop {
            if let Some(attrs) = read_cert(c, &arn).await?
                && attrs.contains_key(Cert::VALIDATION_RECORD_NAME.name())
            {
                return Ok(Created { id: arn, attrs });
            }
            if started.elapsed() > RECORD_TIMEOUT {
                // The certificate exists; a retry with the same token finds it again.
                return Err(ProviderError::transient(format!(
                    "certificate {arn} for `{domain}` has no dns validation record after {RECORD_TIMEOUT:?}"
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    /// Changes the tags (nothing else can change in place).
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let c = self;
        let (arn, prior, config) = (req.id, req.prior, req.config);
        let untag = |keys: Vec<String>| async move {
            let tags: Vec<Tag> = keys.iter().filter_map(|k| Tag::builder().key(k).build().ok()).collect();
            let call = c.acm.remove_tags_from_certificate().certificate_arn(arn).set_tags(Some(tags)).send().await;
            call.map(drop).map_err(|e| error::sdk("acm:RemoveTagsFromCertificate", e))
        };
        let tag = |set: BTreeMap<String, String>| async move {
            let call = c.acm.add_tags_to_certificate().certificate_arn(arn).set_tags(Some(acm_tags(&set))).send().await;
            call.map(drop).map_err(|e| error::sdk("acm:AddTagsToCertificate", e))
        };
        TagChanges::between(prior, config).apply(untag, tag).await?;
        read_cert(c, arn).await?.ok_or_else(|| ProviderError::not_found(format!("certificate {arn} no longer exists")))
    }

    /// Deletes the certificate; one still in use is retried (CloudFront lets go of it late).
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        match self.acm.delete_certificate().certificate_arn(req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_code(&e, NOT_FOUND) => Ok(()),
            Err(e) if is_code(&e, "ResourceInUseException") => {
                Err(ProviderError::transient(error::sdk("acm:DeleteCertificate", e).message))
            }
            Err(e) => Err(error::sdk("acm:DeleteCertificate", e)),
        }
    }
}

/// The address as word characters for a token (`aws_acm_certificate.media` → `awsacmcertificatemedia`).
fn fold(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The validation's attributes for a certificate in `status`.
fn validation_attrs(arn: &str, status: &str, prior: &Attrs) -> Attrs {
    let mut out =
        MapBuilder::default().set(Validation::CERTIFICATE_ARN, arn).set(Validation::CERTIFICATE_STATUS, status).build();
    if let Some(fqdns) = prior.get(Validation::VALIDATION_RECORD_FQDNS.name()) {
        out.insert(Validation::VALIDATION_RECORD_FQDNS.name(), fqdns.clone());
    }
    out
}

/// Waits until the certificate `arn` is `ISSUED`.
async fn wait_issued(c: &Clients, arn: &str, config: &Attrs) -> Result<Attrs, ProviderError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        let detail = describe(c, arn)
            .await?
            .ok_or_else(|| ProviderError::not_found(format!("certificate {arn} no longer exists")))?;
        let status = detail.status().map(|s| s.as_str().to_string()).unwrap_or_default();
        let domain = detail.domain_name().unwrap_or_default().to_string();
        match detail.status() {
            Some(CertificateStatus::Issued) => return Ok(validation_attrs(arn, &status, config)),
            Some(CertificateStatus::PendingValidation) => {
                let record =
                    validation_record(&detail).map(|(name, _)| format!(" (acm looks up {name})")).unwrap_or_default();
                quikinfra_core::provider::progress::report(format!(
                    "certificate for `{domain}` is PENDING_VALIDATION, waiting for ISSUED{record}"
                ));
            }
            _ => {
                let reason = detail.failure_reason().map(|r| format!(" ({})", r.as_str())).unwrap_or_default();
                return Err(ProviderError::permanent(format!(
                    "certificate {arn} for `{domain}` is {status}{reason}, not ISSUED: acm will not issue it; replace it (`--replace` the aws_acm_certificate)"
                )));
            }
        }
        if started.elapsed() >= c.acm_validation_timeout {
            let record = validation_record(&detail)
                .map(|(name, value)| format!("{name} CNAME {value}"))
                .unwrap_or_else(|| "its validation record".to_string());
            return Err(ProviderError::permanent(format!(
                "certificate {arn} for `{domain}` is still {status} after {}: waited for ISSUED; check that {record} resolves publicly (is the zone delegated to its name servers?)",
                humantime::format_duration(Duration::from_secs(started.elapsed().as_secs()))
            )));
        }
        tokio::time::sleep(pause.min(c.acm_validation_timeout.saturating_sub(started.elapsed()))).await;
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

#[async_trait]
impl Serves<Validation> for Clients {
    /// What ACM reports of the certificate; `None` when it is gone.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let Some(detail) = describe(self, req.id).await? else { return Ok(None) };
        let status = detail.status().map(|s| s.as_str()).unwrap_or_default();
        Ok(Some(validation_attrs(req.id, status, req.prior)))
    }

    /// Waits until the certificate is issued.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let arn = Validation::CERTIFICATE_ARN.require(req.config)?;
        let attrs = wait_issued(self, arn, req.config).await?;
        Ok(Created { id: arn.to_string(), attrs })
    }

    /// A repair: waits until the certificate is issued again.
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        wait_issued(self, req.id, req.config).await
    }

    /// Nothing to delete: the certificate is the certificate's resource.
    async fn delete(&self, _req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quikinfra_core::value::Value;

    #[test]
    fn tokens_are_word_characters() {
        assert_eq!(fold("aws_acm_certificate.media"), "awsacmcertificatemedia");
        let attrs = validation_attrs("arn:x", "ISSUED", &Attrs::new());
        assert_eq!(attrs.get("certificate_status"), Some(&Value::from("ISSUED")));
    }
}
