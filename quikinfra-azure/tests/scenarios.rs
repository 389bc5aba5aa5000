//! The `azure` provider driven by the real engine (plan, apply, local state in a temporary
//! directory) against the ARM emulator: create, no phantom changes, drift, in-place updates,
//! replacement, deletion through long-running operations, throttling, failed operations and the
//! repair of what they leave Failed, Traffic Manager profiles (a switch in one PUT), and the
//! official Traffic Manager example payloads replayed against the emulator.

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
    // ARM keeps the failed cluster: found after the failure, it is recorded in state rather
    // than orphaned (a new create would now meet it as a conflict), and the error still stands.
    assert!(failure.message.contains("is recorded in state"), "{}", failure.message);
    let in_state: Vec<String> = report.state.resources.keys().map(ToString::to_string).collect();
    assert!(in_state.contains(&"azure_resource_group.main".to_string()));
    assert!(in_state.contains(&AKS.to_string()), "{in_state:?}");
    // The next plan repairs the failed cluster in place instead of creating another.
    let plan = w.plan(&env).await;
    assert_ne!(action(&plan, AKS), Action::Create);
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
async fn a_create_left_running_by_an_interrupted_apply_is_adopted_by_recovery_and_finished() {
    let w = World::new();
    let env = estate(&Shape { kafka: false, redis: false, ..Shape::default() });
    let group = Environment::new("staging").with(ResourceGroup::new("main", "rg-quikapp-staging", "westeurope"));
    w.converge(&group).await;
    // An earlier apply journaled the cluster's create, started its PUT and died while it ran.
    let mut state = w.backend(&env).read().await.unwrap().expect("state written");
    let aks: Address = AKS.parse().unwrap();
    let node = env.resources().iter().find(|n| n.address == aks).expect("the cluster is declared");
    let config: quikinfra_core::value::Attrs = node
        .attrs
        .iter()
        .filter(|(name, _)| node.schema.attr(name).is_some_and(|a| a.is_input() && !a.sensitive))
        .map(|(name, v)| {
            let v = v.resolve_with(&mut |r| {
                state.resources.get(&r.address).and_then(|rs| rs.attributes.get(&r.attribute)).cloned()
            });
            (*name, v)
        })
        .filter(|(_, v)| v.is_known())
        .collect();
    state.pending.push(quikinfra_core::state::PendingOp {
        address: aks.clone(),
        operation: "create".into(),
        provider: "azure".into(),
        id: None,
        config,
        dependencies: node.dependencies(),
        started: "2026-01-01T00:00:00Z".into(),
    });
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
    // Recovery finds the cluster at the id the journaled configuration gives it and adopts it.
    let recovered = quikinfra_core::apply::recover::recover(&mut state, &env.schemas(), &w.providers).await;
    assert_eq!(
        recovered,
        [quikinfra_core::apply::recover::Recovery::Adopted { address: aks.clone(), id: path.clone() }]
    );
    let version = state.version.clone();
    state.version.serial += 1;
    w.backend(&env).write(&state, Some(&version)).await.unwrap();
    // The next apply brings it to the definition in place (waiting for the running operation)
    // and creates nothing twice.
    let plan = w.plan(&env).await;
    assert_ne!(action(&plan, AKS), Action::Create, "{:?}", plan.actions().collect::<Vec<_>>());
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    assert_eq!(w.id(&env, AKS).await, path);
    let creates = w.emu.requests().iter().filter(|r| r.method == "PUT" && r.path.contains("managedClusters")).count();
    assert!(creates >= 1);
    w.assert_no_changes(&env).await;
}

// ---------------------------------------------------------------------------------------------
// Failed objects are repaired.

#[tokio::test]
async fn a_cluster_left_failed_by_an_operation_is_planned_as_a_repair_and_repaired() {
    let w = World::new();
    w.converge(&estate(&Shape { kafka: false, redis: false, ..Shape::default() })).await;
    // The next update's long-running operation ends Failed: the PUT's body is stored, Failed.
    let env = estate(&Shape { kafka: false, redis: false, user_nodes: Replicas::range(3, 6), ..Shape::default() });
    w.emu.inject(Fault::FailOperation {
        count: 1,
        path_contains: Some("managedClusters".into()),
        code: "InternalOperationError".into(),
        message: "An internal error occurred while upgrading the agent pool.".into(),
    });
    let plan = w.plan(&env).await;
    let report = w.apply(&env, &plan).await;
    assert_eq!(report.failures.len(), 1, "{:#?}", report.failures);
    let id = w.id(&env, AKS).await;
    assert_eq!(w.emu.resource(&id).unwrap()["properties"]["provisioningState"], "Failed");

    // Live now matches the definition but failed: a repair, not "No changes".
    let plan = w.plan(&env).await;
    assert_eq!(action(&plan, AKS), Action::Update);
    let change = plan.resource_changes.iter().find(|c| c.address.to_string() == AKS).unwrap();
    assert_eq!(change.reason, Some(Reason::Repair { attribute: "provisioning_state".into(), value: "Failed".into() }));
    assert_eq!(change_names(&plan, AKS), ["provisioning_state"]);
    assert_eq!(plan.actions().count(), 1);
    let before = w.emu.requests().len();
    let report = w.apply(&env, &plan).await;
    assert!(report.succeeded(), "{:#?}", report.failures);
    assert_eq!(report.changed, 1);
    let writes: Vec<String> = w.emu.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.status))
        .collect();
    assert_eq!(writes, ["PUT 200"], "the definition sent again, in place");
    assert_eq!(w.emu.resource(&id).unwrap()["properties"]["provisioningState"], "Succeeded");
    w.assert_no_changes(&env).await;

    // A cluster found Canceled (an upgrade stopped halfway) is repaired the same way.
    w.emu.edit(&id, |b| b["properties"]["provisioningState"] = json!("Canceled"));
    let plan = w.plan(&env).await;
    assert!(matches!(&plan.resource_changes.iter().find(|c| c.address.to_string() == AKS).unwrap().reason,
        Some(Reason::Repair { value, .. }) if value == "Canceled"));
    assert!(w.apply(&env, &plan).await.succeeded());
    let plan = w.plan(&env).await;
    assert!(!plan.has_changes(), "{:#?}", plan.actions().collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Traffic Manager.

const EDGE: &str = "azure_traffic_manager_profile.edge";

fn edge(active: &str, dns: &str) -> Environment {
    use quikinfra_azure::{Endpoint, Monitor, RoutingMethod, TrafficManagerProfile};
    let group = ResourceGroup::new("main", "rg-quikapp-live", "westeurope");
    let profile = TrafficManagerProfile::new("edge", "tm-quikapp-live", &group)
        .dns_name(dns)
        .routing(RoutingMethod::Priority)
        .monitor(Monitor::https("/healthz").interval_seconds(10))
        .endpoint(Endpoint::external("blue", "origin-blue.live.quikapp.com").priority(1).enabled(active == "blue"))
        .endpoint(Endpoint::external("green", "origin-green.live.quikapp.com").priority(2).enabled(active == "green"))
        .tag("colour", active);
    Environment::new("live").with(group).with(profile)
}

#[tokio::test]
async fn a_traffic_manager_switch_is_one_put_and_a_new_dns_name_replaces_the_profile() {
    let w = World::new();
    let env = edge("blue", "quikapp-live");
    assert_eq!(w.converge(&env).await.added, 2);
    w.assert_no_changes(&env).await;
    let id = w.id(&env, EDGE).await;
    let profile = w.emu.resource(&id).unwrap();
    assert_eq!(profile["properties"]["dnsConfig"]["fqdn"], "quikapp-live.trafficmanager.net");
    let state = w.backend(&env).read().await.unwrap().unwrap();
    let attrs = &state.resources[&EDGE.parse::<Address>().unwrap()].attributes;
    assert_eq!(attrs["fqdn"], Value::from("quikapp-live.trafficmanager.net"));
    assert_eq!(attrs["profile_status"], Value::from("Enabled"));

    // The switch: both endpoints' statuses, in place, in one PUT guarded by the ETag.
    let green = edge("green", "quikapp-live");
    let plan = w.plan(&green).await;
    assert_eq!(action(&plan, EDGE), Action::Update);
    assert_eq!(change_names(&plan, EDGE), ["endpoints", "tags"]);
    let before = w.emu.requests().len();
    assert!(w.apply(&green, &plan).await.succeeded());
    let writes: Vec<String> = w.emu.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.status))
        .collect();
    assert_eq!(writes, ["PUT 200"]);
    let endpoints = w.emu.resource(&id).unwrap()["properties"]["endpoints"].clone();
    let statuses: Vec<&str> =
        endpoints.as_array().unwrap().iter().map(|e| e["properties"]["endpointStatus"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["Disabled", "Enabled"]);
    w.assert_no_changes(&green).await;

    // Someone disables green through the endpoint's own API: drift, and the plan puts it back.
    let endpoint = format!("{id}/externalEndpoints/green");
    let disabled = json!({"properties": {"endpointStatus": "Disabled"}});
    w.provider.client().patch(&endpoint, "2022-04-01", &disabled, &Default::default()).await.unwrap();
    let plan = w.plan(&green).await;
    assert_eq!(plan.drift.iter().map(|d| d.address.to_string()).collect::<Vec<_>>(), [EDGE]);
    assert_eq!(change_names(&plan, EDGE), ["endpoints"]);
    assert!(w.apply(&green, &plan).await.succeeded());
    w.assert_no_changes(&green).await;

    // The DNS name is fixed at creation: a new one replaces the profile, with the schema's reason.
    let renamed = edge("green", "quikapp-live-2");
    let plan = w.plan(&renamed).await;
    assert_eq!(action(&plan, EDGE), Action::Replace);
    match &plan.resource_changes.iter().find(|c| c.address.to_string() == EDGE).unwrap().reason {
        Some(Reason::ReplaceBecause { attributes }) => {
            assert_eq!(
                (attributes[0].attribute.as_str(), attributes[0].because.as_str()),
                ("dns_relative_name", "a profile's dns name is fixed at creation")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(w.apply(&renamed, &plan).await.succeeded());
    assert_eq!(w.emu.resource(&id).unwrap()["properties"]["dnsConfig"]["fqdn"], "quikapp-live-2.trafficmanager.net");
    w.assert_no_changes(&renamed).await;
    let tm_writes: Vec<String> = w
        .emu
        .requests()
        .iter()
        .filter(|r| r.method != "GET" && r.path.contains("trafficManagerProfiles"))
        .map(|r| format!("{} {}", r.method, r.status))
        .collect();
    assert_eq!(tm_writes, ["PUT 201", "PUT 200", "PATCH 200", "PUT 200", "DELETE 200", "PUT 201"]);

    // Gone from the definition: deleted (synchronously).
    let bare = Environment::new("live").with(ResourceGroup::new("main", "rg-quikapp-live", "westeurope"));
    let plan = w.plan(&bare).await;
    assert_eq!(action(&plan, EDGE), Action::Delete);
    assert!(w.apply(&bare, &plan).await.succeeded());
    assert!(w.emu.resource(&id).is_none());
}

/// Substitutes the example's placeholders and names into a request path.
fn example_path(example: &serde_json::Value, tail: &str) -> String {
    let p = &example["parameters"];
    format!(
        "/subscriptions/{SUB}/resourceGroups/{}/providers/Microsoft.Network/trafficManagerProfiles/{}{tail}",
        p["resourceGroupName"].as_str().unwrap(),
        p["profileName"].as_str().unwrap()
    )
}

fn example(file: &str) -> serde_json::Value {
    let path = format!("{}/testdata/arm-examples/traffic-manager/2022-04-01_{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// Every field of the official answer `want` is in `got` with the same value; ids name the
/// test's subscription, FQDNs live under `trafficmanager.net` instead of the examples' test zone.
#[track_caller]
fn answers_like(want: &serde_json::Value, got: &serde_json::Value, at: &str) {
    use serde_json::Value as J;
    match (want, got) {
        (J::Object(w), J::Object(g)) => {
            for (k, v) in w {
                let there = g.get(k).unwrap_or_else(|| panic!("{at}.{k} missing in {got:#}"));
                answers_like(v, there, &format!("{at}.{k}"));
            }
        }
        (J::Array(w), J::Array(g)) => {
            assert_eq!(w.len(), g.len(), "{at}: {got:#}");
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                answers_like(a, b, &format!("{at}[{i}]"));
            }
        }
        (J::String(w), J::String(g)) if at.ends_with(".fqdn") => {
            assert_eq!(w.split('.').next(), g.split('.').next(), "{at}");
            assert!(g.ends_with(".trafficmanager.net"), "{at}: {g}");
        }
        (J::String(w), J::String(g)) => assert_eq!(&w.replace("{subscription-id}", SUB), g, "{at}"),
        _ => assert_eq!(want, got, "{at}"),
    }
}

#[tokio::test]
async fn the_official_traffic_manager_examples_replay_against_the_emulator() {
    let w = World::new();
    let client = w.provider.client();
    let none = quikinfra_azure::arm::Condition::None;
    let api = quikinfra_azure::arm::api::TRAFFIC_MANAGER;
    for file in [
        "Profile-PUT-WithEndpoints.json",
        "Profile-PUT-WithCustomHeaders.json",
        "Profile-PUT-NoEndpoints.json",
        "Profile-PUT-WithNestedEndpoints.json",
    ] {
        let ex = example(file);
        let group =
            format!("/subscriptions/{SUB}/resourceGroups/{}", ex["parameters"]["resourceGroupName"].as_str().unwrap());
        client
            .put(&group, quikinfra_azure::arm::api::RESOURCE_GROUPS, &json!({"location": "westeurope"}), &none)
            .await
            .unwrap();
        let path = example_path(&ex, "");
        let mut request = ex["parameters"]["parameters"].clone();
        let mut want_201 = ex["responses"].get("201").unwrap_or(&ex["responses"]["200"])["body"].clone();
        let mut want_200 = ex["responses"]["200"]["body"].clone();
        if file == "Profile-PUT-WithNestedEndpoints.json" {
            // The example answers priority 1 for an endpoint it asked priority 2 for: a Priority
            // profile's priorities are distinct, so the emulator keeps what was asked.
            for want in [&mut want_201, &mut want_200] {
                want["properties"]["endpoints"][1]["properties"]["priority"] = json!(2);
            }
        }
        client.delete(&path, api, &none).await.unwrap();
        let created = client.put(&path, api, &request, &none).await.unwrap();
        answers_like(&want_201, &created.body, file);
        request["properties"]["dnsConfig"]["ttl"] = json!(35);
        let updated = client.put(&path, api, &request, &none).await.unwrap();
        answers_like(&want_200, &updated.body, file);
        let puts: Vec<u16> =
            w.emu.requests().iter().filter(|r| r.method == "PUT" && r.path == path).map(|r| r.status).collect();
        assert_eq!(puts[puts.len() - 2..], [201, 200], "{file}");
    }

    // PATCH of the probe, on the profile the endpoints example made.
    let ex = example("Profile-PATCH-MonitorConfig.json");
    let path = example_path(&ex, "");
    client
        .put(&path, api, &example("Profile-PUT-WithEndpoints.json")["parameters"]["parameters"], &none)
        .await
        .unwrap();
    let patched = client.patch(&path, api, &ex["parameters"]["parameters"], &none).await.unwrap();
    answers_like(&ex["responses"]["200"]["body"], &patched.body, "Profile-PATCH-MonitorConfig.json");

    // PATCH of one endpoint's target, on the profile the no-endpoints example made, once it has
    // the endpoint.
    let ex = example("Endpoint-PATCH-External-Target.json");
    let p = &ex["parameters"];
    let endpoint = example_path(&ex, &format!("/externalEndpoints/{}", p["endpointName"].as_str().unwrap()));
    let first = json!({"properties": {"target": "foobar.contoso.com", "endpointLocation": "North Europe"}});
    let created = client.put(&endpoint, api, &first, &none).await.unwrap();
    assert_eq!(created.body["properties"]["target"], "foobar.contoso.com");
    let patched = client.patch(&endpoint, api, &p["parameters"], &none).await.unwrap();
    answers_like(&ex["responses"]["200"]["body"], &patched.body, "Endpoint-PATCH-External-Target.json");
    let profile = client.get(&example_path(&ex, ""), api).await.unwrap().unwrap();
    assert_eq!(profile.body["properties"]["endpoints"][0]["properties"]["target"], "another.foobar.contoso.com");

    // DELETE: 200 with `{}`, then 204 once gone.
    let ex = example("Profile-DELETE.json");
    let path = example_path(&example("Profile-PUT-NoEndpoints.json"), "");
    client.delete(&path, api, &none).await.unwrap();
    client.delete(&path, api, &none).await.unwrap();
    let deletes: Vec<u16> =
        w.emu.requests().iter().filter(|r| r.method == "DELETE" && r.path == path).map(|r| r.status).collect();
    assert_eq!(deletes[deletes.len() - 2..], [200, 204]);
    assert_eq!(ex["responses"]["200"]["body"], json!({}));
}

// ---------------------------------------------------------------------------------------------
// Objects already there: never taken over, except by a retry of this very create.

const GROUP: &str = "rg-quikapp-shared";

fn group_only(env: &str) -> Environment {
    Environment::new(env).with(ResourceGroup::new("main", GROUP, "westeurope"))
}

fn group_and_ip(env: &str) -> Environment {
    let group = ResourceGroup::new("main", GROUP, "westeurope");
    let ip = quikinfra_azure::PublicIp::new("main", "pip-quikapp-shared", &group).zones(["1", "2", "3"]);
    Environment::new(env).with(group).with(ip)
}

#[tokio::test]
async fn a_resource_group_already_there_is_a_conflict_naming_its_import_and_nothing_changes() {
    let w = World::new();
    let staging = group_only("staging");
    w.converge(&staging).await;
    let id = w.id(&staging, "azure_resource_group.main").await;
    let before = w.emu.resource(&id).unwrap();
    // Another environment, with a state of its own, declares the same group.
    let qa = group_only("qa");
    let plan = w.plan(&qa).await;
    let report = w.apply(&qa, &plan).await;
    assert_eq!(report.failures.len(), 1, "{:#?}", report.failures);
    let message = &report.failures[0].message;
    assert!(message.contains(&format!("`import azure_resource_group.main {id}`")), "{message}");
    assert!(message.contains("already exists"), "{message}");
    // The second apply sent no PUT: the group and the first state are as they were.
    assert_eq!(w.emu.resource(&id).unwrap(), before);
    assert_eq!(before["tags"]["environment"], "staging");
    assert!(w.backend(&qa).read().await.unwrap().is_none_or(|s| s.resources.is_empty()));
    w.assert_no_changes(&staging).await;
}

#[tokio::test]
async fn a_resource_made_outside_in_a_managed_group_is_a_conflict_not_taken_over() {
    let w = World::new();
    w.converge(&group_only("staging")).await;
    let env = group_and_ip("staging");
    // Someone made the address by hand, with the name the definition gives it.
    let path = format!(
        "/subscriptions/{SUB}/resourceGroups/{GROUP}/providers/Microsoft.Network/publicIPAddresses/pip-quikapp-shared"
    );
    let body = json!({"location": "westeurope", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}, "tags": {"owner": "someone"}});
    w.provider.client().put(&path, "2024-07-01", &body, &Default::default()).await.unwrap();
    let before = w.emu.resource(&path).unwrap();
    let plan = w.plan(&env).await;
    let report = w.apply(&env, &plan).await;
    assert_eq!(report.failures.len(), 1, "{:#?}", report.failures);
    let message = &report.failures[0].message;
    assert!(message.contains(&format!("`import azure_public_ip.main {path}`")), "{message}");
    assert_eq!(w.emu.resource(&path).unwrap(), before, "the address was not touched");
    let state = w.backend(&env).read().await.unwrap().unwrap();
    assert!(!state.resources.contains_key(&"azure_public_ip.main".parse::<Address>().unwrap()));
}

#[tokio::test]
async fn a_put_whose_reply_is_lost_is_sent_again_and_makes_one_tracked_resource() {
    let w = World::new();
    let env = group_and_ip("staging");
    w.emu.inject(Fault::LoseReply {
        count: 1,
        method: Some("PUT".into()),
        path_contains: Some("publicIPAddresses".into()),
    });
    let report = w.converge(&env).await;
    assert_eq!(report.added, 2);
    let puts: Vec<u16> = w
        .emu
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.contains("publicIPAddresses"))
        .map(|r| r.status)
        .collect();
    // The first PUT made the address and its reply was lost; the client sent it again (waiting
    // out the operation the first one started, 409) and that PUT updated what the first made.
    assert_eq!(puts.first(), Some(&504), "{puts:?}");
    assert_eq!(puts.last(), Some(&200), "{puts:?}");
    assert!(puts[1..puts.len() - 1].iter().all(|s| *s == 409), "{puts:?}");
    let ips: Vec<String> = w.emu.resource_ids().into_iter().filter(|id| id.contains("publicIPAddresses")).collect();
    assert_eq!(ips.len(), 1, "{ips:?}");
    assert_eq!(w.id(&env, "azure_public_ip.main").await.to_ascii_lowercase(), ips[0].to_ascii_lowercase());
    w.assert_no_changes(&env).await;
}
