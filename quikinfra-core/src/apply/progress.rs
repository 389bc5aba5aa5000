//! Apply progress events, and the trait that receives them.
//!
//! The executor reports what it starts, finishes and fails, and what is still running, as
//! [`Event`]s; the CLI turns them into lines (or a live display on a terminal). The executor
//! never prints.

use std::time::Duration;

use crate::addr::Address;

use super::ops::OpKind;

/// Something that happened during an apply.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// An operation started.
    Started {
        /// The resource.
        address: Address,
        /// What is being done.
        kind: OpKind,
        /// Whether it concerns a deposed object.
        deposed: bool,
    },
    /// An operation is still running (every `still_running_every`).
    StillRunning {
        /// The resource.
        address: Address,
        /// What is being done.
        kind: OpKind,
        /// Since when.
        elapsed: Duration,
        /// What the provider last said it waits for (`provider::progress::report`).
        detail: Option<String>,
    },
    /// An operation finished.
    Finished {
        /// The resource.
        address: Address,
        /// What was done.
        kind: OpKind,
        /// The object's id afterwards, when it exists.
        id: Option<String>,
        /// How long it took.
        elapsed: Duration,
    },
    /// An operation failed.
    Failed {
        /// The resource.
        address: Address,
        /// What was attempted.
        kind: OpKind,
        /// The provider's message.
        message: String,
        /// How long it took.
        elapsed: Duration,
    },
}

/// Receives apply events.
pub trait Progress: Send + Sync {
    /// Called for every event, in the order they happen.
    fn event(&self, event: Event);
}

/// Ignores every event.
pub struct SilentProgress;

impl Progress for SilentProgress {
    fn event(&self, _event: Event) {}
}

impl<F: Fn(Event) + Send + Sync> Progress for F {
    fn event(&self, event: Event) {
        self(event)
    }
}
