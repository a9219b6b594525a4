//! `serve`: the reference mock (or a fault server) on a local address until Ctrl-C.

use super::load_spec;
use crate::exit::ExitError;
use crate::mock::{CredentialSource, Credentials, Fixtures, MockState};
use crate::spec::{OperationId, Spec};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Inject a named drift (repeatable; see `partner-conformance list drifts`).
    #[arg(long = "drift", value_name = "NAME")]
    pub drifts: Vec<crate::mock::Drift>,
    /// Take another defensible reading of the pages (repeatable; see `partner-conformance list
    /// readings`).
    #[arg(long = "reading", value_name = "NAME")]
    pub readings: Vec<crate::mock::Reading>,
    /// Serve a transport fault on every connection instead of the mock (see `list faults`).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["drifts", "readings"])]
    pub fault: Option<crate::mock::Fault>,
}

/// `serve`: runs the mock, or the fault server, until a signal stops it.
pub(super) fn run(args: ServeArgs) -> Result<i32, ExitError> {
    let spec = load_spec(args.schemas.as_ref())?;
    let readings = crate::mock::ReadingSet::new(args.readings.iter().copied());
    let fixtures = Fixtures::load(&spec, args.fixtures.as_deref(), &readings)
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
        let signals = crate::mock::ShutdownSignals::install()
            .context("failed to install signal handlers")
            .map_err(ExitError::Usage)?;
        if let Some(fault) = args.fault {
            println!("partner-conformance fault server listening on http://{addr}");
            println!(
                "fault {fault}: {} (every connection)",
                fault.info().description
            );
            println!("stop with Ctrl-C");
            crate::mock::serve_fault(listener, fault, signals.wait()).await;
            eprintln!("partner-conformance fault server stopped");
            return Ok(crate::exit::SUCCESS);
        }
        print_banner(&spec, addr, &fixtures, &credentials, &sources);
        for drift in &args.drifts {
            println!("injecting drift {drift}: {}", drift.info().description);
        }
        for reading in readings.iter() {
            println!("taking reading {reading}: {}", reading.info().description);
        }
        let state = Arc::new(MockState {
            spec,
            credentials,
            fixtures,
            drifts: crate::mock::DriftSet::new(args.drifts.iter().copied()),
            readings,
        });
        crate::mock::serve_until_signal(state, listener, signals)
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
    let generated = sources
        .iter()
        .any(|s| *s == CredentialSource::Generated("HUAWEICLOUD_TOKEN".into()));
    let new = spec.operation(OperationId::CustomersV2);
    println!("try:");
    if generated {
        println!("  export HUAWEICLOUD_TOKEN=...   (the generated value above)");
    }
    println!("  curl -H \"X-Auth-Token: $HUAWEICLOUD_TOKEN\" 'http://{addr}{path}?page_size=2'");
    println!(
        "  curl -X {} -H \"X-Auth-Token: $HUAWEICLOUD_TOKEN\" -H 'Content-Type: application/json' --data-raw '{{\"limit\":2}}' 'http://{addr}{}'",
        new.meta.method, new.meta.path
    );
    println!("stop with Ctrl-C");
}
