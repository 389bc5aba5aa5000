//! Apply progress as the user sees it: Terraform-style lines, with a live status line on a
//! terminal showing what is in flight; and [`CliReporter`], what an operation shows and asks
//! through the command line (recovery notes, the plan before approval, the confirmation).

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use quikinfra_core::addr::Address;
use quikinfra_core::apply::ops::OpKind;
use quikinfra_core::apply::{Event, Progress};

use quikinfra_core::apply::recover::Recovery;
use quikinfra_core::ops::{OpsError, Reporter};
use quikinfra_core::plan::Plan;
use quikinfra_core::render;
use quikinfra_core::state::{LockInfo, StateError};

use crate::session::Session;
use crate::shell::Shell;

/// Prints apply events through the shell.
pub struct Printer<'a> {
    shell: &'a Shell,
    /// Drawn from the first event on, on a terminal (not while planning or asking).
    bar: OnceLock<Option<ProgressBar>>,
    in_flight: Mutex<BTreeMap<Address, OpKind>>,
}

fn verbs(kind: OpKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        OpKind::Apply => ("Applying...", "Still applying...", "Apply complete"),
        OpKind::Destroy => ("Destroying...", "Still destroying...", "Destruction complete"),
        OpKind::Refresh => ("Refreshing state...", "Still refreshing...", "Refresh complete"),
    }
}

fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

impl<'a> Printer<'a> {
    /// A printer; on a terminal it also draws a status line of operations in flight.
    pub fn new(shell: &'a Shell) -> Self {
        Self { shell, bar: OnceLock::new(), in_flight: Mutex::new(BTreeMap::new()) }
    }

    fn bar(&self) -> Option<&ProgressBar> {
        self.bar
            .get_or_init(|| {
                self.shell.terminal.then(|| {
                    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
                    bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"));
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                })
            })
            .as_ref()
    }

    fn print(&self, line: String) {
        match self.bar() {
            Some(bar) => bar.println(line),
            None => self.shell.line(&line),
        }
    }

    fn update_status(&self) {
        if let Some(bar) = self.bar() {
            let in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            let names: Vec<String> = in_flight.keys().take(3).map(ToString::to_string).collect();
            let more = in_flight.len().saturating_sub(3);
            let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
            bar.set_message(format!("{} in progress: {}{tail}", in_flight.len(), names.join(", ")));
        }
    }

    /// Clears the status line.
    pub fn finish(&self) {
        if let Some(Some(bar)) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Printer<'_> {
    fn event(&self, event: Event) {
        match event {
            Event::Started { address, kind, deposed } => {
                let what = if deposed { format!("{address} (deposed object)") } else { address.to_string() };
                self.print(format!("{what}: {}", verbs(kind).0));
                self.in_flight.lock().unwrap_or_else(|e| e.into_inner()).insert(address, kind);
            }
            Event::StillRunning { address, kind, elapsed, detail } => {
                let detail = detail.map(|d| format!(": {d}")).unwrap_or_default();
                self.print(format!("{address}: {} [{} elapsed]{detail}", verbs(kind).1, seconds(elapsed)));
            }
            Event::Finished { address, kind, id, elapsed } => {
                let id = match (kind, id) {
                    (OpKind::Apply, Some(id)) => format!(" [id={id}]"),
                    _ => String::new(),
                };
                self.print(format!("{address}: {} after {}{id}", verbs(kind).2, seconds(elapsed)));
                self.in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&address);
            }
            Event::Failed { address, kind, message, elapsed } => {
                let verb = match kind {
                    OpKind::Apply => "apply",
                    OpKind::Destroy => "destroy",
                    OpKind::Refresh => "refresh",
                };
                self.print(format!("{address}: {verb} failed after {}: {message}", seconds(elapsed)));
                self.in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&address);
            }
        }
        self.update_status();
    }
}

/// What an operation shows and asks through the command line.
pub struct CliReporter<'a> {
    session: &'a Session,
    printer: Printer<'a>,
    /// Print a fresh plan before approving it.
    pub show_plan: bool,
    /// Approve without asking (`--auto-approve`).
    pub auto_approve: bool,
}

impl<'a> CliReporter<'a> {
    /// A reporter printing through `session`'s shell; shows plans, asks before applying.
    pub fn new(session: &'a Session) -> Self {
        Self { session, printer: Printer::new(&session.shell), show_plan: true, auto_approve: false }
    }

    /// Clears the status line.
    pub fn finish(&self) {
        self.printer.finish();
    }
}

impl Progress for CliReporter<'_> {
    fn event(&self, event: Event) {
        self.printer.event(event);
    }
}

impl Reporter for CliReporter<'_> {
    fn recovered(&self, recovered: &[Recovery]) {
        let shell = &self.session.shell;
        shell.err_line(&format!("Recovering {} operation(s) an interrupted apply left unfinished:", recovered.len()));
        for r in recovered {
            shell.err_line(&format!("  - {r}"));
        }
    }

    fn lock_taken_over(&self, previous: &LockInfo) {
        self.session.shell.err_line(&format!(
            "Note: the state lock held by {} for `{}` since {} was left by a process of this host that no longer runs; taking it over",
            previous.holder, previous.operation, previous.created
        ));
    }

    fn unlock_failed(&self, error: &StateError) {
        self.session.shell.error(&format!("releasing the state lock: {error}"));
    }

    fn planned(&self, plan: &Plan) {
        if self.show_plan {
            self.session.shell.out(&render::plan_text(plan, &self.session.text()));
        }
    }

    fn approve(&self, plan: &Plan) -> Result<bool, OpsError> {
        let yes = self.auto_approve || self.session.confirm(plan)?;
        if yes {
            self.session.interrupts().arm();
        }
        Ok(yes)
    }
}
