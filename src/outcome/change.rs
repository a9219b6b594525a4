//! A change of behaviour against a recording (`--against-recording`), apart from drift.

use crate::spec::OperationId;
use serde::Serialize;

/// A scenario whose answer differs from its recording (`--against-recording`): a change of
/// behaviour where the documentation is silent or ambiguous, reported apart from spec drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BehaviourChange {
    /// The operation called.
    pub operation: OperationId,
    /// The trial (scenario) that saw it.
    pub trial: String,
    /// Where the answers differ (`status`, `body.count`...), at most ten.
    pub locations: Vec<String>,
    /// The recorded answer, shortened.
    pub recorded: String,
    /// The answer now, shortened.
    pub observed: String,
    /// A curl command reproducing the request.
    pub reproduce: String,
}
