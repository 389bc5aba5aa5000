//! `azure_public_ip` ↔ `Microsoft.Network/publicIPAddresses` (2024-07-01).
//!
//! Writes are long-running operations, as the API's examples and specification say: a PUT
//! answers 201 / 200 with the body and `Azure-AsyncOperation` (final state through it), a DELETE
//! 202 with `Location`. Create PUTs the address (SKU, zones, allocation, version, DNS label, idle
//! timeout, tags) and returns it once `Succeeded`, with the allocated `ipAddress` and the DNS
//! settings' `fqdn`. Update is read-modify-write: GET, change what the definition manages in
//! place (DNS label, idle timeout, tags) in the live body, PUT it back with `If-Match` on its
//! ETag, so what ARM or AKS set there (the IP configuration it is attached to, DDoS settings, IP
//! tags) survives. `provisioning_state` is watched (`Failed` plans a repair).

use async_trait::async_trait;
use quikinfra_core::provider::ProviderError;
use serde_json::{Map, Value as Json, json};

use super::{ArmType, Ctx, common, fail};
use crate::PublicIp;
use crate::arm::{ArmError, Condition, api};

fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
    Ok(format!(
        "{}/providers/Microsoft.Network/publicIPAddresses/{}",
        ctx.group_path(PublicIp::RESOURCE_GROUP.require_str(config)?),
        PublicIp::NAME.require_str(config)?
    ))
}

/// Sets the properties the definition manages in place in `props`.
fn set_managed(props: &mut Map<String, Json>, config: &Json) {
    props.insert(
        "idleTimeoutInMinutes".into(),
        PublicIp::IDLE_TIMEOUT_MINUTES.json(config).cloned().unwrap_or(json!(4)),
    );
    match PublicIp::DOMAIN_NAME_LABEL.json(config).filter(|l| !l.is_null()) {
        Some(label) => {
            let dns = props.entry("dnsSettings").or_insert_with(|| json!({}));
            if !dns.is_object() {
                *dns = json!({});
            }
            let dns = dns.as_object_mut().expect("an object");
            if dns.get("domainNameLabel") != Some(label) {
                // A new label gets a new name: ARM computes it.
                dns.remove("fqdn");
            }
            dns.insert("domainNameLabel".into(), label.clone());
        }
        None => {
            props.remove("dnsSettings");
        }
    }
}

/// The PUT body of a new address.
pub(crate) fn create_body(config: &Json) -> Json {
    let mut props = Map::new();
    props.insert(
        "publicIPAllocationMethod".into(),
        PublicIp::ALLOCATION_METHOD.json(config).cloned().unwrap_or(json!("Static")),
    );
    props.insert("publicIPAddressVersion".into(), PublicIp::IP_VERSION.json(config).cloned().unwrap_or(json!("IPv4")));
    set_managed(&mut props, config);
    let mut body = json!({
        "location": PublicIp::LOCATION.json(config),
        "sku": {"name": PublicIp::SKU.json(config), "tier": "Regional"},
        "tags": PublicIp::TAGS.json(config).cloned().unwrap_or(json!({})),
        "properties": props,
    });
    if let Some(zones) = PublicIp::ZONES.json(config).and_then(Json::as_array).filter(|z| !z.is_empty()) {
        body["zones"] = Json::Array(zones.clone());
    }
    body
}

/// The attributes of an address's body.
pub(crate) fn attrs(body: &Json, id: &str) -> Json {
    let mut out = common(body, id);
    let props = body.get("properties").cloned().unwrap_or(json!({}));
    let copy = |out: &mut Map<String, Json>, attr: &str, value: Option<&Json>| {
        if let Some(v) = value.filter(|v| !v.is_null()) {
            out.insert(attr.into(), v.clone());
        }
    };
    copy(&mut out, PublicIp::SKU.name(), body.pointer("/sku/name"));
    copy(&mut out, PublicIp::ALLOCATION_METHOD.name(), props.get("publicIPAllocationMethod"));
    copy(&mut out, PublicIp::IP_VERSION.name(), props.get("publicIPAddressVersion"));
    copy(&mut out, PublicIp::IDLE_TIMEOUT_MINUTES.name(), props.get("idleTimeoutInMinutes"));
    copy(&mut out, PublicIp::IP_ADDRESS.name(), props.get("ipAddress"));
    copy(&mut out, PublicIp::DOMAIN_NAME_LABEL.name(), props.pointer("/dnsSettings/domainNameLabel"));
    copy(&mut out, PublicIp::FQDN.name(), props.pointer("/dnsSettings/fqdn"));
    copy(&mut out, PublicIp::PROVISIONING_STATE.name(), props.get("provisioningState"));
    out.insert(PublicIp::ZONES.name().into(), body.get("zones").cloned().unwrap_or(json!([])));
    Json::Object(out)
}

#[async_trait]
impl ArmType for PublicIp {
    const API: &'static str = api::PUBLIC_IP_ADDRESSES;

    fn path(ctx: &Ctx<'_>, config: &Json) -> Result<String, ProviderError> {
        path(ctx, config)
    }

    async fn read(ctx: &Ctx<'_>, id: &str, _prior: &Json) -> Result<Option<Json>, ArmError> {
        Ok(ctx.client.get(id, api::PUBLIC_IP_ADDRESSES).await?.map(|f| attrs(&f.body, id)))
    }

    async fn create(ctx: &Ctx<'_>, config: &Json) -> Result<Json, ProviderError> {
        let path = path(ctx, config)?;
        let fetched = super::put_resuming(ctx.client, &path, api::PUBLIC_IP_ADDRESSES, &create_body(config))
            .await
            .map_err(fail)?;
        Ok(attrs(&fetched.body, &super::id_of(&fetched.body, &path)))
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
            .get(id, api::PUBLIC_IP_ADDRESSES)
            .await
            .map_err(fail)?
            .ok_or_else(|| ProviderError::not_found(format!("the public ip address {id} no longer exists")))?;
        let mut body = live.body.clone();
        body["tags"] = PublicIp::TAGS.json(config).cloned().unwrap_or(json!({}));
        if !body["properties"].is_object() {
            body["properties"] = json!({});
        }
        set_managed(body["properties"].as_object_mut().expect("an object"), config);
        // Read-only properties ARM reports are not sent back.
        if let Some(props) = body["properties"].as_object_mut() {
            for read_only in ["provisioningState", "resourceGuid", "ipConfiguration"] {
                props.remove(read_only);
            }
        }
        let condition = live.etag.map_or(Condition::None, Condition::IfMatch);
        let fetched = ctx.client.put(id, api::PUBLIC_IP_ADDRESSES, &body, &condition).await.map_err(fail)?;
        Ok(attrs(&fetched.body, id))
    }
}
