//! Apply progress as the user sees it: Terraform-style lines, with a live status line on a
//! terminal showing what is in flight.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Shell;
use crate::addr::Address;
use crate::apply::ops::OpKind;
use crate::apply::{Event, Progress};

/// Prints apply events through the shell.
pub struct Printer<'a> {
    shell: &'a Shell,
    bar: Option<ProgressBar>,
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
        let bar = shell.terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { shell, bar, in_flight: Mutex::new(BTreeMap::new()) }
    }

    fn print(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => self.shell.line(&line),
        }
    }

    fn update_status(&self) {
        if let Some(bar) = &self.bar {
            let in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            let names: Vec<String> = in_flight.keys().take(3).map(ToString::to_string).collect();
            let more = in_flight.len().saturating_sub(3);
            let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
            bar.set_message(format!("{} in progress: {}{tail}", in_flight.len(), names.join(", ")));
        }
    }

    /// Clears the status line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
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
            Event::StillRunning { address, kind, elapsed } => {
                self.print(format!("{address}: {} [{} elapsed]", verbs(kind).1, seconds(elapsed)));
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
