//! The `azblob://` backend against Azurite: state round trips (sealed, the blob is ciphertext),
//! ETag-conditional writes (one winner among racing writers, a stale ETag refused), and the
//! lease-based lock (one holder among racers naming the holder, an expired lock or a lease
//! outliving its holder taken over by exactly one run, renewal, force-unlock by id).

use std::time::Duration;

use azure_core::http::RequestContent;
use azure_storage_blob::models::{
    BlobClientAcquireLeaseOptions, BlobClientGetPropertiesResultHeaders, BlobClientUploadOptions, LeaseState,
};
use quikinfra_core::state::crypt::Cipher;
use quikinfra_core::state::{LockInfo, LockRequest, State, StateBackend, StateError};

use crate::support::Container;

const PREFIX: &str = "quikinfra/";
const KEY: &str = "5f0e1d2c3b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn request(operation: &str, ttl: Duration) -> LockRequest {
    LockRequest { operation: operation.to_string(), ttl }
}

fn state(environment: &str, serial: u64) -> State {
    let mut state = State::new(environment, State::new_lineage());
    state.version.serial = serial;
    state.outputs.insert("endpoint".into(), "https://media.quikapp.example".into());
    state
}

#[tokio::test]
async fn state_round_trips_and_sealed_state_is_ciphertext_in_the_blob() {
    let container = Container::new().await;
    let plain = container.store(PREFIX, "staging", None);
    assert!(plain.read().await.unwrap().is_none(), "no state yet");
    let one = state("staging", 1);
    plain.write(&one, None).await.unwrap();
    assert_eq!(plain.read().await.unwrap().unwrap(), one);
    let text = String::from_utf8(container.read("quikinfra/staging/state.json").await).unwrap();
    assert_eq!(text, quikinfra_core::state::file::to_json(&one), "the blob is the document, byte for byte");

    // With QUIKINFRA_STATE_KEY's cipher the blob is ciphertext; without the key it cannot be read.
    let cipher = || Some(Cipher::from_key_text(KEY).unwrap());
    let sealed = container.store(PREFIX, "production", cipher());
    let secret = state("production", 1);
    sealed.write(&secret, None).await.unwrap();
    assert_eq!(sealed.read().await.unwrap().unwrap(), secret);
    let text = String::from_utf8(container.read("quikinfra/production/state.json").await).unwrap();
    assert!(text.contains("\"ciphertext\""), "{text}");
    assert!(!text.contains("media.quikapp.example") && !text.contains("\"outputs\""), "in clear:\n{text}");
    let keyless = container.store(PREFIX, "production", None);
    let err = keyless.read().await.expect_err("sealed");
    assert!(err.to_string().contains("QUIKINFRA_STATE_KEY"), "{err}");
    assert!(err.to_string().contains("azblob://devstoreaccount1/"), "errors name the blob: {err}");
}

#[tokio::test]
async fn a_stale_etag_write_is_refused() {
    let container = Container::new().await;
    let a = container.store(PREFIX, "staging", None);
    let b = container.store(PREFIX, "staging", None);
    let one = state("staging", 1);
    a.write(&one, None).await.unwrap();
    // A second first write is refused: the blob exists (If-None-Match: *).
    let err = b.write(&one, None).await.unwrap_err();
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");

    // b reads serial 1; a moves on to serial 2; b's write, made from serial 1, is refused.
    assert_eq!(b.read().await.unwrap().unwrap(), one);
    let mut two = one.clone();
    two.version.serial = 2;
    a.write(&two, Some(&one.version)).await.unwrap();
    let mut stale = one.clone();
    stale.version.serial = 2;
    stale.outputs.insert("from".into(), "b".into());
    let err = b.write(&stale, Some(&one.version)).await.unwrap_err();
    let StateError::Conflict { expected, found } = &err else { panic!("{err}") };
    assert!(expected.contains("serial 1") && found.contains("serial 2"), "{err}");
    assert_eq!(a.read().await.unwrap().unwrap(), two, "the stale write changed nothing");

    // At the byte level: a token that no longer names the blob writes nothing.
    let backend = container.backend(PREFIX, "staging");
    let current = backend.get().await.unwrap().unwrap();
    let next = backend.put(b"{}", Some(&current.token)).await.unwrap().expect("written");
    assert_ne!(next, current.token, "every write gets a new ETag");
    assert_eq!(backend.put(b"[]", Some(&current.token)).await.unwrap(), None, "refused");
    assert_eq!(backend.get().await.unwrap().unwrap().bytes, b"{}");
}

#[tokio::test]
async fn one_writer_among_racing_writers() {
    let container = Container::new().await;
    let writers = |n: usize| (0..n).map(|_| container.backend(PREFIX, "live")).collect::<Vec<_>>();

    // Eight first writes at once: exactly one creates the blob.
    let first = writers(8);
    let results = futures_join(
        first
            .iter()
            .enumerate()
            .map(|(i, b)| async move { b.put(format!("writer {i}").as_bytes(), None).await.unwrap() }),
    )
    .await;
    let winners: Vec<usize> = results.iter().enumerate().filter(|(_, r)| r.is_some()).map(|(i, _)| i).collect();
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = first[0].get().await.unwrap().unwrap();
    assert_eq!(stored.bytes, format!("writer {}", winners[0]).as_bytes());

    // Eight updates of that version at once: exactly one lands.
    let next = writers(8);
    let token = &stored.token;
    let results = futures_join(
        next.iter()
            .enumerate()
            .map(|(i, b)| async move { b.put(format!("update {i}").as_bytes(), Some(token)).await.unwrap() }),
    )
    .await;
    let winners: Vec<usize> = results.iter().enumerate().filter(|(_, r)| r.is_some()).map(|(i, _)| i).collect();
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(next[0].get().await.unwrap().unwrap().bytes, format!("update {}", winners[0]).as_bytes());
}

/// Runs every future concurrently in this task, in order of the results.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    futures_util::future::join_all(futures).await
}

/// Races `n` runs for the lock of `environment`: (winners, the holders the losers were told).
async fn race(container: &Container, environment: &str, n: usize) -> (Vec<LockInfo>, Vec<LockInfo>) {
    let racers: Vec<_> = (0..n)
        .map(|_| {
            let store = container.store(PREFIX, environment, None);
            tokio::spawn(async move { store.lock(&request("apply", Duration::from_secs(300))).await })
        })
        .collect();
    let (mut won, mut lost) = (Vec::new(), Vec::new());
    for r in racers {
        match r.await.unwrap() {
            Ok(info) => won.push(info),
            Err(StateError::Locked(info)) => lost.push(*info),
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    (won, lost)
}

#[tokio::test]
async fn one_lock_holder_among_racers_and_the_others_are_told_who() {
    let container = Container::new().await;
    let (won, lost) = race(&container, "prod", 8).await;
    assert_eq!(won.len(), 1, "winners: {won:?}");
    assert_eq!(lost.len(), 7);
    assert!(lost.iter().all(|l| l.id == won[0].id && l.holder == won[0].holder && l.operation == "apply"), "{lost:?}");
    let holder = &won[0];
    assert_eq!((holder.host.is_some(), holder.pid), (true, Some(std::process::id())));

    // The lock blob holds the LockInfo, under a lease whose id is the lock's.
    let info: LockInfo = serde_json::from_slice(&container.read("quikinfra/prod/state.lock").await).unwrap();
    assert_eq!(&info, holder);
    let props = container.blob("quikinfra/prod/state.lock").get_properties(None).await.unwrap();
    assert_eq!(props.lease_state().unwrap(), Some(LeaseState::Leased));
    let intruder = container
        .blob("quikinfra/prod/state.lock")
        .upload(RequestContent::from(b"{}".to_vec()), Some(BlobClientUploadOptions::default()))
        .await;
    assert!(intruder.is_err(), "a write not naming the lease is refused");

    let other = container.store(PREFIX, "prod", None);
    let message = other.lock(&request("plan", Duration::from_secs(60))).await.unwrap_err().to_string();
    assert!(message.starts_with(&format!("state is locked by {} for `apply`", holder.holder)), "{message}");
    assert!(message.contains(&holder.id) && message.contains(&format!("force-unlock {}", holder.id)), "{message}");
    assert_eq!(other.current_lock().await.unwrap().as_ref(), Some(holder));

    // The holder renews: a later expiry, the same id and lease; then releases.
    let store = container.store(PREFIX, "prod", None);
    let renewed = store.renew(holder, Duration::from_secs(900)).await.unwrap();
    assert_eq!(renewed.id, holder.id);
    assert!(renewed.expires > holder.expires, "{} after {}", renewed.expires, holder.expires);
    assert_eq!(store.current_lock().await.unwrap(), Some(renewed.clone()));
    store.unlock(&renewed).await.unwrap();
    assert_eq!(store.current_lock().await.unwrap(), None);
    assert!(!container.blob("quikinfra/prod/state.lock").exists().await.unwrap(), "the lock blob is gone");
}

#[tokio::test]
async fn force_unlock_needs_the_lock_id() {
    let container = Container::new().await;
    let holder = container.store(PREFIX, "dev", None);
    let lock = holder.lock(&request("apply", Duration::from_secs(600))).await.unwrap();
    let other = container.store(PREFIX, "dev", None);
    let err = other.force_unlock("not-the-id").await.unwrap_err();
    let StateError::LockMismatch { given, current } = &err else { panic!("{err}") };
    assert_eq!((given.as_str(), current.as_str()), ("not-the-id", lock.id.as_str()));
    assert!(other.current_lock().await.unwrap().is_some(), "still locked");

    other.force_unlock(&lock.id).await.unwrap();
    assert!(other.current_lock().await.unwrap().is_none());
    // The old holder can neither renew nor release what is no longer its lock.
    assert!(matches!(holder.renew(&lock, Duration::from_secs(60)).await, Err(StateError::LockMismatch { .. })));
    assert!(matches!(holder.unlock(&lock).await, Err(StateError::LockMismatch { .. })));
    assert!(matches!(other.force_unlock(&lock.id).await, Err(StateError::LockMismatch { .. })), "already gone");
    let again = other.lock(&request("plan", Duration::from_secs(60))).await.unwrap();
    other.unlock(&again).await.unwrap();
}

#[tokio::test]
async fn an_expired_lock_is_taken_over_by_exactly_one_run() {
    let container = Container::new().await;
    let crashed = container.store(PREFIX, "dev", None);
    let stale = crashed.lock(&request("apply", Duration::ZERO)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let (won, lost) = race(&container, "dev", 6).await;
    assert_eq!(won.len(), 1, "exactly one run takes over: {won:?}");
    assert!(lost.iter().all(|l| l.id == won[0].id), "the others are told the new holder: {lost:?}");
    assert_eq!(crashed.current_lock().await.unwrap().unwrap().id, won[0].id);
    // The crashed run, coming back, cannot release or renew what is no longer its lock.
    assert!(matches!(crashed.unlock(&stale).await, Err(StateError::LockMismatch { .. })));
    assert!(matches!(crashed.renew(&stale, Duration::from_secs(60)).await, Err(StateError::LockMismatch { .. })));
    // The lease moved with the lock: the crashed run's lease id no longer opens the blob.
    let old_lease = BlobClientUploadOptions { lease_id: Some(stale.id.clone()), ..Default::default() };
    let blob = container.blob("quikinfra/dev/state.lock");
    let write = blob.upload(RequestContent::from(b"{}".to_vec()), Some(old_lease)).await;
    assert!(write.is_err(), "the stale lease id is refused");
    let holder = container.store(PREFIX, "dev", None);
    let renewed = holder.renew(&won[0], Duration::from_secs(600)).await.unwrap();
    holder.unlock(&renewed).await.unwrap();
}

/// What a run that died while taking a lock over leaves: the stale lock's info, under a lease
/// whose id nobody knows.
async fn orphan_lease(container: &Container, environment: &str) -> LockInfo {
    let crashed = container.store(PREFIX, environment, None);
    let stale = crashed.lock(&request("apply", Duration::ZERO)).await.unwrap();
    let blob = container.blob(&format!("{PREFIX}{environment}/state.lock"));
    blob.change_lease(stale.id.clone(), "0b7f3a4e-2f43-4b1a-9c55-7f1ad3e0c001".to_string(), None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    stale
}

#[tokio::test]
async fn a_lease_outliving_its_holder_becomes_takeable_by_exactly_one_run() {
    let container = Container::new().await;
    let stale = orphan_lease(&container, "qa").await;
    let started = std::time::Instant::now();
    let (won, lost) = race(&container, "qa", 6).await;
    assert_eq!(won.len(), 1, "exactly one run takes over: {won:?} (the others: {lost:?})");
    assert!(lost.iter().all(|l| l.id == won[0].id), "the others are told the new holder: {lost:?}");
    assert!(started.elapsed() >= quikinfra_azure::blob::ORPHAN_GRACE, "a live taker was given its grace");
    let current = container.store(PREFIX, "qa", None).current_lock().await.unwrap().unwrap();
    assert_eq!(current.id, won[0].id);
    assert_ne!(current.id, stale.id);
    container.store(PREFIX, "qa", None).unlock(&current).await.unwrap();

    // A lock blob its creator never leased (it died in between) is taken over once stale.
    let blob = container.blob("quikinfra/uat/state.lock");
    let dead = LockInfo::new(&request("apply", Duration::ZERO));
    blob.upload(RequestContent::from(serde_json::to_vec(&dead).unwrap()), None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (won, _) = race(&container, "uat", 4).await;
    assert_eq!(won.len(), 1, "{won:?}");
}

#[tokio::test]
async fn a_live_lock_under_a_foreign_lease_is_never_broken() {
    let container = Container::new().await;
    let holder = container.store(PREFIX, "live", None);
    let lock = holder.lock(&request("apply", Duration::from_secs(600))).await.unwrap();
    // Someone leased the blob by hand under another id: the lock is live, so it stands.
    let blob = container.blob("quikinfra/live/state.lock");
    blob.change_lease(lock.id.clone(), "5d1c7e9a-6b2f-4c3d-8e4f-a0b1c2d3e4f5".to_string(), None).await.unwrap();
    tokio::time::sleep(quikinfra_azure::blob::ORPHAN_GRACE + Duration::from_millis(100)).await;
    let err = container.store(PREFIX, "live", None).lock(&request("plan", Duration::from_secs(60))).await.unwrap_err();
    let StateError::Locked(current) = err else { panic!("{err}") };
    assert_eq!(current.id, lock.id);
    let props = blob.get_properties(None).await.unwrap();
    assert_eq!(props.lease_state().unwrap(), Some(LeaseState::Leased), "the lease stands");
    // And it can be acquired by id only: the lease is not ours any more, so release is refused.
    assert!(matches!(holder.unlock(&lock).await, Err(StateError::LockMismatch { .. })));
    // force-unlock still works, by the id the message names.
    holder.force_unlock(&lock.id).await.unwrap();
    assert!(holder.current_lock().await.unwrap().is_none());
    let options = BlobClientAcquireLeaseOptions::default();
    assert!(blob.acquire_lease(-1, Some(options)).await.is_err(), "the lock blob is gone");
}
