//! The provider's parsing fed the official example payloads (`testdata/arm-examples`): every
//! response body reads without error, unknown fields change nothing, regions come back short,
//! secrets never come back, and what the example's request asked for reads back unchanged.

use serde_json::{Value as Json, json};

use super::*;

fn example(path: &str) -> Json {
    let file = format!("{}/testdata/arm-examples/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn response(example: &Json, status: &str) -> Json {
    example["responses"][status]["body"].clone()
}

/// Adds fields no API version has yet, everywhere in the body but in tags (user data).
fn with_unknown_fields(mut body: Json) -> Json {
    fn walk(v: &mut Json) {
        match v {
            Json::Object(map) => {
                map.iter_mut().filter(|(k, _)| *k != "tags").for_each(|(_, v)| walk(v));
                map.insert("futureField".into(), json!({"nested": [1, 2, 3]}));
            }
            Json::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut body);
    body
}

/// Parsing `body` gives the same attributes with unknown fields added, and `expected` among them.
#[track_caller]
fn check(parse: impl Fn(&Json) -> Json, body: &Json, expected: Json) {
    let attrs = parse(body);
    assert_eq!(parse(&with_unknown_fields(body.clone())), attrs, "unknown fields changed the attributes");
    for (key, want) in expected.as_object().unwrap() {
        assert_eq!(attrs.get(key), Some(want), "attribute `{key}` in {attrs:#}");
    }
    // Every attribute becomes an engine value.
    assert!(!to_attrs(attrs).is_empty());
}

#[test]
fn aks_example_bodies_read_as_the_request_asked() {
    let create = example("aks/2026-07-01_ManagedClustersCreate_Update.json");
    let get = example("aks/2026-07-01_ManagedClustersGet.json");
    let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1";
    let parse = |b: &Json| aks::attrs(b, id, None);
    let requested = json!({
        "name": "clustername1",
        "location": "location1",
        "resource_group": "rg1",
        "dns_prefix": "dnsprefix1",
        "availability_zones": ["1", "2", "3"],
        "system_pool_vm_size": "Standard_DS1_v2",
        "system_pool_nodes": {"count": 3},
        "tags": {"archv2": "", "tier": "production"},
        "admin_group_object_ids": [],
    });
    for status in ["200", "201"] {
        check(parse, &response(&create, status), requested.clone());
    }
    check(parse, &response(&get, "200"), requested);
    let created = parse(&response(&create, "201"));
    assert_eq!(created["provisioning_state"], "Creating");
    assert_eq!(created["kubernetes_version"], "1.9.6");
    assert_eq!(created["node_resource_group"], "MC_rg1_clustername1_location1");
    assert_eq!(
        created["network_profile"],
        json!({"network_plugin": "kubenet", "pod_cidr": "10.244.0.0/16", "service_cidr": "10.0.0.0/16", "dns_service_ip": "10.0.0.10"})
    );
    // The definition manages only some network keys: only those are read back.
    let hint = json!({"network_plugin": "kubenet"});
    assert_eq!(aks::attrs(&response(&get, "200"), id, Some(&hint))["network_profile"], hint);
    assert_eq!(parse(&response(&get, "200"))["fqdn"], "dnsprefix1-abcd1234.hcp.eastus.azmk8s.io");
}

#[test]
fn aks_bodies_never_carry_secrets_into_attributes() {
    let body = response(&example("aks/2026-07-01_ManagedClustersCreate_Update.json"), "200");
    let text = aks::attrs(&body, "/x", None).to_string();
    assert!(!text.contains("replacePassword1234$") && !text.contains("\"secret\""), "{text}");
}

#[test]
fn aks_create_bodies_match_the_example_request_shape() {
    let config = json!({
        "name": "aks1", "location": "westeurope", "resource_group": "rg1", "dns_prefix": "aks1",
        "kubernetes_version": "1.33", "sku_tier": "Standard", "availability_zones": ["1", "2", "3"],
        "system_pool_vm_size": "Standard_D4s_v5", "system_pool_nodes": {"count": 3},
        "user_pool_vm_size": "Standard_D8s_v5", "user_pool_nodes": {"min_count": 3, "max_count": 5},
        "network_profile": {"network_plugin": "azure", "network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16"},
        "admin_group_object_ids": ["6f2c1c1e-3b7a-4c55-9a3e-2f1d0c9b8a7e"], "tags": {"environment": "live"}
    });
    let body = aks::create_body(&config);
    let request = &example("aks/2026-07-01_ManagedClustersCreate_Update.json")["parameters"]["parameters"];
    for key in ["location", "identity", "properties", "sku", "tags"] {
        assert!(request.get(key).is_some() && body.get(key).is_some(), "{key}");
    }
    let pools = body["properties"]["agentPoolProfiles"].as_array().unwrap();
    assert_eq!(pools[0]["mode"], "System");
    assert_eq!(pools[1]["enableAutoScaling"], true);
    assert_eq!(pools[1]["minCount"], 3);
    assert_eq!(pools[1]["count"], 3);
    assert_eq!(body["properties"]["networkProfile"]["networkPluginMode"], "overlay");
    assert_eq!(body["properties"]["aadProfile"]["enableAzureRBAC"], true);
    assert_eq!(body["sku"], json!({"name": "Base", "tier": "Standard"}));
}

#[test]
fn kubernetes_upgrades_go_one_minor_version_up() {
    assert!(aks::check_upgrade("1.32", "1.33").is_ok());
    assert!(aks::check_upgrade("1.33.2", "1.33").is_ok());
    let skip = aks::check_upgrade("1.31", "1.33").unwrap_err();
    assert!(skip.message.contains("runs 1.31, so 1.33 is not allowed (next: 1.32)"), "{}", skip.message);
    assert!(aks::check_upgrade("1.33", "1.32").is_err());
}

#[test]
fn mysql_example_bodies_read_short_regions_and_no_password() {
    let create = example("mysql/2024-12-30_ServerCreate.json");
    let id = "/subscriptions/ffffffff-ffff-ffff-ffff-ffffffffffff/resourceGroups/testrg/providers/Microsoft.DBforMySQL/flexibleServers/mysqltestserver";
    let parse = |b: &Json| mysql::attrs(b, id);
    let requested = json!({
        "name": "mysqltestserver",
        "location": "southeastasia",
        "resource_group": "testrg",
        "version": "5.7",
        "sku_tier": "GeneralPurpose",
        "sku_name": "Standard_D2ds_v4",
        "storage_gb": 100,
        "high_availability": "ZoneRedundant",
        "backup_retention_days": 7,
        "administrator_login": "cloudsa",
        "fqdn": "mysqltestserver.database.mysql.azure.com",
        "tags": {"num": "1"},
    });
    for status in ["200", "201"] {
        let body = response(&create, status);
        check(parse, &body, requested.clone());
        assert!(parse(&body).get("administrator_password").is_none());
    }
    // 202 has no body: nothing to parse, and the client reads the resource after polling.
    assert!(create["responses"]["202"].get("body").is_none());
}

#[test]
fn mysql_updates_send_the_password_only_when_it_changed() {
    let config = json!({"sku_tier": "GeneralPurpose", "sku_name": "Standard_D2ds_v4", "storage_gb": 64,
        "version": "8.0.21", "high_availability": "Disabled", "backup_retention_days": 7, "administrator_password": "pw", "tags": {}});
    let prior = json!({"storage_gb": 32});
    let body = mysql::update_body(&config, &prior, &["storage_gb".into()]).unwrap();
    assert!(body["properties"].get("administratorLoginPassword").is_none());
    let body = mysql::update_body(&config, &prior, &["administrator_password".into()]).unwrap();
    assert_eq!(body["properties"]["administratorLoginPassword"], "pw");
    let shrink = mysql::update_body(&config, &json!({"storage_gb": 128}), &[]).unwrap_err();
    assert!(shrink.message.contains("only grows"), "{}", shrink.message);
}

#[test]
fn redis_example_bodies_read_cluster_and_database() {
    let cluster = example("redis-managed/2025-07-01_RedisEnterpriseCreate.json");
    let database = example("redis-managed/2025-07-01_RedisEnterpriseDatabasesCreate.json");
    let id = "/subscriptions/e7b5a9d2-6b6a-4d2f-9143-20d9a10f5b8f/resourceGroups/rg1/providers/Microsoft.Cache/redisEnterprise/cache1";
    for (c, d) in [("200", "200"), ("201", "201")] {
        let db = response(&database, d);
        let parse = |b: &Json| redis::attrs(b, Some(&db), id);
        check(
            parse,
            &response(&cluster, c),
            json!({
                "name": "cache1",
                "location": "westus",
                "resource_group": "rg1",
                "sku": "EnterpriseFlash_F300",
                "host_name": "cache1.westus.something.azure.net",
                "clustering_policy": "EnterpriseCluster",
                "tags": {"tag1": "value1"},
            }),
        );
    }
    // A cluster whose database is missing reads without a clustering policy (drift, not a crash).
    assert!(redis::attrs(&response(&cluster, "200"), None, id).get("clustering_policy").is_none());
}

#[test]
fn event_hubs_example_bodies_read_the_namespace() {
    let create = example("eventhub/2024-01-01_EHNameSpaceCreate.json");
    let id = "/subscriptions/SampleSubscription/resourceGroups/ResurceGroupSample/providers/Microsoft.EventHub/namespaces/NamespaceSample";
    let parse = |b: &Json| eventhubs::attrs(b, &[], id, None);
    for status in ["200", "201"] {
        check(
            parse,
            &response(&create, status),
            json!({
                "name": "NamespaceSample",
                "location": "eastus",
                "resource_group": "ResurceGroupSample",
                "tier": "Standard",
                "capacity": 1,
                "zone_redundant": false,
                "kafka_endpoint": "NamespaceSample.servicebus.windows-int.net:9093",
                "topics": [],
                "tags": {},
            }),
        );
    }
}

#[test]
fn topics_read_in_the_definitions_order() {
    let hub = |name: &str, partitions: u32, hours: u32| {
        json!({"name": name, "properties": {"partitionCount": partitions, "messageRetentionInDays": 3,
            "retentionDescription": {"cleanupPolicy": "Delete", "retentionTimeInHours": hours}, "status": "Active"}})
    };
    let hubs = [hub("alpha", 4, 24), hub("media-events", 12, 72), hub("chat", 24, 72)];
    let order = json!([{"name": "media-events"}, {"name": "chat"}]);
    let attrs = eventhubs::attrs(&json!({}), &hubs, "/x", Some(&order));
    let names: Vec<&str> = attrs["topics"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["media-events", "chat", "alpha"]);
    assert_eq!(attrs["topics"][0], json!({"name": "media-events", "partitions": 12, "retention_hours": 72}));
    // Days only (older bodies): hours derive from days.
    let old = json!({"name": "legacy", "properties": {"partitionCount": 2, "messageRetentionInDays": 2}});
    assert_eq!(eventhubs::topic_attrs(&old)["retention_hours"], 48);
}

#[test]
fn partition_changes_follow_the_tier() {
    assert!(eventhubs::check_partitions("Standard", "t", 4, 4).is_ok());
    assert!(eventhubs::check_partitions("Standard", "t", 4, 8).unwrap_err().message.contains("Standard namespace"));
    assert!(eventhubs::check_partitions("Premium", "t", 4, 8).is_ok());
    assert!(eventhubs::check_partitions("Premium", "t", 8, 4).unwrap_err().message.contains("never removed"));
}

#[test]
fn arm_errors_map_to_engine_kinds() {
    use crate::arm::{ArmError, ErrorBody};
    let http = |status| ArmError::Http {
        status,
        method: "PUT".into(),
        path: "/x".into(),
        error: Box::new(ErrorBody { code: "C".into(), message: "M".into(), target: Some("T".into()), details: vec![] }),
        attempts: 1,
    };
    assert_eq!(fail(http(404)).kind, ErrorKind::NotFound);
    assert_eq!(fail(http(409)).kind, ErrorKind::Conflict);
    assert_eq!(fail(http(412)).kind, ErrorKind::Conflict);
    let throttled = fail(http(429));
    assert_eq!(throttled.kind, ErrorKind::Permanent, "already retried by the client: never twice");
    assert!(throttled.message.starts_with("C: M (target: T)"), "{}", throttled.message);
}

#[test]
fn ids_name_their_group_and_subscription() {
    let id = "/subscriptions/s1/resourcegroups/rg-1/providers/Microsoft.Cache/redisEnterprise/c";
    assert_eq!(group_of(id).as_deref(), Some("rg-1"));
    assert_eq!(subscription_of(id).as_deref(), Some("s1"));
    assert_eq!(short_region("Southeast Asia"), "southeastasia");
}

#[test]
fn the_table_serves_each_type_once_and_each_has_the_shared_attributes() {
    use quikinfra_core::resource::Resource;

    assert_eq!(
        super::served(),
        [
            crate::ResourceGroup::TYPE,
            crate::AksCluster::TYPE,
            crate::MySqlFlexibleServer::TYPE,
            crate::ManagedRedis::TYPE,
            crate::KafkaNamespace::TYPE,
            crate::TrafficManagerProfile::TYPE,
            crate::PublicIp::TYPE,
        ]
    );
    let schemas = [
        crate::ResourceGroup::schema(),
        crate::AksCluster::schema(),
        crate::MySqlFlexibleServer::schema(),
        crate::ManagedRedis::schema(),
        crate::KafkaNamespace::schema(),
        crate::TrafficManagerProfile::schema(),
        crate::PublicIp::schema(),
    ];
    for schema in schemas {
        for name in [super::shared::ID, super::shared::NAME, super::shared::TAGS] {
            assert!(schema.attr(name).is_some(), "{} has no `{name}`", schema.type_name);
        }
    }
}

const TM: &str = "traffic-manager/2022-04-01_";

/// What an example's request asks for, in the spec's attributes (the monitor's interval from
/// the response when the request leaves it to ARM).
fn tm_requested(example: &Json, body: &Json) -> Json {
    let request = &example["parameters"]["parameters"]["properties"];
    let monitor = &request["monitorConfig"];
    let endpoints: Vec<Json> = request["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            json!({
                "name": e["name"],
                "type": e["type"].as_str().unwrap().rsplit('/').next().unwrap().replace("externalEndpoints", "ExternalEndpoints").replace("nestedEndpoints", "NestedEndpoints"),
                "target": e["properties"]["target"],
                "weight": body["properties"]["endpoints"].as_array().unwrap().iter().find(|b| b["name"] == e["name"]).unwrap()["properties"]["weight"],
                "status": e["properties"]["endpointStatus"],
            })
        })
        .collect();
    json!({
        "name": example["parameters"]["profileName"],
        "resource_group": example["parameters"]["resourceGroupName"],
        "dns_relative_name": request["dnsConfig"]["relativeName"],
        "ttl": request["dnsConfig"]["ttl"],
        "routing_method": request["trafficRoutingMethod"],
        "profile_status": request["profileStatus"],
        "monitor": {
            "protocol": monitor["protocol"],
            "port": monitor["port"],
            "path": monitor["path"],
            "interval_seconds": body["properties"]["monitorConfig"]["intervalInSeconds"],
        },
        "endpoints": endpoints,
    })
}

fn tm_id(example: &Json) -> String {
    format!(
        "/subscriptions/{{subscription-id}}/resourceGroups/{}/providers/Microsoft.Network/trafficManagerProfiles/{}",
        example["parameters"]["resourceGroupName"].as_str().unwrap(),
        example["parameters"]["profileName"].as_str().unwrap()
    )
}

/// The endpoints of `attrs` without their priorities (the hint decides those).
fn without_priorities(mut attrs: Json) -> Json {
    for e in attrs["endpoints"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("priority");
    }
    attrs
}

#[test]
fn traffic_manager_example_bodies_read_as_the_request_asked() {
    for (file, statuses) in [
        ("Profile-PUT-WithEndpoints.json", &["200", "201"][..]),
        ("Profile-PUT-WithCustomHeaders.json", &["200"]),
        ("Profile-PUT-NoEndpoints.json", &["200", "201"]),
        ("Profile-PUT-WithNestedEndpoints.json", &["200", "201"]),
    ] {
        let example = example(&format!("{TM}{file}"));
        let id = tm_id(&example);
        for status in statuses {
            let body = response(&example, status);
            let requested = tm_requested(&example, &body);
            let hint = requested["endpoints"].clone();
            let parse = |b: &Json| traffic_manager::attrs(b, &id, Some(&hint));
            check(parse, &body, requested.clone());
            let read = parse(&body);
            assert_eq!(read["fqdn"], body["properties"]["dnsConfig"]["fqdn"], "{file} {status}");
            assert_eq!(read["id"], json!(id));
            for absent in ["location", "subscription_id"] {
                assert!(read.get(absent).is_none(), "{file}: `{absent}` is no attribute of a profile");
            }
            // Without a hint (an import), ARM's priorities come back too.
            let all = traffic_manager::attrs(&body, &id, None);
            assert_eq!(without_priorities(all.clone()), read, "{file} {status}");
            for e in all["endpoints"].as_array().unwrap() {
                assert!(e["priority"].as_u64().is_some(), "{file}: {e}");
            }
        }
    }
    // A GET and a PATCH answer read the same way.
    for (file, routing) in
        [("Profile-GET-WithEndpoints.json", "Performance"), ("Profile-PATCH-MonitorConfig.json", "Performance")]
    {
        let example = example(&format!("{TM}{file}"));
        let body = response(&example, "200");
        let parse = |b: &Json| traffic_manager::attrs(b, &tm_id(&example), None);
        check(
            parse,
            &body,
            json!({
                "routing_method": routing,
                "ttl": 35,
                "tags": {},
                "endpoints": [{"name": "My external endpoint", "type": "ExternalEndpoints", "target": "foobar.contoso.com",
                    "weight": 1, "priority": 1, "status": "Enabled"}],
            }),
        );
    }
    let patched = traffic_manager::attrs(
        &response(&example(&format!("{TM}Profile-PATCH-MonitorConfig.json")), "200"),
        "/x",
        None,
    );
    assert_eq!(
        patched["monitor"],
        json!({"protocol": "HTTP", "port": 80, "path": "/testpath.aspx", "interval_seconds": 30})
    );
}

#[test]
fn traffic_manager_priorities_read_back_only_where_the_definition_sets_them() {
    let example = example(&format!("{TM}Profile-PUT-WithNestedEndpoints.json"));
    let body = response(&example, "201");
    let hint = json!([{"name": "MyFirstNestedEndpoint", "priority": 1}, {"name": "MySecondNestedEndpoint"}]);
    let read = traffic_manager::attrs(&body, "/x", Some(&hint));
    assert_eq!(read["routing_method"], "Priority");
    assert_eq!(read["endpoints"][0]["priority"], 1);
    assert!(read["endpoints"][1].get("priority").is_none());
    assert_eq!(read["endpoints"][1]["type"], "NestedEndpoints");
    // The definition's order, whatever ARM's.
    let reversed = json!([{"name": "MySecondNestedEndpoint"}, {"name": "MyFirstNestedEndpoint"}]);
    let names: Vec<Json> = traffic_manager::attrs(&body, "/x", Some(&reversed))["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].clone())
        .collect();
    assert_eq!(names, [json!("MySecondNestedEndpoint"), json!("MyFirstNestedEndpoint")]);
}

#[test]
fn traffic_manager_create_bodies_match_the_example_request_shape() {
    let example = example(&format!("{TM}Profile-PUT-WithEndpoints.json"));
    let request = &example["parameters"]["parameters"];
    let config = json!({
        "name": "azuresdkfornetautoresttrafficmanager6192", "resource_group": "rg",
        "dns_relative_name": "azuresdkfornetautoresttrafficmanager6192", "ttl": 35, "routing_method": "Performance",
        "monitor": {"protocol": "HTTP", "port": 80, "path": "/testpath.aspx", "interval_seconds": 10},
        "endpoints": [{"name": "My external endpoint", "type": "ExternalEndpoints", "target": "foobar.contoso.com",
            "weight": 1, "status": "Enabled"}],
        "tags": {},
    });
    let body = traffic_manager::create_body(&config);
    assert_eq!(body["location"], request["location"]);
    let (ours, theirs) = (&body["properties"], &request["properties"]);
    for key in ["dnsConfig", "profileStatus", "trafficRoutingMethod"] {
        assert_eq!(ours[key], theirs[key], "{key}");
    }
    for key in ["protocol", "port", "path", "intervalInSeconds"] {
        assert_eq!(ours["monitorConfig"][key], theirs["monitorConfig"][key], "monitorConfig.{key}");
    }
    let (e, want) = (&ours["endpoints"][0], &theirs["endpoints"][0]);
    assert_eq!(e["name"], want["name"]);
    assert!(e["type"].as_str().unwrap().eq_ignore_ascii_case(want["type"].as_str().unwrap()), "{}", e["type"]);
    for key in ["target", "endpointStatus"] {
        assert_eq!(e["properties"][key], want["properties"][key], "{key}");
    }
    // An Azure endpoint names its resource; ARM fills the target.
    let azure = json!({"endpoints": [{"name": "blue", "type": "AzureEndpoints", "target_resource_id": "/subscriptions/s/x",
        "weight": 1, "priority": 1, "status": "Enabled"}]});
    let e = &traffic_manager::create_body(&azure)["properties"]["endpoints"][0];
    assert_eq!(e["type"], "Microsoft.Network/trafficManagerProfiles/azureEndpoints");
    assert_eq!(
        e["properties"],
        json!({"targetResourceId": "/subscriptions/s/x", "endpointStatus": "Enabled", "weight": 1, "priority": 1})
    );
}

#[test]
fn traffic_manager_updates_change_only_what_the_definition_manages() {
    let live = response(&example(&format!("{TM}Profile-PUT-WithCustomHeaders.json")), "200");
    let config = json!({
        "routing_method": "Weighted", "ttl": 30, "dns_relative_name": "azuresdkfornetautoresttrafficmanager6192",
        "monitor": {"protocol": "HTTPS", "port": 443, "path": "/healthz", "interval_seconds": 30},
        "endpoints": [
            {"name": "My external endpoint", "type": "ExternalEndpoints", "target": "foobar.contoso.com", "weight": 5, "status": "Disabled"},
            {"name": "green", "type": "ExternalEndpoints", "target": "green.contoso.com", "weight": 1, "status": "Enabled"},
        ],
        "tags": {"environment": "live"},
    });
    let body = traffic_manager::update_body(&live, &config).unwrap();
    let props = &body["properties"];
    assert_eq!(props["trafficRoutingMethod"], "Weighted");
    assert_eq!(props["trafficViewEnrollmentStatus"], "Disabled", "unmanaged settings survive");
    assert_eq!(props["monitorConfig"]["customHeaders"], live["properties"]["monitorConfig"]["customHeaders"]);
    assert!(props["monitorConfig"].get("timeoutInSeconds").is_none(), "a new interval lets ARM pick the timeout");
    let first = &props["endpoints"][0];
    assert_eq!(first["properties"]["endpointStatus"], "Disabled");
    assert_eq!(first["properties"]["weight"], 5);
    assert_eq!(first["properties"]["endpointLocation"], "North Europe");
    assert_eq!(first["properties"]["customHeaders"], live["properties"]["endpoints"][0]["properties"]["customHeaders"]);
    assert_eq!(props["endpoints"][1]["type"], "Microsoft.Network/trafficManagerProfiles/externalEndpoints");
    assert_eq!(body["tags"], json!({"environment": "live"}));
    // An endpoint no longer declared is dropped.
    let none = json!({"endpoints": []});
    assert_eq!(traffic_manager::update_body(&live, &none).unwrap()["properties"]["endpoints"], json!([]));
}

#[test]
fn traffic_manager_endpoint_payloads_read_as_endpoints() {
    let patch = example(&format!("{TM}Endpoint-PATCH-External-Target.json"));
    let endpoint = traffic_manager::endpoint_attrs(&response(&patch, "200"), false);
    assert_eq!(
        endpoint,
        json!({"name": "azsmnet7187", "type": "ExternalEndpoints", "target": "another.foobar.contoso.com", "weight": 1, "status": "Enabled"})
    );
    assert_eq!(
        patch["parameters"]["parameters"]["properties"]["target"], endpoint["target"],
        "what the PATCH asked for reads back"
    );
    // A profile's DELETE answers 200 with an empty body, or 204 when there was nothing.
    let delete = example(&format!("{TM}Profile-DELETE.json"));
    assert_eq!(response(&delete, "200"), json!({}));
    assert!(delete["responses"]["204"].get("body").is_none());
}

const PIP: &str = "network/2024-07-01_PublicIpAddress";

#[test]
fn public_ip_example_bodies_read_as_the_request_asked() {
    let id = "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/test-ip";
    let parse = |b: &Json| public_ip::attrs(b, id);
    // Standard, static, zonal: what the blueprint asks for.
    let custom = example(&format!("{PIP}CreateCustomizedValues.json"));
    let request = &custom["parameters"]["parameters"];
    for status in ["200", "201"] {
        check(
            parse,
            &response(&custom, status),
            json!({
                "name": "testDNS-ip",
                "resource_group": "rg1",
                "location": "eastus",
                "sku": request["sku"]["name"],
                "allocation_method": request["properties"]["publicIPAllocationMethod"],
                "ip_version": request["properties"]["publicIPAddressVersion"],
                "idle_timeout_minutes": request["properties"]["idleTimeoutInMinutes"],
                "zones": custom["parameters"]["zones"],
                "provisioning_state": "Succeeded",
            }),
        );
    }
    // A DNS label comes back with its name under cloudapp.azure.com.
    let dns = example(&format!("{PIP}CreateDns.json"));
    check(
        parse,
        &response(&dns, "201"),
        json!({
            "domain_name_label": dns["parameters"]["parameters"]["properties"]["dnsSettings"]["domainNameLabel"],
            "fqdn": "dnslbl.westus.cloudapp.azure.com",
            "zones": [],
        }),
    );
    // Defaults: a Basic, dynamic address; a GET with DDoS settings and IP tags reads the same way.
    let defaults = example(&format!("{PIP}CreateDefaults.json"));
    check(
        parse,
        &response(&defaults, "201"),
        json!({"sku": "Basic", "allocation_method": "Dynamic", "idle_timeout_minutes": 4}),
    );
    let get = example(&format!("{PIP}Get.json"));
    check(parse, &response(&get, "200"), json!({"location": "westus", "allocation_method": "Dynamic"}));
    // The request body of a create is the example's, in the spec's terms.
    let rg = crate::ResourceGroup::new("main", "rg1", "eastus");
    let spec = crate::PublicIp::new("ip", "test-ip", &rg).zones(["1"]).idle_timeout(10);
    let mut env = quikinfra_core::environment::Environment::new("t");
    env.add(spec);
    let mut config = to_json(&env.resources()[0].attrs);
    config["resource_group"] = json!("rg1");
    let body = public_ip::create_body(&config);
    assert_eq!(body["zones"], custom["parameters"]["zones"]);
    assert_eq!(body["properties"]["publicIPAllocationMethod"], request["properties"]["publicIPAllocationMethod"]);
    assert_eq!(body["properties"]["idleTimeoutInMinutes"], request["properties"]["idleTimeoutInMinutes"]);
    assert_eq!(body["properties"]["publicIPAddressVersion"], request["properties"]["publicIPAddressVersion"]);
    assert_eq!(body["sku"]["name"], request["sku"]["name"]);
    assert_eq!(body["location"], request["location"]);
    // Delete is a long-running operation polled through Location (the example's 202).
    let delete = example(&format!("{PIP}Delete.json"));
    assert!(delete["responses"]["202"]["headers"]["Location"].is_string());
}
