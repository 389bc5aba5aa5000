//! `synth`: an environment's AWS resources as one CloudFormation template (JSON), like
//! `cdk synth`.
//!
//! Each resource becomes the CloudFormation resource with the same meaning, under a logical id
//! made of its name and kind (`aws_s3_bucket.media` → `MediaBucket`); a KMS key's alias and a
//! distribution's origin access control become resources of their own (`MediaKeyAlias`,
//! `MediaOriginAccessControl`); a bucket policy is an `AWS::S3::BucketPolicy` and a key's
//! declared policy its `KeyPolicy`, both in IAM's JSON as declared. References become intrinsic functions (`key.arn()` →
//! `{"Fn::GetAtt": ["MediaKey", "Arn"]}`), so CloudFormation orders the resources as the engine
//! would. `depends_on` becomes `DependsOn`; `prevent_destroy` becomes `DeletionPolicy` and
//! `UpdateReplacePolicy` `Retain`. The environment's outputs that can be expressed become
//! template outputs.
//!
//! Resources of other families (Azure) are left out and listed under
//! `Metadata.quikinfra.skipped`; so are resources read from another environment (a reader's
//! hosted zone). A reference to one of them becomes a template parameter (`Parameters`, its
//! description naming the attribute: `azure_public_ip.main.ip_address`), which whoever deploys
//! the stack fills from quikinfra's state.
//!
//! Names and certificates: a hosted zone is an `AWS::Route53::HostedZone`, a record an
//! `AWS::Route53::RecordSet` (an alias with its `AliasTarget`), a certificate an
//! `AWS::CertificateManager::Certificate` with DNS validation. CloudFormation creates a DNS
//! certificate's validation record itself and waits until the certificate is issued when the
//! certificate names the zone (`DomainValidationOptions`), so the validation record and the
//! `aws_acm_certificate_validation` fold into the certificate (listed under
//! `Metadata.quikinfra.folded`), and a reference to the validation's `certificate_arn` is the
//! certificate's `Ref`. A stack holding a certificate for CloudFront must be deployed in
//! us-east-1.
//!
//! The template is deterministic: keys are sorted and the same definition gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::addr::Address;
use quikinfra_core::diag::Problems;
use quikinfra_core::environment::Environment;
use quikinfra_core::resource::ResourceNode;
use quikinfra_core::value::{Attrs, Reference, Value};
use serde_json::{Map, Value as Json, json};

/// A synthesized template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template(Json);

impl Template {
    /// The template as pretty JSON with a trailing newline: what `synth` writes.
    pub fn to_json(&self) -> String {
        // Cannot fail: the template is built from JSON values.
        let mut text = serde_json::to_string_pretty(&self.0).expect("a template is JSON");
        text.push('\n');
        text
    }

    /// The template as a JSON value.
    pub fn value(&self) -> &Json {
        &self.0
    }

    /// The logical ids of its resources, sorted.
    pub fn logical_ids(&self) -> Vec<String> {
        self.0["Resources"].as_object().map(|r| r.keys().cloned().collect()).unwrap_or_default()
    }
}

/// Why an environment could not be synthesized.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The definition is invalid; nothing was synthesized.
    #[error("{0}")]
    Invalid(Problems),
    /// A resource type this module does not know.
    #[error("{0}: resource type `{1}` has no cloudformation counterpart here")]
    Unsupported(Address, String),
    /// A reference to something the template does not hold.
    #[error("{address}: `{field}` refers to `{reference}`, which cannot be expressed in the template ({why})")]
    Reference {
        /// The resource holding the reference.
        address: Address,
        /// The attribute holding it.
        field: String,
        /// The reference.
        reference: String,
        /// Why not.
        why: String,
    },
    /// Two resources map to the same logical id.
    #[error("{0} and {1} both map to the logical id `{2}`; rename one")]
    Collision(Address, Address, String),
    /// An attribute has a shape the type never produces.
    #[error("{0}: attribute `{1}` is missing or malformed")]
    Malformed(Address, String),
}

/// The CloudFormation name of each resource kind, and its suffix in logical ids.
fn kind(type_name: &str) -> Option<(&'static str, &'static str)> {
    Some(match type_name {
        "aws_s3_bucket" => ("AWS::S3::Bucket", "Bucket"),
        "aws_s3_bucket_policy" => ("AWS::S3::BucketPolicy", "BucketPolicy"),
        "aws_kms_key" => ("AWS::KMS::Key", "Key"),
        "aws_cloudfront_distribution" => ("AWS::CloudFront::Distribution", "Distribution"),
        "aws_wafv2_web_acl" => ("AWS::WAFv2::WebACL", "WebAcl"),
        "aws_shield_protection" => ("AWS::Shield::Protection", "Protection"),
        "aws_route53_zone" => ("AWS::Route53::HostedZone", "HostedZone"),
        "aws_route53_record" => ("AWS::Route53::RecordSet", "RecordSet"),
        "aws_acm_certificate" => ("AWS::CertificateManager::Certificate", "Certificate"),
        "aws_acm_certificate_validation" => ("AWS::CertificateManager::Certificate", "Certificate"),
        _ => return None,
    })
}

/// `media-edge` → `MediaEdge`.
fn camel(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The logical id of a resource: its name in camel case, then its kind.
pub fn logical_id(address: &Address) -> Option<String> {
    kind(address.type_name()).map(|(_, suffix)| format!("{}{suffix}", camel(address.name())))
}

struct Synth<'a> {
    ids: BTreeMap<&'a Address, String>,
    /// Resources folded into another: what a reference to each of their attributes becomes.
    folded: BTreeMap<&'a Address, Json>,
    /// Template parameters standing for values from outside the template, by name.
    parameters: std::cell::RefCell<BTreeMap<String, String>>,
}

impl Synth<'_> {
    /// A reference as an intrinsic function.
    fn reference(&self, at: &Address, field: &str, r: &Reference) -> Result<Json, SynthError> {
        let fail = |why: &str| SynthError::Reference {
            address: at.clone(),
            field: field.to_string(),
            reference: r.to_string(),
            why: why.to_string(),
        };
        if let Some(value) = self.folded.get(&r.address) {
            return Ok(value.clone());
        }
        let Some(id) = self.ids.get(&r.address) else {
            // A value from outside the template: a parameter.
            let name = format!("{}{}{}", camel(r.address.type_name()), camel(r.address.name()), camel(&r.attribute));
            self.parameters.borrow_mut().insert(name.clone(), r.to_string());
            return Ok(json!({"Ref": name}));
        };
        let get_att = |name: &str| json!({"Fn::GetAtt": [id, name]});
        Ok(match (r.address.type_name(), r.attribute.as_str()) {
            ("aws_s3_bucket", "id") => json!({"Ref": id}),
            ("aws_s3_bucket", "arn") => get_att("Arn"),
            ("aws_s3_bucket", "bucket_regional_domain_name") => get_att("RegionalDomainName"),
            ("aws_s3_bucket_policy", "id") => json!({"Ref": id}),
            ("aws_kms_key", "arn") => get_att("Arn"),
            ("aws_kms_key", "id" | "key_id") => get_att("KeyId"),
            ("aws_cloudfront_distribution", "id") => get_att("Id"),
            ("aws_cloudfront_distribution", "domain_name") => get_att("DomainName"),
            ("aws_cloudfront_distribution", "arn") => {
                json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{id}}}")})
            }
            ("aws_wafv2_web_acl", "arn") => get_att("Arn"),
            ("aws_wafv2_web_acl", "id") => get_att("Id"),
            ("aws_shield_protection", "id") => get_att("ProtectionId"),
            ("aws_shield_protection", "arn") => get_att("ProtectionArn"),
            ("aws_route53_zone", "zone_id") => json!({"Ref": id}),
            ("aws_route53_zone", "name_servers") => get_att("NameServers"),
            ("aws_route53_record", "fqdn") => json!({"Ref": id}),
            ("aws_acm_certificate", "arn") => json!({"Ref": id}),
            _ => return Err(fail("cloudformation does not expose that attribute")),
        })
    }

    /// A value with its references translated.
    fn value(&self, at: &Address, field: &str, v: &Value) -> Result<Json, SynthError> {
        Ok(match v {
            Value::Ref(r) => self.reference(at, field, r)?,
            Value::List(items) => {
                Json::Array(items.iter().map(|i| self.value(at, field, i)).collect::<Result<_, _>>()?)
            }
            Value::Map(map) => {
                Json::Object(map.iter().map(|(k, i)| Ok((k.to_string(), self.value(at, field, i)?))).collect::<Result<
                    _,
                    SynthError,
                >>(
                )?)
            }
            Value::Secret(_) | Value::Sensitive(_) | Value::Unknown => {
                return Err(SynthError::Malformed(at.clone(), field.to_string()));
            }
            // Plain data serializes as itself.
            other => serde_json::to_value(other).expect("plain values are JSON"),
        })
    }
}

/// Reads one attribute of a node, translated.
struct Node<'a> {
    synth: &'a Synth<'a>,
    node: &'a ResourceNode,
}

impl Node<'_> {
    fn attrs(&self) -> &Attrs {
        &self.node.attrs
    }

    fn get(&self, name: &str) -> Result<Option<Json>, SynthError> {
        self.attrs().get(name).map(|v| self.synth.value(&self.node.address, name, v)).transpose()
    }

    fn need(&self, name: &str) -> Result<Json, SynthError> {
        self.get(name)?.ok_or_else(|| self.malformed(name))
    }

    fn malformed(&self, name: &str) -> SynthError {
        SynthError::Malformed(self.node.address.clone(), name.to_string())
    }

    fn tags(&self) -> Result<Json, SynthError> {
        let tags = self.get("tags")?.unwrap_or_else(|| json!({}));
        let list: Vec<Json> =
            tags.as_object().into_iter().flatten().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
        Ok(Json::Array(list))
    }
}

fn put(map: &mut Map<String, Json>, key: &str, value: Option<Json>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

fn bucket(n: &Node<'_>) -> Result<Json, SynthError> {
    let mut p = Map::new();
    p.insert("BucketName".into(), n.need("bucket")?);
    if n.get("versioning")? == Some(json!(true)) {
        p.insert("VersioningConfiguration".into(), json!({"Status": "Enabled"}));
    }
    let rules = n.get("lifecycle_rules")?.unwrap_or_else(|| json!([]));
    let rules: Vec<Json> = rules
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let mut rule = Map::new();
            rule.insert("Id".into(), r["id"].clone());
            let enabled = r["enabled"].as_bool().unwrap_or(true);
            rule.insert("Status".into(), json!(if enabled { "Enabled" } else { "Disabled" }));
            put(&mut rule, "Prefix", r.get("prefix").cloned());
            put(&mut rule, "ExpirationInDays", r.get("expiration_days").cloned());
            if let Some(ts) = r.get("transitions").and_then(Json::as_array) {
                let list: Vec<Json> = ts
                    .iter()
                    .map(|t| json!({"StorageClass": t["storage_class"], "TransitionInDays": t["days"]}))
                    .collect();
                rule.insert("Transitions".into(), Json::Array(list));
            }
            put(
                &mut rule,
                "NoncurrentVersionExpiration",
                r.get("noncurrent_version_expiration_days").map(|d| json!({"NoncurrentDays": d})),
            );
            put(
                &mut rule,
                "AbortIncompleteMultipartUpload",
                r.get("abort_incomplete_multipart_upload_days").map(|d| json!({"DaysAfterInitiation": d})),
            );
            Json::Object(rule)
        })
        .collect();
    if !rules.is_empty() {
        p.insert("LifecycleConfiguration".into(), json!({"Rules": rules}));
    }
    if let Some(sse) = n.get("server_side_encryption")? {
        let mut default = Map::new();
        default.insert("SSEAlgorithm".into(), sse["sse_algorithm"].clone());
        put(&mut default, "KMSMasterKeyID", sse.get("kms_master_key_id").cloned());
        let mut rule = Map::new();
        rule.insert("ServerSideEncryptionByDefault".into(), Json::Object(default));
        put(&mut rule, "BucketKeyEnabled", sse.get("bucket_key_enabled").cloned());
        p.insert("BucketEncryption".into(), json!({"ServerSideEncryptionConfiguration": [rule]}));
    }
    let pab = n.need("public_access_block")?;
    p.insert(
        "PublicAccessBlockConfiguration".into(),
        json!({
            "BlockPublicAcls": pab["block_public_acls"],
            "BlockPublicPolicy": pab["block_public_policy"],
            "IgnorePublicAcls": pab["ignore_public_acls"],
            "RestrictPublicBuckets": pab["restrict_public_buckets"],
        }),
    );
    p.insert("Tags".into(), n.tags()?);
    Ok(Json::Object(p))
}

fn key(n: &Node<'_>) -> Result<Json, SynthError> {
    let mut p = Map::new();
    put(&mut p, "Description", n.get("description")?);
    p.insert("EnableKeyRotation".into(), n.get("enable_key_rotation")?.unwrap_or(json!(false)));
    put(&mut p, "KeyPolicy", n.get("policy")?);
    p.insert("Tags".into(), n.tags()?);
    Ok(Json::Object(p))
}

fn web_acl(n: &Node<'_>) -> Result<Json, SynthError> {
    let metric = n.need("metric_name")?;
    let metric_text = metric.as_str().unwrap_or("quikinfra").to_string();
    let visibility =
        |name: &str| json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name});
    let default =
        if n.get("default_action")? == Some(json!("Block")) { json!({"Block": {}}) } else { json!({"Allow": {}}) };
    let rules = n.get("rules")?.unwrap_or_else(|| json!([]));
    let mut out = Vec::new();
    for r in rules.as_array().into_iter().flatten() {
        let name = r["name"].as_str().ok_or_else(|| n.malformed("rules"))?;
        let rule = match r["type"].as_str() {
            Some("rate_based") => json!({
                "Name": name,
                "Priority": r["priority"],
                "Statement": {"RateBasedStatement": {"Limit": r["limit"], "AggregateKeyType": r["aggregate_key_type"]}},
                "Action": {"Block": {}},
                "VisibilityConfig": visibility(&format!("{metric_text}-{name}")),
            }),
            Some("managed_rule_group") => json!({
                "Name": name,
                "Priority": r["priority"],
                "Statement": {"ManagedRuleGroupStatement": {"VendorName": r["vendor_name"], "Name": name}},
                "OverrideAction": {"None": {}},
                "VisibilityConfig": visibility(&format!("{metric_text}-{name}")),
            }),
            _ => return Err(n.malformed("rules")),
        };
        out.push(rule);
    }
    Ok(json!({
        "Name": n.need("name")?,
        "Scope": n.need("scope")?,
        "DefaultAction": default,
        "VisibilityConfig": visibility(&metric_text),
        "Rules": out,
        "Tags": n.tags()?,
    }))
}

fn distribution(n: &Node<'_>, oac_id: &str) -> Result<Json, SynthError> {
    let origin = n.need("origin")?;
    let mut o = Map::new();
    o.insert("Id".into(), json!("s3-origin"));
    o.insert("DomainName".into(), origin["domain_name"].clone());
    put(&mut o, "OriginPath", origin.get("origin_path").cloned());
    o.insert("S3OriginConfig".into(), json!({"OriginAccessIdentity": ""}));
    o.insert("OriginAccessControlId".into(), json!({"Fn::GetAtt": [oac_id, "Id"]}));
    let b = n.need("default_cache_behavior")?;
    let mut c = Map::new();
    c.insert("Enabled".into(), n.need("enabled")?);
    c.insert("Comment".into(), json!("managed by quikinfra"));
    c.insert("PriceClass".into(), n.need("price_class")?);
    c.insert("Origins".into(), json!([o]));
    c.insert(
        "DefaultCacheBehavior".into(),
        json!({
            "TargetOriginId": "s3-origin",
            "ViewerProtocolPolicy": b["viewer_protocol_policy"],
            "AllowedMethods": b["allowed_methods"],
            "CachedMethods": ["GET", "HEAD"],
            "CachePolicyId": b["cache_policy_id"],
            "Compress": b["compress"],
        }),
    );
    let aliases = n.get("aliases")?.unwrap_or_else(|| json!([]));
    if aliases.as_array().is_some_and(|a| !a.is_empty()) {
        c.insert("Aliases".into(), aliases);
    }
    c.insert(
        "ViewerCertificate".into(),
        match n.get("acm_certificate_arn")? {
            Some(arn) => json!({
                "AcmCertificateArn": arn,
                "SslSupportMethod": n.get("ssl_support_method")?.unwrap_or(json!("sni-only")),
                "MinimumProtocolVersion": n.get("minimum_protocol_version")?.unwrap_or(json!("TLSv1.2_2021")),
            }),
            None => json!({"CloudFrontDefaultCertificate": true}),
        },
    );
    put(&mut c, "WebACLId", n.get("web_acl_arn")?);
    Ok(json!({"DistributionConfig": c, "Tags": n.tags()?}))
}

fn zone(n: &Node<'_>) -> Result<Json, SynthError> {
    let mut p = Map::new();
    p.insert("Name".into(), n.need("name")?);
    if let Some(comment) = n.get("comment")? {
        p.insert("HostedZoneConfig".into(), json!({"Comment": comment}));
    }
    p.insert("HostedZoneTags".into(), n.tags()?);
    Ok(Json::Object(p))
}

fn record(n: &Node<'_>) -> Result<Json, SynthError> {
    let mut p = Map::new();
    p.insert("HostedZoneId".into(), n.need("zone_id")?);
    p.insert("Name".into(), n.need("name")?);
    let record_type = n.need("record_type")?;
    match n.get("alias")? {
        Some(alias) => {
            p.insert(
                "AliasTarget".into(),
                json!({"DNSName": alias["name"], "HostedZoneId": alias["zone_id"], "EvaluateTargetHealth": alias["evaluate_target_health"]}),
            );
        }
        None => {
            put(&mut p, "TTL", n.get("ttl")?.map(|t| json!(t.to_string())));
            let mut values = n.get("records")?.unwrap_or_else(|| json!([]));
            if record_type == json!("TXT")
                && let Some(items) = values.as_array_mut()
            {
                for v in items.iter_mut().filter(|v| v.is_string()) {
                    *v = json!(format!("\"{}\"", v.as_str().unwrap_or_default()));
                }
            }
            p.insert("ResourceRecords".into(), values);
        }
    }
    p.insert("Type".into(), record_type);
    Ok(Json::Object(p))
}

fn certificate(n: &Node<'_>, zone: Option<Json>) -> Result<Json, SynthError> {
    let domain = n.need("domain_name")?;
    let mut p = Map::new();
    p.insert("DomainName".into(), domain.clone());
    p.insert("ValidationMethod".into(), n.need("validation_method")?);
    if let Some(zone) = zone {
        p.insert("DomainValidationOptions".into(), json!([{"DomainName": domain, "HostedZoneId": zone}]));
    }
    p.insert("Tags".into(), n.tags()?);
    Ok(Json::Object(p))
}

/// Whether `node` is the validation record of a certificate (its name refers to one's).
fn validation_record_of(node: &ResourceNode) -> Option<&Address> {
    match node.attrs.get("name") {
        Some(Value::Ref(r))
            if r.address.type_name() == "aws_acm_certificate" && r.attribute == "validation_record_name" =>
        {
            Some(&r.address)
        }
        _ => None,
    }
}

/// The environment's AWS resources as a template. Validates the definition first.
pub fn synth(env: &Environment) -> Result<Template, SynthError> {
    quikinfra_core::validate::validate(env).map_err(SynthError::Invalid)?;
    let mut ids: BTreeMap<&Address, String> = BTreeMap::new();
    let mut taken: BTreeMap<String, &Address> = BTreeMap::new();
    let mut skipped = Vec::new();
    // Certificates folded with their validation record (its zone) and their validation.
    let mut folded: BTreeMap<&Address, Json> = BTreeMap::new();
    let mut folded_into: BTreeMap<String, String> = BTreeMap::new();
    let mut validation_zone: BTreeMap<&Address, &Value> = BTreeMap::new();
    for node in env.resources() {
        if let Some(cert) = validation_record_of(node)
            && let Some(zone) = node.attrs.get("zone_id")
        {
            validation_zone.insert(cert, zone);
            let into = logical_id(cert).unwrap_or_default();
            folded.insert(&node.address, json!({"Ref": into}));
            folded_into.insert(node.address.to_string(), into);
        }
        if node.address.type_name() == "aws_acm_certificate_validation"
            && let Some(Value::Ref(r)) = node.attrs.get("certificate_arn")
        {
            let into = logical_id(&r.address).unwrap_or_default();
            folded.insert(&node.address, json!({"Ref": into}));
            folded_into.insert(node.address.to_string(), into);
        }
    }
    for node in env.resources() {
        if node.schema.provider != "aws" || node.is_read_only() {
            skipped.push(node.address.to_string());
            continue;
        }
        if folded.contains_key(&node.address) {
            continue;
        }
        let id = logical_id(&node.address)
            .ok_or_else(|| SynthError::Unsupported(node.address.clone(), node.address.type_name().to_string()))?;
        if let Some(other) = taken.insert(id.clone(), &node.address) {
            return Err(SynthError::Collision(other.clone(), node.address.clone(), id));
        }
        ids.insert(&node.address, id);
    }
    let synth = Synth { ids, folded, parameters: Default::default() };
    let mut resources = Map::new();
    for node in env.resources().iter().filter(|n| synth.ids.contains_key(&n.address)) {
        let id = synth.ids[&node.address].clone();
        let n = Node { synth: &synth, node };
        let (cfn_type, _) = kind(node.address.type_name()).expect("checked above");
        let properties = match node.address.type_name() {
            "aws_s3_bucket" => bucket(&n)?,
            "aws_kms_key" => key(&n)?,
            "aws_s3_bucket_policy" => json!({"Bucket": n.need("bucket")?, "PolicyDocument": n.need("policy")?}),
            "aws_wafv2_web_acl" => web_acl(&n)?,
            "aws_shield_protection" => {
                json!({"Name": n.need("name")?, "ResourceArn": n.need("resource_arn")?, "Tags": n.tags()?})
            }
            "aws_route53_zone" => zone(&n)?,
            "aws_route53_record" => record(&n)?,
            "aws_acm_certificate" => {
                let zone = validation_zone
                    .get(&node.address)
                    .map(|z| synth.value(&node.address, "domain_validation_options", z))
                    .transpose()?;
                certificate(&n, zone)?
            }
            "aws_cloudfront_distribution" => {
                let oac = format!("{}OriginAccessControl", camel(node.address.name()));
                let config = json!({
                    "Name": {"Fn::Sub": format!("${{AWS::StackName}}-{}", node.address.name())},
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                });
                resources.insert(
                    oac.clone(),
                    json!({"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {"OriginAccessControlConfig": config}}),
                );
                distribution(&n, &oac)?
            }
            other => return Err(SynthError::Unsupported(node.address.clone(), other.to_string())),
        };
        let mut resource = Map::new();
        resource.insert("Type".into(), json!(cfn_type));
        resource.insert("Properties".into(), properties);
        let depends: BTreeSet<&String> = node.depends_on.iter().filter_map(|a| synth.ids.get(a)).collect();
        if !depends.is_empty() {
            resource.insert("DependsOn".into(), json!(depends));
        }
        if node.lifecycle.prevent_destroy {
            resource.insert("DeletionPolicy".into(), json!("Retain"));
            resource.insert("UpdateReplacePolicy".into(), json!("Retain"));
        }
        if node.address.type_name() == "aws_kms_key"
            && let Some(alias) = n.get("alias")?
        {
            resources.insert(
                format!("{id}Alias"),
                json!({"Type": "AWS::KMS::Alias", "Properties": {"AliasName": alias, "TargetKeyId": {"Ref": id}}}),
            );
        }
        resources.insert(id, Json::Object(resource));
    }
    let mut outputs = Map::new();
    for (name, value) in env.outputs() {
        // Outputs of what the template does not hold are not the stack's.
        if value
            .references()
            .iter()
            .any(|r| !synth.ids.contains_key(&r.address) && !synth.folded.contains_key(&r.address))
        {
            continue;
        }
        let at = Address::new("output", name);
        if let Ok(v) = synth.value(&at, name, value) {
            outputs.insert(camel(name), json!({"Value": v}));
        }
    }
    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    template.insert("Description".into(), json!(format!("quikinfra environment `{}`: its AWS resources", env.name())));
    let mut metadata = json!({"environment": env.name(), "skipped": skipped});
    if !folded_into.is_empty() {
        metadata["folded"] = json!(folded_into);
    }
    template.insert("Metadata".into(), json!({"quikinfra": metadata}));
    let parameters = synth.parameters.borrow();
    if !parameters.is_empty() {
        let list: Map<String, Json> = parameters
            .iter()
            .map(|(name, from)| {
                let description = format!("{from}, from outside this template: quikinfra's state holds it");
                (name.clone(), json!({"Type": "String", "Description": description}))
            })
            .collect();
        template.insert("Parameters".into(), Json::Object(list));
    }
    template.insert("Resources".into(), Json::Object(resources));
    if !outputs.is_empty() {
        template.insert("Outputs".into(), Json::Object(outputs));
    }
    Ok(Template(Json::Object(template)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        CloudFrontDistribution, KmsKey, PolicyDocument, PriceClass, S3Bucket, S3BucketPolicy, ShieldProtection,
        Statement, StorageClass, WafWebAcl,
    };
    use quikinfra_core::resource::ResourceExt;

    /// The QuikApp media estate of the live environment: the seed's "Enabled + WAF + Shield",
    /// 30d-IA, 90d-Glacier, SSE-KMS row.
    fn live_media() -> Environment {
        let key_policy = PolicyDocument::new()
            .statement(
                Statement::allow().sid("Root").aws("arn:aws:iam::123456789012:root").action("kms:*").resource("*"),
            )
            .statement(
                Statement::allow()
                    .sid("CloudFrontDecrypts")
                    .service("cloudfront.amazonaws.com")
                    .action("kms:Decrypt")
                    .resource("*")
                    .condition("ArnLike", "AWS:SourceArn", "arn:aws:cloudfront::123456789012:distribution/*"),
            );
        let key =
            KmsKey::new("media").alias("alias/quikapp-media-prod").description("media at rest").policy(key_policy);
        let bucket = S3Bucket::new("media", "quikapp-media-prod")
            .versioning(true)
            .transition(30, StorageClass::StandardIa)
            .transition(90, StorageClass::Glacier)
            .sse_kms(key.arn())
            .prevent_destroy();
        let acl = WafWebAcl::new("edge", "quikapp-live-edge")
            .managed_rule_group("AWSManagedRulesCommonRuleSet")
            .rate_limit(2000);
        let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name())
            .price_class(PriceClass::Class100)
            .alias("media.quikapp.com")
            .certificate("arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e")
            .web_acl(acl.arn());
        let shield = ShieldProtection::new("edge", "quikapp-live-cdn", cdn.arn());
        let reads = S3BucketPolicy::new(
            "media",
            bucket.id(),
            PolicyDocument::new().statement(
                Statement::allow()
                    .sid("CloudFrontReads")
                    .service("cloudfront.amazonaws.com")
                    .action("s3:GetObject")
                    .resource("arn:aws:s3:::quikapp-media-prod/*")
                    .condition("StringEquals", "AWS:SourceArn", cdn.arn()),
            ),
        );
        let mut env = Environment::new("live")
            .fact("tier", "production")
            .domain("quikapp.com")
            .with(key)
            .with(bucket)
            .with(reads)
            .with(acl)
            .with(cdn.clone())
            .with(shield);
        env.output("cdn_domain", cdn.domain_name());
        env
    }

    #[test]
    fn the_live_media_estate_synthesizes_to_a_template() {
        let template = synth(&live_media()).unwrap();
        assert_eq!(
            template.logical_ids(),
            [
                "EdgeProtection",
                "EdgeWebAcl",
                "MediaBucket",
                "MediaBucketPolicy",
                "MediaDistribution",
                "MediaKey",
                "MediaKeyAlias",
                "MediaOriginAccessControl"
            ]
        );
        insta::assert_snapshot!("live_media_template", template.to_json());
        assert_eq!(synth(&live_media()).unwrap().to_json(), template.to_json(), "synth is deterministic");
    }

    #[test]
    fn references_become_intrinsic_functions() {
        let template = synth(&live_media()).unwrap();
        let r = &template.value()["Resources"];
        assert_eq!(
            r["MediaBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                ["KMSMasterKeyID"],
            json!({"Fn::GetAtt": ["MediaKey", "Arn"]})
        );
        assert_eq!(r["MediaBucket"]["DeletionPolicy"], json!("Retain"));
        let policy = &r["MediaBucketPolicy"];
        assert_eq!(policy["Type"], json!("AWS::S3::BucketPolicy"));
        assert_eq!(policy["Properties"]["Bucket"], json!({"Ref": "MediaBucket"}));
        assert_eq!(
            policy["Properties"]["PolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"],
            json!([{"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${MediaDistribution}"}])
        );
        let key_policy = &r["MediaKey"]["Properties"]["KeyPolicy"];
        assert_eq!(key_policy["Version"], json!("2012-10-17"));
        assert_eq!(key_policy["Statement"][1]["Action"], json!(["kms:Decrypt"]));
        assert_eq!(
            synth(&Environment::new("e").with(KmsKey::new("k"))).unwrap().value()["Resources"]["KKey"]["Properties"]
                .get("KeyPolicy"),
            None,
            "no policy declared, none synthesized"
        );
        assert_eq!(
            r["MediaDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]["DomainName"],
            json!({"Fn::GetAtt": ["MediaBucket", "RegionalDomainName"]})
        );
        assert_eq!(
            r["EdgeProtection"]["Properties"]["ResourceArn"]["Fn::Sub"],
            json!("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${MediaDistribution}")
        );
        assert_eq!(
            template.value()["Outputs"]["CdnDomain"]["Value"],
            json!({"Fn::GetAtt": ["MediaDistribution", "DomainName"]})
        );
    }

    #[test]
    fn zones_records_and_certificates_synthesize_with_the_validation_folded_in() {
        use crate::{AcmCertificate, AcmCertificateValidation, AliasTarget, Route53Record, Route53Zone};
        let zone = Route53Zone::new("main", "quikapp.com");
        let cert = AcmCertificate::new("media", "media.staging.quikapp.com");
        let proof = Route53Record::validation("media_validation", &zone, &cert);
        let issued = AcmCertificateValidation::new("media", &cert).record(&proof);
        let bucket = S3Bucket::new("media", "quikapp-media-staging");
        let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name())
            .alias("media.staging.quikapp.com")
            .certificate(issued.certificate_arn());
        let alias = Route53Record::alias(
            "media",
            &zone,
            "media.staging.quikapp.com",
            AliasTarget::cloudfront(cdn.domain_name()),
        );
        // A reader: the zone is another environment's.
        let mut env =
            Environment::new("staging").with(cert).with(proof).with(issued).with(bucket).with(cdn).with(alias);
        env.add_shared("production", zone.prevent_destroy());
        let template = synth(&env).unwrap();
        let r = &template.value()["Resources"];
        assert_eq!(
            template.logical_ids(),
            ["MediaBucket", "MediaCertificate", "MediaDistribution", "MediaOriginAccessControl", "MediaRecordSet"]
        );
        assert_eq!(
            r["MediaCertificate"]["Properties"]["DomainValidationOptions"],
            json!([{"DomainName": "media.staging.quikapp.com", "HostedZoneId": {"Ref": "AwsRoute53ZoneMainZoneId"}}])
        );
        assert_eq!(r["MediaCertificate"]["Properties"]["ValidationMethod"], json!("DNS"));
        let viewer = &r["MediaDistribution"]["Properties"]["DistributionConfig"]["ViewerCertificate"];
        assert_eq!(
            viewer,
            &json!({"AcmCertificateArn": {"Ref": "MediaCertificate"}, "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"})
        );
        assert_eq!(
            r["MediaDistribution"]["Properties"]["DistributionConfig"]["Aliases"],
            json!(["media.staging.quikapp.com"])
        );
        assert_eq!(
            r["MediaRecordSet"]["Properties"],
            json!({
                "HostedZoneId": {"Ref": "AwsRoute53ZoneMainZoneId"},
                "Name": "media.staging.quikapp.com",
                "Type": "A",
                "AliasTarget": {"DNSName": {"Fn::GetAtt": ["MediaDistribution", "DomainName"]}, "HostedZoneId": "Z2FDTNDATAQYW2", "EvaluateTargetHealth": false}
            })
        );
        assert_eq!(
            template.value()["Parameters"]["AwsRoute53ZoneMainZoneId"]["Description"],
            json!("aws_route53_zone.main.zone_id, from outside this template: quikinfra's state holds it")
        );
        let folded = &template.value()["Metadata"]["quikinfra"]["folded"];
        assert_eq!(
            folded,
            &json!({"aws_acm_certificate_validation.media": "MediaCertificate", "aws_route53_record.media_validation": "MediaCertificate"})
        );
        assert_eq!(template.value()["Metadata"]["quikinfra"]["skipped"], json!(["aws_route53_zone.main"]));
    }

    #[test]
    fn invalid_definitions_are_refused_before_synthesis() {
        let env = Environment::new("dev").with(S3Bucket::new("media", "Not_A_Bucket"));
        let err = synth(&env).unwrap_err();
        assert!(matches!(err, SynthError::Invalid(_)), "{err}");
        assert!(err.to_string().contains("bucket"), "{err}");
    }

    #[test]
    fn logical_ids_are_camel_case_names_and_kinds() {
        assert_eq!(logical_id(&Address::new("aws_s3_bucket", "media-uploads")).as_deref(), Some("MediaUploadsBucket"));
        assert_eq!(logical_id(&Address::new("aws_wafv2_web_acl", "edge_v2")).as_deref(), Some("EdgeV2WebAcl"));
        assert_eq!(logical_id(&Address::new("azure_resource_group", "main")), None);
    }
}
