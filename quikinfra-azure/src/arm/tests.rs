//! The ARM client against the emulator: reads, writes, long-running operations by each
//! polling style, retries, ETags, failures and the loopback rule.

use std::sync::Arc;
use std::time::{Duration, Instant};

use quikinfra_arm_emulator::{Config, Emulator, Fault};
use serde_json::json;

use super::credential::StaticToken;
use super::*;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";

fn emulator() -> Emulator {
    Emulator::start(Config { polls: 2, retry_after_ms: 5, ..Config::default() }).expect("the emulator starts")
}

fn client(emulator: &Emulator) -> ArmClient {
    let mut config = ArmConfig::for_endpoint(Url::parse(&emulator.url()).unwrap());
    config.retry =
        RetryConfig { max_attempts: 4, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(200) };
    config.poll = PollConfig {
        default_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
    };
    ArmClient::new(Arc::new(StaticToken::new("test-token")), config).unwrap()
}

fn rg(name: &str) -> String {
    format!("{SUB}/resourceGroups/{name}")
}

async fn group(client: &ArmClient, name: &str) {
    client.put(&rg(name), api::RESOURCE_GROUPS, &json!({"location": "westeurope"}), &Condition::None).await.unwrap();
}

fn aks_body() -> Value {
    json!({
        "location": "westeurope",
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "dnsPrefix": "aks1",
            "agentPoolProfiles": [{"name": "system", "mode": "System", "vmSize": "Standard_D2s_v5", "count": 1}]
        }
    })
}

#[tokio::test]
async fn reads_answer_none_for_missing_resources() {
    let emu = emulator();
    let client = client(&emu);
    assert_eq!(client.get(&rg("nope"), api::RESOURCE_GROUPS).await.unwrap(), None);
    group(&client, "rg1").await;
    let fetched = client.get(&rg("rg1"), api::RESOURCE_GROUPS).await.unwrap().unwrap();
    assert_eq!(fetched.body["properties"]["provisioningState"], "Succeeded");
    assert!(fetched.etag.is_some());
    let requests = emu.requests();
    assert!(requests.iter().all(|r| r.api_version.as_deref() == Some(api::RESOURCE_GROUPS)), "{requests:?}");
}

#[tokio::test]
async fn async_operation_polling_runs_to_succeeded() {
    let emu = emulator();
    let client = client(&emu);
    group(&client, "rg1").await;
    let path = format!("{}/providers/Microsoft.ContainerService/managedClusters/aks1", rg("rg1"));
    let op = client.begin(Write::Put, &path, api::MANAGED_CLUSTERS, Some(&aks_body()), &Condition::None).await.unwrap();
    assert!(matches!(&op.poll, Poll::AsyncOperation(url) if url.contains("/operationStatuses/")), "{op:?}");
    assert_eq!(emu.resource(&path).unwrap()["properties"]["provisioningState"], "Creating");
    // The operation is plain data: saved and read back, it resumes.
    let saved = serde_json::to_string(&op).unwrap();
    let resumed: Operation = serde_json::from_str(&saved).unwrap();
    client.wait(&resumed).await.unwrap();
    assert!(client.stats().polls >= 2, "{:?}", client.stats());
    let fetched = client.get(&path, api::MANAGED_CLUSTERS).await.unwrap().unwrap();
    assert_eq!(fetched.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(fetched.etag.as_deref(), fetched.body["eTag"].as_str());
}

#[tokio::test]
async fn location_polling_and_empty_202s_work() {
    let emu = emulator();
    let client = client(&emu);
    group(&client, "rg1").await;
    // MySQL answers 202 with an empty body; the resource is read after success.
    let mysql = format!("{}/providers/Microsoft.DBforMySQL/flexibleServers/db1", rg("rg1"));
    let body = json!({"location": "westeurope", "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
        "properties": {"administratorLogin": "quik", "administratorLoginPassword": "pw"}});
    let server = client.put(&mysql, api::MYSQL_FLEXIBLE_SERVERS, &body, &Condition::None).await.unwrap();
    assert_eq!(server.body["properties"]["state"], "Ready");
    assert!(server.body["properties"].get("administratorLoginPassword").is_none());
    // Redis deletes answer with Location only.
    let redis = format!("{}/providers/Microsoft.Cache/redisEnterprise/cache1", rg("rg1"));
    client
        .put(
            &redis,
            api::REDIS_ENTERPRISE,
            &json!({"location": "westeurope", "sku": {"name": "Balanced_B0"}}),
            &Condition::None,
        )
        .await
        .unwrap();
    let op = client.begin(Write::Delete, &redis, api::REDIS_ENTERPRISE, None, &Condition::None).await.unwrap();
    assert!(matches!(&op.poll, Poll::Location(_)), "{op:?}");
    client.wait(&op).await.unwrap();
    assert!(emu.resource(&redis).is_none());
    // Deleting what is gone succeeds.
    client.delete(&redis, api::REDIS_ENTERPRISE, &Condition::None).await.unwrap();
    // A resource group delete goes through Location and takes its resources with it.
    client.delete(&rg("rg1"), api::RESOURCE_GROUPS, &Condition::None).await.unwrap();
    assert!(emu.resource_ids().is_empty(), "{:?}", emu.resource_ids());
}

#[tokio::test]
async fn throttled_calls_are_retried_after_the_advertised_delay() {
    let emu = emulator();
    let client = client(&emu);
    emu.inject(Fault::Throttle { count: 2, method: Some("PUT".into()), path_contains: None, retry_after_ms: 40 });
    let started = Instant::now();
    group(&client, "rg1").await;
    assert!(started.elapsed() >= Duration::from_millis(80), "{:?}", started.elapsed());
    assert_eq!(client.stats().retries, 2);
    let statuses: Vec<u16> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 201, 200]);
}

#[tokio::test]
async fn retries_give_up_with_arms_error() {
    let emu = emulator();
    let client = client(&emu);
    emu.inject(Fault::ServerError { count: 10, status: 503, method: None, path_contains: None });
    let e = client.get(&rg("rg1"), api::RESOURCE_GROUPS).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert!(e.to_string().contains("InternalServerError") && e.to_string().contains("after 4 attempts"), "{e}");
}

#[tokio::test]
async fn failed_operations_carry_arms_code_and_message() {
    let emu = emulator();
    let client = client(&emu);
    group(&client, "rg1").await;
    emu.inject(Fault::FailOperation {
        count: 1,
        path_contains: Some("managedClusters".into()),
        code: "QuotaExceeded".into(),
        message: "Not enough cores in westeurope.".into(),
    });
    let path = format!("{}/providers/Microsoft.ContainerService/managedClusters/aks1", rg("rg1"));
    let e = client.put(&path, api::MANAGED_CLUSTERS, &aks_body(), &Condition::None).await.unwrap_err();
    assert!(matches!(&e, ArmError::OperationFailed { status, .. } if status == "Failed"), "{e:?}");
    assert_eq!(e.code(), Some("QuotaExceeded"));
    assert!(e.to_string().contains("QuotaExceeded: Not enough cores in westeurope."), "{e}");
    assert_eq!(emu.resource(&path).unwrap()["properties"]["provisioningState"], "Failed");
}

#[tokio::test]
async fn etags_guard_writes() {
    let emu = emulator();
    let client = client(&emu);
    group(&client, "rg1").await;
    let path = format!("{}/providers/Microsoft.ContainerService/managedClusters/aks1", rg("rg1"));
    let first = client.put(&path, api::MANAGED_CLUSTERS, &aks_body(), &Condition::IfNoneMatchAny).await.unwrap();
    let again = client.put(&path, api::MANAGED_CLUSTERS, &aks_body(), &Condition::IfNoneMatchAny).await.unwrap_err();
    assert_eq!(again.status(), Some(412));
    emu.edit(&path, |b| b["tags"] = json!({"edited": "yes"}));
    let stale = Condition::IfMatch(first.etag.clone().unwrap());
    let e = client.put(&path, api::MANAGED_CLUSTERS, &aks_body(), &stale).await.unwrap_err();
    assert_eq!(e.status(), Some(412));
    assert_eq!(e.code(), Some("PreconditionFailed"));
    let current = client.get(&path, api::MANAGED_CLUSTERS).await.unwrap().unwrap();
    client.put(&path, api::MANAGED_CLUSTERS, &aks_body(), &Condition::IfMatch(current.etag.unwrap())).await.unwrap();
}

#[tokio::test]
async fn arm_errors_show_code_message_and_target() {
    let emu = emulator();
    let client = client(&emu);
    let e = client
        .put(
            &format!("{}/providers/Microsoft.Cache/redisEnterprise/c", rg("none")),
            api::REDIS_ENTERPRISE,
            &json!({}),
            &Condition::None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(e.to_string().starts_with("ResourceGroupNotFound: Resource group 'none' could not be found."), "{e}");
    group(&client, "rg1").await;
    let mut body = aks_body();
    body["properties"]["agentPoolProfiles"][0]["vmSize"] = Value::Null;
    let path = format!("{}/providers/Microsoft.ContainerService/managedClusters/aks1", rg("rg1"));
    let e = client.put(&path, api::MANAGED_CLUSTERS, &body, &Condition::None).await.unwrap_err();
    assert!(e.to_string().contains("(target: agentPoolProfiles[0].vmSize)"), "{e}");
    let e = client.get(&path, "2019-01-01").await.unwrap_err();
    assert_eq!(e.code(), Some("NoRegisteredProviderFound"));
}

#[test]
fn tokens_never_go_over_plain_http_beyond_loopback() {
    let config = ArmConfig::for_endpoint(Url::parse("http://management.example.com/").unwrap());
    let e = ArmClient::new(Arc::new(StaticToken::new("t")), config).unwrap_err();
    assert!(matches!(e, ArmError::Insecure { .. }), "{e}");
    let local = ArmClient::new(
        Arc::new(StaticToken::new("t")),
        ArmConfig::for_endpoint(Url::parse("http://127.0.0.1:1/").unwrap()),
    )
    .unwrap();
    assert!(local.same_origin("http://127.0.0.1:1/subscriptions/x/operationStatuses/1").is_ok());
    let foreign = local.same_origin("http://127.0.0.1:2/x").unwrap_err();
    assert!(matches!(foreign, ArmError::Insecure { .. }));
    assert!(ArmClient::new(Arc::new(StaticToken::new("t")), ArmConfig::public()).is_ok());
}

#[test]
fn retry_after_headers_are_read_in_order() {
    let headers = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &'static str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    };
    assert_eq!(retry_after(headers(&[("retry-after", "3")])), Some(Duration::from_secs(3)));
    assert_eq!(
        retry_after(headers(&[("retry-after", "3"), ("retry-after-ms", "250")])),
        Some(Duration::from_millis(250))
    );
    assert_eq!(
        retry_after(headers(&[("x-ms-retry-after-ms", "7"), ("retry-after-ms", "250")])),
        Some(Duration::from_millis(7))
    );
    assert_eq!(retry_after(headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])), None);
    assert!(is_retryable(429) && is_retryable(503) && !is_retryable(501) && !is_retryable(412));
}
