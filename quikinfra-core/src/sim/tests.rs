//! Tests of the simulator: ids, computed attributes, sensitive values, persistence, faults,
//! environments sharing one world, and several simulators (and processes) on one directory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::store::{LOCK_FILE, LOG_FILE};
use super::*;
use crate::provider::ErrorKind;
use crate::value::Computed;

/// A bucket whose computed attributes take every shape the simulator fills in.
#[derive(serde::Serialize, crate::resource::Resource)]
#[resource(type = "test_bucket", provider = "test")]
#[allow(dead_code)]
struct TestBucket {
    #[serde(skip)]
    meta: crate::resource::Meta,
    name: String,
    #[resource(force_new = "a bucket cannot move")]
    region: String,
    #[resource(sensitive)]
    password: crate::value::Secret,
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    #[serde(skip)]
    #[resource(computed)]
    arn: Computed<String>,
    #[serde(skip)]
    #[resource(computed)]
    endpoint: Computed<String>,
    #[serde(skip)]
    #[resource(computed)]
    size: Computed<u64>,
    #[serde(skip)]
    #[resource(computed)]
    public: Computed<bool>,
    #[serde(skip)]
    #[resource(computed)]
    aliases: Computed<Vec<String>>,
    #[serde(skip)]
    #[resource(computed)]
    labels: Computed<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed)]
    tier: Option<String>,
    #[serde(skip)]
    #[resource(watch)]
    versioning: Computed<bool>,
}

const CANARY: &str = "canary-hunter2-7f3a";

fn addr(name: &str) -> Address {
    Address::new("test_bucket", name)
}

fn attrs(pairs: &[(&str, Value)]) -> Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn bucket_config(name: &str) -> Attrs {
    attrs(&[("name", name.into()), ("region", "eu-west-1".into()), ("password", CANARY.into())])
}

async fn create(sim: &Simulator, name: &str, config: &Attrs) -> Result<Created, ProviderError> {
    sim.create(CreateRequest {
        address: &addr(name),
        schema: <TestBucket as crate::resource::Resource>::schema(),
        config,
        attempt: crate::provider::attempts::FIRST,
    })
    .await
}

async fn read(sim: &Simulator, name: &str, id: &str) -> Result<Option<Attrs>, ProviderError> {
    sim.read(ReadRequest { address: &addr(name), id, prior: &Attrs::new() }).await
}

async fn update(sim: &Simulator, name: &str, id: &str, config: &Attrs) -> Result<Attrs, ProviderError> {
    let address = addr(name);
    let prior = Attrs::new();
    sim.update(UpdateRequest {
        address: &address,
        schema: <TestBucket as crate::resource::Resource>::schema(),
        id,
        prior: &prior,
        config,
        changed: &[],
    })
    .await
}

async fn delete(sim: &Simulator, name: &str, id: &str) -> Result<(), ProviderError> {
    sim.delete(DeleteRequest { address: &addr(name), id, prior: &Attrs::new() }).await
}

fn log_bytes(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join(LOG_FILE)).expect("log exists")
}

fn faults(f: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults::none();
    f(&mut faults);
    faults
}

#[tokio::test]
async fn create_fills_computed_attrs_deterministically() {
    let sim = Simulator::in_memory();
    assert_eq!(sim.name(), "sim");
    let created = create(&sim, "media", &bucket_config("media")).await.expect("create succeeds");
    assert_eq!(created.id, "media-1");
    let expected = attrs(&[
        ("name", "media".into()),
        ("region", "eu-west-1".into()),
        ("id", "media-1".into()),
        ("arn", "arn:sim:test_bucket:media-1".into()),
        ("endpoint", "sim://test_bucket/media-1/endpoint".into()),
        ("size", Value::from(0i64)),
        ("public", Value::Bool(false)),
        ("aliases", Value::List(Vec::new())),
        ("labels", Value::Map(Default::default())),
        ("tier", "sim://test_bucket/media-1/tier".into()),
    ]);
    assert_eq!(created.attrs, expected);
    assert_eq!(sim.get("test_bucket", "media-1"), Some(expected));
}

#[tokio::test]
async fn ids_count_per_address() {
    let sim = Simulator::in_memory();
    let config = bucket_config("x");
    assert_eq!(create(&sim, "media", &config).await.expect("create").id, "media-1");
    assert_eq!(create(&sim, "logs", &config).await.expect("create").id, "logs-1");
    assert_eq!(create(&sim, "media", &config).await.expect("create").id, "media-2");
    let other = Address::new("test_queue", "media");
    let created = sim
        .create(CreateRequest {
            address: &other,
            schema: <TestBucket as crate::resource::Resource>::schema(),
            config: &config,
            attempt: crate::provider::attempts::FIRST,
        })
        .await;
    assert_eq!(created.expect("create").id, "media-1", "counters are per address, not per name");
    assert_eq!(sim.len(), 4);
    let listed: Vec<(String, String)> = sim.objects().into_iter().map(|o| (o.type_name, o.id)).collect();
    let expected =
        [("test_bucket", "logs-1"), ("test_bucket", "media-1"), ("test_bucket", "media-2"), ("test_queue", "media-1")];
    assert_eq!(listed, expected.map(|(t, id)| (t.to_string(), id.to_string())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_creates_get_distinct_ids() {
    let sim = Arc::new(Simulator::in_memory());
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let sim = sim.clone();
            tokio::spawn(async move { create(&sim, &format!("r{}", i % 4), &bucket_config("x")).await })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.expect("task ran").expect("create succeeds").id);
    }
    let expected: BTreeSet<String> = (0..4).flat_map(|r| (1..=10).map(move |n| format!("r{r}-{n}"))).collect();
    assert_eq!(ids, expected);
    assert_eq!(sim.len(), 40);
}

#[tokio::test]
async fn create_refuses_unresolved_values() {
    let sim = Simulator::in_memory();
    let reference = Value::Ref(Box::new("test_key.main.arn".parse().expect("valid reference")));
    for bad in [reference, Value::Unknown, Value::List(vec![Value::Unknown])] {
        let config = attrs(&[("name", bad)]);
        let err = create(&sim, "media", &config).await.expect_err("unresolved config refused");
        assert_eq!(err.kind, ErrorKind::Permanent);
        assert!(err.message.contains("engine bug"), "{}", err.message);
        assert!(err.message.contains("test_bucket.media"), "{}", err.message);
    }
    assert!(sim.is_empty());
    assert_eq!(create(&sim, "media", &bucket_config("m")).await.expect("create").id, "media-1");
}

#[tokio::test]
async fn optional_attribute_set_by_config_is_kept() {
    let sim = Simulator::in_memory();
    let mut config = bucket_config("media");
    config.insert("tier", "cold".into());
    config.insert("versioning", Value::Bool(true));
    let created = create(&sim, "media", &config).await.expect("create");
    assert_eq!(created.attrs["tier"], Value::from("cold"));
    assert_eq!(created.attrs["versioning"], Value::Bool(true));
    let mut config = bucket_config("logs");
    config.insert("tier", Value::Null);
    let created = create(&sim, "logs", &config).await.expect("create");
    assert_eq!(created.attrs["tier"], Value::from("sim://test_bucket/logs-1/tier"), "null means the cloud picks");
}

#[tokio::test]
async fn read_update_delete_round_trip() {
    let sim = Simulator::in_memory();
    let created = create(&sim, "media", &bucket_config("media")).await.expect("create");
    let live = read(&sim, "media", &created.id).await.expect("read").expect("object exists");
    assert_eq!(live, created.attrs);
    assert_eq!(read(&sim, "media", "media-9").await.expect("read"), None);

    let config = attrs(&[("name", "renamed".into())]);
    let updated = update(&sim, "media", &created.id, &config).await.expect("update");
    assert_eq!(updated["name"], Value::from("renamed"));
    assert_eq!(updated["region"], Value::from("eu-west-1"), "an input left out keeps its value");
    assert_eq!(read(&sim, "media", &created.id).await.expect("read"), Some(updated));

    delete(&sim, "media", &created.id).await.expect("delete");
    assert_eq!(read(&sim, "media", &created.id).await.expect("read"), None);
    assert!(sim.is_empty());
    delete(&sim, "media", &created.id).await.expect("deleting a missing object succeeds");
    let err = update(&sim, "media", &created.id, &config).await.expect_err("update of a missing object");
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn update_keeps_computed_attrs() {
    let sim = Simulator::in_memory();
    let created = create(&sim, "media", &bucket_config("media")).await.expect("create");
    let config = attrs(&[
        ("name", "media".into()),
        ("arn", "arn:forged".into()),
        ("size", Value::from(99i64)),
        ("tier", Value::Null),
        ("versioning", Value::Bool(true)),
        ("extra", "kept".into()),
    ]);
    let updated = update(&sim, "media", &created.id, &config).await.expect("update");
    for name in ["id", "arn", "endpoint", "size", "tier", "public", "aliases", "labels"] {
        assert_eq!(updated.get(name), created.attrs.get(name), "computed `{name}` changed");
    }
    assert_eq!(updated.get("versioning"), None, "watched attributes belong to the cloud");
    assert_eq!(updated["extra"], Value::from("kept"), "attributes the schema does not know are inputs");
    let config = attrs(&[("tier", "hot".into())]);
    let updated = update(&sim, "media", &created.id, &config).await.expect("update");
    assert_eq!(updated["tier"], Value::from("hot"), "a set optional attribute is an input");
}

#[tokio::test]
async fn sensitive_values_are_never_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Simulator::open(dir.path()).expect("open");
    let created = create(&sim, "media", &bucket_config("media")).await.expect("create");
    assert!(!created.attrs.contains_key("password"));
    let mut config = bucket_config("media");
    config.insert("password", format!("{CANARY}-rotated").into());
    let updated = update(&sim, "media", &created.id, &config).await.expect("update");
    assert!(!updated.contains_key("password"));
    let live = read(&sim, "media", &created.id).await.expect("read").expect("exists");
    assert!(!live.contains_key("password"));
    assert!(!format!("{:?}", sim.objects()).contains(CANARY));
    let log = log_bytes(dir.path());
    assert!(!log.is_empty());
    let canary = CANARY.as_bytes();
    assert!(!log.windows(canary.len()).any(|w| w == canary), "the canary reached the log");
}

#[tokio::test]
async fn persistence_survives_reopen_including_counters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = {
        let sim = Simulator::open(dir.path()).expect("open");
        let media = create(&sim, "media", &bucket_config("media")).await.expect("create");
        update(&sim, "media", &media.id, &attrs(&[("name", "renamed".into())])).await.expect("update");
        let logs = create(&sim, "logs", &bucket_config("logs")).await.expect("create");
        delete(&sim, "logs", &logs.id).await.expect("delete");
        sim.objects()
    };
    let sim = Simulator::open(dir.path()).expect("reopen");
    assert_eq!(sim.objects(), before);
    assert_eq!(sim.len(), 1);
    assert_eq!(sim.get("test_bucket", "media-1").expect("kept")["name"], Value::from("renamed"));
    assert_eq!(create(&sim, "media", &bucket_config("media")).await.expect("create").id, "media-2");
    assert_eq!(create(&sim, "logs", &bucket_config("logs")).await.expect("create").id, "logs-2");
    drop(sim);
    let sim = Simulator::open(dir.path()).expect("reopen again");
    assert_eq!(sim.len(), 3);
}

#[tokio::test]
async fn open_creates_a_missing_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join(".quikinfra").join("sim");
    let sim = Simulator::open(&nested).expect("open");
    assert!(nested.is_dir());
    assert_eq!(sim.log_path(), Some(nested.join(LOG_FILE)));
    create(&sim, "media", &bucket_config("media")).await.expect("create");
    assert!(!log_bytes(&nested).is_empty());
}

#[tokio::test]
async fn truncated_last_line_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let sim = Simulator::open(dir.path()).expect("open");
        create(&sim, "media", &bucket_config("media")).await.expect("create");
        create(&sim, "logs", &bucket_config("logs")).await.expect("create");
    }
    let mut log = log_bytes(dir.path());
    log.extend_from_slice(br#"{"op":"put","type":"test_bucket","id":"ghost-1","attrs":{"na"#);
    std::fs::write(dir.path().join(LOG_FILE), &log).expect("write");
    {
        let sim = Simulator::open(dir.path()).expect("a partial last line is tolerated");
        assert_eq!(sim.len(), 2);
        assert_eq!(sim.get("test_bucket", "ghost-1"), None);
        assert_eq!(create(&sim, "cache", &bucket_config("cache")).await.expect("create").id, "cache-1");
    }
    let sim = Simulator::open(dir.path()).expect("appends after the cut start on their own line");
    assert_eq!(sim.len(), 3);
    assert!(sim.get("test_bucket", "cache-1").is_some());
}

#[tokio::test]
async fn whole_last_line_without_newline_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let sim = Simulator::open(dir.path()).expect("open");
        create(&sim, "media", &bucket_config("media")).await.expect("create");
    }
    let mut log = log_bytes(dir.path());
    assert_eq!(log.pop(), Some(b'\n'));
    std::fs::write(dir.path().join(LOG_FILE), &log).expect("write");
    {
        let sim = Simulator::open(dir.path()).expect("open");
        assert_eq!(sim.len(), 1);
        create(&sim, "logs", &bucket_config("logs")).await.expect("create");
    }
    let sim = Simulator::open(dir.path()).expect("open");
    assert_eq!(sim.len(), 2);
}

#[tokio::test]
async fn corrupt_middle_line_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let sim = Simulator::open(dir.path()).expect("open");
        create(&sim, "media", &bucket_config("media")).await.expect("create");
    }
    let log = String::from_utf8(log_bytes(dir.path())).expect("utf-8 log");
    let mut lines: Vec<&str> = log.lines().collect();
    lines.insert(1, "{not json");
    std::fs::write(dir.path().join(LOG_FILE), lines.join("\n") + "\n").expect("write");
    let err = Simulator::open(dir.path()).expect_err("a corrupt middle line is an error");
    assert!(matches!(&err, SimError::Corrupt { line: 2, .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&format!("{LOG_FILE}:2:")), "{message}");
}

#[tokio::test]
async fn compaction_keeps_content_and_shrinks_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = {
        let sim = Simulator::open(dir.path()).expect("open");
        let media = create(&sim, "media", &bucket_config("media")).await.expect("create");
        for i in 0..300i64 {
            sim.set_attribute("test_bucket", &media.id, "size", Value::from(i)).expect("set");
        }
        sim.objects()
    };
    let size_before = log_bytes(dir.path()).len();
    let sim = Simulator::open(dir.path()).expect("reopen compacts");
    assert_eq!(sim.objects(), before);
    let log = log_bytes(dir.path());
    assert!(log.len() * 10 < size_before, "log did not shrink: {} -> {}", size_before, log.len());
    assert_eq!(log.iter().filter(|&&b| b == b'\n').count(), 2, "one counter and one object remain");
    assert!(!dir.path().join("world.jsonl.tmp").exists());
    assert_eq!(create(&sim, "media", &bucket_config("media")).await.expect("create").id, "media-2");
    drop(sim);
    assert_eq!(Simulator::open(dir.path()).expect("reopen").len(), 2);
}

#[tokio::test]
async fn out_of_band_edits_are_visible_and_persisted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = {
        let sim = Simulator::open(dir.path()).expect("open");
        let id = create(&sim, "media", &bucket_config("media")).await.expect("create").id;
        create(&sim, "logs", &bucket_config("logs")).await.expect("create");
        sim.set_attribute("test_bucket", &id, "versioning", Value::Bool(true)).expect("set");
        sim.remove_attribute("test_bucket", &id, "region").expect("remove");
        sim.delete_object("test_bucket", "logs-1").expect("delete");
        let live = read(&sim, "media", &id).await.expect("read").expect("exists");
        assert_eq!(live["versioning"], Value::Bool(true));
        assert!(!live.contains_key("region"));
        assert_eq!(read(&sim, "logs", "logs-1").await.expect("read"), None);
        id
    };
    let sim = Simulator::open(dir.path()).expect("reopen");
    let live = read(&sim, "media", &id).await.expect("read").expect("exists");
    assert_eq!(live["versioning"], Value::Bool(true));
    assert!(!live.contains_key("region"));
    assert_eq!(sim.get("test_bucket", "logs-1"), None);

    assert!(matches!(
        sim.set_attribute("test_bucket", "nope-1", "name", "x".into()),
        Err(SimError::UnknownObject { .. })
    ));
    assert!(matches!(sim.remove_attribute("test_bucket", &id, "region"), Err(SimError::UnknownAttribute { .. })));
    assert!(matches!(sim.delete_object("test_bucket", "logs-1"), Err(SimError::UnknownObject { .. })));
}

#[tokio::test]
async fn transient_rate_one_always_fails_and_mutates_nothing() {
    let sim = Simulator::in_memory();
    let created = create(&sim, "media", &bucket_config("media")).await.expect("create");
    let sim = sim.with_faults(faults(|f| f.transient_rate = 1.0));
    for _ in 0..20 {
        let err = create(&sim, "media", &bucket_config("media")).await.expect_err("throttled");
        assert_eq!(err.kind, ErrorKind::Transient);
        assert_eq!(err.message, "simulated throttling: 503 SlowDown");
    }
    let config = attrs(&[("name", "renamed".into())]);
    assert_eq!(update(&sim, "media", &created.id, &config).await.expect_err("throttled").kind, ErrorKind::Transient);
    assert_eq!(delete(&sim, "media", &created.id).await.expect_err("throttled").kind, ErrorKind::Transient);
    assert_eq!(read(&sim, "media", &created.id).await.expect_err("throttled").kind, ErrorKind::Transient);
    assert_eq!(sim.len(), 1);
    assert_eq!(sim.get("test_bucket", &created.id), Some(created.attrs));
    let sim = sim.with_faults(Faults::none());
    let next = create(&sim, "media", &bucket_config("media")).await.expect("create");
    assert_eq!(next.id, "media-2", "throttled creates did not move the counter");
}

#[tokio::test]
async fn transient_failures_are_reproducible_from_the_seed() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let sim = Simulator::in_memory().with_faults(faults(|f| {
            f.transient_rate = 0.5;
            f.seed = seed;
        }));
        let mut out = Vec::new();
        for _ in 0..64 {
            out.push(read(&sim, "media", "media-1").await.is_err());
        }
        out
    }
    let first = pattern(7).await;
    assert_eq!(first, pattern(7).await);
    assert!(first.contains(&true) && first.contains(&false), "rate 0.5 gave {first:?}");
    assert_ne!(first, pattern(8).await);
}

#[tokio::test]
async fn fail_address_fails_permanently_but_reads_do_not() {
    let sim = Simulator::in_memory();
    let created = create(&sim, "media", &bucket_config("media")).await.expect("create");
    let sim = sim.with_faults(faults(|f| {
        f.fail.insert(addr("media"));
    }));
    let err = create(&sim, "media", &bucket_config("media")).await.expect_err("create fails");
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert_eq!(err.message, "simulated failure of test_bucket.media");
    let config = attrs(&[("name", "renamed".into())]);
    assert_eq!(update(&sim, "media", &created.id, &config).await.expect_err("fails").kind, ErrorKind::Permanent);
    assert_eq!(delete(&sim, "media", &created.id).await.expect_err("fails").kind, ErrorKind::Permanent);
    assert_eq!(read(&sim, "media", &created.id).await.expect("reads succeed"), Some(created.attrs));
    assert_eq!(create(&sim, "logs", &bucket_config("logs")).await.expect("other addresses work").id, "logs-1");
}

#[tokio::test]
async fn latency_is_slept_before_every_call() {
    let latency = Duration::from_millis(60);
    let sim = Simulator::in_memory().with_faults(faults(|f| f.latency = latency));
    let start = Instant::now();
    let created = create(&sim, "media", &bucket_config("media")).await.expect("create");
    read(&sim, "media", &created.id).await.expect("read");
    // tokio sleeps at least the duration asked, so this lower bound cannot flake.
    assert!(start.elapsed() >= 2 * latency, "two calls took only {:?}", start.elapsed());
    let early = tokio::time::timeout(latency / 4, read(&sim, "media", &created.id)).await;
    assert!(early.is_err(), "a read finished before its latency");
}

// ---------------------------------------------------------------------------------------------
// Environments sharing one world.

fn open_for(dir: &Path, environment: &str) -> Simulator {
    Simulator::open(dir).expect("open").for_environment(environment)
}

async fn find(sim: &Simulator, name: &str, config: &Attrs) -> Option<Created> {
    sim.find(CreateRequest {
        address: &addr(name),
        schema: <TestBucket as crate::resource::Resource>::schema(),
        config,
        attempt: crate::provider::attempts::FIRST,
    })
    .await
    .expect("find answers")
}

/// What an apply journals for a create: the config without its sensitive attributes.
fn journaled(config: &Attrs) -> Attrs {
    config.iter().filter(|(name, _)| name.as_str() != "password").map(|(k, v)| (*k, v.clone())).collect()
}

#[tokio::test]
async fn environments_count_ids_of_their_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let staging = open_for(dir.path(), "staging");
    let production = open_for(dir.path(), "production");
    let config = bucket_config("media");
    assert_eq!(create(&staging, "media", &config).await.expect("create").id, "staging.media-1");
    let created = create(&production, "media", &config).await.expect("create");
    assert_eq!(created.id, "production.media-1", "another environment's creates do not move the counter");
    assert_eq!(created.attrs["arn"], Value::from("arn:sim:test_bucket:production.media-1"));
    assert_eq!(create(&staging, "media", &config).await.expect("create").id, "staging.media-2");
    assert_eq!(create(&production, "logs", &config).await.expect("create").id, "production.logs-1");
    let listed: Vec<(String, Option<String>)> =
        Simulator::open(dir.path()).expect("open").objects().into_iter().map(|o| (o.id, o.environment)).collect();
    let expected = [
        ("production.logs-1", "production"),
        ("production.media-1", "production"),
        ("staging.media-1", "staging"),
        ("staging.media-2", "staging"),
    ];
    assert_eq!(listed, expected.map(|(id, env)| (id.to_string(), Some(env.to_string()))));
    drop((staging, production));
    let staging = open_for(dir.path(), "staging");
    assert_eq!(create(&staging, "media", &config).await.expect("create").id, "staging.media-3", "counters persist");
}

#[tokio::test]
async fn reads_see_every_environment_but_changes_stay_in_their_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let production = open_for(dir.path(), "production");
    let staging = open_for(dir.path(), "staging");
    let theirs = create(&production, "media", &bucket_config("media")).await.expect("create");

    // A reader of a shared resource reads the owner's object by the id in the owner's state.
    let read_by_staging = read(&staging, "media", &theirs.id).await.expect("read");
    assert_eq!(read_by_staging, Some(theirs.attrs.clone()));
    assert_eq!(staging.get("test_bucket", &theirs.id), Some(theirs.attrs.clone()));

    let config = attrs(&[("name", "hijacked".into())]);
    let err = update(&staging, "media", &theirs.id, &config).await.expect_err("update refused");
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(err.message.contains("belongs to environment `production`"), "{}", err.message);
    assert!(err.message.contains("environment `staging` cannot change it"), "{}", err.message);
    let err = delete(&staging, "media", &theirs.id).await.expect_err("delete refused");
    assert_eq!(err.kind, ErrorKind::Permanent);
    for refused in [
        staging.set_attribute("test_bucket", &theirs.id, "size", Value::from(9i64)),
        staging.remove_attribute("test_bucket", &theirs.id, "region"),
        staging.delete_object("test_bucket", &theirs.id),
    ] {
        assert!(
            matches!(&refused, Err(SimError::OtherEnvironment { owner, .. }) if owner == "production"),
            "{refused:?}"
        );
    }
    let unscoped = Simulator::open(dir.path()).expect("open");
    let err = delete(&unscoped, "media", &theirs.id).await.expect_err("a simulator of no environment is refused too");
    assert!(err.message.contains("a simulator serving no environment cannot change it"), "{}", err.message);

    let reopened = Simulator::open(dir.path()).expect("open");
    assert_eq!(reopened.get("test_bucket", &theirs.id), Some(theirs.attrs.clone()), "nothing reached the log");
    let renamed = update(&production, "media", &theirs.id, &config).await.expect("the owner updates");
    assert_eq!(renamed["name"], Value::from("hijacked"));
    delete(&production, "media", &theirs.id).await.expect("the owner deletes");
    assert!(reopened.is_empty(), "a long-lived simulator sees another's delete");
}

#[tokio::test]
async fn find_answers_only_with_the_same_environments_object_of_the_same_create() {
    let dir = tempfile::tempdir().expect("tempdir");
    let production = open_for(dir.path(), "production");
    let staging = open_for(dir.path(), "staging");
    let config = bucket_config("media");
    let theirs = create(&production, "media", &config).await.expect("create");
    assert!(find(&staging, "media", &journaled(&config)).await.is_none(), "production's object is not staging's");

    let ours = create(&staging, "media", &config).await.expect("create");
    let found = find(&staging, "media", &journaled(&config)).await.expect("staging's own object is found");
    assert_eq!((found.id.as_str(), &found.attrs), (ours.id.as_str(), &ours.attrs));
    let found = find(&production, "media", &journaled(&config)).await.expect("production's is found by production");
    assert_eq!(found.id, theirs.id);

    // Another create at the address (a changed name) did not make staging's object.
    let other = journaled(&bucket_config("media-v2"));
    assert!(find(&staging, "media", &other).await.is_none());
    // Unset optional, computed and watched attributes say nothing; a set optional one does.
    let mut loose = journaled(&config);
    loose.insert("tier", Value::Null);
    loose.insert("arn", "arn:elsewhere".into());
    loose.insert("versioning", Value::Bool(true));
    assert!(find(&staging, "media", &loose).await.is_some());
    loose.insert("tier", "cold".into());
    assert!(find(&staging, "media", &loose).await.is_none());

    delete(&staging, "media", &ours.id).await.expect("delete");
    assert!(find(&staging, "media", &journaled(&config)).await.is_none(), "a deleted object is not found");
}

#[tokio::test]
async fn unowned_objects_can_be_changed_but_are_never_found_for_an_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = bucket_config("media");
    let unowned = {
        let sim = Simulator::open(dir.path()).expect("open");
        create(&sim, "media", &config).await.expect("create")
    };
    assert_eq!(unowned.id, "media-1");
    let log = String::from_utf8(log_bytes(dir.path())).expect("utf-8");
    assert!(log.starts_with(r#"{"op":"counter","address":"test_bucket.media","n":1}"#), "{log}");
    assert!(!log.contains("\"env\""), "unowned records are written as before environments: {log}");

    let staging = open_for(dir.path(), "staging");
    assert!(find(&staging, "media", &journaled(&config)).await.is_none());
    assert_eq!(Simulator::open(dir.path()).expect("open").objects()[0].environment, None);
    let found = find(&Simulator::open(dir.path()).expect("open"), "media", &journaled(&config)).await;
    assert_eq!(found.expect("found by a simulator of no environment").id, "media-1");
    let config = attrs(&[("name", "renamed".into())]);
    update(&staging, "media", &unowned.id, &config).await.expect("an unowned object can be changed");
    delete(&staging, "media", &unowned.id).await.expect("and deleted");
    assert!(staging.is_empty());
}

#[tokio::test]
async fn recovery_in_one_environment_never_adopts_anothers_object() {
    use std::collections::BTreeMap;

    use crate::apply::recover::{Recovery, recover};
    use crate::provider::Providers;
    use crate::state::{PendingOp, State};

    let dir = tempfile::tempdir().expect("tempdir");
    let config = bucket_config("media");
    let production = Arc::new(open_for(dir.path(), "production"));
    let theirs = create(&production, "media", &config).await.expect("create");

    let schemas: BTreeMap<&'static str, &'static Schema> =
        BTreeMap::from([("test_bucket", <TestBucket as crate::resource::Resource>::schema())]);
    let staging = Arc::new(open_for(dir.path(), "staging"));
    let providers = Providers::new().fallback(staging.clone(), 4);
    let interrupted = |state: &mut State| {
        state.pending.push(PendingOp {
            address: addr("media"),
            operation: "create".into(),
            provider: "test".into(),
            id: None,
            config: journaled(&config),
            dependencies: Vec::new(),
            started: "2026-01-01T00:00:00Z".into(),
        })
    };

    // Staging's create was interrupted before it reached the simulator: production's object
    // of the same address and the same configuration is not what it made.
    let mut state = State::new("staging", State::new_lineage());
    interrupted(&mut state);
    let recovered = recover(&mut state, &schemas, &providers).await;
    assert_eq!(recovered, [Recovery::NothingLeft { address: addr("media") }]);
    assert!(state.resources.is_empty() && state.pending.is_empty());

    // Interrupted after the simulator made staging's object: that one is adopted.
    let ours = create(&staging, "media", &config).await.expect("create");
    interrupted(&mut state);
    let recovered = recover(&mut state, &schemas, &providers).await;
    assert_eq!(recovered, [Recovery::Adopted { address: addr("media"), id: ours.id.clone() }]);
    assert_eq!(state.resources[&addr("media")].id, "staging.media-1");
    assert_eq!(production.get("test_bucket", &theirs.id), Some(theirs.attrs), "production's object is untouched");
}

// ---------------------------------------------------------------------------------------------
// Several simulators, and processes, on one directory.

#[tokio::test]
async fn simulators_sharing_a_directory_see_and_keep_each_others_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Simulator::open(dir.path()).expect("open");
    let b = Simulator::open(dir.path()).expect("open");
    let config = bucket_config("x");
    assert_eq!(create(&a, "media", &config).await.expect("create").id, "media-1");
    assert_eq!(create(&b, "media", &config).await.expect("create").id, "media-2", "b caught up with a's counter");
    assert_eq!(create(&a, "logs", &config).await.expect("create").id, "logs-1");
    delete(&b, "media", "media-1").await.expect("delete");
    a.set_attribute("test_bucket", "media-2", "size", Value::from(7i64)).expect("set");
    assert_eq!(read(&a, "media", "media-1").await.expect("read"), None, "a reads b's delete");
    assert_eq!(b.get("test_bucket", "media-2").expect("exists")["size"], Value::from(7i64));
    assert_eq!(create(&b, "media", &config).await.expect("create").id, "media-3");

    let reopened = Simulator::open(dir.path()).expect("reopen");
    let ids: Vec<String> = reopened.objects().into_iter().map(|o| o.id).collect();
    assert_eq!(ids, ["logs-1", "media-2", "media-3"]);
    assert_eq!(reopened.get("test_bucket", "media-2").expect("kept")["size"], Value::from(7i64));
    assert_eq!(a.objects(), reopened.objects());
    assert_eq!(b.objects(), reopened.objects());
}

/// Grows the log well past the compaction threshold with edits of one object.
fn bloat(sim: &Simulator, id: &str) {
    for i in 0..300i64 {
        sim.set_attribute("test_bucket", id, "size", Value::from(i)).expect("set");
    }
}

#[tokio::test]
async fn a_compaction_by_another_simulator_loses_no_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `destroyer` stands for a destroy running while read-only plans open (and compact) the log.
    let destroyer = Simulator::open(dir.path()).expect("open");
    let config = bucket_config("x");
    let media = create(&destroyer, "media", &config).await.expect("create");
    let logs = create(&destroyer, "logs", &config).await.expect("create");
    bloat(&destroyer, &media.id);
    let size_before = log_bytes(dir.path()).len();
    let token_before = std::fs::read_to_string(dir.path().join(LOCK_FILE)).expect("lock file");

    let planner = Simulator::open(dir.path()).expect("open compacts");
    assert!(log_bytes(dir.path()).len() * 10 < size_before, "the log was compacted");
    assert_ne!(std::fs::read_to_string(dir.path().join(LOCK_FILE)).expect("lock file"), token_before);

    delete(&destroyer, "media", &media.id).await.expect("delete after the compaction");
    assert_eq!(create(&destroyer, "cache", &config).await.expect("create").id, "cache-1");
    bloat(&destroyer, &logs.id);
    let second = Simulator::open(dir.path()).expect("a second compaction");
    delete(&destroyer, "logs", &logs.id).await.expect("delete after the second compaction");
    assert_eq!(create(&planner, "media", &config).await.expect("create").id, "media-2", "planner caught up");

    for sim in [Simulator::open(dir.path()).expect("reopen"), planner, second, destroyer] {
        let ids: Vec<String> = sim.objects().into_iter().map(|o| o.id).collect();
        assert_eq!(ids, ["cache-1", "media-2"], "{sim:?}");
    }
    assert!(!dir.path().join("world.jsonl.tmp").exists());
}

#[tokio::test]
async fn a_killed_writers_partial_line_is_cut_by_the_next_writer_and_skipped_by_readers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Simulator::open(dir.path()).expect("open");
    create(&sim, "media", &bucket_config("media")).await.expect("create");
    let mut log = log_bytes(dir.path());
    let whole = log.len();
    log.extend_from_slice(br#"{"op":"put","type":"test_bucket","id":"ghost-1","attrs":{"na"#);
    std::fs::write(dir.path().join(LOG_FILE), &log).expect("write");

    assert_eq!(sim.len(), 1, "a reader skips the partial line");
    assert_eq!(log_bytes(dir.path()), log, "and leaves it alone");
    assert_eq!(create(&sim, "logs", &bucket_config("logs")).await.expect("create").id, "logs-1");
    let after = log_bytes(dir.path());
    assert!(!after.windows(5).any(|w| w == b"ghost"), "the writer cut it off");
    assert_eq!(&after[..whole], &log[..whole]);
    let reopened = Simulator::open(dir.path()).expect("reopen");
    assert_eq!(reopened.len(), 2);
}

const CHILD_DIR: &str = "QUIKINFRA_SIM_TEST_DIR";
const CHILD_CREATES: i64 = 60;

/// The child of `two_processes_writing_and_compacting_at_once_lose_nothing`: creates at one
/// address, edits each object a few times (so reopening compacts), and reopens now and then.
#[tokio::test]
#[ignore = "run by two_processes_writing_and_compacting_at_once_lose_nothing in a child process"]
async fn child_writes() {
    let dir = std::env::var(CHILD_DIR).expect("the parent names the directory");
    let mut sim = Simulator::open(&dir).expect("open");
    for i in 0..CHILD_CREATES {
        let created = create(&sim, "shared", &bucket_config("x")).await.expect("create");
        for size in 0..=3i64 {
            sim.set_attribute("test_bucket", &created.id, "size", Value::from(size)).expect("set");
        }
        if i % 10 == 9 {
            sim = Simulator::open(&dir).expect("reopen");
        }
    }
}

#[test]
fn two_processes_writing_and_compacting_at_once_lose_nothing() {
    let exe = std::env::current_exe().expect("test binary");
    let dir = tempfile::tempdir().expect("tempdir");
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--ignored", "--exact", "sim::tests::child_writes", "--test-threads", "1"])
                .env(CHILD_DIR, dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("child ran").success(), "a child failed");
    }
    let sim = Simulator::open(dir.path()).expect("open");
    let ids: BTreeSet<String> = sim.objects().into_iter().map(|o| o.id).collect();
    let expected: BTreeSet<String> = (1..=2 * CHILD_CREATES).map(|n| format!("shared-{n}")).collect();
    assert_eq!(ids, expected, "every create got its own id and object");
    for o in sim.objects() {
        assert_eq!(o.attrs["size"], Value::from(3i64), "{}: an edit was lost", o.id);
    }
}
