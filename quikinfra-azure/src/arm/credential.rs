//! Where ARM tokens come from: a documented chain of `azure_identity` credentials, and the
//! environment settings (endpoint, authority, subscription) that go with it.
//!
//! `azure_identity` 1.x has no `DefaultAzureCredential`; [`ChainCredential`] is ours. The order:
//!
//! 1. `AZURE_ACCESS_TOKEN`: a pre-issued bearer token (CI, tests, emulators). When set, it is
//!    the only credential used.
//! 2. Client secret: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` all set.
//! 3. Workload identity: `AZURE_FEDERATED_TOKEN_FILE` set (with `AZURE_TENANT_ID` and
//!    `AZURE_CLIENT_ID`, as AKS injects them).
//! 4. Managed identity (IMDS or App Service), user-assigned when `AZURE_CLIENT_ID` is set
//!    without a secret or token file.
//! 5. Developer tools: the Azure CLI (`az login`), then the Azure Developer CLI.
//!
//! The first credential to return a token is used from then on. Credentials configured by
//! environment variables (2, 3) stop the chain when they fail: their variables say the user
//! meant them, and a wrong secret should not silently fall through to another identity.
//! `AZURE_TOKEN_CREDENTIALS` narrows the chain: `prod` (2–4), `dev` (5), or one credential by
//! name (`ClientSecretCredential`, `WorkloadIdentityCredential`, `ManagedIdentityCredential`,
//! `AzureCliCredential` / `DeveloperToolsCredential`).
//!
//! Settings: `AZURE_RESOURCE_MANAGER_ENDPOINT` (default `https://management.azure.com/`; plain
//! HTTP only for loopback), `AZURE_AUTHORITY_HOST` (default `https://login.microsoftonline.com`;
//! HTTPS only, as `azure_identity` requires), `AZURE_SUBSCRIPTION_ID` (the subscription used
//! when a definition names none).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, Url};
use azure_core::time::{Duration, OffsetDateTime};
use azure_identity::{
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions, DeveloperToolsCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};

use super::auth;

/// A pre-issued bearer token.
pub const ACCESS_TOKEN_VAR: &str = "AZURE_ACCESS_TOKEN";
/// The ARM endpoint.
pub const ENDPOINT_VAR: &str = "AZURE_RESOURCE_MANAGER_ENDPOINT";
/// The Entra ID authority.
pub const AUTHORITY_VAR: &str = "AZURE_AUTHORITY_HOST";
/// The default subscription.
pub const SUBSCRIPTION_VAR: &str = "AZURE_SUBSCRIPTION_ID";
/// Narrows the chain.
pub const SELECT_VAR: &str = "AZURE_TOKEN_CREDENTIALS";

/// One link of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    /// `AZURE_ACCESS_TOKEN`.
    AccessToken,
    /// A service principal's client secret.
    ClientSecret,
    /// A federated token file (AKS workload identity).
    WorkloadIdentity,
    /// The host's managed identity.
    ManagedIdentity,
    /// Azure CLI, then Azure Developer CLI.
    DeveloperTools,
}

impl CredentialKind {
    /// Whether a failure moves on to the next link (else it ends the chain).
    fn falls_through(self) -> bool {
        matches!(self, CredentialKind::ManagedIdentity | CredentialKind::DeveloperTools)
    }
}

/// A setting that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// The links of the chain the environment `env` selects, in the order they are tried.
pub fn chain_order(env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<CredentialKind>, SettingError> {
    use CredentialKind::*;
    if var(env, ACCESS_TOKEN_VAR).is_some() {
        return Ok(vec![AccessToken]);
    }
    let has = |n: &str| var(env, n).is_some();
    let secret = has("AZURE_TENANT_ID") && has("AZURE_CLIENT_ID") && has("AZURE_CLIENT_SECRET");
    let workload = has("AZURE_FEDERATED_TOKEN_FILE");
    let mut all = Vec::new();
    if secret {
        all.push(ClientSecret);
    }
    if workload {
        all.push(WorkloadIdentity);
    }
    all.extend([ManagedIdentity, DeveloperTools]);
    let Some(select) = var(env, SELECT_VAR) else { return Ok(all) };
    let wanted: Vec<CredentialKind> = match select.to_ascii_lowercase().as_str() {
        "prod" => all.iter().copied().filter(|k| *k != DeveloperTools).collect(),
        "dev" => vec![DeveloperTools],
        "clientsecretcredential" | "environmentcredential" if secret => vec![ClientSecret],
        "workloadidentitycredential" if workload => vec![WorkloadIdentity],
        "managedidentitycredential" => vec![ManagedIdentity],
        "azureclicredential" | "developertoolscredential" => vec![DeveloperTools],
        "clientsecretcredential" | "environmentcredential" | "workloadidentitycredential" => {
            return Err(SettingError {
                variable: SELECT_VAR,
                message: format!("`{select}` is selected but its environment variables are not all set"),
            });
        }
        _ => {
            return Err(SettingError {
                variable: SELECT_VAR,
                message: format!(
                    "`{select}` is not `prod`, `dev`, or one of ClientSecretCredential, WorkloadIdentityCredential, ManagedIdentityCredential, AzureCliCredential"
                ),
            });
        }
    };
    Ok(wanted)
}

/// Where to talk to Azure, from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AzureSettings {
    /// The ARM endpoint.
    pub endpoint: Url,
    /// The Entra ID authority, when overridden.
    pub authority_host: Option<Url>,
    /// The subscription used when a definition names none.
    pub subscription_id: Option<String>,
}

impl AzureSettings {
    /// Reads `AZURE_RESOURCE_MANAGER_ENDPOINT`, `AZURE_AUTHORITY_HOST` and
    /// `AZURE_SUBSCRIPTION_ID` through `env`, checking the endpoint and authority.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let endpoint = match var(env, ENDPOINT_VAR) {
            Some(text) => {
                let mut url = Url::parse(&text).map_err(|e| SettingError {
                    variable: ENDPOINT_VAR,
                    message: format!("`{text}` is not a URL: {e}"),
                })?;
                if !url.path().ends_with('/') {
                    let path = format!("{}/", url.path());
                    url.set_path(&path);
                }
                url
            }
            None => Url::parse(super::PUBLIC_ENDPOINT).expect("a valid URL"),
        };
        if let Some(reason) = auth::token_refusal(&endpoint) {
            return Err(SettingError { variable: ENDPOINT_VAR, message: format!("`{endpoint}`: {reason}") });
        }
        let authority_host = match var(env, AUTHORITY_VAR) {
            Some(text) => {
                let url = Url::parse(&text).map_err(|e| SettingError {
                    variable: AUTHORITY_VAR,
                    message: format!("`{text}` is not a URL: {e}"),
                })?;
                if url.scheme() != "https" {
                    return Err(SettingError {
                        variable: AUTHORITY_VAR,
                        message: format!("`{text}` must use HTTPS (azure_identity refuses any other authority)"),
                    });
                }
                Some(url)
            }
            None => None,
        };
        Ok(Self { endpoint, authority_host, subscription_id: var(env, SUBSCRIPTION_VAR) })
    }

    /// The process environment's settings.
    pub fn from_process_env() -> Result<Self, SettingError> {
        Self::from_env(&|name| std::env::var(name).ok())
    }
}

/// A fixed, pre-issued token.
#[derive(Debug)]
pub struct StaticToken(Secret);

impl StaticToken {
    /// A credential that always answers `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self(Secret::new(token.into()))
    }
}

#[async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        // Its lifetime is unknown: treat it as good for an hour at a time.
        Ok(AccessToken::new(self.0.clone(), OffsetDateTime::now_utc() + Duration::hours(1)))
    }
}

/// The credential chain: tries each link in order, then keeps the first that worked.
pub struct ChainCredential {
    links: Vec<(CredentialKind, Arc<dyn TokenCredential>)>,
    chosen: AtomicUsize,
}

impl std::fmt::Debug for ChainCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainCredential").field("links", &self.kinds()).finish_non_exhaustive()
    }
}

impl ChainCredential {
    /// A chain of the given links, tried in order.
    pub fn new(links: Vec<(CredentialKind, Arc<dyn TokenCredential>)>) -> Self {
        Self { links, chosen: AtomicUsize::new(usize::MAX) }
    }

    /// The chain the environment `env` selects (see the module documentation).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>, settings: &AzureSettings) -> Result<Self, SettingError> {
        let client_options = || {
            let mut options = ClientOptions::default();
            if let Some(authority) = &settings.authority_host {
                let mut custom = CustomConfiguration::default();
                custom.authority_host = authority.as_str().trim_end_matches('/').to_string();
                options.cloud = Some(Arc::new(CloudConfiguration::Custom(custom)));
            }
            options
        };
        let sdk = |kind: &'static str| {
            move |e: azure_core::Error| SettingError { variable: SELECT_VAR, message: format!("{kind}: {e}") }
        };
        let mut links: Vec<(CredentialKind, Arc<dyn TokenCredential>)> = Vec::new();
        for kind in chain_order(env)? {
            let credential: Arc<dyn TokenCredential> = match kind {
                CredentialKind::AccessToken => {
                    Arc::new(StaticToken::new(var(env, ACCESS_TOKEN_VAR).unwrap_or_default()))
                }
                CredentialKind::ClientSecret => ClientSecretCredential::new(
                    &var(env, "AZURE_TENANT_ID").unwrap_or_default(),
                    var(env, "AZURE_CLIENT_ID").unwrap_or_default(),
                    Secret::new(var(env, "AZURE_CLIENT_SECRET").unwrap_or_default()),
                    Some(ClientSecretCredentialOptions { client_options: client_options() }),
                )
                .map_err(sdk("ClientSecretCredential"))?,
                CredentialKind::WorkloadIdentity => {
                    WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                        credential_options: ClientAssertionCredentialOptions { client_options: client_options() },
                        client_id: var(env, "AZURE_CLIENT_ID"),
                        tenant_id: var(env, "AZURE_TENANT_ID"),
                        token_file_path: var(env, "AZURE_FEDERATED_TOKEN_FILE").map(Into::into),
                    }))
                    .map_err(sdk("WorkloadIdentityCredential"))?
                }
                CredentialKind::ManagedIdentity => {
                    let user_assigned_id = match (var(env, "AZURE_CLIENT_ID"), var(env, "AZURE_CLIENT_SECRET")) {
                        (Some(id), None) => Some(UserAssignedId::ClientId(id)),
                        _ => None,
                    };
                    match ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                        user_assigned_id,
                        ..ManagedIdentityCredentialOptions::default()
                    })) {
                        Ok(c) => c,
                        // No managed identity source on this host: skip the link.
                        Err(_) => continue,
                    }
                }
                CredentialKind::DeveloperTools => {
                    DeveloperToolsCredential::new(None).map_err(sdk("DeveloperToolsCredential"))?
                }
            };
            links.push((kind, credential));
        }
        Ok(Self::new(links))
    }

    /// The links, in order.
    pub fn kinds(&self) -> Vec<CredentialKind> {
        self.links.iter().map(|(k, _)| *k).collect()
    }
}

#[async_trait]
impl TokenCredential for ChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let chosen = self.chosen.load(Ordering::Relaxed);
        if let Some((_, credential)) = self.links.get(chosen) {
            return credential.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for (i, (kind, credential)) in self.links.iter().enumerate() {
            match credential.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    self.chosen.store(i, Ordering::Relaxed);
                    return Ok(token);
                }
                Err(e) => {
                    failures.push(format!("{kind:?}: {}", one_line(&e.to_string())));
                    if !kind.falls_through() {
                        break;
                    }
                }
            }
        }
        let tried = if failures.is_empty() { "no credential is configured".to_string() } else { failures.join("; ") };
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "no Azure credential produced a token ({tried}); set AZURE_ACCESS_TOKEN, a service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), or sign in with `az login` (the chain tries, in order: AZURE_ACCESS_TOKEN, client secret, workload identity, managed identity, Azure CLI)"
            ),
        ))
    }
}

/// A credential's failure in one line: the SDK's troubleshooting links left out, each cause
/// once, without the "X authentication failed." preamble.
fn one_line(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let meaningful = |l: &&str| !l.is_empty() && !l.starts_with("To troubleshoot") && !l.ends_with(':');
    for line in text.lines().map(str::trim).filter(meaningful) {
        let cause = line.rsplit_once(". ").map_or(line, |(_, cause)| cause).trim_end_matches('.').to_string();
        if !parts.contains(&cause) {
            parts.push(cause);
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::AtomicU32;

    use super::*;
    use CredentialKind::{ClientSecret, DeveloperTools, ManagedIdentity, WorkloadIdentity};

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_chain_order_is_documented_order() {
        assert_eq!(chain_order(&env(&[])).unwrap(), vec![ManagedIdentity, DeveloperTools]);
        let all = env(&[
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
        ]);
        assert_eq!(chain_order(&all).unwrap(), vec![ClientSecret, WorkloadIdentity, ManagedIdentity, DeveloperTools]);
        let partial = env(&[("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c")]);
        assert_eq!(chain_order(&partial).unwrap(), vec![ManagedIdentity, DeveloperTools]);
        let token = env(&[("AZURE_ACCESS_TOKEN", "abc"), ("AZURE_CLIENT_SECRET", "s"), ("AZURE_TENANT_ID", "t")]);
        assert_eq!(chain_order(&token).unwrap(), vec![CredentialKind::AccessToken]);
        assert_eq!(chain_order(&env(&[("AZURE_ACCESS_TOKEN", "  ")])).unwrap(), vec![ManagedIdentity, DeveloperTools]);
    }

    #[test]
    fn the_chain_can_be_narrowed() {
        let secret = [("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c"), ("AZURE_CLIENT_SECRET", "s")];
        let with = |select: &str| {
            let mut pairs = secret.to_vec();
            pairs.push(("AZURE_TOKEN_CREDENTIALS", select));
            chain_order(&env(&pairs))
        };
        assert_eq!(with("prod").unwrap(), vec![ClientSecret, ManagedIdentity]);
        assert_eq!(with("dev").unwrap(), vec![DeveloperTools]);
        assert_eq!(with("AzureCliCredential").unwrap(), vec![DeveloperTools]);
        assert_eq!(with("ClientSecretCredential").unwrap(), vec![ClientSecret]);
        assert!(with("WorkloadIdentityCredential").unwrap_err().message.contains("not all set"));
        assert!(with("magic").unwrap_err().message.contains("`magic`"));
    }

    #[test]
    fn settings_check_the_endpoint_and_authority() {
        let s = AzureSettings::from_env(&env(&[])).unwrap();
        assert_eq!(s.endpoint.as_str(), "https://management.azure.com/");
        assert_eq!(s.subscription_id, None);
        let s = AzureSettings::from_env(&env(&[
            ("AZURE_RESOURCE_MANAGER_ENDPOINT", "http://127.0.0.1:8085"),
            ("AZURE_SUBSCRIPTION_ID", "sub"),
        ]))
        .unwrap();
        assert_eq!(s.endpoint.as_str(), "http://127.0.0.1:8085/");
        assert_eq!(s.subscription_id.as_deref(), Some("sub"));
        let e = AzureSettings::from_env(&env(&[("AZURE_RESOURCE_MANAGER_ENDPOINT", "http://arm.example.com")]))
            .unwrap_err();
        assert_eq!(e.variable, ENDPOINT_VAR);
        assert!(e.message.contains("loopback"), "{e}");
        let e = AzureSettings::from_env(&env(&[("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9")])).unwrap_err();
        assert_eq!(e.variable, AUTHORITY_VAR);
        let s = AzureSettings::from_env(&env(&[("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us")])).unwrap();
        assert_eq!(s.authority_host.unwrap().host_str(), Some("login.microsoftonline.us"));
    }

    #[derive(Debug)]
    struct Fake {
        answer: Option<&'static str>,
        calls: AtomicU32,
    }

    #[async_trait]
    impl TokenCredential for Fake {
        async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
            self.calls.fetch_add(1, Ordering::Relaxed);
            match self.answer {
                Some(t) => Ok(AccessToken::new(Secret::new(t), OffsetDateTime::now_utc() + Duration::hours(1))),
                None => Err(azure_core::Error::with_message(ErrorKind::Credential, "unavailable")),
            }
        }
    }

    fn fake(answer: Option<&'static str>) -> Arc<Fake> {
        Arc::new(Fake { answer, calls: AtomicU32::new(0) })
    }

    #[tokio::test]
    async fn the_first_working_link_is_kept() {
        let (mi, cli) = (fake(None), fake(Some("from-cli")));
        let chain = ChainCredential::new(vec![(ManagedIdentity, mi.clone()), (DeveloperTools, cli.clone())]);
        for _ in 0..2 {
            let token = chain.get_token(&["scope"], None).await.unwrap();
            assert_eq!(token.token.secret(), "from-cli");
        }
        assert_eq!(mi.calls.load(Ordering::Relaxed), 1, "managed identity is not tried again");
        assert_eq!(cli.calls.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_configured_credential_that_fails_ends_the_chain() {
        let (secret, cli) = (fake(None), fake(Some("from-cli")));
        let chain = ChainCredential::new(vec![(ClientSecret, secret), (DeveloperTools, cli.clone())]);
        let e = chain.get_token(&["scope"], None).await.unwrap_err();
        assert!(e.to_string().contains("ClientSecret: unavailable"), "{e}");
        assert_eq!(cli.calls.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn an_access_token_builds_a_one_link_chain() {
        let vars = env(&[("AZURE_ACCESS_TOKEN", "pre-issued")]);
        let settings = AzureSettings::from_env(&vars).unwrap();
        let chain = ChainCredential::from_env(&vars, &settings).unwrap();
        assert_eq!(chain.kinds(), vec![CredentialKind::AccessToken]);
        assert_eq!(chain.get_token(&["x"], None).await.unwrap().token.secret(), "pre-issued");
    }
}
