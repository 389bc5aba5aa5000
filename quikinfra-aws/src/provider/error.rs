//! SDK errors → [`ProviderError`]s, classified so the engine's boundary knows what to retry.
//!
//! - `Transient` (retried by `Providers` with backoff and jitter): throttling codes
//!   (`SlowDown`, `Throttling`, `ThrottlingException`, `TooManyRequestsException`…), HTTP 429
//!   and 5xx, timeouts, connection failures, replies that could not be read.
//! - `NotFound`: the service's "no such thing" codes and HTTP 404.
//! - `Conflict`: the object already exists or changed underneath (`BucketAlreadyExists`,
//!   `PreconditionFailed`, HTTP 409 and 412).
//!
//! Two codes that sound like conflicts are transient on purpose: `WAFOptimisticLockException`
//! (a retry reads a fresh lock token) and CloudFront's `DistributionNotDisabled` (the disable
//! is still deploying).
//! - `Permanent`: everything else (validation, access denied, bad credentials).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use quikinfra_core::provider::{ErrorKind, ProviderError};

const THROTTLING: &[&str] = &[
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "TransactionInProgressException",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "OperationAborted",
    "WAFInternalErrorException",
    // A lock token made stale by a concurrent change: retrying reads a fresh one.
    "WAFOptimisticLockException",
    "WAFUnavailableEntityException",
    // CloudFront: a distribution is still deploying a previous change.
    "DistributionNotDisabled",
    "KMSInternalException",
    "DependencyTimeoutException",
    "InternalErrorException",
];

const NOT_FOUND: &[&str] = &[
    "NoSuchBucket",
    "NoSuchKey",
    "NotFound",
    "NotFoundException",
    "NoSuchDistribution",
    "NoSuchOriginAccessControl",
    "ResourceNotFoundException",
    "WAFNonexistentItemException",
];

const CONFLICT: &[&str] = &[
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "PreconditionFailed",
    "ConditionalRequestConflict",
    "AlreadyExistsException",
    "ResourceAlreadyExistsException",
    "DistributionAlreadyExists",
    "OriginAccessControlAlreadyExists",
    "WAFDuplicateItemException",
    "InvalidIfMatchVersion",
    "ConflictException",
];

/// The kind of a failure from its error code and HTTP status, either of which may be missing.
pub(crate) fn classify(code: Option<&str>, status: Option<u16>) -> ErrorKind {
    if let Some(code) = code {
        if THROTTLING.contains(&code) {
            return ErrorKind::Transient;
        }
        if NOT_FOUND.contains(&code) {
            return ErrorKind::NotFound;
        }
        if CONFLICT.contains(&code) {
            return ErrorKind::Conflict;
        }
    }
    match status {
        Some(429) | Some(500..=599) => ErrorKind::Transient,
        Some(404) => ErrorKind::NotFound,
        Some(409) | Some(412) => ErrorKind::Conflict,
        _ => ErrorKind::Permanent,
    }
}

/// The service's error code, when the call reached the service and it answered with one.
pub(crate) fn code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// Whether the call failed with the error code `wanted`.
pub(crate) fn is_code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>, wanted: &str) -> bool {
    code(err) == Some(wanted)
}

/// Codes with which AWS rejects the credentials a call was signed with.
const REJECTED_CREDENTIALS: &[&str] = &[
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "AuthFailure",
    "InvalidToken",
];

/// What to say when no credentials could be found: the chain that was tried, and the fix.
const NO_CREDENTIALS: &str = "no AWS credentials: aws-config's default chain tried the environment \
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), the shared profile (AWS_PROFILE, ~/.aws/credentials and \
~/.aws/config), SSO, web identity (AWS_WEB_IDENTITY_TOKEN_FILE), ECS and instance metadata, and none \
answered; set one of them (for example `aws sso login --profile NAME` with AWS_PROFILE=NAME)";

/// Whether a failure that never reached the service was the credential chain's.
fn is_missing_credentials(text: &str) -> bool {
    text.contains("CredentialsNotLoaded") || text.contains("the credential provider was not enabled")
}

/// Converts a failed SDK call, `call` naming it (`s3:GetBucketTagging`).
pub(crate) fn sdk<E>(call: &str, err: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if !matches!(err, SdkError::ServiceError(_)) && is_missing_credentials(&DisplayErrorContext(&err).to_string()) {
        // Not worth retrying: the chain has nothing to give.
        return ProviderError::permanent(format!("{call}: {NO_CREDENTIALS}"));
    }
    match &err {
        SdkError::ServiceError(e) => {
            let status = e.raw().status().as_u16();
            let code = e.err().code();
            let kind = classify(code, Some(status));
            if let Some(code) = code.filter(|c| REJECTED_CREDENTIALS.contains(c)) {
                let said = e.err().message().unwrap_or("the credentials were refused");
                return ProviderError::permanent(format!(
                    "{call}: AWS rejected the credentials ({code}: {said}); check which identity aws-config's default chain picked (AWS_PROFILE, AWS_ACCESS_KEY_ID) or refresh the session (`aws sso login`)"
                ));
            }
            let message = match (code, e.err().message()) {
                (Some(code), Some(message)) => format!("{call}: {code}: {message}"),
                (Some(code), None) => format!("{call}: {code} (HTTP {status})"),
                (None, _) => format!("{call}: HTTP {status}: {}", DisplayErrorContext(&err)),
            };
            ProviderError { kind, message }
        }
        SdkError::TimeoutError(_) => ProviderError::transient(format!("{call}: timed out")),
        SdkError::DispatchFailure(e) if e.is_user() => {
            ProviderError::permanent(format!("{call}: {}", DisplayErrorContext(&err)))
        }
        SdkError::DispatchFailure(_) => ProviderError::transient(format!("{call}: {}", DisplayErrorContext(&err))),
        SdkError::ResponseError(e) => {
            let status = e.raw().status().as_u16();
            let kind = match classify(None, Some(status)) {
                ErrorKind::Permanent if status < 300 => ErrorKind::Transient,
                kind => kind,
            };
            ProviderError {
                kind,
                message: format!("{call}: unreadable reply (HTTP {status}): {}", DisplayErrorContext(&err)),
            }
        }
        _ => ProviderError::permanent(format!("{call}: {}", DisplayErrorContext(&err))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_server_errors_are_transient() {
        assert_eq!(classify(Some("SlowDown"), Some(503)), ErrorKind::Transient);
        assert_eq!(classify(Some("ThrottlingException"), Some(400)), ErrorKind::Transient);
        assert_eq!(classify(None, Some(502)), ErrorKind::Transient);
        assert_eq!(classify(Some("Whatever"), Some(429)), ErrorKind::Transient);
    }

    #[test]
    fn missing_things_and_conflicts_are_told_apart() {
        assert_eq!(classify(Some("NoSuchBucket"), Some(404)), ErrorKind::NotFound);
        assert_eq!(classify(None, Some(404)), ErrorKind::NotFound);
        assert_eq!(classify(Some("PreconditionFailed"), Some(412)), ErrorKind::Conflict);
        assert_eq!(classify(Some("WAFOptimisticLockException"), Some(400)), ErrorKind::Transient);
        assert_eq!(classify(Some("AccessDenied"), Some(403)), ErrorKind::Permanent);
        assert_eq!(classify(Some("InvalidArgument"), Some(400)), ErrorKind::Permanent);
    }
}
