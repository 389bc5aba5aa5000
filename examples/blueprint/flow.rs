//! The deployment flow: the seed's promotion order, Developer → Local → Dev → QA → UAT →
//! Staging → Production → Live, with how a release enters each stage.
//!
//! Each stage lists its environments (UAT is UAT1-3) and the flow diagram's label for how a
//! release arrives there ("Auto Deploy", "Canary Deploy"…); what starts a deployment is each
//! environment's own trigger, from the Environment Summary. Decision: where the two differ,
//! both are kept: QA's "On PR merge" trigger and the flow's "Manual Deploy" are the same step
//! seen from two sides (someone merges the pull request, and the merge deploys).
//! [`promotion`] compares the definitions of two environments for `promote`.

use quikinfra::engine::compare::{Comparison, compare};

use super::{Row, row};

/// Where releases start, before the first environment: the flow's "Developer", who code-tests.
pub const ORIGIN: (&str, &str) = ("Developer", "Code Test");

/// One stage of the flow.
#[derive(Clone, Copy, Debug)]
pub struct Stage {
    /// The flow diagram's name for it.
    pub label: &'static str,
    /// Its environments.
    pub environments: &'static [&'static str],
    /// How a release arrives, as the flow diagram says.
    pub arrives_by: &'static str,
}

/// The promotion order.
pub static FLOW: &[Stage] = &[
    Stage { label: "Local", environments: &["local"], arrives_by: "Docker Compose" },
    Stage { label: "Dev", environments: &["dev"], arrives_by: "Auto Deploy" },
    Stage { label: "QA", environments: &["qa"], arrives_by: "Manual Deploy" },
    Stage { label: "UAT", environments: &["uat1", "uat2", "uat3"], arrives_by: "Manual Deploy" },
    Stage { label: "Staging", environments: &["staging"], arrives_by: "Release Branch" },
    Stage { label: "Production", environments: &["production"], arrives_by: "Canary Deploy" },
    Stage { label: "Live", environments: &["live"], arrives_by: "Blue/Green Switch" },
];

/// The position of environment `name` in the flow (0 for Local).
pub fn stage_of(name: &str) -> Option<usize> {
    FLOW.iter().position(|s| s.environments.contains(&name))
}

/// The flow as text, one stage a line.
pub fn flow_text() -> String {
    let mut out = format!("{} ({})\n", ORIGIN.0, ORIGIN.1);
    for stage in FLOW {
        let triggers: Vec<String> = stage
            .environments
            .iter()
            .filter_map(|n| row(n))
            .map(|r: &Row| format!("{}: {}", r.label, r.trigger.label()))
            .collect();
        out.push_str(&format!(
            "  → {} (arrives by {}; trigger {})\n",
            stage.label,
            stage.arrives_by,
            triggers.join(", ")
        ));
    }
    out
}

/// How promoting from `from` to `to` looks: where each stands in the flow, then the
/// comparison of their definitions.
pub fn promotion(from: &str, to: &str) -> Result<(String, Comparison), String> {
    let (note, a, b) = promotion_note(from, to)?;
    Ok((note, compare(&super::build(a), &super::build(b))))
}

/// Like [`promotion`], comparing what is deployed: both environments' states as `states`
/// keeps them (names and domains normalised, computed attributes left out).
pub fn promotion_deployed(
    from: &str,
    to: &str,
    states: &quikinfra::engine::state::StateStores,
) -> Result<(String, Comparison), String> {
    let (note, a, b) = promotion_note(from, to)?;
    let read = |name: &str| {
        let store = states.open(name).map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(store.read()).map_err(|e| e.to_string())
    };
    let (sa, sb) = (read(from)?, read(to)?);
    let missing: Vec<&str> = [(from, &sa), (to, &sb)].iter().filter(|(_, s)| s.is_none()).map(|(n, _)| *n).collect();
    let note = if missing.is_empty() {
        note
    } else {
        format!("{note}Note: {} has no state yet: nothing of it is deployed.\n", missing.join(" and "))
    };
    let comparison =
        quikinfra::engine::compare::compare_deployed(&super::build(a), sa.as_ref(), &super::build(b), sb.as_ref());
    Ok((note, comparison))
}

/// The flow note of a promotion and both rows.
fn promotion_note(from: &str, to: &str) -> Result<(String, &'static Row, &'static Row), String> {
    let (Some(a), Some(b)) = (row(from), row(to)) else {
        let known: Vec<&str> = super::ESTATE.iter().map(|r| r.name).collect();
        return Err(format!("environments are {}", known.join(", ")));
    };
    let (sa, sb) = (stage_of(from).unwrap_or(0), stage_of(to).unwrap_or(0));
    let note = if sb == sa + 1 {
        format!(
            "Promotion {} → {}: the next stage of the flow; a release arrives by {} ({} trigger: {}).\n",
            a.label,
            b.label,
            FLOW[sb].arrives_by,
            b.label,
            b.trigger.label()
        )
    } else if sb > sa + 1 {
        let skipped: Vec<&str> = FLOW[sa + 1..sb].iter().map(|s| s.label).collect();
        format!("Note: {} → {} skips {} of the flow.\n", a.label, b.label, skipped.join(", "))
    } else if sb == sa {
        format!("Note: {} and {} are the same stage ({}).\n", a.label, b.label, FLOW[sa].label)
    } else {
        format!("Note: {} → {} goes back down the flow.\n", a.label, b.label)
    };
    Ok((note, a, b))
}
