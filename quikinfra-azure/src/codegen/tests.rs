//! The Azure generators' unit tests: each type's code for a live object as its read returns
//! it, defaults left out, and the values the builders cannot write refused by attribute.

use std::collections::BTreeMap;

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{Generate, GenerateContext};
use quikinfra_core::value::{Attrs, Value};
use serde_json::json;

use crate::{KafkaNamespace, ManagedRedis, MySqlFlexibleServer, ResourceGroup};

const GROUP: &str = "/subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rg-data";

fn live(json: serde_json::Value) -> Attrs {
    match Value::from_json(json) {
        Ok(Value::Map(map)) => map,
        other => panic!("not a map: {other:?}"),
    }
}

fn placed(id: &str, name: &str, rest: serde_json::Value) -> Attrs {
    let mut attrs = live(json!({
        "id": format!("{GROUP}/providers/{id}/{name}"),
        "name": name,
        "location": "westeurope",
        "resource_group": "rg-data",
        "subscription_id": "00000000-0000-0000-0000-00000000c0de",
        "tags": {"environment": "prod", "cost-center": "42"},
    }));
    attrs.extend(live(rest));
    attrs
}

/// The statement `R` writes for `live`, with `environment=prod` as the standard tags.
fn statement<R: Generate>(live: &Attrs) -> Result<String, String> {
    let standard = BTreeMap::from([("environment".to_string(), "prod".to_string())]);
    R::generate(&Address::new(R::TYPE, "main"), live, &GenerateContext { standard_tags: &standard })
        .map(|d| d.statement(0))
        .map_err(|e| e.to_string())
}

#[test]
fn a_resource_group_is_its_name_region_and_tags() {
    let live = live(json!({
        "id": GROUP, "name": "rg-data", "location": "westeurope", "resource_group": "rg-data",
        "subscription_id": "00000000-0000-0000-0000-00000000c0de", "tags": {"environment": "prod", "team": "media"},
    }));
    assert_eq!(
        statement::<ResourceGroup>(&live).unwrap(),
        "// The group is in subscription 00000000-0000-0000-0000-00000000c0de: the run's AZURE_SUBSCRIPTION_ID must name it.\n\
         env.add(\n    ResourceGroup::new(\"main\", \"rg-data\", \"westeurope\")\n        .tag(\"team\", \"media\"),\n);\n"
    );
}

#[test]
fn a_mysql_server_writes_its_sku_enums_and_administrator_with_a_secret() {
    let live = placed(
        "Microsoft.DBforMySQL/flexibleServers",
        "mysql-quikapp",
        json!({"version": "8.4", "sku_tier": "GeneralPurpose", "sku_name": "Standard_D4ds_v4", "storage_gb": 256,
               "high_availability": "ZoneRedundant", "backup_retention_days": 7, "administrator_login": "quikadmin",
               "fqdn": "mysql-quikapp.mysql.database.azure.com"}),
    );
    let code = statement::<MySqlFlexibleServer>(&live).unwrap();
    assert_eq!(
        code,
        "// Azure never returns the administrator password: set MYSQL_MAIN_PASSWORD to the server's current one before import and plan; changing it later changes the password.\n\
         // The resource group `rg-data` is named, not referenced: where the definition declares it, use MySqlFlexibleServer::new(…, &group) instead.\n\
         // The server is in subscription 00000000-0000-0000-0000-00000000c0de: the run's AZURE_SUBSCRIPTION_ID must name it.\n\
         env.add(\n    MySqlFlexibleServer::in_group(\"main\", \"mysql-quikapp\", \"rg-data\", \"westeurope\")\n        \
         .sku(MySqlTier::GeneralPurpose, \"Standard_D4ds_v4\")\n        .version(MySqlVersion::V8_4)\n        \
         .high_availability(HighAvailability::ZoneRedundant)\n        \
         .administrator(\"quikadmin\", Secret::from_env(\"MYSQL_MAIN_PASSWORD\"))\n        .storage_gb(256)\n        \
         .tag(\"cost-center\", \"42\"),\n);\n"
    );
}

#[test]
fn a_default_mysql_server_writes_only_its_administrator() {
    let live = placed(
        "Microsoft.DBforMySQL/flexibleServers",
        "mysql-small",
        json!({"version": "8.0.21", "sku_tier": "Burstable", "sku_name": "Standard_B1ms", "storage_gb": 20,
               "high_availability": "Disabled", "backup_retention_days": 7, "administrator_login": "quikadmin"}),
    );
    let code = statement::<MySqlFlexibleServer>(&live).unwrap();
    assert!(
        code.contains("in_group(\"main\", \"mysql-small\", \"rg-data\", \"westeurope\")\n        .administrator("),
        "{code}"
    );
    for absent in [".sku(", ".version(", ".high_availability(", ".storage_gb(", ".backup_retention_days("] {
        assert!(!code.contains(absent), "{absent} in {code}");
    }
}

#[test]
fn mysql_values_the_builders_cannot_write_are_refused_by_attribute() {
    let base = json!({"version": "8.0.21", "sku_tier": "Burstable", "sku_name": "Standard_B1ms", "storage_gb": 20,
                      "high_availability": "Disabled", "backup_retention_days": 7, "administrator_login": "quikadmin"});
    let with = |key: &str, value: serde_json::Value| {
        let mut rest = base.clone();
        rest[key] = value;
        statement::<MySqlFlexibleServer>(&placed("Microsoft.DBforMySQL/flexibleServers", "m", rest)).unwrap_err()
    };
    assert_eq!(
        with("version", json!("9.1")),
        "azure_mysql_flexible_server.main: cannot write `version` as code: String(\"9.1\") is no `MySqlVersion`"
    );
    assert!(with("sku_tier", json!("Hyperscale")).contains("`sku_tier`"));
    assert!(with("administrator_login", json!(null)).contains("`administrator_login` as code: the object has none"));
    let mut no_group = placed("Microsoft.DBforMySQL/flexibleServers", "m", base.clone());
    no_group.remove("resource_group");
    assert!(statement::<MySqlFlexibleServer>(&no_group).unwrap_err().contains("`resource_group`"));
}

#[test]
fn a_redis_cache_writes_its_sku_and_policy_as_enums() {
    let live = placed(
        "Microsoft.Cache/redisEnterprise",
        "redis-quikapp",
        json!({"sku": "Balanced_B5", "high_availability": true, "clustering_policy": "OSSCluster",
               "host_name": "redis-quikapp.westeurope.redis.azure.net"}),
    );
    let code = statement::<ManagedRedis>(&live).unwrap();
    assert!(
        code.contains(
            "ManagedRedis::in_group(\"main\", \"redis-quikapp\", \"rg-data\", \"westeurope\")\n        \
             .sku(RedisSku::BalancedB5)\n        .clustering_policy(ClusteringPolicy::OssCluster)\n        \
             .high_availability(true)\n        .tag(\"cost-center\", \"42\"),"
        ),
        "{code}"
    );
    let default = placed(
        "Microsoft.Cache/redisEnterprise",
        "redis-small",
        json!({"sku": "Balanced_B1", "high_availability": false, "clustering_policy": "EnterpriseCluster"}),
    );
    let code = statement::<ManagedRedis>(&default).unwrap();
    assert!(!code.contains(".sku(") && !code.contains(".clustering_policy(") && !code.contains(".high_availability("));
    let unknown = placed("Microsoft.Cache/redisEnterprise", "r", json!({"sku": "Enterprise_E10"}));
    assert!(statement::<ManagedRedis>(&unknown).unwrap_err().contains("`sku` as code"));
}

#[test]
fn every_redis_sku_is_listed_once() {
    let names: std::collections::BTreeSet<String> =
        crate::RedisSku::ALL.iter().map(|s| serde_json::to_string(s).unwrap()).collect();
    assert_eq!(names.len(), crate::RedisSku::ALL.len());
    assert!(names.contains("\"FlashOptimized_A4500\""));
}

#[test]
fn a_kafka_namespace_writes_its_tier_and_one_call_per_topic() {
    let live = placed(
        "Microsoft.EventHub/namespaces",
        "evh-quikapp",
        json!({"tier": "Premium", "capacity": 2, "zone_redundant": true,
               "kafka_endpoint": "evh-quikapp.servicebus.windows.net:9093",
               "topics": [{"name": "media-uploaded", "partitions": 12, "retention_hours": 72},
                          {"name": "audit", "partitions": 1, "retention_hours": 24}]}),
    );
    let code = statement::<KafkaNamespace>(&live).unwrap();
    assert!(
        code.contains(
            "KafkaNamespace::in_group(\"main\", \"evh-quikapp\", \"rg-data\", \"westeurope\")\n        \
             .tier(EventHubsTier::Premium)\n        .topic(\"media-uploaded\", 12, 72)\n        \
             .topic(\"audit\", 1, 24)\n        .capacity(2)\n        .zone_redundant(true)\n        \
             .tag(\"cost-center\", \"42\"),"
        ),
        "{code}"
    );
    let broken = placed(
        "Microsoft.EventHub/namespaces",
        "evh-quikapp",
        json!({"tier": "Standard", "topics": [{"name": "t", "partitions": -1, "retention_hours": 24}]}),
    );
    assert_eq!(
        statement::<KafkaNamespace>(&broken).unwrap_err(),
        "azure_eventhub_namespace.main: cannot write `topics` as code: topic 0 has no name, partition count and retention in hours"
    );
}
