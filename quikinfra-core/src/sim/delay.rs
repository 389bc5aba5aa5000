//! Precise delays for the simulator's injected latency.
//!
//! The tokio timer counts in whole milliseconds and rounds every deadline up, so a sleep of
//! 20 ms takes 20 to 22 and a chain of them drifts by a tick per call; a real service's
//! latency is not rounded to ticks. [`wait`] leaves all but the last [`FINE_WAIT`] of a delay
//! to the tokio timer and the rest to one shared thread that sleeps until the earliest
//! deadline it holds (a condition variable's timed wait: tens of microseconds late at most)
//! and wakes every task whose deadline has passed. One thread for every delay in the process:
//! sixty calls ending together cost one wake-up, not sixty threads, and the runtime's own
//! threads never block.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// The part of a delay left to the fine timer rather than the tokio timer.
const FINE_WAIT: Duration = Duration::from_millis(2);

/// Waits `latency` from now, to within a fraction of a millisecond.
pub(crate) async fn wait(latency: Duration) {
    let deadline = Instant::now() + latency;
    let coarse = latency.saturating_sub(FINE_WAIT);
    if !coarse.is_zero() {
        tokio::time::sleep(coarse).await;
    }
    if Instant::now() < deadline {
        Until { deadline, slot: None }.await;
    }
}

/// What a waiting task and the timer thread share.
struct Slot {
    done: AtomicBool,
    waker: Mutex<Waker>,
}

/// A deadline held by the timer thread, earliest first.
struct Pending {
    deadline: Instant,
    slot: Arc<Slot>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.deadline == other.deadline
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.deadline.cmp(&other.deadline)
    }
}

/// The timer thread's queue and the signal that a new deadline arrived.
struct FineTimer {
    queue: Mutex<BinaryHeap<Reverse<Pending>>>,
    arrived: Condvar,
}

impl FineTimer {
    /// The process's timer, its thread started on first use.
    fn shared() -> &'static FineTimer {
        static TIMER: OnceLock<&'static FineTimer> = OnceLock::new();
        TIMER.get_or_init(|| {
            let timer: &'static FineTimer =
                Box::leak(Box::new(FineTimer { queue: Mutex::new(BinaryHeap::new()), arrived: Condvar::new() }));
            std::thread::Builder::new()
                .name("quikinfra-sim-delay".into())
                .spawn(move || timer.run())
                .expect("the simulator's delay thread starts");
            timer
        })
    }

    fn add(&self, pending: Pending) {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).push(Reverse(pending));
        self.arrived.notify_one();
    }

    /// Sleeps until the earliest deadline, wakes everything due, forever.
    fn run(&self) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = Instant::now();
            while queue.peek().is_some_and(|Reverse(p)| p.deadline <= now) {
                let Reverse(due) = queue.pop().expect("peeked");
                due.slot.done.store(true, Ordering::Release);
                due.slot.waker.lock().unwrap_or_else(PoisonError::into_inner).wake_by_ref();
            }
            queue = match queue.peek().map(|Reverse(p)| p.deadline) {
                Some(next) => self.arrived.wait_timeout(queue, next - now).unwrap_or_else(PoisonError::into_inner).0,
                None => self.arrived.wait(queue).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// Ready once `deadline` has passed, as the timer thread says.
struct Until {
    deadline: Instant,
    slot: Option<Arc<Slot>>,
}

impl Future for Until {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.slot {
            Some(slot) if slot.done.load(Ordering::Acquire) => Poll::Ready(()),
            Some(slot) => {
                // The task may have moved since the last poll: the timer wakes the current one.
                slot.waker.lock().unwrap_or_else(PoisonError::into_inner).clone_from(cx.waker());
                if slot.done.load(Ordering::Acquire) { Poll::Ready(()) } else { Poll::Pending }
            }
            None if Instant::now() >= self.deadline => Poll::Ready(()),
            None => {
                let slot = Arc::new(Slot { done: AtomicBool::new(false), waker: Mutex::new(cx.waker().clone()) });
                FineTimer::shared().add(Pending { deadline: self.deadline, slot: slot.clone() });
                self.slot = Some(slot);
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_lasts_at_least_its_latency_and_many_end_together() {
        let start = Instant::now();
        wait(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5), "{:?}", start.elapsed());
        // Waits of different lengths, all at once, each end no earlier than asked.
        let started = Instant::now();
        let ends = futures_util::future::join_all((1..=20u64).map(|i| async move {
            wait(Duration::from_micros(300 * i)).await;
            (i, started.elapsed())
        }))
        .await;
        for (i, took) in ends {
            assert!(took >= Duration::from_micros(300 * i), "wait {i} ended after {took:?}");
        }
    }
}
