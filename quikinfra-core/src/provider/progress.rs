//! What a provider says of a long operation while it runs: "certificate … PENDING_VALIDATION,
//! waiting for ISSUED".
//!
//! The apply executor runs each operation inside a [`Status`] of its own ([`Status::scope`]);
//! a provider waiting on something slow calls [`report`] whenever it learns more, and the
//! executor's periodic "still running" events carry the latest report as their detail. Outside an
//! operation (a plan's refresh, a test calling a provider directly) a report goes nowhere.

use std::future::Future;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static CURRENT: Status;
}

/// The latest report of one running operation.
#[derive(Clone, Debug, Default)]
pub struct Status(Arc<Mutex<Option<String>>>);

impl Status {
    /// The latest report, if any.
    pub fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs `operation` with this as the status [`report`] writes to.
    pub async fn scope<F: Future>(self, operation: F) -> F::Output {
        CURRENT.scope(self, operation).await
    }
}

/// Says what the running operation waits for; the next "still running" line shows it.
pub fn report(text: impl Into<String>) {
    let text = text.into();
    let _ = CURRENT.try_with(|status| *status.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reports_reach_the_status_of_the_operation_they_run_in_only() {
        report("nobody listens");
        let (a, b) = (Status::default(), Status::default());
        a.clone().scope(async { report("certificate PENDING_VALIDATION, waiting for ISSUED") }).await;
        b.clone().scope(async {}).await;
        assert_eq!(a.get().as_deref(), Some("certificate PENDING_VALIDATION, waiting for ISSUED"));
        assert_eq!(b.get(), None);
    }
}
