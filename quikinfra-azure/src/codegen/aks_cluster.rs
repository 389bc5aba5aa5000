//! `azure_aks_cluster` as code: `AksCluster::in_group` (the resource group by name, since the
//! code cannot know whether the definition declares it), the tier, zones, both pools and the
//! network profile by hand; the DNS prefix, Kubernetes version, admin groups and tags through
//! the derived builders.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::{Attrs, Value};

use crate::AksCluster;

impl Generate for AksCluster {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let fail = |attribute: &str, reason: &str| GenerateError::new(address, attribute, reason);
        let text = |attribute: &str| -> Result<&str, GenerateError> {
            live.get(attribute).and_then(Value::as_str).ok_or_else(|| fail(attribute, "the object has none"))
        };
        let (name, group, location) = (text("name")?, text("resource_group")?, text("location")?);
        let mut uses = vec!["quikinfra::azure::AksCluster"];
        let base = AksCluster::in_group(address.name(), name, group, location);
        let defaults = codegen::attributes(&base);
        let mut chain =
            Chain::new("AksCluster::in_group", [address.name(), name, group, location].map(codegen::string));
        if let Some(tier) = live.get(AksCluster::SKU_TIER.name()).filter(|t| Some(*t) != defaults.get("sku_tier")) {
            let tier = match tier.as_str() {
                Some(t @ ("Free" | "Standard" | "Premium")) => t,
                _ => return Err(fail("sku_tier", "not a tier `AksTier` has")),
            };
            uses.push("quikinfra::azure::AksTier");
            chain = chain.call("tier", [format!("AksTier::{tier}")]);
        }
        let zones: Vec<&str> = match live.get(AksCluster::AVAILABILITY_ZONES.name()) {
            Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        chain = chain.call_if(!zones.is_empty(), "zones", [codegen::strings(&zones)]);
        for pool in ["system", "user"] {
            let vm_attribute = format!("{pool}_pool_vm_size");
            let nodes_attribute = format!("{pool}_pool_nodes");
            let (vm, nodes) = (live.get(&vm_attribute), live.get(&nodes_attribute));
            if vm == defaults.get(&vm_attribute) && nodes == defaults.get(&nodes_attribute) {
                continue;
            }
            let vm = vm.and_then(Value::as_str).ok_or_else(|| fail(&vm_attribute, "the pool has no VM size"))?;
            let nodes = nodes.and_then(replicas).ok_or_else(|| fail(&nodes_attribute, "not a node count"))?;
            uses.push("quikinfra::azure::Replicas");
            chain = chain.call(&format!("{pool}_pool"), [codegen::string(vm), nodes]);
        }
        if let Some(net) = live.get(AksCluster::NETWORK_PROFILE.name()).and_then(Value::as_map) {
            let profile = network_profile(net).map_err(|reason| fail("network_profile", &reason))?;
            uses.push("quikinfra::azure::NetworkProfile");
            chain = chain.call("network", [profile]);
        }
        let mut declaration = Declaration::new(address.clone(), uses, chain)
            .note(format!("The resource group `{group}` is named, not referenced: where the definition declares it, use AksCluster::new(…, &group) instead."));
        if let Some(subscription) = live.get("subscription_id").and_then(Value::as_str) {
            declaration = declaration.note(format!(
                "The cluster is in subscription {subscription}: the run's AZURE_SUBSCRIPTION_ID must name it."
            ));
        }
        let handled = [
            AksCluster::SKU_TIER.name(),
            AksCluster::SYSTEM_POOL_NODES.name(),
            AksCluster::USER_POOL_NODES.name(),
            AksCluster::NETWORK_PROFILE.name(),
            AksCluster::LOCATION.name(),
            AksCluster::RESOURCE_GROUP.name(),
        ];
        codegen::plain_builders(declaration, live, &base, &handled, ctx)
    }
}

/// `Replicas::fixed(n)` for `{"count": n}`, `Replicas::range(a, b)` for the autoscaler's bounds.
fn replicas(nodes: &Value) -> Option<String> {
    let map = nodes.as_map()?;
    match (map.get("min_count"), map.get("max_count"), map.get("count")) {
        (Some(min), Some(max), _) => {
            Some(format!("Replicas::range({}, {})", codegen::number(min)?, codegen::number(max)?))
        }
        (_, _, Some(count)) => Some(format!("Replicas::fixed({})", codegen::number(count)?)),
        _ => None,
    }
}

/// `NetworkProfile::kubenet().pod_cidr(…)…` for the live profile.
fn network_profile(net: &std::collections::BTreeMap<String, Value>) -> Result<String, String> {
    let text = |key: &str| net.get(key).and_then(Value::as_str);
    let constructor = match (text("network_plugin"), text("network_plugin_mode")) {
        (Some("azure"), None) => "NetworkProfile::azure",
        (Some("azure"), Some("overlay")) => "NetworkProfile::azure_overlay",
        (Some("kubenet"), None) => "NetworkProfile::kubenet",
        (plugin, mode) => return Err(format!("plugin {plugin:?} in mode {mode:?} has no `NetworkProfile`")),
    };
    let mut chain = Chain::new(constructor, []);
    for key in ["pod_cidr", "service_cidr", "dns_service_ip"] {
        if let Some(value) = text(key) {
            chain = chain.call(key, [codegen::string(value)]);
        }
    }
    Ok(chain.inline())
}
