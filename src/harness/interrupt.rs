//! SIGINT and SIGTERM during a run. Without handlers either signal kills the process and every
//! report, the request log and the summary are lost: a cancelled CI job leaves nothing behind.
//! With them, the first signal stops the sending (the client's [`StopSwitch`]), the requests in
//! flight get at most min(`--timeout`, 5 s) to finish, and the run then ends normally with what
//! completed: every report written and marked `interrupted`, exit 130 or 143. A second signal
//! skips the rest of the wait.

use crate::client::StopSwitch;
use crate::exit::StopSignal;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The longest the requests in flight may take to finish once the run is interrupted: long
/// enough for an answer already on its way, short enough for a CI runner's kill timeout.
pub const MAX_GRACE: Duration = Duration::from_secs(5);

/// Signal handlers installed for one run.
#[derive(Debug)]
pub struct Interrupt {
    switch: StopSwitch,
    caught: Arc<OnceLock<StopSignal>>,
    listener: tokio::task::JoinHandle<()>,
}

impl Interrupt {
    /// Installs the handlers on `runtime` (from here on the signals no longer kill the process)
    /// and returns the switch to give the client. `timeout` is the run's per-request timeout.
    pub fn install(runtime: &tokio::runtime::Runtime, timeout: Duration) -> std::io::Result<Self> {
        let switch = StopSwitch::default();
        let caught = Arc::new(OnceLock::new());
        let _entered = runtime.enter();
        let mut signals = Signals::install()?;
        let grace = timeout.min(MAX_GRACE);
        let listener = {
            let (switch, caught) = (switch.clone(), Arc::clone(&caught));
            runtime.spawn(async move {
                let signal = signals.next().await;
                let _ = caught.set(signal);
                switch.stop(&format!("the run was interrupted ({})", signal.name()));
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
            listener,
        })
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
