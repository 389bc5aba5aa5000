//! The `azure` provider driven by the real engine (plan, apply, local state in a temporary
//! directory) against the ARM emulator: create, no phantom changes, drift, in-place updates,
//! replacement, deletion through long-running operations, throttling, failed operations.

use std::sync::Arc;
use std::time::Duration;

use quikinfra_arm_emulator::{Config, Emulator, Fault};
use quikinfra_azure::arm::credential::StaticToken;
use quikinfra_azure::arm::{ArmClient, ArmConfig, PollConfig, RetryConfig};
use quikinfra_azure::{
    AksCluster, AksTier, AzureProvider, ClusteringPolicy, EventHubsTier, HighAvailability, KafkaNamespace,
    ManagedRedis, MySqlFlexibleServer, MySqlTier, RedisSku, Replicas, ResourceGroup,
};
use quikinfra_core::addr::Address;
use quikinfra_core::apply::{self, ApplyOptions, ApplyReport, SilentProgress};
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::{self, Action, Plan, PlanOptions, Reason};
use quikinfra_core::provider::Providers;
use quikinfra_core::state::StateStore;
use quikinfra_core::value::{Secret, Value};
use serde_json::json;

const SUB: &str = "11111111-2222-3333-4444-555555555555";

struct World {
    emu: Emulator,
    dir: tempfile::TempDir,
    provider: Arc<AzureProvider>,
    providers: Providers,
}

impl World {
    fn new() -> Self {
        let emu = Emulator::start(Config { polls: 2, retry_after_ms: 2, ..Config::default() })
            .expect("the ARM emulator must start for these tests");
        let mut config = ArmConfig::for_endpoint(emu.url().parse().unwrap());
        config.retry =
            RetryConfig { max_attempts: 5, base_delay: Duration::from_millis(2), max_delay: Duration::from_millis(50) };
        config.poll = PollConfig {
            default_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(50),
            timeout: Duration::from_secs(20),
        };
        let client = ArmClient::new(Arc::new(StaticToken::new("scenario-token")), config).unwrap();
        let provider = Arc::new(AzureProvider::new(client, Some(SUB.to_string())));
        let providers = Providers::new().register("azure", provider.clone(), 8);
        Self { emu, dir: tempfile::tempdir().unwrap(), provider, providers }
    }

    fn backend(&self, env: &Environment) -> StateStore {
        StateStore::local(self.dir.path(), env.name())
    }

    async fn plan(&self, env: &Environment) -> Plan {
        let state = self.backend(env).read().await.unwrap();
        let opts = PlanOptions { placeholder_secrets: true, ..PlanOptions::default() };
        plan::plan(env, state.as_ref(), &self.providers, &opts).await.expect("plan")
    }

    async fn apply(&self, env: &Environment, plan: &Plan) -> ApplyReport {
        let opts = ApplyOptions { parallelism: 4, placeholder_secrets: true, ..ApplyOptions::default() };
        apply::apply(plan, &env.schemas(), &self.providers, &self.backend(env), &SilentProgress, &opts)
            .await
            .expect("apply runs")
    }

    async fn converge(&self, env: &Environment) -> ApplyReport {
        let plan = self.plan(env).await;
        let report = self.apply(env, &plan).await;
        assert!(report.succeeded(), "apply failed: {:#?}", report.failures);
        report
    }

    async fn assert_no_changes(&self, env: &Environment) {
        let plan = self.plan(env).await;
        let actions: Vec<String> =
            plan.actions().map(|c| format!("{:?} {} {:?}", c.action, c.address, c.changes)).collect();
        assert!(
            actions.is_empty() && plan.drift.is_empty(),
            "expected no changes, got {actions:#?}\ndrift: {:#?}",
            plan.drift
        );
    }

    async fn id(&self, env: &Environment, address: &str) -> String {
        let state = self.backend(env).read().await.unwrap().expect("state written");
        let address: Address = address.parse().unwrap();
        state.resources.get(&address).unwrap_or_else(|| panic!("{address} is not in state")).id.clone()
    }
}

struct Shape {
    user_nodes: Replicas,
    user_vm: &'static str,
    kafka: bool,
    redis: bool,
}

impl Default for Shape {
    fn default() -> Self {
        Self { user_nodes: Replicas::fixed(3), user_vm: "Standard_D8s_v5", kafka: true, redis: true }
    }
}

fn estate(shape: &Shape) -> Environment {
    let group = ResourceGroup::new("main", "rg-quikapp-staging", "westeurope");
    let aks = AksCluster::new("main", "aks-quikapp-staging", &group)
        .tier(AksTier::Standard)
        .zones(["1", "2", "3"])
        .system_pool("Standard_D4s_v5", Replicas::fixed(3))
        .user_pool(shape.user_vm, shape.user_nodes)
        .kubernetes_version("1.33");
    let mysql = MySqlFlexibleServer::new("main", "mysql-quikapp-staging", &group)
        .sku(MySqlTier::GeneralPurpose, "Standard_D4ads_v5")
        .storage_gb(256)
        .high_availability(HighAvailability::Disabled)
        .backup_retention_days(14)
        .administrator("quikapp_admin", Secret::from_env("QUIKINFRA_SCENARIO_MYSQL_PASSWORD"));
    let mut env = Environment::new("staging").fact("tier", "pre-production").with(group.clone()).with(aks).with(mysql);
    if shape.redis {
        env.add(
            ManagedRedis::new("main", "redis-quikapp-staging", &group)
                .sku(RedisSku::BalancedB5)
                .high_availability(true)
                .clustering_policy(ClusteringPolicy::OssCluster),
        );
    }
    if shape.kafka {
        env.add(
            KafkaNamespace::new("main", "evh-quikapp-staging", &group)
                .tier(EventHubsTier::Premium)
                .zone_redundant(true)
                .topic("media-events", 12, 72)
                .topic("chat-messages", 24, 72),
        );
    }
    env
}

fn change_names(plan: &Plan, address: &str) -> Vec<String> {
    let c = plan.resource_changes.iter().find(|c| c.address.to_string() == address).unwrap();
    c.changes.iter().map(|a| a.name.clone()).collect()
}

fn action(plan: &Plan, address: &str) -> Action {
    plan.resource_changes.iter().find(|c| c.address.to_string() == address).map(|c| c.action).unwrap()
}

const AKS: &str = "azure_aks_cluster.main";
const REDIS: &str = "azure_managed_redis.main";
const KAFKA: &str = "azure_eventhub_namespace.main";
const MYSQL: &str = "azure_mysql_flexible_server.main";

#[tokio::test]
async fn create_then_no_changes_then_drift_is_reported_and_fixed() {
    let w = World::new();
    let env = estate(&Shape::default());
    let report = w.converge(&env).await;
    assert_eq!(report.added, 5);
    w.assert_no_changes(&env).await;

    // Someone scales the user pool and tags the cache in the portal.
    let aks_id = w.id(&env, AKS).await;
    let redis_id = w.id(&env, REDIS).await;
    assert!(w.emu.edit(&aks_id, |b| b["properties"]["agentPoolProfiles"][1]["count"] = json!(5)));
    assert!(w.emu.edit(&redis_id, |b| b["tags"]["owner"] = json!("someone")));
    let plan = w.plan(&env).await;
    let drift: Vec<(String, Vec<String>)> = plan
        .drift
        .iter()
        .map(|d| (d.address.to_string(), d.changes.iter().map(|c| c.name.clone()).collect()))
        .collect();
    assert_eq!(
        drift,
        [(AKS.to_string(), vec!["user_pool_nodes".to_string()]), (REDIS.to_string(), vec!["tags".to_string()])]
    );
    assert_eq!(action(&plan, AKS), Action::Update);
    assert_eq!(change_names(&plan, AKS), ["user_pool_nodes"]);
    assert_eq!(action(&plan, REDIS), Action::Update);
    assert_eq!(plan.actions().count(), 2, "{:#?}", plan.actions().collect::<Vec<_>>());
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    assert_eq!(w.emu.resource(&aks_id).unwrap()["properties"]["agentPoolProfiles"][1]["count"], 3);
    assert!(w.emu.resource(&redis_id).unwrap()["tags"].get("owner").is_none());
    w.assert_no_changes(&env).await;

    // The password reached ARM, but never state.
    let state = std::fs::read_to_string(w.dir.path().join("staging").join("state.json")).unwrap();
    assert!(!state.contains("simulator-placeholder"), "a secret reached state");
    assert!(state.contains("sha256:"), "state keeps the password's fingerprint");
}

#[tokio::test]
async fn node_counts_update_in_place_with_the_etag() {
    let w = World::new();
    w.converge(&estate(&Shape { kafka: false, redis: false, ..Shape::default() })).await;
    let env = estate(&Shape { kafka: false, redis: false, user_nodes: Replicas::range(3, 6), ..Shape::default() });
    let plan = w.plan(&env).await;
    assert_eq!(action(&plan, AKS), Action::Update);
    assert_eq!(change_names(&plan, AKS), ["user_pool_nodes"]);
    let before = w.emu.requests().len();
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    assert_eq!(report.changed, 1);
    let pool = &w.emu.resource(&w.id(&env, AKS).await).unwrap()["properties"]["agentPoolProfiles"][1];
    assert_eq!(
        (pool["enableAutoScaling"].clone(), pool["minCount"].clone(), pool["maxCount"].clone()),
        (json!(true), json!(3), json!(6))
    );
    let writes: Vec<String> = w.emu.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.status))
        .collect();
    assert_eq!(writes, ["PUT 200"], "one in-place PUT, no delete");
    w.assert_no_changes(&env).await;
}

#[tokio::test]
async fn a_new_vm_size_replaces_the_cluster() {
    let w = World::new();
    w.converge(&estate(&Shape { kafka: false, redis: false, ..Shape::default() })).await;
    let env = estate(&Shape { kafka: false, redis: false, user_vm: "Standard_D16s_v5", ..Shape::default() });
    let plan = w.plan(&env).await;
    assert_eq!(action(&plan, AKS), Action::Replace);
    let change = plan.resource_changes.iter().find(|c| c.address.to_string() == AKS).unwrap();
    match &change.reason {
        Some(Reason::ReplaceBecause { attributes }) => {
            assert_eq!(attributes[0].attribute, "user_pool_vm_size");
            assert_eq!(attributes[0].because, "a node pool's VM size is fixed at creation");
        }
        other => panic!("{other:?}"),
    }
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    let id = w.id(&env, AKS).await;
    assert_eq!(w.emu.resource(&id).unwrap()["properties"]["agentPoolProfiles"][1]["vmSize"], "Standard_D16s_v5");
    let aks_writes: Vec<String> = w
        .emu
        .requests()
        .iter()
        .filter(|r| r.method != "GET" && r.path.contains("managedClusters"))
        .map(|r| format!("{} {}", r.method, r.status))
        .collect();
    assert_eq!(aks_writes, ["PUT 201", "DELETE 202", "PUT 201"]);
    w.assert_no_changes(&env).await;
}

#[tokio::test]
async fn deletes_go_through_long_running_operations() {
    let w = World::new();
    w.converge(&estate(&Shape::default())).await;
    let full = estate(&Shape::default());
    let (redis_id, kafka_id) = (w.id(&full, REDIS).await, w.id(&full, KAFKA).await);
    let env = estate(&Shape { kafka: false, redis: false, ..Shape::default() });
    let plan = w.plan(&env).await;
    assert_eq!((action(&plan, REDIS), action(&plan, KAFKA)), (Action::Delete, Action::Delete));
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    assert_eq!(report.destroyed, 2);
    assert!(w.emu.resource(&redis_id).is_none() && w.emu.resource(&kafka_id).is_none());
    let log = w.emu.requests();
    assert!(
        log.iter().any(|r| r.path.contains("Microsoft.Cache") && r.path.contains("/operationResults/")),
        "Redis polls Location"
    );
    assert!(log.iter().any(|r| r.path.contains("Microsoft.EventHub") && r.path.contains("/operationStatuses/")));
    w.assert_no_changes(&env).await;
}

#[tokio::test]
async fn throttled_calls_are_retried_by_the_client_only() {
    let w = World::new();
    w.emu.inject(Fault::Throttle { count: 3, method: Some("PUT".into()), path_contains: None, retry_after_ms: 5 });
    w.emu.inject(Fault::Throttle {
        count: 2,
        method: Some("GET".into()),
        path_contains: Some("operationStatuses".into()),
        retry_after_ms: 5,
    });
    let env = estate(&Shape { kafka: false, redis: false, ..Shape::default() });
    w.converge(&env).await;
    assert_eq!(w.provider.client().stats().retries, 5);
    assert!(w.providers.stats().retries.is_empty(), "the engine's boundary did not retry again");
    assert_eq!(w.emu.requests().iter().filter(|r| r.status == 429).count(), 5);
    w.assert_no_changes(&env).await;
}

#[tokio::test]
async fn a_failed_operation_reports_arms_message_and_keeps_state_consistent() {
    let w = World::new();
    w.emu.inject(Fault::FailOperation {
        count: 1,
        path_contains: Some("managedClusters".into()),
        code: "QuotaExceeded".into(),
        message: "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota."
            .into(),
    });
    let env = estate(&Shape { kafka: false, redis: false, ..Shape::default() });
    let plan = w.plan(&env).await;
    let report = w.apply(&env, &plan).await;
    assert_eq!(report.failures.len(), 1, "{:#?}", report.failures);
    let failure = &report.failures[0];
    assert_eq!(failure.address, Address::new("azure_aks_cluster", "main"));
    assert!(
        failure.message.contains("ended Failed: QuotaExceeded: Operation could not be completed"),
        "{}",
        failure.message
    );
    // State holds what was created and nothing else.
    let in_state: Vec<String> = report.state.resources.keys().map(ToString::to_string).collect();
    assert!(in_state.contains(&"azure_resource_group.main".to_string()));
    assert!(!in_state.contains(&AKS.to_string()));
    // The next plan creates the cluster again (ARM keeps the failed one: the PUT repairs it).
    let plan = w.plan(&env).await;
    assert_eq!(action(&plan, AKS), Action::Create);
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    w.assert_no_changes(&env).await;
}

#[tokio::test]
async fn topics_converge_and_mysql_grows() {
    let w = World::new();
    w.converge(&estate(&Shape { redis: false, ..Shape::default() })).await;
    let group = ResourceGroup::new("main", "rg-quikapp-staging", "westeurope");
    let mut env = estate(&Shape { kafka: false, redis: false, ..Shape::default() });
    env.add(
        KafkaNamespace::new("main", "evh-quikapp-staging", &group)
            .tier(EventHubsTier::Premium)
            .zone_redundant(true)
            .topic("chat-messages", 32, 96)
            .topic("audit", 4, 24),
    );
    let plan = w.plan(&env).await;
    assert_eq!(change_names(&plan, KAFKA), ["topics"]);
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    let ns = w.id(&env, KAFKA).await;
    let hubs: Vec<String> =
        w.emu.resource_ids().into_iter().filter(|id| id.starts_with(&ns) && id.contains("/eventhubs/")).collect();
    assert_eq!(hubs.len(), 2, "{hubs:?}");
    w.assert_no_changes(&env).await;
    // Storage never shrinks: refused before any call, with the reason.
    let mysql_id = w.id(&env, MYSQL).await;
    w.emu.edit(&mysql_id, |b| b["properties"]["storage"]["storageSizeGB"] = json!(512));
    let plan = w.plan(&env).await;
    assert_eq!(change_names(&plan, MYSQL), ["storage_gb"]);
    let report = w.apply(&env, &plan).await;
    assert!(report.failures[0].message.contains("storage only grows"), "{:#?}", report.failures);
    assert!(matches!(
        report.state.resources[&Address::new("azure_mysql_flexible_server", "main")].attributes.get("storage_gb"),
        Some(Value::Number(_))
    ));
}

#[tokio::test]
async fn the_definition_can_name_the_subscription() {
    let w = World::new();
    let other = "99999999-8888-7777-6666-555555555555";
    let group = ResourceGroup::new("main", "rg-elsewhere", "northeurope").subscription(other);
    let cache = ManagedRedis::new("main", "redis-elsewhere", &group).sku(RedisSku::BalancedB0);
    let env = Environment::new("elsewhere").with(group).with(cache);
    w.converge(&env).await;
    assert!(w.id(&env, REDIS).await.starts_with(&format!("/subscriptions/{other}/resourceGroups/rg-elsewhere/")));
    assert!(w.emu.resource_ids().iter().all(|id| id.contains(other)), "{:?}", w.emu.resource_ids());
    w.assert_no_changes(&env).await;
}

#[tokio::test]
async fn a_create_left_running_by_an_interrupted_apply_is_resumed() {
    let w = World::new();
    let env = estate(&Shape { kafka: false, redis: false, ..Shape::default() });
    let group = Environment::new("staging").with(ResourceGroup::new("main", "rg-quikapp-staging", "westeurope"));
    w.converge(&group).await;
    // An earlier apply started the cluster's PUT and died while it ran.
    let path = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-quikapp-staging/providers/Microsoft.ContainerService/managedClusters/aks-quikapp-staging"
    );
    let body = json!({"location": "westeurope", "identity": {"type": "SystemAssigned"}, "properties": {"dnsPrefix": "aks-quikapp-staging",
        "agentPoolProfiles": [{"name": "system", "mode": "System", "vmSize": "Standard_D4s_v5", "count": 3, "availabilityZones": ["1", "2", "3"]}]}});
    let op = w
        .provider
        .client()
        .begin(quikinfra_azure::arm::Write::Put, &path, "2026-07-01", Some(&body), &Default::default())
        .await
        .unwrap();
    assert!(op.poll_url().is_some());
    assert_eq!(w.emu.resource(&path).unwrap()["properties"]["provisioningState"], "Creating");
    // This apply meets the running operation (409), waits for it, and PUTs its own definition.
    let report = w.converge(&env).await;
    assert_eq!(report.added, 2, "{:?}", report.completed);
    let statuses: Vec<u16> = w
        .emu
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.contains("managedClusters"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [201, 409, 200]);
    w.assert_no_changes(&env).await;
}
