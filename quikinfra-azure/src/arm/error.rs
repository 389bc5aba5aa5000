//! What can go wrong talking to ARM, and ARM's own error bodies.
//!
//! ARM reports failures as `{"error": {"code", "message", "target", "details": [...]}}` (some
//! resource providers drop the `error` wrapper); [`ErrorBody::parse`] reads both shapes and
//! the messages shown to users always carry the code, the message and the target.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One ARM error: code, message, target, and nested details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The machine-readable code, `ResourceGroupNotFound`.
    #[serde(default)]
    pub code: String,
    /// The human-readable message.
    #[serde(default)]
    pub message: String,
    /// The property or resource the error is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// More specific errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorBody>,
}

impl ErrorBody {
    /// Reads ARM's error shape from a response body, with or without the `error` wrapper.
    pub fn parse(body: &[u8]) -> Option<ErrorBody> {
        let json: serde_json::Value = serde_json::from_slice(body).ok()?;
        Self::from_json(&json)
    }

    /// Reads ARM's error shape from JSON, with or without the `error` wrapper.
    pub fn from_json(json: &serde_json::Value) -> Option<ErrorBody> {
        let inner = json.get("error").filter(|e| e.is_object()).unwrap_or(json);
        let body: ErrorBody = serde_json::from_value(inner.clone()).ok()?;
        (!body.code.is_empty() || !body.message.is_empty()).then_some(body)
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => write!(f, "{}: {}", self.code, self.message.trim_end())?,
            (false, true) => write!(f, "{}", self.code)?,
            _ => write!(f, "{}", self.message.trim_end())?,
        }
        if let Some(target) = self.target.as_deref().filter(|t| !t.is_empty()) {
            write!(f, " (target: {target})")?;
        }
        for detail in &self.details {
            write!(f, "; {detail}")?;
        }
        Ok(())
    }
}

/// A failed ARM call.
#[derive(Debug, thiserror::Error)]
pub enum ArmError {
    /// ARM answered with an error status.
    #[error("{error} (HTTP {status} from {method} {path}{})", attempts_note(*.attempts))]
    Http {
        /// The HTTP status.
        status: u16,
        /// The method of the call.
        method: String,
        /// The path called.
        path: String,
        /// ARM's error.
        error: Box<ErrorBody>,
        /// How many times the call was made (more than one after retries).
        attempts: u32,
    },
    /// A long-running operation ended `Failed` or `Canceled`.
    #[error("the operation on {resource} ended {status}: {error}")]
    OperationFailed {
        /// `Failed` or `Canceled`.
        status: String,
        /// The resource's path.
        resource: String,
        /// ARM's error.
        error: Box<ErrorBody>,
    },
    /// A long-running operation did not finish in time; polling `poll_url` resumes it.
    #[error("the operation on {resource} is still running after {waited_secs} s; resume by polling {poll_url}")]
    StillRunning {
        /// The resource's path.
        resource: String,
        /// The URL that reports the operation's progress.
        poll_url: String,
        /// How long the client waited.
        waited_secs: u64,
    },
    /// The endpoint would carry a bearer token over plain HTTP to a non-loopback host, or a
    /// poll or next-page URL points at another host than the endpoint.
    #[error("refusing to send a token to {url}: {reason}")]
    Insecure {
        /// The URL refused.
        url: String,
        /// Why.
        reason: String,
    },
    /// No token could be obtained, or the call could not be made (connection, TLS).
    #[error("{context}: {message}")]
    Transport {
        /// What was being done.
        context: String,
        /// The SDK's message.
        message: String,
        /// Whether a credential failed (as opposed to the network).
        credential: bool,
    },
    /// ARM answered something the client cannot read.
    #[error("unexpected answer from {path}: {message}")]
    Unexpected {
        /// The path called.
        path: String,
        /// What was wrong.
        message: String,
    },
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 { format!(", after {attempts} attempts") } else { String::new() }
}

impl ArmError {
    /// The HTTP status, for errors ARM answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ArmError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// ARM's error code, when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ArmError::Http { error, .. } | ArmError::OperationFailed { error, .. } => Some(&error.code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_show_code_message_target_and_details() {
        let body =
            br#"{"error":{"code":"InvalidParameter","message":"Bad size.","target":"agentPoolProfiles[0].vmSize",
            "details":[{"code":"Inner","message":"More."}],"additionalInfo":[{"type":"x"}]}}"#;
        let error = ErrorBody::parse(body).unwrap();
        assert_eq!(error.target.as_deref(), Some("agentPoolProfiles[0].vmSize"));
        assert_eq!(
            error.to_string(),
            "InvalidParameter: Bad size. (target: agentPoolProfiles[0].vmSize); Inner: More."
        );
        let bare = ErrorBody::parse(br#"{"code":"Conflict","message":"Busy."}"#).unwrap();
        assert_eq!(bare.to_string(), "Conflict: Busy.");
        assert!(ErrorBody::parse(b"<html>").is_none());
        assert!(ErrorBody::parse(b"{}").is_none());
    }

    #[test]
    fn http_errors_name_the_call_and_retries() {
        let e = ArmError::Http {
            status: 429,
            method: "PUT".into(),
            path: "/subscriptions/s/resourceGroups/rg".into(),
            error: Box::new(ErrorBody {
                code: "TooManyRequests".into(),
                message: "Slow down.".into(),
                ..Default::default()
            }),
            attempts: 3,
        };
        assert_eq!(
            e.to_string(),
            "TooManyRequests: Slow down. (HTTP 429 from PUT /subscriptions/s/resourceGroups/rg, after 3 attempts)"
        );
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.code(), Some("TooManyRequests"));
    }
}
