//! The resource types the emulator serves: their API versions, paths and ARM type names, how
//! each answers writes (synchronously or as a long-running operation, with which headers), and
//! how a request body becomes the stored body: defaults and computed properties filled as in the
//! official example payloads, write-only secrets dropped, and properties that cannot change in
//! place refused with 400.

use serde_json::{Map, Value, json};

/// A resource type served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    ResourceGroup,
    ManagedCluster,
    MySqlServer,
    RedisCluster,
    RedisDatabase,
    EventHubNamespace,
    EventHub,
    TrafficManagerProfile,
    /// An endpoint of a profile, kept inline in the profile's body.
    TrafficManagerEndpoint(EndpointType),
    PublicIpAddress,
}

/// The three kinds of Traffic Manager endpoint, each its own child type in ARM ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndpointType {
    External,
    Azure,
    Nested,
}

impl EndpointType {
    const ALL: [EndpointType; 3] = [EndpointType::External, EndpointType::Azure, EndpointType::Nested];

    /// The path segment naming it, in canonical case.
    pub fn segment(self) -> &'static str {
        match self {
            EndpointType::External => "externalEndpoints",
            EndpointType::Azure => "azureEndpoints",
            EndpointType::Nested => "nestedEndpoints",
        }
    }

    /// The type named by a path segment or by the last segment of an ARM type, any case.
    pub fn parse(name: &str) -> Option<Self> {
        let segment = name.rsplit('/').next().unwrap_or(name);
        Self::ALL.into_iter().find(|t| t.segment().eq_ignore_ascii_case(segment))
    }

    /// The `type` of its bodies.
    pub fn arm_type(self) -> String {
        format!("Microsoft.Network/trafficManagerProfiles/{}", self.segment())
    }
}

/// What a write does to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    Create,
    Update,
    Patch,
    Delete,
}

/// Where a resource is in its lifecycle, as `provisioningState` (and friends) show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Creating,
    Updating,
    Deleting,
    Succeeded,
    Failed,
}

/// How a write is answered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    /// The status of the first answer.
    pub status: u16,
    /// Whether it runs as a long-running operation.
    pub lro: bool,
    /// Whether the first answer carries the resource body.
    pub body: bool,
    /// Whether it carries `Azure-AsyncOperation`.
    pub async_op: bool,
    /// Whether it carries `Location`.
    pub location: bool,
}

const fn sync(status: u16) -> Style {
    Style { status, lro: false, body: true, async_op: false, location: false }
}
const fn lro(status: u16, body: bool, async_op: bool, location: bool) -> Style {
    Style { status, lro: true, body, async_op, location }
}

/// A request the type refuses.
#[derive(Clone, Debug)]
pub(crate) struct Invalid {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub target: Option<String>,
}

fn invalid(code: &'static str, message: impl Into<String>, target: &str) -> Invalid {
    Invalid { status: 400, code, message: message.into(), target: Some(target.to_string()) }
}

fn cannot_change(target: &str) -> Invalid {
    invalid("PropertyChangeNotAllowed", format!("Changing property '{target}' is not allowed."), target)
}

/// What a body is filled with besides itself.
pub(crate) struct Ctx<'a> {
    pub id: &'a str,
    pub subscription: &'a str,
    pub resource_group: &'a str,
    pub name: &'a str,
    /// The parent's stored body, for child resources.
    pub parent: Option<&'a Value>,
    pub now: &'a str,
}

impl Kind {
    /// The kind at `providers/<namespace>/<type>[/<name>/<child>]`.
    pub fn lookup(namespace: &str, ty: &str, child: Option<&str>) -> Option<Kind> {
        let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let top = match () {
            _ if is(namespace, "Microsoft.ContainerService") && is(ty, "managedClusters") => Kind::ManagedCluster,
            _ if is(namespace, "Microsoft.DBforMySQL") && is(ty, "flexibleServers") => Kind::MySqlServer,
            _ if is(namespace, "Microsoft.Cache") && is(ty, "redisEnterprise") => Kind::RedisCluster,
            _ if is(namespace, "Microsoft.EventHub") && is(ty, "namespaces") => Kind::EventHubNamespace,
            _ if is(namespace, "Microsoft.Network") && is(ty, "trafficManagerProfiles") => Kind::TrafficManagerProfile,
            _ if is(namespace, "Microsoft.Network") && is(ty, "publicIPAddresses") => Kind::PublicIpAddress,
            _ => return None,
        };
        match (top, child) {
            (_, None) => Some(top),
            (Kind::RedisCluster, Some(c)) if is(c, "databases") => Some(Kind::RedisDatabase),
            (Kind::EventHubNamespace, Some(c)) if is(c, "eventhubs") => Some(Kind::EventHub),
            (Kind::TrafficManagerProfile, Some(c)) => EndpointType::parse(c).map(Kind::TrafficManagerEndpoint),
            _ => None,
        }
    }

    /// The one API version the emulator accepts for the type.
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::ResourceGroup => "2024-03-01",
            Kind::ManagedCluster => "2026-07-01",
            Kind::MySqlServer => "2024-12-30",
            Kind::RedisCluster | Kind::RedisDatabase => "2025-07-01",
            Kind::EventHubNamespace | Kind::EventHub => "2024-01-01",
            Kind::TrafficManagerProfile | Kind::TrafficManagerEndpoint(_) => "2022-04-01",
            Kind::PublicIpAddress => "2024-07-01",
        }
    }

    /// The resource provider namespace (`Microsoft.Resources` for groups).
    pub fn namespace(self) -> &'static str {
        match self {
            Kind::ResourceGroup => "Microsoft.Resources",
            Kind::ManagedCluster => "Microsoft.ContainerService",
            Kind::MySqlServer => "Microsoft.DBforMySQL",
            Kind::RedisCluster | Kind::RedisDatabase => "Microsoft.Cache",
            Kind::EventHubNamespace | Kind::EventHub => "Microsoft.EventHub",
            Kind::TrafficManagerProfile | Kind::TrafficManagerEndpoint(_) | Kind::PublicIpAddress => {
                "Microsoft.Network"
            }
        }
    }

    /// The path segment naming the type, in canonical case.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::ResourceGroup => "resourceGroups",
            Kind::ManagedCluster => "managedClusters",
            Kind::MySqlServer => "flexibleServers",
            Kind::RedisCluster => "redisEnterprise",
            Kind::RedisDatabase => "databases",
            Kind::EventHubNamespace => "namespaces",
            Kind::EventHub => "eventhubs",
            Kind::TrafficManagerProfile => "trafficManagerProfiles",
            Kind::TrafficManagerEndpoint(t) => t.segment(),
            Kind::PublicIpAddress => "publicIPAddresses",
        }
    }

    /// The `type` property of bodies.
    pub fn arm_type(self) -> &'static str {
        if let Kind::TrafficManagerEndpoint(t) = self {
            return match t {
                EndpointType::External => "Microsoft.Network/trafficManagerProfiles/externalEndpoints",
                EndpointType::Azure => "Microsoft.Network/trafficManagerProfiles/azureEndpoints",
                EndpointType::Nested => "Microsoft.Network/trafficManagerProfiles/nestedEndpoints",
            };
        }
        match self {
            Kind::ResourceGroup => "Microsoft.Resources/resourceGroups",
            Kind::ManagedCluster => "Microsoft.ContainerService/managedClusters",
            Kind::MySqlServer => "Microsoft.DBforMySQL/flexibleServers",
            Kind::RedisCluster => "Microsoft.Cache/redisEnterprise",
            Kind::RedisDatabase => "Microsoft.Cache/redisEnterprise/databases",
            Kind::EventHubNamespace => "Microsoft.EventHub/Namespaces",
            Kind::EventHub => "Microsoft.EventHub/Namespaces/EventHubs",
            Kind::TrafficManagerProfile => "Microsoft.Network/trafficManagerProfiles",
            Kind::PublicIpAddress => "Microsoft.Network/publicIPAddresses",
            Kind::TrafficManagerEndpoint(_) => unreachable!("answered above"),
        }
    }

    /// Whether the type is a child of another resource.
    pub fn is_child(self) -> bool {
        matches!(self, Kind::RedisDatabase | Kind::EventHub | Kind::TrafficManagerEndpoint(_))
    }

    /// Whether bodies carry `eTag` (AKS does; the others only send the header).
    fn body_etag(self) -> bool {
        self == Kind::ManagedCluster
    }

    /// How a write is answered, after the example payloads and ARM's documented behaviour.
    pub fn style(self, verb: Verb) -> Style {
        use Verb::*;
        match (self, verb) {
            (Kind::ResourceGroup, Create) => sync(201),
            (Kind::ResourceGroup, Update | Patch) => sync(200),
            (Kind::ResourceGroup, Delete) => lro(202, false, false, true),
            // AKS: 201/200 with the body and Azure-AsyncOperation; delete 202 with both headers.
            (Kind::ManagedCluster, Create) => lro(201, true, true, false),
            (Kind::ManagedCluster, Update | Patch) => lro(200, true, true, false),
            (Kind::ManagedCluster, Delete) => lro(202, false, true, true),
            // MySQL: 202 with an empty body and both headers, for every write.
            (Kind::MySqlServer, _) => lro(202, false, true, true),
            // Redis: 201/200 with the body and Azure-AsyncOperation; delete gives Location only.
            (Kind::RedisCluster | Kind::RedisDatabase, Create) => lro(201, true, true, false),
            (Kind::RedisCluster | Kind::RedisDatabase, Update) => lro(200, true, true, false),
            (Kind::RedisCluster | Kind::RedisDatabase, Patch) => lro(202, false, true, true),
            (Kind::RedisCluster | Kind::RedisDatabase, Delete) => lro(202, false, false, true),
            (Kind::EventHubNamespace, Create) => lro(201, true, true, false),
            (Kind::EventHubNamespace, Update | Patch) => lro(200, true, true, false),
            (Kind::EventHubNamespace, Delete) => lro(202, false, true, false),
            (Kind::EventHub, Create | Update | Patch) => sync(200),
            (Kind::EventHub, Delete) => sync(200),
            // Traffic Manager: every write synchronous; DELETE 200 with `{}` (204 when absent).
            (Kind::TrafficManagerProfile | Kind::TrafficManagerEndpoint(_), Create) => sync(201),
            (Kind::TrafficManagerProfile | Kind::TrafficManagerEndpoint(_), _) => sync(200),
            // Public IPs: PUT 201/200 with the body and Azure-AsyncOperation (final state via it);
            // DELETE 202 with Location (the examples and the specification's LRO options).
            (Kind::PublicIpAddress, Create) => lro(201, true, true, false),
            (Kind::PublicIpAddress, Update | Patch) => lro(200, true, true, false),
            (Kind::PublicIpAddress, Delete) => lro(202, false, false, true),
        }
    }

    /// The body of a synchronous DELETE's 200, when the type's examples show one.
    pub fn delete_body(self) -> Option<Value> {
        matches!(self, Kind::TrafficManagerProfile | Kind::TrafficManagerEndpoint(_)).then(|| json!({}))
    }

    /// The code ARM answers with while another operation runs on the resource.
    pub fn busy_code(self) -> &'static str {
        match self {
            Kind::ManagedCluster => "OperationNotAllowed",
            _ => "Conflict",
        }
    }
}

/// Sets the lifecycle properties of a stored body.
pub(crate) fn set_phase(kind: Kind, body: &mut Value, phase: Phase) {
    let state = match phase {
        Phase::Creating => "Creating",
        Phase::Updating => "Updating",
        Phase::Deleting => "Deleting",
        Phase::Succeeded => "Succeeded",
        Phase::Failed => "Failed",
    };
    if matches!(kind, Kind::TrafficManagerProfile | Kind::TrafficManagerEndpoint(_)) {
        // Traffic Manager bodies have no provisioning state: every write is synchronous.
        return;
    }
    let props = properties(body);
    match kind {
        Kind::MySqlServer => {
            let s = match phase {
                Phase::Succeeded => "Ready",
                Phase::Deleting => "Dropping",
                Phase::Failed => "Disabled",
                _ => "Updating",
            };
            props.insert("state".into(), s.into());
        }
        Kind::RedisCluster | Kind::RedisDatabase => {
            props.insert("provisioningState".into(), state.into());
            let resource = match phase {
                Phase::Succeeded => "Running",
                Phase::Failed => "CreateFailed",
                _ => state,
            };
            props.insert("resourceState".into(), resource.into());
        }
        Kind::ManagedCluster => {
            props.insert("provisioningState".into(), state.into());
            if let Some(Value::Array(pools)) = props.get_mut("agentPoolProfiles") {
                for pool in pools.iter_mut().filter_map(Value::as_object_mut) {
                    pool.insert("provisioningState".into(), state.into());
                }
            }
        }
        _ => {
            props.insert("provisioningState".into(), state.into());
        }
    }
}

/// Puts the new ETag where the type shows it in bodies.
pub(crate) fn stamp_etag(kind: Kind, body: &mut Value, etag: &str) {
    if !kind.body_etag() {
        return;
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert("eTag".into(), etag.into());
    }
    if let Some(Value::Array(pools)) = properties(body).get_mut("agentPoolProfiles") {
        for (i, pool) in pools.iter_mut().enumerate() {
            if let Some(pool) = pool.as_object_mut() {
                pool.insert("eTag".into(), format!("{etag}-{i}").into());
            }
        }
    }
}

/// The `properties` object of a body, created when missing.
fn properties(body: &mut Value) -> &mut Map<String, Value> {
    if !body.is_object() {
        *body = json!({});
    }
    let obj = body.as_object_mut().expect("an object");
    let props = obj.entry("properties").or_insert_with(|| json!({}));
    if !props.is_object() {
        *props = json!({});
    }
    props.as_object_mut().expect("an object")
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn set_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_string(), value);
    }
}

/// `westeurope` → `West Europe` for the regions MySQL answers with display names.
fn display_region(location: &str) -> String {
    const REGIONS: &[(&str, &str)] = &[
        ("westeurope", "West Europe"),
        ("northeurope", "North Europe"),
        ("southeastasia", "Southeast Asia"),
        ("eastus", "East US"),
        ("eastus2", "East US 2"),
        ("westus", "West US"),
        ("westus2", "West US 2"),
        ("uksouth", "UK South"),
        ("germanywestcentral", "Germany West Central"),
    ];
    let key: String = location.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    REGIONS.iter().find(|(k, _)| *k == key).map_or_else(|| location.to_string(), |(_, d)| (*d).to_string())
}

fn same_region(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    norm(a) == norm(b)
}

/// A short stable hash, for generated host names.
fn short_hash(text: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in text.to_ascii_lowercase().bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

/// Turns a request body into the stored body of a `kind`, given what is stored now (`prior`).
pub(crate) fn fill(kind: Kind, ctx: &Ctx<'_>, prior: Option<&Value>, body: Value) -> Result<Value, Invalid> {
    let Value::Object(mut obj) = body else {
        return Err(Invalid {
            status: 400,
            code: "InvalidRequestContent",
            message: "The request content must be a JSON object.".into(),
            target: None,
        });
    };
    obj.insert("id".into(), ctx.id.into());
    obj.insert("type".into(), kind.arm_type().into());
    let name = match kind {
        Kind::RedisDatabase => {
            format!("{}/{}", str_at(ctx.parent.unwrap_or(&Value::Null), "/name").unwrap_or(""), ctx.name)
        }
        _ => ctx.name.to_string(),
    };
    obj.insert("name".into(), name.into());
    // Location: required on top-level resources, fixed once created.
    if !kind.is_child() {
        let given = obj.get("location").and_then(Value::as_str).map(str::to_string);
        let location = match (given, prior.and_then(|p| str_at(p, "/location"))) {
            (Some(l), Some(old)) if !same_region(&l, old) => {
                return Err(match kind {
                    Kind::ResourceGroup => Invalid {
                        status: 409,
                        code: "InvalidResourceGroupLocation",
                        message: format!(
                            "Invalid resource group location '{l}'. The Resource group already exists in location '{old}'."
                        ),
                        target: None,
                    },
                    _ => cannot_change("location"),
                });
            }
            (Some(l), _) => l,
            (None, Some(old)) => old.to_string(),
            (None, None) => {
                return Err(invalid(
                    "LocationRequired",
                    "The location property is required for this definition.",
                    "location",
                ));
            }
        };
        if kind == Kind::TrafficManagerProfile && !location.eq_ignore_ascii_case("global") {
            return Err(invalid(
                "LocationNotAvailableForResourceType",
                format!(
                    "The provided location '{location}' is not available for resource type 'Microsoft.Network/trafficManagerProfiles'. List of available regions for the resource type is 'global'."
                ),
                "location",
            ));
        }
        let shown = if kind == Kind::MySqlServer { display_region(&location) } else { location };
        obj.insert("location".into(), shown.into());
    } else if kind == Kind::EventHub
        && let Some(loc) = ctx.parent.and_then(|p| str_at(p, "/location"))
    {
        obj.insert("location".into(), loc.into());
    }
    let mut body = Value::Object(obj);
    match kind {
        Kind::ResourceGroup => {
            properties(&mut body);
        }
        Kind::ManagedCluster => fill_aks(ctx, prior, &mut body)?,
        Kind::MySqlServer => fill_mysql(ctx, prior, &mut body)?,
        Kind::RedisCluster => fill_redis(ctx, &mut body),
        Kind::RedisDatabase => fill_redis_db(prior, &mut body)?,
        Kind::EventHubNamespace => fill_namespace(ctx, prior, &mut body)?,
        Kind::EventHub => fill_eventhub(ctx, prior, &mut body)?,
        Kind::TrafficManagerProfile => fill_traffic_manager(ctx, prior, &mut body)?,
        Kind::PublicIpAddress => fill_public_ip(ctx, prior, &mut body)?,
        Kind::TrafficManagerEndpoint(_) => unreachable!("endpoints are written through their profile"),
    }
    Ok(body)
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn fill_aks(ctx: &Ctx<'_>, prior: Option<&Value>, body: &mut Value) -> Result<(), Invalid> {
    let location = str_at(body, "/location").unwrap_or_default().to_string();
    let has_service_principal = body.pointer("/properties/servicePrincipalProfile").is_some();
    let obj = body.as_object_mut().expect("an object");
    set_default(obj, "sku", json!({"name": "Base", "tier": "Free"}));
    match obj.get_mut("identity").and_then(Value::as_object_mut) {
        Some(identity)
            if identity.get("type").and_then(Value::as_str).is_some_and(|t| t.contains("SystemAssigned")) =>
        {
            identity.insert("principalId".into(), format!("principal-{}", short_hash(ctx.id)).into());
            identity.insert("tenantId".into(), "00000000-0000-0000-0000-00000000cafe".into());
        }
        Some(_) => {}
        None if !has_service_principal => {
            return Err(invalid(
                "InvalidParameter",
                "The cluster needs a managed identity or a service principal profile.",
                "identity",
            ));
        }
        None => {}
    }
    let prior_props = prior.and_then(|p| p.get("properties")).cloned().unwrap_or(Value::Null);
    let props = properties(body);
    // DNS prefix: required, fixed.
    let dns = props.get("dnsPrefix").and_then(Value::as_str).map(str::to_string);
    let dns = match (dns, prior_props.get("dnsPrefix").and_then(Value::as_str)) {
        (Some(d), Some(old)) if d != old => return Err(cannot_change("dnsPrefix")),
        (Some(d), _) => d,
        (None, Some(old)) => old.to_string(),
        (None, None) => format!("{}-dns", ctx.name),
    };
    props.insert("dnsPrefix".into(), dns.clone().into());
    // Kubernetes version: default, no downgrade, one minor step at a time.
    let version = props.get("kubernetesVersion").and_then(Value::as_str).filter(|v| !v.is_empty()).map(str::to_string);
    let old_version = prior_props.get("kubernetesVersion").and_then(Value::as_str).map(str::to_string);
    let version = version.or(old_version.clone()).unwrap_or_else(|| "1.33".to_string());
    let Some((major, minor)) = parse_version(&version) else {
        return Err(invalid(
            "InvalidParameter",
            format!("Kubernetes version '{version}' is not valid."),
            "kubernetesVersion",
        ));
    };
    if let Some((old_major, old_minor)) = old_version.as_deref().and_then(parse_version)
        && (major != old_major || minor < old_minor || minor > old_minor + 1)
    {
        return Err(invalid(
            "OperationNotAllowed",
            format!(
                "Upgrading Kubernetes from {} to {version} is not allowed: upgrade one minor version at a time, never down.",
                old_version.unwrap_or_default()
            ),
            "kubernetesVersion",
        ));
    }
    let current = if version.split('.').count() == 2 { format!("{version}.4") } else { version.clone() };
    props.insert("kubernetesVersion".into(), version.clone().into());
    props.insert("currentKubernetesVersion".into(), current.clone().into());
    // Pools.
    let prior_pools: Vec<Value> =
        prior_props.get("agentPoolProfiles").and_then(Value::as_array).cloned().unwrap_or_default();
    let Some(Value::Array(pools)) = props.get_mut("agentPoolProfiles") else {
        return Err(invalid("InvalidParameter", "At least one agent pool is required.", "agentPoolProfiles"));
    };
    if pools.is_empty() {
        return Err(invalid("InvalidParameter", "At least one agent pool is required.", "agentPoolProfiles"));
    }
    let mut system = false;
    for (i, pool) in pools.iter_mut().enumerate() {
        let Some(pool) = pool.as_object_mut() else {
            return Err(invalid("InvalidParameter", "An agent pool must be an object.", "agentPoolProfiles"));
        };
        let target = |f: &str| format!("agentPoolProfiles[{i}].{f}");
        let name = pool.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        if name.is_empty() || name.len() > 12 || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err(invalid(
                "InvalidParameter",
                format!("Agent pool name '{name}' is not valid."),
                &target("name"),
            ));
        }
        let Some(vm_size) = pool.get("vmSize").and_then(Value::as_str).map(str::to_string) else {
            return Err(invalid("InvalidParameter", "vmSize is required.", &target("vmSize")));
        };
        set_default(pool, "mode", "User".into());
        system |= pool.get("mode").and_then(Value::as_str) == Some("System");
        let autoscale = pool.get("enableAutoScaling").and_then(Value::as_bool).unwrap_or(false);
        if autoscale {
            let min = pool.get("minCount").and_then(Value::as_u64);
            let max = pool.get("maxCount").and_then(Value::as_u64);
            match (min, max) {
                (Some(a), Some(b)) if a <= b => {
                    let count = pool.get("count").and_then(Value::as_u64).unwrap_or(a).clamp(a, b.max(a));
                    pool.insert("count".into(), count.into());
                }
                _ => {
                    return Err(invalid(
                        "InvalidParameter",
                        "With the autoscaler on, minCount and maxCount are required and minCount must not exceed maxCount.",
                        &target("minCount"),
                    ));
                }
            }
        } else {
            pool.remove("minCount");
            pool.remove("maxCount");
            set_default(pool, "count", 1.into());
        }
        if let Some(old) = prior_pools.iter().find(|p| str_at(p, "/name") == Some(name.as_str())) {
            if str_at(old, "/vmSize") != Some(vm_size.as_str()) {
                return Err(cannot_change(&target("vmSize")));
            }
            let zones = |v: &Value| v.get("availabilityZones").cloned().unwrap_or(json!([]));
            if zones(old) != pool.get("availabilityZones").cloned().unwrap_or(json!([])) {
                return Err(cannot_change(&target("availabilityZones")));
            }
        }
        set_default(pool, "type", "VirtualMachineScaleSets".into());
        set_default(pool, "osType", "Linux".into());
        set_default(pool, "maxPods", 110.into());
        set_default(pool, "enableNodePublicIP", false.into());
        pool.insert("orchestratorVersion".into(), version.clone().into());
        pool.insert("currentOrchestratorVersion".into(), current.clone().into());
        pool.insert("nodeImageVersion".into(), "AKSUbuntu-2204gen2containerd-202611.01.0".into());
        pool.insert("powerState".into(), json!({"code": "Running"}));
    }
    if !system {
        return Err(invalid(
            "InvalidParameter",
            "A cluster needs at least one System mode agent pool.",
            "agentPoolProfiles",
        ));
    }
    // Network: defaults as in the examples; plugin and ranges fixed at creation.
    set_default(props, "networkProfile", json!({}));
    let old_net = prior_props.get("networkProfile").cloned().unwrap_or(Value::Null);
    let net = props.get_mut("networkProfile").and_then(Value::as_object_mut).expect("an object");
    set_default(net, "networkPlugin", "kubenet".into());
    let plugin = net.get("networkPlugin").and_then(Value::as_str).unwrap_or_default().to_string();
    let overlay = net.get("networkPluginMode").and_then(Value::as_str) == Some("overlay");
    if plugin == "kubenet" || overlay {
        set_default(net, "podCidr", "10.244.0.0/16".into());
        let pod = net["podCidr"].clone();
        net.insert("podCidrs".into(), json!([pod]));
    }
    set_default(net, "serviceCidr", "10.0.0.0/16".into());
    set_default(net, "dnsServiceIP", "10.0.0.10".into());
    let service = net["serviceCidr"].clone();
    net.insert("serviceCidrs".into(), json!([service]));
    set_default(net, "loadBalancerSku", "standard".into());
    set_default(net, "outboundType", "loadBalancer".into());
    set_default(net, "ipFamilies", json!(["IPv4"]));
    set_default(
        net,
        "loadBalancerProfile",
        json!({"managedOutboundIPs": {"count": 1}, "allocatedOutboundPorts": 0, "idleTimeoutInMinutes": 30}),
    );
    if old_net.is_object() {
        for field in ["networkPlugin", "networkPluginMode", "podCidr", "serviceCidr", "dnsServiceIP"] {
            if old_net.get(field) != net.get(field) {
                return Err(cannot_change(&format!("networkProfile.{field}")));
            }
        }
    }
    if let Some(aad) = props.get_mut("aadProfile").and_then(Value::as_object_mut) {
        set_default(aad, "managed", true.into());
        set_default(aad, "enableAzureRBAC", false.into());
        set_default(aad, "adminGroupObjectIDs", json!([]));
        set_default(aad, "tenantID", "00000000-0000-0000-0000-00000000cafe".into());
    }
    set_default(props, "enableRBAC", true.into());
    set_default(props, "supportPlan", "KubernetesOfficial".into());
    let hash = short_hash(ctx.id);
    let region = location.to_ascii_lowercase().replace(' ', "");
    props.insert("fqdn".into(), format!("{dns}-{hash}.hcp.{region}.azmk8s.io").into());
    props.insert("azurePortalFQDN".into(), format!("{dns}-{hash}.portal.hcp.{region}.azmk8s.io").into());
    let node_rg = prior_props
        .get("nodeResourceGroup")
        .cloned()
        .unwrap_or_else(|| format!("MC_{}_{}_{region}", ctx.resource_group, ctx.name).into());
    props.insert("nodeResourceGroup".into(), node_rg);
    props.insert("maxAgentPools".into(), 100.into());
    // Write-only secrets are never returned.
    if let Some(sp) = props.get_mut("servicePrincipalProfile").and_then(Value::as_object_mut) {
        sp.remove("secret");
    }
    if let Some(win) = props.get_mut("windowsProfile").and_then(Value::as_object_mut) {
        win.remove("adminPassword");
    }
    Ok(())
}

const MYSQL_VERSIONS: [&str; 3] = ["5.7", "8.0.21", "8.4"];

fn fill_mysql(ctx: &Ctx<'_>, prior: Option<&Value>, body: &mut Value) -> Result<(), Invalid> {
    let obj = body.as_object_mut().expect("an object");
    let sku = obj.get("sku").cloned().or_else(|| prior.and_then(|p| p.get("sku")).cloned());
    let Some(sku) = sku else {
        return Err(invalid("InvalidParameterValue", "The sku is required.", "sku"));
    };
    let (sku_name, tier) = (str_at(&sku, "/name").unwrap_or_default(), str_at(&sku, "/tier").unwrap_or_default());
    let prefix = match tier {
        "Burstable" => "Standard_B",
        "GeneralPurpose" => "Standard_D",
        "MemoryOptimized" => "Standard_E",
        _ => return Err(invalid("InvalidParameterValue", format!("The sku tier '{tier}' is not valid."), "sku.tier")),
    };
    if !sku_name.starts_with(prefix) {
        return Err(invalid(
            "InvalidParameterValue",
            format!("The sku '{sku_name}' does not belong to the {tier} tier."),
            "sku.name",
        ));
    }
    obj.insert("sku".into(), sku.clone());
    let prior_props = prior.and_then(|p| p.get("properties")).cloned().unwrap_or(Value::Null);
    let props = properties(body);
    let login = props.get("administratorLogin").and_then(Value::as_str).map(str::to_string);
    match (login, prior_props.get("administratorLogin").and_then(Value::as_str)) {
        (Some(l), Some(old)) if l != old => return Err(cannot_change("administratorLogin")),
        (None, None) => {
            return Err(invalid("InvalidParameterValue", "administratorLogin is required.", "administratorLogin"));
        }
        _ => {}
    }
    if prior.is_none() && props.get("administratorLoginPassword").is_none_or(Value::is_null) {
        return Err(invalid(
            "InvalidParameterValue",
            "administratorLoginPassword is required.",
            "administratorLoginPassword",
        ));
    }
    props.remove("administratorLoginPassword");
    set_default(props, "version", "8.0.21".into());
    let version = props.get("version").and_then(Value::as_str).unwrap_or_default().to_string();
    let rank = |v: &str| MYSQL_VERSIONS.iter().position(|x| *x == v);
    let Some(new_rank) = rank(&version) else {
        return Err(invalid(
            "InvalidParameterValue",
            format!("MySQL version '{version}' is not supported."),
            "version",
        ));
    };
    if let Some(old_rank) = prior_props.get("version").and_then(Value::as_str).and_then(rank)
        && new_rank < old_rank
    {
        return Err(invalid("InvalidParameterValue", "A MySQL server cannot be downgraded.", "version"));
    }
    set_default(props, "storage", json!({}));
    let old_size = prior_props.pointer("/storage/storageSizeGB").and_then(Value::as_u64);
    let storage = props.get_mut("storage").and_then(Value::as_object_mut).expect("an object");
    set_default(storage, "storageSizeGB", 20.into());
    let size = storage.get("storageSizeGB").and_then(Value::as_u64).unwrap_or(20);
    if let Some(old) = old_size
        && size < old
    {
        return Err(invalid(
            "InvalidStorageSize",
            format!("Storage cannot shrink: the server has {old} GB, {size} GB was asked."),
            "storage.storageSizeGB",
        ));
    }
    set_default(storage, "iops", 360.into());
    set_default(storage, "autoGrow", "Enabled".into());
    set_default(storage, "autoIoScaling", "Disabled".into());
    set_default(storage, "logOnDisk", "Disabled".into());
    set_default(storage, "storageRedundancy", "LocalRedundancy".into());
    set_default(storage, "storageSku", "Premium_LRS".into());
    set_default(props, "backup", json!({}));
    let backup = props.get_mut("backup").and_then(Value::as_object_mut).expect("an object");
    set_default(backup, "backupRetentionDays", 7.into());
    let days = backup.get("backupRetentionDays").and_then(Value::as_u64).unwrap_or(7);
    if !(1..=35).contains(&days) {
        return Err(invalid("InvalidParameterValue", "Backups are kept 1 to 35 days.", "backup.backupRetentionDays"));
    }
    set_default(backup, "backupIntervalHours", 24.into());
    set_default(backup, "geoRedundantBackup", "Disabled".into());
    backup.insert("earliestRestoreDate".into(), ctx.now.into());
    set_default(props, "highAvailability", json!({}));
    let ha = props.get_mut("highAvailability").and_then(Value::as_object_mut).expect("an object");
    set_default(ha, "mode", "Disabled".into());
    let mode = ha.get("mode").and_then(Value::as_str).unwrap_or_default().to_string();
    if mode != "Disabled" && tier == "Burstable" {
        return Err(invalid(
            "InvalidParameterValue",
            "High availability is not supported in the Burstable tier.",
            "highAvailability.mode",
        ));
    }
    let (state, standby) = match mode.as_str() {
        "Disabled" => ("NotEnabled", ""),
        "SameZone" => ("Healthy", "1"),
        _ => ("Healthy", "2"),
    };
    ha.insert("state".into(), state.into());
    ha.insert("standbyAvailabilityZone".into(), standby.into());
    let full = match version.as_str() {
        "5.7" => "5.7.44",
        "8.4" => "8.4.3",
        _ => "8.0.40",
    };
    props.insert("fullVersion".into(), full.into());
    set_default(props, "availabilityZone", "1".into());
    props.insert("databasePort".into(), 3306.into());
    props.insert("fullyQualifiedDomainName".into(), format!("{}.mysql.database.azure.com", ctx.name).into());
    set_default(
        props,
        "maintenanceWindow",
        json!({"batchOfMaintenance": "Default", "customWindow": "Disabled", "dayOfWeek": 0, "startHour": 0, "startMinute": 0}),
    );
    set_default(props, "maintenancePolicy", json!({"patchStrategy": "Regular"}));
    set_default(props, "network", json!({"publicNetworkAccess": "Enabled"}));
    props.insert("replicaCapacity".into(), 10.into());
    props.insert("replicationRole".into(), "None".into());
    set_default(props, "createMode", "Default".into());
    props.remove("createMode");
    Ok(())
}

fn fill_redis(ctx: &Ctx<'_>, body: &mut Value) {
    let location = str_at(body, "/location").unwrap_or_default().to_ascii_lowercase().replace(' ', "");
    let obj = body.as_object_mut().expect("an object");
    obj.insert("kind".into(), "v2".into());
    set_default(obj, "tags", json!({}));
    let props = properties(body);
    props.insert("hostName".into(), format!("{}.{location}.redis.azure.net", ctx.name).into());
    props.insert("redisVersion".into(), "7.4".into());
    set_default(props, "minimumTlsVersion", "1.2".into());
    set_default(props, "highAvailability", "Enabled".into());
    set_default(props, "publicNetworkAccess", "Enabled".into());
    set_default(props, "encryption", json!({}));
    set_default(props, "privateEndpointConnections", json!([]));
}

fn fill_redis_db(prior: Option<&Value>, body: &mut Value) -> Result<(), Invalid> {
    let prior_props = prior.and_then(|p| p.get("properties")).cloned().unwrap_or(Value::Null);
    let props = properties(body);
    set_default(props, "clientProtocol", "Encrypted".into());
    set_default(props, "clusteringPolicy", "OSSCluster".into());
    set_default(props, "evictionPolicy", "VolatileLRU".into());
    set_default(props, "port", 10000.into());
    set_default(props, "modules", json!([]));
    set_default(props, "persistence", json!({"aofEnabled": false, "rdbEnabled": false}));
    set_default(props, "deferUpgrade", "NotDeferred".into());
    set_default(props, "accessKeysAuthentication", "Disabled".into());
    props.insert("redisVersion".into(), "7.4".into());
    if let Some(Value::Array(modules)) = props.get_mut("modules") {
        for module in modules.iter_mut().filter_map(Value::as_object_mut) {
            set_default(module, "args", "".into());
            module.insert("version".into(), "1.0.0".into());
        }
    }
    if prior_props.is_object() {
        for field in ["clusteringPolicy", "port"] {
            if prior_props.get(field) != props.get(field) {
                return Err(cannot_change(field));
            }
        }
    }
    Ok(())
}

fn fill_namespace(ctx: &Ctx<'_>, prior: Option<&Value>, body: &mut Value) -> Result<(), Invalid> {
    let obj = body.as_object_mut().expect("an object");
    set_default(obj, "sku", prior.and_then(|p| p.get("sku")).cloned().unwrap_or(json!({"name": "Standard"})));
    set_default(obj, "tags", json!({}));
    let sku = obj.get_mut("sku").and_then(Value::as_object_mut).expect("an object");
    let name = sku.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    if !matches!(name.as_str(), "Basic" | "Standard" | "Premium") {
        return Err(invalid("InvalidParameter", format!("The sku '{name}' is not valid."), "sku.name"));
    }
    set_default(sku, "tier", name.clone().into());
    set_default(sku, "capacity", 1.into());
    let prior_props = prior.and_then(|p| p.get("properties")).cloned().unwrap_or(Value::Null);
    let props = properties(body);
    set_default(props, "zoneRedundant", false.into());
    if prior_props.is_object() && prior_props.get("zoneRedundant") != props.get("zoneRedundant") {
        return Err(cannot_change("zoneRedundant"));
    }
    set_default(props, "isAutoInflateEnabled", false.into());
    set_default(props, "maximumThroughputUnits", 0.into());
    props.insert("kafkaEnabled".into(), (name != "Basic").into());
    set_default(props, "disableLocalAuth", false.into());
    set_default(props, "minimumTlsVersion", "1.2".into());
    set_default(props, "publicNetworkAccess", "Enabled".into());
    props.insert("status".into(), "Active".into());
    props.insert("metricId".into(), format!("{}:{}", ctx.subscription, ctx.name.to_ascii_lowercase()).into());
    let created = prior_props.get("createdAt").cloned().unwrap_or_else(|| ctx.now.into());
    props.insert("createdAt".into(), created);
    props.insert("updatedAt".into(), ctx.now.into());
    props.insert("serviceBusEndpoint".into(), format!("https://{}.servicebus.windows.net:443/", ctx.name).into());
    Ok(())
}

fn fill_eventhub(ctx: &Ctx<'_>, prior: Option<&Value>, body: &mut Value) -> Result<(), Invalid> {
    let tier = ctx.parent.and_then(|p| str_at(p, "/sku/name")).unwrap_or("Standard").to_string();
    let old_partitions = prior.and_then(|p| p.pointer("/properties/partitionCount")).and_then(Value::as_u64);
    let props = properties(body);
    set_default(props, "partitionCount", 4.into());
    let partitions = props.get("partitionCount").and_then(Value::as_u64).unwrap_or(4);
    let max = if tier == "Premium" { 100 } else { 32 };
    if !(1..=max).contains(&partitions) {
        return Err(invalid(
            "InvalidParameter",
            format!("A {tier} event hub has 1 to {max} partitions."),
            "properties.partitionCount",
        ));
    }
    match old_partitions {
        Some(old) if old != partitions && tier != "Premium" => {
            return Err(invalid(
                "InvalidParameter",
                format!("The partition count of an event hub in a {tier} namespace cannot change."),
                "properties.partitionCount",
            ));
        }
        Some(old) if partitions < old => {
            return Err(invalid(
                "InvalidParameter",
                "The partition count of an event hub can only grow.",
                "properties.partitionCount",
            ));
        }
        _ => {}
    }
    let hours = props
        .get("retentionDescription")
        .and_then(|r| r.get("retentionTimeInHours"))
        .and_then(Value::as_u64)
        .or_else(|| props.get("messageRetentionInDays").and_then(Value::as_u64).map(|d| d * 24))
        .unwrap_or(24);
    let max_hours = match tier.as_str() {
        "Premium" => 2160,
        "Basic" => 24,
        _ => 168,
    };
    if !(1..=max_hours).contains(&hours) {
        return Err(invalid(
            "InvalidParameter",
            format!("A {tier} event hub keeps events 1 to {max_hours} hours."),
            "properties.retentionDescription.retentionTimeInHours",
        ));
    }
    props.insert("retentionDescription".into(), json!({"cleanupPolicy": "Delete", "retentionTimeInHours": hours}));
    props.insert("messageRetentionInDays".into(), hours.div_ceil(24).into());
    props.insert("partitionIds".into(), (0..partitions).map(|i| Value::from(i.to_string())).collect());
    props.insert("status".into(), "Active".into());
    let created = prior.and_then(|p| p.pointer("/properties/createdAt")).cloned().unwrap_or_else(|| ctx.now.into());
    props.insert("createdAt".into(), created);
    props.insert("updatedAt".into(), ctx.now.into());
    Ok(())
}

const ROUTING_METHODS: [&str; 6] = ["Performance", "Priority", "Weighted", "Geographic", "MultiValue", "Subnet"];

/// A Traffic Manager profile: DNS name fixed at creation, `fqdn` under `trafficmanager.net`,
/// the probe's defaults as the examples show them (30 s interval, 10 s timeout, 3 tolerated
/// failures), endpoints inline with their ids, types in canonical case, priorities numbered in
/// order when none is given, and monitor statuses (`CheckingEndpoint(s)`, `Disabled`,
/// `Inactive` for a profile with no enabled endpoint).
fn fill_traffic_manager(ctx: &Ctx<'_>, prior: Option<&Value>, body: &mut Value) -> Result<(), Invalid> {
    let obj = body.as_object_mut().expect("an object");
    set_default(obj, "tags", json!({}));
    let prior_props = prior.and_then(|p| p.get("properties")).cloned().unwrap_or(Value::Null);
    let props = properties(body);
    set_default(props, "profileStatus", "Enabled".into());
    let profile_enabled = match props.get("profileStatus").and_then(Value::as_str) {
        Some("Enabled") => true,
        Some("Disabled") => false,
        other => {
            return Err(invalid(
                "BadRequest",
                format!("The profile status '{}' is not valid: Enabled or Disabled.", other.unwrap_or_default()),
                "properties.profileStatus",
            ));
        }
    };
    let routing = props.get("trafficRoutingMethod").and_then(Value::as_str).unwrap_or_default().to_string();
    if !ROUTING_METHODS.contains(&routing.as_str()) {
        return Err(invalid(
            "BadRequest",
            format!("The traffic routing method '{routing}' is not valid: one of {}.", ROUTING_METHODS.join(", ")),
            "properties.trafficRoutingMethod",
        ));
    }
    // DNS: the relative name is required and fixed; the FQDN is under trafficmanager.net.
    set_default(props, "dnsConfig", json!({}));
    let dns = props.get_mut("dnsConfig").and_then(Value::as_object_mut).expect("an object");
    let relative = dns.get("relativeName").and_then(Value::as_str).unwrap_or_default().to_string();
    if relative.is_empty() {
        return Err(invalid("BadRequest", "The relative DNS name is required.", "properties.dnsConfig.relativeName"));
    }
    if let Some(old) = str_at(&prior_props, "/dnsConfig/relativeName")
        && !old.eq_ignore_ascii_case(&relative)
    {
        return Err(cannot_change("dnsConfig.relativeName"));
    }
    set_default(dns, "ttl", 300.into());
    if dns.get("ttl").and_then(Value::as_u64).is_none_or(|t| t > i32::MAX as u64) {
        return Err(invalid("BadRequest", "The TTL must be 0 to 2147483647 seconds.", "properties.dnsConfig.ttl"));
    }
    dns.insert("fqdn".into(), format!("{}.trafficmanager.net", relative.to_ascii_lowercase()).into());
    // The probe.
    set_default(props, "monitorConfig", json!({}));
    let monitor = props.get_mut("monitorConfig").and_then(Value::as_object_mut).expect("an object");
    set_default(monitor, "protocol", "HTTP".into());
    let protocol = monitor.get("protocol").and_then(Value::as_str).unwrap_or_default().to_ascii_uppercase();
    if !matches!(protocol.as_str(), "HTTP" | "HTTPS" | "TCP") {
        return Err(invalid(
            "BadRequest",
            "The probe protocol must be HTTP, HTTPS or TCP.",
            "properties.monitorConfig.protocol",
        ));
    }
    set_default(monitor, "port", if protocol == "HTTPS" { 443 } else { 80 }.into());
    if protocol != "TCP" && monitor.get("path").is_none_or(Value::is_null) {
        return Err(invalid("BadRequest", "An HTTP(S) probe needs a path.", "properties.monitorConfig.path"));
    }
    set_default(monitor, "intervalInSeconds", 30.into());
    let interval = monitor.get("intervalInSeconds").and_then(Value::as_u64).unwrap_or_default();
    if interval != 10 && interval != 30 {
        return Err(invalid(
            "BadRequest",
            "The probing interval must be 10 or 30 seconds.",
            "properties.monitorConfig.intervalInSeconds",
        ));
    }
    let max_timeout = if interval == 10 { 9 } else { 10 };
    set_default(monitor, "timeoutInSeconds", max_timeout.into());
    if !monitor.get("timeoutInSeconds").and_then(Value::as_u64).is_some_and(|t| (5..=max_timeout).contains(&t)) {
        return Err(invalid(
            "BadRequest",
            format!("With a {interval} s probing interval the timeout must be 5 to {max_timeout} seconds."),
            "properties.monitorConfig.timeoutInSeconds",
        ));
    }
    set_default(monitor, "toleratedNumberOfFailures", 3.into());
    // Endpoints.
    set_default(props, "endpoints", json!([]));
    let Some(Value::Array(endpoints)) = props.get_mut("endpoints") else {
        return Err(invalid("BadRequest", "The endpoints must be a list.", "properties.endpoints"));
    };
    let mut names = std::collections::BTreeSet::new();
    let given_priorities =
        endpoints.iter().filter(|e| e.pointer("/properties/priority").is_some_and(|p| !p.is_null())).count();
    if routing == "Priority" && given_priorities != 0 && given_priorities != endpoints.len() {
        return Err(invalid(
            "BadRequest",
            "A priority, when given, must be given on every endpoint.",
            "properties.endpoints.properties.priority",
        ));
    }
    let mut priorities = std::collections::BTreeSet::new();
    let mut any_enabled = false;
    for (i, endpoint) in endpoints.iter_mut().enumerate() {
        let target = |f: &str| format!("properties.endpoints[{i}].{f}");
        let Some(e) = endpoint.as_object_mut() else {
            return Err(invalid("BadRequest", "An endpoint must be an object.", &target("")));
        };
        let name = e.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        if name.is_empty() || !names.insert(name.to_ascii_lowercase()) {
            return Err(invalid(
                "BadRequest",
                format!("Endpoint name '{name}' is empty or listed twice."),
                &target("name"),
            ));
        }
        let Some(ty) = e.get("type").and_then(Value::as_str).and_then(EndpointType::parse) else {
            return Err(invalid("BadRequest", "The endpoint type is not valid.", &target("type")));
        };
        e.insert("id".into(), format!("{}/{}/{name}", ctx.id, ty.segment()).into());
        e.insert("type".into(), ty.arm_type().into());
        let p = e.entry("properties").or_insert_with(|| json!({}));
        let Some(p) = p.as_object_mut() else {
            return Err(invalid("BadRequest", "The endpoint properties must be an object.", &target("properties")));
        };
        match ty {
            EndpointType::Azure if p.get("targetResourceId").and_then(Value::as_str).is_none_or(str::is_empty) => {
                return Err(invalid(
                    "BadRequest",
                    "An Azure endpoint needs a targetResourceId.",
                    &target("properties.targetResourceId"),
                ));
            }
            EndpointType::External | EndpointType::Nested
                if p.get("target").and_then(Value::as_str).is_none_or(str::is_empty) =>
            {
                return Err(invalid("BadRequest", "The endpoint needs a target.", &target("properties.target")));
            }
            _ => {}
        }
        set_default(p, "endpointStatus", "Enabled".into());
        let enabled = match p.get("endpointStatus").and_then(Value::as_str) {
            Some("Enabled") => true,
            Some("Disabled") => false,
            _ => {
                return Err(invalid(
                    "BadRequest",
                    "The endpoint status must be Enabled or Disabled.",
                    &target("properties.endpointStatus"),
                ));
            }
        };
        any_enabled |= enabled;
        set_default(p, "weight", 1.into());
        if !p.get("weight").and_then(Value::as_u64).is_some_and(|w| (1..=1000).contains(&w)) {
            return Err(invalid("BadRequest", "The weight must be 1 to 1000.", &target("properties.weight")));
        }
        set_default(p, "priority", (i as u64 + 1).into());
        let priority = p.get("priority").and_then(Value::as_u64).unwrap_or_default();
        if !(1..=1000).contains(&priority) || (routing == "Priority" && !priorities.insert(priority)) {
            return Err(invalid(
                "BadRequest",
                format!("The priority {priority} is out of range (1 to 1000) or taken by another endpoint."),
                &target("properties.priority"),
            ));
        }
        let status = if enabled && profile_enabled { "CheckingEndpoint" } else { "Disabled" };
        p.insert("endpointMonitorStatus".into(), status.into());
    }
    let profile_monitor = match (profile_enabled, any_enabled) {
        (false, _) => "Disabled",
        (true, false) => "Inactive",
        (true, true) => "CheckingEndpoints",
    };
    let monitor = props.get_mut("monitorConfig").and_then(Value::as_object_mut).expect("an object");
    monitor.insert("profileMonitorStatus".into(), profile_monitor.into());
    Ok(())
}

/// A public IP address after the examples: SKU Basic and allocation Dynamic unless given
/// (`PublicIpAddressCreateDefaults`), Standard only Static (`StandardSkuPublicIPAddressesMustBeStatic`),
/// IPv4, a 4-minute idle timeout (4 to 30), DDoS settings inherited from the network, the DNS
/// label's `fqdn` under `<region>.cloudapp.azure.com`; SKU, zones, version and allocation fixed
/// once created. A static address is allocated at creation and kept: a stable one per resource id,
/// in 198.18.0.0/15 (the benchmarking range, never routed); a dynamic one has none until attached.
fn fill_public_ip(ctx: &Ctx<'_>, prior: Option<&Value>, body: &mut Value) -> Result<(), Invalid> {
    let obj = body.as_object_mut().expect("an object");
    set_default(obj, "tags", json!({}));
    set_default(obj, "sku", json!({"name": "Basic"}));
    let sku = obj.get("sku").and_then(|s| s.get("name")).and_then(Value::as_str).unwrap_or_default().to_string();
    if !matches!(sku.as_str(), "Basic" | "Standard") {
        return Err(invalid(
            "InvalidParameter",
            format!("The sku '{sku}' is not valid: Basic or Standard."),
            "sku.name",
        ));
    }
    if let Some(sku) = obj.get_mut("sku").and_then(Value::as_object_mut) {
        set_default(sku, "tier", "Regional".into());
    }
    let zones = obj.get("zones").cloned().unwrap_or(json!([]));
    if let Some(prior) = prior {
        if prior.pointer("/sku/name") != obj.get("sku").and_then(|s| s.get("name")) {
            return Err(cannot_change("sku"));
        }
        if prior.get("zones").cloned().unwrap_or(json!([])) != zones {
            return Err(cannot_change("zones"));
        }
    }
    if sku == "Basic" && zones.as_array().is_some_and(|z| !z.is_empty()) {
        return Err(invalid("InvalidParameter", "A Basic public IP address cannot have zones.", "zones"));
    }
    let location = obj.get("location").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
    let prior_props = prior.and_then(|p| p.get("properties")).cloned().unwrap_or(Value::Null);
    let props = properties(body);
    let default_allocation = if sku == "Standard" { "Static" } else { "Dynamic" };
    set_default(props, "publicIPAllocationMethod", default_allocation.into());
    let allocation = props.get("publicIPAllocationMethod").and_then(Value::as_str).unwrap_or_default().to_string();
    if sku == "Standard" && allocation != "Static" {
        return Err(Invalid {
            status: 400,
            code: "StandardSkuPublicIPAddressesMustBeStatic",
            message: format!("Standard sku publicIp {} must have AllocationMethod set to Static.", ctx.id),
            target: None,
        });
    }
    set_default(props, "publicIPAddressVersion", "IPv4".into());
    for (key, target) in
        [("publicIPAllocationMethod", "publicIPAllocationMethod"), ("publicIPAddressVersion", "publicIPAddressVersion")]
    {
        if let Some(old) = prior_props.get(key)
            && props.get(key) != Some(old)
        {
            return Err(cannot_change(target));
        }
    }
    set_default(props, "idleTimeoutInMinutes", 4.into());
    if !props.get("idleTimeoutInMinutes").and_then(Value::as_u64).is_some_and(|t| (4..=30).contains(&t)) {
        return Err(invalid(
            "PublicIPAddressInvalidIdleTimeout",
            "The idle timeout must be 4 to 30 minutes.",
            "properties.idleTimeoutInMinutes",
        ));
    }
    set_default(props, "ddosSettings", json!({"protectionMode": "VirtualNetworkInherited"}));
    let guid = prior_props.get("resourceGuid").cloned().unwrap_or_else(|| short_hash(ctx.id).into());
    props.insert("resourceGuid".into(), guid);
    if allocation == "Static" {
        let address = prior_props.get("ipAddress").cloned().unwrap_or_else(|| {
            let h = u32::from_str_radix(&short_hash(ctx.id), 16).unwrap_or_default();
            let (third, fourth) = (((h >> 8) & 0x1ff) as u16, (h & 0xff) as u8);
            format!("198.{}.{}.{}", 18 + (third >> 8), third & 0xff, fourth.max(1)).into()
        });
        props.insert("ipAddress".into(), address);
    } else {
        props.remove("ipAddress");
    }
    if let Some(dns) = props.get_mut("dnsSettings").and_then(Value::as_object_mut) {
        let label = dns.get("domainNameLabel").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
        if label.is_empty() {
            dns.remove("fqdn");
        } else {
            dns.insert("fqdn".into(), format!("{label}.{location}.cloudapp.azure.com").into());
        }
    }
    Ok(())
}

/// Applies an RFC 7386 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().expect("an object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut doc = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge_patch(&mut doc, &json!({"a": {"b": null, "e": 3}, "d": [2, 3]}));
        assert_eq!(doc, json!({"a": {"c": 2, "e": 3}, "d": [2, 3]}));
    }

    #[test]
    fn regions_show_as_mysql_shows_them() {
        assert_eq!(display_region("southeastasia"), "Southeast Asia");
        assert_eq!(display_region("West Europe"), "West Europe");
        assert!(same_region("Southeast Asia", "southeastasia"));
    }
}
