//! The machine rendering of a plan (`--json`): the documented, versioned format of
//! `docs/plan-json.md`.
//!
//! The document is the [`Plan`] as it serializes (`format_version` first, fields in declaration
//! order, maps sorted by key) followed by `summary` and `has_changes`, pretty-printed with two
//! spaces and a trailing newline, so equal plans give byte-equal documents. Secrets never
//! appear: only where they come from and their fingerprints. Rendering only reads the plan; it
//! never changes it.

use serde::Serialize;

use crate::plan::{Plan, Summary};

/// The `--json` document: the plan, then what people read first in the text form.
#[derive(Serialize)]
struct PlanDocument<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    summary: Summary,
    has_changes: bool,
}

/// Renders a plan as its versioned JSON document: pretty, deterministic, ending in a newline.
pub fn plan_json(plan: &Plan) -> String {
    let document = PlanDocument { plan, summary: plan.summary(), has_changes: plan.has_changes() };
    let mut out = serde_json::to_string_pretty(&document).expect("a plan always serializes to JSON");
    out.push('\n');
    out
}
