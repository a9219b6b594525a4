//! The reference mock: the documented behaviour made executable. Every parameter is validated
//! with the request schemas, every error body comes from the catalogue in `schemas/`, and the data
//! comes from fixtures that are themselves checked against the response schemas.
//!
//! The main types are [`MockState`] (what a request handler reads), [`app`] (the router, for tests
//! with no socket) and [`MockServer`] (a running instance on loopback).

mod auth;
mod column;
mod dataset;
mod drift;
mod fault;
mod fixtures;
mod inject;
mod intake;
mod interpret;
mod load;
mod reading;
mod request;
mod respond;
mod routes;
mod select;
mod server;
mod state;
mod store;
mod stream;
mod validate;
mod wire;
mod worker;

pub use auth::{CredentialSource, Credentials, AK_ENV, SK_ENV};
pub use drift::{Drift, DriftInfo, DriftSet, SeenBy, DRIFTS};
pub use fault::{serve_fault, Fault, FaultInfo, FAULTS};
pub use fixtures::{Customer, Customers, FixtureError, Fixtures};
pub use reading::{Layer, Reading, ReadingInfo, ReadingSet, Stance, READINGS};
pub use request::{decode_query, MAX_BODY_BYTES, MAX_HEADERS, MAX_HEADER_BYTES, MAX_URI_BYTES};
pub use routes::app;
pub use server::{serve_until_signal, MockServer, ShutdownSignals};
pub use state::MockState;
