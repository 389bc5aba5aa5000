//! Interrupts. Ctrl-C is caught for the whole run: while an apply executes, the first one
//! stops new operations (those in flight finish and state is saved) and the second exits at
//! once; at any other moment (planning, at the confirmation prompt) the run ends at once. Every
//! way out releases the state locks the run holds first, so no lock outlives an interrupted
//! run, and exits with 130.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use quikinfra_core::ops::HeldLocks;
use quikinfra_core::ops::lock::RELEASE_TIMEOUT;
use tokio::sync::watch;

/// Ctrl-C handling for one run.
pub struct Interrupts {
    stop: watch::Sender<bool>,
    applying: Arc<AtomicBool>,
    held: Arc<HeldLocks>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Interrupts {
    /// Not catching anything yet; locks the run takes are registered in `held`.
    pub fn new(held: Arc<HeldLocks>) -> Self {
        Self {
            stop: watch::channel(false).0,
            applying: Arc::new(AtomicBool::new(false)),
            held,
            task: std::sync::Mutex::new(None),
        }
    }

    /// What an apply watches to stop scheduling.
    pub fn receiver(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// The locks this run holds.
    pub fn held(&self) -> &Arc<HeldLocks> {
        &self.held
    }

    /// Starts catching Ctrl-C (from a runtime thread); calling it again does nothing.
    pub fn watch(&self) {
        let mut task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        if task.is_some() {
            return;
        }
        let (stop, applying, held) = (self.stop.clone(), self.applying.clone(), self.held.clone());
        *task = Some(tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            if applying.load(Ordering::SeqCst) {
                eprintln!(
                    "\nInterrupt received: no new operations will start; waiting for those in flight, then saving state. Press Ctrl-C again to exit at once."
                );
                let _ = stop.send(true);
                if tokio::signal::ctrl_c().await.is_err() {
                    return;
                }
                eprintln!("\nSecond interrupt: exiting now. State holds every operation completed so far.");
            } else {
                eprintln!("\nInterrupted: nothing was changed.");
            }
            let _ = tokio::time::timeout(RELEASE_TIMEOUT, held.release_all()).await;
            std::process::exit(130);
        }));
    }

    /// An apply starts executing: the first Ctrl-C now stops it gracefully.
    pub fn arm(&self) {
        self.watch();
        self.applying.store(true, Ordering::SeqCst);
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
    }
}
