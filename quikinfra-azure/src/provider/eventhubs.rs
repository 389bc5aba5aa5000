//! `azure_eventhub_namespace` ↔ `Microsoft.EventHub/namespaces` (2024-01-01) and its event
//! hubs, the Kafka topics.
//!
//! Create PUTs the namespace, waits, then PUTs each topic. Updates PATCH the namespace when its
//! tier, capacity or tags changed, then converge topics: PUT new and changed ones, DELETE the
//! ones no longer declared. Partition counts are checked first: fixed in Standard, only growing
//! in Premium. Topics read back in the definition's order (then by name), so reading never
//! shows a reordering as a change.

use async_trait::async_trait;
use quikinfra_core::provider::ProviderError;
use serde_json::{Value as Json, json};

use super::{ArmType, Ctx, common, fail};
use crate::KafkaNamespace;
use crate::arm::{ArmError, Condition, api};

fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
    Ok(format!(
        "{}/providers/Microsoft.EventHub/namespaces/{}",
        ctx.group_path(KafkaNamespace::RESOURCE_GROUP.require_str(config)?),
        KafkaNamespace::NAME.require_str(config)?
    ))
}

fn sku(config: &Json) -> Json {
    let tier = KafkaNamespace::TIER.json(config);
    json!({"name": tier, "tier": tier, "capacity": KafkaNamespace::CAPACITY.json(config)})
}

/// The PUT body of a new namespace.
pub(crate) fn namespace_body(config: &Json) -> Json {
    json!({
        "location": KafkaNamespace::LOCATION.json(config),
        "sku": sku(config),
        "tags": KafkaNamespace::TAGS.json(config).cloned().unwrap_or(json!({})),
        "properties": {
            "zoneRedundant": KafkaNamespace::ZONE_REDUNDANT.json(config).cloned().unwrap_or(json!(false)),
            "minimumTlsVersion": "1.2",
        },
    })
}

/// The PUT body of one topic.
pub(crate) fn topic_body(topic: &Json) -> Json {
    json!({"properties": {
        "partitionCount": topic.get("partitions"),
        "retentionDescription": {"cleanupPolicy": "Delete", "retentionTimeInHours": topic.get("retention_hours")},
    }})
}

/// A topic's attributes from an event hub's body.
pub(crate) fn topic_attrs(hub: &Json) -> Json {
    let hours = hub
        .pointer("/properties/retentionDescription/retentionTimeInHours")
        .and_then(Json::as_u64)
        .or_else(|| hub.pointer("/properties/messageRetentionInDays").and_then(Json::as_u64).map(|d| d * 24));
    json!({
        "name": hub.get("name"),
        "partitions": hub.pointer("/properties/partitionCount"),
        "retention_hours": hours,
    })
}

fn name_of(topic: &Json) -> &str {
    topic.get("name").and_then(Json::as_str).unwrap_or_default()
}

/// Topics in `order`'s order, then the others by name.
fn ordered(mut topics: Vec<Json>, order: Option<&Json>) -> Vec<Json> {
    let order: Vec<String> = order
        .and_then(Json::as_array)
        .map(|list| list.iter().map(|t| name_of(t).to_ascii_lowercase()).collect())
        .unwrap_or_default();
    topics.sort_by_key(|t| {
        let name = name_of(t).to_ascii_lowercase();
        (order.iter().position(|o| *o == name).unwrap_or(usize::MAX), name)
    });
    topics
}

/// The attributes of a namespace's body and its event hubs, topics in `order`'s order.
pub(crate) fn attrs(namespace: &Json, hubs: &[Json], id: &str, order: Option<&Json>) -> Json {
    let mut out = common(namespace, id);
    if let Some(tier) = namespace.pointer("/sku/name") {
        out.insert(KafkaNamespace::TIER.name().into(), tier.clone());
    }
    if let Some(capacity) = namespace.pointer("/sku/capacity") {
        out.insert(KafkaNamespace::CAPACITY.name().into(), capacity.clone());
    }
    if let Some(zr) = namespace.pointer("/properties/zoneRedundant") {
        out.insert(KafkaNamespace::ZONE_REDUNDANT.name().into(), zr.clone());
    }
    if let Some(endpoint) = namespace.pointer("/properties/serviceBusEndpoint").and_then(Json::as_str) {
        let host = endpoint.trim_start_matches("https://").split([':', '/']).next().unwrap_or_default();
        out.insert(KafkaNamespace::KAFKA_ENDPOINT.name().into(), format!("{host}:9093").into());
    }
    let topics: Vec<Json> = hubs.iter().map(topic_attrs).collect();
    out.insert(KafkaNamespace::TOPICS.name().into(), Json::Array(ordered(topics, order)));
    Json::Object(out)
}

async fn read_all(ctx: &Ctx<'_>, id: &str, order: Option<&Json>) -> Result<Option<Json>, ArmError> {
    let Some(namespace) = ctx.client.get(id, api::EVENT_HUBS).await? else { return Ok(None) };
    let hubs = ctx.client.list(&format!("{id}/eventhubs"), api::EVENT_HUBS).await?;
    Ok(Some(attrs(&namespace.body, &hubs, id, order)))
}

fn topics(config: &Json) -> Vec<Json> {
    KafkaNamespace::TOPICS.json(config).and_then(Json::as_array).cloned().unwrap_or_default()
}

#[async_trait]
impl ArmType for KafkaNamespace {
    const API: &'static str = api::EVENT_HUBS;
    const COLLECTION: Option<&'static str> = Some("Microsoft.EventHub/namespaces");

    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
        path(ctx, config)
    }

    async fn read(ctx: &Ctx<'_>, id: &str, prior: &Json) -> Result<Option<Json>, ArmError> {
        read_all(ctx, id, KafkaNamespace::TOPICS.json(prior)).await
    }

    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
        let path = path(ctx, config)?;
        let namespace =
            super::put_resuming(ctx.client, &path, api::EVENT_HUBS, &namespace_body(config)).await.map_err(fail)?;
        let id = super::id_of(&namespace.body, &path);
        for topic in topics(config) {
            let hub = format!("{id}/eventhubs/{}", name_of(&topic));
            ctx.client.put(&hub, api::EVENT_HUBS, &topic_body(&topic), &Condition::None).await.map_err(fail)?;
        }
        read_all(ctx, &id, KafkaNamespace::TOPICS.json(config))
            .await
            .map_err(fail)?
            .ok_or_else(|| ProviderError::not_found(format!("the namespace {id} vanished right after it was created")))
    }

    async fn update(
        ctx: &Ctx<'_>,
        id: &str,
        config: &Json,
        _prior: &Json,
        _changed: &[String],
    ) -> Result<Json, ProviderError> {
        let live = read_all(ctx, id, KafkaNamespace::TOPICS.json(config))
            .await
            .map_err(fail)?
            .ok_or_else(|| ProviderError::not_found(format!("the namespace {id} no longer exists")))?;
        let tier = KafkaNamespace::TIER.json(config).and_then(Json::as_str).unwrap_or("Standard").to_string();
        let live_topics = topics(&live);
        let wanted = topics(config);
        for topic in &wanted {
            if let Some(old) = live_topics.iter().find(|t| name_of(t).eq_ignore_ascii_case(name_of(topic))) {
                let count = |t: &Json| t.get("partitions").and_then(Json::as_u64).unwrap_or(0);
                check_partitions(&tier, name_of(topic), count(old), count(topic))?;
            }
        }
        let namespace = [KafkaNamespace::TIER.name(), KafkaNamespace::CAPACITY.name(), KafkaNamespace::TAGS.name()];
        let namespace_changed = namespace.iter().any(|k| live.get(*k) != config.get(*k));
        if namespace_changed {
            let body =
                json!({"sku": sku(config), "tags": KafkaNamespace::TAGS.json(config).cloned().unwrap_or(json!({}))});
            ctx.client.patch(id, api::EVENT_HUBS, &body, &Condition::None).await.map_err(fail)?;
        }
        for topic in &wanted {
            let same = live_topics.iter().any(|t| t == topic);
            if !same {
                let hub = format!("{id}/eventhubs/{}", name_of(topic));
                ctx.client.put(&hub, api::EVENT_HUBS, &topic_body(topic), &Condition::None).await.map_err(fail)?;
            }
        }
        for old in &live_topics {
            if !wanted.iter().any(|t| name_of(t).eq_ignore_ascii_case(name_of(old))) {
                let hub = format!("{id}/eventhubs/{}", name_of(old));
                ctx.client.delete(&hub, api::EVENT_HUBS, &Condition::None).await.map_err(fail)?;
            }
        }
        read_all(ctx, id, KafkaNamespace::TOPICS.json(config))
            .await
            .map_err(fail)?
            .ok_or_else(|| ProviderError::not_found(format!("the namespace {id} no longer exists")))
    }
}

/// Checks a topic's partition change against the tier's rules.
pub(crate) fn check_partitions(tier: &str, name: &str, from: u64, to: u64) -> Result<(), ProviderError> {
    if from == to {
        return Ok(());
    }
    if tier != "Premium" {
        return Err(ProviderError::permanent(format!(
            "topics: `{name}` has {from} partitions; a {tier} namespace cannot change a topic's partition count (recreate the topic, or use Premium)"
        )));
    }
    if to < from {
        return Err(ProviderError::permanent(format!(
            "topics: `{name}` has {from} partitions; partitions can be added, never removed"
        )));
    }
    Ok(())
}
