//! The bearer token policy and the rule for where tokens may go.
//!
//! The SDK's own bearer policy refuses plain HTTP outright, which rules out a test emulator on
//! loopback; this one refuses plain HTTP *except* to loopback hosts (`127.0.0.0/8`, `::1`,
//! `localhost`) and checks every request, so a token never leaves the machine unencrypted.
//! Tokens are cached and refreshed five minutes before they expire.

use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::error::ErrorKind;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Context, Request, Url};
use azure_core::time::{Duration, OffsetDateTime};

/// Whether `url`'s host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Why a bearer token must not be sent to `url`, if it must not.
pub fn token_refusal(url: &Url) -> Option<String> {
    match url.scheme() {
        "https" => None,
        "http" if is_loopback(url) => None,
        "http" => Some("plain HTTP is allowed only for loopback hosts (127.0.0.1, ::1, localhost)".into()),
        other => Some(format!("`{other}` is not an HTTP(S) URL")),
    }
}

/// The token scope for an ARM endpoint: `https://management.azure.com/.default` for the public
/// cloud and for loopback emulators, `<endpoint origin>/.default` for sovereign clouds.
pub fn scope_for(endpoint: &Url) -> String {
    if is_loopback(endpoint) {
        return crate::arm::PUBLIC_SCOPE.to_string();
    }
    let host = endpoint.host_str().unwrap_or("management.azure.com");
    match endpoint.port() {
        Some(port) => format!("{}://{host}:{port}/.default", endpoint.scheme()),
        None => format!("{}://{host}/.default", endpoint.scheme()),
    }
}

/// Adds `Authorization: Bearer …` to every request, refusing insecure destinations.
#[derive(Debug)]
pub(crate) struct BearerPolicy {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    cache: tokio::sync::Mutex<Option<AccessToken>>,
}

impl BearerPolicy {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, scope: String) -> Self {
        Self { credential, scope, cache: tokio::sync::Mutex::new(None) }
    }

    async fn token(&self) -> azure_core::Result<String> {
        let mut cache = self.cache.lock().await;
        let fresh = |t: &AccessToken| t.expires_on > OffsetDateTime::now_utc() + Duration::minutes(5);
        if let Some(token) = cache.as_ref().filter(|t| fresh(t)) {
            return Ok(token.token.secret().to_string());
        }
        let token = self.credential.get_token(&[&self.scope], None).await?;
        let secret = token.token.secret().to_string();
        *cache = Some(token);
        Ok(secret)
    }
}

#[async_trait]
impl Policy for BearerPolicy {
    async fn send(&self, ctx: &Context, request: &mut Request, next: &[Arc<dyn Policy>]) -> PolicyResult {
        if let Some(reason) = token_refusal(request.url()) {
            return Err(azure_core::Error::with_message(
                ErrorKind::Other,
                format!("refusing to send a token to {}: {reason}", request.url()),
            ));
        }
        let token = self.token().await?;
        request.insert_header("authorization", format!("Bearer {token}"));
        next[0].send(ctx, request, &next[1..]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn plain_http_only_for_loopback() {
        for ok in [
            "https://management.azure.com",
            "http://127.0.0.1:8085",
            "http://127.3.4.5/",
            "http://[::1]:9/",
            "http://LocalHost:1",
        ] {
            assert_eq!(token_refusal(&url(ok)), None, "{ok}");
        }
        for refused in [
            "http://management.azure.com",
            "http://10.0.0.1",
            "http://169.254.169.254",
            "http://localhost.example.com",
            "ftp://x",
        ] {
            assert!(token_refusal(&url(refused)).is_some(), "{refused}");
        }
    }

    #[test]
    fn scopes_follow_the_endpoint() {
        assert_eq!(scope_for(&url("https://management.azure.com/")), "https://management.azure.com/.default");
        assert_eq!(
            scope_for(&url("https://management.usgovcloudapi.net")),
            "https://management.usgovcloudapi.net/.default"
        );
        assert_eq!(scope_for(&url("http://127.0.0.1:8085")), "https://management.azure.com/.default");
    }
}
