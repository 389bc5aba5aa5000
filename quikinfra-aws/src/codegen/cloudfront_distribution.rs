//! `aws_cloudfront_distribution` as code: the constructor (the origin's domain), the origin
//! path, the default cache behaviour, the price class, the aliases and the certificate with
//! its TLS settings by hand (enums and composite builders); enabled, web ACL and tags through
//! the derived builders. The calls are replayed on a distribution and what they build is
//! compared with the live object: a live value the builders write otherwise is refused by
//! name, never code that would plan a change.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::{Attrs, Value};

use super::field;
use crate::cloudfront_distribution::managed_cache_policy;
use crate::{
    AllowedMethods, CloudFrontDistribution as Cdn, MinimumProtocolVersion, PriceClass, SslSupportMethod,
    ViewerProtocolPolicy,
};

/// The code being written and the distribution it builds, side by side.
struct Written {
    chain: Chain,
    built: Cdn,
    uses: Vec<&'static str>,
}

impl Written {
    /// Adds `.method(argument)`, built by `apply`, naming `path` when it is not already named.
    fn call(
        mut self,
        method: &str,
        argument: String,
        path: Option<&'static str>,
        apply: impl FnOnce(Cdn) -> Cdn,
    ) -> Self {
        self.chain = self.chain.call(method, [argument]);
        self.built = apply(self.built);
        if let Some(path) = path.filter(|p| !self.uses.contains(p)) {
            self.uses.push(path);
        }
        self
    }
}

impl Generate for Cdn {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let fail = |attribute: &str, reason: String| GenerateError::new(address, attribute, reason);
        let origin = live.get(Cdn::ORIGIN.name()).ok_or_else(|| fail("origin", "the object has no origin".into()))?;
        let domain = field(origin, "domain_name")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| fail("origin", "the origin has no domain name".into()))?;
        let mut w = Written {
            chain: Chain::new(
                "CloudFrontDistribution::new",
                [codegen::string(address.name()), codegen::string(domain)],
            ),
            built: Cdn::new(address.name(), domain),
            uses: vec!["quikinfra::aws::CloudFrontDistribution"],
        };
        if let Some(path) = field(origin, "origin_path").and_then(Value::as_str) {
            let path = path.to_string();
            w = w.call("origin_path", codegen::string(&path), None, |c| c.origin_path(path));
        }
        w = behaviour(w, live).map_err(|reason| fail(Cdn::DEFAULT_CACHE_BEHAVIOR.name(), reason))?;
        w = price_class(w, live).map_err(|reason| fail(Cdn::PRICE_CLASS.name(), reason))?;
        for alias in Cdn::ALIASES.read(live).unwrap_or_default() {
            let alias = alias.as_str().ok_or_else(|| fail(Cdn::ALIASES.name(), "an alias is no string".into()))?;
            let alias = alias.to_string();
            w = w.call("alias", codegen::string(&alias), None, |c| c.alias(alias));
        }
        w = certificate(w, live, &fail)?;
        let built = codegen::attributes(&w.built);
        let handled = [
            Cdn::ORIGIN.name(),
            Cdn::DEFAULT_CACHE_BEHAVIOR.name(),
            Cdn::PRICE_CLASS.name(),
            Cdn::ALIASES.name(),
            Cdn::ACM_CERTIFICATE_ARN.name(),
            Cdn::SSL_SUPPORT_METHOD.name(),
            Cdn::MINIMUM_PROTOCOL_VERSION.name(),
        ];
        for attribute in handled {
            let empty = |v: Option<&Value>| v.is_none_or(|v| matches!(v, Value::Null));
            let (live_value, written) = (live.get(attribute), built.get(attribute));
            if live_value != written && !(empty(live_value) && empty(written)) {
                return Err(fail(attribute, "the builders write it otherwise".into()));
            }
        }
        let declaration = Declaration::new(address.clone(), w.uses, w.chain);
        codegen::plain_builders(declaration, live, &w.built, &handled, ctx)
    }
}

/// The default cache behaviour's viewer protocol policy, methods, cache policy and compression,
/// each where it differs from the constructor's.
fn behaviour(mut w: Written, live: &Attrs) -> Result<Written, String> {
    let Some(b) = live.get(Cdn::DEFAULT_CACHE_BEHAVIOR.name()) else { return Ok(w) };
    let text = |key: &str| field(b, key).and_then(Value::as_str);
    let policy = match text("viewer_protocol_policy") {
        None | Some("redirect-to-https") => None,
        Some("allow-all") => Some(("ViewerProtocolPolicy::AllowAll", ViewerProtocolPolicy::AllowAll)),
        Some("https-only") => Some(("ViewerProtocolPolicy::HttpsOnly", ViewerProtocolPolicy::HttpsOnly)),
        Some(other) => return Err(format!("viewer protocol policy `{other}` is no `ViewerProtocolPolicy`")),
    };
    if let Some((code, policy)) = policy {
        w = w.call("viewer_protocol_policy", code.into(), Some("quikinfra::aws::ViewerProtocolPolicy"), |c| {
            c.viewer_protocol_policy(policy)
        });
    }
    if let Some(Value::List(items)) = field(b, "allowed_methods") {
        let live: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
        let sets = [
            ("AllowedMethods::GetHeadOptions", AllowedMethods::GetHeadOptions),
            ("AllowedMethods::All", AllowedMethods::All),
        ];
        if live != AllowedMethods::GetHead.methods() {
            let (code, methods) = sets
                .into_iter()
                .find(|(_, m)| m.methods() == live.as_slice())
                .ok_or_else(|| format!("the methods {} are no `AllowedMethods`", live.join(", ")))?;
            w = w.call("allowed_methods", code.into(), Some("quikinfra::aws::AllowedMethods"), |c| {
                c.allowed_methods(methods)
            });
        }
    }
    if text("cache_policy_id") == Some("") {
        return Err("it has no cache policy (legacy cache settings), which the type does not manage".into());
    }
    if let Some(id) = text("cache_policy_id").filter(|id| *id != managed_cache_policy::CACHING_OPTIMIZED) {
        let argument = managed_policy_name(id).unwrap_or(id).to_string();
        w = w.call("cache_policy", codegen::string(&argument), None, |c| c.cache_policy(argument));
    }
    if let Some(false) = field(b, "compress").and_then(Value::as_bool) {
        w = w.call("compress", "false".into(), None, |c| c.compress(false));
    }
    Ok(w)
}

/// The managed policy's name (`Managed-CachingDisabled`) for its id, which reads better.
fn managed_policy_name(id: &str) -> Option<&'static str> {
    ["Managed-CachingOptimizedForUncompressedObjects", "Managed-CachingDisabled"]
        .into_iter()
        .find(|name| managed_cache_policy::by_name(name) == Some(id))
}

fn price_class(w: Written, live: &Attrs) -> Result<Written, String> {
    let (code, class) = match Cdn::PRICE_CLASS.read(live) {
        None | Some("PriceClass_All") => return Ok(w),
        Some("PriceClass_100") => ("PriceClass::Class100", PriceClass::Class100),
        Some("PriceClass_200") => ("PriceClass::Class200", PriceClass::Class200),
        Some(other) => return Err(format!("`{other}` is no `PriceClass`")),
    };
    Ok(w.call("price_class", code.into(), Some("quikinfra::aws::PriceClass"), |c| c.price_class(class)))
}

/// `.certificate(arn)`, and the SSL method and TLS version where they differ from what it
/// sets (`sni-only`, `TLSv1.2_2021`). Without a certificate the read reports neither.
fn certificate(
    mut w: Written,
    live: &Attrs,
    fail: &dyn Fn(&str, String) -> GenerateError,
) -> Result<Written, GenerateError> {
    let Some(arn) = Cdn::ACM_CERTIFICATE_ARN.read(live) else { return Ok(w) };
    let arn = arn.to_string();
    w = w.call("certificate", codegen::string(&arn), None, |c| c.certificate(arn));
    let ssl = Cdn::SSL_SUPPORT_METHOD.name();
    match Cdn::SSL_SUPPORT_METHOD.read(live) {
        None | Some("sni-only") => {}
        Some("vip") => {
            let path = Some("quikinfra::aws::SslSupportMethod");
            w = w.call("ssl_support_method", "SslSupportMethod::Vip".into(), path, |c| {
                c.ssl_support_method(SslSupportMethod::Vip)
            });
        }
        Some(other) => return Err(fail(ssl, format!("`{other}` is no `SslSupportMethod`"))),
    }
    let tls = Cdn::MINIMUM_PROTOCOL_VERSION.name();
    match Cdn::MINIMUM_PROTOCOL_VERSION.read(live) {
        None | Some("TLSv1.2_2021") => {}
        Some(text) => {
            let (variant, version) = MinimumProtocolVersion::ALL
                .into_iter()
                .map(|v| (format!("{v:?}"), v))
                .find(|(_, v)| v.as_str() == text)
                .ok_or_else(|| fail(tls, format!("`{text}` is no `MinimumProtocolVersion`")))?;
            let path = Some("quikinfra::aws::MinimumProtocolVersion");
            w = w.call("minimum_protocol_version", format!("MinimumProtocolVersion::{variant}"), path, |c| {
                c.minimum_protocol_version(version)
            });
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{code, live};
    use super::*;

    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e";
    const ACL: &str = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1a2b";

    /// A distribution as the read reports one the constructor alone would build, with `extra`.
    fn distribution(extra: serde_json::Value) -> Attrs {
        let mut json = json!({
            "id": "E2QWRUHAPOMQZL", "arn": "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL",
            "domain_name": "d111111abcdef8.cloudfront.net", "etag": "E1",
            "origin": {"domain_name": "media.s3.us-east-1.amazonaws.com"},
            "enabled": true, "price_class": "PriceClass_All",
            "default_cache_behavior": {
                "viewer_protocol_policy": "redirect-to-https", "allowed_methods": ["GET", "HEAD"],
                "cache_policy_id": managed_cache_policy::CACHING_OPTIMIZED, "compress": true
            },
            "aliases": [], "tags": {}
        });
        for (k, v) in extra.as_object().unwrap() {
            json[k] = v.clone();
        }
        live(json)
    }

    #[test]
    fn what_the_constructor_gives_is_left_out() {
        assert_eq!(
            code::<Cdn>("media", &distribution(json!({}))).unwrap(),
            r#"CloudFrontDistribution::new("media", "media.s3.us-east-1.amazonaws.com")"#
        );
    }

    #[test]
    fn every_setting_is_written_through_the_builders() {
        let live = distribution(json!({
            "origin": {"domain_name": "media.s3.us-east-1.amazonaws.com", "origin_path": "/media"},
            "enabled": false, "price_class": "PriceClass_100",
            "default_cache_behavior": {
                "viewer_protocol_policy": "https-only", "allowed_methods": ["GET", "HEAD", "OPTIONS"],
                "cache_policy_id": managed_cache_policy::CACHING_DISABLED, "compress": false
            },
            "aliases": ["media.quikapp.com", "static.quikapp.com"],
            "acm_certificate_arn": CERT, "ssl_support_method": "vip", "minimum_protocol_version": "TLSv1.2_2019",
            "web_acl_arn": ACL, "tags": {"team": "media"}
        }));
        let expected = [
            r#"CloudFrontDistribution::new("media", "media.s3.us-east-1.amazonaws.com").origin_path("/media")"#,
            r#".viewer_protocol_policy(ViewerProtocolPolicy::HttpsOnly).allowed_methods(AllowedMethods::GetHeadOptions)"#,
            r#".cache_policy("Managed-CachingDisabled").compress(false).price_class(PriceClass::Class100)"#,
            r#".alias("media.quikapp.com").alias("static.quikapp.com")"#,
            &format!(r#".certificate("{CERT}").ssl_support_method(SslSupportMethod::Vip)"#),
            r#".minimum_protocol_version(MinimumProtocolVersion::Tls12_2019).enabled(false)"#,
            &format!(r#".web_acl("{ACL}").tag("team", "media")"#),
        ];
        assert_eq!(code::<Cdn>("media", &live).unwrap(), expected.concat());
    }

    #[test]
    fn a_certificate_with_its_default_tls_settings_is_one_call() {
        let live = distribution(json!({
            "aliases": ["media.quikapp.com"], "acm_certificate_arn": CERT,
            "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1.2_2021"
        }));
        assert!(
            code::<Cdn>("m", &live)
                .unwrap()
                .ends_with(&format!(r#".alias("media.quikapp.com").certificate("{CERT}")"#))
        );
        let custom_policy = "0a1b2c3d-0000-4000-8000-000000000000";
        let live = distribution(json!({"default_cache_behavior": {
            "viewer_protocol_policy": "allow-all", "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
            "cache_policy_id": custom_policy, "compress": true
        }}));
        assert!(
            code::<Cdn>("m", &live).unwrap().ends_with(&format!(
                r#".viewer_protocol_policy(ViewerProtocolPolicy::AllowAll).allowed_methods(AllowedMethods::All).cache_policy("{custom_policy}")"#
            )),
        );
    }

    #[test]
    fn values_the_builders_cannot_write_are_refused_by_name() {
        let refused = |extra: serde_json::Value| code::<Cdn>("m", &distribution(extra)).unwrap_err().to_string();
        assert_eq!(
            refused(json!({"price_class": "PriceClass_300"})),
            "aws_cloudfront_distribution.m: cannot write `price_class` as code: `PriceClass_300` is no `PriceClass`"
        );
        let methods = json!({"viewer_protocol_policy": "redirect-to-https", "allowed_methods": ["GET"],
            "cache_policy_id": managed_cache_policy::CACHING_OPTIMIZED, "compress": true});
        assert_eq!(
            refused(json!({"default_cache_behavior": methods})),
            "aws_cloudfront_distribution.m: cannot write `default_cache_behavior` as code: the methods GET are no `AllowedMethods`"
        );
        assert_eq!(
            refused(json!({"ssl_support_method": "sni-only"})),
            "aws_cloudfront_distribution.m: cannot write `ssl_support_method` as code: the builders write it otherwise"
        );
        assert_eq!(
            refused(json!({"acm_certificate_arn": CERT, "minimum_protocol_version": "TLSv1.3_2025"})),
            "aws_cloudfront_distribution.m: cannot write `minimum_protocol_version` as code: `TLSv1.3_2025` is no `MinimumProtocolVersion`"
        );
        assert_eq!(
            refused(json!({"aliases": ["Media.QuikApp.com"]})),
            "aws_cloudfront_distribution.m: cannot write `aliases` as code: the builders write it otherwise"
        );
        let legacy = json!({"viewer_protocol_policy": "redirect-to-https", "allowed_methods": ["GET", "HEAD"],
            "cache_policy_id": "", "compress": false});
        assert_eq!(
            refused(json!({"default_cache_behavior": legacy})),
            "aws_cloudfront_distribution.m: cannot write `default_cache_behavior` as code: it has no cache policy (legacy cache settings), which the type does not manage"
        );
        assert_eq!(
            refused(json!({"origin": {"domain_name": ""}})),
            "aws_cloudfront_distribution.m: cannot write `origin` as code: the origin has no domain name"
        );
    }
}
