//! `aws_cloudfront_distribution`: a CloudFront distribution serving one private S3 bucket
//! through origin access control, with optional custom domain names, certificate and WAF.
//!
//! The origin is always an S3 REST endpoint reached with origin access control (SigV4, always
//! signed): the bucket stays private and its policy grants `cloudfront.amazonaws.com` read
//! access for this distribution's ARN. Legacy origin access identities and website endpoints
//! are not supported.

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::{AttrValue, Related};
use quikinfra_core::value::{Computed, Val, Value};
use serde::{Serialize, Serializer};

use crate::check;

/// Ids of the cache policies AWS manages, the same in every account.
pub mod managed_cache_policy {
    /// `Managed-CachingOptimized`: long TTLs, compression, no cookies, headers or query strings
    /// in the key. The default, and the right one for media.
    pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
    /// `Managed-CachingOptimizedForUncompressedObjects`: as above, without compression.
    pub const CACHING_OPTIMIZED_FOR_UNCOMPRESSED_OBJECTS: &str = "b2884449-e4de-46a7-ac36-70bc7f1ddd6d";
    /// `Managed-CachingDisabled`: every request goes to the origin.
    pub const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

    /// The id of a managed policy given by name (`Managed-CachingOptimized`, with or without
    /// the `Managed-` prefix).
    pub fn by_name(name: &str) -> Option<&'static str> {
        match name.strip_prefix("Managed-").unwrap_or(name) {
            "CachingOptimized" => Some(CACHING_OPTIMIZED),
            "CachingOptimizedForUncompressedObjects" => Some(CACHING_OPTIMIZED_FOR_UNCOMPRESSED_OBJECTS),
            "CachingDisabled" => Some(CACHING_DISABLED),
            _ => None,
        }
    }
}

/// How many alternate domain names CloudFront accepts on one distribution by default.
const MAX_ALIASES: usize = 100;

/// A CloudFront distribution in front of one S3 bucket.
///
/// ```ignore
/// let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name())
///     .price_class(PriceClass::Class100)
///     .alias("media.quikapp.com")
///     .certificate(certificate_arn)
///     .web_acl(acl.arn());
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(
    type = "aws_cloudfront_distribution",
    provider = "aws",
    refs(arn, id, domain_name),
    validate = Self::check,
    related = Self::check_related
)]
pub struct CloudFrontDistribution {
    #[serde(skip)]
    meta: Meta,
    /// The distribution's id, like `E2QWRUHAPOMQZL`.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The distribution's ARN (what Shield protects).
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    /// The distribution's own domain name, `d111111abcdef8.cloudfront.net`.
    #[serde(skip)]
    #[resource(computed)]
    domain_name: Computed<String>,
    #[serde(skip)]
    #[resource(computed)]
    etag: Computed<String>,
    #[serde(skip)]
    #[resource(computed)]
    origin_access_control_id: Computed<String>,
    origin: S3Origin,
    /// Enables or disables the distribution; a disabled one keeps its configuration and domain.
    #[resource(setter)]
    enabled: bool,
    /// Chooses which edge locations serve requests.
    #[resource(setter)]
    price_class: PriceClass,
    default_cache_behavior: CacheBehavior,
    aliases: Vec<String>,
    /// The ACM certificate (in us-east-1) covering the aliases. Without aliases the
    /// distribution uses CloudFront's own `*.cloudfront.net` certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    acm_certificate_arn: Option<Val<String>>,
    /// How CloudFront serves HTTPS with the certificate: `sni-only` (set with the certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter)]
    ssl_support_method: Option<SslSupportMethod>,
    /// The oldest TLS version and ciphers viewers may use with the certificate:
    /// `TLSv1.2_2021` (set with the certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter)]
    minimum_protocol_version: Option<MinimumProtocolVersion>,
    /// Protects the distribution with a WAFv2 web ACL of CLOUDFRONT scope (`acl.arn()`).
    /// Left unset, the web ACL is not managed: one attached outside is left alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter = "web_acl")]
    web_acl_arn: Option<Val<String>>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

/// The distribution's origin: an S3 bucket's REST endpoint behind origin access control.
#[derive(Clone, Debug, Serialize, AttrValue)]
pub(crate) struct S3Origin {
    domain_name: Val<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_path: Option<String>,
}

/// The behaviour applied to every request (there are no path-specific behaviours yet).
#[derive(Clone, Debug, Serialize, AttrValue)]
pub(crate) struct CacheBehavior {
    viewer_protocol_policy: ViewerProtocolPolicy,
    allowed_methods: AllowedMethods,
    cache_policy_id: String,
    compress: bool,
}

impl CloudFrontDistribution {
    /// An enabled distribution, addressed as `aws_cloudfront_distribution.<name>`, serving the
    /// bucket whose regional domain name is `origin` (`bucket.regional_domain_name()`), on all
    /// edge locations, redirecting HTTP to HTTPS, `GET`/`HEAD` only, with
    /// `Managed-CachingOptimized`.
    pub fn new(name: &str, origin: impl Into<Val<String>>) -> Self {
        Self {
            meta: Meta::named(name),
            id: Computed::new(),
            arn: Computed::new(),
            domain_name: Computed::new(),
            etag: Computed::new(),
            origin_access_control_id: Computed::new(),
            origin: S3Origin { domain_name: origin.into(), origin_path: None },
            enabled: true,
            price_class: PriceClass::All,
            default_cache_behavior: CacheBehavior {
                viewer_protocol_policy: ViewerProtocolPolicy::RedirectToHttps,
                allowed_methods: AllowedMethods::GetHead,
                cache_policy_id: managed_cache_policy::CACHING_OPTIMIZED.to_string(),
                compress: true,
            },
            aliases: Vec::new(),
            acm_certificate_arn: None,
            ssl_support_method: None,
            minimum_protocol_version: None,
            web_acl_arn: None,
            tags: BTreeMap::new(),
        }
    }

    /// Serves only objects under `path` in the bucket (`/media`).
    pub fn origin_path(mut self, path: impl Into<String>) -> Self {
        self.origin.origin_path = Some(path.into());
        self
    }

    /// Chooses what happens to plain HTTP requests.
    pub fn viewer_protocol_policy(mut self, policy: ViewerProtocolPolicy) -> Self {
        self.default_cache_behavior.viewer_protocol_policy = policy;
        self
    }

    /// Chooses which HTTP methods CloudFront accepts.
    pub fn allowed_methods(mut self, methods: AllowedMethods) -> Self {
        self.default_cache_behavior.allowed_methods = methods;
        self
    }

    /// Sets the cache policy by id, or by name for AWS's managed ones (`Managed-CachingDisabled`,
    /// translated to its id with [`managed_cache_policy::by_name`]).
    pub fn cache_policy(mut self, id_or_managed_name: impl Into<String>) -> Self {
        let text = id_or_managed_name.into();
        self.default_cache_behavior.cache_policy_id = match managed_cache_policy::by_name(&text) {
            Some(id) => id.to_string(),
            None => text,
        };
        self
    }

    /// Compresses responses when the viewer accepts it (on by default).
    pub fn compress(mut self, on: bool) -> Self {
        self.default_cache_behavior.compress = on;
        self
    }

    /// Serves the aliases with the ACM certificate `arn` (in us-east-1; an issued one:
    /// `validation.certificate_arn()`), to viewers that send SNI, with TLS 1.2 or newer
    /// (`sni-only`, `TLSv1.2_2021`) unless set otherwise.
    pub fn certificate(mut self, arn: impl Into<Val<String>>) -> Self {
        self.acm_certificate_arn = Some(arn.into());
        self.ssl_support_method.get_or_insert(SslSupportMethod::SniOnly);
        self.minimum_protocol_version.get_or_insert(MinimumProtocolVersion::Tls12_2021);
        self
    }

    /// Adds an alternate domain name (CNAME) such as `media.quikapp.com`. DNS names are
    /// case-insensitive; this one is stored in lowercase, as CloudFront reports it.
    /// Needs a certificate: see [`certificate`](Self::certificate).
    pub fn alias(mut self, domain: impl Into<String>) -> Self {
        self.aliases.push(domain.into().to_ascii_lowercase());
        self
    }
}

/// Which edge locations serve the distribution, cheapest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum PriceClass {
    /// North America, Europe and Israel.
    #[serde(rename = "PriceClass_100")]
    Class100,
    /// `Class100` plus Africa, Asia, the Middle East and India.
    #[serde(rename = "PriceClass_200")]
    Class200,
    /// Every edge location (CloudFront's default).
    #[serde(rename = "PriceClass_All")]
    All,
}

/// How CloudFront serves HTTPS with a custom certificate, in CloudFront's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum SslSupportMethod {
    /// To viewers that send the host name (SNI): every current browser and client.
    #[serde(rename = "sni-only")]
    SniOnly,
    /// On dedicated IP addresses, for clients without SNI (billed monthly).
    #[serde(rename = "vip")]
    Vip,
}

/// The oldest TLS version (and its cipher set) viewers may use, in CloudFront's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, AttrValue)]
pub enum MinimumProtocolVersion {
    /// TLS 1.0 (2016 ciphers).
    #[serde(rename = "TLSv1_2016")]
    Tls1_2016,
    /// TLS 1.1 (2016 ciphers).
    #[serde(rename = "TLSv1.1_2016")]
    Tls11_2016,
    /// TLS 1.2 (2018 ciphers).
    #[serde(rename = "TLSv1.2_2018")]
    Tls12_2018,
    /// TLS 1.2 (2019 ciphers).
    #[serde(rename = "TLSv1.2_2019")]
    Tls12_2019,
    /// TLS 1.2 (2021 ciphers): the recommended one.
    #[serde(rename = "TLSv1.2_2021")]
    Tls12_2021,
}

impl MinimumProtocolVersion {
    /// Every version, oldest first.
    pub const ALL: [MinimumProtocolVersion; 5] = [
        MinimumProtocolVersion::Tls1_2016,
        MinimumProtocolVersion::Tls11_2016,
        MinimumProtocolVersion::Tls12_2018,
        MinimumProtocolVersion::Tls12_2019,
        MinimumProtocolVersion::Tls12_2021,
    ];

    /// CloudFront's spelling: `TLSv1.2_2021`.
    pub fn as_str(self) -> &'static str {
        match self {
            MinimumProtocolVersion::Tls1_2016 => "TLSv1_2016",
            MinimumProtocolVersion::Tls11_2016 => "TLSv1.1_2016",
            MinimumProtocolVersion::Tls12_2018 => "TLSv1.2_2018",
            MinimumProtocolVersion::Tls12_2019 => "TLSv1.2_2019",
            MinimumProtocolVersion::Tls12_2021 => "TLSv1.2_2021",
        }
    }

    /// Whether it requires TLS 1.2 or newer.
    pub fn is_tls12_or_newer(text: &str) -> bool {
        text.starts_with("TLSv1.2_") || text.starts_with("TLSv1.3")
    }
}

/// What CloudFront does with viewers' plain HTTP requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ViewerProtocolPolicy {
    /// Serves HTTP and HTTPS alike.
    #[serde(rename = "allow-all")]
    AllowAll,
    /// Answers HTTP with a redirect to HTTPS (the default).
    #[serde(rename = "redirect-to-https")]
    RedirectToHttps,
    /// Refuses HTTP.
    #[serde(rename = "https-only")]
    HttpsOnly,
}

/// The method sets CloudFront accepts; it offers exactly these three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowedMethods {
    /// `GET`, `HEAD` (the default: read-only media).
    GetHead,
    /// `GET`, `HEAD`, `OPTIONS` (CORS preflight).
    GetHeadOptions,
    /// Every method, for origins that take writes.
    All,
}

impl AllowedMethods {
    /// The methods, as CloudFront lists them.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            AllowedMethods::GetHead => &["GET", "HEAD"],
            AllowedMethods::GetHeadOptions => &["GET", "HEAD", "OPTIONS"],
            AllowedMethods::All => &["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
        }
    }
}

impl Serialize for AllowedMethods {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.methods())
    }
}

/// Whether `domain` is an S3 bucket REST endpoint: `<bucket>.s3.amazonaws.com`,
/// `<bucket>.s3.<region>.amazonaws.com` or the legacy `<bucket>.s3-<region>.amazonaws.com`.
fn is_s3_rest_endpoint(domain: &str) -> bool {
    let Some(host) = domain.strip_suffix(".amazonaws.com") else { return false };
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [bucket @ .., "s3"] | [bucket @ .., "s3", _] => !bucket.is_empty(),
        [bucket @ .., last] => !bucket.is_empty() && last.starts_with("s3-") && !last.starts_with("s3-website"),
        [] => false,
    }
}

fn validate_origin(p: &mut FieldProblems<'_>, origin: &S3Origin) {
    if let Val::Known(domain) = &origin.domain_name {
        if domain.contains(".s3-website") {
            p.field(
                "origin.domain_name",
                "a website endpoint cannot use origin access control: use the bucket's regional domain name",
            );
        } else if !is_s3_rest_endpoint(domain) {
            p.field(
                "origin.domain_name",
                format!("`{domain}` is not an s3 bucket domain like `bucket.s3.us-east-1.amazonaws.com`"),
            );
        }
    }
    if let Some(path) = &origin.origin_path
        && (!path.starts_with('/') || path.ends_with('/'))
    {
        p.field("origin.origin_path", format!("must start with `/` and not end with one, got `{path}`"));
    }
}

impl CloudFrontDistribution {
    fn check(&self, p: &mut FieldProblems<'_>) {
        validate_origin(p, &self.origin);
        if !check::is_uuid(&self.default_cache_behavior.cache_policy_id) {
            p.field(
                "default_cache_behavior.cache_policy_id",
                format!(
                    "`{}` is neither a cache policy id nor a managed policy name like `Managed-CachingOptimized`",
                    self.default_cache_behavior.cache_policy_id
                ),
            );
        }
        if self.aliases.len() > MAX_ALIASES {
            p.field("aliases", format!("at most {MAX_ALIASES} aliases are allowed, got {}", self.aliases.len()));
        }
        let mut seen = BTreeSet::new();
        for (i, alias) in self.aliases.iter().enumerate() {
            let field = format!("aliases[{i}]");
            for message in check::dns_name_problems(alias, true) {
                p.field(&field, format!("`{alias}` {message}"));
            }
            if !seen.insert(alias) {
                p.field(&field, format!("`{alias}` is listed twice"));
            }
        }
        match &self.acm_certificate_arn {
            None if !self.aliases.is_empty() => p.field(
                "acm_certificate_arn",
                "required when aliases are set: cloudfront needs a certificate covering them",
            ),
            Some(Val::Known(arn)) => match check::parse_arn(arn) {
                Some(a)
                    if a.service == "acm"
                        && a.resource.starts_with("certificate/")
                        && check::is_account_id(a.account) =>
                {
                    if a.region != "us-east-1" {
                        p.field(
                            "acm_certificate_arn",
                            format!(
                                "cloudfront only uses acm certificates from us-east-1, this one is in `{}`",
                                a.region
                            ),
                        );
                    }
                }
                _ => p.field("acm_certificate_arn", format!("`{arn}` is not an acm certificate arn")),
            },
            _ => {}
        }
        if let Some(Val::Known(arn)) = &self.web_acl_arn {
            let global = check::parse_arn(arn).is_some_and(|a| {
                a.service == "wafv2" && a.region == "us-east-1" && a.resource.starts_with("global/webacl/")
            });
            if !global {
                p.field(
                    "web_acl_arn",
                    format!(
                        "`{arn}` is not a wafv2 web acl of CLOUDFRONT scope (arn:aws:wafv2:us-east-1:…:global/webacl/…)"
                    ),
                );
            }
        }
        if self.acm_certificate_arn.is_none()
            && (self.ssl_support_method.is_some() || self.minimum_protocol_version.is_some())
        {
            p.field(
                "acm_certificate_arn",
                "required with ssl_support_method or minimum_protocol_version: they apply to a certificate of your own",
            );
        }
        check::tags(p, &self.tags);
    }

    /// The aliases against the certificate they are served with, when the definition holds it
    /// (`acm_certificate_arn` referring to it, or to its validation).
    fn check_related(r: &Related<'_>, p: &mut FieldProblems<'_>) {
        let Some(arn) = r.attrs.get("acm_certificate_arn") else { return };
        let Some(cert) = r.follow(arn, crate::AcmCertificate::TYPE, 2) else { return };
        let Some(name) = cert.attrs.get("domain_name").and_then(Value::as_str) else { return };
        let Some(Value::List(aliases)) = r.attrs.get("aliases") else { return };
        for (i, alias) in aliases.iter().enumerate() {
            let Some(alias) = alias.as_str() else { continue };
            if !check::certificate_covers(name, alias) {
                p.field(
                    &format!("aliases[{i}]"),
                    format!("`{alias}` is not covered by the certificate {} (`{name}`)", cert.address),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};
    use crate::{S3Bucket, WafWebAcl};

    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e";

    fn production() -> CloudFrontDistribution {
        let bucket = S3Bucket::new("media", "quikapp-media-prod");
        CloudFrontDistribution::new("media", bucket.regional_domain_name())
            .price_class(PriceClass::Class100)
            .alias("media.QuikApp.com")
            .certificate(CERT)
            .web_acl(WafWebAcl::new("edge", "quikapp-prod-edge").arn())
    }

    #[test]
    fn a_production_distribution_serializes_to_its_attributes() {
        assert_eq!(
            attrs(&production()),
            json!({
                "origin": {"domain_name": {"$ref": "aws_s3_bucket.media.bucket_regional_domain_name"}},
                "enabled": true,
                "price_class": "PriceClass_100",
                "default_cache_behavior": {
                    "viewer_protocol_policy": "redirect-to-https",
                    "allowed_methods": ["GET", "HEAD"],
                    "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                    "compress": true
                },
                "aliases": ["media.quikapp.com"],
                "acm_certificate_arn": CERT,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": "TLSv1.2_2021",
                "web_acl_arn": {"$ref": "aws_wafv2_web_acl.edge.arn"}
            })
        );
        assert!(problems(production()).is_empty(), "{:?}", problems(production()));
    }

    #[test]
    fn dev_has_a_disabled_distribution() {
        let dev = CloudFrontDistribution::new("media", "quikapp-media-dev.s3.us-east-1.amazonaws.com").enabled(false);
        let json = attrs(&dev);
        assert_eq!(json["enabled"], json!(false));
        assert_eq!(json["aliases"], json!([]));
        assert!(json.get("web_acl_arn").is_none());
        assert!(problems(dev).is_empty());
    }

    #[test]
    fn behaviour_options_serialize_in_cloudfront_spelling() {
        let cdn = CloudFrontDistribution::new("m", "b.s3.amazonaws.com")
            .viewer_protocol_policy(ViewerProtocolPolicy::HttpsOnly)
            .allowed_methods(AllowedMethods::GetHeadOptions)
            .cache_policy("Managed-CachingDisabled")
            .compress(false)
            .price_class(PriceClass::Class200)
            .origin_path("/media");
        let json = attrs(&cdn);
        assert_eq!(
            json["default_cache_behavior"],
            json!({
                "viewer_protocol_policy": "https-only",
                "allowed_methods": ["GET", "HEAD", "OPTIONS"],
                "cache_policy_id": managed_cache_policy::CACHING_DISABLED,
                "compress": false
            })
        );
        assert_eq!(json["price_class"], json!("PriceClass_200"));
        assert_eq!(json["origin"]["origin_path"], json!("/media"));
        assert!(problems(cdn).is_empty());
    }

    #[test]
    fn accessors_are_references() {
        let cdn = production();
        assert_eq!(serde_json::to_value(cdn.arn()).unwrap(), json!({"$ref": "aws_cloudfront_distribution.media.arn"}));
        assert_eq!(
            serde_json::to_value(cdn.domain_name()).unwrap(),
            json!({"$ref": "aws_cloudfront_distribution.media.domain_name"})
        );
        assert_eq!(serde_json::to_value(cdn.id()).unwrap(), json!({"$ref": "aws_cloudfront_distribution.media.id"}));
    }

    #[test]
    fn aliases_need_a_certificate() {
        let found = problems(CloudFrontDistribution::new("m", "b.s3.amazonaws.com").alias("media.quikapp.com"));
        assert_problem(&found, "acm_certificate_arn", "required when aliases are set");
    }

    #[test]
    fn aliases_are_dns_names_listed_once() {
        let cdn = CloudFrontDistribution::new("m", "b.s3.amazonaws.com")
            .alias("media_quikapp.com")
            .alias("*.quikapp.com")
            .alias("*.quikapp.com")
            .alias("localhost")
            .certificate(CERT);
        let found = problems(cdn);
        assert_problem(&found, "aliases[0]", "may only hold lowercase letters");
        assert_problem(&found, "aliases[2]", "listed twice");
        assert_problem(&found, "aliases[3]", "two labels");
        assert!(found.iter().all(|(f, _)| f != "aliases[1]"), "{found:?}");
    }

    #[test]
    fn at_most_a_hundred_aliases() {
        let cdn = (0..101)
            .fold(CloudFrontDistribution::new("m", "b.s3.amazonaws.com"), |c, i| c.alias(format!("m{i}.quikapp.com")))
            .certificate(CERT);
        assert_problem(&problems(cdn), "aliases", "at most 100");
    }

    #[test]
    fn certificates_come_from_us_east_1() {
        let elsewhere = CloudFrontDistribution::new("m", "b.s3.amazonaws.com")
            .alias("media.quikapp.com")
            .certificate("arn:aws:acm:eu-west-1:123456789012:certificate/abc");
        assert_problem(&problems(elsewhere), "acm_certificate_arn", "us-east-1");
        let not_acm =
            CloudFrontDistribution::new("m", "b.s3.amazonaws.com").certificate("arn:aws:iam::1:server-certificate/x");
        assert_problem(&problems(not_acm), "acm_certificate_arn", "not an acm certificate");
    }

    #[test]
    fn aliases_must_be_covered_by_the_certificate_they_are_served_with() {
        let cert = crate::AcmCertificate::new("media", "media.qa.quikapp.com");
        let wait = crate::AcmCertificateValidation::new("media", &cert);
        let cdn = CloudFrontDistribution::new("media", "b.s3.amazonaws.com")
            .alias("media.staging.quikapp.com")
            .alias("media.qa.quikapp.com")
            .certificate(wait.certificate_arn());
        let env = quikinfra_core::environment::Environment::new("qa").with(cert).with(wait).with(cdn);
        let problems = quikinfra_core::validate::validate(&env).unwrap_err().to_string();
        assert!(
            problems.contains("aws_cloudfront_distribution.media: field `aliases[0]`: `media.staging.quikapp.com` is not covered by the certificate aws_acm_certificate.media (`media.qa.quikapp.com`)"),
            "{problems}"
        );
        assert!(!problems.contains("aliases[1]"), "{problems}");
        let tls = CloudFrontDistribution::new("m", "b.s3.amazonaws.com")
            .minimum_protocol_version(MinimumProtocolVersion::Tls12_2021);
        assert_problem(&problems_of(tls), "acm_certificate_arn", "required with ssl_support_method");
    }

    fn problems_of(cdn: CloudFrontDistribution) -> Vec<(String, String)> {
        problems(cdn)
    }

    #[test]
    fn origins_are_s3_rest_endpoints() {
        let website = CloudFrontDistribution::new("m", "media.s3-website-us-east-1.amazonaws.com");
        assert_problem(&problems(website), "origin.domain_name", "website endpoint");
        let other = CloudFrontDistribution::new("m", "media.quikapp.com");
        assert_problem(&problems(other), "origin.domain_name", "not an s3 bucket domain");
        let bare = CloudFrontDistribution::new("m", "s3.amazonaws.com");
        assert_problem(&problems(bare), "origin.domain_name", "not an s3 bucket domain");
        for ok in ["media.s3.amazonaws.com", "media.s3.eu-west-1.amazonaws.com", "media.s3-eu-west-1.amazonaws.com"] {
            assert!(is_s3_rest_endpoint(ok), "{ok}");
        }
        let slash = CloudFrontDistribution::new("m", "b.s3.amazonaws.com").origin_path("media/");
        assert_problem(&problems(slash), "origin.origin_path", "must start with `/`");
    }

    #[test]
    fn cache_policies_are_ids() {
        let named = CloudFrontDistribution::new("m", "b.s3.amazonaws.com").cache_policy("MyPolicy");
        assert_problem(&problems(named), "default_cache_behavior.cache_policy_id", "`MyPolicy`");
    }

    #[test]
    fn a_literal_web_acl_must_be_global() {
        let regional = CloudFrontDistribution::new("m", "b.s3.amazonaws.com")
            .web_acl("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/abc");
        assert_problem(&problems(regional), "web_acl_arn", "CLOUDFRONT scope");
        let global = CloudFrontDistribution::new("m", "b.s3.amazonaws.com")
            .web_acl("arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/abc");
        assert!(problems(global).is_empty());
    }
}
