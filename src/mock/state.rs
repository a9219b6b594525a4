//! What every request handler reads: the contract, the accepted credentials, the data, the
//! drifts to inject and the readings to take. Built once by whoever starts the mock (`serve`,
//! `run`, `replay`, tests) and shared, immutable, by the router and the server.

use super::auth::Credentials;
use super::drift::DriftSet;
use super::fixtures::Fixtures;
use super::reading::ReadingSet;
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
    /// Other defensible readings to take (none: the project's positions throughout).
    pub readings: ReadingSet,
}
