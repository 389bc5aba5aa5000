//! `aws_acm_certificate` and `aws_acm_certificate_validation`: a public certificate from AWS
//! Certificate Manager, validated through DNS, and the wait for ACM to issue it.
//!
//! Certificates are requested in us-east-1, the region CloudFront takes them from. A request
//! returns at once with the certificate `PENDING_VALIDATION` and, in its
//! `DomainValidationOptions`, the CNAME record ACM will look up to prove the domain is ours: the
//! certificate exposes it as `validation_record_name` / `validation_record_value`, which a
//! [`Route53Record::validation`](crate::Route53Record::validation) puts in the zone. An
//! [`AcmCertificateValidation`] then waits until the certificate is `ISSUED` (ACM checks within
//! minutes once the record resolves) and carries the certificate's ARN on, so a distribution
//! that takes `validation.certificate_arn()` is only configured with an issued certificate.
//!
//! One name per certificate (a wildcard `*.example.com` covers one label under it).

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::check;

/// The certificate statuses meaning it will not be (or is no longer) usable: a validation
/// that finds one of them on the live certificate plans a repair (waiting for `ISSUED` again).
pub const NOT_ISSUED: &[&str] =
    &["PENDING_VALIDATION", "FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE"];

/// A public certificate for one domain name, validated through DNS.
///
/// ```ignore
/// let cert = AcmCertificate::new("media", "media.staging.quikapp.com");
/// let proof = Route53Record::validation("media_validation", &zone, &cert);
/// let issued = AcmCertificateValidation::new("media", &cert).record(&proof);
/// let cdn = cdn.alias("media.staging.quikapp.com").certificate(issued.certificate_arn());
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(
    type = "aws_acm_certificate",
    provider = "aws",
    refs(arn, validation_record_name, validation_record_value),
    validate = Self::check
)]
pub struct AcmCertificate {
    #[serde(skip)]
    meta: Meta,
    /// The certificate's ARN (in us-east-1).
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    /// The name of the CNAME record ACM looks up to validate the domain, without the trailing
    /// dot (`_3f….media.staging.quikapp.com`).
    #[serde(skip)]
    #[resource(computed)]
    validation_record_name: Computed<String>,
    /// The value that record must hold (`_9a….acm-validations.aws.`).
    #[serde(skip)]
    #[resource(computed)]
    validation_record_value: Computed<String>,
    #[resource(force_new = "a certificate's name is fixed when it is requested: a new one is requested")]
    domain_name: String,
    #[resource(force_new = "a certificate's validation method is fixed when it is requested")]
    validation_method: ValidationMethod,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

/// How ACM checks that the domain is ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum ValidationMethod {
    /// A CNAME record in the domain's zone (renewals then need no one).
    #[serde(rename = "DNS")]
    Dns,
}

impl AcmCertificate {
    /// A DNS-validated certificate for `domain` (`media.staging.quikapp.com`, or a wildcard),
    /// addressed as `aws_acm_certificate.<local>`.
    pub fn new(local: &str, domain: impl Into<String>) -> Self {
        Self {
            meta: Meta::named(local),
            arn: Computed::new(),
            validation_record_name: Computed::new(),
            validation_record_value: Computed::new(),
            domain_name: check::dns_normal(&domain.into()),
            validation_method: ValidationMethod::Dns,
            tags: BTreeMap::new(),
        }
    }

    /// The name the certificate is for.
    pub fn domain(&self) -> &str {
        &self.domain_name
    }

    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::dns_name_problems(&self.domain_name, true) {
            p.field("domain_name", format!("`{}` {message}", self.domain_name));
        }
        if self.domain_name.len() > 64 {
            p.field(
                "domain_name",
                format!(
                    "acm takes names of at most 64 characters, `{}` has {}",
                    self.domain_name,
                    self.domain_name.len()
                ),
            );
        }
        check::tags(p, &self.tags);
    }
}

/// The wait until a certificate is issued: created once the certificate's validation record is
/// in place, it completes when ACM reports the certificate `ISSUED`.
///
/// Its `certificate_status` is watched: a certificate found revoked, expired or failed later makes
/// the next plan a repair, which waits for `ISSUED` again (and fails, naming the status, if ACM
/// never issues it: replace the certificate then).
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "aws_acm_certificate_validation", provider = "aws", refs(certificate_arn))]
pub struct AcmCertificateValidation {
    #[serde(skip)]
    meta: Meta,
    /// What ACM reports of the certificate.
    #[serde(skip)]
    #[resource(watch, failed_when = NOT_ISSUED)]
    certificate_status: Computed<String>,
    /// The certificate waited for (`certificate.arn()`); referring to it here rather than to the
    /// certificate means the certificate is issued.
    #[resource(force_new = "a validation waits for one certificate")]
    certificate_arn: Val<String>,
    /// Adds the validation record waited on (`record.fqdn()`): the wait starts once it exists.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[resource(push = "record_fqdn")]
    validation_record_fqdns: Vec<Val<String>>,
}

impl AcmCertificateValidation {
    /// The wait for `certificate`, addressed as `aws_acm_certificate_validation.<local>`.
    pub fn new(local: &str, certificate: &AcmCertificate) -> Self {
        Self {
            meta: Meta::named(local),
            certificate_status: Computed::new(),
            certificate_arn: certificate.arn().into(),
            validation_record_fqdns: Vec::new(),
        }
    }

    /// Waits for the validation record `record` too (`record.fqdn()`).
    pub fn record(self, record: &crate::Route53Record) -> Self {
        self.record_fqdn(record.fqdn())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};
    use crate::{Route53Record, Route53Zone};

    #[test]
    fn a_certificate_and_its_validation_serialize_to_their_attributes() {
        let cert = AcmCertificate::new("media", "Media.Staging.QuikApp.com");
        assert_eq!(attrs(&cert), json!({"domain_name": "media.staging.quikapp.com", "validation_method": "DNS"}));
        assert!(problems(cert.clone()).is_empty());
        let zone = Route53Zone::new("main", "quikapp.com");
        let record = Route53Record::validation("media_validation", &zone, &cert);
        let wait = AcmCertificateValidation::new("media", &cert).record(&record);
        assert_eq!(
            attrs(&wait),
            json!({
                "certificate_arn": {"$ref": "aws_acm_certificate.media.arn"},
                "validation_record_fqdns": [{"$ref": "aws_route53_record.media_validation.fqdn"}]
            })
        );
        assert_eq!(
            serde_json::to_value(wait.certificate_arn()).unwrap(),
            json!({"$ref": "aws_acm_certificate_validation.media.certificate_arn"})
        );
        let status = AcmCertificateValidation::schema().attr("certificate_status").unwrap();
        assert!(status.failed.contains(&"REVOKED") && !status.failed.contains(&"ISSUED"));
    }

    #[test]
    fn names_are_dns_names_acm_accepts() {
        assert_problem(&problems(AcmCertificate::new("c", "localhost")), "domain_name", "two labels");
        let long = format!("{}.{}.quikapp.com", "a".repeat(30), "b".repeat(30));
        assert_problem(&problems(AcmCertificate::new("c", long)), "domain_name", "at most 64");
        assert!(problems(AcmCertificate::new("c", "*.quikapp.com")).is_empty());
    }
}
