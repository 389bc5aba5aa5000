//! Test support: Azurite's endpoint and SAS, a fresh container per test, the state stores and
//! backends over it, and raw blob clients for arranging what a crashed run leaves behind.

use std::sync::Arc;

use azure_core::http::Url;
use azure_storage_blob::{BlobClient, BlobContainerClient};
use quikinfra_azure::blob::settings::{ENDPOINT_VAR, SAS_VAR};
use quikinfra_azure::blob::{BlobAccess, BlobBackend, BlobUrl};
use quikinfra_core::state::StateStore;
use quikinfra_core::state::crypt::Cipher;

/// The emulator's development account.
pub const ACCOUNT: &str = "devstoreaccount1";

fn required(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value.trim().to_string(),
        _ => panic!(
            "{name} is not set: these tests run against Azurite. Run ./scripts/test.sh, which installs and \
             starts it, or start `.azurite/node_modules/.bin/azurite-blob --blobPort 10000 --inMemoryPersistence \
             --disableTelemetry --skipApiVersionCheck` and export \
             QUIKINFRA_AZURITE_ENDPOINT=http://127.0.0.1:10000/devstoreaccount1 and \
             QUIKINFRA_AZURITE_SAS=$(node scripts/azurite_sas.js)"
        ),
    }
}

/// Azurite's account endpoint, from `QUIKINFRA_AZURITE_ENDPOINT`. Panics when unset.
pub fn endpoint() -> String {
    required("QUIKINFRA_AZURITE_ENDPOINT")
}

/// A SAS for the development account, from `QUIKINFRA_AZURITE_SAS`. Panics when unset.
pub fn sas() -> String {
    required("QUIKINFRA_AZURITE_SAS").trim_start_matches('?').to_string()
}

/// A name no other test or run uses: `prefix`, then the time and a counter in hex.
pub fn unique(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{nanos:x}-{:x}-{n:x}", std::process::id())
}

/// A container of the test's own, created on Azurite.
pub struct Container {
    /// Its name.
    pub name: String,
    endpoint: String,
    sas: String,
}

impl Container {
    /// Creates a fresh container.
    pub async fn new() -> Self {
        let (endpoint, sas) = (endpoint(), sas());
        let name = unique("quikinfra");
        let url = Url::parse(&format!("{}/{name}?{sas}", endpoint.trim_end_matches('/'))).unwrap();
        let client = BlobContainerClient::new(url, None, None).unwrap();
        client.create(None).await.unwrap_or_else(|e| panic!("creating container {name} on Azurite: {e}"));
        Self { name, endpoint, sas }
    }

    /// The variables a plugin or backend reads: Azurite's endpoint and the SAS.
    pub fn vars(&self) -> impl Fn(&str) -> Option<String> + Send + Sync + Clone + 'static {
        let (endpoint, sas) = (self.endpoint.clone(), self.sas.clone());
        move |name| match name {
            ENDPOINT_VAR => Some(endpoint.clone()),
            SAS_VAR => Some(sas.clone()),
            _ => None,
        }
    }

    /// `azblob://devstoreaccount1/CONTAINER/PREFIX`.
    pub fn url(&self, prefix: &str) -> String {
        format!("azblob://{ACCOUNT}/{}/{prefix}", self.name)
    }

    /// The backend of `environment` under `prefix`.
    pub fn backend(&self, prefix: &str, environment: &str) -> BlobBackend {
        let url = BlobUrl::parse(&self.url(prefix)).unwrap();
        let access = BlobAccess::from_env(ACCOUNT, &self.vars()).unwrap();
        BlobBackend::new(&access, &url, environment).unwrap()
    }

    /// The state store of `environment` under `prefix`, sealed with `cipher` when given.
    pub fn store(&self, prefix: &str, environment: &str, cipher: Option<Cipher>) -> StateStore {
        StateStore::new(Arc::new(self.backend(prefix, environment)), environment, cipher)
    }

    /// A raw SDK client for blob `name` of the container.
    pub fn blob(&self, name: &str) -> BlobClient {
        let url = Url::parse(&format!("{}/{}/{name}?{}", self.endpoint.trim_end_matches('/'), self.name, self.sas));
        BlobClient::new(url.unwrap(), None, None).unwrap()
    }

    /// The bytes of blob `name`.
    pub async fn read(&self, name: &str) -> Vec<u8> {
        let result = self.blob(name).download(None).await.unwrap_or_else(|e| panic!("reading {name}: {e}"));
        result.body.collect().await.unwrap().to_vec()
    }
}
