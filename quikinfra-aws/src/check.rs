//! Field checks shared by the AWS resource types: tags, DNS names, ARNs.
//!
//! Each check records every problem it finds in the resource's [`FieldProblems`] under the
//! attribute name the user sees in plans; none stops at the first problem.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;

/// The most tags AWS accepts on one resource (S3, KMS, CloudFront, WAFv2 and Shield agree).
const MAX_TAGS: usize = 50;

/// Checks a resource's own tags against AWS's tagging rules.
///
/// The environment's standard tags are merged in later; they are short and never use the
/// reserved prefix, so only the count can tip over, and AWS reports that one itself.
pub(crate) fn tags(p: &mut FieldProblems<'_>, tags: &BTreeMap<String, String>) {
    if tags.len() > MAX_TAGS {
        p.field("tags", format!("at most {MAX_TAGS} tags are allowed, got {}", tags.len()));
    }
    for (key, value) in tags {
        let field = format!("tags.{key}");
        let key_len = key.chars().count();
        if key_len == 0 || key_len > 128 {
            p.field(&field, format!("tag keys must be 1 to 128 characters long, got {key_len}"));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            p.field(&field, "the `aws:` prefix is reserved for tags aws sets itself");
        }
        let value_len = value.chars().count();
        if value_len > 256 {
            p.field(&field, format!("tag values must be at most 256 characters long, got {value_len}"));
        }
    }
}

/// What is wrong with `name` as a DNS host name (empty when nothing is). A leading `*.`
/// label is accepted when `wildcard` is true.
pub(crate) fn dns_name_problems(name: &str, wildcard: bool) -> Vec<String> {
    let mut out = Vec::new();
    let body = match name.strip_prefix("*.") {
        Some(rest) if wildcard => rest,
        Some(_) => {
            out.push("wildcards are not accepted here".to_string());
            &name[2..]
        }
        None => name,
    };
    if name.len() > 253 {
        out.push(format!("a dns name is at most 253 characters long, got {}", name.len()));
    }
    if name.ends_with('.') {
        out.push("must not end with a dot".to_string());
    }
    let labels: Vec<&str> = body.trim_end_matches('.').split('.').collect();
    if labels.len() < 2 {
        out.push("must have at least two labels, like `media.example.com`".to_string());
    }
    for label in labels {
        if label.is_empty() {
            out.push("must not contain empty labels (`..`)".to_string());
        } else if label.len() > 63 {
            out.push(format!("label `{label}` is longer than 63 characters"));
        } else if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            out.push(format!("label `{label}` may only hold lowercase letters, digits and hyphens"));
        } else if label.starts_with('-') || label.ends_with('-') {
            out.push(format!("label `{label}` must not start or end with a hyphen"));
        }
    }
    out
}

/// A DNS name as zones and records keep it: lowercase, without the trailing dot of the fully
/// qualified form, and with Route 53's `\052` escape of a leading `*` undone.
pub(crate) fn dns_normal(name: &str) -> String {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match name.strip_prefix("\\052") {
        Some(rest) => format!("*{rest}"),
        None => name,
    }
}

/// Whether `name` is `zone` or a name under it (both normalized).
pub(crate) fn in_zone(name: &str, zone: &str) -> bool {
    name == zone || name.strip_suffix(zone).is_some_and(|head| head.ends_with('.'))
}

/// Whether a certificate for `certificate` (a name, or a wildcard `*.example.com`) covers the
/// host `host`: the same name, or one label under a wildcard's base.
pub(crate) fn certificate_covers(certificate: &str, host: &str) -> bool {
    match certificate.strip_prefix("*.") {
        Some(base) => host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == base),
        None => certificate == host,
    }
}

/// The parts of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: &'a str,
    /// `acm`, `wafv2`, `cloudfront`…
    pub service: &'a str,
    /// Empty for global services.
    pub region: &'a str,
    /// The twelve-digit account id (empty for a few services).
    pub account: &'a str,
    /// Everything after the account.
    pub resource: &'a str,
}

/// Splits an ARN into its parts, or `None` when it is not shaped like one.
pub(crate) fn parse_arn(text: &str) -> Option<Arn<'_>> {
    let mut parts = text.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let arn = Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    };
    let shaped = arn.partition.starts_with("aws") && !arn.service.is_empty() && !arn.resource.is_empty();
    shaped.then_some(arn)
}

/// Whether `text` is a twelve-digit AWS account id.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `text` is shaped like a UUID: 8-4-4-4-12 hexadecimal digits.
pub(crate) fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_follow_label_rules() {
        assert!(dns_name_problems("media.quikapp.com", false).is_empty());
        assert!(dns_name_problems("*.quikapp.com", true).is_empty());
        assert!(!dns_name_problems("*.quikapp.com", false).is_empty());
        assert!(!dns_name_problems("localhost", false).is_empty());
        assert!(!dns_name_problems("bad_label.example.com", false).is_empty());
        assert!(!dns_name_problems("-bad.example.com", false).is_empty());
        assert!(!dns_name_problems("a..example.com", false).is_empty());
        assert!(!dns_name_problems(&format!("{}.com", "a".repeat(64)), false).is_empty());
    }

    #[test]
    fn names_normalize_and_belong_to_zones() {
        assert_eq!(dns_normal("Media.QuikApp.com."), "media.quikapp.com");
        assert_eq!(dns_normal("\\052.quikapp.com."), "*.quikapp.com");
        assert!(in_zone("quikapp.com", "quikapp.com"));
        assert!(in_zone("media.staging.quikapp.com", "quikapp.com"));
        assert!(!in_zone("notquikapp.com", "quikapp.com"));
        assert!(!in_zone("quikapp.com.evil.org", "quikapp.com"));
        assert!(certificate_covers("media.quikapp.com", "media.quikapp.com"));
        assert!(certificate_covers("*.quikapp.com", "media.quikapp.com"));
        assert!(!certificate_covers("*.quikapp.com", "a.media.quikapp.com"));
        assert!(!certificate_covers("*.quikapp.com", "quikapp.com"));
        assert!(!certificate_covers("media.qa.quikapp.com", "media.staging.quikapp.com"));
    }

    #[test]
    fn arns_split_into_parts() {
        let arn = parse_arn("arn:aws:acm:us-east-1:123456789012:certificate/abc").unwrap();
        assert_eq!(
            arn,
            Arn {
                partition: "aws",
                service: "acm",
                region: "us-east-1",
                account: "123456789012",
                resource: "certificate/abc"
            }
        );
        assert!(parse_arn("arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1:2").is_some());
        assert_eq!(parse_arn("arn:aws:wafv2:us-east-1:1:global/a:b").unwrap().resource, "global/a:b");
        assert!(parse_arn("not-an-arn").is_none());
        assert!(parse_arn("arn:aws:s3").is_none());
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901x"));
    }

    #[test]
    fn uuids_are_recognised() {
        assert!(is_uuid("658327ea-f89d-4fab-a63d-7e88639e58f6"));
        assert!(!is_uuid("Managed-CachingOptimized"));
        assert!(!is_uuid("658327ea-f89d-4fab-a63d-7e88639e58f"));
    }
}
