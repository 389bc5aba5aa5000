//! Typed IAM policy documents: the resource policies of buckets (`aws_s3_bucket_policy`) and
//! KMS keys (`KmsKey::policy`), built with a builder, checked before any API call, and compared
//! by meaning rather than by text.
//!
//! A [`PolicyDocument`] serializes in IAM's own JSON shape (`Version`, `Statement`, `Sid`,
//! `Effect`, `Principal`, `Action`, `Resource`, `Condition`) with every list kept a list, even
//! of one element, and every map's keys sorted: what the engine records, diffs and the provider
//! sends is that one canonical form, references to other resources' attributes (a
//! distribution's ARN in a condition) resolved in place.
//!
//! AWS answers with the same policy written differently: S3 turns one-element lists into plain
//! strings and reorders keys, KMS keeps the whitespace it was given, IAM writes an account id
//! principal as its root ARN. [`equivalent`] compares two documents after [`normalize`] and
//! after sorting what IAM treats as sets (actions, resources, principals, condition values,
//! statements), so an unchanged policy never shows as drift; [`normalize`] turns what AWS
//! returns into the canonical form when it did change.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::Val;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json};

/// The policy language version every document declares (the current one).
pub const POLICY_VERSION: &str = "2012-10-17";

/// The condition operators IAM knows, without the `IfExists` suffix and the `ForAllValues:` /
/// `ForAnyValue:` set prefixes, which any of them may take.
const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// The kinds of principal a resource policy names.
const PRINCIPAL_KINDS: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

/// An IAM policy document: the statements of a bucket policy or a key policy.
///
/// ```ignore
/// let policy = PolicyDocument::new().statement(
///     Statement::allow()
///         .sid("CloudFrontReadsMedia")
///         .service("cloudfront.amazonaws.com")
///         .action("s3:GetObject")
///         .resource("arn:aws:s3:::quikapp-media-prod/*")
///         .condition("StringEquals", "AWS:SourceArn", cdn.arn()),
/// );
/// ```
#[derive(Clone, Debug, Serialize, AttrValue)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    version: String,
    #[serde(rename = "Statement")]
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document of version [`POLICY_VERSION`] with no statement yet.
    pub fn new() -> Self {
        Self { version: POLICY_VERSION.to_string(), statements: Vec::new() }
    }

    /// Adds a statement.
    pub fn statement(mut self, statement: Statement) -> Self {
        self.statements.push(statement);
        self
    }

    /// The statements, in the order they were added.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Records every problem of the document under `field` (`policy`), each naming the
    /// statement and its part: `policy.Statement[1].Action`.
    pub(crate) fn check(&self, p: &mut FieldProblems<'_>, field: &str) {
        if self.statements.is_empty() {
            p.field(&format!("{field}.Statement"), "a policy needs at least one statement");
        }
        let mut sids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, s) in self.statements.iter().enumerate() {
            let at = format!("{field}.Statement[{i}]");
            if let Some(sid) = &s.sid {
                if sid.is_empty() || !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    p.field(&format!("{at}.Sid"), format!("may only hold letters and digits, got `{sid}`"));
                }
                if let Some(first) = sids.insert(sid, i) {
                    p.field(&format!("{at}.Sid"), format!("`{sid}` is already the sid of statement {first}"));
                }
            }
            s.check(p, &at);
        }
    }
}

impl Default for PolicyDocument {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a statement allows or denies what it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Grants the actions.
    Allow,
    /// Refuses the actions, whatever else allows them.
    Deny,
}

/// Who a statement applies to.
#[derive(Clone, Debug)]
pub enum Principal {
    /// Everyone, `"Principal": "*"`.
    Anyone,
    /// Principals by kind (`Service`, `AWS`, `Federated`, `CanonicalUser`).
    Ids(BTreeMap<String, Vec<Val<String>>>),
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Anyone => serializer.serialize_str("*"),
            Principal::Ids(ids) => ids.serialize(serializer),
        }
    }
}

/// One statement of a policy: an effect, who, which actions on which resources, under which
/// conditions.
#[derive(Clone, Debug, Serialize)]
pub struct Statement {
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: Effect,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    principal: Option<Principal>,
    #[serde(rename = "Action")]
    actions: Vec<String>,
    #[serde(rename = "Resource")]
    resources: Vec<Val<String>>,
    /// Operator → condition key → values.
    #[serde(rename = "Condition", skip_serializing_if = "BTreeMap::is_empty")]
    conditions: BTreeMap<String, BTreeMap<String, Vec<Val<String>>>>,
}

impl Statement {
    /// A statement with `effect` and nothing else yet.
    pub fn new(effect: Effect) -> Self {
        Self {
            sid: None,
            effect,
            principal: None,
            actions: Vec::new(),
            resources: Vec::new(),
            conditions: BTreeMap::new(),
        }
    }

    /// An `Allow` statement.
    pub fn allow() -> Self {
        Self::new(Effect::Allow)
    }

    /// A `Deny` statement.
    pub fn deny() -> Self {
        Self::new(Effect::Deny)
    }

    /// Names the statement (letters and digits, unique in its document).
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Applies the statement to everyone (`"Principal": "*"`).
    pub fn anyone(mut self) -> Self {
        self.principal = Some(Principal::Anyone);
        self
    }

    /// Adds a principal of `kind` (`Service`, `AWS`, `Federated`, `CanonicalUser`).
    pub fn principal(mut self, kind: impl Into<String>, id: impl Into<Val<String>>) -> Self {
        let ids = match &mut self.principal {
            Some(Principal::Ids(ids)) => ids,
            _ => {
                self.principal = Some(Principal::Ids(BTreeMap::new()));
                match &mut self.principal {
                    Some(Principal::Ids(ids)) => ids,
                    _ => unreachable!("just set"),
                }
            }
        };
        ids.entry(kind.into()).or_default().push(id.into());
        self
    }

    /// Adds an AWS service principal (`cloudfront.amazonaws.com`).
    pub fn service(self, service: impl Into<String>) -> Self {
        self.principal("Service", Val::Known(service.into()))
    }

    /// Adds an AWS account or IAM principal (`arn:aws:iam::123456789012:root`).
    pub fn aws(self, arn: impl Into<Val<String>>) -> Self {
        self.principal("AWS", arn)
    }

    /// Adds an action, `service:Action` (`s3:GetObject`, `kms:*`), or `*`.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.actions.push(action.into());
        self
    }

    /// Adds a resource: an ARN (`arn:aws:s3:::media/*`), a reference to one, or `*`.
    pub fn resource(mut self, resource: impl Into<Val<String>>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Adds `value` to the condition `operator` (`StringEquals`, `ArnLike`) on `key`
    /// (`AWS:SourceArn`); several values of one key match when any does.
    pub fn condition(
        mut self,
        operator: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<Val<String>>,
    ) -> Self {
        self.conditions.entry(operator.into()).or_default().entry(key.into()).or_default().push(value.into());
        self
    }

    /// The statement's sid, if named.
    pub fn sid_name(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The statement's effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    fn check(&self, p: &mut FieldProblems<'_>, at: &str) {
        match &self.principal {
            None => p.field(&format!("{at}.Principal"), "a resource policy's statement needs a principal"),
            Some(Principal::Anyone) => {}
            Some(Principal::Ids(ids)) => {
                if ids.is_empty() {
                    p.field(&format!("{at}.Principal"), "names no principal");
                }
                for (kind, values) in ids {
                    let field = format!("{at}.Principal.{kind}");
                    if !PRINCIPAL_KINDS.contains(&kind.as_str()) {
                        p.field(&field, format!("unknown principal kind `{kind}`: use {}", PRINCIPAL_KINDS.join(", ")));
                    }
                    for value in values {
                        if let Val::Known(id) = value
                            && let Some(problem) = principal_problem(kind, id)
                        {
                            p.field(&field, problem);
                        }
                    }
                }
            }
        }
        if self.actions.is_empty() {
            p.field(&format!("{at}.Action"), "a statement needs at least one action");
        }
        for action in &self.actions {
            if let Some(problem) = action_problem(action) {
                p.field(&format!("{at}.Action"), problem);
            }
        }
        if self.resources.is_empty() {
            p.field(&format!("{at}.Resource"), "a statement needs at least one resource (`*` for the policy's own)");
        }
        for resource in &self.resources {
            if let Val::Known(r) = resource
                && r != "*"
                && !r.starts_with("arn:")
            {
                p.field(&format!("{at}.Resource"), format!("`{r}` is neither an ARN nor `*`"));
            }
        }
        for (operator, keys) in &self.conditions {
            let field = format!("{at}.Condition.{operator}");
            if !is_condition_operator(operator) {
                p.field(&field, format!("unknown condition operator `{operator}`"));
            }
            if keys.is_empty() {
                p.field(&field, "names no condition key");
            }
            for (key, values) in keys {
                if key.is_empty() || key.contains(char::is_whitespace) {
                    p.field(&field, format!("condition key `{key}` must be one word, like `aws:SourceArn`"));
                }
                if values.is_empty() {
                    p.field(&format!("{field}.{key}"), "needs at least one value");
                }
            }
        }
    }
}

/// What is wrong with `action` (None when it is `*` or `service:Action`).
fn action_problem(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    let Some((service, name)) = action.split_once(':') else {
        return Some(format!("`{action}` has no service prefix: write `service:Action`, like `s3:GetObject`"));
    };
    let service_ok =
        !service.is_empty() && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let name_ok =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'?' | b'-'));
    match (service_ok, name_ok) {
        (true, true) => None,
        (false, _) => Some(format!("`{action}`: the service prefix `{service}` must be lowercase, like `s3`")),
        (_, false) => Some(format!("`{action}`: the action after `{service}:` must be a name or a wildcard")),
    }
}

/// What is wrong with the known principal `id` of `kind` (None when it looks right).
fn principal_problem(kind: &str, id: &str) -> Option<String> {
    match kind {
        "Service" if !id.ends_with(".amazonaws.com") && !id.ends_with(".amazonaws.com.cn") => {
            Some(format!("`{id}` is not a service principal, like `cloudfront.amazonaws.com`"))
        }
        "AWS" if id != "*" && !crate::check::is_account_id(id) && !id.starts_with("arn:") => {
            Some(format!("`{id}` is neither an account id, an ARN nor `*`"))
        }
        _ => None,
    }
}

fn is_condition_operator(operator: &str) -> bool {
    let op =
        operator.strip_prefix("ForAllValues:").or_else(|| operator.strip_prefix("ForAnyValue:")).unwrap_or(operator);
    let op = op.strip_suffix("IfExists").unwrap_or(op);
    CONDITION_OPERATORS.contains(&op)
}

/// Parses a policy as AWS returns it.
pub fn parse(text: &str) -> Result<Json, String> {
    let json: Json = serde_json::from_str(text).map_err(|e| format!("the policy is not JSON: {e}"))?;
    if !json.is_object() {
        return Err("the policy is not a JSON object".to_string());
    }
    Ok(json)
}

/// The canonical form of a policy AWS returned: every list kept a list (a plain string
/// becomes a one-element list), one statement object becomes a list of one, condition values
/// become strings, an empty sid is dropped. Order is kept as AWS gave it.
pub fn normalize(doc: &Json) -> Json {
    let Some(map) = doc.as_object() else { return doc.clone() };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "Statement" => Json::Array(as_list(value).iter().map(normalize_statement).collect()),
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Json::Object(out)
}

fn normalize_statement(statement: &Json) -> Json {
    let Some(map) = statement.as_object() else { return statement.clone() };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "Sid" if value.as_str() == Some("") => continue,
            "Action" | "NotAction" | "Resource" | "NotResource" => strings(value),
            "Principal" | "NotPrincipal" => match value {
                Json::Object(ids) => Json::Object(ids.iter().map(|(k, v)| (k.clone(), strings(v))).collect()),
                other => other.clone(),
            },
            "Condition" => match value {
                Json::Object(ops) => Json::Object(
                    ops.iter()
                        .map(|(op, keys)| {
                            let keys = match keys {
                                Json::Object(keys) => {
                                    Json::Object(keys.iter().map(|(k, v)| (k.clone(), strings(v))).collect())
                                }
                                other => other.clone(),
                            };
                            (op.clone(), keys)
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Json::Object(out)
}

/// A value as a list of strings: a scalar becomes a list of one; numbers and booleans their text.
fn strings(value: &Json) -> Json {
    Json::Array(as_list(value).iter().map(scalar_text).collect())
}

fn scalar_text(value: &Json) -> Json {
    match value {
        Json::Bool(b) => Json::String(b.to_string()),
        Json::Number(n) => Json::String(n.to_string()),
        other => other.clone(),
    }
}

fn as_list(value: &Json) -> Vec<Json> {
    match value {
        Json::Array(items) => items.clone(),
        Json::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Whether two policies mean the same: equal after [`normalize`], with actions, resources,
/// principals, condition values and statements compared as sets, condition keys compared
/// without case (IAM ignores it), `{"AWS": "*"}` as `"*"` and an account id principal as its
/// root ARN (which is how IAM writes it back).
pub fn equivalent(a: &Json, b: &Json) -> bool {
    semantic(&normalize(a)) == semantic(&normalize(b))
}

/// The normalized document with its sets sorted: equal exactly when the policies mean the same.
fn semantic(doc: &Json) -> Json {
    let Some(map) = doc.as_object() else { return doc.clone() };
    let mut out = map.clone();
    if let Some(Json::Array(statements)) = map.get("Statement") {
        let mut list: Vec<Json> = statements.iter().map(semantic_statement).collect();
        list.sort_by_key(|s| s.to_string());
        out.insert("Statement".into(), Json::Array(list));
    }
    Json::Object(out)
}

fn semantic_statement(statement: &Json) -> Json {
    let Some(map) = statement.as_object() else { return statement.clone() };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "Action" | "NotAction" => sorted_set(value, |s| s.to_ascii_lowercase()),
            "Resource" | "NotResource" => sorted_set(value, str::to_string),
            "Principal" | "NotPrincipal" => semantic_principal(value),
            "Condition" => match value {
                Json::Object(ops) => Json::Object(
                    ops.iter()
                        .map(|(op, keys)| {
                            let keys: Map<String, Json> = keys
                                .as_object()
                                .into_iter()
                                .flatten()
                                .map(|(k, v)| (k.to_ascii_lowercase(), sorted_set(v, str::to_string)))
                                .collect();
                            (op.clone(), Json::Object(keys))
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Json::Object(out)
}

fn semantic_principal(value: &Json) -> Json {
    let Json::Object(ids) = value else { return value.clone() };
    if ids.len() == 1 && ids.get("AWS").is_some_and(|v| as_list(v) == [Json::String("*".into())]) {
        return Json::String("*".into());
    }
    Json::Object(
        ids.iter()
            .map(|(kind, v)| {
                let set = if kind == "AWS" {
                    sorted_set(v, |id| {
                        if crate::check::is_account_id(id) { format!("arn:aws:iam::{id}:root") } else { id.to_string() }
                    })
                } else {
                    sorted_set(v, str::to_string)
                };
                (kind.clone(), set)
            })
            .collect(),
    )
}

/// The strings of a list, mapped by `key`, sorted and without repeats.
fn sorted_set(value: &Json, key: impl Fn(&str) -> String) -> Json {
    let mut items: Vec<String> =
        as_list(value).iter().map(|v| key(scalar_text(v).as_str().unwrap_or(&v.to_string()))).collect();
    items.sort();
    items.dedup();
    Json::Array(items.into_iter().map(Json::String).collect())
}

#[cfg(test)]
mod tests {
    use quikinfra_core::environment::Environment;
    use quikinfra_core::resource::{Meta, Resource};
    use quikinfra_core::value::{Computed, Ref};
    use serde_json::json;

    use super::*;
    use crate::testing::assert_problem;

    fn cloudfront_reads(bucket: &str, cdn: impl Into<Val<String>>) -> PolicyDocument {
        PolicyDocument::new().statement(
            Statement::allow()
                .sid("CloudFrontReadsMedia")
                .service("cloudfront.amazonaws.com")
                .action("s3:GetObject")
                .resource(format!("arn:aws:s3:::{bucket}/*"))
                .condition("StringEquals", "AWS:SourceArn", cdn),
        )
    }

    #[test]
    fn a_document_renders_in_iam_shape_with_lists_kept_lists() {
        let doc = cloudfront_reads("quikapp-media", "arn:aws:cloudfront::123456789012:distribution/E1");
        assert_eq!(
            serde_json::to_value(&doc).unwrap(),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "CloudFrontReadsMedia",
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudfront.amazonaws.com"]},
                    "Action": ["s3:GetObject"],
                    "Resource": ["arn:aws:s3:::quikapp-media/*"],
                    "Condition": {"StringEquals": {"AWS:SourceArn": ["arn:aws:cloudfront::123456789012:distribution/E1"]}}
                }]
            })
        );
        // Keys sorted: the text is deterministic.
        let value = quikinfra_core::value::Value::from_json(serde_json::to_value(&doc).unwrap()).unwrap();
        let text = serde_json::to_string(&value).unwrap();
        assert!(text.starts_with(r#"{"Statement":[{"Action":["s3:GetObject"],"Condition""#), "{text}");
        let everyone = PolicyDocument::new().statement(Statement::deny().anyone().action("s3:*").resource("*"));
        assert_eq!(serde_json::to_value(&everyone).unwrap()["Statement"][0]["Principal"], json!("*"));
    }

    #[test]
    fn references_stay_references_until_resolved() {
        let cdn: Ref<String> =
            Ref::new(quikinfra_core::addr::Address::new("aws_cloudfront_distribution", "media"), "arn");
        let doc = cloudfront_reads("m", cdn);
        assert_eq!(
            serde_json::to_value(&doc).unwrap()["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"],
            json!([{"$ref": "aws_cloudfront_distribution.media.arn"}])
        );
    }

    #[test]
    fn what_s3_returns_for_an_unchanged_policy_is_equivalent() {
        let declared = serde_json::to_value(cloudfront_reads("m", "arn:aws:cloudfront::1:distribution/E1")).unwrap();
        // S3's answer: keys reordered, one-element lists as strings, no whitespace.
        let returned = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::1:distribution/E1"}},"Resource":"arn:aws:s3:::m/*","Action":"s3:GetObject","Principal":{"Service":"cloudfront.amazonaws.com"},"Effect":"Allow","Sid":"CloudFrontReadsMedia"}]}"#,
        )
        .unwrap();
        assert!(equivalent(&declared, &returned));
        // KMS's answer: as sent, pretty-printed.
        let pretty = parse(&serde_json::to_string_pretty(&declared).unwrap()).unwrap();
        assert!(equivalent(&declared, &pretty));
        // The normalized answer is the declared form itself.
        assert_eq!(normalize(&returned), declared);
    }

    #[test]
    fn sets_compare_as_sets() {
        let a = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ["111111111111", "arn:aws:iam::222222222222:root"]},
             "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"},
            {"Sid": "B", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": true}}}
        ]});
        let b = json!({"Statement": [
            {"Sid": "B", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject"], "Resource": ["*"],
             "Condition": {"Bool": {"AWS:SecureTransport": ["true"]}}},
            {"Effect": "Allow", "Sid": "A", "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::111111111111:root"]},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:Decrypt"], "Resource": ["*"]}
        ], "Version": "2012-10-17"});
        assert!(equivalent(&a, &b));
        // One statement object is a list of one.
        let single = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}});
        let listed = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": ["*"], "Sid": ""}]});
        assert!(equivalent(&single, &listed));
    }

    #[test]
    fn different_policies_differ() {
        let base = serde_json::to_value(cloudfront_reads("m", "arn:aws:cloudfront::1:distribution/E1")).unwrap();
        let mut other_cdn = base.clone();
        other_cdn["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"] =
            json!(["arn:aws:cloudfront::1:distribution/E2"]);
        assert!(!equivalent(&base, &other_cdn));
        let mut more_actions = base.clone();
        more_actions["Statement"][0]["Action"] = json!(["s3:GetObject", "s3:PutObject"]);
        assert!(!equivalent(&base, &more_actions));
        let mut denied = base.clone();
        denied["Statement"][0]["Effect"] = json!("Deny");
        assert!(!equivalent(&base, &denied));
        let mut operator = base.clone();
        operator["Statement"][0]["Condition"] =
            json!({"ArnLike": {"AWS:SourceArn": ["arn:aws:cloudfront::1:distribution/E1"]}});
        assert!(!equivalent(&base, &operator));
        let mut two = base.clone();
        two["Statement"].as_array_mut().unwrap().push(base["Statement"][0].clone());
        assert!(!equivalent(&base, &two), "a repeated statement is another document");
        let mut version = base.clone();
        version["Version"] = json!("2008-10-17");
        assert!(!equivalent(&base, &version));
    }

    #[test]
    fn parse_refuses_what_is_not_a_policy_object() {
        assert!(parse("not json").unwrap_err().contains("not JSON"));
        assert!(parse("[1]").unwrap_err().contains("not a JSON object"));
    }

    /// A resource holding a policy, to see the problems validation reports.
    #[derive(Clone, Debug, Serialize, quikinfra_core::resource::Resource)]
    #[resource(type = "test_policy_holder", provider = "aws", validate = Self::check)]
    struct Holder {
        #[serde(skip)]
        meta: Meta,
        #[serde(skip)]
        #[resource(computed)]
        id: Computed<String>,
        policy: PolicyDocument,
    }

    impl Holder {
        fn check(&self, p: &mut FieldProblems<'_>) {
            self.policy.check(p, "policy");
        }
    }

    fn problems(policy: PolicyDocument) -> Vec<(String, String)> {
        let mut env = Environment::new("test");
        env.add(Holder { meta: Meta::named("h"), id: Computed::new(), policy });
        assert_eq!(Holder::TYPE, "test_policy_holder");
        env.spec_problems().0.iter().map(|p| (p.field.clone().unwrap_or_default(), p.message.clone())).collect()
    }

    #[test]
    fn bad_documents_are_refused_naming_statement_and_part() {
        assert_problem(&problems(PolicyDocument::new()), "policy.Statement", "at least one statement");
        let found = problems(
            PolicyDocument::new()
                .statement(Statement::allow().sid("Read").service("cloudfront").action("GetObject"))
                .statement(
                    Statement::allow()
                        .sid("Read")
                        .aws("someone")
                        .action("S3:GetObject")
                        .action("s3:")
                        .resource("bucket/*")
                        .condition("StringEqual", "AWS:SourceArn", "x"),
                )
                .statement(Statement::deny().action("s3:*").resource("*").sid("no-dash")),
        );
        assert_problem(&found, "policy.Statement[0].Principal.Service", "not a service principal");
        assert_problem(&found, "policy.Statement[0].Action", "has no service prefix");
        assert_problem(&found, "policy.Statement[0].Resource", "at least one resource");
        assert_problem(&found, "policy.Statement[1].Sid", "already the sid of statement 0");
        assert_problem(&found, "policy.Statement[1].Principal.AWS", "neither an account id");
        assert_problem(&found, "policy.Statement[1].Action", "must be lowercase");
        assert_problem(&found, "policy.Statement[1].Action", "must be a name or a wildcard");
        assert_problem(&found, "policy.Statement[1].Resource", "neither an ARN nor `*`");
        assert_problem(&found, "policy.Statement[1].Condition.StringEqual", "unknown condition operator");
        assert_problem(&found, "policy.Statement[2].Principal", "needs a principal");
        assert_problem(&found, "policy.Statement[2].Sid", "letters and digits");
        let no_action = problems(PolicyDocument::new().statement(Statement::allow().anyone().resource("*")));
        assert_problem(&no_action, "policy.Statement[0].Action", "at least one action");
        let good = problems(cloudfront_reads("m", "arn:aws:cloudfront::1:distribution/E1").statement(
            Statement::allow().aws("123456789012").action("kms:*").resource("*").condition(
                "ForAnyValue:StringLikeIfExists",
                "aws:PrincipalTag/team",
                "media",
            ),
        ));
        assert!(good.is_empty(), "{good:?}");
    }
}
