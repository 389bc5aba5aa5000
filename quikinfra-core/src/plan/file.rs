//! Saved plans: the JSON plan document (`docs/plan-json.md`) read back for `apply FILE`.
//!
//! Writing is `render::plan_json`: a saved plan is the JSON plan. Reading checks the major
//! format version before anything else, so a plan from an incompatible quikinfra is refused
//! with a clear error, and never modifies the file.

use super::{PLAN_FORMAT_VERSION, Plan};

/// Why a saved plan cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanFileError {
    /// Not JSON at all (or truncated).
    #[error("not a quikinfra plan (invalid JSON: {0})")]
    Json(String),
    /// JSON, but from an incompatible format version.
    #[error("plan format version `{found}` is not supported by this quikinfra (it reads {supported}.x)")]
    Version {
        /// The version found (empty when missing).
        found: String,
        /// The major version understood.
        supported: String,
    },
    /// The right version, but not a valid plan.
    #[error("not a valid quikinfra plan: {0}")]
    Invalid(String),
}

/// Reads a saved plan from the file's bytes.
pub fn from_json(bytes: &[u8]) -> Result<Plan, PlanFileError> {
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| PlanFileError::Json(e.to_string()))?;
    let found = json.get("format_version").and_then(|v| v.as_str()).unwrap_or("").to_string();
    let supported = PLAN_FORMAT_VERSION.split('.').next().unwrap_or("1").to_string();
    if found.split('.').next() != Some(supported.as_str()) {
        return Err(PlanFileError::Version { found, supported });
    }
    serde_json::from_value(json).map_err(|e| PlanFileError::Invalid(e.to_string()))
}
