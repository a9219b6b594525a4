//! Running the mock on a socket: a handle for tests and `run` (ephemeral loopback port, stopped
//! on drop) and the foreground `serve` loop that stops on SIGINT or SIGTERM.

use super::routes::{app, MockState};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A mock running in the background of the current tokio runtime.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Binds `addr` (use `127.0.0.1:0` for an ephemeral port) and starts serving.
    pub async fn start(state: Arc<MockState>, addr: SocketAddr) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(error) = axum::serve(listener, app(state))
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(%error, "mock server stopped with an error");
            }
        });
        Ok(MockServer {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Binds `addr` and serves a transport fault on every connection instead of the mock.
    pub async fn start_fault(fault: super::Fault, addr: SocketAddr) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(super::serve_fault(listener, fault, async {
            let _ = rx.await;
        }));
        Ok(MockServer {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// SIGINT and SIGTERM handlers, installed before the mock announces itself so a signal sent
/// right after the banner stops it cleanly instead of killing it.
#[derive(Debug)]
pub struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Installs the handlers (must run inside a tokio runtime).
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(ShutdownSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(ShutdownSignals {})
    }

    /// Resolves on the first SIGINT or SIGTERM (Ctrl-C elsewhere).
    pub async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Serves on an already-bound listener until one of `signals` arrives, then shuts down
/// gracefully.
pub async fn serve_until_signal(
    state: Arc<MockState>,
    listener: TcpListener,
    signals: ShutdownSignals,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(signals.wait())
        .await
}
