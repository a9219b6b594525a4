//! Coverage of the documentation, as data: which documented requirements (the catalogue built
//! from `schemas/`, see `crate::spec::Requirement`) a run verified on its target, which it found
//! violated, which the target reads otherwise (positions) and which it could not exercise, with
//! a reason from the fixed list of [`Reason`]. "No drift" alone says nothing about what was
//! looked at; these types say it, per requirement, per operation and overall, and every report
//! writer renders them.

use super::not_exercised::{NotExercised, Reason};
use crate::spec::{OperationId, RuleId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What one exchange (or one stateful check) showed about one requirement. Evidence is counted
/// per trial ([`Tally`]); a requirement is verified when the evidence it needs is there and no
/// finding violates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// A request breaking the constraint got the documented answer.
    Refused,
    /// A request at the constraint's edge (or, for a constraint without an edge, any valid
    /// value of it; for a wire form, that form) was accepted.
    Accepted,
    /// A non-null value of the response field was seen and validated.
    Seen,
    /// The documented answer (an error entry, the Content-Type) came where it was called for.
    Answered,
    /// A stateful check ran to the end on data that could show a violation.
    Completed,
}

impl Evidence {
    /// Every kind, in the order reports list them.
    pub const ALL: &'static [Evidence] = &[
        Evidence::Refused,
        Evidence::Accepted,
        Evidence::Seen,
        Evidence::Answered,
        Evidence::Completed,
    ];

    /// The stable snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Refused => "refused",
            Evidence::Accepted => "accepted",
            Evidence::Seen => "seen",
            Evidence::Answered => "answered",
            Evidence::Completed => "completed",
        }
    }
}

/// Evidence counts for one requirement: how many exchanges showed each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Requests breaking it that got the documented answer.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused: u64,
    /// Requests at its edge that were accepted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub accepted: u64,
    /// Non-null values of the field seen and validated.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seen: u64,
    /// Documented answers received where called for.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub answered: u64,
    /// Stateful checks that ran to the end on it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub completed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Tally {
    /// Counts one piece of evidence.
    pub fn add(&mut self, evidence: Evidence) {
        *self.slot(evidence) += 1;
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: &Tally) {
        for e in Evidence::ALL {
            *self.slot(*e) += other.get(*e);
        }
    }

    /// The count of one kind.
    pub fn get(&self, evidence: Evidence) -> u64 {
        match evidence {
            Evidence::Refused => self.refused,
            Evidence::Accepted => self.accepted,
            Evidence::Seen => self.seen,
            Evidence::Answered => self.answered,
            Evidence::Completed => self.completed,
        }
    }

    fn slot(&mut self, evidence: Evidence) -> &mut u64 {
        match evidence {
            Evidence::Refused => &mut self.refused,
            Evidence::Accepted => &mut self.accepted,
            Evidence::Seen => &mut self.seen,
            Evidence::Answered => &mut self.answered,
            Evidence::Completed => &mut self.completed,
        }
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        Evidence::ALL.iter().all(|e| self.get(*e) == 0)
    }
}

/// What a trial exercised: evidence per requirement id.
pub type Exercised = BTreeMap<RuleId, Tally>;

/// Where a requirement stands after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    /// The evidence it needs was seen and nothing violated it.
    Verified,
    /// A finding (new or accepted by the baseline) violates it.
    Violated,
    /// A position (a reading of this suite where the pages are silent) this target reads
    /// otherwise: an observation, not drift.
    Observed,
    /// Not exercised on this run; the entry says why.
    NotExercised,
}

impl CoverageStatus {
    /// The stable snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Verified => "verified",
            CoverageStatus::Violated => "violated",
            CoverageStatus::Observed => "observed",
            CoverageStatus::NotExercised => "not_exercised",
        }
    }
}

/// Whether a requirement is a documented rule or a position (an A-number of `schemas/README.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "basis", content = "position")]
pub enum Basis {
    /// The pages state it: broken, it is drift.
    Documented,
    /// A reading this suite chose (the A-number): against another target, an observation.
    Position(String),
}

/// One requirement's coverage on this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementCoverage {
    /// The requirement id (also the rule id of the findings that violate it).
    pub id: RuleId,
    /// Its operation.
    pub operation: OperationId,
    /// Documented, or a position with its A-number.
    #[serde(flatten)]
    pub basis: Basis,
    /// Where it stands.
    pub status: CoverageStatus,
    /// Whether it counts in the coverage figure: documented, of a selected operation, and
    /// something a client can provoke.
    pub counted: bool,
    /// Why it was not exercised, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<NotExercised>,
    /// The evidence seen, summed over the run's trials.
    #[serde(default, skip_serializing_if = "Tally::is_empty")]
    pub evidence: Tally,
    /// How many findings (new and accepted) and observations are about it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub findings: u64,
}

/// Counts of one operation, or of the whole run, over the counted requirements.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageTotals {
    /// Counted requirements (documented, selected, provokable): the denominator.
    pub documented: u64,
    /// Of those, verified.
    pub verified: u64,
    /// Of those, violated.
    pub violated: u64,
    /// Of those, not exercised, by reason (reasons with none are left out).
    pub not_exercised: BTreeMap<Reason, u64>,
    /// `verified / documented` in percent (100 when there is nothing to count).
    pub percent: f64,
    /// Positions: how many this run held, and how many the target reads otherwise (outside
    /// the denominator).
    pub positions_held: u64,
    /// Positions observed read otherwise.
    pub positions_observed: u64,
}

impl CoverageTotals {
    /// Sums the requirements given.
    pub fn of<'a>(requirements: impl IntoIterator<Item = &'a RequirementCoverage>) -> Self {
        let mut totals = CoverageTotals::default();
        for r in requirements {
            if let Basis::Position(_) = r.basis {
                match r.status {
                    CoverageStatus::Verified => totals.positions_held += 1,
                    CoverageStatus::Observed | CoverageStatus::Violated => {
                        totals.positions_observed += 1
                    }
                    CoverageStatus::NotExercised => {}
                }
            }
            if !r.counted {
                continue;
            }
            totals.documented += 1;
            match r.status {
                CoverageStatus::Verified => totals.verified += 1,
                CoverageStatus::Violated | CoverageStatus::Observed => totals.violated += 1,
                CoverageStatus::NotExercised => {
                    let reason = r.reason.as_ref().map_or(Reason::NoData, |n| n.reason);
                    *totals.not_exercised.entry(reason).or_default() += 1;
                }
            }
        }
        totals.percent = percent(totals.verified, totals.documented);
        totals
    }

    /// "211 of 248 documented rules verified (85.1%)".
    pub fn headline(&self) -> String {
        format!(
            "{} of {} documented rules verified ({})",
            self.verified,
            self.documented,
            format_percent(self.percent)
        )
    }

    /// "37 not exercised: 18 no data on the target, 12 operation missing on the target"; empty
    /// when everything counted was exercised.
    pub fn reasons_line(&self) -> String {
        let missing: u64 = self.not_exercised.values().sum();
        if missing == 0 {
            return String::new();
        }
        let mut by_count: Vec<(&Reason, &u64)> = self.not_exercised.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = by_count
            .iter()
            .map(|(reason, n)| format!("{n} {}", reason.describe()))
            .collect();
        format!("{missing} not exercised: {}", parts.join(", "))
    }
}

pub use crate::settings::FULL_PERCENT;

/// `part / whole` in percent, all of it when `whole` is 0 (nothing to verify is not a
/// shortfall).
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        FULL_PERCENT
    } else {
        // Exact for the counts a run can have (far below 2^52).
        (part as f64) * FULL_PERCENT / (whole as f64)
    }
}

/// A percentage with one decimal, never rounded up to 100 when something is missing.
pub fn format_percent(value: f64) -> String {
    let tenths = (value * 10.0).floor() / 10.0;
    format!("{tenths:.1}%")
}

/// The coverage of one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationCoverage {
    /// The operation.
    pub operation: OperationId,
    /// Whether the run selected it.
    pub selected: bool,
    /// Its totals.
    #[serde(flatten)]
    pub totals: CoverageTotals,
}

/// The coverage of a run: overall, per operation, and per requirement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Over every selected operation.
    pub overall: CoverageTotals,
    /// Per operation, in report order.
    pub operations: Vec<OperationCoverage>,
    /// Every requirement of the catalogue, in catalogue order.
    pub requirements: Vec<RequirementCoverage>,
    /// The coverage gate (`--min-coverage`), when one was set: the minimums and what fell
    /// below them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<CoverageGate>,
    /// The comparison with a previous run's report (`--compare-coverage`), when asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compared: Option<CoverageComparison>,
}

/// A coverage gate and how the run fared against it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageGate {
    /// The minimum of the overall figure and of every selected operation, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// Minimums of single operations, in percent (they replace `minimum` for that operation).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operations: BTreeMap<OperationId, f64>,
    /// Each figure below its minimum, in words (`customers_v1: 80.0% < 95%`); empty when the
    /// gate held.
    pub below: Vec<String>,
}

/// What a previous run verified that this one did not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageComparison {
    /// The previous report, as given.
    pub previous: String,
    /// Its overall figure, in percent.
    pub previous_percent: f64,
    /// Requirements it verified that this run did not, with where they stand now.
    pub lost: Vec<LostRequirement>,
    /// How many requirements this run verified that it did not.
    pub gained: u64,
    /// How many requirements it verified that this version's catalogue does not have (another
    /// version's rules, or a hand-edited file): counted, not listed.
    #[serde(default)]
    pub not_in_catalogue: u64,
}

/// A requirement verified before and not now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostRequirement {
    /// The requirement.
    pub id: RuleId,
    /// Where it stands now (absent from this run's catalogue: `not_exercised`).
    pub status: CoverageStatus,
    /// Why it was not exercised now, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<NotExercised>,
}

impl Coverage {
    /// Builds the totals from the per-requirement list.
    pub fn from_requirements(
        requirements: Vec<RequirementCoverage>,
        selected: &[OperationId],
    ) -> Coverage {
        let operations = OperationId::ALL
            .iter()
            .map(|op| OperationCoverage {
                operation: *op,
                selected: selected.contains(op),
                totals: CoverageTotals::of(requirements.iter().filter(|r| r.operation == *op)),
            })
            .collect();
        Coverage {
            overall: CoverageTotals::of(&requirements),
            operations,
            requirements,
            gate: None,
            compared: None,
        }
    }

    /// The requirement ids a run verified.
    pub fn verified_ids(&self) -> impl Iterator<Item = &RuleId> {
        self.requirements
            .iter()
            .filter(|r| r.status == CoverageStatus::Verified)
            .map(|r| &r.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(
        status: CoverageStatus,
        counted: bool,
        reason: Option<Reason>,
    ) -> RequirementCoverage {
        RequirementCoverage {
            id: RuleId::semantic(OperationId::CustomersV1, "pagination"),
            operation: OperationId::CustomersV1,
            basis: Basis::Documented,
            status,
            counted,
            reason: reason.map(|r| NotExercised::new(r, "because")),
            evidence: Tally::default(),
            findings: 0,
        }
    }

    #[test]
    fn totals_count_only_what_is_counted_and_group_the_reasons() {
        let list = vec![
            requirement(CoverageStatus::Verified, true, None),
            requirement(CoverageStatus::Violated, true, None),
            requirement(CoverageStatus::NotExercised, true, Some(Reason::NoData)),
            requirement(CoverageStatus::NotExercised, true, Some(Reason::NoData)),
            requirement(
                CoverageStatus::NotExercised,
                false,
                Some(Reason::NotProvokable),
            ),
        ];
        let totals = CoverageTotals::of(&list);
        assert_eq!(
            (totals.documented, totals.verified, totals.violated),
            (4, 1, 1)
        );
        assert_eq!(totals.not_exercised.get(&Reason::NoData), Some(&2));
        assert_eq!(
            totals.headline(),
            "1 of 4 documented rules verified (25.0%)"
        );
        assert_eq!(
            totals.reasons_line(),
            "2 not exercised: 2 no data on the target"
        );
    }

    #[test]
    fn a_percentage_is_never_rounded_up_to_a_full_one() {
        assert_eq!(format_percent(percent(999, 1000)), "99.9%");
        assert_eq!(format_percent(percent(9999, 10000)), "99.9%");
        assert_eq!(format_percent(percent(0, 0)), "100.0%");
    }

    #[test]
    fn a_tally_counts_and_merges() {
        let mut a = Tally::default();
        a.add(Evidence::Seen);
        let mut b = Tally::default();
        b.add(Evidence::Seen);
        b.add(Evidence::Refused);
        a.merge(&b);
        assert_eq!((a.seen, a.refused, a.accepted), (2, 1, 0));
        assert!(!a.is_empty() && Tally::default().is_empty());
    }
}
