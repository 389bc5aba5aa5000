//! `estate drift`: every environment refreshed (state is not written) and what changed outside
//! quikinfra reported per environment and resource, as a table, `--json` or `--markdown`;
//! exit 2 when anything drifted, 1 when an environment could not be checked. The command a
//! nightly job runs (see `docs/ci/`).

use clap::Args;
use quikinfra_core::plan::{DriftKind, Plan, PlanMode, PlanOptions};
use quikinfra_core::{apply::SilentProgress, ops};

use super::{Defined, Selection, each, markdown_table, table};
use crate::error::CliResult;
use crate::session::{Session, target_for};

/// `estate drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Which environments.
    #[command(flatten)]
    pub selection: Selection,
    /// As one JSON document.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// As Markdown (an issue or a chat message).
    #[arg(long)]
    pub markdown: bool,
}

async fn refresh_only(base: &Session, d: &Defined) -> Result<Option<Plan>, String> {
    let session = &d.session;
    let state = session.state().await.map_err(|e| e.to_string())?;
    if state.is_none() {
        return Ok(None);
    }
    let target = target_for(&base.global, session.plugins(), session.env(), &[], &session.shell, None)
        .map_err(|e| e.to_string())?;
    let options = session.options(session.definition());
    let ws = session.workspace(session.env(), &target, &options);
    let opts = PlanOptions {
        mode: PlanMode::RefreshOnly,
        parallelism: options.parallelism,
        placeholder_secrets: options.placeholder_secrets,
        ..PlanOptions::default()
    };
    ops::plan(&ws, opts, &SilentProgress).await.map(Some).map_err(|e| e.to_string())
}

/// Runs `estate drift`.
pub async fn exec(base: &Session, levels: Vec<Vec<Defined>>, args: &DriftArgs) -> CliResult {
    let mut results = Vec::new();
    for level in &levels {
        let done = each(level, args.selection.jobs, |d| refresh_only(base, d)).await;
        results.extend(level.iter().map(|d| (d.position, d.name().to_string())).zip(done));
    }
    results.sort_by_key(|((position, _), _)| *position);
    let results: Vec<(String, Result<Option<Plan>, String>)> =
        results.into_iter().map(|((_, name), result)| (name, result)).collect();
    // One row per drifted resource; an environment with none gets one row saying so.
    let mut rows = Vec::new();
    let mut documents = Vec::new();
    for (name, result) in &results {
        match result {
            Ok(None) => rows.push(vec![name.clone(), "-".into(), "not applied yet".into()]),
            Ok(Some(plan)) if plan.drift.is_empty() => rows.push(vec![name.clone(), "-".into(), "no drift".into()]),
            Ok(Some(plan)) => {
                for drift in &plan.drift {
                    let what = match drift.kind {
                        DriftKind::Deleted => "deleted outside quikinfra".to_string(),
                        DriftKind::Changed => {
                            let names: Vec<&str> = drift.changes.iter().map(|c| c.name.as_str()).collect();
                            format!("changed: {}", names.join(", "))
                        }
                    };
                    rows.push(vec![name.clone(), drift.address.to_string(), what]);
                }
            }
            Err(e) => {
                rows.push(vec![name.clone(), "-".into(), format!("error: {}", e.lines().next().unwrap_or_default())])
            }
        }
        documents.push(match result {
            Ok(Some(plan)) => serde_json::json!({ "environment": name, "drift": plan.drift }),
            Ok(None) => serde_json::json!({ "environment": name, "drift": [], "applied": false }),
            Err(e) => serde_json::json!({ "environment": name, "error": e }),
        });
    }
    let header = ["environment", "resource", "what changed"];
    let shell = &base.shell;
    let drifted: Vec<&str> = results
        .iter()
        .filter(|(_, r)| r.as_ref().is_ok_and(|p| p.as_ref().is_some_and(|p| !p.drift.is_empty())))
        .map(|(n, _)| n.as_str())
        .collect();
    if args.json {
        let doc = serde_json::json!({ "environments": documents });
        shell.line(&serde_json::to_string_pretty(&doc).expect("JSON"));
    } else if args.markdown {
        let title =
            if drifted.is_empty() { "No drift".to_string() } else { format!("Drift in {}", drifted.join(", ")) };
        shell.out(&format!("## {title}\n\n{}", markdown_table(&header, &rows)));
    } else {
        shell.out(&format!("Estate drift: {} environments.\n\n{}", results.len(), table(&header, &rows)));
    }
    Ok(if results.iter().any(|(_, r)| r.is_err()) {
        1
    } else if !drifted.is_empty() {
        2
    } else {
        0
    })
}
