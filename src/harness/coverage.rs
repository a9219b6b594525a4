//! The coverage of the documentation a run reached: each requirement of the catalogue gets a
//! status from the run's findings, observations and the evidence its trials counted, or, when
//! it was not exercised, the reason, read from what happened to the trials that would have
//! exercised it. The figure counts only documented requirements of the selected operations
//! that a client can provoke.

use super::Scenario;
use crate::checks::support::coverage::{catalogue, is_about, request_needs, verifiers};
use crate::checks::CheckSelection;
use crate::outcome::{
    format_percent, Basis, Coverage, CoverageComparison, CoverageGate, CoverageStatus, Evidence,
    Expectation, LostRequirement, NotExercised, Reason, RequirementCoverage, Tally,
};
use crate::report::{Report, TrialRecord};
use crate::settings::CoverageMinimum;
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
    let aliases = aliases(inputs);
    let about = |f: &crate::outcome::Finding, id: &RuleId| {
        is_about(f, id) || aliases.get(&f.rule) == Some(id)
    };
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
            .filter(|f| about(f, &requirement.id))
            .count() as u64;
        let observations = report
            .observations
            .iter()
            .filter(|f| about(f, &requirement.id))
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

/// The requirement a finding about a whole request violates, where the finding names the
/// request rather than a rule of the catalogue: a scenario of `cases/` (`<op>.case.<stem>`)
/// called for the catalogue entry of its role, and a valid generated request
/// (`<op>.request.accepted`) for the success entry. A wrong status or code there breaks that
/// entry.
fn aliases(inputs: &CoverageInputs<'_>) -> BTreeMap<RuleId, RuleId> {
    let entry_id = |op: OperationId, role: ErrorRole| {
        let entry = inputs.spec.operation(op).error_for(role)?;
        Some(RuleId::entry(op, entry))
    };
    let mut out = BTreeMap::new();
    for op in inputs.spec.operations() {
        if let Some(id) = entry_id(op.id, ErrorRole::Success) {
            out.insert(RuleId::valid_request(op.id), id);
        }
    }
    for scenario in inputs.scenarios {
        let role = match scenario.expectation() {
            Ok(Expectation::Role { role, .. }) => role,
            Ok(Expectation::Success | Expectation::NotInvalid) => ErrorRole::Success,
            _ => continue,
        };
        if let Some(id) = entry_id(scenario.operation, role) {
            out.insert(RuleId::case(scenario.operation, &scenario.name), id);
        }
    }
    out
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
        // The operation's own trials may say why none of it ran (an unusable target's
        // preflight); otherwise a filter left them out.
        let of_operation = report.trials.iter().filter(|t| t.operation == Some(op));
        for trial in of_operation {
            if let Some(skip) = &trial.skip_reason {
                return skip.clone();
            }
            if !trial.transport.is_empty() {
                return NotExercised::new(
                    Reason::NoUsableAnswer,
                    format!("{op} gave no usable answer"),
                );
            }
        }
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

/// Sets the coverage gate of `--min-coverage` on `coverage` and says which figures fell below:
/// the overall figure and every selected operation against the plain minimum, single operations
/// against their own.
pub fn apply_gate(minimums: &[CoverageMinimum], coverage: &mut Coverage) {
    if minimums.is_empty() {
        return;
    }
    let mut gate = CoverageGate {
        minimum: minimums
            .iter()
            .filter(|m| m.operation.is_none())
            .map(|m| m.percent)
            .reduce(f64::max),
        ..CoverageGate::default()
    };
    for m in minimums {
        if let Some(op) = m.operation {
            let entry = gate.operations.entry(op).or_insert(m.percent);
            *entry = entry.max(m.percent);
        }
    }
    let below = |label: &str, percent: f64, minimum: f64| {
        (percent < minimum).then(|| {
            format!(
                "{label}: {} < {}",
                format_percent(percent),
                format_percent(minimum)
            )
        })
    };
    if let Some(minimum) = gate.minimum {
        gate.below
            .extend(below("overall", coverage.overall.percent, minimum));
    }
    for op in &coverage.operations {
        let minimum = gate.operations.get(&op.operation).copied().or(gate.minimum);
        let Some(minimum) = minimum else { continue };
        if !op.selected {
            if gate.operations.contains_key(&op.operation) {
                gate.below.push(format!(
                    "{}: not selected (--operations), so nothing of it was verified",
                    op.operation
                ));
            }
            continue;
        }
        gate.below
            .extend(below(op.operation.as_str(), op.totals.percent, minimum));
    }
    coverage.gate = Some(gate);
}

/// What `--compare-coverage` reads of a previous run's JSON report: the requirements it
/// verified and its figure.
#[derive(Debug, Clone)]
pub struct PreviousCoverage {
    /// The file, as given.
    pub file: String,
    /// Its overall figure.
    pub percent: f64,
    /// The requirements it verified.
    pub verified: BTreeSet<RuleId>,
}

/// The part of a previous JSON report `--compare-coverage` reads; other members are skipped
/// unread. Values are kept loosely typed so that a wrong one gets this tool's own sentence.
#[derive(serde::Deserialize)]
struct PreviousReport {
    coverage: Option<PreviousSection>,
}

/// `coverage` of a previous report.
#[derive(serde::Deserialize)]
struct PreviousSection {
    overall: Option<PreviousOverall>,
    /// At most [`MAX_PREVIOUS_REQUIREMENTS`] entries are held: a longer list is refused while it
    /// is read, not after.
    #[serde(default, deserialize_with = "at_most_max_requirements")]
    requirements: Option<Vec<PreviousEntry>>,
}

/// Reads `coverage.requirements`, failing at the first entry past the most any catalogue has.
fn at_most_max_requirements<'de, D>(deserializer: D) -> Result<Option<Vec<PreviousEntry>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    /// Collects a sequence of at most [`MAX_PREVIOUS_REQUIREMENTS`] entries.
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Option<Vec<PreviousEntry>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(
                f,
                "a list of at most {MAX_PREVIOUS_REQUIREMENTS} requirements"
            )
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = seq.next_element()? {
                if out.len() == MAX_PREVIOUS_REQUIREMENTS {
                    return Err(serde::de::Error::custom(format!(
                        "coverage.requirements has more requirements than any catalogue of this tool ({MAX_PREVIOUS_REQUIREMENTS} at most read)"
                    )));
                }
                out.push(entry);
            }
            Ok(Some(out))
        }
    }
    deserializer.deserialize_any(Bounded)
}

/// `coverage.overall` of a previous report.
#[derive(serde::Deserialize)]
struct PreviousOverall {
    percent: Option<serde_json::Value>,
}

/// One entry of `coverage.requirements` of a previous report.
#[derive(serde::Deserialize)]
struct PreviousEntry {
    id: Option<serde_json::Value>,
    status: Option<serde_json::Value>,
}

/// Largest previous report read: a JSON report of a default run is well under a megabyte; one
/// full of findings is bounded by the run's own caps.
const MAX_PREVIOUS_REPORT_BYTES: u64 = 64 << 20;

/// Most requirements read from a previous report: the catalogue has a few hundred; a file with
/// far more is not a report of this tool.
const MAX_PREVIOUS_REQUIREMENTS: usize = 20_000;

impl PreviousCoverage {
    /// Reads the coverage of a previous JSON report (`--report json=FILE` of an earlier run),
    /// or says in a sentence why it cannot be used.
    pub fn read(path: &std::path::Path) -> Result<PreviousCoverage, String> {
        let text = crate::files::read_text(path, MAX_PREVIOUS_REPORT_BYTES, "previous report")
            .map_err(|e| e.to_string())?;
        // Only the coverage is read into memory; the rest of the report (its findings and
        // trials, most of a large file) is skipped as it is parsed.
        let report: PreviousReport = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a JSON report of this tool: {e}", path.display()))?;
        drop(text);
        let coverage = report.coverage.ok_or_else(|| {
            format!(
                "{} has no `coverage` (write it with `--report json=FILE` of a run of this version)",
                path.display()
            )
        })?;
        let percent = coverage
            .overall
            .and_then(|overall| overall.percent)
            .and_then(|percent| percent.as_f64())
            .ok_or_else(|| format!("{}: coverage.overall.percent is missing", path.display()))?;
        let requirements = coverage
            .requirements
            .ok_or_else(|| format!("{}: coverage.requirements is missing", path.display()))?;
        let mut verified = BTreeSet::new();
        for (i, entry) in requirements.iter().enumerate() {
            let id = entry
                .id
                .as_ref()
                .and_then(serde_json::Value::as_str)
                .and_then(RuleId::parse)
                .ok_or_else(|| {
                    format!(
                        "{}: coverage.requirements[{i}].id is not a requirement id",
                        path.display()
                    )
                })?;
            if entry.status.as_ref().and_then(serde_json::Value::as_str) == Some("verified") {
                verified.insert(id);
            }
        }
        Ok(PreviousCoverage {
            file: path.display().to_string(),
            percent,
            verified,
        })
    }
}

/// Names the requirements `previous` verified and this run did not.
pub fn compare(previous: &PreviousCoverage, coverage: &mut Coverage) {
    let now: BTreeMap<&RuleId, &RequirementCoverage> =
        coverage.requirements.iter().map(|r| (&r.id, r)).collect();
    let lost = previous
        .verified
        .iter()
        .filter_map(|id| now.get(id).map(|r| (id, r)))
        .filter(|(_, r)| r.status != CoverageStatus::Verified)
        .map(|(id, r)| LostRequirement {
            id: id.clone(),
            status: r.status,
            reason: r.reason.clone(),
        })
        .collect();
    let not_in_catalogue = previous
        .verified
        .iter()
        .filter(|id| !now.contains_key(id))
        .count() as u64;
    let gained = coverage
        .verified_ids()
        .filter(|id| !previous.verified.contains(*id))
        .count() as u64;
    coverage.compared = Some(CoverageComparison {
        previous: previous.file.clone(),
        previous_percent: previous.percent,
        lost,
        gained,
        not_in_catalogue,
    });
}
