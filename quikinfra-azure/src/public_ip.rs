//! `azure_public_ip`: a public IP address (`Microsoft.Network/publicIPAddresses`), such as
//! the one a cluster's ingress load balancer answers on.
//!
//! Standard SKU, static allocation and IPv4 by default: the address is allocated when the
//! resource is created and kept until it is deleted, so DNS records can point at it
//! (`ip.ip_address()`). Zones make it zonal (one zone) or zone-redundant (every zone the cluster
//! uses); like the SKU and the IP version they are fixed at creation. A DNS label gives it a name
//! under `<region>.cloudapp.azure.com` (`ip.fqdn()`), which Traffic Manager needs to target it
//! as an Azure endpoint.
//!
//! For an AKS `LoadBalancer` service to use an address outside the cluster's node resource
//! group, the cluster's identity needs *Network Contributor* on the address's group.

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::ResourceGroup;
use crate::check::{self, NameRules};

/// The provisioning states meaning the last operation on the address failed.
pub const FAILED_STATES: &[&str] = &["Failed"];

/// A public IP address.
///
/// ```ignore
/// let ip = PublicIp::new("main", "pip-quikapp-staging", &rg).zones(["1", "2", "3"]).dns_label("quikapp-staging");
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "azure_public_ip", provider = "azure", refs(id, ip_address, fqdn), validate = Self::check)]
pub struct PublicIp {
    #[serde(skip)]
    meta: Meta,
    /// The address's ARM id (what a Traffic Manager Azure endpoint targets).
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The allocated address, `20.50.1.7` (what an A record holds).
    #[serde(skip)]
    #[resource(computed)]
    ip_address: Computed<String>,
    /// The address's name under `<region>.cloudapp.azure.com`, when it has a DNS label.
    #[serde(skip)]
    #[resource(computed)]
    fqdn: Computed<String>,
    #[serde(skip)]
    #[resource(watch, failed_when = FAILED_STATES)]
    provisioning_state: Computed<String>,
    #[resource(force_new = "a public ip address cannot be renamed")]
    name: String,
    #[resource(force_new = "a public ip address cannot move to another resource group")]
    resource_group: Val<String>,
    #[resource(force_new = "a public ip address's region is fixed at creation")]
    location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, force_new = "a resource cannot move to another subscription")]
    subscription_id: Option<String>,
    #[resource(force_new = "a public ip address's sku is fixed at creation (the address would change)")]
    sku: PublicIpSku,
    #[resource(force_new = "changing the allocation method releases the address")]
    allocation_method: AllocationMethod,
    #[resource(force_new = "a public ip address's version is fixed at creation")]
    ip_version: IpVersion,
    #[resource(force_new = "a public ip address's zones are fixed at creation")]
    zones: Vec<String>,
    /// Sets the DNS label: the address answers for `<label>.<region>.cloudapp.azure.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(setter = "dns_label")]
    domain_name_label: Option<String>,
    /// Sets how long an idle TCP connection stays open, 4 to 30 minutes.
    #[resource(setter = "idle_timeout")]
    idle_timeout_minutes: u32,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

/// The SKU, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum PublicIpSku {
    /// Zone-aware, secure by default, static only: what AKS's Standard load balancer takes.
    Standard,
    /// The retired first generation (no zones).
    Basic,
}

/// How the address is allocated, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum AllocationMethod {
    /// Allocated at creation and kept until deleted.
    Static,
    /// Allocated when attached, released when detached (Basic only).
    Dynamic,
}

/// The IP version, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum IpVersion {
    /// An IPv4 address (for A records).
    IPv4,
    /// An IPv6 address (for AAAA records).
    IPv6,
}

impl PublicIp {
    /// A Standard, static IPv4 address called `name` in `group` (and its region), with no zone
    /// and no DNS label yet, addressed as `azure_public_ip.<local>`.
    pub fn new(local: &str, name: impl Into<String>, group: &ResourceGroup) -> Self {
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            ip_address: Computed::new(),
            fqdn: Computed::new(),
            provisioning_state: Computed::new(),
            name: name.into(),
            resource_group: group.name().into(),
            location: group.location().to_string(),
            subscription_id: group.subscription_id().map(str::to_string),
            sku: PublicIpSku::Standard,
            allocation_method: AllocationMethod::Static,
            ip_version: IpVersion::IPv4,
            zones: Vec::new(),
            domain_name_label: None,
            idle_timeout_minutes: 4,
            tags: BTreeMap::new(),
        }
    }

    /// Places the address in `zones` (`["1", "2", "3"]`: zone-redundant, as a cluster spread
    /// over them needs).
    pub fn zones<I, S>(mut self, zones: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.zones = zones.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the SKU and allocation method (a Basic, dynamic address for a test, say).
    pub fn sku(mut self, sku: PublicIpSku, allocation: AllocationMethod) -> Self {
        self.sku = sku;
        self.allocation_method = allocation;
        self
    }

    /// Makes it an IPv6 address.
    pub fn ipv6(mut self) -> Self {
        self.ip_version = IpVersion::IPv6;
        self
    }

    /// The address's zones.
    pub fn zone_list(&self) -> &[String] {
        &self.zones
    }
}

const NAME: NameRules =
    NameRules { len: (1, 80), uppercase: true, punctuation: &['-', '_', '.'], starts_with_letter: false };
const DNS_LABEL: NameRules =
    NameRules { len: (3, 63), uppercase: false, punctuation: &['-'], starts_with_letter: true };

impl PublicIp {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::name_problems(&self.name, &NAME) {
            p.field("name", message);
        }
        check::resource_group(p, "resource_group", &self.resource_group);
        check::location(p, &self.location);
        check::subscription(p, self.subscription_id.as_deref());
        if self.sku == PublicIpSku::Standard && self.allocation_method == AllocationMethod::Dynamic {
            p.field("allocation_method", "a Standard public ip address is always Static");
        }
        if self.sku == PublicIpSku::Basic && !self.zones.is_empty() {
            p.field("zones", "a Basic public ip address has no zones: use the Standard sku");
        }
        let mut seen = BTreeSet::new();
        for (i, zone) in self.zones.iter().enumerate() {
            if !["1", "2", "3"].contains(&zone.as_str()) {
                p.field(&format!("zones[{i}]"), format!("zone `{zone}` is not one of 1, 2 and 3"));
            } else if !seen.insert(zone) {
                p.field(&format!("zones[{i}]"), format!("zone `{zone}` is listed twice"));
            }
        }
        if let Some(label) = &self.domain_name_label {
            for message in check::name_problems(label, &DNS_LABEL) {
                p.field("domain_name_label", message);
            }
        }
        if !(4..=30).contains(&self.idle_timeout_minutes) {
            p.field("idle_timeout_minutes", format!("must be 4 to 30 minutes, got {}", self.idle_timeout_minutes));
        }
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};

    fn rg() -> ResourceGroup {
        ResourceGroup::new("main", "rg-quikapp-staging", "westeurope")
    }

    #[test]
    fn an_ingress_address_serializes_to_its_attributes() {
        let ip =
            PublicIp::new("main", "pip-quikapp-staging", &rg()).zones(["1", "2", "3"]).dns_label("quikapp-staging");
        assert_eq!(
            attrs(&ip),
            json!({
                "name": "pip-quikapp-staging",
                "resource_group": {"$ref": "azure_resource_group.main.name"},
                "location": "westeurope",
                "sku": "Standard",
                "allocation_method": "Static",
                "ip_version": "IPv4",
                "zones": ["1", "2", "3"],
                "domain_name_label": "quikapp-staging",
                "idle_timeout_minutes": 4
            })
        );
        assert!(problems(ip.clone()).is_empty());
        assert_eq!(serde_json::to_value(ip.ip_address()).unwrap(), json!({"$ref": "azure_public_ip.main.ip_address"}));
        assert_eq!(serde_json::to_value(ip.id()).unwrap(), json!({"$ref": "azure_public_ip.main.id"}));
    }

    #[test]
    fn standard_addresses_are_static_and_zones_are_azures() {
        let dynamic = PublicIp::new("ip", "pip", &rg()).sku(PublicIpSku::Standard, AllocationMethod::Dynamic);
        assert_problem(&problems(dynamic), "allocation_method", "always Static");
        let basic = PublicIp::new("ip", "pip", &rg()).sku(PublicIpSku::Basic, AllocationMethod::Dynamic).zones(["1"]);
        assert_problem(&problems(basic), "zones", "no zones");
        let zones = PublicIp::new("ip", "pip", &rg()).zones(["1", "4", "1"]);
        let found = problems(zones);
        assert_problem(&found, "zones[1]", "not one of");
        assert_problem(&found, "zones[2]", "listed twice");
        let label = PublicIp::new("ip", "pip", &rg()).dns_label("Quik_App").idle_timeout(31);
        let found = problems(label);
        assert_problem(&found, "domain_name_label", "lowercase letters");
        assert_problem(&found, "idle_timeout_minutes", "4 to 30");
    }
}
