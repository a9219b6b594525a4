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

use crate::outcome::MigrationEvidence;
use crate::spec::{OperationId, Spec};

/// The check name of every migration finding.
pub const CHECK: &str = "migration_consistency";

/// The (old, new) pairs a migration of `operations` compares: every new-generation operation
/// among them or replacing one of them.
pub fn pairs(spec: &Spec, operations: &[OperationId]) -> Vec<(OperationId, OperationId)> {
    spec.operations()
        .iter()
        .filter_map(|op| Some((op.replaces()?, op.id)))
        .filter(|(old, new)| operations.contains(old) || operations.contains(new))
        .collect()
}

/// The comparisons a migration of `operations` runs: each new-generation operation with every
/// aspect that applies to it (the harness makes a trial of each).
pub fn comparisons(spec: &Spec, operations: &[OperationId]) -> Vec<(OperationId, Aspect)> {
    pairs(spec, operations)
        .into_iter()
        .flat_map(|(_, new)| {
            aspect::applicable(spec.operation(new))
                .into_iter()
                .map(move |aspect| (new, aspect))
        })
        .collect()
}

/// Both generations of the operations a migration of `operations` calls.
pub fn operations_involved(spec: &Spec, operations: &[OperationId]) -> Vec<OperationId> {
    pairs(spec, operations)
        .into_iter()
        .flat_map(|(old, new)| [old, new])
        .collect()
}
