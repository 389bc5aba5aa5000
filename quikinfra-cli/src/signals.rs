//! Interrupts during an apply: the first Ctrl-C stops new operations (those in flight finish
//! and state is saved), the second exits at once with 130.

use tokio::sync::watch;

/// Catches Ctrl-C for as long as it lives, once armed.
pub struct Interrupts {
    stop: watch::Sender<bool>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Interrupts {
    /// Not catching anything yet.
    pub fn new() -> Self {
        Self { stop: watch::channel(false).0, task: std::sync::Mutex::new(None) }
    }

    /// What an apply watches to stop scheduling.
    pub fn receiver(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Starts catching Ctrl-C (from a runtime thread). Arming twice is harmless.
    pub fn arm(&self) {
        let mut task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        if task.is_some() {
            return;
        }
        let stop = self.stop.clone();
        *task = Some(tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\nInterrupt received: no new operations will start; waiting for those in flight, then saving state. Press Ctrl-C again to exit at once."
                );
                let _ = stop.send(true);
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("\nSecond interrupt: exiting now. State holds every operation completed so far.");
                    std::process::exit(130);
                }
            }
        }));
    }
}

impl Default for Interrupts {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
    }
}
