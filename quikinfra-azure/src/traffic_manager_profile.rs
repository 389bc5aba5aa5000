//! `azure_traffic_manager_profile`: a DNS-based traffic split at the edge: what a blue/green
//! switch or a canary release changes.
//!
//! Traffic Manager answers DNS queries for `<dns_relative_name>.trafficmanager.net` with one of
//! the profile's enabled, healthy endpoints: by weight with [`RoutingMethod::Weighted`] (a
//! canary is two enabled endpoints weighted, say, 90 and 10), the first by priority with
//! [`RoutingMethod::Priority`] (a blue/green pair is two endpoints of which one is enabled, so
//! traffic never splits). Attribute names follow ARM's `Microsoft.Network/trafficmanagerprofiles`
//! (API 2022-04-01) in snake case; endpoints are managed as a list attribute of the profile,
//! so a switch is one in-place update. Profiles are global: they have no region.
//!
//! Endpoints are external (a host name or IP address, such as a cluster ingress's) or Azure
//! endpoints (an Azure resource with a DNS name, such as a public IP, by ARM id). Weighted and
//! priority routing are modelled.

use std::collections::{BTreeMap, BTreeSet};

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::ResourceGroup;
use crate::check::{self, NameRules};

/// The heaviest weight an endpoint takes.
pub const MAX_WEIGHT: u32 = 1000;
/// The largest priority number an endpoint takes.
pub const MAX_PRIORITY: u32 = 1000;
/// The most endpoints one profile holds.
pub const MAX_ENDPOINTS: usize = 200;

/// A Traffic Manager profile: weighted routing unless [`routing`](Self::routing) says otherwise.
///
/// ```ignore
/// let edge = TrafficManagerProfile::new("edge", "tm-quikapp-live", &rg)
///     .dns_name("quikapp-live")
///     .endpoint(Endpoint::external("blue", "origin-blue.live.quikapp.com"))
///     .endpoint(Endpoint::external("green", "origin-green.live.quikapp.com").enabled(false));
/// ```
///
/// A new profile has a 30-second DNS TTL, so a switch reaches clients within about a minute,
/// and probes every endpoint with HTTPS `GET /healthz` on port 443 every 30 seconds.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "azure_traffic_manager_profile", provider = "azure", refs(id, fqdn), validate = Self::check)]
pub struct TrafficManagerProfile {
    #[serde(skip)]
    meta: Meta,
    /// The profile's ARM id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The name clients resolve, `<dns_relative_name>.trafficmanager.net`; the environment's
    /// domain is a CNAME to it.
    #[serde(skip)]
    #[resource(computed)]
    fqdn: Computed<String>,
    #[serde(skip)]
    #[resource(watch)]
    profile_status: Computed<String>,
    #[resource(force_new = "a traffic manager profile cannot be renamed")]
    name: String,
    /// Places the profile in a resource group given by name or reference.
    #[resource(setter, force_new = "a traffic manager profile cannot move to another resource group")]
    resource_group: Val<String>,
    /// Sets the DNS name: the profile answers for `<relative>.trafficmanager.net` (fixed at
    /// creation, unique across Azure).
    #[resource(identity, setter = "dns_name", force_new = "a profile's dns name is fixed at creation")]
    dns_relative_name: String,
    /// Sets how the profile picks an endpoint (weighted unless set).
    #[resource(setter = "routing")]
    routing_method: RoutingMethod,
    /// Sets how long resolvers cache an answer, in seconds: how fast a switch takes effect.
    #[resource(setter)]
    ttl: u32,
    /// Sets the health probe.
    #[resource(setter)]
    monitor: Monitor,
    /// Adds an endpoint.
    #[resource(push = "endpoint")]
    endpoints: Vec<Endpoint>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

/// How the profile picks an endpoint, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum RoutingMethod {
    /// At random among healthy enabled endpoints, in proportion to their weights.
    Weighted,
    /// The healthy enabled endpoint of lowest priority number; the others are failovers.
    Priority,
}

/// How endpoints are probed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub struct Monitor {
    protocol: MonitorProtocol,
    port: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    interval_seconds: u32,
}

/// The protocol of the health probe, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MonitorProtocol {
    /// `GET path` over HTTP; 200 is healthy.
    #[serde(rename = "HTTP")]
    Http,
    /// `GET path` over HTTPS; 200 is healthy.
    #[serde(rename = "HTTPS")]
    Https,
    /// A TCP connection on the port.
    #[serde(rename = "TCP")]
    Tcp,
}

impl Monitor {
    /// Probes `GET path` over HTTPS on port 443 every 30 seconds.
    pub fn https(path: impl Into<String>) -> Self {
        Self { protocol: MonitorProtocol::Https, port: 443, path: Some(path.into()), interval_seconds: 30 }
    }

    /// Probes `GET path` over HTTP on port 80 every 30 seconds.
    pub fn http(path: impl Into<String>) -> Self {
        Self { protocol: MonitorProtocol::Http, port: 80, path: Some(path.into()), interval_seconds: 30 }
    }

    /// Probes a TCP connection on `port` every 30 seconds.
    pub fn tcp(port: u32) -> Self {
        Self { protocol: MonitorProtocol::Tcp, port, path: None, interval_seconds: 30 }
    }

    /// Probes on another port.
    pub fn port(mut self, port: u32) -> Self {
        self.port = port;
        self
    }

    /// Probes every 10 seconds (fast probing, billed extra) or every 30.
    pub fn interval_seconds(mut self, seconds: u32) -> Self {
        self.interval_seconds = seconds;
        self
    }
}

/// Whether an endpoint takes traffic, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EndpointStatus {
    /// Answered in DNS responses (when healthy).
    Enabled,
    /// Kept in the profile, never answered.
    Disabled,
}

/// One endpoint of a profile: an external host name or IP address, or an Azure resource, with
/// a weight and, optionally, a priority.
#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<Val<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_resource_id: Option<Val<String>>,
    weight: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<u32>,
    status: EndpointStatus,
}

impl Endpoint {
    /// An enabled external endpoint called `name`, answering with `target` (a host name such as
    /// a cluster ingress's, or an IP address), of weight 1.
    pub fn external(name: impl Into<String>, target: impl Into<Val<String>>) -> Self {
        Self {
            name: name.into(),
            kind: "ExternalEndpoints",
            target: Some(target.into()),
            target_resource_id: None,
            weight: 1,
            priority: None,
            status: EndpointStatus::Enabled,
        }
    }

    /// An enabled Azure endpoint called `name`: the Azure resource with ARM id `resource_id` (a
    /// public IP address with a DNS name, an App Service…), whose DNS name Traffic Manager
    /// answers with, of weight 1.
    pub fn azure(name: impl Into<String>, resource_id: impl Into<Val<String>>) -> Self {
        Self {
            kind: "AzureEndpoints",
            target: None,
            target_resource_id: Some(resource_id.into()),
            ..Self::external(name, "")
        }
    }

    /// Sets the priority, 1 to 1000, lower first (priority routing). Set on every endpoint of
    /// a profile or on none (ARM then numbers them in order); no two share one.
    pub fn priority(mut self, priority: u32) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Sets the weight, 1 to 1000: the share of traffic is the weight over the sum of the
    /// enabled healthy endpoints' weights.
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// Enables or disables the endpoint; a disabled one keeps its settings and takes no traffic.
    pub fn enabled(mut self, on: bool) -> Self {
        self.status = if on { EndpointStatus::Enabled } else { EndpointStatus::Disabled };
        self
    }

    /// The endpoint's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the endpoint takes traffic.
    pub fn is_enabled(&self) -> bool {
        self.status == EndpointStatus::Enabled
    }
}

impl TrafficManagerProfile {
    /// A weighted profile called `name` (also its DNS name under `trafficmanager.net`, unless
    /// set with [`dns_name`](Self::dns_name)) in `group`, addressed as
    /// `azure_traffic_manager_profile.<local>`, with no endpoint yet.
    pub fn new(local: &str, name: impl Into<String>, group: &ResourceGroup) -> Self {
        let name = name.into();
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            fqdn: Computed::new(),
            profile_status: Computed::new(),
            dns_relative_name: name.to_ascii_lowercase(),
            name,
            resource_group: group.name().into(),
            routing_method: RoutingMethod::Weighted,
            ttl: 30,
            monitor: Monitor::https("/healthz"),
            endpoints: Vec::new(),
            tags: BTreeMap::new(),
        }
    }

    /// The endpoints, in the order added.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }
}

const PROFILE_NAME: NameRules =
    NameRules { len: (1, 63), uppercase: true, punctuation: &['-', '_', '.'], starts_with_letter: false };
const DNS_NAME: NameRules =
    NameRules { len: (1, 63), uppercase: false, punctuation: &['-'], starts_with_letter: false };
const ENDPOINT_NAME: NameRules =
    NameRules { len: (1, 260), uppercase: true, punctuation: &['-', '_', '.'], starts_with_letter: false };

fn validate_monitor(p: &mut FieldProblems<'_>, monitor: &Monitor) {
    if !(1..=65_535).contains(&monitor.port) {
        p.field("monitor.port", format!("must be a port from 1 to 65535, got {}", monitor.port));
    }
    match (monitor.protocol, &monitor.path) {
        (MonitorProtocol::Tcp, Some(_)) => p.field("monitor.path", "a TCP probe has no path"),
        (MonitorProtocol::Http | MonitorProtocol::Https, None) => {
            p.field("monitor.path", "an HTTP(S) probe needs a path such as `/healthz`")
        }
        (MonitorProtocol::Http | MonitorProtocol::Https, Some(path)) if !path.starts_with('/') => {
            p.field("monitor.path", format!("`{path}` must start with `/`"))
        }
        _ => {}
    }
    if ![10, 30].contains(&monitor.interval_seconds) {
        p.field("monitor.interval_seconds", format!("must be 10 or 30 seconds, got {}", monitor.interval_seconds));
    }
}

fn validate_endpoints(p: &mut FieldProblems<'_>, endpoints: &[Endpoint]) {
    if endpoints.len() > MAX_ENDPOINTS {
        p.field("endpoints", format!("a profile holds at most {MAX_ENDPOINTS} endpoints, got {}", endpoints.len()));
    }
    if !endpoints.is_empty() && !endpoints.iter().any(Endpoint::is_enabled) {
        p.field("endpoints", "every endpoint is disabled: the profile would answer no query");
    }
    let with_priority = endpoints.iter().filter(|e| e.priority.is_some()).count();
    if with_priority != 0 && with_priority != endpoints.len() {
        p.field("endpoints", "set a priority on every endpoint or on none");
    }
    let mut seen = BTreeSet::new();
    let mut priorities = BTreeSet::new();
    for (i, e) in endpoints.iter().enumerate() {
        let at = |field: &str| format!("endpoints[{i}].{field}");
        for message in check::name_problems(&e.name, &ENDPOINT_NAME) {
            p.field(&at("name"), message);
        }
        if !seen.insert(e.name.to_ascii_lowercase()) {
            p.field(&at("name"), format!("endpoint `{}` is listed twice", e.name));
        }
        if let Some(Val::Known(target)) = &e.target
            && (target.is_empty() || target.contains(char::is_whitespace) || target.contains("://"))
        {
            p.field(&at("target"), format!("`{target}` is not a host name or IP address"));
        }
        if let Some(Val::Known(id)) = &e.target_resource_id
            && !id.to_ascii_lowercase().starts_with("/subscriptions/")
        {
            p.field(&at("target_resource_id"), format!("`{id}` is not an ARM resource id (`/subscriptions/…`)"));
        }
        if !(1..=MAX_WEIGHT).contains(&e.weight) {
            p.field(&at("weight"), format!("must be 1 to {MAX_WEIGHT}, got {}", e.weight));
        }
        if let Some(priority) = e.priority {
            if !(1..=MAX_PRIORITY).contains(&priority) {
                p.field(&at("priority"), format!("must be 1 to {MAX_PRIORITY}, got {priority}"));
            } else if !priorities.insert(priority) {
                p.field(&at("priority"), format!("priority {priority} is taken by another endpoint"));
            }
        }
    }
}

impl TrafficManagerProfile {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::name_problems(&self.name, &PROFILE_NAME) {
            p.field("name", message);
        }
        for message in check::name_problems(&self.dns_relative_name, &DNS_NAME) {
            p.field("dns_relative_name", message);
        }
        check::resource_group(p, "resource_group", &self.resource_group);
        if self.ttl > i32::MAX as u32 {
            p.field("ttl", format!("must be at most {} seconds, got {}", i32::MAX, self.ttl));
        }
        validate_monitor(p, &self.monitor);
        validate_endpoints(p, &self.endpoints);
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_no_problem, assert_problem, attrs, problems};

    fn rg() -> ResourceGroup {
        ResourceGroup::new("main", "rg-quikapp-live", "westeurope")
    }

    fn blue_green() -> TrafficManagerProfile {
        TrafficManagerProfile::new("edge", "tm-quikapp-live", &rg())
            .endpoint(Endpoint::external("blue", "origin-blue.live.quikapp.com"))
            .endpoint(Endpoint::external("green", "origin-green.live.quikapp.com").enabled(false))
    }

    #[test]
    fn a_blue_green_profile_serializes_to_its_attributes() {
        assert_eq!(
            attrs(&blue_green()),
            json!({
                "name": "tm-quikapp-live",
                "resource_group": {"$ref": "azure_resource_group.main.name"},
                "dns_relative_name": "tm-quikapp-live",
                "routing_method": "Weighted",
                "ttl": 30,
                "monitor": {"protocol": "HTTPS", "port": 443, "path": "/healthz", "interval_seconds": 30},
                "endpoints": [
                    {"name": "blue", "type": "ExternalEndpoints", "target": "origin-blue.live.quikapp.com",
                     "weight": 1, "status": "Enabled"},
                    {"name": "green", "type": "ExternalEndpoints", "target": "origin-green.live.quikapp.com",
                     "weight": 1, "status": "Disabled"}
                ]
            })
        );
        assert!(problems(blue_green()).is_empty(), "{:?}", problems(blue_green()));
        let profile = blue_green();
        let green = &profile.endpoints()[1];
        assert_eq!((green.name(), green.is_enabled()), ("green", false));
    }

    #[test]
    fn endpoints_are_checked() {
        let profile = TrafficManagerProfile::new("edge", "tm", &rg())
            .endpoint(Endpoint::external("stable", "https://stable.example.com").weight(0))
            .endpoint(Endpoint::external("Stable", "").weight(1001));
        let found = problems(profile);
        assert_problem(&found, "endpoints[0].target", "not a host name");
        assert_problem(&found, "endpoints[0].weight", "1 to 1000, got 0");
        assert_problem(&found, "endpoints[1].name", "listed twice");
        assert_problem(&found, "endpoints[1].target", "not a host name");
        assert_problem(&found, "endpoints[1].weight", "got 1001");
        let dark = TrafficManagerProfile::new("edge", "tm", &rg())
            .endpoint(Endpoint::external("blue", "blue.example.com").enabled(false));
        assert_problem(&problems(dark), "endpoints", "every endpoint is disabled");
        let canary = TrafficManagerProfile::new("edge", "tm", &rg())
            .endpoint(Endpoint::external("stable", "stable.example.com").weight(90))
            .endpoint(Endpoint::external("canary", "canary.example.com").weight(10));
        assert!(problems(canary).is_empty());
    }

    #[test]
    fn priority_routing_and_azure_endpoints() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ingress-blue";
        let profile = TrafficManagerProfile::new("edge", "tm", &rg())
            .routing(RoutingMethod::Priority)
            .endpoint(Endpoint::azure("blue", id).priority(1))
            .endpoint(Endpoint::external("green", "origin-green.example.com").priority(2).enabled(false));
        assert!(problems(profile.clone()).is_empty(), "{:?}", problems(profile.clone()));
        let a = attrs(&profile);
        assert_eq!(a["routing_method"], "Priority");
        assert_eq!(
            a["endpoints"][0],
            json!({"name": "blue", "type": "AzureEndpoints", "target_resource_id": id, "weight": 1, "priority": 1, "status": "Enabled"})
        );
        assert_eq!(a["endpoints"][1]["priority"], 2);
        let found = problems(
            TrafficManagerProfile::new("edge", "tm", &rg())
                .routing(RoutingMethod::Priority)
                .endpoint(Endpoint::azure("a", "ingress-blue").priority(1))
                .endpoint(Endpoint::external("b", "b.example.com").priority(1))
                .endpoint(Endpoint::external("c", "c.example.com").priority(1001))
                .endpoint(Endpoint::external("d", "d.example.com")),
        );
        assert_problem(&found, "endpoints", "every endpoint or on none");
        assert_problem(&found, "endpoints[0].target_resource_id", "not an ARM resource id");
        assert_problem(&found, "endpoints[1].priority", "priority 1 is taken");
        assert_problem(&found, "endpoints[2].priority", "1 to 1000, got 1001");
    }

    #[test]
    fn names_and_probes_are_checked() {
        let profile = TrafficManagerProfile::new("edge", "tm quikapp", &rg())
            .dns_name("QuikApp")
            .monitor(Monitor::tcp(0).interval_seconds(20))
            .endpoint(Endpoint::external("blue", "10.0.0.4"));
        let found = problems(profile);
        assert_problem(&found, "name", "may only hold");
        assert_problem(&found, "dns_relative_name", "lowercase letters");
        assert_problem(&found, "monitor.port", "got 0");
        assert_problem(&found, "monitor.interval_seconds", "10 or 30");
        assert_no_problem(&found, "monitor.path");
        let found = problems(TrafficManagerProfile::new("edge", "tm", &rg()).monitor(Monitor::http("healthz")));
        assert_problem(&found, "monitor.path", "must start with `/`");
    }

    #[test]
    fn schema_and_accessors() {
        let profile = blue_green();
        assert_eq!(
            serde_json::to_value(profile.fqdn()).unwrap(),
            json!({"$ref": "azure_traffic_manager_profile.edge.fqdn"})
        );
        assert_eq!(
            serde_json::to_value(profile.id()).unwrap(),
            json!({"$ref": "azure_traffic_manager_profile.edge.id"})
        );
        let schema = TrafficManagerProfile::schema();
        assert!(schema.has_tags());
        for name in ["name", "resource_group", "dns_relative_name"] {
            assert!(schema.attr(name).unwrap().force_new, "{name}");
        }
        for name in ["endpoints", "ttl", "monitor", "routing_method"] {
            assert!(!schema.attr(name).unwrap().force_new, "{name}");
        }
    }
}
