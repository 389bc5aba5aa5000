//! `aws_wafv2_web_acl` over the WAFv2 API (CLOUDFRONT scope, hence always in us-east-1).
//!
//! The provider id is the web ACL's ARN, `arn:aws:wafv2:us-east-1:…:global/webacl/<name>/<id>`,
//! which carries the name, id and scope every WAFv2 call needs. A refresh makes two calls,
//! `GetWebACL` and `ListTagsForResource`.
//!
//! WAFv2 guards writes with a lock token: an update or delete first reads the ACL for its
//! current token. A token made stale by a concurrent change (`WAFOptimisticLockException`) is
//! transient: the engine retries, reading a fresh token, and writes the declared rules again.
//!
//! Rules are read back in priority order, in the spec's shape: a rate-based rule (action
//! block) or an AWS managed rule group (no override); any other rule shows as
//! `{"type": "unmanaged", …}`, so one added outside appears as drift and the next apply
//! removes it.
//!
//! A create whose name is taken in its scope (`WAFDuplicateItemException`) is a conflict naming
//! the `import` of the ACL there (`ListWebACLs` finds its ARN), except on the engine's retry of
//! this create, which adopts it; `find` is the same look-up by name and scope, refusing an ACL
//! tagged for another environment.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, DefaultAction, ManagedRuleGroupStatement, NoneAction, OverrideAction, RateBasedStatement,
    RateBasedStatementAggregateKeyType, Rule, RuleAction, Scope, Statement, Tag, VisibilityConfig, WebAcl,
};
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, ProviderError, ReadRequest, Serves, TagChanges,
    UpdateRequest, foreign_owner,
};
use quikinfra_core::value::{Attrs, Value};

use super::Clients;
use super::attrs::{self, MapBuilder, int, int_of, required_str, str_of};
use super::error::{self, is_code};
use crate::WafWebAcl;

const NONEXISTENT: &str = "WAFNonexistentItemException";

fn build_error(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::permanent(format!("building the {what}: {e}"))
}

/// The name, id and scope an ARN names.
struct Ident {
    name: String,
    id: String,
    scope: Scope,
}

fn ident(arn: &str) -> Result<Ident, ProviderError> {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let parts: Vec<&str> = resource.split('/').collect();
    match parts.as_slice() {
        [scope, "webacl", name, id] => Ok(Ident {
            name: (*name).to_string(),
            id: (*id).to_string(),
            scope: if *scope == "global" { Scope::Cloudfront } else { Scope::Regional },
        }),
        _ => Err(ProviderError::permanent(format!("`{arn}` is not a wafv2 web acl arn"))),
    }
}

/// The ARN of the web ACL named `name` in `scope`, if there is one (`ListWebACLs`, every page).
async fn acl_named(c: &Clients, name: &str, scope: &Scope) -> Result<Option<String>, ProviderError> {
    let mut marker = None;
    loop {
        let out = c
            .wafv2
            .list_web_acls()
            .scope(scope.clone())
            .set_next_marker(marker)
            .send()
            .await
            .map_err(|e| error::sdk("wafv2:ListWebACLs", e))?;
        if let Some(acl) = out.web_acls().iter().find(|a| a.name() == Some(name)) {
            return Ok(acl.arn().map(str::to_string));
        }
        match out.next_marker() {
            Some(next) if !next.is_empty() && !out.web_acls().is_empty() => marker = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

fn scope_of(config: &Attrs) -> Scope {
    match WafWebAcl::SCOPE.read(config) {
        Some("REGIONAL") => Scope::Regional,
        _ => Scope::Cloudfront,
    }
}

#[async_trait]
impl Serves<WafWebAcl> for Clients {
    /// Reads the live ACL; `None` when it is gone.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let c = self;
        let arn = req.id;
        let ident = ident(arn)?;
        let (acl, tags) = tokio::join!(
            c.wafv2.get_web_acl().name(&ident.name).id(&ident.id).scope(ident.scope.clone()).send(),
            c.wafv2.list_tags_for_resource().resource_arn(arn).send(),
        );
        let acl = match acl {
            Ok(out) => out,
            Err(e) if is_code(&e, NONEXISTENT) => return Ok(None),
            Err(e) => return Err(error::sdk("wafv2:GetWebACL", e)),
        };
        let Some(acl) = acl.web_acl() else { return Ok(None) };
        let tags = match tags {
            Ok(out) => attrs::string_map(
                out.tag_info_for_resource()
                    .map(|t| t.tag_list())
                    .unwrap_or_default()
                    .iter()
                    .map(|t| (t.key(), t.value())),
            ),
            Err(e) if is_code(&e, NONEXISTENT) => return Ok(None),
            Err(e) => return Err(error::sdk("wafv2:ListTagsForResource", e)),
        };
        Ok(Some(acl_attrs(acl, &ident.scope, tags)))
    }

    /// Creates the ACL with its rules and tags.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let config = req.config;
        let name = WafWebAcl::NAME.require(config)?;
        let scope = scope_of(config);
        let tags = WafWebAcl::TAGS.read(config).unwrap_or_default();
        let create = req;
        let mut req = c
            .wafv2
            .create_web_acl()
            .name(name)
            .scope(scope.clone())
            .default_action(default_action(config))
            .visibility_config(visibility(config)?)
            .set_rules(Some(rules(config)?));
        if !tags.is_empty() {
            req = req.set_tags(Some(waf_tags(&tags)?));
        }
        let out = match req.send().await {
            Ok(out) => out,
            // The name is taken in this scope: by the earlier attempt of this create on a retry
            // (adopted), else by an ACL this state does not track.
            Err(e) if is_code(&e, "WAFDuplicateItemException") => {
                let Some(arn) = acl_named(c, name, &scope).await? else {
                    return Err(error::sdk("wafv2:CreateWebACL", e));
                };
                create.already_there(&format!("the web ACL `{name}`"), &arn)?;
                let read = ReadRequest { address: create.address, id: &arn, prior: config };
                let attrs = Serves::<WafWebAcl>::read(c, read).await?.ok_or_else(|| {
                    ProviderError::transient(format!("the web ACL `{name}` vanished while it was being adopted"))
                })?;
                return Ok(Created { id: arn, attrs });
            }
            Err(e) => return Err(error::sdk("wafv2:CreateWebACL", e)),
        };
        let summary =
            out.summary().ok_or_else(|| ProviderError::permanent("wafv2:CreateWebACL returned no summary"))?;
        let arn = summary.arn().unwrap_or_default().to_string();
        let mut attrs = written(config);
        attrs.insert(WafWebAcl::ID.name(), Value::from(summary.id().unwrap_or_default()));
        attrs.insert(WafWebAcl::ARN.name(), Value::from(arn.as_str()));
        Ok(Created { id: arn, attrs })
    }

    /// The ACL of the configured name in the configured scope, without another environment's tags.
    /// Every CLOUDFRONT-scope ACL (`ListWebACLs`, every page) carrying the requested tags
    /// (`ListTagsForResource`, asked only when tags are requested), by name.
    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        let mut acls = Vec::new();
        let mut marker = None;
        loop {
            let out = self
                .wafv2
                .list_web_acls()
                .scope(Scope::Cloudfront)
                .set_next_marker(marker)
                .send()
                .await
                .map_err(|e| error::sdk("wafv2:ListWebACLs", e))?;
            for acl in out.web_acls() {
                if let (Some(name), Some(arn)) = (acl.name(), acl.arn()) {
                    acls.push(Discovered { id: arn.to_string(), name: name.to_string() });
                }
            }
            match out.next_marker() {
                Some(next) if !next.is_empty() && !out.web_acls().is_empty() => marker = Some(next.to_string()),
                _ => break,
            }
        }
        acls.sort_by(|a, b| a.name.cmp(&b.name));
        let mut found = Vec::new();
        for acl in acls {
            if !req.tags.is_empty() {
                let tags: BTreeMap<String, String> =
                    match self.wafv2.list_tags_for_resource().resource_arn(&acl.id).send().await {
                        Ok(out) => out
                            .tag_info_for_resource()
                            .map(|t| t.tag_list())
                            .unwrap_or_default()
                            .iter()
                            .map(|t| (t.key().to_string(), t.value().to_string()))
                            .collect(),
                        Err(e) if is_code(&e, NONEXISTENT) => continue,
                        Err(e) => return Err(error::sdk("wafv2:ListTagsForResource", e)),
                    };
                if req.tags.iter().any(|(k, v)| tags.get(k) != Some(v)) {
                    continue;
                }
            }
            found.push(acl);
        }
        Ok(found)
    }

    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let name = WafWebAcl::NAME.require(req.config)?;
        let Some(arn) = acl_named(self, name, &scope_of(req.config)).await? else { return Ok(None) };
        let read = ReadRequest { address: req.address, id: &arn, prior: req.config };
        Ok(match Serves::<WafWebAcl>::read(self, read).await? {
            Some(attrs) if foreign_owner(req.config, &attrs).is_none() => Some(Created { id: arn, attrs }),
            _ => None,
        })
    }

    /// Writes the declared rules, default action and metrics (one call with the current lock
    /// token), then the tags that changed.
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let c = self;
        let (arn, prior, config, changed) = (req.id, req.prior, req.config, req.changed);
        let ident = ident(arn)?;
        let body = [WafWebAcl::DEFAULT_ACTION.name(), WafWebAcl::METRIC_NAME.name(), WafWebAcl::RULES.name()];
        let body_changed = changed.iter().any(|c| body.contains(&c.as_str()));
        if body_changed {
            let current = c
                .wafv2
                .get_web_acl()
                .name(&ident.name)
                .id(&ident.id)
                .scope(ident.scope.clone())
                .send()
                .await
                .map_err(|e| error::sdk("wafv2:GetWebACL", e))?;
            let token = current.lock_token().unwrap_or_default();
            c.wafv2
                .update_web_acl()
                .name(&ident.name)
                .id(&ident.id)
                .scope(ident.scope.clone())
                .lock_token(token)
                .default_action(default_action(config))
                .visibility_config(visibility(config)?)
                .set_rules(Some(rules(config)?))
                .send()
                .await
                .map_err(|e| error::sdk("wafv2:UpdateWebACL", e))?;
        }
        if changed.iter().any(|c| c == WafWebAcl::TAGS.name()) {
            let untag = |keys| async move {
                let call = c.wafv2.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)).send().await;
                call.map(drop).map_err(|e| error::sdk("wafv2:UntagResource", e))
            };
            let tag = |set: BTreeMap<String, String>| async move {
                let call = c.wafv2.tag_resource().resource_arn(arn).set_tags(Some(waf_tags(&set)?)).send().await;
                call.map(drop).map_err(|e| error::sdk("wafv2:TagResource", e))
            };
            TagChanges::between(prior, config).apply(untag, tag).await?;
        }
        let mut out = written(config);
        for key in [WafWebAcl::ID.name(), WafWebAcl::ARN.name()] {
            if let Some(v) = prior.get(key) {
                out.insert(key.to_string(), v.clone());
            }
        }
        Ok(out)
    }

    /// Deletes the ACL (with its current lock token); one already gone counts as deleted.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let c = self;
        let arn = req.id;
        let ident = ident(arn)?;
        let current =
            match c.wafv2.get_web_acl().name(&ident.name).id(&ident.id).scope(ident.scope.clone()).send().await {
                Ok(out) => out,
                Err(e) if is_code(&e, NONEXISTENT) => return Ok(()),
                Err(e) => return Err(error::sdk("wafv2:GetWebACL", e)),
            };
        let token = current.lock_token().unwrap_or_default();
        match c.wafv2.delete_web_acl().name(&ident.name).id(&ident.id).scope(ident.scope).lock_token(token).send().await
        {
            Ok(_) => Ok(()),
            Err(e) if is_code(&e, NONEXISTENT) => Ok(()),
            Err(e) => Err(error::sdk("wafv2:DeleteWebACL", e)),
        }
    }
}

fn acl_attrs(acl: &WebAcl, scope: &Scope, tags: Value) -> Attrs {
    let mut rules: Vec<&Rule> = acl.rules().iter().collect();
    rules.sort_by_key(|r| r.priority());
    let default_action = if acl.default_action().is_some_and(|d| d.block().is_some()) { "Block" } else { "Allow" };
    MapBuilder::default()
        .set(WafWebAcl::ID, acl.id())
        .set(WafWebAcl::ARN, acl.arn())
        .set(WafWebAcl::NAME, acl.name())
        .set(WafWebAcl::SCOPE, scope.as_str())
        .set(WafWebAcl::DEFAULT_ACTION, default_action)
        .set(WafWebAcl::METRIC_NAME, acl.visibility_config().map(|v| v.metric_name()).unwrap_or_default())
        .set(WafWebAcl::RULES, Value::List(rules.into_iter().map(rule_value).collect()))
        .set(WafWebAcl::TAGS, tags)
        .build()
}

fn rule_value(rule: &Rule) -> Value {
    let base = MapBuilder::default().set("name", rule.name()).set("priority", int(rule.priority().into()));
    let statement = rule.statement();
    if let Some(rate) = statement.and_then(|s| s.rate_based_statement())
        && rule.action().is_some_and(|a| a.block().is_some())
    {
        return base
            .set("type", "rate_based")
            .set("limit", int(rate.limit()))
            .set("aggregate_key_type", rate.aggregate_key_type().as_str())
            .value();
    }
    if let Some(group) = statement.and_then(|s| s.managed_rule_group_statement())
        && rule.override_action().is_some_and(|o| o.none().is_some())
        && rule.name() == group.name()
    {
        return base.set("type", "managed_rule_group").set("vendor_name", group.vendor_name()).value();
    }
    base.set("type", "unmanaged").value()
}

/// The ACL's rules as WAFv2 types, each with metrics named after the ACL's metric and the rule.
fn rules(config: &Attrs) -> Result<Vec<Rule>, ProviderError> {
    let metric = WafWebAcl::METRIC_NAME.read(config).unwrap_or("quikinfra");
    WafWebAcl::RULES
        .read(config)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let m = r.as_map().ok_or_else(|| ProviderError::permanent("a web acl rule must be a map"))?;
            let name = required_str(m, "name")?;
            let priority = int_of(m, "priority").and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
            let visibility = VisibilityConfig::builder()
                .sampled_requests_enabled(true)
                .cloud_watch_metrics_enabled(true)
                .metric_name(format!("{metric}-{name}"))
                .build()
                .map_err(|e| build_error("rule metrics", e))?;
            let rule = Rule::builder().name(name).priority(priority).visibility_config(visibility);
            let rule = match str_of(m, "type") {
                Some("rate_based") => {
                    let rate = RateBasedStatement::builder()
                        .limit(int_of(m, "limit").unwrap_or(0))
                        .aggregate_key_type(RateBasedStatementAggregateKeyType::from(
                            str_of(m, "aggregate_key_type").unwrap_or("IP"),
                        ))
                        .build()
                        .map_err(|e| build_error("rate-based rule", e))?;
                    rule.statement(Statement::builder().rate_based_statement(rate).build())
                        .action(RuleAction::builder().block(BlockAction::builder().build()).build())
                }
                Some("managed_rule_group") => {
                    let group = ManagedRuleGroupStatement::builder()
                        .vendor_name(str_of(m, "vendor_name").unwrap_or("AWS"))
                        .name(name)
                        .build()
                        .map_err(|e| build_error("managed rule group", e))?;
                    rule.statement(Statement::builder().managed_rule_group_statement(group).build())
                        .override_action(OverrideAction::builder().none(NoneAction::builder().build()).build())
                }
                other => return Err(ProviderError::permanent(format!("unknown web acl rule type {other:?}"))),
            };
            rule.build().map_err(|e| build_error("rule", e))
        })
        .collect()
}

fn default_action(config: &Attrs) -> DefaultAction {
    match WafWebAcl::DEFAULT_ACTION.read(config) {
        Some("Block") => DefaultAction::builder().block(BlockAction::builder().build()).build(),
        _ => DefaultAction::builder().allow(AllowAction::builder().build()).build(),
    }
}

fn visibility(config: &Attrs) -> Result<VisibilityConfig, ProviderError> {
    VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(WafWebAcl::METRIC_NAME.read(config).unwrap_or("quikinfra"))
        .build()
        .map_err(|e| build_error("metrics", e))
}

fn waf_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| build_error("tags", e))).collect()
}

/// The declared attributes, as a read reports them.
fn written(config: &Attrs) -> Attrs {
    let mut out = Attrs::new();
    let declared = [
        WafWebAcl::NAME.name(),
        WafWebAcl::SCOPE.name(),
        WafWebAcl::DEFAULT_ACTION.name(),
        WafWebAcl::METRIC_NAME.name(),
        WafWebAcl::RULES.name(),
        WafWebAcl::TAGS.name(),
    ];
    for key in declared {
        if let Some(v) = config.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    out.get_or_insert_with(WafWebAcl::TAGS.name(), || Value::Map(Attrs::new()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_the_acl() {
        let i = ident("arn:aws:wafv2:us-east-1:123456789012:global/webacl/quikapp-edge/a1b2").unwrap();
        assert_eq!((i.name.as_str(), i.id.as_str(), i.scope), ("quikapp-edge", "a1b2", Scope::Cloudfront));
        assert!(ident("arn:aws:s3:::bucket").is_err());
    }
}
