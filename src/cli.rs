//! Command-line interface: argument definitions and the commands they run.

use crate::exit::ExitError;
use crate::mock::{CredentialSource, Credentials, Fixtures, MockState};
use crate::spec::{OperationId, Spec};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Contract tests and a reference mock for the Huawei Cloud partner customer APIs.
#[derive(Debug, Parser)]
#[command(name = "partner-conformance", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the documented APIs on loopback: the reference mock.
    Serve(ServeArgs),
}

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Fixtures file replacing the embedded data (same format as src/mock/data/fixtures.json).
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// A schemas/ directory replacing the embedded contract.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32, ExitError> {
    match cli.command {
        Command::Serve(args) => serve(args),
    }
}

/// Loads the contract from a directory or the embedded copy.
pub fn load_spec(dir: Option<&PathBuf>) -> Result<Arc<Spec>, ExitError> {
    match dir {
        Some(dir) => Spec::from_dir(dir)
            .map(Arc::new)
            .with_context(|| format!("failed to load schemas from {}", dir.display())),
        None => Spec::embedded().context("failed to load the embedded schemas"),
    }
    .map_err(ExitError::Usage)
}

fn serve(args: ServeArgs) -> Result<i32, ExitError> {
    let spec = load_spec(args.schemas.as_ref())?;
    let fixtures = match &args.fixtures {
        Some(path) => Fixtures::from_file(&spec, path),
        None => Fixtures::embedded(&spec),
    }
    .context("failed to load fixtures")
    .map_err(ExitError::Usage)?;
    let (credentials, sources) = Credentials::from_lookup(&spec, |name| std::env::var(name).ok());
    let runtime = tokio::runtime::Runtime::new()
        .context("failed to start the async runtime")
        .map_err(ExitError::Usage)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("failed to listen on {}", args.addr))
            .map_err(ExitError::Usage)?;
        let addr = listener
            .local_addr()
            .map_err(|e| ExitError::Usage(e.into()))?;
        print_banner(&spec, addr, &fixtures, &credentials, &sources);
        let state = Arc::new(MockState {
            spec,
            credentials,
            fixtures,
        });
        crate::mock::serve_until_signal(state, listener)
            .await
            .context("the mock server failed")
            .map_err(ExitError::Usage)?;
        eprintln!("partner-conformance mock stopped");
        Ok(crate::exit::SUCCESS)
    })
}

/// Prints where the mock listens and how to call it. Generated credentials are printed so the
/// user can call the mock; values taken from the environment are never echoed.
fn print_banner(
    spec: &Spec,
    addr: SocketAddr,
    fixtures: &Fixtures,
    credentials: &Credentials,
    sources: &[CredentialSource],
) {
    println!("partner-conformance mock listening on http://{addr}");
    println!("partner_id: {}", fixtures.partner_id);
    println!("customers:  {}", fixtures.customers.len());
    for source in sources {
        match source {
            CredentialSource::Environment(name) => {
                println!("{name}: (taken from the environment, not shown)")
            }
            CredentialSource::Generated(name) => {
                let value = credentials
                    .get(name)
                    .map(|s| s.expose())
                    .unwrap_or_default();
                println!("{name}={value}   (generated; export {name} to choose it)");
            }
        }
    }
    let customers = spec.operation(OperationId::CustomersV1);
    let path = customers
        .meta
        .path
        .replace("{partner_id}", &fixtures.partner_id);
    println!("try:");
    println!("  curl -H \"X-Auth-Token: $HUAWEICLOUD_TOKEN\" 'http://{addr}{path}?page_size=2'");
    println!("stop with Ctrl-C");
}
