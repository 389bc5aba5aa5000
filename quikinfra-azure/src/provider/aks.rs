//! `azure_aks_cluster` ↔ `Microsoft.ContainerService/managedClusters` (2026-07-01).
//!
//! Create is a PUT with a system-assigned identity and two pools, `system` (mode System) and
//! `user` (mode User). Update reads the cluster, changes what the definition manages in the
//! live body (SKU tier, Kubernetes version, pool sizes, admin groups, tags) and PUTs it back
//! with `If-Match` on the ETag just read, so a concurrent change fails with 412 instead of being
//! overwritten. A Kubernetes version change is checked first: one minor version up at a time.

use async_trait::async_trait;
use quikinfra_core::provider::ProviderError;
use serde_json::{Map, Value as Json, json};

use super::{ArmType, Ctx, common, fail};
use crate::AksCluster;
use crate::arm::{ArmError, Condition, api};

const SYSTEM_POOL: &str = "system";
const USER_POOL: &str = "user";

/// The ARM names of the network profile attributes.
const NETWORK: [(&str, &str); 5] = [
    ("network_plugin", "networkPlugin"),
    ("network_plugin_mode", "networkPluginMode"),
    ("pod_cidr", "podCidr"),
    ("service_cidr", "serviceCidr"),
    ("dns_service_ip", "dnsServiceIP"),
];

fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
    Ok(format!(
        "{}/providers/Microsoft.ContainerService/managedClusters/{}",
        ctx.group_path(AksCluster::RESOURCE_GROUP.require_str(config)?),
        AksCluster::NAME.require_str(config)?
    ))
}

/// Applies a pool's managed settings (`nodes` is `{"count"}` or `{"min_count", "max_count"}`).
fn set_pool_size(pool: &mut Map<String, Json>, nodes: &Json) {
    match (nodes.get("min_count"), nodes.get("max_count")) {
        (Some(min), Some(max)) => {
            pool.insert("enableAutoScaling".into(), true.into());
            pool.insert("minCount".into(), min.clone());
            pool.insert("maxCount".into(), max.clone());
            let count = pool.get("count").and_then(Json::as_u64);
            let (lo, hi) = (min.as_u64().unwrap_or(0), max.as_u64().unwrap_or(0));
            pool.insert("count".into(), count.unwrap_or(lo).clamp(lo, hi.max(lo)).into());
        }
        _ => {
            pool.insert("enableAutoScaling".into(), false.into());
            pool.remove("minCount");
            pool.remove("maxCount");
            pool.insert("count".into(), nodes.get("count").cloned().unwrap_or(json!(1)));
        }
    }
}

fn new_pool(name: &str, mode: &str, config: &Json, prefix: &str) -> Json {
    let mut pool = Map::new();
    pool.insert("name".into(), name.into());
    pool.insert("mode".into(), mode.into());
    pool.insert("type".into(), "VirtualMachineScaleSets".into());
    pool.insert("osType".into(), "Linux".into());
    pool.insert("vmSize".into(), config.get(format!("{prefix}_pool_vm_size")).cloned().unwrap_or(Json::Null));
    let zones = AksCluster::AVAILABILITY_ZONES.json(config).cloned().unwrap_or(json!([]));
    if zones.as_array().is_some_and(|z| !z.is_empty()) {
        pool.insert("availabilityZones".into(), zones);
    }
    set_pool_size(&mut pool, config.get(format!("{prefix}_pool_nodes")).unwrap_or(&json!({"count": 1})));
    Json::Object(pool)
}

fn aad_profile(config: &Json) -> Option<Json> {
    let groups = AksCluster::ADMIN_GROUP_OBJECT_IDS.json(config).and_then(Json::as_array).filter(|g| !g.is_empty())?;
    Some(json!({"managed": true, "enableAzureRBAC": true, "adminGroupObjectIDs": groups}))
}

/// The PUT body of a new cluster.
pub(crate) fn create_body(config: &Json) -> Json {
    let mut props = Map::new();
    props.insert("dnsPrefix".into(), AksCluster::DNS_PREFIX.json(config).cloned().unwrap_or(Json::Null));
    if let Some(version) = AksCluster::KUBERNETES_VERSION.json(config) {
        props.insert("kubernetesVersion".into(), version.clone());
    }
    props.insert("enableRBAC".into(), true.into());
    props.insert(
        "agentPoolProfiles".into(),
        json!([new_pool(SYSTEM_POOL, "System", config, "system"), new_pool(USER_POOL, "User", config, "user")]),
    );
    if let Some(net) = AksCluster::NETWORK_PROFILE.json(config).and_then(Json::as_object) {
        let mut profile = Map::new();
        for (attr, arm) in NETWORK {
            if let Some(v) = net.get(attr) {
                profile.insert(arm.into(), v.clone());
            }
        }
        props.insert("networkProfile".into(), Json::Object(profile));
    }
    if let Some(aad) = aad_profile(config) {
        props.insert("aadProfile".into(), aad);
    }
    json!({
        "location": AksCluster::LOCATION.json(config),
        "identity": {"type": "SystemAssigned"},
        "sku": {"name": "Base", "tier": AksCluster::SKU_TIER.json(config).cloned().unwrap_or(json!("Free"))},
        "tags": AksCluster::TAGS.json(config).cloned().unwrap_or(json!({})),
        "properties": props,
    })
}

fn find_pool<'a>(pools: &'a [Json], name: &str, mode: &str) -> Option<&'a Json> {
    pools
        .iter()
        .find(|p| p.get("name").and_then(Json::as_str) == Some(name))
        .or_else(|| pools.iter().find(|p| p.get("mode").and_then(Json::as_str) == Some(mode)))
}

fn pool_nodes(pool: &Json) -> Json {
    if pool.get("enableAutoScaling").and_then(Json::as_bool) == Some(true) {
        json!({"min_count": pool.get("minCount"), "max_count": pool.get("maxCount")})
    } else {
        json!({"count": pool.get("count")})
    }
}

/// The attributes of a cluster's body; `network_profile` keeps only the keys of `network_hint`
/// (the config's or the prior state's) when that is a map.
pub(crate) fn attrs(body: &Json, id: &str, network_hint: Option<&Json>) -> Json {
    let mut out = common(body, id);
    let props = body.get("properties").cloned().unwrap_or(json!({}));
    let copy = |out: &mut Map<String, Json>, attr: &str, value: Option<&Json>| {
        if let Some(v) = value.filter(|v| !v.is_null()) {
            out.insert(attr.into(), v.clone());
        }
    };
    copy(&mut out, AksCluster::DNS_PREFIX.name(), props.get("dnsPrefix"));
    copy(&mut out, AksCluster::KUBERNETES_VERSION.name(), props.get("kubernetesVersion"));
    copy(&mut out, AksCluster::SKU_TIER.name(), body.pointer("/sku/tier"));
    copy(&mut out, AksCluster::FQDN.name(), props.get("fqdn"));
    copy(&mut out, AksCluster::NODE_RESOURCE_GROUP.name(), props.get("nodeResourceGroup"));
    copy(&mut out, AksCluster::PROVISIONING_STATE.name(), props.get("provisioningState"));
    let pools: Vec<Json> = props.get("agentPoolProfiles").and_then(Json::as_array).cloned().unwrap_or_default();
    // A pool without a mode (older bodies) is the system pool when it is the first.
    let system = find_pool(&pools, SYSTEM_POOL, "System").or(pools.first());
    let user = find_pool(&pools, USER_POOL, "User");
    out.insert(
        AksCluster::AVAILABILITY_ZONES.name().into(),
        system.and_then(|p| p.get("availabilityZones")).cloned().unwrap_or(json!([])),
    );
    for (prefix, pool) in [("system", system), ("user", user)] {
        if let Some(pool) = pool {
            copy(&mut out, &format!("{prefix}_pool_vm_size"), pool.get("vmSize"));
            out.insert(format!("{prefix}_pool_nodes"), pool_nodes(pool));
        }
    }
    if let Some(net) = props.get("networkProfile").and_then(Json::as_object) {
        let mut profile = Map::new();
        for (attr, arm) in NETWORK {
            let wanted = match network_hint.and_then(Json::as_object) {
                Some(hint) => hint.contains_key(attr),
                None => true,
            };
            if let Some(v) = net.get(arm).filter(|v| wanted && !v.is_null()) {
                profile.insert(attr.into(), v.clone());
            }
        }
        out.insert(AksCluster::NETWORK_PROFILE.name().into(), Json::Object(profile));
    }
    out.insert(
        AksCluster::ADMIN_GROUP_OBJECT_IDS.name().into(),
        props.pointer("/aadProfile/adminGroupObjectIDs").cloned().unwrap_or(json!([])),
    );
    Json::Object(out)
}

#[async_trait]
impl ArmType for AksCluster {
    const API: &'static str = api::MANAGED_CLUSTERS;
    const COLLECTION: Option<&'static str> = Some("Microsoft.ContainerService/managedClusters");

    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
        path(ctx, config)
    }

    async fn read(ctx: &Ctx<'_>, id: &str, prior: &Json) -> Result<Option<Json>, ArmError> {
        Ok(ctx
            .client
            .get(id, api::MANAGED_CLUSTERS)
            .await?
            .map(|f| attrs(&f.body, id, AksCluster::NETWORK_PROFILE.json(prior))))
    }

    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
        let path = path(ctx, config)?;
        let fetched =
            super::put_resuming(ctx.client, &path, api::MANAGED_CLUSTERS, &create_body(config)).await.map_err(fail)?;
        Ok(attrs(&fetched.body, &super::id_of(&fetched.body, &path), AksCluster::NETWORK_PROFILE.json(config)))
    }

    async fn update(
        ctx: &Ctx<'_>,
        id: &str,
        config: &Json,
        _prior: &Json,
        _changed: &[String],
    ) -> Result<Json, ProviderError> {
        let live = ctx
            .client
            .get(id, api::MANAGED_CLUSTERS)
            .await
            .map_err(fail)?
            .ok_or_else(|| ProviderError::not_found(format!("the cluster {id} no longer exists")))?;
        let mut body = live.body.clone();
        if let (Some(from), Some(to)) = (
            body.pointer("/properties/kubernetesVersion").and_then(Json::as_str),
            AksCluster::KUBERNETES_VERSION.json(config).and_then(Json::as_str),
        ) {
            check_upgrade(from, to)?;
        }
        if let Some(tier) = AksCluster::SKU_TIER.json(config) {
            body["sku"] = json!({"name": "Base", "tier": tier});
        }
        body["tags"] = AksCluster::TAGS.json(config).cloned().unwrap_or(json!({}));
        let props = body["properties"]
            .as_object_mut()
            .ok_or_else(|| ProviderError::permanent("the cluster has no properties"))?;
        if let Some(version) = AksCluster::KUBERNETES_VERSION.json(config) {
            props.insert("kubernetesVersion".into(), version.clone());
        }
        let version = props.get("kubernetesVersion").cloned();
        if let Some(Json::Array(pools)) = props.get_mut("agentPoolProfiles") {
            for (name, mode, prefix) in [(SYSTEM_POOL, "System", "system"), (USER_POOL, "User", "user")] {
                let index = pools
                    .iter()
                    .position(|p| p.get("name").and_then(Json::as_str) == Some(name))
                    .or_else(|| pools.iter().position(|p| p.get("mode").and_then(Json::as_str) == Some(mode)));
                match index.and_then(|i| pools[i].as_object_mut()) {
                    Some(pool) => {
                        if let Some(nodes) = config.get(format!("{prefix}_pool_nodes")) {
                            set_pool_size(pool, nodes);
                        }
                        if let Some(v) = &version {
                            pool.insert("orchestratorVersion".into(), v.clone());
                        }
                    }
                    None => pools.push(new_pool(name, mode, config, prefix)),
                }
            }
        }
        match aad_profile(config) {
            Some(aad) => {
                props.insert("aadProfile".into(), aad);
            }
            None => {
                if let Some(aad) = props.get_mut("aadProfile").and_then(Json::as_object_mut) {
                    aad.insert("adminGroupObjectIDs".into(), json!([]));
                }
            }
        }
        let condition = live.etag.map_or(Condition::None, Condition::IfMatch);
        let fetched = ctx.client.put(id, api::MANAGED_CLUSTERS, &body, &condition).await.map_err(fail)?;
        Ok(attrs(&fetched.body, id, AksCluster::NETWORK_PROFILE.json(config)))
    }
}

fn minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// AKS upgrades one minor version at a time and never downgrades.
pub(crate) fn check_upgrade(from: &str, to: &str) -> Result<(), ProviderError> {
    let (Some((a_major, a_minor)), Some((b_major, b_minor))) = (minor(from), minor(to)) else { return Ok(()) };
    if a_major != b_major || b_minor < a_minor || b_minor > a_minor + 1 {
        return Err(ProviderError::permanent(format!(
            "kubernetes_version: AKS upgrades one minor version at a time and never downgrades; the cluster runs {from}, so {to} is not allowed (next: {a_major}.{})",
            a_minor + 1
        )));
    }
    Ok(())
}
