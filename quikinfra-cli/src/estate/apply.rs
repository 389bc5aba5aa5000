//! `estate apply [DIR]`: every environment applied in order, owners first, each under its own
//! lock and with its own progress; a reader whose owner's apply failed is not started. With
//! `DIR`, exactly the plans `estate plan --out DIR` saved, each refused when stale.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;
use quikinfra_core::jsonplan;

use super::{Defined, Selection, exit_code, table};
use crate::args::PlanFlags;
use crate::commands::apply::converge;
use crate::error::{CliError, CliResult};
use crate::session::Session;

/// `estate apply`.
#[derive(Debug, Args)]
pub struct EstateApplyArgs {
    /// Plans saved by `estate plan --out DIR`: applied exactly, each refused when stale.
    pub dir: Option<PathBuf>,
    /// Which environments.
    #[command(flatten)]
    pub selection: Selection,
    /// Do not ask for confirmation (once per environment otherwise).
    #[arg(long)]
    pub auto_approve: bool,
}

/// Runs `estate apply`.
pub async fn exec(base: &Session, levels: Vec<Vec<Defined>>, args: &EstateApplyArgs) -> CliResult {
    let shell = &base.shell;
    let mut failed: BTreeSet<String> = BTreeSet::new();
    let mut rows = Vec::new();
    // Level by level (owners first), each level in the estate's order.
    for d in levels.iter().flatten() {
        let name = d.name().to_string();
        if let Some(owner) = d.owners.iter().find(|o| failed.contains(*o)) {
            rows.push(vec![name.clone(), format!("not started: `{owner}` failed")]);
            failed.insert(name);
            continue;
        }
        shell.line(&format!("\n=== {name} ===\n"));
        let saved = match &args.dir {
            None => None,
            Some(dir) => {
                let path = dir.join(format!("{name}.plan"));
                if !path.exists() {
                    rows.push(vec![name.clone(), format!("skipped: no saved plan {}", path.display())]);
                    continue;
                }
                let bytes = std::fs::read(&path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
                match jsonplan::from_saved(&bytes, base.cipher()) {
                    Ok(plan) => Some(plan),
                    Err(e) => {
                        shell.error(&format!("{}: {e}", path.display()));
                        rows.push(vec![name.clone(), "error: unreadable plan".into()]);
                        failed.insert(name);
                        continue;
                    }
                }
            }
        };
        let session = &d.session;
        let result = match session.target(session.env(), false) {
            Ok(target) => {
                converge(
                    session,
                    session.definition(),
                    &target,
                    &PlanFlags::scoped(Default::default()),
                    saved,
                    args.auto_approve,
                )
                .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(0) => rows.push(vec![name, "applied".into()]),
            Ok(code) => {
                rows.push(vec![name.clone(), format!("failed (exit {code})")]);
                failed.insert(name);
            }
            Err(e) => {
                shell.error(&format!("{name}: {e}"));
                let text = e.to_string();
                rows.push(vec![name.clone(), format!("error: {}", text.lines().next().unwrap_or_default())]);
                failed.insert(name);
            }
        }
    }
    shell.out(&format!("\nEstate apply:\n\n{}", table(&["environment", "result"], &rows)));
    exit_code(!failed.is_empty(), false, false)
}
