//! [`AzurePlugin`]: what linking quikinfra-azure adds to a program: the `azure` provider for
//! `--cloud real`, configured from `AZURE_*` variables and the credential chain, and
//! `azblob://` state backends in Azure Blob Storage ([`crate::blob`]).

use std::sync::Arc;

use quikinfra_core::plugin::{Plugin, PluginError};
use quikinfra_core::provider::Provider;
use quikinfra_core::state::Backends;

use crate::blob::BlobBackends;

use crate::provider::{AzureProvider, FAMILY, served};

/// Reads a setting by name (the process environment, or a test's table).
type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The Azure plugin.
#[derive(Clone)]
pub struct AzurePlugin {
    vars: Lookup,
}

impl AzurePlugin {
    /// Configured from the process environment when the provider is first needed.
    pub fn from_env() -> Self {
        Self { vars: Arc::new(|name| std::env::var(name).ok()) }
    }

    /// Configured from the variables `vars` answers (`AZURE_RESOURCE_MANAGER_ENDPOINT`,
    /// `AZURE_SUBSCRIPTION_ID`, `AZURE_ACCESS_TOKEN` and the credential chain's; for state,
    /// `AZURE_STORAGE_BLOB_ENDPOINT`, `AZURE_STORAGE_SAS_TOKEN`, `AZURE_STORAGE_ACCESS_TOKEN`).
    pub fn from_vars(vars: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self { vars: Arc::new(vars) }
    }
}

impl Plugin for AzurePlugin {
    fn family(&self) -> &'static str {
        FAMILY
    }

    fn serves(&self) -> &'static [&'static str] {
        served()
    }

    fn provider(&self) -> Result<Arc<dyn Provider>, PluginError> {
        let vars = self.vars.clone();
        let provider = AzureProvider::from_env(&move |name| vars(name))
            .map_err(|e| PluginError::Setup { family: FAMILY, message: e.to_string() })?;
        Ok(Arc::new(provider))
    }

    fn backend_scheme(&self) -> Option<&'static str> {
        Some(crate::blob::settings::SCHEME)
    }

    fn backends(&self, url: &str) -> Result<Arc<dyn Backends>, PluginError> {
        Ok(Arc::new(BlobBackends::from_url(url, &*self.vars)?))
    }

    fn generators(&self) -> quikinfra_core::codegen::Generators {
        crate::codegen::generators()
    }
}
