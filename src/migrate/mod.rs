//! `partner-conformance migrate`: the old and the new generation of an API asked the same
//! questions for one partner. Every customer of one must be in the other with equal mapped
//! fields, equivalent filters and pages must select the same customers, and budgets must agree.
//! Which field replaces which, and how, is read from `x-replaces` in `schemas/`; differences are
//! `consistency` findings carrying both requests, documented meaning changes are notes, and
//! everything seen feeds the migration table ([`table`]).

mod aspects;
pub mod table;

pub use aspects::run_aspect;
pub use table::{markdown, rows, MigrationRow, RowChange};

use crate::harness::{PlannedTrial, TrialKind};
use crate::spec::{OperationId, Spec};
use serde::{Deserialize, Serialize};

/// The check name of every migration finding.
pub const CHECK: &str = "migration_consistency";

/// What the target showed for one row of the migration table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The new-generation operation.
    pub operation: OperationId,
    /// `request` or `response`.
    pub part: table::Part,
    /// The row's field: its new name, or its old name when it is gone.
    pub field: String,
    /// One sentence.
    pub showed: String,
}

/// The migration trials of the new-generation operations among `operations` (an old operation
/// selects its replacement too).
pub fn plan(spec: &Spec, operations: &[OperationId]) -> Vec<PlannedTrial> {
    let mut out = Vec::new();
    for op in spec.operations() {
        let Some(old) = op.replaces() else { continue };
        if !operations.contains(&op.id) && !operations.contains(&old) {
            continue;
        }
        for aspect in aspects::applicable(op) {
            out.push(PlannedTrial {
                name: format!("migrate::{}::{aspect}", op.id),
                operation: op.id,
                kind: TrialKind::Migration(aspect),
            });
        }
    }
    out
}

/// Both generations of the operations a migration run of `operations` calls.
pub fn operations_involved(spec: &Spec, operations: &[OperationId]) -> Vec<OperationId> {
    let mut out: Vec<OperationId> = Vec::new();
    for op in spec.operations() {
        let Some(old) = op.replaces() else { continue };
        if operations.contains(&op.id) || operations.contains(&old) {
            for id in [old, op.id] {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    out
}
