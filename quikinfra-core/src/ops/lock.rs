//! The state lock for the length of an operation, renewed by a heartbeat, and released on
//! every way out.
//!
//! [`locked`] takes the lock (a live one held elsewhere fails with the holder named; one whose
//! holder is gone is taken over, and the [`Reporter`] told), renews it every third of its TTL
//! while the body runs, and releases it whatever the body returns, panics included, so a
//! crashed run's lock frees itself within one TTL and a long apply never loses its lock. Every
//! lock held is registered in the run's [`HeldLocks`], so a front end leaving early (an
//! interrupt) releases them before it exits.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;

use super::{OpsError, Reporter, RunOptions};
use crate::state::{LockInfo, LockRequest, StateBackend, StateStore};

/// The state locks a process holds right now.
#[derive(Default)]
pub struct HeldLocks {
    held: Mutex<Vec<(Arc<dyn StateBackend>, LockInfo)>>,
}

impl HeldLocks {
    /// None held.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(&self, backend: Arc<dyn StateBackend>, lock: LockInfo) {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).push((backend, lock));
    }

    fn remove(&self, id: &str) {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).retain(|(_, l)| l.id != id);
    }

    /// How many are held.
    pub fn len(&self) -> usize {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Releases every lock held (each as it was taken: its id names it), best effort.
    pub async fn release_all(&self) {
        let held = std::mem::take(&mut *self.held.lock().unwrap_or_else(PoisonError::into_inner));
        for (backend, lock) in held {
            let _ = backend.unlock(&lock).await;
        }
    }
}

/// Takes `store`'s lock for `operation`, runs `body`, and releases the lock whatever happens.
pub async fn locked<T>(
    store: &StateStore,
    operation: &str,
    options: &RunOptions,
    reporter: &dyn Reporter,
    body: impl AsyncFnOnce() -> Result<T, OpsError>,
) -> Result<T, OpsError> {
    let ttl = options.lock_ttl;
    if let Ok(Some(current)) = store.current_lock().await
        && !current.is_expired(SystemTime::now())
        && current.holder_is_gone()
    {
        reporter.lock_taken_over(&current);
    }
    let lock = store.lock(&LockRequest { operation: operation.to_string(), ttl }).await?;
    if let Some(held) = &options.held {
        held.add(store.backend().clone(), lock.clone());
    }
    let heartbeat = {
        let backend = store.backend().clone();
        let mut held: LockInfo = lock.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 3).await;
                match backend.renew(&held, ttl).await {
                    Ok(renewed) => held = renewed,
                    Err(_) => break,
                }
            }
        })
    };
    let result = AssertUnwindSafe(body()).catch_unwind().await;
    heartbeat.abort();
    let current = store.current_lock().await.ok().flatten().filter(|l| l.id == lock.id).unwrap_or(lock);
    if let Err(e) = store.unlock(&current).await {
        reporter.unlock_failed(&e);
    }
    if let Some(held) = &options.held {
        held.remove(&current.id);
    }
    match result {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// How long a front end waits for its locks to be released on the way out.
pub const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::SilentProgress;

    #[tokio::test]
    async fn a_panic_inside_the_body_still_releases_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::local(dir.path(), "staging");
        let held = Arc::new(HeldLocks::new());
        let options = RunOptions { held: Some(held.clone()), ..RunOptions::default() };
        let run = locked(&store, "apply", &options, &SilentProgress, async || -> Result<(), OpsError> {
            assert_eq!(held.len(), 1, "registered while held");
            panic!("a bug in the middle of an operation")
        });
        let outcome = AssertUnwindSafe(run).catch_unwind().await;
        assert!(outcome.is_err(), "the panic goes on up");
        assert_eq!(store.current_lock().await.unwrap(), None, "but the lock was released first");
        assert!(held.is_empty());
    }

    #[tokio::test]
    async fn held_locks_are_released_on_the_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::local(dir.path(), "staging");
        let held = HeldLocks::new();
        let lock = store.lock(&LockRequest { operation: "apply".into(), ttl: Duration::from_secs(60) }).await.unwrap();
        held.add(store.backend().clone(), lock);
        held.release_all().await;
        assert_eq!(store.current_lock().await.unwrap(), None);
    }
}
