//! `azure_aks_cluster` as code: `AksCluster::in_group` (the resource group by name, since the
//! code cannot know whether the definition declares it), the tier, zones, both pools and the
//! network profile by hand; the DNS prefix, Kubernetes version, admin groups and tags through
//! the derived builders.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::{Attrs, Value};

use super::{Draft, Placement, text};
use crate::{AksCluster, AksTier};

impl Generate for AksCluster {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let place = Placement::of(address, live)?;
        let base = AksCluster::in_group(address.name(), place.name, place.group, place.location);
        let chain = Chain::new("AksCluster::in_group", place.in_group_args(address));
        let mut draft = Draft::new(address, live, &base, "quikinfra::azure::AksCluster", chain);
        let tiers = [AksTier::Free, AksTier::Standard, AksTier::Premium];
        draft.choice(AksCluster::SKU_TIER.name(), "tier", "quikinfra::azure::AksTier", &tiers)?;
        let zones: Vec<&str> = match draft.live(AksCluster::AVAILABILITY_ZONES.name()) {
            Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !zones.is_empty() {
            draft.call("zones", [codegen::strings(&zones)]);
        }
        draft.handled(&[AksCluster::SYSTEM_POOL_NODES.name(), AksCluster::USER_POOL_NODES.name()]);
        for pool in ["system", "user"] {
            let vm_attribute = format!("{pool}_pool_vm_size");
            let nodes_attribute = format!("{pool}_pool_nodes");
            if draft.is_default(&vm_attribute) && draft.is_default(&nodes_attribute) {
                continue;
            }
            let vm =
                text(address, live, &vm_attribute).map_err(|_| draft.fail(&vm_attribute, "the pool has no VM size"))?;
            let nodes = draft
                .live(&nodes_attribute)
                .and_then(replicas)
                .ok_or_else(|| draft.fail(&nodes_attribute, "not a node count"))?;
            draft.uses("quikinfra::azure::Replicas");
            draft.call(&format!("{pool}_pool"), [codegen::string(vm), nodes]);
        }
        let network = AksCluster::NETWORK_PROFILE.name();
        draft.handled(&[network]);
        if let Some(net) = draft.live(network).and_then(Value::as_map) {
            let profile = network_profile(net).map_err(|reason| draft.fail(network, reason))?;
            draft.uses("quikinfra::azure::NetworkProfile");
            draft.call("network", [profile]);
        }
        draft.named_group("AksCluster", place.group);
        draft.finish(&base, ctx)
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
fn network_profile(net: &Attrs) -> Result<String, String> {
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
