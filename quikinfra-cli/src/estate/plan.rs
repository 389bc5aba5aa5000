//! `estate plan`: every environment's plan, owners first, in one run; a summary table, then
//! each plan (text, `--markdown` for review, or one `--json` document); `--out DIR` saves one
//! plan per environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use quikinfra_core::jsonplan;
use quikinfra_core::ops::{self, OpsError};
use quikinfra_core::plan::{Plan, PlanOptions};
use quikinfra_core::render;

use super::{Defined, Selection, and_list, each, exit_code, markdown_table, outcome, table};
use crate::error::{CliError, CliResult};
use crate::session::{Session, target_for};

/// `estate plan`.
#[derive(Debug, Args)]
pub struct EstatePlanArgs {
    /// Which environments.
    #[command(flatten)]
    pub selection: Selection,
    /// One JSON document: every plan, in order.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Markdown for review (a pull-request comment): the table, then each plan.
    #[arg(long)]
    pub markdown: bool,
    /// Save each plan to DIR/<environment>.plan (`apply FILE` in that environment, or
    /// `estate apply DIR`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit 0 when nothing changes anywhere, 2 when something does, 1 on any error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// Plans `defined` level by level: a reader gets the plans of its owners planned in this run.
pub async fn plans(base: &Session, levels: &[Vec<Defined>], jobs: u16) -> Vec<(String, Result<Plan, OpsError>)> {
    let mut done: BTreeMap<String, Plan> = BTreeMap::new();
    let mut out = Vec::new();
    for level in levels {
        let results = each(level, jobs, |d| plan_one(base, d, &done)).await;
        for (d, result) in level.iter().zip(results) {
            if let Ok(plan) = &result {
                done.insert(d.name().to_string(), plan.clone());
            }
            out.push((d.position, d.name().to_string(), result));
        }
    }
    // Reported in the estate's own order.
    out.sort_by_key(|(position, _, _)| *position);
    out.into_iter().map(|(_, name, result)| (name, result)).collect()
}

async fn plan_one(base: &Session, d: &Defined, done: &BTreeMap<String, Plan>) -> Result<Plan, OpsError> {
    let pending = d.owners.iter().filter_map(|o| done.get(o).map(|p| (o.clone(), p.clone()))).collect();
    quietly(base, &d.session, pending).await
}

/// `session`'s environment planned silently on its own target under `base`'s flags, reading
/// `pending` owners' planned values: one member of an estate plan, or an owner planned for a
/// reader's plan ([`super::pending`]).
pub(crate) async fn quietly(
    base: &Session,
    session: &Session,
    pending: BTreeMap<String, Plan>,
) -> Result<Plan, OpsError> {
    let target = target_for(&base.global, session.plugins(), session.env(), &[], &session.shell, None)
        .map_err(|e| OpsError::Interaction(e.to_string()))?;
    let options = session.options(session.definition());
    let ws = session.workspace(session.env(), &target, &options);
    let opts = PlanOptions {
        parallelism: options.parallelism,
        placeholder_secrets: options.placeholder_secrets,
        pending,
        ..PlanOptions::default()
    };
    ops::plan(&ws, opts, &quikinfra_core::apply::SilentProgress).await
}

/// One summary row: environment, add, change, destroy, drift, result.
pub(crate) fn row(name: &str, result: &Result<Plan, OpsError>) -> Vec<String> {
    match result {
        Ok(plan) => {
            let s = plan.summary();
            let mut result = "ok".to_string();
            let pending = plan.pending_owners();
            if !pending.is_empty() {
                let verb = if pending.len() == 1 { "applies" } else { "apply" };
                result = format!("ok (after {} {verb})", and_list(pending));
            }
            vec![
                name.to_string(),
                s.add.to_string(),
                s.change.to_string(),
                s.destroy.to_string(),
                plan.drift.len().to_string(),
                result,
            ]
        }
        Err(_) => vec![name.to_string(), "-".into(), "-".into(), "-".into(), "-".into(), outcome(result)],
    }
}

const HEADER: &[&str] = &["environment", "add", "change", "destroy", "drift", "result"];

/// Runs `estate plan`.
pub async fn exec(base: &Session, levels: Vec<Vec<Defined>>, args: &EstatePlanArgs) -> CliResult {
    let results = plans(base, &levels, args.selection.jobs).await;
    let rows: Vec<Vec<String>> = results.iter().map(|(name, r)| row(name, r)).collect();
    let shell = &base.shell;
    if args.json {
        let environments: Vec<serde_json::Value> = results
            .iter()
            .map(|(name, r)| match r {
                Ok(plan) => serde_json::json!({
                    "environment": name,
                    "plan": serde_json::from_str::<serde_json::Value>(&jsonplan::to_json(plan)).expect("a plan document is JSON"),
                }),
                Err(e) => serde_json::json!({ "environment": name, "error": e.to_string() }),
            })
            .collect();
        let doc = serde_json::json!({ "format_version": quikinfra_core::plan::PLAN_FORMAT_VERSION, "environments": environments });
        shell.line(&serde_json::to_string_pretty(&doc).expect("JSON"));
    } else if args.markdown {
        shell.out(&format!("## Estate plan\n\n{}\n", markdown_table(HEADER, &rows)));
        for (name, r) in &results {
            match r {
                Ok(plan) => shell.out(&format!("{}\n", render::plan_markdown(plan))),
                Err(e) => shell.out(&format!("### **{name}**: error\n\n````\n{e}\n````\n\n")),
            }
        }
    } else {
        shell.out(&format!("Estate plan: {} environments, owners first.\n\n{}", results.len(), table(HEADER, &rows)));
        for (name, r) in &results {
            shell.line(&format!("\n=== {name} ===\n"));
            match r {
                Ok(plan) => shell.out(&render::plan_text(plan, &base.text())),
                Err(e) => shell.error(&e.to_string()),
            }
        }
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| CliError::msg(format!("{}: {e}", dir.display())))?;
        for (name, r) in &results {
            if let Ok(plan) = r {
                let path = dir.join(format!("{name}.plan"));
                std::fs::write(&path, jsonplan::to_saved(plan, base.cipher()))
                    .map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
            }
        }
        if !args.json {
            shell.line(&format!(
                "\nSaved the plans to {}. To apply exactly them: estate apply {}",
                dir.display(),
                dir.display()
            ));
        }
    }
    let any_error = results.iter().any(|(_, r)| r.is_err());
    let changed = results.iter().any(|(_, r)| r.as_ref().is_ok_and(|p| p.has_changes() || !p.drift.is_empty()));
    exit_code(any_error, changed, args.detailed_exitcode)
}
