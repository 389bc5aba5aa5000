//! The S3 state backend against moto: conditional lock creation, takeover of expired locks,
//! ETag-guarded state writes, force-unlock, and two applies racing for one environment.

use std::sync::Arc;
use std::time::Duration;

use quikinfra_aws::{S3Backend, S3Bucket};
use quikinfra_core::apply::{self, ApplyOptions, SilentProgress};
use quikinfra_core::environment::Environment;
use quikinfra_core::plan::{self, PlanOptions};
use quikinfra_core::state::{LockRequest, State, StateError, StateStore};

use crate::support::{Moto, World, unique};

const PREFIX: &str = "quikinfra/";

/// A moto account with a versioned state bucket.
async fn state_bucket() -> (Moto, String) {
    let moto = Moto::new();
    let bucket = unique("quikinfra-state");
    let s3 = moto.s3();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    (moto, bucket)
}

/// The state store of `env` over the S3 backend: what every command uses.
fn backend(moto: &Moto, bucket: &str, env: &str) -> StateStore {
    StateStore::new(Arc::new(S3Backend::new(moto.s3(), bucket, PREFIX, env)), env, None)
}

fn request(operation: &str, ttl: Duration) -> LockRequest {
    LockRequest { operation: operation.to_string(), ttl }
}

#[tokio::test]
async fn state_round_trips_and_a_stale_etag_write_is_refused() {
    let (moto, bucket) = state_bucket().await;
    let a = backend(&moto, &bucket, "staging");
    let b = backend(&moto, &bucket, "staging");
    assert!(a.read().await.unwrap().is_none());

    let mut state = State::new("staging", State::new_lineage());
    state.version.serial = 1;
    a.write(&state, None).await.unwrap();
    // A second first write is refused: the object exists (If-None-Match: *).
    let err = b.write(&state, None).await.unwrap_err();
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");

    // b reads serial 1; a moves on to serial 2; b's write, made from serial 1, is refused.
    assert_eq!(b.read().await.unwrap().unwrap(), state);
    let v1 = state.version.clone();
    let mut two = state.clone();
    two.version.serial = 2;
    a.write(&two, Some(&v1)).await.unwrap();
    let mut stale = state.clone();
    stale.version.serial = 2;
    stale.outputs.insert("from".into(), "b".into());
    let err = b.write(&stale, Some(&v1)).await.unwrap_err();
    let StateError::Conflict { expected, found } = &err else { panic!("{err}") };
    assert!(expected.contains("serial 1") && found.contains("serial 2"), "{err}");
    assert_eq!(a.read().await.unwrap().unwrap(), two, "the stale write changed nothing");

    let object = moto.s3().get_object().bucket(&bucket).key("quikinfra/staging/state.json").send().await.unwrap();
    let text = String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap();
    assert_eq!(text, quikinfra_core::state::file::to_json(&two));
}

#[tokio::test]
async fn one_lock_holder_at_a_time_and_the_others_are_told_who() {
    let (moto, bucket) = state_bucket().await;
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let b = backend(&moto, &bucket, "prod");
            tokio::spawn(async move { b.lock(&request("apply", Duration::from_secs(300))).await })
        })
        .collect();
    let mut won = Vec::new();
    let mut lost = Vec::new();
    for r in racers {
        match r.await.unwrap() {
            Ok(info) => won.push(info),
            Err(StateError::Locked(info)) => lost.push(info),
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(won.len(), 1, "winners: {won:?}");
    assert!(lost.iter().all(|l| l.id == won[0].id && l.holder == won[0].holder && l.operation == "apply"));

    let other = backend(&moto, &bucket, "prod");
    let err = other.lock(&request("plan", Duration::from_secs(60))).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&won[0].holder) && message.contains(&won[0].id), "{message}");

    // Force-unlock needs the right id.
    assert!(matches!(other.force_unlock("not-the-id").await, Err(StateError::LockMismatch { .. })));
    other.force_unlock(&won[0].id).await.unwrap();
    assert!(other.current_lock().await.unwrap().is_none());
    let again = other.lock(&request("plan", Duration::from_secs(60))).await.unwrap();
    other.unlock(&again).await.unwrap();
}

#[tokio::test]
async fn an_expired_lock_is_taken_over_by_exactly_one_run() {
    let (moto, bucket) = state_bucket().await;
    let crashed = backend(&moto, &bucket, "dev");
    let stale = crashed.lock(&request("apply", Duration::ZERO)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let takers: Vec<_> = (0..6)
        .map(|_| {
            let b = backend(&moto, &bucket, "dev");
            tokio::spawn(async move { b.lock(&request("apply", Duration::from_secs(300))).await })
        })
        .collect();
    let mut won = Vec::new();
    for t in takers {
        match t.await.unwrap() {
            Ok(info) => won.push(info),
            Err(StateError::Locked(info)) => assert_ne!(info.id, stale.id, "a taker saw the stale lock as live"),
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one run takes over: {won:?}");
    assert_eq!(crashed.current_lock().await.unwrap().unwrap().id, won[0].id);
    // The crashed run, coming back, cannot release or renew what is no longer its lock.
    assert!(matches!(crashed.unlock(&stale).await, Err(StateError::LockMismatch { .. })));
    assert!(matches!(crashed.renew(&stale, Duration::from_secs(60)).await, Err(StateError::LockMismatch { .. })));
    let holder = backend(&moto, &bucket, "dev");
    let renewed = holder.renew(&won[0], Duration::from_secs(600)).await.unwrap();
    assert_ne!(renewed.expires, won[0].expires);
    holder.unlock(&renewed).await.unwrap();
}

#[tokio::test]
async fn two_applies_race_and_exactly_one_proceeds() {
    let world = World::new();
    let bucket = unique("quikinfra-state");
    world.moto.s3().create_bucket().bucket(&bucket).send().await.unwrap();
    let media = unique("quikapp-media");
    let env = Environment::new("live").with(S3Bucket::new("media", &media).sse_s3());
    // Both try the lock at once, and neither goes on before both have tried.
    let barrier = tokio::sync::Barrier::new(2);
    let attempted = tokio::sync::Barrier::new(2);

    let run = async || {
        let backend = backend(&world.moto, &bucket, "live");
        barrier.wait().await;
        let attempt = backend.lock(&request("apply", Duration::from_secs(300))).await;
        attempted.wait().await;
        let lock = attempt?;
        let state = backend.read().await?;
        let plan = plan::plan(&env, state.as_ref(), &world.providers, &PlanOptions::default()).await.expect("plan");
        let opts = ApplyOptions::default();
        let report = apply::apply(&plan, &env.schemas(), &world.providers, &backend, &SilentProgress, &opts)
            .await
            .expect("apply");
        backend.unlock(&lock).await?;
        Ok::<_, StateError>((lock, report))
    };
    // Two runs in one task, interleaved at every await: concurrency is what matters here.
    let (first, second) = tokio::join!(run(), run());
    let mut applied = Vec::new();
    let mut refused = Vec::new();
    for r in [first, second] {
        match r {
            Ok(done) => applied.push(done),
            Err(StateError::Locked(info)) => refused.push(info),
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(applied.len(), 1, "exactly one apply proceeds");
    assert_eq!(refused.len(), 1);
    let (lock, report) = &applied[0];
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(refused[0].holder, lock.holder);
    assert_eq!(refused[0].id, lock.id);
    let stored = backend(&world.moto, &bucket, "live").read().await.unwrap().unwrap();
    assert_eq!(stored.resources.len(), 1);
}

/// S3 keeps no log: a checkpoint is a whole conditional write. Completions that land together,
/// and those that land while a write is in flight, share one, so an apply writes state once
/// per wave of its graph, not once per resource. Counted as the state object's versions.
#[tokio::test]
async fn an_apply_writes_state_once_per_wave_not_once_per_resource() {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    use quikinfra_core::sim::Simulator;
    use quikinfra_core::testing::Thing;

    let (moto, bucket) = state_bucket().await;
    let versioning = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
    moto.s3().put_bucket_versioning().bucket(&bucket).versioning_configuration(versioning).send().await.unwrap();
    // Four roots, each with three chains of four: 52 things, five waves deep.
    let (groups, chains, chain) = (4, 3, 4);
    let mut env = Environment::new("live");
    for g in 0..groups {
        let root = Thing::new(&format!("g{g}"));
        let root_arn = root.arn();
        env.add(root);
        for c in 0..chains {
            let mut parent = root_arn.clone();
            for i in 0..chain {
                let thing = Thing::new(&format!("g{g}-c{c}-{i}")).link(&parent);
                parent = thing.arn();
                env.add(thing);
            }
        }
    }
    let (things, waves) = (groups * (1 + chains * chain), 1 + chain);
    let providers = quikinfra_core::provider::Providers::new().fallback(Arc::new(Simulator::in_memory()), 64);
    let store = backend(&moto, &bucket, "live");
    let plan = plan::plan(&env, None, &providers, &PlanOptions::default()).await.expect("plan");
    let opts = ApplyOptions { parallelism: 64, ..ApplyOptions::default() };
    let report = apply::apply(&plan, &env.schemas(), &providers, &store, &SilentProgress, &opts).await.expect("apply");
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.added, things);

    let key = format!("{PREFIX}live/state.json");
    let listed = moto.s3().list_object_versions().bucket(&bucket).prefix(&key).send().await.unwrap();
    let writes = listed.versions().iter().filter(|v| v.key() == Some(key.as_str())).count();
    // One write before the first wave (its intents), one after each wave.
    assert!(
        (2..=waves + 1).contains(&writes),
        "{writes} state writes for {things} resources in {waves} waves (one per resource would be {things})"
    );
    let stored = backend(&moto, &bucket, "live").read().await.unwrap().unwrap();
    assert_eq!(stored, report.state, "the last write holds the whole apply");
}
