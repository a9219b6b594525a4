//! A request that got no usable answer: a transport problem, never drift.

use crate::spec::OperationId;
use serde::Serialize;

/// A request that could not be answered usably: reported apart from drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransportProblem {
    /// The operation called.
    pub operation: OperationId,
    /// The trial that sent it.
    pub trial: String,
    /// Classification (`connect`, `timeout`, `body_too_large`, `protocol`, `not_json`, `other`).
    pub kind: String,
    /// What happened.
    pub message: String,
    /// The status, when an HTTP head arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// A curl command reproducing the request.
    pub reproduce: String,
}
