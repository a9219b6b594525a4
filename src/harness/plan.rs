//! Which trials a run has, as plain data: built from the contract and the selections before any
//! request is sent, so `--list` needs no target.

use crate::checks::{CheckSelection, CHECKS};
use crate::generate::Polarity;
use crate::spec::{OperationId, Spec};

/// What a trial does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrialKind {
    /// A hand-written scenario from `cases/` (index into the loaded case files).
    Scenario(usize),
    /// Failing seeds kept from earlier runs, replayed first.
    Regressions,
    /// Generated cases of one polarity.
    Generated(Polarity),
    /// A stateful check, by name.
    Stateful(&'static str),
    /// A comparison of a new-generation operation with the one it replaces (`migrate`).
    Migration(crate::migrate::Aspect),
}

/// One planned trial.
#[derive(Debug, Clone)]
pub struct PlannedTrial {
    /// libtest-style name: `generated::customers_v1::valid`.
    pub name: String,
    /// The operation it exercises.
    pub operation: OperationId,
    /// What it does.
    pub kind: TrialKind,
}

/// The trials of a migration of `operations`: one per comparison `migrate` makes.
pub fn migration_plan(spec: &Spec, operations: &[OperationId]) -> Vec<PlannedTrial> {
    crate::migrate::comparisons(spec, operations)
        .into_iter()
        .map(|(operation, aspect)| PlannedTrial {
            name: format!("migrate::{operation}::{aspect}"),
            operation,
            kind: TrialKind::Migration(aspect),
        })
        .collect()
}

/// Plans the trials of `operations`.
pub fn plan(
    spec: &Spec,
    operations: &[OperationId],
    selection: &CheckSelection,
    scenarios: &[(OperationId, String)],
    has_regressions: &dyn Fn(OperationId) -> bool,
) -> Vec<PlannedTrial> {
    let mut out = Vec::new();
    for (index, (op, name)) in scenarios.iter().enumerate() {
        if operations.contains(op) {
            out.push(PlannedTrial {
                name: format!("cases::{op}::{name}"),
                operation: *op,
                kind: TrialKind::Scenario(index),
            });
        }
    }
    for &op in operations {
        let operation = spec.operation(op);
        if has_regressions(op) {
            out.push(PlannedTrial {
                name: format!("regressions::{op}"),
                operation: op,
                kind: TrialKind::Regressions,
            });
        }
        for polarity in [Polarity::Valid, Polarity::Invalid] {
            if polarity == Polarity::Invalid && operation.value_parameters().next().is_none() {
                continue;
            }
            out.push(PlannedTrial {
                name: format!("generated::{op}::{}", polarity.as_str()),
                operation: op,
                kind: TrialKind::Generated(polarity),
            });
        }
        for check in CHECKS {
            let crate::checks::Runner::Stateful { applies, .. } = check.runner else {
                continue;
            };
            if applies(operation) && selection.is_enabled(check.name) {
                out.push(PlannedTrial {
                    name: format!("stateful::{op}::{}", check.name),
                    operation: op,
                    kind: TrialKind::Stateful(check.name),
                });
            }
        }
    }
    out
}
