//! An Azure Resource Manager emulator for tests: an HTTP server on a loopback port that follows
//! ARM's wire contract for the resource types quikinfra manages.
//!
//! It serves resource groups (`Microsoft.Resources`, 2024-03-01), AKS clusters
//! (`Microsoft.ContainerService/managedClusters`, 2026-07-01), MySQL flexible servers
//! (`Microsoft.DBforMySQL/flexibleServers`, 2024-12-30), Azure Managed Redis clusters and
//! databases (`Microsoft.Cache/redisEnterprise`, 2025-07-01), Event Hubs namespaces and event
//! hubs (`Microsoft.EventHub/namespaces`, 2024-01-01) and Traffic Manager profiles with their
//! endpoints (`Microsoft.Network/trafficManagerProfiles`, 2022-04-01, synchronous, endpoints
//! kept inline in the profile and also served at their own ids) and public IP addresses
//! (`Microsoft.Network/publicIPAddresses`, 2024-07-01), with the status codes, headers
//! and bodies of the official example payloads (see [`arm`] for the contract per type):
//! `api-version` checked per type, bearer token required, 404 with ARM's error body for
//! missing resources and groups, long-running operations answered 201/202 with
//! `Azure-AsyncOperation` and/or `Location` and `Retry-After`, `provisioningState` moving from
//! `Creating`/`Updating`/`Deleting` to `Succeeded` over a few polls, ETags with `If-Match` /
//! `If-None-Match` (412), 409 while another operation runs on the resource, and 400 for
//! properties that cannot change in place.
//!
//! Tests control it in process through [`Emulator`]'s methods, or over HTTP under `/_emulator/`
//! (the standalone binary): inject [`Fault`]s (throttle the next calls with 429 and
//! `Retry-After`, answer 5xx, make the next long-running operation end `Failed`), edit or
//! delete resources out of band (drift), read the request log, reset.
//!
//! The server runs on a thread of its own with its own runtime, so it serves tests on any
//! runtime and synchronous callers alike; it stops when the [`Emulator`] is dropped.

pub mod arm;
mod kinds;
mod server;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use arm::Store;

/// How the emulator behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// The port to listen on, on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// How many polls (of the operation's status, or of the resource) a long-running
    /// operation takes to finish; 1 finishes on the first poll.
    pub polls: u32,
    /// The delay advertised to clients in `Retry-After` (rounded up to whole seconds) and
    /// `retry-after-ms`, for long-running operations.
    pub retry_after_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self { port: 0, polls: 2, retry_after_ms: 10 }
    }
}

/// A fault to inject, matched against the next requests (control calls excluded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer the next `count` matching calls with 429 `TooManyRequests` and `Retry-After`.
    Throttle {
        /// How many calls to throttle.
        count: u32,
        /// Only calls with this method (`GET`, `PUT`…), any when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<String>,
        /// Only calls whose path contains this text (case-insensitive), any when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_contains: Option<String>,
        /// The delay advertised in `Retry-After` / `retry-after-ms`.
        #[serde(default)]
        retry_after_ms: u64,
    },
    /// Answer the next `count` matching calls with a 5xx error.
    ServerError {
        /// How many calls to fail.
        count: u32,
        /// The status, 500 to 599.
        status: u16,
        /// Only calls with this method, any when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<String>,
        /// Only calls whose path contains this text (case-insensitive), any when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_contains: Option<String>,
    },
    /// Apply the next `count` matching calls, then lose their replies: the client gets a 504
    /// `GatewayTimeout` for a write that took effect (as when a connection drops after the
    /// server acted), and a retry finds what the first call made.
    LoseReply {
        /// How many replies to lose.
        count: u32,
        /// Only calls with this method, any when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<String>,
        /// Only calls whose path contains this text (case-insensitive), any when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_contains: Option<String>,
    },
    /// Make the next `count` long-running operations on matching resources end `Failed`.
    FailOperation {
        /// How many operations to fail.
        count: u32,
        /// Only operations on resources whose id contains this text (case-insensitive).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_contains: Option<String>,
        /// The ARM error code reported.
        code: String,
        /// The ARM error message reported.
        message: String,
    },
}

/// One request the emulator answered, as its log records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The `api-version` query parameter, if any.
    pub api_version: Option<String>,
    /// The status answered.
    pub status: u16,
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// Binding the port or starting the server's runtime failed.
    #[error("cannot start the ARM emulator: {0}")]
    Start(#[from] std::io::Error),
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    addr: SocketAddr,
    store: Arc<Mutex<Store>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts an emulator on 127.0.0.1 (a free port unless `config.port` names one).
    pub fn start(config: Config) -> Result<Self, EmulatorError> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let store = Arc::new(Mutex::new(Store::new(config, format!("http://{addr}"))));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let served = store.clone();
        let thread = std::thread::Builder::new().name("arm-emulator".into()).spawn(move || {
            runtime.block_on(server::serve(listener, served, rx));
        })?;
        Ok(Self { addr, store, shutdown: Some(tx), thread: Some(thread) })
    }

    /// The base URL, `http://127.0.0.1:<port>`, to use as the ARM endpoint.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Injects a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        self.store().inject(fault);
    }

    /// The stored body of the resource with ARM id `id` (any case), as a GET would return it.
    pub fn resource(&self, id: &str) -> Option<Value> {
        self.store().get_body(id)
    }

    /// The ids of every stored resource, sorted.
    pub fn resource_ids(&self) -> Vec<String> {
        self.store().ids()
    }

    /// Edits a resource behind the client's back (drift): `edit` changes the stored body,
    /// then the resource gets a new ETag. Returns whether the resource exists.
    pub fn edit(&self, id: &str, edit: impl FnOnce(&mut Value)) -> bool {
        self.store().edit(id, edit)
    }

    /// Deletes a resource (and its children) behind the client's back. Returns whether it existed.
    pub fn remove(&self, id: &str) -> bool {
        self.store().remove(id)
    }

    /// Every request answered so far, control calls excluded, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.store().requests().to_vec()
    }

    /// Forgets every resource, operation, fault and logged request.
    pub fn reset(&self) {
        self.store().reset();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
