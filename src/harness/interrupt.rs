//! SIGINT and SIGTERM during a run. Without handlers either signal kills the process and every
//! report, the request log and the summary are lost: a cancelled CI job leaves nothing behind.
//! With them, the first signal stops the sending (the client's [`StopSwitch`]), the requests in
//! flight get at most min(`--timeout`, 5 s) to finish, and the run then ends normally with what
//! completed: every report written and marked `interrupted`, exit 130 or 143. A second signal
//! skips the rest of the wait. The handlers are the first thing a run sets up ([`RunStart`]),
//! so a signal during its preparation (config, schemas, baseline, the mock's start) stops it the
//! same way: nothing is sent, and the reports say so.

use crate::client::StopSwitch;
use crate::exit::{ExitError, StopSignal};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The longest the requests in flight may take to finish once the run is interrupted: long
/// enough for an answer already on its way, short enough for a CI runner's kill timeout.
pub const MAX_GRACE: Duration = Duration::from_secs(5);

/// The start of a run: its async runtime, with the signal handlers already installed. `run`
/// and `migrate` make it before anything else (before the config file, the schemas or the
/// baseline are read), so a signal at any moment of a run ends in the reports, marked
/// interrupted, never in a process killed with nothing written (the handlers used to come after
/// about 20 ms of preparation, and a cancelled CI job in that window left no report).
#[derive(Debug)]
pub struct RunStart {
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) interrupt: Interrupt,
}

impl RunStart {
    /// Builds the runtime and installs the handlers: from here on SIGINT and SIGTERM no longer
    /// kill the process.
    pub fn begin() -> Result<Self, ExitError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(worker_threads())
            .enable_all()
            .build()
            .map_err(|e| {
                ExitError::Usage(anyhow::anyhow!("failed to start the async runtime: {e}"))
            })?;
        let interrupt = Interrupt::install(&runtime).map_err(|e| {
            ExitError::Usage(anyhow::anyhow!("failed to install signal handlers: {e}"))
        })?;
        Ok(RunStart { runtime, interrupt })
    }
}

/// Worker threads of a run's runtime: one a core, and at least two (the CI machines have two).
/// Trials run on these workers (beside the embedded mock), so they bound a run's parallelism.
fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// Signal handlers installed for one run.
#[derive(Debug)]
pub struct Interrupt {
    switch: StopSwitch,
    caught: Arc<OnceLock<StopSignal>>,
    /// The grace of the requests in flight, in milliseconds: [`MAX_GRACE`] until the run's
    /// `--timeout` is known ([`Interrupt::set_timeout`]), since the handlers come first.
    grace_ms: Arc<AtomicU64>,
    listener: tokio::task::JoinHandle<()>,
}

impl Interrupt {
    /// Installs the handlers on `runtime` (from here on the signals no longer kill the process).
    fn install(runtime: &tokio::runtime::Runtime) -> std::io::Result<Self> {
        let switch = StopSwitch::default();
        let caught = Arc::new(OnceLock::new());
        let grace_ms = Arc::new(AtomicU64::new(MAX_GRACE.as_millis() as u64));
        let _entered = runtime.enter();
        let mut signals = Signals::install()?;
        let listener = {
            let (switch, caught, grace_ms) =
                (switch.clone(), Arc::clone(&caught), Arc::clone(&grace_ms));
            runtime.spawn(async move {
                let signal = signals.next().await;
                let _ = caught.set(signal);
                switch.stop(&format!("the run was interrupted ({})", signal.name()));
                let grace = Duration::from_millis(grace_ms.load(Ordering::Relaxed));
                eprintln!(
                    "\n{}: sending no more requests; waiting at most {} s for those in flight, then writing the reports (send it again to stop waiting)",
                    signal.name(),
                    grace.as_secs_f32()
                );
                tokio::select! {
                    () = tokio::time::sleep(grace) => {}
                    _ = signals.next() => {}
                }
                switch.abandon();
            })
        };
        Ok(Interrupt {
            switch,
            caught,
            grace_ms,
            listener,
        })
    }

    /// Sets the grace from the run's per-request `timeout`: min(`timeout`, [`MAX_GRACE`]).
    pub fn set_timeout(&self, timeout: Duration) {
        let grace = timeout.min(MAX_GRACE).as_millis() as u64;
        self.grace_ms.store(grace, Ordering::Relaxed);
    }

    /// The switch the run's client obeys.
    pub fn switch(&self) -> StopSwitch {
        self.switch.clone()
    }

    /// The signal that stopped the run, if one did.
    pub fn caught(&self) -> Option<StopSignal> {
        self.caught.get().copied()
    }

    /// Ends the handling: the trials are over, so a signal from now on changes nothing (the
    /// reports are about to be written from complete results). Returns the signal that stopped
    /// the run, if one did.
    pub fn finish(self) -> Option<StopSignal> {
        self.listener.abort();
        self.caught()
    }
}

/// The two signals, as one stream.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Must run inside the runtime.
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal (Ctrl-C, reported as SIGINT, where there are no Unix signals).
    async fn next(&mut self) -> StopSignal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => StopSignal::Interrupt,
                _ = self.terminate.recv() => StopSignal::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            StopSignal::Interrupt
        }
    }
}
