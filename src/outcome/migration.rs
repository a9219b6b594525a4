//! What `migrate` saw for one row of the migration table: the evidence behind the row's last
//! column. (Named apart from the observations of a position read differently.)

use crate::spec::OperationId;
use serde::{Deserialize, Serialize};

/// Which side of the exchange a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// A request parameter.
    Request,
    /// A field of the success body.
    Response,
}

/// What the target showed for one row of the migration table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationEvidence {
    /// The new-generation operation.
    pub operation: OperationId,
    /// `request` or `response`.
    pub part: Part,
    /// The row's field: its new name, or its old name when it is gone.
    pub field: String,
    /// One sentence.
    pub showed: String,
}
