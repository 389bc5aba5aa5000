//! Tests of the simulator: ids, computed attributes, sensitive values, persistence and faults.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::store::LOG_FILE;
use super::*;
use crate::provider::ErrorKind;

static SCHEMA: Schema = Schema {
    type_name: "test_bucket",
    provider: "test",
    attributes: &[
        AttrSchema::input("name", AttrType::String),
        AttrSchema::input("region", AttrType::String).force_new(),
        AttrSchema::input("password", AttrType::String).sensitive(),
        AttrSchema::computed("id", AttrType::String),
        AttrSchema::computed("arn", AttrType::String),
        AttrSchema::computed("endpoint", AttrType::String),
        AttrSchema::computed("size", AttrType::Number),
        AttrSchema::computed("public", AttrType::Bool),
        AttrSchema::computed("aliases", AttrType::List),
        AttrSchema::computed("labels", AttrType::Map),
        AttrSchema::optional_computed("tier", AttrType::String),
        AttrSchema::watch("versioning", AttrType::Bool),
    ],
};

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
    sim.create(CreateRequest { address: &addr(name), schema: &SCHEMA, config }).await
}

async fn read(sim: &Simulator, name: &str, id: &str) -> Result<Option<Attrs>, ProviderError> {
    sim.read(ReadRequest { address: &addr(name), id, prior: &Attrs::new() }).await
}

async fn update(sim: &Simulator, name: &str, id: &str, config: &Attrs) -> Result<Attrs, ProviderError> {
    let address = addr(name);
    let prior = Attrs::new();
    sim.update(UpdateRequest { address: &address, schema: &SCHEMA, id, prior: &prior, config, changed: &[] }).await
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
    let created = sim.create(CreateRequest { address: &other, schema: &SCHEMA, config: &config }).await;
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
    config.insert("tier".into(), "cold".into());
    config.insert("versioning".into(), Value::Bool(true));
    let created = create(&sim, "media", &config).await.expect("create");
    assert_eq!(created.attrs["tier"], Value::from("cold"));
    assert_eq!(created.attrs["versioning"], Value::Bool(true));
    let mut config = bucket_config("logs");
    config.insert("tier".into(), Value::Null);
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
    config.insert("password".into(), format!("{CANARY}-rotated").into());
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
