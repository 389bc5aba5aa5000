//! `plan`: show what apply would change; `--out` saves it for `apply FILE`, `--json` prints the
//! documented JSON plan, `--detailed-exitcode` exits 2 when something would change. In an
//! estate, owners that have not applied yet are planned too and their planned values read
//! ([`pending`]).

use std::path::{Path, PathBuf};

use clap::Args;
use quikinfra_core::jsonplan;
use quikinfra_core::ops;
use quikinfra_core::plan::PlanMode;
use quikinfra_core::render;

use crate::args::PlanFlags;
use crate::error::{CliError, CliResult};
use crate::estate::pending;
use crate::printer::CliReporter;
use crate::session::{Definition, Session, Target};

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// What to plan.
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Save the plan to FILE; `apply FILE` applies exactly it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON (see docs/plan-json.md).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the plan as Markdown for review (a pull-request comment).
    #[arg(long)]
    pub markdown: bool,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// Plans `definition` and prints (and saves) the plan.
pub async fn exec(session: &Session, definition: Definition<'_>, args: &PlanArgs) -> CliResult {
    if let Some(out) = &args.out {
        refuse_state_files(out, &session.global.state_dir, definition.env.name())?;
    }
    let target = session.target(definition.env, args.json || args.markdown)?;
    run(session, definition, &target, args).await
}

/// Refuses a `--out` path among the state directory's own files: an environment's state, its
/// backup and lock (`<state-dir>/<environment>/…`) or the simulator's world (`<state-dir>/sim/`).
/// A saved plan must never overwrite them.
fn refuse_state_files(out: &Path, state_dir: &Path, environment: &str) -> Result<(), CliError> {
    let parent = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let (Ok(dir), Ok(root)) = (parent.canonicalize(), state_dir.canonicalize()) else { return Ok(()) };
    let Ok(inside) = dir.join(out.file_name().unwrap_or_default()).strip_prefix(&root).map(Path::to_path_buf) else {
        return Ok(());
    };
    let mut parts = inside.components();
    let (Some(first), Some(_)) = (parts.next(), parts.next()) else { return Ok(()) };
    let first = first.as_os_str();
    if first == "sim" || first == environment || root.join(first).join("state.json").exists() {
        return Err(CliError::msg(format!(
            "--out {}: that is among the state files under {}; save the plan elsewhere (nothing was planned or written)",
            out.display(),
            state_dir.display()
        )));
    }
    Ok(())
}

/// Like [`exec`], on a target already set up (a program's own command that read live objects
/// first).
pub async fn run(session: &Session, definition: Definition<'_>, target: &Target, args: &PlanArgs) -> CliResult {
    let options = session.options(definition);
    let ws = session.workspace(definition.env, target, &options);
    let mut opts = args.flags.options(options.parallelism, options.placeholder_secrets);
    if opts.mode == PlanMode::Normal {
        opts.pending = pending::owners_plans(session, definition.env).await?;
    }
    let reporter = CliReporter::new(session);
    let plan = ops::plan(&ws, opts, &reporter).await?;
    session.report_calls(target);
    if args.json {
        session.shell.out(&render::plan_json(&plan));
    } else if args.markdown {
        session.shell.out(&render::plan_markdown(&plan));
    } else {
        session.shell.out(&render::plan_text(&plan, &session.text()));
    }
    if let Some(path) = &args.out {
        let text = jsonplan::to_saved(&plan, session.cipher());
        std::fs::write(path, text).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
        if !args.json && !args.markdown {
            session.shell.line(&format!(
                "\nSaved the plan to {}. To apply exactly this plan, run: apply {}",
                path.display(),
                path.display()
            ));
        }
    }
    Ok(if args.detailed_exitcode && (plan.has_changes() || !plan.drift.is_empty()) { 2 } else { 0 })
}
