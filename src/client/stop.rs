//! Stopping a run's traffic from outside the trials: after [`StopSwitch::stop`] no request is
//! sent any more (nor retried, nor kept waiting for its rate-limit slot), while those already in
//! flight may still finish; after [`StopSwitch::abandon`] those give up too. The harness flips it
//! on SIGINT or SIGTERM, so an interrupted run ends quickly with what it has.
//!
//! A request the switch turned away ends as a [`TransportKind::Interrupted`] error: not an
//! answer, not a problem of the target, and not counted as sent.

use super::transport::{TransportError, TransportKind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::watch;

/// How far the stop has gone; later phases include the earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Running,
    Stopping,
    Abandoning,
}

/// A switch shared by a client and whoever may stop it. Cloning shares it.
#[derive(Debug, Clone)]
pub struct StopSwitch {
    phase: Arc<watch::Sender<Phase>>,
    reason: Arc<OnceLock<String>>,
    not_sent: Arc<AtomicU64>,
    abandoned: Arc<AtomicU64>,
}

impl Default for StopSwitch {
    fn default() -> Self {
        StopSwitch {
            phase: Arc::new(watch::Sender::new(Phase::Running)),
            reason: Arc::new(OnceLock::new()),
            not_sent: Arc::new(AtomicU64::new(0)),
            abandoned: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl StopSwitch {
    /// Sends nothing more; `reason` (the first one given) ends up in every refusal's message.
    pub fn stop(&self, reason: &str) {
        let _ = self.reason.set(reason.to_string());
        self.advance(Phase::Stopping);
    }

    /// Also gives up on the requests in flight (the grace after [`StopSwitch::stop`] is over).
    pub fn abandon(&self) {
        self.advance(Phase::Abandoning);
    }

    /// Whether [`StopSwitch::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.phase.borrow() >= Phase::Stopping
    }

    /// Why the run was stopped, once it was.
    pub fn reason(&self) -> Option<&str> {
        self.reason.get().map(String::as_str)
    }

    /// Requests turned away before they were sent.
    pub fn not_sent(&self) -> u64 {
        self.not_sent.load(Ordering::Relaxed)
    }

    /// Requests in flight given up at the end of the grace.
    pub fn abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }

    fn advance(&self, to: Phase) {
        self.phase.send_if_modified(|phase| {
            let later = to > *phase;
            if later {
                *phase = to;
            }
            later
        });
    }

    /// Resolves once the switch reaches `phase` (at once if it already has).
    async fn reached(&self, phase: Phase) {
        let mut receiver = self.phase.subscribe();
        // The sender lives as long as `self`, so this cannot fail while anyone awaits it.
        let _ = receiver.wait_for(|p| *p >= phase).await;
    }

    /// Resolves once no request may be sent any more.
    pub(super) async fn stopped(&self) {
        self.reached(Phase::Stopping).await;
    }

    /// Resolves once the requests in flight are to be given up.
    pub(super) async fn abandoning(&self) {
        self.reached(Phase::Abandoning).await;
    }

    /// The error of a request turned away before it was sent (and counts it).
    pub(super) fn refusal(&self) -> TransportError {
        self.not_sent.fetch_add(1, Ordering::Relaxed);
        TransportError {
            kind: TransportKind::Interrupted,
            message: format!(
                "not sent: {}",
                self.reason().unwrap_or("the run was stopped")
            ),
            status: None,
        }
    }

    /// The error of a request in flight given up at the end of the grace (and counts it).
    pub(super) fn given_up(&self) -> TransportError {
        self.abandoned.fetch_add(1, Ordering::Relaxed);
        TransportError {
            kind: TransportKind::Interrupted,
            message: format!(
                "given up in flight: {}",
                self.reason().unwrap_or("the run was stopped")
            ),
            status: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn phases_only_advance_and_waiters_wake() {
        let switch = StopSwitch::default();
        assert!(!switch.is_stopped());
        let waiter = {
            let switch = switch.clone();
            tokio::spawn(async move { switch.abandoning().await })
        };
        switch.stop("the run was interrupted (SIGINT)");
        switch.stop("a second reason is ignored");
        assert!(switch.is_stopped());
        switch.stopped().await;
        switch.abandon();
        waiter.await.unwrap();
        assert_eq!(switch.reason(), Some("the run was interrupted (SIGINT)"));
        assert!(switch.refusal().message.contains("(SIGINT)"));
        assert_eq!((switch.not_sent(), switch.abandoned()), (1, 0));
    }
}
