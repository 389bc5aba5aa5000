//! `azure_eventhub_namespace`: an Event Hubs namespace used as a Kafka cluster, with its
//! topics (event hubs) managed as a list attribute.
//!
//! Event Hubs speaks the Kafka protocol on port 9093 of `<name>.servicebus.windows.net` in the
//! Standard and Premium tiers; each event hub is a Kafka topic. Attribute names follow ARM's
//! `Microsoft.EventHub/namespaces` (API 2024-01-01) in snake case.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::ResourceGroup;
use crate::check::{self, NameRules};

/// An Event Hubs namespace with Kafka topics.
///
/// ```ignore
/// let kafka = KafkaNamespace::new("events", "evh-quikapp-prod", &rg)
///     .tier(EventHubsTier::Premium)
///     .zone_redundant(true)
///     .topic("media-uploaded", 12, 72);
/// ```
///
/// A new namespace is the smallest that speaks Kafka: the Standard tier with one throughput
/// unit, not zone redundant, and no topics.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "azure_eventhub_namespace", provider = "azure", refs(id, kafka_endpoint), validate = Self::check)]
pub struct KafkaNamespace {
    #[serde(skip)]
    meta: Meta,
    /// The namespace's ARM id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The Kafka bootstrap server, `<name>.servicebus.windows.net:9093`.
    #[serde(skip)]
    #[resource(computed)]
    kafka_endpoint: Computed<String>,
    /// Also its global DNS name (`NAME.servicebus.windows.net`): unique across Azure.
    #[resource(identity, force_new = "a namespace cannot be renamed")]
    name: String,
    /// Places the namespace in another region than its resource group's (short name).
    #[resource(setter, force_new = "a namespace cannot move to another region")]
    location: String,
    /// Places the namespace in a resource group given by name or reference.
    #[resource(setter, force_new = "a namespace cannot move to another resource group")]
    resource_group: Val<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, force_new = "a resource cannot move to another subscription")]
    subscription_id: Option<String>,
    /// Sets the tier (Kafka needs Standard or Premium).
    #[resource(setter)]
    tier: EventHubsTier,
    /// Sets the capacity: throughput units (1 to 40) in Basic and Standard, processing units
    /// (1, 2, 4, 8 or 16) in Premium.
    #[resource(setter)]
    capacity: u32,
    /// Spreads the namespace over availability zones (fixed at creation).
    #[resource(setter, force_new = "zone redundancy is fixed at creation")]
    zone_redundant: bool,
    topics: Vec<KafkaTopic>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

/// One Kafka topic: an event hub of the namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KafkaTopic {
    /// The topic's name.
    pub name: String,
    /// How many partitions. In the Standard tier the count is fixed once created; Premium can
    /// add partitions.
    pub partitions: u32,
    /// How long events are kept, in hours.
    pub retention_hours: u32,
}

impl KafkaNamespace {
    /// A namespace called `name` in `group`'s region, addressed as
    /// `azure_eventhub_namespace.<local>`: Standard, one throughput unit, not zone redundant,
    /// no topics.
    pub fn new(local: &str, name: impl Into<String>, group: &ResourceGroup) -> Self {
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            kafka_endpoint: Computed::new(),
            name: name.into(),
            location: group.location().to_string(),
            resource_group: group.name().into(),
            subscription_id: group.subscription_id().map(str::to_string),
            tier: EventHubsTier::Standard,
            capacity: 1,
            zone_redundant: false,
            topics: Vec::new(),
            tags: BTreeMap::new(),
        }
    }

    /// Like [`KafkaNamespace::new`], in a resource group this definition does not declare, named
    /// `resource_group` (a literal or another definition's reference) in region `location`.
    pub fn in_group(
        local: &str,
        name: impl Into<String>,
        resource_group: impl Into<Val<String>>,
        location: impl Into<String>,
    ) -> Self {
        let mut namespace = Self::new(local, name, &ResourceGroup::new(local, "", location));
        namespace.resource_group = resource_group.into();
        namespace
    }

    /// Adds a topic with `partitions` partitions keeping events `retention_hours` hours
    /// (Standard: 1 to 32 partitions, up to 168 hours; Premium: 1 to 100, up to 2160 hours).
    pub fn topic(mut self, name: impl Into<String>, partitions: u32, retention_hours: u32) -> Self {
        self.topics.push(KafkaTopic { name: name.into(), partitions, retention_hours });
        self
    }
}

/// The Event Hubs tier, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum EventHubsTier {
    /// No Kafka endpoint, one day of retention.
    Basic,
    /// Kafka, up to 7 days of retention, throughput units.
    Standard,
    /// Kafka, up to 90 days of retention, processing units.
    Premium,
}

impl EventHubsTier {
    fn max_partitions(self) -> u32 {
        match self {
            EventHubsTier::Basic | EventHubsTier::Standard => 32,
            EventHubsTier::Premium => 100,
        }
    }

    fn max_retention_hours(self) -> u32 {
        match self {
            EventHubsTier::Basic => 24,
            EventHubsTier::Standard => 168,
            EventHubsTier::Premium => 2160,
        }
    }

    /// How many event hubs a namespace of this tier holds with `capacity` units.
    fn max_topics(self, capacity: u32) -> u32 {
        match self {
            EventHubsTier::Basic | EventHubsTier::Standard => 10,
            EventHubsTier::Premium => 100 * capacity.max(1),
        }
    }
}

const NAMESPACE_NAME: NameRules =
    NameRules { len: (6, 50), uppercase: true, punctuation: &['-'], starts_with_letter: true };
const TOPIC_NAME: NameRules =
    NameRules { len: (1, 256), uppercase: true, punctuation: &['.', '-', '_'], starts_with_letter: false };

fn validate_topics(p: &mut FieldProblems<'_>, tier: EventHubsTier, capacity: u32, topics: &[KafkaTopic]) {
    let max_topics = tier.max_topics(capacity);
    if topics.len() > max_topics as usize {
        p.field("topics", format!("a {tier:?} namespace holds at most {max_topics} topics, got {}", topics.len()));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, topic) in topics.iter().enumerate() {
        let at = |field: &str| format!("topics[{i}].{field}");
        for message in check::name_problems(&topic.name, &TOPIC_NAME) {
            p.field(&at("name"), message);
        }
        if let Some(first) = seen.insert(topic.name.to_ascii_lowercase(), i) {
            p.field(&at("name"), format!("topic `{}` is already declared as topics[{first}]", topic.name));
        }
        let max_partitions = tier.max_partitions();
        if !(1..=max_partitions).contains(&topic.partitions) {
            p.field(
                &at("partitions"),
                format!("a {tier:?} topic has 1 to {max_partitions} partitions, got {}", topic.partitions),
            );
        }
        let max_hours = tier.max_retention_hours();
        if !(1..=max_hours).contains(&topic.retention_hours) {
            p.field(
                &at("retention_hours"),
                format!("a {tier:?} topic keeps events 1 to {max_hours} hours, got {}", topic.retention_hours),
            );
        }
    }
}

impl KafkaNamespace {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::name_problems(&self.name, &NAMESPACE_NAME) {
            p.field("name", message);
        }
        for suffix in ["-sb", "-mgmt"] {
            if self.name.to_ascii_lowercase().ends_with(suffix) {
                p.field("name", format!("must not end with `{suffix}`, which azure reserves"));
            }
        }
        check::location(p, &self.location);
        check::resource_group(p, "resource_group", &self.resource_group);
        check::subscription(p, self.subscription_id.as_deref());
        if self.tier == EventHubsTier::Basic {
            p.field("tier", "kafka needs the Standard or Premium tier: Basic has no kafka endpoint");
        }
        match self.tier {
            EventHubsTier::Premium => {
                if ![1, 2, 4, 8, 16].contains(&self.capacity) {
                    p.field(
                        "capacity",
                        format!("Premium takes 1, 2, 4, 8 or 16 processing units, got {}", self.capacity),
                    );
                }
            }
            EventHubsTier::Basic | EventHubsTier::Standard => {
                if !(1..=40).contains(&self.capacity) {
                    p.field(
                        "capacity",
                        format!("{:?} takes 1 to 40 throughput units, got {}", self.tier, self.capacity),
                    );
                }
            }
        }
        validate_topics(p, self.tier, self.capacity, &self.topics);
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_no_problem, assert_problem, attrs, problems};

    fn rg() -> ResourceGroup {
        ResourceGroup::new("main", "rg-quikapp-prod", "westeurope")
    }

    fn production() -> KafkaNamespace {
        KafkaNamespace::new("events", "evh-quikapp-prod", &rg())
            .tier(EventHubsTier::Premium)
            .capacity(1)
            .zone_redundant(true)
            .topic("media-uploaded", 12, 72)
            .topic("media.transcoded", 100, 2160)
    }

    #[test]
    fn a_production_namespace_serializes_with_its_topics() {
        assert_eq!(
            attrs(&production()),
            json!({
                "name": "evh-quikapp-prod",
                "location": "westeurope",
                "resource_group": {"$ref": "azure_resource_group.main.name"},
                "tier": "Premium",
                "capacity": 1,
                "zone_redundant": true,
                "topics": [
                    {"name": "media-uploaded", "partitions": 12, "retention_hours": 72},
                    {"name": "media.transcoded", "partitions": 100, "retention_hours": 2160}
                ]
            })
        );
        assert!(problems(production()).is_empty(), "{:?}", problems(production()));
    }

    #[test]
    fn defaults_and_overrides() {
        let shape = |namespace: KafkaNamespace| {
            let json = attrs(&namespace);
            (json["tier"].clone(), json["capacity"].clone(), json["zone_redundant"].clone())
        };
        let new = || KafkaNamespace::new("events", "evh-quikapp", &rg());
        assert_eq!(shape(new()), (json!("Standard"), json!(1), json!(false)));
        assert_eq!(shape(new().capacity(2).zone_redundant(true)), (json!("Standard"), json!(2), json!(true)));
        assert_eq!(
            shape(new().tier(EventHubsTier::Premium).zone_redundant(true)),
            (json!("Premium"), json!(1), json!(true))
        );
        let default = attrs(&new());
        assert_eq!(default["capacity"], json!(1));
        assert_eq!(default["topics"], json!([]));
        let custom = attrs(&production().capacity(4).zone_redundant(false).tier(EventHubsTier::Standard));
        assert_eq!((custom["tier"].clone(), custom["capacity"].clone()), (json!("Standard"), json!(4)));
    }

    #[test]
    fn accessors_and_schema() {
        let kafka = production();
        assert_eq!(serde_json::to_value(kafka.id()).unwrap(), json!({"$ref": "azure_eventhub_namespace.events.id"}));
        assert_eq!(
            serde_json::to_value(kafka.kafka_endpoint()).unwrap(),
            json!({"$ref": "azure_eventhub_namespace.events.kafka_endpoint"})
        );
        let schema = KafkaNamespace::schema();
        assert!(schema.attr("kafka_endpoint").unwrap().is_computed());
        assert!(schema.attr("zone_redundant").unwrap().force_new);
        assert!(!schema.attr("topics").unwrap().force_new);
        assert!(schema.has_tags());
    }

    #[test]
    fn kafka_needs_standard_or_premium() {
        let basic = KafkaNamespace::new("events", "evh-quikapp", &rg()).tier(EventHubsTier::Basic);
        assert_problem(&problems(basic), "tier", "kafka needs the Standard or Premium tier");
    }

    #[test]
    fn capacity_follows_the_tier() {
        let premium = |units| problems(production().capacity(units));
        assert_problem(&premium(3), "capacity", "1, 2, 4, 8 or 16");
        assert_problem(&premium(0), "capacity", "got 0");
        assert_no_problem(&premium(16), "capacity");
        let standard = |units| problems(KafkaNamespace::new("events", "evh-quikapp", &rg()).capacity(units));
        assert_problem(&standard(41), "capacity", "1 to 40 throughput units");
        assert_no_problem(&standard(40), "capacity");
    }

    #[test]
    fn topics_follow_tier_limits() {
        let ns = KafkaNamespace::new("events", "evh-quikapp", &rg())
            .topic("uploads", 33, 169)
            .topic("Uploads", 0, 0)
            .topic("-bad name", 4, 24);
        let found = problems(ns);
        assert_problem(&found, "topics[0].partitions", "1 to 32 partitions, got 33");
        assert_problem(&found, "topics[0].retention_hours", "1 to 168 hours, got 169");
        assert_problem(&found, "topics[1].name", "already declared as topics[0]");
        assert_problem(&found, "topics[1].partitions", "got 0");
        assert_problem(&found, "topics[1].retention_hours", "got 0");
        assert_problem(&found, "topics[2].name", "may only hold");
        assert_problem(&found, "topics[2].name", "start with a letter or digit");
        let premium = problems(production().topic("big", 101, 2161));
        assert_problem(&premium, "topics[2].partitions", "1 to 100");
        assert_problem(&premium, "topics[2].retention_hours", "1 to 2160");
        let eleven =
            (0..11).fold(KafkaNamespace::new("events", "evh-quikapp", &rg()), |ns, i| ns.topic(format!("t{i}"), 1, 1));
        assert_problem(&problems(eleven), "topics", "at most 10 topics");
    }

    #[test]
    fn namespace_names_are_checked() {
        assert_problem(&problems(KafkaNamespace::new("e", "evh", &rg())), "name", "6 to 50");
        assert_problem(&problems(KafkaNamespace::new("e", "1quikapp", &rg())), "name", "start with a letter");
        assert_problem(&problems(KafkaNamespace::new("e", "quikapp-sb", &rg())), "name", "`-sb`");
        assert_problem(&problems(KafkaNamespace::new("e", "quikapp-mgmt", &rg())), "name", "`-mgmt`");
        assert_problem(&problems(KafkaNamespace::new("e", "quikapp-", &rg())), "name", "end with");
    }
}
