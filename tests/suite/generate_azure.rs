//! `import --generate` for the Azure data types: a MySQL flexible server and an Event Hubs
//! namespace made with raw ARM PUTs on the emulator, written as code, the code committed under
//! `generated/` byte for byte and compiled into this suite, then declared, imported and
//! planned: "No changes"; and discovery in one resource group of a group, a server, a cache
//! and a namespace.

use quikinfra::engine::environment::Environment;
use quikinfra_arm_emulator::{Config, Emulator};
use serde_json::json;

use crate::generate::{self, ENVIRONMENT, Run, SUBSCRIPTION, arm, assert_committed, ok};
use crate::generated;

/// The variable the generated MySQL code reads the administrator password from.
const PASSWORD_VARIABLE: &str = "MYSQL_MAIN_PASSWORD";

/// Runs `env` against the emulator at `arm` with `--cloud real`.
fn cli(dir: &std::path::Path, env: Environment, arm: &str, args: &[&str]) -> Run {
    generate::cli(dir, env, None, Some(arm), args)
}

/// Generates `address` from `id`, checks the committed file, then declares it with `declare`,
/// imports `id` and plans: "No changes".
#[track_caller]
fn round_trip(url: &str, address: &str, id: &str, file: &str, declare: fn(&mut Environment)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let run = cli(dir.path(), Environment::new(ENVIRONMENT), url, &["import", address, id, "--generate"]);
    ok(&run);
    assert_committed(file, &run.out);
    let declared = || {
        let mut env = Environment::new(ENVIRONMENT);
        declare(&mut env);
        env
    };
    ok(&cli(dir.path(), declared(), url, &["import", address, id]));
    let run = cli(dir.path(), declared(), url, &["plan", "--detailed-exitcode"]);
    ok(&run);
    assert!(run.out.contains("No changes."), "{}", run.out);
    dir
}

/// PUTs `body` to `path` and polls until the object settles, as `az` does; its id.
fn put_settled(url: &str, path: &str, api: &str, body: &serde_json::Value) -> String {
    let (status, _) = arm(url, "PUT", &format!("{path}?api-version={api}"), Some(body));
    assert!((200..=202).contains(&status), "{path}: {status}");
    for _ in 0..50 {
        let (status, live) = arm(url, "GET", &format!("{path}?api-version={api}"), None);
        let state = live.pointer("/properties/provisioningState").and_then(|s| s.as_str());
        if status == 200 && matches!(state, None | Some("Succeeded")) {
            return path.to_string();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("{path} never settled");
}

fn group_path(group: &str) -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}")
}

fn group_made_outside(url: &str, group: &str) -> String {
    put_settled(url, &group_path(group), "2024-03-01", &json!({"location": "westeurope", "tags": {"team": "data"}}))
}

/// A General Purpose MySQL 8.4 server, zone redundant, 128 GB, 14 days of backups, tagged.
fn server_made_outside(url: &str, group: &str, name: &str) -> String {
    let body = json!({
        "location": "westeurope",
        "sku": {"name": "Standard_D2ds_v4", "tier": "GeneralPurpose"},
        "tags": {"environment": ENVIRONMENT, "managed-by": "quikinfra", "cost-center": "42"},
        "properties": {
            "createMode": "Default", "administratorLogin": "quikadmin", "administratorLoginPassword": "made-outside-1!",
            "version": "8.4", "storage": {"storageSizeGB": 128}, "highAvailability": {"mode": "ZoneRedundant"},
            "backup": {"backupRetentionDays": 14},
        },
    });
    let path = format!("{}/providers/Microsoft.DBforMySQL/flexibleServers/{name}", group_path(group));
    put_settled(url, &path, "2024-12-30", &body)
}

/// A Premium namespace of two processing units with two topics, tagged.
fn namespace_made_outside(url: &str, group: &str, name: &str) -> String {
    let body = json!({
        "location": "westeurope",
        "sku": {"name": "Premium", "tier": "Premium", "capacity": 2},
        "tags": {"environment": ENVIRONMENT, "managed-by": "quikinfra", "cost-center": "42"},
        "properties": {"zoneRedundant": true, "minimumTlsVersion": "1.2"},
    });
    let path = format!("{}/providers/Microsoft.EventHub/namespaces/{name}", group_path(group));
    let id = put_settled(url, &path, "2024-01-01", &body);
    for (topic, partitions, hours) in [("media-uploaded", 12, 72), ("audit", 2, 168)] {
        let hub = json!({"properties": {"partitionCount": partitions,
            "retentionDescription": {"cleanupPolicy": "Delete", "retentionTimeInHours": hours}}});
        put_settled(url, &format!("{id}/eventhubs/{topic}"), "2024-01-01", &hub);
    }
    id
}

/// A `Balanced_B3` cache with high availability and the OSS clustering policy.
fn cache_made_outside(url: &str, group: &str, name: &str) -> String {
    let path = format!("{}/providers/Microsoft.Cache/redisEnterprise/{name}", group_path(group));
    let cluster = json!({"location": "westeurope", "sku": {"name": "Balanced_B3"},
                         "properties": {"highAvailability": "Enabled", "minimumTlsVersion": "1.2"}});
    let id = put_settled(url, &path, "2025-07-01", &cluster);
    let database =
        json!({"properties": {"clusteringPolicy": "OSSCluster", "clientProtocol": "Encrypted", "port": 10000}});
    put_settled(url, &format!("{id}/databases/default"), "2025-07-01", &database);
    id
}

fn emulator() -> Emulator {
    Emulator::start(Config { polls: 1, retry_after_ms: 1, ..Config::default() })
        .expect("the ARM emulator must start for this test")
}

#[test]
#[allow(unsafe_code)] // setting a variable only this test reads
fn a_mysql_server_made_outside_is_generated_compiled_imported_and_planned_with_no_changes() {
    let emulator = emulator();
    let url = emulator.url();
    group_made_outside(&url, "rg-data-imported");
    let id = server_made_outside(&url, "rg-data-imported", "mysql-quikapp-imported");
    unsafe { std::env::set_var(PASSWORD_VARIABLE, "made-outside-1!") };
    let declare = generated::mysql_server::declare;
    let dir = round_trip(&url, "azure_mysql_flexible_server.main", &id, "mysql_server.rs", declare);

    // The imported password is the variable's value: a new value is a change.
    unsafe { std::env::set_var(PASSWORD_VARIABLE, "rotated-2!") };
    let mut env = Environment::new(ENVIRONMENT);
    declare(&mut env);
    let run = cli(dir.path(), env, &url, &["plan"]);
    ok(&run);
    assert!(run.out.contains("~ administrator_password = (sensitive value)"), "{}", run.out);
    assert!(!run.out.contains("rotated-2!"), "{}", run.out);
}

#[test]
fn a_kafka_namespace_made_outside_is_generated_compiled_imported_and_planned_with_no_changes() {
    let emulator = emulator();
    let url = emulator.url();
    group_made_outside(&url, "rg-events-imported");
    let id = namespace_made_outside(&url, "rg-events-imported", "evh-quikapp-imported");
    round_trip(&url, "azure_eventhub_namespace.main", &id, "kafka_namespace.rs", generated::kafka_namespace::declare);
}

#[test]
fn discovery_in_a_resource_group_writes_its_group_server_cache_and_namespace() {
    let emulator = emulator();
    let url = emulator.url();
    group_made_outside(&url, "rg-data");
    server_made_outside(&url, "rg-data", "mysql-data");
    cache_made_outside(&url, "rg-data", "redis-data");
    namespace_made_outside(&url, "rg-data", "evh-data");
    group_made_outside(&url, "rg-other");
    server_made_outside(&url, "rg-other", "mysql-elsewhere");
    let dir = tempfile::tempdir().unwrap();
    let discover = |type_name: &str| {
        let args = ["import", "--generate", "--discover", type_name, "--resource-group", "rg-data"];
        let run = cli(dir.path(), Environment::new(ENVIRONMENT), &url, &args);
        ok(&run);
        assert!(!run.out.contains("elsewhere") && !run.out.contains("rg-other"), "{}", run.out);
        run.out
    };
    let expected = [
        ("azure_resource_group", r#"ResourceGroup::new("rg-data", "rg-data", "westeurope")"#),
        (
            "azure_mysql_flexible_server",
            r#"MySqlFlexibleServer::in_group("mysql-data", "mysql-data", "rg-data", "westeurope")"#,
        ),
        ("azure_managed_redis", r#"ManagedRedis::in_group("redis-data", "redis-data", "rg-data", "westeurope")"#),
        ("azure_eventhub_namespace", r#"KafkaNamespace::in_group("evh-data", "evh-data", "rg-data", "westeurope")"#),
    ];
    for (type_name, constructor) in expected {
        let code = discover(type_name);
        assert_eq!(code.matches("env.add(").count(), 1, "{code}");
        assert!(code.contains(constructor), "{type_name}:\n{code}");
    }
    let cache = discover("azure_managed_redis");
    assert!(cache.contains(".sku(RedisSku::BalancedB3)") && cache.contains(".high_availability(true)"), "{cache}");
    assert!(cache.contains(".clustering_policy(ClusteringPolicy::OssCluster)"), "{cache}");

    let run = cli(
        dir.path(),
        Environment::new(ENVIRONMENT),
        &url,
        &["import", "--generate", "--discover", "azure_resource_group"],
    );
    assert_ne!(run.code, 0);
    assert!(run.err.contains("pass --resource-group NAME"), "{}", run.err);
}
