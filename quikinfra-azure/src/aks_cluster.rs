//! `azure_aks_cluster`: an AKS cluster with one system node pool and one user node pool.
//!
//! Attribute names follow ARM's `Microsoft.ContainerService/managedClusters` (API 2026-07-01)
//! in snake case. What AKS fixes at creation (names, region, DNS prefix, a pool's VM size and
//! zones, the network plugin and ranges) forces replacement; node counts, autoscaler bounds,
//! the Kubernetes version, the SKU tier, admin groups and tags change in place.
//!
//! The engine replaces whole resources, and both pools live inside this one: changing a pool's
//! VM size or zones replaces the cluster. AKS itself could rotate the pool instead (add a pool,
//! drain, delete the old one); modelling that needs a node pool resource type of its own.

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Val};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::ResourceGroup;
use crate::check::{self, NameRules};

/// The most nodes one AKS node pool holds.
pub const MAX_POOL_NODES: u32 = 1000;

/// Both pools' VM size unless set: general purpose, 2 vCPUs and 8 GiB, available in every AKS
/// region.
const DEFAULT_VM_SIZE: &str = "Standard_D2s_v5";

/// Why a change to a pool's VM size replaces the cluster.
const VM_SIZE_REASON: &str = "a node pool's VM size is fixed at creation";

/// An AKS cluster.
///
/// ```ignore
/// let aks = AksCluster::new("main", "aks-quikapp-live", &rg)
///     .tier(AksTier::Standard)
///     .zones(["1", "2", "3"])
///     .system_pool("Standard_D4s_v5", Replicas::fixed(3))
///     .user_pool("Standard_D8s_v5", Replicas::range(5, 10))
///     .admin_group("6f2c1c1e-3b7a-4c55-9a3e-2f1d0c9b8a7e");
/// ```
///
/// A new cluster is the smallest useful one: the Free tier, no availability zones, one
/// `Standard_D2s_v5` system node and one `Standard_D2s_v5` user node, AKS's default
/// Kubernetes version and network, no admin groups.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(
    type = "azure_aks_cluster",
    provider = "azure",
    refs(id, fqdn, node_resource_group),
    validate = Self::check
)]
pub struct AksCluster {
    #[serde(skip)]
    meta: Meta,
    /// The cluster's ARM id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The API server's domain name.
    #[serde(skip)]
    #[resource(computed)]
    fqdn: Computed<String>,
    /// The resource group AKS creates for the nodes (`MC_…`).
    #[serde(skip)]
    #[resource(computed)]
    node_resource_group: Computed<String>,
    /// ARM's provisioning state, watched: `Failed` or `Canceled` (an operation that did not
    /// succeed) makes the next plan repair the cluster.
    #[serde(skip)]
    #[resource(watch, failed_when = crate::arm::FAILED_STATES)]
    provisioning_state: Computed<String>,
    #[resource(identity, force_new = "an aks cluster cannot be renamed")]
    name: String,
    /// Places the cluster in another region than its resource group's (short name).
    #[resource(setter, force_new = "an aks cluster cannot move to another region")]
    location: String,
    /// Places the cluster in a resource group given by name or reference.
    #[resource(identity, setter, force_new = "an aks cluster cannot move to another resource group")]
    resource_group: Val<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, force_new = "a resource cannot move to another subscription")]
    subscription_id: Option<String>,
    /// Sets the API server's DNS prefix (the cluster name unless set).
    #[resource(setter, force_new = "the dns prefix is fixed at creation")]
    dns_prefix: String,
    /// Pins the Kubernetes version, `1.31` or `1.31.2`; unset, AKS picks its default and
    /// upgrades are not managed. AKS upgrades in place one minor version at a time and never
    /// downgrades; that rule needs the running version, so the provider checks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, setter)]
    kubernetes_version: Option<String>,
    /// Sets the control plane's SKU tier.
    #[resource(setter = "tier")]
    sku_tier: AksTier,
    #[resource(force_new = "a node pool's availability zones are fixed at creation")]
    availability_zones: Vec<String>,
    #[resource(force_new = VM_SIZE_REASON)]
    system_pool_vm_size: String,
    /// Sets the system pool's node count only.
    #[resource(setter = "system_nodes")]
    system_pool_nodes: Replicas,
    #[resource(force_new = VM_SIZE_REASON)]
    user_pool_vm_size: String,
    /// Sets the user pool's node count only (`Replicas::range(5, 10)`).
    #[resource(setter = "user_nodes")]
    user_pool_nodes: Replicas,
    /// Sets the network plugin and address ranges; unset, AKS's defaults apply unmanaged.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(
        optional_computed,
        setter = "network",
        force_new = "the network plugin and address ranges are set at creation"
    )]
    network_profile: Option<NetworkProfile>,
    /// Makes an Entra ID group (by object id) cluster admin. Any admin group turns on
    /// Entra ID authentication with Azure RBAC for Kubernetes authorization.
    #[resource(push = "admin_group")]
    admin_group_object_ids: Vec<String>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl AksCluster {
    /// A cluster called `name` (also its DNS prefix) in `group`'s region, addressed as
    /// `azure_aks_cluster.<local>`: Free tier, no zones, one `Standard_D2s_v5` node in each
    /// pool.
    pub fn new(local: &str, name: impl Into<String>, group: &ResourceGroup) -> Self {
        let name = name.into();
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            fqdn: Computed::new(),
            node_resource_group: Computed::new(),
            provisioning_state: Computed::new(),
            dns_prefix: name.clone(),
            name,
            location: group.location().to_string(),
            resource_group: group.name().into(),
            subscription_id: group.subscription_id().map(str::to_string),
            kubernetes_version: None,
            sku_tier: AksTier::Free,
            availability_zones: Vec::new(),
            system_pool_vm_size: DEFAULT_VM_SIZE.to_string(),
            system_pool_nodes: Replicas::fixed(1),
            user_pool_vm_size: DEFAULT_VM_SIZE.to_string(),
            user_pool_nodes: Replicas::fixed(1),
            network_profile: None,
            admin_group_object_ids: Vec::new(),
            tags: BTreeMap::new(),
        }
    }

    /// Like [`AksCluster::new`], in a resource group this definition does not declare, named
    /// `resource_group` (a literal or another definition's reference) in region `location`.
    pub fn in_group(
        local: &str,
        name: impl Into<String>,
        resource_group: impl Into<Val<String>>,
        location: impl Into<String>,
    ) -> Self {
        let group = ResourceGroup::new(local, "", location);
        let mut cluster = Self::new(local, name, &group);
        cluster.resource_group = resource_group.into();
        cluster
    }

    /// The availability zones the cluster's pools are spread over (empty: none).
    pub fn availability_zones(&self) -> &[String] {
        &self.availability_zones
    }

    /// Spreads both pools over these availability zones (`["1", "2", "3"]`); empty for none.
    pub fn zones<I, S>(mut self, zones: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.availability_zones = zones.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the system pool's VM size and node count.
    pub fn system_pool(mut self, vm_size: impl Into<String>, nodes: Replicas) -> Self {
        self.system_pool_vm_size = vm_size.into();
        self.system_pool_nodes = nodes;
        self
    }

    /// Sets the user pool's VM size and node count.
    pub fn user_pool(mut self, vm_size: impl Into<String>, nodes: Replicas) -> Self {
        self.user_pool_vm_size = vm_size.into();
        self.user_pool_nodes = nodes;
        self
    }
}

/// The control plane's SKU tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum AksTier {
    /// No uptime SLA; for development and test.
    Free,
    /// Uptime SLA (99.95 % with zones); for production.
    Standard,
    /// Standard plus long-term support versions.
    Premium,
}

/// A node pool's size: a fixed count, or autoscaler bounds.
///
/// Serializes as `{"count": n}` or `{"min_count": a, "max_count": b}`; with the autoscaler on,
/// the current count is the autoscaler's business and is not compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AttrValue)]
#[attr_value(map)]
pub struct Replicas {
    min: u32,
    max: u32,
    autoscale: bool,
}

impl Replicas {
    /// Exactly `count` nodes.
    pub const fn fixed(count: u32) -> Self {
        Self { min: count, max: count, autoscale: false }
    }

    /// Between `min` and `max` nodes, as the cluster autoscaler decides.
    pub const fn range(min: u32, max: u32) -> Self {
        Self { min, max, autoscale: true }
    }

    /// The fewest nodes.
    pub fn min(self) -> u32 {
        self.min
    }

    /// The most nodes.
    pub fn max(self) -> u32 {
        self.max
    }

    /// Whether the autoscaler manages the count.
    pub fn is_autoscaled(self) -> bool {
        self.autoscale
    }
}

impl Serialize for Replicas {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.autoscale {
            let mut map = serializer.serialize_map(Some(2))?;
            map.serialize_entry("min_count", &self.min)?;
            map.serialize_entry("max_count", &self.max)?;
            map.end()
        } else {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("count", &self.min)?;
            map.end()
        }
    }
}

/// The cluster's network plugin and address ranges, all set at creation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub struct NetworkProfile {
    network_plugin: NetworkPlugin,
    #[serde(skip_serializing_if = "Option::is_none")]
    network_plugin_mode: Option<NetworkPluginMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_cidr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_cidr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns_service_ip: Option<String>,
}

impl NetworkProfile {
    fn with(plugin: NetworkPlugin, mode: Option<NetworkPluginMode>) -> Self {
        Self {
            network_plugin: plugin,
            network_plugin_mode: mode,
            pod_cidr: None,
            service_cidr: None,
            dns_service_ip: None,
        }
    }

    /// Azure CNI: pods get addresses from the node subnet.
    pub fn azure() -> Self {
        Self::with(NetworkPlugin::Azure, None)
    }

    /// Azure CNI Overlay: pods get addresses from `pod_cidr`, outside the virtual network.
    pub fn azure_overlay() -> Self {
        Self::with(NetworkPlugin::Azure, Some(NetworkPluginMode::Overlay))
    }

    /// Kubenet: pods get addresses from `pod_cidr` behind node NAT (retiring in 2028).
    pub fn kubenet() -> Self {
        Self::with(NetworkPlugin::Kubenet, None)
    }

    /// The pods' address range (kubenet and overlay only), `10.244.0.0/16`.
    pub fn pod_cidr(mut self, cidr: impl Into<String>) -> Self {
        self.pod_cidr = Some(cidr.into());
        self
    }

    /// The services' address range, `10.0.0.0/16`; needs `dns_service_ip` too.
    pub fn service_cidr(mut self, cidr: impl Into<String>) -> Self {
        self.service_cidr = Some(cidr.into());
        self
    }

    /// The cluster DNS service's address, inside the service range, `10.0.0.10`.
    pub fn dns_service_ip(mut self, ip: impl Into<String>) -> Self {
        self.dns_service_ip = Some(ip.into());
        self
    }
}

/// The CNI plugin, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NetworkPlugin {
    /// Azure CNI.
    #[serde(rename = "azure")]
    Azure,
    /// Kubenet.
    #[serde(rename = "kubenet")]
    Kubenet,
}

/// The Azure CNI mode, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NetworkPluginMode {
    /// Pod addresses from an overlay range.
    #[serde(rename = "overlay")]
    Overlay,
}

/// An IPv4 range: its first address and prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    base: u32,
    prefix: u32,
}

impl Cidr {
    fn size(self) -> u64 {
        1u64 << (32 - self.prefix)
    }

    fn contains(self, ip: u32) -> bool {
        u64::from(ip) >= u64::from(self.base) && u64::from(ip) < u64::from(self.base) + self.size()
    }

    fn overlaps(self, other: Cidr) -> bool {
        self.contains(other.base) || other.contains(self.base)
    }
}

fn parse_ipv4(text: &str) -> Option<u32> {
    text.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

/// Parses `a.b.c.d/n`, explaining what is wrong otherwise.
fn parse_cidr(text: &str) -> Result<Cidr, String> {
    let shape = || format!("`{text}` is not an ipv4 cidr like `10.244.0.0/16`");
    let (ip, prefix) = text.split_once('/').ok_or_else(shape)?;
    let ip = parse_ipv4(ip).ok_or_else(shape)?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(shape)?;
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    if ip & mask != ip {
        let base = std::net::Ipv4Addr::from(ip & mask);
        return Err(format!("`{text}` has host bits set: did you mean `{base}/{prefix}`"));
    }
    Ok(Cidr { base: ip, prefix })
}

/// Ranges AKS reserves for itself; a service range must not overlap them.
const AKS_RESERVED: [&str; 4] = ["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"];

fn validate_network(p: &mut FieldProblems<'_>, net: &NetworkProfile) {
    let parse = |p: &mut FieldProblems<'_>, field: &str, text: &Option<String>| {
        let text = text.as_ref()?;
        parse_cidr(text).map_err(|message| p.field(field, message)).ok()
    };
    let pods = parse(p, "network_profile.pod_cidr", &net.pod_cidr);
    let services = parse(p, "network_profile.service_cidr", &net.service_cidr);
    let pods_own_range = net.network_plugin == NetworkPlugin::Kubenet || net.network_plugin_mode.is_some();
    if net.pod_cidr.is_some() && !pods_own_range {
        p.field(
            "network_profile.pod_cidr",
            "only kubenet and azure cni overlay use a pod range: plain azure cni gives pods subnet addresses",
        );
    }
    if let (Some(pods), Some(services)) = (pods, services)
        && pods.overlaps(services)
    {
        p.field("network_profile.service_cidr", "must not overlap the pod range");
    }
    if let Some(services) = services {
        for reserved in AKS_RESERVED {
            if parse_cidr(reserved).is_ok_and(|r| r.overlaps(services)) {
                p.field("network_profile.service_cidr", format!("overlaps `{reserved}`, which aks reserves"));
            }
        }
    }
    match (&net.service_cidr, &net.dns_service_ip) {
        (Some(_), None) => p.field("network_profile.dns_service_ip", "required when service_cidr is set"),
        (None, Some(_)) => p.field("network_profile.service_cidr", "required when dns_service_ip is set"),
        (_, Some(ip_text)) => match parse_ipv4(ip_text) {
            None => p.field("network_profile.dns_service_ip", format!("`{ip_text}` is not an ipv4 address")),
            Some(ip) => {
                if let Some(services) = services
                    && (!services.contains(ip) || u64::from(ip) < u64::from(services.base) + 2)
                {
                    p.field(
                        "network_profile.dns_service_ip",
                        format!(
                            "`{ip_text}` must lie inside service_cidr, past its first two addresses \
                             (aks gives the first to the kubernetes service)"
                        ),
                    );
                }
            }
        },
        (None, None) => {}
    }
}

fn validate_pool(p: &mut FieldProblems<'_>, pool: &str, vm_size: &str, nodes: Replicas) {
    let vm_field = format!("{pool}_pool_vm_size");
    let nodes_field = format!("{pool}_pool_nodes");
    let size_ok = vm_size
        .strip_prefix("Standard_")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    if !size_ok {
        p.field(&vm_field, format!("`{vm_size}` is not an azure vm size such as `Standard_D4s_v5`"));
    }
    if nodes.min > nodes.max {
        p.field(&nodes_field, format!("the minimum ({}) must not exceed the maximum ({})", nodes.min, nodes.max));
    }
    if pool == "system" && nodes.min < 1 {
        p.field(&nodes_field, "the system pool needs at least 1 node: it runs coredns and the other system pods");
    }
    if nodes.max < 1 {
        p.field(&nodes_field, format!("the {pool} pool needs room for at least 1 node"));
    }
    if nodes.max > MAX_POOL_NODES {
        p.field(&nodes_field, format!("a node pool holds at most {MAX_POOL_NODES} nodes, got {}", nodes.max));
    }
}

/// `1.31` or `1.31.2`.
fn is_kubernetes_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

const CLUSTER_NAME: NameRules =
    NameRules { len: (1, 63), uppercase: true, punctuation: &['_', '-'], starts_with_letter: false };
const DNS_PREFIX: NameRules =
    NameRules { len: (1, 54), uppercase: true, punctuation: &['-'], starts_with_letter: false };

impl AksCluster {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::name_problems(&self.name, &CLUSTER_NAME) {
            p.field("name", message);
        }
        for message in check::name_problems(&self.dns_prefix, &DNS_PREFIX) {
            p.field("dns_prefix", message);
        }
        check::location(p, &self.location);
        check::resource_group(p, "resource_group", &self.resource_group);
        check::subscription(p, self.subscription_id.as_deref());
        if let Some(version) = &self.kubernetes_version
            && !is_kubernetes_version(version)
        {
            p.field("kubernetes_version", format!("`{version}` is not a version like `1.31` or `1.31.2`"));
        }
        let mut zones = BTreeSet::new();
        for (i, zone) in self.availability_zones.iter().enumerate() {
            if !matches!(zone.as_str(), "1" | "2" | "3") {
                p.field(
                    &format!("availability_zones[{i}]"),
                    format!("`{zone}` is not an availability zone: use 1, 2 or 3"),
                );
            }
            if !zones.insert(zone) {
                p.field(&format!("availability_zones[{i}]"), format!("zone `{zone}` is listed twice"));
            }
        }
        validate_pool(p, "system", &self.system_pool_vm_size, self.system_pool_nodes);
        validate_pool(p, "user", &self.user_pool_vm_size, self.user_pool_nodes);
        if let Some(net) = &self.network_profile {
            validate_network(p, net);
        }
        let mut groups = BTreeSet::new();
        for (i, id) in self.admin_group_object_ids.iter().enumerate() {
            let field = format!("admin_group_object_ids[{i}]");
            if !check::is_guid(id) {
                p.field(&field, format!("`{id}` is not an entra id object id (a guid)"));
            }
            if !groups.insert(id.to_ascii_lowercase()) {
                p.field(&field, format!("`{id}` is listed twice"));
            }
        }
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_no_problem, assert_problem, attrs, problems};

    const QA_TEAM: &str = "6f2c1c1e-3b7a-4c55-9a3e-2f1d0c9b8a7e";

    fn rg() -> ResourceGroup {
        ResourceGroup::new("main", "rg-quikapp-live", "westeurope")
    }

    fn live() -> AksCluster {
        AksCluster::new("main", "aks-quikapp-live", &rg())
            .tier(AksTier::Standard)
            .zones(["1", "2", "3"])
            .system_pool("Standard_D4s_v5", Replicas::fixed(3))
            .user_pool("Standard_D8s_v5", Replicas::range(5, 10))
            .kubernetes_version("1.31")
            .network(
                NetworkProfile::azure_overlay()
                    .pod_cidr("10.244.0.0/16")
                    .service_cidr("10.0.0.0/16")
                    .dns_service_ip("10.0.0.10"),
            )
            .admin_group(QA_TEAM)
            .tag("team", "platform")
    }

    #[test]
    fn a_live_cluster_serializes_to_its_attributes() {
        assert_eq!(
            attrs(&live()),
            json!({
                "name": "aks-quikapp-live",
                "location": "westeurope",
                "resource_group": {"$ref": "azure_resource_group.main.name"},
                "dns_prefix": "aks-quikapp-live",
                "kubernetes_version": "1.31",
                "sku_tier": "Standard",
                "availability_zones": ["1", "2", "3"],
                "system_pool_vm_size": "Standard_D4s_v5",
                "system_pool_nodes": {"count": 3},
                "user_pool_vm_size": "Standard_D8s_v5",
                "user_pool_nodes": {"min_count": 5, "max_count": 10},
                "network_profile": {
                    "network_plugin": "azure",
                    "network_plugin_mode": "overlay",
                    "pod_cidr": "10.244.0.0/16",
                    "service_cidr": "10.0.0.0/16",
                    "dns_service_ip": "10.0.0.10"
                },
                "admin_group_object_ids": [QA_TEAM],
                "tags": {"team": "platform"}
            })
        );
        assert!(problems(live()).is_empty(), "{:?}", problems(live()));
    }

    #[test]
    fn the_default_is_one_small_node_per_pool() {
        let default = AksCluster::new("main", "aks", &rg());
        let json = attrs(&default);
        assert_eq!(json["sku_tier"], json!("Free"));
        assert_eq!(json["availability_zones"], json!([]));
        assert_eq!(json["system_pool_vm_size"], json!("Standard_D2s_v5"));
        assert_eq!(json["system_pool_nodes"], json!({"count": 1}));
        assert_eq!(json["user_pool_vm_size"], json!("Standard_D2s_v5"));
        assert_eq!(json["user_pool_nodes"], json!({"count": 1}));
        assert!(json.get("network_profile").is_none());
        assert!(json.get("kubernetes_version").is_none());
        assert!(problems(default).is_empty());
    }

    #[test]
    fn tier_zones_and_pools_are_set_by_their_builders() {
        let new = || AksCluster::new("main", "aks", &rg());
        let zonal = |aks: AksCluster| {
            aks.tier(AksTier::Standard).zones(["1", "2", "3"]).system_pool("Standard_D4s_v5", Replicas::fixed(3))
        };
        let clusters = [
            new().user_nodes(Replicas::range(1, 2)),
            new().user_pool("Standard_D4s_v5", Replicas::fixed(2)),
            zonal(new()).user_pool("Standard_D8s_v5", Replicas::fixed(3)),
            zonal(new()).user_pool("Standard_D8s_v5", Replicas::range(3, 5)),
        ];
        let [small, medium, fixed, autoscaled] = clusters.clone().map(|aks| attrs(&aks));
        assert_eq!(small["sku_tier"], json!("Free"));
        assert_eq!(small["availability_zones"], json!([]));
        assert_eq!(small["system_pool_nodes"], json!({"count": 1}));
        assert_eq!(small["user_pool_nodes"], json!({"min_count": 1, "max_count": 2}));
        assert_eq!(medium["user_pool_vm_size"], json!("Standard_D4s_v5"));
        assert_eq!(medium["user_pool_nodes"], json!({"count": 2}));
        assert_eq!(fixed["user_pool_nodes"], json!({"count": 3}));
        assert_eq!(autoscaled["user_pool_nodes"], json!({"min_count": 3, "max_count": 5}));
        for json in [&fixed, &autoscaled] {
            assert_eq!(json["sku_tier"], json!("Standard"));
            assert_eq!(json["availability_zones"], json!(["1", "2", "3"]));
            assert_eq!(json["system_pool_vm_size"], json!("Standard_D4s_v5"));
            assert_eq!(json["system_pool_nodes"], json!({"count": 3}));
            assert_eq!(json["user_pool_vm_size"], json!("Standard_D8s_v5"));
        }
        for (i, aks) in clusters.into_iter().enumerate() {
            let found = problems(aks);
            assert!(found.is_empty(), "cluster {i}: {found:?}");
        }
    }

    #[test]
    fn accessors_and_schema() {
        let aks = live();
        assert_eq!(serde_json::to_value(aks.id()).unwrap(), json!({"$ref": "azure_aks_cluster.main.id"}));
        assert_eq!(serde_json::to_value(aks.fqdn()).unwrap(), json!({"$ref": "azure_aks_cluster.main.fqdn"}));
        assert_eq!(
            serde_json::to_value(aks.node_resource_group()).unwrap(),
            json!({"$ref": "azure_aks_cluster.main.node_resource_group"})
        );
        let schema = AksCluster::schema();
        assert!(schema.has_tags());
        for name in ["name", "location", "resource_group", "dns_prefix", "system_pool_vm_size", "user_pool_vm_size"] {
            let attr = schema.attr(name).unwrap();
            assert!(attr.force_new && !attr.replace_reason.is_empty(), "{name}");
        }
        assert_eq!(
            schema.attr("user_pool_vm_size").unwrap().replace_reason,
            "a node pool's VM size is fixed at creation"
        );
        for name in ["user_pool_nodes", "kubernetes_version", "sku_tier", "admin_group_object_ids"] {
            assert!(!schema.attr(name).unwrap().force_new, "{name}");
        }
        assert_eq!(schema.attr("provisioning_state").unwrap().mode, quikinfra_core::schema::AttrMode::Watch);
        assert_eq!(schema.attr("provisioning_state").unwrap().failed, ["Failed", "Canceled"]);
    }

    #[test]
    fn names_versions_and_zones_are_checked() {
        let aks = AksCluster::new("main", "_aks_", &rg())
            .kubernetes_version("v1.31")
            .zones(["1", "4", "1"])
            .location("West Europe")
            .resource_group("rg bad.");
        let found = problems(aks);
        assert_problem(&found, "name", "start with a letter or digit");
        assert_problem(&found, "dns_prefix", "may only hold");
        assert_problem(&found, "kubernetes_version", "`v1.31`");
        assert_problem(&found, "availability_zones[1]", "use 1, 2 or 3");
        assert_problem(&found, "availability_zones[2]", "listed twice");
        assert_problem(&found, "location", "short name");
        assert_problem(&found, "resource_group", "may only hold");
        assert!(problems(AksCluster::new("main", "aks", &rg()).kubernetes_version("1.31.2")).is_empty());
    }

    #[test]
    fn pools_are_checked() {
        let aks = AksCluster::new("main", "aks", &rg())
            .system_pool("D4s_v5", Replicas::fixed(0))
            .user_nodes(Replicas::range(5, 3));
        let found = problems(aks);
        assert_problem(&found, "system_pool_vm_size", "not an azure vm size");
        assert_problem(&found, "system_pool_nodes", "at least 1 node");
        assert_problem(&found, "user_pool_nodes", "minimum (5) must not exceed the maximum (3)");
        let empty_user = problems(AksCluster::new("main", "aks", &rg()).user_nodes(Replicas::fixed(0)));
        assert_problem(&empty_user, "user_pool_nodes", "room for at least 1 node");
        let huge =
            problems(AksCluster::new("main", "aks", &rg()).user_pool("Standard_D8s_v5", Replicas::range(3, 1001)));
        assert_problem(&huge, "user_pool_nodes", "at most 1000");
        let scale_to_zero = problems(AksCluster::new("main", "aks", &rg()).user_nodes(Replicas::range(0, 3)));
        assert_no_problem(&scale_to_zero, "user_pool_nodes");
        let system_autoscaled = problems(AksCluster::new("main", "aks", &rg()).system_nodes(Replicas::range(0, 3)));
        assert_problem(&system_autoscaled, "system_pool_nodes", "at least 1 node");
    }

    #[test]
    fn network_ranges_are_checked() {
        let net = |profile| problems(AksCluster::new("main", "aks", &rg()).network(profile));
        let found = net(NetworkProfile::azure()
            .pod_cidr("10.244.0.0/16")
            .service_cidr("10.0.0.1/16")
            .dns_service_ip("10.1.0.10"));
        assert_problem(&found, "network_profile.pod_cidr", "only kubenet and azure cni overlay");
        assert_problem(&found, "network_profile.service_cidr", "did you mean `10.0.0.0/16`");
        let found = net(NetworkProfile::kubenet()
            .pod_cidr("10.0.0.0/8")
            .service_cidr("10.0.0.0/16")
            .dns_service_ip("10.1.0.10"));
        assert_problem(&found, "network_profile.service_cidr", "must not overlap the pod range");
        assert_problem(&found, "network_profile.dns_service_ip", "inside service_cidr");
        let found = net(NetworkProfile::kubenet()
            .pod_cidr("10.244.0.0/33")
            .service_cidr("172.30.0.0/16")
            .dns_service_ip("172.30.0.1"));
        assert_problem(&found, "network_profile.pod_cidr", "not an ipv4 cidr");
        assert_problem(&found, "network_profile.service_cidr", "aks reserves");
        assert_problem(&found, "network_profile.dns_service_ip", "first two addresses");
        assert_problem(
            &net(NetworkProfile::azure().service_cidr("10.0.0.0/16")),
            "network_profile.dns_service_ip",
            "required",
        );
        assert_problem(
            &net(NetworkProfile::azure().dns_service_ip("10.0.0.10")),
            "network_profile.service_cidr",
            "required",
        );
        assert_problem(
            &net(NetworkProfile::azure().service_cidr("10.0.0.0/16").dns_service_ip("ten")),
            "network_profile.dns_service_ip",
            "not an ipv4 address",
        );
        assert!(net(NetworkProfile::kubenet().pod_cidr("10.244.0.0/16")).is_empty());
    }

    #[test]
    fn admin_groups_are_guids_listed_once() {
        let aks = AksCluster::new("main", "aks", &rg())
            .admin_group("qa-team")
            .admin_group(QA_TEAM)
            .admin_group(QA_TEAM.to_uppercase());
        let found = problems(aks);
        assert_problem(&found, "admin_group_object_ids[0]", "not an entra id object id");
        assert_problem(&found, "admin_group_object_ids[2]", "listed twice");
        assert_no_problem(&found, "admin_group_object_ids[1]");
    }

    #[test]
    fn cidrs_parse_and_overlap() {
        let a = parse_cidr("10.0.0.0/16").unwrap();
        assert_eq!(a.size(), 65_536);
        assert!(a.contains(parse_ipv4("10.0.255.255").unwrap()));
        assert!(!a.contains(parse_ipv4("10.1.0.0").unwrap()));
        assert!(a.overlaps(parse_cidr("10.0.128.0/17").unwrap()));
        assert!(!a.overlaps(parse_cidr("10.1.0.0/16").unwrap()));
        assert!(parse_cidr("0.0.0.0/0").unwrap().overlaps(a));
        assert!(parse_cidr("10.0.0.0").is_err());
    }
}
