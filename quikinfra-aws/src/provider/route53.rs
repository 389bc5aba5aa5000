//! `aws_route53_zone` and `aws_route53_record` over the Route 53 API (global).
//!
//! # Zones
//!
//! The provider id is the zone id without its `/hostedzone/` prefix. A refresh makes two calls,
//! `GetHostedZone` (name, comment, name servers) and `ListTagsForResource`. A create sends a
//! caller reference made of the address and a token drawn once per provider, so the engine's
//! retry of a create whose first attempt got through finds that very zone
//! (`HostedZoneAlreadyExists`, then `ListHostedZonesByName`) instead of making a second zone of
//! the same name (Route 53 allows several). The comment changes in place; tags through
//! `ChangeTagsForResource`. Delete refuses, as Route 53 does, a zone still holding records.
//!
//! # Records
//!
//! The provider id is `<zone id>_<name>_<type>`. A refresh is one `ListResourceRecordSets`
//! starting at the record's name and type. Creates send `CREATE` (a record already there with
//! the same values is taken as what an earlier attempt made; with other values the create fails
//! naming them, never overwriting them), updates `UPSERT`, deletes `DELETE` with the live values
//! (Route 53 wants them exactly). After every change the provider polls `GetChange` until the
//! change is `INSYNC` on Route 53's name servers (seconds; at most [`SYNC_TIMEOUT`]). TXT values
//! are quoted on the way in and unquoted on the way back; names are kept lowercase without the
//! trailing dot.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, HostedZoneConfig, ResourceRecord, ResourceRecordSet,
    RrType, Tag, TagResourceType,
};
use quikinfra_core::provider::{
    CreateRequest, Created, DeleteRequest, ErrorKind, ProviderError, ReadRequest, Serves, TagChanges, UpdateRequest,
};
use quikinfra_core::value::{Attrs, Value};

use super::Clients;
use super::attrs::{self, MapBuilder, bool_of, str_of};
use super::error::{self, is_code};
use crate::check::dns_normal;
use crate::{Route53Record as Record, Route53Zone as Zone};

/// How long a change may take to reach every Route 53 name server.
pub(crate) const SYNC_TIMEOUT: Duration = Duration::from_secs(10 * 60);

fn build_error(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::permanent(format!("building the {what}: {e}"))
}

/// `/hostedzone/Z123` → `Z123`.
fn bare_zone_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

// ---------------------------------------------------------------------------------------------
// Zones

async fn read_zone(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let out = match c.route53.get_hosted_zone().id(id).send().await {
        Ok(out) => out,
        Err(e) if is_code(&e, "NoSuchHostedZone") => return Ok(None),
        Err(e) => return Err(error::sdk("route53:GetHostedZone", e)),
    };
    let Some(zone) = out.hosted_zone() else { return Ok(None) };
    let servers: Vec<Value> = out
        .delegation_set()
        .map(|d| d.name_servers().iter().map(|s| Value::from(s.as_str())).collect())
        .unwrap_or_default();
    let tags = match c
        .route53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .send()
        .await
    {
        Ok(out) => attrs::string_map(
            out.resource_tag_set()
                .map(|s| s.tags())
                .unwrap_or_default()
                .iter()
                .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
        ),
        Err(e) if is_code(&e, "NoSuchHostedZone") => return Ok(None),
        Err(e) => return Err(error::sdk("route53:ListTagsForResource", e)),
    };
    Ok(Some(
        MapBuilder::default()
            .set(Zone::ZONE_ID, bare_zone_id(zone.id()))
            .set(Zone::NAME_SERVERS, Value::List(servers))
            .set(Zone::NAME, dns_normal(zone.name()))
            .set_opt(Zone::COMMENT, zone.config().and_then(|c| c.comment()))
            .set(Zone::TAGS, tags)
            .build(),
    ))
}

async fn tag_zone(c: &Clients, id: &str, prior: &Attrs, config: &Attrs) -> Result<(), ProviderError> {
    let untag = |keys: Vec<String>| async move {
        let call = c
            .route53
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(id)
            .set_remove_tag_keys(Some(keys))
            .send()
            .await;
        call.map(drop).map_err(|e| error::sdk("route53:ChangeTagsForResource", e))
    };
    let tag = |set: BTreeMap<String, String>| async move {
        let tags: Vec<Tag> = set.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        let call = c
            .route53
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(id)
            .set_add_tags(Some(tags))
            .send()
            .await;
        call.map(drop).map_err(|e| error::sdk("route53:ChangeTagsForResource", e))
    };
    TagChanges::between(prior, config).apply(untag, tag).await
}

#[async_trait]
impl Serves<Zone> for Clients {
    /// Reads the live zone; `None` when it is gone.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        read_zone(self, req.id).await
    }

    /// Creates the zone (or finds the one an earlier attempt of this create made), then tags it.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let config = req.config;
        let name = Zone::NAME.require(config)?;
        // At most 128 characters; stable across the engine's retries within this process.
        let reference: String = format!("quikinfra-{}-{}", c.token, req.address).chars().take(128).collect();
        let mut zone_config = HostedZoneConfig::builder().private_zone(false);
        if let Some(comment) = Zone::COMMENT.read(config) {
            zone_config = zone_config.comment(comment);
        }
        let id = match c
            .route53
            .create_hosted_zone()
            .name(name)
            .caller_reference(&reference)
            .hosted_zone_config(zone_config.build())
            .send()
            .await
        {
            Ok(out) => bare_zone_id(out.hosted_zone().map(|z| z.id()).unwrap_or_default()).to_string(),
            Err(e) if is_code(&e, "HostedZoneAlreadyExists") => {
                let listed = c
                    .route53
                    .list_hosted_zones_by_name()
                    .dns_name(name)
                    .send()
                    .await
                    .map_err(|e| error::sdk("route53:ListHostedZonesByName", e))?;
                let ours = listed.hosted_zones().iter().find(|z| z.caller_reference() == reference);
                match ours {
                    Some(zone) => bare_zone_id(zone.id()).to_string(),
                    None => return Err(error::sdk("route53:CreateHostedZone", e)),
                }
            }
            Err(e) => return Err(error::sdk("route53:CreateHostedZone", e)),
        };
        if !Zone::TAGS.read(config).unwrap_or_default().is_empty() {
            tag_zone(c, &id, &Attrs::new(), config).await?;
        }
        match read_zone(c, &id).await? {
            Some(attrs) => Ok(Created { id, attrs }),
            None => Err(ProviderError::transient(format!("hosted zone {id} is not readable yet"))),
        }
    }

    /// Changes the comment and the tags (the name cannot change in place).
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let c = self;
        let (id, prior, config, changed) = (req.id, req.prior, req.config, req.changed);
        if changed.iter().any(|a| a == Zone::COMMENT.name()) {
            let comment = Zone::COMMENT.read(config).unwrap_or_default();
            c.route53
                .update_hosted_zone_comment()
                .id(id)
                .comment(comment)
                .send()
                .await
                .map_err(|e| error::sdk("route53:UpdateHostedZoneComment", e))?;
        }
        if changed.iter().any(|a| a == Zone::TAGS.name()) {
            tag_zone(c, id, prior, config).await?;
        }
        read_zone(c, id).await?.ok_or_else(|| ProviderError::not_found(format!("hosted zone {id} no longer exists")))
    }

    /// Deletes the zone; Route 53 refuses while it holds records other than NS and SOA.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        match self.route53.delete_hosted_zone().id(req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_code(&e, "NoSuchHostedZone") => Ok(()),
            Err(e) if is_code(&e, "HostedZoneNotEmpty") => Err(ProviderError::permanent(format!(
                "route53:DeleteHostedZone: hosted zone {} still holds records: destroy the environments recording in it first ({})",
                req.id,
                error::sdk("route53:DeleteHostedZone", e)
            ))),
            Err(e) => Err(error::sdk("route53:DeleteHostedZone", e)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records

/// The provider id of a record.
fn record_id(zone: &str, name: &str, record_type: &str) -> String {
    format!("{zone}_{name}_{record_type}")
}

/// A record as the spec describes it: zone, name, type, TTL, values, alias.
struct Wanted<'a> {
    zone: &'a str,
    name: &'a str,
    record_type: &'a str,
    ttl: Option<i64>,
    values: Vec<&'a str>,
    alias: Option<&'a Attrs>,
}

impl<'a> Wanted<'a> {
    fn of(config: &'a Attrs) -> Result<Self, ProviderError> {
        Ok(Self {
            zone: Record::ZONE_ID.require(config)?,
            name: Record::NAME.require(config)?,
            record_type: record_type(config)?,
            ttl: attrs::int_of(config, Record::TTL.name()),
            values: Record::RECORDS.read(config).unwrap_or_default().iter().filter_map(Value::as_str).collect(),
            alias: config.get(Record::ALIAS.name()).and_then(Value::as_map),
        })
    }

    /// The record set Route 53 takes.
    fn record_set(&self) -> Result<ResourceRecordSet, ProviderError> {
        let mut set = ResourceRecordSet::builder().name(self.name).r#type(RrType::from(self.record_type));
        match self.alias {
            Some(alias) => {
                let target = AliasTarget::builder()
                    .hosted_zone_id(str_of(alias, "zone_id").unwrap_or_default())
                    .dns_name(str_of(alias, "name").unwrap_or_default())
                    .evaluate_target_health(bool_of(alias, "evaluate_target_health").unwrap_or(false))
                    .build()
                    .map_err(|e| build_error("alias target", e))?;
                set = set.alias_target(target);
            }
            None => {
                let records = self
                    .values
                    .iter()
                    .map(|v| ResourceRecord::builder().value(wire_value(self.record_type, v)).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| build_error("resource records", e))?;
                set = set.set_ttl(self.ttl).set_resource_records(Some(records));
            }
        }
        set.build().map_err(|e| build_error("record set", e))
    }

    /// Whether `live` holds what this describes.
    fn matches(&self, live: &Attrs) -> bool {
        let same = |name: &str, want: Value| live.get(name) == Some(&want);
        match self.alias {
            Some(alias) => live.get(Record::ALIAS.name()).and_then(Value::as_map) == Some(alias),
            None => {
                same(Record::RECORDS.name(), Value::List(self.values.iter().map(|v| Value::from(*v)).collect()))
                    && self.ttl.is_none_or(|t| same(Record::TTL.name(), attrs::int(t)))
            }
        }
    }
}

fn record_type(config: &Attrs) -> Result<&str, ProviderError> {
    Record::RECORD_TYPE.require(config).map_err(Into::into)
}

/// A value as Route 53 stores it: TXT strings quoted.
fn wire_value(record_type: &str, value: &str) -> String {
    if record_type == "TXT" {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        value.to_string()
    }
}

/// A value as the spec holds it: TXT strings unquoted.
fn spec_value(record_type: &str, value: &str) -> String {
    if record_type == "TXT" && value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value[1..value.len() - 1].replace("\\\"", "\"").replace("\\\\", "\\")
    } else {
        value.to_string()
    }
}

/// The live record set `name` / `record_type` of zone `zone`, in the spec's shape; `None` when
/// there is none (or the zone is gone).
async fn read_record(
    c: &Clients,
    zone: &str,
    name: &str,
    record_type: &str,
) -> Result<Option<(Attrs, ResourceRecordSet)>, ProviderError> {
    let out = match c
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(name)
        .start_record_type(RrType::from(record_type))
        .max_items(1)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if is_code(&e, "NoSuchHostedZone") => return Ok(None),
        Err(e) => return Err(error::sdk("route53:ListResourceRecordSets", e)),
    };
    let Some(set) = out.resource_record_sets().first() else { return Ok(None) };
    if dns_normal(set.name()) != name || set.r#type().as_str() != record_type {
        return Ok(None);
    }
    let mut attrs = MapBuilder::default()
        .set(Record::FQDN, name)
        .set(Record::ZONE_ID, zone)
        .set(Record::NAME, name)
        .set(Record::RECORD_TYPE, record_type)
        .set_opt(Record::TTL, set.ttl().map(attrs::int));
    match set.alias_target() {
        Some(alias) => {
            let target = MapBuilder::default()
                .set("name", dns_normal(alias.dns_name()))
                .set("zone_id", alias.hosted_zone_id())
                .set("evaluate_target_health", alias.evaluate_target_health())
                .value();
            attrs = attrs.set(Record::ALIAS, target);
        }
        None => {
            let values: Vec<Value> =
                set.resource_records().iter().map(|r| Value::from(spec_value(record_type, r.value()))).collect();
            attrs = attrs.set(Record::RECORDS, Value::List(values));
        }
    }
    Ok(Some((attrs.build(), set.clone())))
}

/// Sends one change and waits until it is `INSYNC`.
async fn change(c: &Clients, zone: &str, action: ChangeAction, set: ResourceRecordSet) -> Result<(), ProviderError> {
    let call = format!("route53:ChangeResourceRecordSets ({})", action.as_str());
    let change =
        Change::builder().action(action).resource_record_set(set).build().map_err(|e| build_error("change", e))?;
    let batch = ChangeBatch::builder().changes(change).build().map_err(|e| build_error("change batch", e))?;
    let out = c
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| error::sdk(&call, e))?;
    let Some(info) = out.change_info() else { return Ok(()) };
    wait_in_sync(c, info.id(), info.status().clone()).await
}

/// Polls `GetChange` until the change is `INSYNC`.
async fn wait_in_sync(c: &Clients, id: &str, mut status: ChangeStatus) -> Result<(), ProviderError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    while status != ChangeStatus::Insync {
        if started.elapsed() > SYNC_TIMEOUT {
            return Err(ProviderError::transient(format!(
                "route 53 change {id} is still {} after {SYNC_TIMEOUT:?}: waited for INSYNC",
                status.as_str()
            )));
        }
        quikinfra_core::provider::progress::report(format!(
            "route 53 change {id} is {}, waiting for INSYNC",
            status.as_str()
        ));
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
        let out = c.route53.get_change().id(id).send().await.map_err(|e| error::sdk("route53:GetChange", e))?;
        status = out.change_info().map(|i| i.status().clone()).unwrap_or(ChangeStatus::Insync);
    }
    Ok(())
}

/// `(zone, name, type)` of a record id.
fn split_id(id: &str) -> Option<(&str, &str, &str)> {
    let (zone, rest) = id.split_once('_')?;
    let (name, record_type) = rest.rsplit_once('_')?;
    Some((zone, name, record_type))
}

#[async_trait]
impl Serves<Record> for Clients {
    /// Reads the live record set; `None` when it (or its zone) is gone.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let (zone, name, record_type) = split_id(req.id)
            .ok_or_else(|| ProviderError::permanent(format!("`{}` is not a record id like ZONE_name_TYPE", req.id)))?;
        Ok(read_record(self, zone, name, record_type).await?.map(|(attrs, _)| attrs))
    }

    /// Creates the record set. One already there is a conflict naming its `import`, except on
    /// the engine's retry of this create when it has the declared values (the earlier attempt's).
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let c = self;
        let want = Wanted::of(req.config)?;
        let id = record_id(want.zone, want.name, want.record_type);
        match change(c, want.zone, ChangeAction::Create, want.record_set()?).await {
            Ok(()) => {}
            Err(e) => match read_record(c, want.zone, want.name, want.record_type).await? {
                Some((live, _)) if want.matches(&live) => {
                    let what = format!("record {} {} in zone {}", want.name, want.record_type, want.zone);
                    req.already_there(&what, &id)?;
                }
                Some((live, _)) => {
                    return Err(ProviderError {
                        kind: ErrorKind::Conflict,
                        message: format!(
                            "{e}; {} {} already exists in zone {} with other values ({}): import it (`import {} {id}`) or remove it first",
                            want.name,
                            want.record_type,
                            want.zone,
                            quikinfra_core::render::value_text(&Value::Map(live)),
                            req.address
                        ),
                    });
                }
                None => return Err(e),
            },
        }
        match read_record(c, want.zone, want.name, want.record_type).await? {
            Some((attrs, _)) => Ok(Created { id, attrs }),
            None => Err(ProviderError::transient(format!("record {id} is not readable yet"))),
        }
    }

    /// The record set at the configured zone, name and type, when it has the declared values.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        let want = Wanted::of(req.config)?;
        let id = record_id(want.zone, want.name, want.record_type);
        Ok(match read_record(self, want.zone, want.name, want.record_type).await? {
            Some((attrs, _)) if want.matches(&attrs) => Some(Created { id, attrs }),
            _ => None,
        })
    }

    /// Writes the values, TTL or alias target with `UPSERT`.
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        let want = Wanted::of(req.config)?;
        change(self, want.zone, ChangeAction::Upsert, want.record_set()?).await?;
        read_record(self, want.zone, want.name, want.record_type)
            .await?
            .map(|(attrs, _)| attrs)
            .ok_or_else(|| ProviderError::transient(format!("record {} is not readable yet", req.id)))
    }

    /// Deletes the record set as it is live; one already gone counts as deleted.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let (zone, name, record_type) = split_id(req.id)
            .ok_or_else(|| ProviderError::permanent(format!("`{}` is not a record id like ZONE_name_TYPE", req.id)))?;
        let Some((_, live)) = read_record(self, zone, name, record_type).await? else { return Ok(()) };
        change(self, zone, ChangeAction::Delete, live).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_split_back_into_zone_name_and_type() {
        let id = record_id("Z123", "_abc.media.quikapp.com", "CNAME");
        assert_eq!(split_id(&id), Some(("Z123", "_abc.media.quikapp.com", "CNAME")));
        assert_eq!(bare_zone_id("/hostedzone/Z123"), "Z123");
    }

    #[test]
    fn txt_values_are_quoted_for_route_53_and_back() {
        let text = r#"v=spf1 "quoted" \ include"#;
        assert_eq!(spec_value("TXT", &wire_value("TXT", text)), text);
        assert_eq!(wire_value("A", "203.0.113.7"), "203.0.113.7");
    }
}
