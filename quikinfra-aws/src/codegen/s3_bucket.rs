//! `aws_s3_bucket` as code: the constructor, the lifecycle rules (the whole-bucket rule
//! through `expire_after_days` / `transition`, the others as `LifecycleRule`s), default
//! encryption and the public access block by hand; versioning and tags through the derived
//! builders.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::{Attrs, Value};

use super::field;
use crate::s3_bucket::DEFAULT_RULE_ID;
use crate::{PublicAccessBlock, S3Bucket};

/// The public access block flags, in the struct's order.
const PAB_FLAGS: [&str; 4] =
    ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

impl Generate for S3Bucket {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let fail = |attribute: &str, reason: String| GenerateError::new(address, attribute, reason);
        let name = S3Bucket::BUCKET.read(live).ok_or_else(|| fail("bucket", "the object has no name".into()))?;
        let mut uses = vec!["quikinfra::aws::S3Bucket"];
        let mut chain = Chain::new("S3Bucket::new", [codegen::string(address.name()), codegen::string(name)]);
        for rule in S3Bucket::LIFECYCLE_RULES.read(live).unwrap_or_default() {
            chain = lifecycle_rule(chain, rule, &mut uses).map_err(|reason| fail("lifecycle_rules", reason))?;
        }
        // Unset, the simulator reads back an empty map: unmanaged, as declared.
        if let Some(sse) = live.get(S3Bucket::SERVER_SIDE_ENCRYPTION.name()).filter(|v| !is_empty(v)) {
            chain = encryption(chain, sse, &mut uses).map_err(|reason| fail("server_side_encryption", reason))?;
        }
        if let Some(pab) = live.get(S3Bucket::PUBLIC_ACCESS_BLOCK.name()) {
            chain = public_access_block(chain, pab, &mut uses).map_err(|reason| fail("public_access_block", reason))?;
        }
        let declaration = Declaration::new(address.clone(), uses, chain);
        let handled = [
            S3Bucket::LIFECYCLE_RULES.name(),
            S3Bucket::SERVER_SIDE_ENCRYPTION.name(),
            S3Bucket::PUBLIC_ACCESS_BLOCK.name(),
        ];
        codegen::plain_builders(declaration, live, &S3Bucket::new(address.name(), name), &handled, ctx)
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Map(map) => map.is_empty(),
        _ => false,
    }
}

fn days(rule: &Value, key: &str) -> Result<Option<String>, String> {
    match field(rule, key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => codegen::number(v).map(Some).ok_or_else(|| format!("`{key}` is no number")),
    }
}

/// `StorageClass::StandardIa` for `STANDARD_IA`.
fn storage_class(class: &str) -> Result<&'static str, String> {
    Ok(match class {
        "STANDARD_IA" => "StorageClass::StandardIa",
        "INTELLIGENT_TIERING" => "StorageClass::IntelligentTiering",
        "ONEZONE_IA" => "StorageClass::OnezoneIa",
        "GLACIER_IR" => "StorageClass::GlacierIr",
        "GLACIER" => "StorageClass::Glacier",
        "DEEP_ARCHIVE" => "StorageClass::DeepArchive",
        other => return Err(format!("storage class `{other}` has no `StorageClass`")),
    })
}

/// The `(days, class)` arguments of each transition of a rule.
fn transitions(rule: &Value) -> Result<Vec<[String; 2]>, String> {
    let Some(Value::List(items)) = field(rule, "transitions") else { return Ok(Vec::new()) };
    items
        .iter()
        .map(|t| {
            let days = days(t, "days")?.ok_or("a transition has no days")?;
            let class = field(t, "storage_class").and_then(Value::as_str).ok_or("a transition has no storage class")?;
            Ok([days, storage_class(class)?.to_string()])
        })
        .collect()
}

/// One lifecycle rule: the whole-bucket rule through the bucket's own shorthands when it is
/// nothing more, any other as `.lifecycle_rule(LifecycleRule::new(id)…)`.
fn lifecycle_rule(chain: Chain, rule: &Value, uses: &mut Vec<&'static str>) -> Result<Chain, String> {
    let id = field(rule, "id").and_then(Value::as_str).ok_or("a rule has no id")?;
    if let Some(Value::List(unmanaged)) = field(rule, "unmanaged_settings")
        && !unmanaged.is_empty()
    {
        let names: Vec<&str> = unmanaged.iter().filter_map(Value::as_str).collect();
        return Err(format!("rule `{id}` has settings the type does not manage ({})", names.join(", ")));
    }
    let prefix = field(rule, "prefix").and_then(Value::as_str);
    let enabled = field(rule, "enabled").and_then(Value::as_bool).unwrap_or(true);
    let expiration = days(rule, "expiration_days")?;
    let noncurrent = days(rule, "noncurrent_version_expiration_days")?;
    let abort = days(rule, "abort_incomplete_multipart_upload_days")?;
    let transitions = transitions(rule)?;
    if !transitions.is_empty() {
        uses.push("quikinfra::aws::StorageClass");
    }
    let whole_bucket = id == DEFAULT_RULE_ID && prefix.is_none() && enabled && noncurrent.is_none() && abort.is_none();
    if whole_bucket && (expiration.is_some() || !transitions.is_empty()) {
        let mut chain = chain;
        if let Some(days) = expiration {
            chain = chain.call("expire_after_days", [days]);
        }
        for args in transitions {
            chain = chain.call("transition", args);
        }
        return Ok(chain);
    }
    uses.push("quikinfra::aws::LifecycleRule");
    let mut inner = Chain::new("LifecycleRule::new", [codegen::string(id)]);
    if let Some(prefix) = prefix {
        inner = inner.call("prefix", [codegen::string(prefix)]);
    }
    inner = inner.call_if(!enabled, "disabled", []);
    if let Some(days) = expiration {
        inner = inner.call("expire_after_days", [days]);
    }
    for args in transitions {
        inner = inner.call("transition", args);
    }
    if let Some(days) = noncurrent {
        inner = inner.call("noncurrent_expire_after_days", [days]);
    }
    if let Some(days) = abort {
        inner = inner.call("abort_incomplete_uploads_after_days", [days]);
    }
    Ok(chain.call("lifecycle_rule", [inner.inline()]))
}

/// `.sse_s3()`, `.sse_kms(key)` or, for a KMS key without a bucket key, the whole setting.
fn encryption(chain: Chain, sse: &Value, uses: &mut Vec<&'static str>) -> Result<Chain, String> {
    match field(sse, "sse_algorithm").and_then(Value::as_str) {
        Some("AES256") => Ok(chain.call("sse_s3", [])),
        Some("aws:kms") => {
            let key = field(sse, "kms_master_key_id").and_then(Value::as_str).ok_or("SSE-KMS names no key")?;
            if field(sse, "bucket_key_enabled").and_then(Value::as_bool) == Some(false) {
                uses.push("quikinfra::aws::Encryption");
                let setting =
                    format!("Encryption::SseKms {{ key: {}.into(), bucket_key: false }}", codegen::string(key));
                Ok(chain.call("encryption", [setting]))
            } else {
                Ok(chain.call("sse_kms", [codegen::string(key)]))
            }
        }
        Some(other) => Err(format!("the algorithm `{other}` has no builder")),
        None => Err("no algorithm".into()),
    }
}

/// Nothing for every flag on (the constructor's), `.allow_public_access()` for every flag off,
/// else the flags one by one.
fn public_access_block(chain: Chain, pab: &Value, uses: &mut Vec<&'static str>) -> Result<Chain, String> {
    let flags: Vec<bool> = PAB_FLAGS
        .iter()
        .map(|f| field(pab, f).and_then(Value::as_bool).ok_or_else(|| format!("`{f}` is not set")))
        .collect::<Result<_, _>>()?;
    let all_on = PublicAccessBlock::default();
    let on = [
        all_on.block_public_acls,
        all_on.block_public_policy,
        all_on.ignore_public_acls,
        all_on.restrict_public_buckets,
    ];
    if flags == on {
        return Ok(chain);
    }
    if flags.iter().all(|f| !f) {
        return Ok(chain.call("allow_public_access", []));
    }
    uses.push("quikinfra::aws::PublicAccessBlock");
    let fields: Vec<String> = PAB_FLAGS.iter().zip(&flags).map(|(name, on)| format!("{name}: {on}")).collect();
    Ok(chain.call("public_access_block", [format!("PublicAccessBlock {{ {} }}", fields.join(", "))]))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use quikinfra_core::resource::Resource;

    use super::*;

    fn live(extra: &[(&str, serde_json::Value)]) -> Attrs {
        let mut json = serde_json::json!({"bucket": "b-1", "versioning": false, "lifecycle_rules": [], "tags": {}});
        for (k, v) in extra {
            json[*k] = v.clone();
        }
        match Value::from_json(json).unwrap() {
            Value::Map(m) => m,
            _ => unreachable!(),
        }
    }

    fn code(live: &Attrs) -> Result<String, GenerateError> {
        let none = BTreeMap::new();
        let address = Address::new(S3Bucket::TYPE, "b");
        S3Bucket::generate(&address, live, &GenerateContext { standard_tags: &none }).map(|d| d.chain.inline())
    }

    #[test]
    fn a_rule_with_settings_the_type_does_not_manage_is_refused_by_name() {
        let rule = serde_json::json!([{"id": "tagged", "enabled": true, "expiration_days": 3, "unmanaged_settings": ["filter.tag"]}]);
        let err = code(&live(&[("lifecycle_rules", rule)])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "aws_s3_bucket.b: cannot write `lifecycle_rules` as code: rule `tagged` has settings the type does not manage (filter.tag)"
        );
    }

    #[test]
    fn mixed_public_access_flags_and_kms_without_a_bucket_key_are_written_in_full() {
        let pab = serde_json::json!({"block_public_acls": true, "block_public_policy": false, "ignore_public_acls": true, "restrict_public_buckets": false});
        let sse = serde_json::json!({"sse_algorithm": "aws:kms", "kms_master_key_id": "alias/media", "bucket_key_enabled": false});
        let written = code(&live(&[("public_access_block", pab), ("server_side_encryption", sse)])).unwrap();
        assert_eq!(
            written,
            r#"S3Bucket::new("b", "b-1").encryption(Encryption::SseKms { key: "alias/media".into(), bucket_key: false }).public_access_block(PublicAccessBlock { block_public_acls: true, block_public_policy: false, ignore_public_acls: true, restrict_public_buckets: false })"#
        );
        let all_on = serde_json::json!({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true});
        assert_eq!(code(&live(&[("public_access_block", all_on)])).unwrap(), r#"S3Bucket::new("b", "b-1")"#);
    }
}
