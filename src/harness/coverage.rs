//! The coverage of the documentation a run reached: each requirement of the catalogue gets a
//! status from the run's findings, observations and the evidence its trials counted, or, when
//! it was not exercised, the reason, read from what happened to the trials that would have
//! exercised it. The figure counts only documented requirements of the selected operations
//! that a client can provoke.

use super::Scenario;
use crate::checks::support::coverage::{catalogue, is_about, request_needs, verifiers};
use crate::checks::CheckSelection;
use crate::outcome::{
    Basis, Coverage, CoverageStatus, Evidence, Expectation, NotExercised, Reason,
    RequirementCoverage, Tally,
};
use crate::report::{Report, TrialRecord};
use crate::spec::{ErrorRole, OperationId, Requirement, RuleId, Spec, Subject};
use std::collections::{BTreeMap, BTreeSet};

/// What the coverage needs of the run besides its report.
pub struct CoverageInputs<'a> {
    /// The contract.
    pub spec: &'a Spec,
    /// The operations the run selected.
    pub operations: &'a [OperationId],
    /// The checks the run enabled.
    pub selection: &'a CheckSelection,
    /// The hand-written scenarios loaded for the run (the situations they provoke).
    pub scenarios: &'a [Scenario],
}

/// Fills `report.coverage` from the report's trials, findings and observations.
pub fn compute(inputs: &CoverageInputs<'_>, report: &mut Report) {
    let mut evidence: BTreeMap<&RuleId, Tally> = BTreeMap::new();
    for trial in &report.trials {
        for (id, tally) in &trial.exercised {
            evidence.entry(id).or_default().merge(tally);
        }
    }
    let violated: Vec<&crate::outcome::Finding> = report
        .findings
        .iter()
        .chain(report.accepted.iter().map(|a| &a.finding))
        .collect();
    let provokable = provokable_roles(inputs);
    let breakable: BTreeMap<OperationId, Vec<(String, String)>> = inputs
        .spec
        .operations()
        .iter()
        .map(|op| (op.id, crate::generate::breakable(op)))
        .collect();
    let mut list = Vec::new();
    for requirement in catalogue(inputs.spec) {
        let tally = evidence.get(&requirement.id).copied().unwrap_or_default();
        let needs = needs(inputs.spec, &requirement, &breakable, &provokable);
        let findings = violated
            .iter()
            .filter(|f| is_about(f, &requirement.id))
            .count() as u64;
        let observations = report
            .observations
            .iter()
            .filter(|f| is_about(f, &requirement.id))
            .count() as u64;
        let selected = inputs.operations.contains(&requirement.operation);
        let basis = match &requirement.position {
            Some(position) => Basis::Position(position.as_str().to_string()),
            None => Basis::Documented,
        };
        let (status, reason) = if findings > 0 {
            (CoverageStatus::Violated, None)
        } else if observations > 0 {
            (CoverageStatus::Observed, None)
        } else if !needs.is_empty() && needs.iter().all(|e| tally.get(*e) > 0) {
            (CoverageStatus::Verified, None)
        } else {
            let why = reason(inputs, report, &requirement, selected, &needs, &tally);
            (CoverageStatus::NotExercised, Some(why))
        };
        let counted = selected
            && basis == Basis::Documented
            && !needs.is_empty()
            && reason
                .as_ref()
                .is_none_or(|r| r.reason != Reason::NotProvokable);
        list.push(RequirementCoverage {
            id: requirement.id.clone(),
            operation: requirement.operation,
            basis,
            status,
            counted,
            reason,
            evidence: tally,
            findings: findings + observations,
        });
    }
    report.coverage = Coverage::from_requirements(list, inputs.operations);
}

/// The situations a run can provoke per operation: success, an invalid parameter (when the
/// generator can break one), and what the loaded scenarios expect.
fn provokable_roles(inputs: &CoverageInputs<'_>) -> BTreeMap<OperationId, BTreeSet<String>> {
    let name = |role: ErrorRole| crate::outcome::role_name(role).to_string();
    let mut out: BTreeMap<OperationId, BTreeSet<String>> = BTreeMap::new();
    for op in inputs.spec.operations() {
        let roles = out.entry(op.id).or_default();
        roles.insert(name(ErrorRole::Success));
        if !crate::generate::breakable(op).is_empty() {
            roles.insert(name(ErrorRole::InvalidParameter));
        }
    }
    for scenario in inputs.scenarios {
        if let Ok(Expectation::Role { role, .. }) = scenario.expectation() {
            out.entry(scenario.operation)
                .or_default()
                .insert(name(role));
        }
    }
    out
}

/// The evidence a requirement needs; empty when no client can provoke it.
fn needs(
    spec: &Spec,
    requirement: &Requirement,
    breakable: &BTreeMap<OperationId, Vec<(String, String)>>,
    provokable: &BTreeMap<OperationId, BTreeSet<String>>,
) -> Vec<Evidence> {
    let op = spec.operation(requirement.operation);
    let can = |role: ErrorRole| {
        provokable
            .get(&op.id)
            .is_some_and(|r| r.contains(&crate::outcome::role_name(role)))
    };
    match &requirement.subject {
        Subject::Request {
            location,
            name,
            keyword,
        } => match op.parameter(*location, name) {
            Some(parameter) => request_needs(
                parameter,
                keyword,
                breakable.get(&op.id).map_or(&[], Vec::as_slice),
            ),
            None => Vec::new(),
        },
        Subject::Response {
            only_on_failure: true,
            ..
        } => Vec::new(),
        Subject::Response { status, .. } => {
            let answered = *status == op.meta.success_status
                || op.errors.iter().any(|e| e.status == *status && can(e.role));
            if answered {
                vec![Evidence::Seen]
            } else {
                Vec::new()
            }
        }
        Subject::Error { role, .. } => {
            if can(*role) {
                vec![Evidence::Answered]
            } else {
                Vec::new()
            }
        }
        Subject::ContentType => vec![Evidence::Answered],
        Subject::Semantic { .. } => vec![Evidence::Completed],
    }
}

/// The trials whose work would have exercised a requirement.
fn relevant<'r>(report: &'r Report, requirement: &Requirement) -> Vec<&'r TrialRecord> {
    let op = requirement.operation;
    report
        .trials
        .iter()
        .filter(|t| t.operation == Some(op))
        .filter(|t| match &requirement.subject {
            Subject::Semantic { check } => t.name == format!("stateful::{op}::{check}"),
            _ => true,
        })
        .collect()
}

/// Why a requirement was not exercised: from the run's selections first, then from what the
/// trials that would have exercised it said.
fn reason(
    inputs: &CoverageInputs<'_>,
    report: &Report,
    requirement: &Requirement,
    selected: bool,
    needs: &[Evidence],
    tally: &Tally,
) -> NotExercised {
    let op = requirement.operation;
    if !selected {
        return NotExercised::new(
            Reason::OperationNotSelected,
            format!("{op} was not selected (--operations)"),
        );
    }
    if needs.is_empty() {
        return NotExercised::new(Reason::NotProvokable, not_provokable_detail(requirement));
    }
    let checks = verifiers(requirement);
    if !checks.iter().any(|c| inputs.selection.is_enabled(c.name)) {
        let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
        return NotExercised::new(
            Reason::CheckExcluded,
            format!("{} excluded", names.join(" and ")),
        );
    }
    let trials = relevant(report, requirement);
    if trials.is_empty() {
        return NotExercised::new(
            Reason::CheckExcluded,
            "the trials that exercise it were filtered out (--skip, --exact or a filter)",
        );
    }
    // What the trials said, most telling first.
    let said: Vec<&NotExercised> = trials
        .iter()
        .flat_map(|t| t.skip_reason.iter().chain(&t.not_exercised))
        .collect();
    let every_trial_skipped = trials.iter().all(|t| t.skip_reason.is_some());
    for wanted in [
        Reason::Interrupted,
        Reason::CredentialRefused,
        Reason::OperationMissing,
        Reason::BudgetCut,
        Reason::RecordingUnavailable,
    ] {
        if let Some(found) = said.iter().find(|n| n.reason == wanted) {
            if every_trial_skipped || wanted == Reason::BudgetCut || wanted == Reason::Interrupted {
                return (*found).clone();
            }
        }
    }
    if every_trial_skipped {
        if let Some(first) = said.first() {
            return (*first).clone();
        }
    }
    if let Some(found) = said.iter().find(|n| {
        matches!(
            n.reason,
            Reason::NoData | Reason::BrokenByFinding | Reason::NotObservable
        ) && matches!(requirement.subject, Subject::Semantic { .. })
    }) {
        return (*found).clone();
    }
    if trials.iter().any(|t| !t.transport.is_empty()) && tally.is_empty() {
        return NotExercised::new(
            Reason::NoUsableAnswer,
            "the requests that would show it got no usable answer",
        );
    }
    // A request constraint the generated cases did not reach: `--cases` was too small for it.
    if let Subject::Request { .. } = requirement.subject {
        return NotExercised::new(
            Reason::BudgetCut,
            format!(
                "{} (raise --cases)",
                missing_detail(requirement, needs, tally)
            ),
        );
    }
    NotExercised::new(Reason::NoData, missing_detail(requirement, needs, tally))
}

/// Why nothing a client sends shows a requirement.
fn not_provokable_detail(requirement: &Requirement) -> String {
    match &requirement.subject {
        Subject::Request {
            keyword, location, ..
        } => match location {
            crate::spec::ParamLocation::Path | crate::spec::ParamLocation::Header => format!(
                "the run sends its own partner id and credentials as they are: no request breaks `{keyword}` alone or reaches its edge"
            ),
            _ => format!(
                "another constraint of the parameter (its documented set or format) binds first: no request breaks `{keyword}` alone or reaches its edge"
            ),
        },
        Subject::Response {
            only_on_failure: true,
            ..
        } => "the pages say this field is returned only when the query fails, which no success is".into(),
        Subject::Response { status, .. } | Subject::Error { status, .. } => format!(
            "no request a client can send provokes the documented {status} answer"
        ),
        _ => "no request a client can send provokes it".into(),
    }
}

/// What evidence did not come, in words.
fn missing_detail(requirement: &Requirement, needs: &[Evidence], tally: &Tally) -> String {
    let missing: Vec<&str> = needs
        .iter()
        .filter(|e| tally.get(**e) == 0)
        .map(|e| match e {
            Evidence::Refused => "no request breaking it got an answer",
            Evidence::Accepted => "no request at its edge was accepted",
            Evidence::Seen => "no answer carried a value of this field",
            Evidence::Answered => "the target never gave this answer where it was called for",
            Evidence::Completed => "its check did not run to the end on data",
        })
        .collect();
    match &requirement.subject {
        Subject::Response { path, .. } => format!("no answer carried a non-null `{path}`"),
        _ => missing.join("; "),
    }
}
