//! The JSON plan document (`docs/plan-json.md`), like Terraform's `jsonplan`: one type that
//! both writes `--json` and saved plans and reads saved plans back.
//!
//! The document is the [`Plan`] as it serializes (`format_version` first, fields in declaration
//! order, maps sorted by key) followed by `summary` and `has_changes`, pretty-printed with two
//! spaces and a trailing newline, so equal plans give byte-equal documents. Secrets never
//! appear: only where they come from and their fingerprints. Writing only reads the plan.
//!
//! A saved plan is this document, sealed when state encryption is on (`state::crypt`).
//! Reading checks the major format version before anything else, so a plan from an
//! incompatible quikinfra is refused with a clear error, and never modifies the file.

use serde::{Deserialize, Serialize};

use crate::plan::{PLAN_FORMAT_VERSION, Plan, Summary};
use crate::state::crypt::{self, Cipher, CryptError, Sealed};

/// The document: the plan, then what people read first in the text form.
#[derive(Serialize)]
pub struct Document<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    summary: Summary,
    has_changes: bool,
}

impl<'a> Document<'a> {
    /// The document of `plan`.
    pub fn of(plan: &'a Plan) -> Self {
        Self { plan, summary: plan.summary(), has_changes: plan.has_changes() }
    }

    /// Pretty, deterministic JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a plan always serializes to JSON");
        out.push('\n');
        out
    }
}

/// Renders a plan as its versioned JSON document: pretty, deterministic, ending in a newline.
pub fn to_json(plan: &Plan) -> String {
    Document::of(plan).to_json()
}

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
    /// An encrypted plan that cannot be opened with the key configured (or none is).
    #[error("the saved plan cannot be read: {0}")]
    Encryption(#[from] CryptError),
}

/// The clear header of an encrypted saved plan, authenticated with the sealed plan.
#[derive(Serialize, Deserialize)]
struct SealedPlan {
    format_version: String,
    environment: String,
    encrypted: Sealed,
}

/// The saved form of `plan`: its JSON, sealed with `cipher` when there is one.
pub fn to_saved(plan: &Plan, cipher: Option<&Cipher>) -> String {
    let json = to_json(plan);
    let Some(cipher) = cipher else { return json };
    let doc = SealedPlan {
        format_version: plan.format_version.clone(),
        environment: plan.environment.clone(),
        encrypted: cipher.seal("plan", &plan.environment, json.as_bytes()),
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("an envelope always serializes");
    text.push('\n');
    text
}

/// Reads a saved plan, opening it with `cipher` when it is encrypted.
pub fn from_saved(bytes: &[u8], cipher: Option<&Cipher>) -> Result<Plan, PlanFileError> {
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| PlanFileError::Json(e.to_string()))?;
    if json.get("encrypted").is_none() {
        return from_json(bytes);
    }
    check_version(&json)?;
    let sealed: SealedPlan = serde_json::from_value(json).map_err(|e| PlanFileError::Invalid(e.to_string()))?;
    let plain = crypt::open_with(cipher, "plan", &sealed.environment, &sealed.encrypted)?;
    let plan = from_json(&plain)?;
    if plan.environment != sealed.environment {
        return Err(PlanFileError::Invalid("the encrypted plan's header does not match its content".into()));
    }
    Ok(plan)
}

fn check_version(json: &serde_json::Value) -> Result<(), PlanFileError> {
    let found = json.get("format_version").and_then(|v| v.as_str()).unwrap_or("").to_string();
    let supported = PLAN_FORMAT_VERSION.split('.').next().unwrap_or("1").to_string();
    if found.split('.').next() != Some(supported.as_str()) {
        return Err(PlanFileError::Version { found, supported });
    }
    Ok(())
}

/// Reads a saved plan from the file's bytes.
pub fn from_json(bytes: &[u8]) -> Result<Plan, PlanFileError> {
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| PlanFileError::Json(e.to_string()))?;
    check_version(&json)?;
    serde_json::from_value(json).map_err(|e| PlanFileError::Invalid(e.to_string()))
}
