//! `partner-conformance migrate`: the old and the new generation of an API asked the same
//! questions for one partner. Every customer of one must be in the other with equal mapped
//! fields, equivalent filters and pages must select the same customers, and budgets must agree.
//! Which field replaces which, and how, is read from `x-replaces` in `schemas/`; differences are
//! `consistency` findings carrying both requests, documented meaning changes are notes, and
//! everything seen feeds the migration table ([`table`]).

mod aspect;
mod budgets;
mod customers;
mod filters;
mod helpers;
mod paging;
mod pair;
pub mod table;

pub use aspect::{run_aspect, Aspect};
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

/// The (old, new) pairs a migration of `operations` compares: every new-generation operation
/// among them or replacing one of them.
pub fn pairs(spec: &Spec, operations: &[OperationId]) -> Vec<(OperationId, OperationId)> {
    spec.operations()
        .iter()
        .filter_map(|op| Some((op.replaces()?, op.id)))
        .filter(|(old, new)| operations.contains(old) || operations.contains(new))
        .collect()
}

/// The migration trials of `operations`.
pub fn plan(spec: &Spec, operations: &[OperationId]) -> Vec<PlannedTrial> {
    pairs(spec, operations)
        .into_iter()
        .flat_map(|(_, new)| {
            aspect::applicable(spec.operation(new))
                .into_iter()
                .map(move |aspect| PlannedTrial {
                    name: format!("migrate::{new}::{aspect}"),
                    operation: new,
                    kind: TrialKind::Migration(aspect),
                })
        })
        .collect()
}

/// The migration table as `migrate` prints it and writes it to `--table`: the table, then the
/// report's notes, which travel with it (what was not compared, documented meaning changes).
pub fn table_document(report: &crate::report::Report) -> String {
    let mut text = markdown(&report.migration);
    if !report.summary.notes.is_empty() {
        text.push_str("Notes:\n\n");
        for note in &report.summary.notes {
            text.push_str(&format!("- {}\n", note.replace('\n', " ")));
        }
    }
    format!("## Migration table\n\n{text}")
}

/// Both generations of the operations a migration of `operations` calls.
pub fn operations_involved(spec: &Spec, operations: &[OperationId]) -> Vec<OperationId> {
    pairs(spec, operations)
        .into_iter()
        .flat_map(|(old, new)| [old, new])
        .collect()
}
