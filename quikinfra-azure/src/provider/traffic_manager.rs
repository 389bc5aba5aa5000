//! `azure_traffic_manager_profile` ↔ `Microsoft.Network/trafficManagerProfiles` (2022-04-01),
//! endpoints inline in the profile's body.
//!
//! Writes are synchronous (200 / 201 with the body, no long-running operation). Create PUTs the
//! profile with its endpoints. Update reads the profile, changes what the definition manages in
//! the live body (routing method, TTL, probe, endpoints matched by name, tags) and PUTs it back
//! with `If-Match` on the ETag just read: settings the definition does not manage (custom
//! headers, an endpoint's location, Traffic View) survive, a concurrent change fails with 412
//! instead of being overwritten, and a blue/green switch is one request changing both
//! endpoints' statuses at once (never a moment with both, or neither, enabled). Endpoints no
//! longer declared are dropped from the list.
//!
//! Reading keeps the spec's shape: endpoints in the definition's order (then by name), each with
//! its name, type (`ExternalEndpoints`, `AzureEndpoints`, `NestedEndpoints`), target (or, for an
//! Azure endpoint, `target_resource_id`: ARM fills the target from the resource), weight and
//! status, and a priority only where the definition (or the prior state) sets one: ARM numbers
//! endpoints when none is given. The probe keeps protocol, port, path and interval; what ARM adds
//! (timeout, tolerated failures, monitor statuses) is dropped. `profile_status` is watched.

use async_trait::async_trait;
use quikinfra_core::provider::ProviderError;
use serde_json::{Map, Value as Json, json};

use super::{ArmType, Ctx, fail, shared};
use crate::TrafficManagerProfile;
use crate::arm::{ArmError, Condition, api};

/// The ARM type of endpoints of `kind` (the spec's `ExternalEndpoints`…).
fn arm_type(kind: &str) -> String {
    let mut segment = kind.to_string();
    if let Some(first) = segment.get_mut(..1) {
        first.make_ascii_lowercase();
    }
    format!("Microsoft.Network/trafficManagerProfiles/{segment}")
}

/// The spec's kind of an endpoint from its ARM type, whatever its case
/// (`Microsoft.network/TrafficManagerProfiles/ExternalEndpoints` in requests).
fn kind_of(ty: &str) -> String {
    let segment = ty.rsplit('/').next().unwrap_or(ty);
    for known in ["ExternalEndpoints", "AzureEndpoints", "NestedEndpoints"] {
        if segment.eq_ignore_ascii_case(known) {
            return known.to_string();
        }
    }
    segment.to_string()
}

fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
    Ok(format!(
        "{}/providers/Microsoft.Network/trafficManagerProfiles/{}",
        ctx.group_path(TrafficManagerProfile::RESOURCE_GROUP.require_str(config)?),
        TrafficManagerProfile::NAME.require_str(config)?
    ))
}

fn name_of(endpoint: &Json) -> &str {
    endpoint.get("name").and_then(Json::as_str).unwrap_or_default()
}

fn endpoints(config: &Json) -> Vec<Json> {
    TrafficManagerProfile::ENDPOINTS.json(config).and_then(Json::as_array).cloned().unwrap_or_default()
}

/// Sets the managed properties of an endpoint (`e`, as the spec serializes it) in `props`.
fn set_endpoint(props: &mut Map<String, Json>, e: &Json) {
    let kind = e.get("type").and_then(Json::as_str).unwrap_or("ExternalEndpoints");
    if kind == "AzureEndpoints" {
        props.insert("targetResourceId".into(), e.get("target_resource_id").cloned().unwrap_or(Json::Null));
    } else {
        props.insert("target".into(), e.get("target").cloned().unwrap_or(Json::Null));
    }
    props.insert("endpointStatus".into(), e.get("status").cloned().unwrap_or(json!("Enabled")));
    props.insert("weight".into(), e.get("weight").cloned().unwrap_or(json!(1)));
    match e.get("priority") {
        Some(priority) => props.insert("priority".into(), priority.clone()),
        None => props.remove("priority"),
    };
}

/// One endpoint of a PUT body: `live` (the endpoint as ARM has it) with the managed properties
/// of `e` set, or a new one.
fn endpoint_body(e: &Json, live: Option<&Json>) -> Json {
    let mut endpoint = live.and_then(Json::as_object).cloned().unwrap_or_default();
    endpoint.insert("name".into(), name_of(e).into());
    let kind = e.get("type").and_then(Json::as_str).unwrap_or("ExternalEndpoints");
    endpoint.insert("type".into(), arm_type(kind).into());
    let props = endpoint.entry("properties").or_insert_with(|| json!({}));
    if !props.is_object() {
        *props = json!({});
    }
    set_endpoint(props.as_object_mut().expect("an object"), e);
    Json::Object(endpoint)
}

/// Sets the managed probe settings (`monitor`, as the spec serializes it) in `config`.
fn set_monitor(config: &mut Map<String, Json>, monitor: &Json) {
    let interval = monitor.get("interval_seconds").cloned().unwrap_or(json!(30));
    // ARM checks the timeout against the interval (5-9 s at 10 s, 5-10 s at 30 s) and picks it
    // when left out: a new interval lets it pick again.
    if config.get("intervalInSeconds").is_some_and(|old| *old != interval) {
        config.remove("timeoutInSeconds");
    }
    for (attr, arm) in [("protocol", "protocol"), ("port", "port")] {
        config.insert(arm.into(), monitor.get(attr).cloned().unwrap_or(Json::Null));
    }
    match monitor.get("path").filter(|p| !p.is_null()) {
        Some(path) => config.insert("path".into(), path.clone()),
        None => config.remove("path"),
    };
    config.insert("intervalInSeconds".into(), interval);
}

/// The PUT body of a new profile.
pub(crate) fn create_body(config: &Json) -> Json {
    let mut monitor = Map::new();
    set_monitor(&mut monitor, TrafficManagerProfile::MONITOR.json(config).unwrap_or(&json!({})));
    let endpoints: Vec<Json> = endpoints(config).iter().map(|e| endpoint_body(e, None)).collect();
    json!({
        "location": "global",
        "tags": TrafficManagerProfile::TAGS.json(config).cloned().unwrap_or(json!({})),
        "properties": {
            "profileStatus": "Enabled",
            "trafficRoutingMethod": TrafficManagerProfile::ROUTING_METHOD.json(config),
            "dnsConfig": {"relativeName": TrafficManagerProfile::DNS_RELATIVE_NAME.json(config), "ttl": TrafficManagerProfile::TTL.json(config)},
            "monitorConfig": monitor,
            "endpoints": endpoints,
        },
    })
}

/// An endpoint's attributes; `priority` only when `keep_priority`.
pub(crate) fn endpoint_attrs(endpoint: &Json, keep_priority: bool) -> Json {
    let props = endpoint.get("properties").cloned().unwrap_or(json!({}));
    let kind = kind_of(endpoint.get("type").and_then(Json::as_str).unwrap_or_default());
    let mut out = Map::new();
    out.insert("name".into(), name_of(endpoint).into());
    if kind == "AzureEndpoints" {
        out.insert("target_resource_id".into(), props.get("targetResourceId").cloned().unwrap_or(Json::Null));
    } else {
        out.insert("target".into(), props.get("target").cloned().unwrap_or(Json::Null));
    }
    out.insert("type".into(), kind.into());
    out.insert("weight".into(), props.get("weight").cloned().unwrap_or(Json::Null));
    if keep_priority && let Some(priority) = props.get("priority").filter(|p| !p.is_null()) {
        out.insert("priority".into(), priority.clone());
    }
    out.insert("status".into(), props.get("endpointStatus").cloned().unwrap_or(Json::Null));
    Json::Object(out)
}

/// The attributes of a profile's body. `hint` (the config's or the prior state's endpoints)
/// gives the endpoints' order and which of them the definition gives a priority; without one,
/// every priority is kept.
pub(crate) fn attrs(body: &Json, id: &str, hint: Option<&Json>) -> Json {
    let mut out = super::common(body, id);
    // Profiles are global and name no subscription in the spec.
    out.remove(shared::LOCATION);
    out.remove(shared::SUBSCRIPTION_ID);
    let props = body.get("properties").cloned().unwrap_or(json!({}));
    let copy = |out: &mut Map<String, Json>, attr: &str, pointer: &str| {
        if let Some(v) = props.pointer(pointer).filter(|v| !v.is_null()) {
            out.insert(attr.into(), v.clone());
        }
    };
    copy(&mut out, TrafficManagerProfile::DNS_RELATIVE_NAME.name(), "/dnsConfig/relativeName");
    copy(&mut out, TrafficManagerProfile::TTL.name(), "/dnsConfig/ttl");
    copy(&mut out, TrafficManagerProfile::FQDN.name(), "/dnsConfig/fqdn");
    copy(&mut out, TrafficManagerProfile::ROUTING_METHOD.name(), "/trafficRoutingMethod");
    copy(&mut out, TrafficManagerProfile::PROFILE_STATUS.name(), "/profileStatus");
    if let Some(monitor) = props.get("monitorConfig").and_then(Json::as_object) {
        let mut m = Map::new();
        for (attr, arm) in
            [("protocol", "protocol"), ("port", "port"), ("path", "path"), ("interval_seconds", "intervalInSeconds")]
        {
            if let Some(v) = monitor.get(arm).filter(|v| !v.is_null()) {
                m.insert(attr.into(), v.clone());
            }
        }
        out.insert(TrafficManagerProfile::MONITOR.name().into(), Json::Object(m));
    }
    let hinted: Option<Vec<Json>> = hint.and_then(Json::as_array).cloned();
    let order: Vec<String> = hinted.iter().flatten().map(|e| name_of(e).to_ascii_lowercase()).collect();
    let keep_priority = |name: &str| match &hinted {
        None => true,
        Some(list) => list.iter().any(|e| name_of(e).eq_ignore_ascii_case(name) && e.get("priority").is_some()),
    };
    let mut list: Vec<Json> = props
        .get("endpoints")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|e| endpoint_attrs(e, keep_priority(name_of(e))))
        .collect();
    list.sort_by_key(|e| {
        let name = name_of(e).to_ascii_lowercase();
        (order.iter().position(|o| *o == name).unwrap_or(usize::MAX), name)
    });
    out.insert(TrafficManagerProfile::ENDPOINTS.name().into(), Json::Array(list));
    Json::Object(out)
}

/// The live body `live` with what `config` manages set: the PUT body of an update.
pub(crate) fn update_body(live: &Json, config: &Json) -> Result<Json, ProviderError> {
    let mut body = live.clone();
    body["tags"] = TrafficManagerProfile::TAGS.json(config).cloned().unwrap_or(json!({}));
    let props =
        body["properties"].as_object_mut().ok_or_else(|| ProviderError::permanent("the profile has no properties"))?;
    if let Some(method) = TrafficManagerProfile::ROUTING_METHOD.json(config) {
        props.insert("trafficRoutingMethod".into(), method.clone());
    }
    let dns = props.entry("dnsConfig").or_insert_with(|| json!({}));
    if let Some(dns) = dns.as_object_mut() {
        for (attr, arm) in [
            (TrafficManagerProfile::DNS_RELATIVE_NAME.json(config), "relativeName"),
            (TrafficManagerProfile::TTL.json(config), "ttl"),
        ] {
            if let Some(v) = attr {
                dns.insert(arm.into(), v.clone());
            }
        }
    }
    if let Some(monitor) = TrafficManagerProfile::MONITOR.json(config) {
        let probe = props.entry("monitorConfig").or_insert_with(|| json!({}));
        if !probe.is_object() {
            *probe = json!({});
        }
        set_monitor(probe.as_object_mut().expect("an object"), monitor);
    }
    let live_endpoints: Vec<Json> = props.get("endpoints").and_then(Json::as_array).cloned().unwrap_or_default();
    let wanted: Vec<Json> = endpoints(config)
        .iter()
        .map(|e| {
            let same = |l: &&Json| {
                name_of(l).eq_ignore_ascii_case(name_of(e))
                    && kind_of(l.get("type").and_then(Json::as_str).unwrap_or_default())
                        == e.get("type").and_then(Json::as_str).unwrap_or("ExternalEndpoints")
            };
            endpoint_body(e, live_endpoints.iter().find(same))
        })
        .collect();
    props.insert("endpoints".into(), Json::Array(wanted));
    Ok(body)
}

#[async_trait]
impl ArmType for TrafficManagerProfile {
    const API: &'static str = api::TRAFFIC_MANAGER;

    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
        path(ctx, config)
    }

    async fn read(ctx: &Ctx<'_>, id: &str, prior: &Json) -> Result<Option<Json>, ArmError> {
        Ok(ctx
            .client
            .get(id, api::TRAFFIC_MANAGER)
            .await?
            .map(|f| attrs(&f.body, id, TrafficManagerProfile::ENDPOINTS.json(prior))))
    }

    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
        let path = path(ctx, config)?;
        let fetched =
            super::put_resuming(ctx.client, &path, api::TRAFFIC_MANAGER, &create_body(config)).await.map_err(fail)?;
        Ok(attrs(&fetched.body, &super::id_of(&fetched.body, &path), TrafficManagerProfile::ENDPOINTS.json(config)))
    }

    async fn update(
        ctx: &Ctx<'_>,
        id: &str,
        config: &Json,
        _prior: &Json,
        _changed: &[String],
    ) -> Result<Json, ProviderError> {
        let live =
            ctx.client.get(id, api::TRAFFIC_MANAGER).await.map_err(fail)?.ok_or_else(|| {
                ProviderError::not_found(format!("the traffic manager profile {id} no longer exists"))
            })?;
        let body = update_body(&live.body, config)?;
        let condition = live.etag.map_or(Condition::None, Condition::IfMatch);
        let fetched = ctx.client.put(id, api::TRAFFIC_MANAGER, &body, &condition).await.map_err(fail)?;
        Ok(attrs(&fetched.body, id, TrafficManagerProfile::ENDPOINTS.json(config)))
    }
}
