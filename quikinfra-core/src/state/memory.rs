//! [`MemoryBackend`]: a [`StateBackend`] that keeps the document in memory, for tests and
//! benchmarks that want the state store's full encode / decode path without a disk.
//!
//! It honours conditional writes exactly (a token per stored document) and keeps one lock,
//! so the guarantees tested through it are the store's, not a shortcut's.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::backend::{LockInfo, LockRequest, StateBackend, StateError, Stored, Token, expiry};

/// A state document and lock kept in memory.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    document: Option<Stored>,
    writes: u64,
    lock: Option<LockInfo>,
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The bytes stored now, as a backend of another medium would hold them.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        self.inner().document.as_ref().map(|d| d.bytes.clone())
    }
}

fn mismatch(given: &str, current: Option<&LockInfo>) -> StateError {
    StateError::LockMismatch {
        given: given.to_string(),
        current: current.map_or_else(|| "none".to_string(), |l| l.id.clone()),
    }
}

#[async_trait]
impl StateBackend for MemoryBackend {
    fn describe(&self) -> String {
        "memory (not persisted)".to_string()
    }

    fn location(&self) -> PathBuf {
        PathBuf::from("memory")
    }

    async fn get(&self) -> Result<Option<Stored>, StateError> {
        Ok(self.inner().document.clone())
    }

    async fn put(&self, bytes: &[u8], expected: Option<&Token>) -> Result<Option<Token>, StateError> {
        let mut inner = self.inner();
        if inner.document.as_ref().map(|d| &d.token) != expected {
            return Ok(None);
        }
        inner.writes += 1;
        let token = Token(inner.writes.to_string());
        inner.document = Some(Stored { bytes: bytes.to_vec(), token: token.clone() });
        Ok(Some(token))
    }

    async fn lock(&self, request: &LockRequest) -> Result<LockInfo, StateError> {
        let mut inner = self.inner();
        match &inner.lock {
            Some(held) if !held.is_stale(SystemTime::now()) => Err(StateError::Locked(Box::new(held.clone()))),
            _ => {
                let info = LockInfo::new(request);
                inner.lock = Some(info.clone());
                Ok(info)
            }
        }
    }

    async fn renew(&self, lock: &LockInfo, ttl: Duration) -> Result<LockInfo, StateError> {
        let mut inner = self.inner();
        match &inner.lock {
            Some(held) if held.id == lock.id => {
                let renewed = LockInfo { expires: expiry(SystemTime::now(), ttl), ..held.clone() };
                inner.lock = Some(renewed.clone());
                Ok(renewed)
            }
            other => Err(mismatch(&lock.id, other.as_ref())),
        }
    }

    async fn unlock(&self, lock: &LockInfo) -> Result<(), StateError> {
        self.force_unlock(&lock.id).await
    }

    async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        let mut inner = self.inner();
        match &inner.lock {
            Some(held) if held.id == id => {
                inner.lock = None;
                Ok(())
            }
            other => Err(mismatch(id, other.as_ref())),
        }
    }

    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.inner().lock.clone())
    }
}
