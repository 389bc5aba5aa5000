//! A resource type written from scratch with `#[derive(Resource)]` (struct, attributes and
//! builder: the 40 lines down to `impl DnsRecord`'s end) plans and applies on the simulator
//! like the built-in types, its computed attribute referable, its force-new reason in the plan.

use std::collections::BTreeMap;

use quikinfra::engine::resource::{Meta, Resource};
use quikinfra::engine::value::Computed;
use serde::Serialize;

/// A DNS record: its name is fixed at creation, its TTL changes in place.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "demo_dns_record", provider = "demo", refs(fqdn), crate = "quikinfra::engine")]
pub struct DnsRecord {
    #[serde(skip)]
    meta: Meta,
    /// The record's fully qualified name, known once it exists.
    #[serde(skip)]
    #[resource(computed)]
    fqdn: Computed<String>,
    #[resource(force_new = "a dns record cannot be renamed")]
    name: String,
    /// Sets how long resolvers cache the record, in seconds.
    #[resource(setter)]
    ttl: u32,
    /// Adds a tag.
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl DnsRecord {
    /// A record called `name`, cached five minutes.
    pub fn new(local: &str, name: &str) -> Self {
        let (fqdn, tags) = (Computed::new(), BTreeMap::new());
        Self { meta: Meta::named(local), fqdn, name: name.into(), ttl: 300, tags }
    }
}

use quikinfra::engine::environment::Environment;
use quikinfra::engine::plan::Action;

use crate::support::{Thing, World, actions};

fn env(record: DnsRecord) -> Environment {
    let web = Thing::new("web").link(record.fqdn());
    Environment::new("derive").with(record).with(web)
}

#[tokio::test]
async fn a_derived_type_plans_applies_and_settles_on_the_simulator() {
    let world = World::new();
    let record = DnsRecord::new("www", "www.quikapp.test").ttl(60).tag("team", "web");
    let first = world.plan(&env(record.clone())).await;
    assert_eq!(actions(&first), ["Create demo_dns_record.www", "Create test_thing.web"]);
    world.converge(&env(record.clone())).await;
    assert!(!world.plan(&env(record.clone())).await.has_changes(), "apply then plan shows no changes");
    let live = world.sim.objects().into_iter().find(|o| o.type_name == "demo_dns_record").unwrap();
    assert!(
        DnsRecord::FQDN.read(&live.attrs).is_some(),
        "the simulator fills the computed attribute: {:?}",
        live.attrs
    );

    let shorter = world.plan(&env(record.clone().ttl(30))).await;
    assert_eq!(actions(&shorter), ["Update demo_dns_record.www"]);
    let renamed = world.plan(&env(DnsRecord::new("www", "web.quikapp.test").ttl(60).tag("team", "web"))).await;
    let change = renamed.actions().find(|c| c.address.type_name() == "demo_dns_record").unwrap();
    assert_eq!(change.action, Action::Replace);
    let text = format!("{:?}", change);
    assert!(text.contains("a dns record cannot be renamed"), "{text}");
}
