//! `azure_eventhub_namespace` as code: `KafkaNamespace::in_group` (the resource group by
//! name), the tier as its enum and one `.topic(…)` per event hub; capacity, zone redundancy
//! and tags through the derived builders.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::{Attrs, Value};

use super::{Draft, Placement};
use crate::{EventHubsTier, KafkaNamespace};

impl Generate for KafkaNamespace {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let place = Placement::of(address, live)?;
        let base = KafkaNamespace::in_group(address.name(), place.name, place.group, place.location);
        let chain = Chain::new("KafkaNamespace::in_group", place.in_group_args(address));
        let mut draft = Draft::new(address, live, &base, "quikinfra::azure::KafkaNamespace", chain);
        let tiers = [EventHubsTier::Basic, EventHubsTier::Standard, EventHubsTier::Premium];
        draft.choice(KafkaNamespace::TIER.name(), "tier", "quikinfra::azure::EventHubsTier", &tiers)?;
        let topics = KafkaNamespace::TOPICS.name();
        draft.handled(&[topics]);
        let items = match draft.live(topics) {
            None => &[][..],
            Some(Value::List(items)) => items.as_slice(),
            Some(_) => return Err(draft.fail(topics, "the live value is no list")),
        };
        for (i, topic) in items.iter().enumerate() {
            let args = topic_args(topic).ok_or_else(|| {
                draft.fail(topics, format!("topic {i} has no name, partition count and retention in hours"))
            })?;
            draft.call("topic", args);
        }
        draft.named_group("KafkaNamespace", place.group);
        draft.finish(&base, ctx)
    }
}

/// `name, partitions, retention_hours` of one live topic.
fn topic_args(topic: &Value) -> Option<[String; 3]> {
    let map = topic.as_map()?;
    let name = map.get("name")?.as_str()?;
    let whole = |key: &str| match map.get(key)? {
        Value::Number(n) if n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)) => codegen::number(map.get(key)?),
        _ => None,
    };
    Some([codegen::string(name), whole("partitions")?, whole("retention_hours")?])
}
