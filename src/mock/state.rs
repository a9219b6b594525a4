//! What every request handler reads: the contract, the accepted credentials, the data and the
//! drifts to inject. Built once by whoever starts the mock (`serve`, `run`, `replay`, tests) and
//! shared, immutable, by the router and the server.

use super::auth::Credentials;
use super::drift::DriftSet;
use super::fixtures::Fixtures;
use crate::spec::Spec;
use std::sync::Arc;

/// Everything a request handler reads; shared, immutable.
#[derive(Debug)]
pub struct MockState {
    /// The contract.
    pub spec: Arc<Spec>,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// The data served.
    pub fixtures: Fixtures,
    /// Deviations to inject (none for the reference behaviour).
    pub drifts: DriftSet,
}
