//! What a run found, as plain data at the bottom of the crate: findings, what a request called
//! for, transport problems, behaviour changes and what `migrate` saw. The checks and the
//! harness produce these; the reports, the baseline and replay read them. Nothing here imports
//! the layers that produce or present them, so results travel up without being copied. What
//! was not exercised, and why, is here too ([`NotExercised`], one of a fixed list of
//! [`Reason`]s).

mod change;
mod coverage;
mod expectation;
mod finding;
mod migration;
mod not_exercised;
mod transport;

pub use change::BehaviourChange;
pub use coverage::{
    format_percent, percent, Basis, Coverage, CoverageComparison, CoverageGate, CoverageStatus,
    CoverageTotals, Evidence, Exercised, LostRequirement, OperationCoverage, RequirementCoverage,
    Tally, FULL_PERCENT,
};
pub use expectation::{role_name, Expectation};
pub use finding::{
    element_selector_len, location_pattern, split_observations, Category, Finding, FindingOrigin,
    GroupKey, PositionMode,
};
pub use migration::{Agreement, DifferenceExample, MigrationEvidence, Part};
pub use not_exercised::{NotExercised, Reason};
pub use transport::TransportProblem;
