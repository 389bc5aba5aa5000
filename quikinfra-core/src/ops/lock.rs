//! The state lock for the length of an operation, renewed by a heartbeat.
//!
//! [`locked`] takes the lock (a live one held elsewhere fails with the holder named), renews it
//! every third of its TTL while the body runs, and releases it whatever the body returns, so a
//! crashed run's lock frees itself within one TTL and a long apply never loses its lock.

use std::time::Duration;

use super::{OpsError, Reporter};
use crate::state::{LockInfo, LockRequest, StateStore};

/// Takes `store`'s lock for `operation`, runs `body`, and releases the lock whatever happens.
pub async fn locked<T>(
    store: &StateStore,
    operation: &str,
    ttl: Duration,
    reporter: &dyn Reporter,
    body: impl AsyncFnOnce() -> Result<T, OpsError>,
) -> Result<T, OpsError> {
    let lock = store.lock(&LockRequest { operation: operation.to_string(), ttl }).await?;
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
    let result = body().await;
    heartbeat.abort();
    let current = store.current_lock().await.ok().flatten().filter(|l| l.id == lock.id).unwrap_or(lock);
    if let Err(e) = store.unlock(&current).await {
        reporter.unlock_failed(&e);
    }
    result
}
