//! Where the `azblob://` backend keeps state and how it authenticates: the URL's account,
//! container and prefix, the account's endpoint, and the credential (a SAS, or Entra ID through
//! the credential chain the ARM client uses).
//!
//! - `azblob://ACCOUNT/CONTAINER` or `azblob://ACCOUNT/CONTAINER/PREFIX/` names the location
//!   ([`BlobUrl`]); account and container names are checked against Azure's rules before any
//!   request.
//! - `AZURE_STORAGE_BLOB_ENDPOINT` overrides the account's endpoint, by default
//!   `https://ACCOUNT.blob.core.windows.net` (a sovereign cloud, a private endpoint, or Azurite's
//!   `http://127.0.0.1:10000/devstoreaccount1`). Plain HTTP is refused except to loopback hosts.
//! - `AZURE_STORAGE_SAS_TOKEN`, when set, is the credential: a shared access signature (with or
//!   without its leading `?`) for the container or the account, allowing read, add, create,
//!   write and delete (`racwd`; lease operations are writes). It travels in every request's URL,
//!   so it goes over HTTPS, or plain HTTP to loopback only, and is cut out of every error message.
//! - Otherwise Entra ID: the chain of [`crate::arm::credential`] for the storage scope
//!   (`https://storage.azure.com/.default`), over HTTPS only (the SDK refuses anything else). Its
//!   pre-issued token link reads `AZURE_STORAGE_ACCESS_TOKEN`, not `AZURE_ACCESS_TOKEN`: a token
//!   is issued for one audience, and the ARM one is refused by Storage. The identity needs the
//!   *Storage Blob Data Contributor* role on the container.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::http::Url;

use crate::arm::auth::{is_loopback, token_refusal};
use crate::arm::credential::{self, AzureSettings, ChainCredential, SettingError};

/// Overrides the account's blob endpoint.
pub const ENDPOINT_VAR: &str = "AZURE_STORAGE_BLOB_ENDPOINT";
/// A shared access signature, used instead of Entra ID when set.
pub const SAS_VAR: &str = "AZURE_STORAGE_SAS_TOKEN";
/// A pre-issued Entra ID token for the storage scope (the chain's first link for Storage).
pub const ACCESS_TOKEN_VAR: &str = "AZURE_STORAGE_ACCESS_TOKEN";

/// The URL scheme.
pub const SCHEME: &str = "azblob";

/// Why an `azblob://` URL names no state location (the messages leave the URL out: the
/// error that carries one names it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlobUrlError {
    /// Not an `azblob://` URL.
    #[error("`{0}` is not an azblob:// url (azblob://ACCOUNT/CONTAINER/PREFIX/)")]
    NotAzBlob(String),
    /// The account part is not a storage account name.
    #[error("`{account}` is not a storage account name (3 to 24 lowercase letters and digits)")]
    BadAccount {
        /// The URL.
        url: String,
        /// Its account part.
        account: String,
    },
    /// The container part is missing or not a container name.
    #[error(
        "`{container}` is not a container name (3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit)"
    )]
    BadContainer {
        /// The URL.
        url: String,
        /// Its container part.
        container: String,
    },
    /// The prefix has an empty segment (`a//b`) or a `.` / `..` segment.
    #[error("the prefix `{prefix}` has an empty, `.` or `..` segment")]
    BadPrefix {
        /// The URL.
        url: String,
        /// Its prefix part.
        prefix: String,
    },
}

/// An `azblob://ACCOUNT/CONTAINER/PREFIX/` location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobUrl {
    /// The storage account.
    pub account: String,
    /// The container.
    pub container: String,
    /// The prefix every environment's blobs start with: empty, or ending with `/`.
    pub prefix: String,
}

impl BlobUrl {
    /// Parses and checks `url`.
    pub fn parse(url: &str) -> Result<Self, BlobUrlError> {
        let rest = url
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix("://"))
            .ok_or_else(|| BlobUrlError::NotAzBlob(url.to_string()))?;
        let (account, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let (container, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !is_account_name(account) {
            return Err(BlobUrlError::BadAccount { url: url.to_string(), account: account.to_string() });
        }
        if !is_container_name(container) {
            return Err(BlobUrlError::BadContainer { url: url.to_string(), container: container.to_string() });
        }
        let prefix = match prefix {
            "" => String::new(),
            p if p.ends_with('/') => p.to_string(),
            p => format!("{p}/"),
        };
        if !prefix.is_empty() && prefix.trim_end_matches('/').split('/').any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(BlobUrlError::BadPrefix { url: url.to_string(), prefix });
        }
        Ok(Self { account: account.to_string(), container: container.to_string(), prefix })
    }

    /// `azblob://ACCOUNT/CONTAINER/PREFIX/`.
    pub fn describe(&self) -> String {
        format!("{SCHEME}://{}/{}/{}", self.account, self.container, self.prefix)
    }
}

/// Azure's storage account name rule: 3 to 24 lowercase letters and digits.
fn is_account_name(name: &str) -> bool {
    (3..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Azure's container name rule: 3 to 63 lowercase letters, digits and hyphens, starting and
/// ending with a letter or digit, no two hyphens in a row.
fn is_container_name(name: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes.iter().all(|&b| alnum(b) || b == b'-')
        && alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && !name.contains("--")
}

/// How requests are authenticated.
#[derive(Clone)]
pub(crate) enum Auth {
    /// A SAS query string, without the leading `?`.
    Sas(String),
    /// Entra ID tokens from the credential chain.
    Entra(Arc<dyn TokenCredential>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Sas(_) => f.write_str("Sas(<redacted>)"),
            Auth::Entra(_) => f.write_str("Entra"),
        }
    }
}

/// The account's endpoint and credential, from the environment.
#[derive(Clone, Debug)]
pub struct BlobAccess {
    /// The account's blob endpoint, ending with `/`.
    pub(crate) endpoint: Url,
    pub(crate) auth: Auth,
}

impl BlobAccess {
    /// The endpoint and credential for `account`, from the variables `env` answers (see the
    /// module documentation).
    pub fn from_env(account: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let var = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let endpoint = match var(ENDPOINT_VAR) {
            Some(text) => Url::parse(&text)
                .map_err(|e| SettingError { variable: ENDPOINT_VAR, message: format!("`{text}` is not a URL: {e}") })?,
            None => Url::parse(&format!("https://{account}.blob.core.windows.net/")).map_err(|e| SettingError {
                variable: ENDPOINT_VAR,
                message: format!("no endpoint for account `{account}`: {e}"),
            })?,
        };
        let endpoint = with_trailing_slash(endpoint);
        if endpoint.query().is_some() || endpoint.fragment().is_some() {
            return Err(SettingError {
                variable: ENDPOINT_VAR,
                message: format!(
                    "`{}` has a query or fragment; give the endpoint alone and the SAS in {SAS_VAR}",
                    redact(endpoint.as_str())
                ),
            });
        }
        if let Some(reason) = token_refusal(&endpoint) {
            return Err(SettingError { variable: ENDPOINT_VAR, message: format!("`{endpoint}`: {reason}") });
        }
        let auth = match var(SAS_VAR) {
            Some(sas) => {
                let sas = sas.trim_start_matches('?').to_string();
                if !sas.split('&').any(|pair| pair.starts_with("sig=")) {
                    return Err(SettingError {
                        variable: SAS_VAR,
                        message: "is not a shared access signature (it has no `sig=` field)".to_string(),
                    });
                }
                Auth::Sas(sas)
            }
            None => {
                if endpoint.scheme() != "https" {
                    return Err(SettingError {
                        variable: ENDPOINT_VAR,
                        message: format!(
                            "`{endpoint}` is plain HTTP: Entra ID tokens go over HTTPS only; for an emulator on loopback set {SAS_VAR}"
                        ),
                    });
                }
                let storage_env = |name: &str| match name {
                    credential::ACCESS_TOKEN_VAR => env(ACCESS_TOKEN_VAR),
                    other => env(other),
                };
                let settings = AzureSettings::from_env(&storage_env)?;
                Auth::Entra(Arc::new(ChainCredential::from_env(&storage_env, &settings)?))
            }
        };
        Ok(Self { endpoint, auth })
    }

    /// Whether requests carry a SAS (else Entra ID tokens).
    pub fn uses_sas(&self) -> bool {
        matches!(self.auth, Auth::Sas(_))
    }

    /// The account's endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The URL of blob `name` (`/`-separated) in `container`, with the SAS when one is used.
    pub(crate) fn blob_url(&self, container: &str, name: &str) -> Url {
        let mut url = self.endpoint.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(container).extend(name.split('/'));
        }
        if let Auth::Sas(sas) = &self.auth {
            url.set_query(Some(sas));
        }
        url
    }

    /// The credential for the SDK's clients: none with a SAS (it is in the URL).
    pub(crate) fn credential(&self) -> Option<Arc<dyn TokenCredential>> {
        match &self.auth {
            Auth::Sas(_) => None,
            Auth::Entra(credential) => Some(credential.clone()),
        }
    }

    /// Whether the endpoint is a loopback emulator.
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.endpoint)
    }
}

fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

/// `text` with the value of every SAS signature (`sig=…`) cut out, so no error message, log
/// line or description ever carries a usable SAS.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("sig=") {
        let (head, tail) = rest.split_at(at + "sig=".len());
        out.push_str(head);
        let end = tail.find(|c: char| c == '&' || c == ')' || c == '"' || c == '\'' || c.is_whitespace());
        let end = end.unwrap_or(tail.len());
        if end > 0 {
            out.push_str("REDACTED");
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    const SAS: &str = "sv=2020-12-06&ss=b&srt=sco&sp=racwdl&se=2099-01-01T00%3A00%3A00Z&sig=c2VjcmV0%2Bc2ln";

    #[test]
    fn urls_name_an_account_a_container_and_a_prefix() {
        let u = BlobUrl::parse("azblob://quikappstate/tfstate/teams/media").unwrap();
        assert_eq!(
            (u.account.as_str(), u.container.as_str(), u.prefix.as_str()),
            ("quikappstate", "tfstate", "teams/media/")
        );
        assert_eq!(u.describe(), "azblob://quikappstate/tfstate/teams/media/");
        assert_eq!(BlobUrl::parse("azblob://quikappstate/tfstate").unwrap().prefix, "");
        assert_eq!(BlobUrl::parse("azblob://quikappstate/tfstate/").unwrap().prefix, "");
        assert_eq!(BlobUrl::parse("azblob://quikappstate/tfstate/q/").unwrap().prefix, "q/");
        for (bad, what) in [
            ("s3://bucket/x", "not an azblob"),
            ("azblob:/quikappstate/tfstate", "not an azblob"),
            ("azblob://QuikAppState/tfstate", "storage account name"),
            ("azblob://ab/tfstate", "storage account name"),
            ("azblob://quikappstate", "container name"),
            ("azblob://quikappstate/", "container name"),
            ("azblob://quikappstate/tf", "container name"),
            ("azblob://quikappstate/Tfstate", "container name"),
            ("azblob://quikappstate/tf--state", "container name"),
            ("azblob://quikappstate/-tfstate", "container name"),
            ("azblob://quikappstate/tfstate/a//b/", "prefix"),
            ("azblob://quikappstate/tfstate/../b/", "prefix"),
        ] {
            let e = BlobUrl::parse(bad).unwrap_err();
            assert!(e.to_string().contains(what), "{bad}: {e}");
        }
    }

    #[test]
    fn the_endpoint_defaults_to_the_account_and_can_be_overridden() {
        let a = BlobAccess::from_env("quikappstate", &env(&[(SAS_VAR, SAS)])).unwrap();
        assert_eq!(a.endpoint().as_str(), "https://quikappstate.blob.core.windows.net/");
        let url = a.blob_url("tfstate", "teams/media/live/state.json");
        assert_eq!(url.path(), "/tfstate/teams/media/live/state.json");
        assert_eq!(url.query(), Some(SAS));

        let azurite = BlobAccess::from_env(
            "devstoreaccount1",
            &env(&[(ENDPOINT_VAR, "http://127.0.0.1:10000/devstoreaccount1"), (SAS_VAR, &format!("?{SAS}"))]),
        )
        .unwrap();
        assert!(azurite.uses_sas() && azurite.is_loopback());
        let url = azurite.blob_url("tfstate", "dev/state.lock");
        assert_eq!(url.as_str(), format!("http://127.0.0.1:10000/devstoreaccount1/tfstate/dev/state.lock?{SAS}"));

        let gov = BlobAccess::from_env(
            "acct",
            &env(&[(ENDPOINT_VAR, "https://acct.blob.core.usgovcloudapi.net"), (SAS_VAR, SAS)]),
        )
        .unwrap();
        assert_eq!(
            gov.blob_url("c0ntainer", "x").as_str().split('?').next(),
            Some("https://acct.blob.core.usgovcloudapi.net/c0ntainer/x")
        );
    }

    #[test]
    fn a_sas_never_goes_over_plain_http_except_to_loopback() {
        for endpoint in
            ["http://quikappstate.blob.core.windows.net", "http://10.0.0.4:10000/devstoreaccount1", "ftp://x"]
        {
            let e =
                BlobAccess::from_env("quikappstate", &env(&[(ENDPOINT_VAR, endpoint), (SAS_VAR, SAS)])).unwrap_err();
            assert_eq!(e.variable, ENDPOINT_VAR, "{endpoint}");
        }
        // Entra ID: HTTPS only, even to loopback (the SDK's bearer policy refuses plain HTTP).
        let e = BlobAccess::from_env(
            "devstoreaccount1",
            &env(&[(ENDPOINT_VAR, "http://127.0.0.1:10000/devstoreaccount1")]),
        )
        .unwrap_err();
        assert!(e.message.contains(SAS_VAR), "{e}");
        // Not a SAS.
        let e = BlobAccess::from_env("quikappstate", &env(&[(SAS_VAR, "hunter2")])).unwrap_err();
        assert_eq!(e.variable, SAS_VAR);
        assert!(!e.to_string().contains("hunter2"), "{e}");
        // A SAS pasted into the endpoint is refused, and not echoed.
        let e = BlobAccess::from_env(
            "quikappstate",
            &env(&[(ENDPOINT_VAR, &format!("https://quikappstate.blob.core.windows.net/?{SAS}"))]),
        )
        .unwrap_err();
        assert!(!e.to_string().contains("c2VjcmV0"), "{e}");
    }

    #[test]
    fn entra_id_uses_the_chain_with_the_storage_token() {
        let a = BlobAccess::from_env(
            "quikappstate",
            &env(&[(ACCESS_TOKEN_VAR, "storage-token"), ("AZURE_ACCESS_TOKEN", "arm-token")]),
        )
        .unwrap();
        assert!(!a.uses_sas());
        let credential = a.credential().expect("a token credential");
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let token = runtime.block_on(credential.get_token(&["https://storage.azure.com/.default"], None)).unwrap();
        assert_eq!(token.token.secret(), "storage-token", "the ARM token is for another audience");
    }

    #[test]
    fn signatures_are_cut_out_of_messages() {
        let text = format!("error sending request for url (http://127.0.0.1:9/devstoreaccount1/c/x?{SAS}): refused");
        let redacted = redact(&text);
        assert!(!redacted.contains("c2VjcmV0"), "{redacted}");
        assert!(redacted.contains("sig=REDACTED): refused"), "{redacted}");
        assert_eq!(redact("sig=a&sig=b c"), "sig=REDACTED&sig=REDACTED c");
        assert_eq!(redact("no signature here"), "no signature here");
        assert_eq!(redact("sig="), "sig=");
    }
}
