//! `apply [FILE]`: converge to the definition (the plan shown and approved first), or apply
//! exactly a saved plan, refused when stale.

use std::path::{Path, PathBuf};

use clap::Args;
use quikinfra_core::apply::ApplyReport;
use quikinfra_core::jsonplan;
use quikinfra_core::ops::{self, ApplyRequest};
use quikinfra_core::plan::Plan;
use quikinfra_core::state::State;

use crate::args::PlanFlags;
use crate::error::{CliError, CliResult};
use crate::printer::CliReporter;
use crate::session::{Definition, Session, Target};

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`; applied exactly, refused when stale.
    pub plan_file: Option<PathBuf>,
    /// What to plan, when no plan file is given.
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
}

/// Applies a fresh plan of `definition`, or the saved one.
pub async fn exec(session: &Session, definition: Definition<'_>, args: &ApplyArgs) -> CliResult {
    let saved = match &args.plan_file {
        Some(path) => {
            if args.flags.any_set() {
                return Err(CliError::msg(
                    "a saved plan is applied exactly as it was made: --target, --exclude, --replace, --refresh, --destroy and --refresh-only cannot be given with a plan file (make a new plan with them instead)",
                ));
            }
            Some(load_plan(path, session)?)
        }
        None => None,
    };
    let target = session.target(definition.env, false)?;
    converge(session, definition, &target, &args.flags, saved, args.auto_approve).await
}

/// Plans with `flags` (or takes `saved`), shows, asks unless `auto_approve`, applies and
/// summarizes, on `target`.
pub async fn converge(
    session: &Session,
    definition: Definition<'_>,
    target: &Target,
    flags: &PlanFlags,
    saved: Option<Plan>,
    auto_approve: bool,
) -> CliResult {
    let options = session.options(definition);
    let ws = session.workspace(definition.env, target, &options);
    let request = ApplyRequest {
        saved,
        plan: flags.options(options.parallelism, options.placeholder_secrets),
        stop: Some(session.interrupts().receiver()),
    };
    if request.saved.is_some() {
        session.interrupts().arm();
    }
    let mut reporter = CliReporter::new(session);
    reporter.auto_approve = auto_approve;
    let result = ops::apply(&ws, request, &reporter).await;
    reporter.finish();
    session.report_calls(target);
    let Some(report) = result? else { return Ok(0) };
    Ok(summarize(session, &report, flags.destroy))
}

/// Reads a saved plan; the file is never modified.
fn load_plan(path: &Path, session: &Session) -> Result<Plan, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))?;
    jsonplan::from_saved(&bytes, session.cipher()).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))
}

/// Prints the outcome; the exit code is 0 only when every operation succeeded.
fn summarize(session: &Session, report: &ApplyReport, destroy: bool) -> i32 {
    let shell = &session.shell;
    let counts = if destroy {
        format!("Resources: {} destroyed.", report.destroyed)
    } else {
        format!("Resources: {} added, {} changed, {} destroyed.", report.added, report.changed, report.destroyed)
    };
    if report.succeeded() {
        let done = shell.bold(if destroy { "Destroy complete!" } else { "Apply complete!" });
        shell.line(&format!("\n{done} {counts}"));
        print_outputs(session, &report.state);
        return 0;
    }
    if report.interrupted {
        shell.error(&format!("apply interrupted; state was saved. {counts}"));
    }
    // Resources failing the same way (missing credentials, say) are named together.
    let mut by_message: Vec<(&str, Vec<String>)> = Vec::new();
    for f in &report.failures {
        match by_message.iter_mut().find(|(m, _)| *m == f.message) {
            Some((_, addresses)) => addresses.push(f.address.to_string()),
            None => by_message.push((&f.message, vec![f.address.to_string()])),
        }
    }
    for (message, addresses) in by_message {
        shell.error(&format!("{}: {message}", addresses.join(", ")));
    }
    if !report.not_started.is_empty() {
        shell.err_line(&format!(
            "{} operation(s) were not started; state was saved, run plan again to see what remains. {counts}",
            report.not_started.len()
        ));
    }
    1
}

/// Prints the outputs recorded in `state`, if any.
pub(crate) fn print_outputs(session: &Session, state: &State) {
    if state.outputs.is_empty() {
        return;
    }
    session.shell.line("\nOutputs:\n");
    let width = state.outputs.keys().map(String::len).max().unwrap_or(0);
    for (name, value) in &state.outputs {
        session.shell.line(&format!("{name:width$} = {}", quikinfra_core::render::value_text(value)));
    }
}
