//! The state every trial of a run shares: the runtime, the client, the selections, the walks,
//! the regression store, the scenarios and the results gathered so far.

use super::regressions::RegressionStore;
use super::scenarios::Scenario;
use crate::checks::{CheckSelection, Finding, Policies, WalkCache};
use crate::client::HttpClient;
use crate::outcome::TransportProblem;
use std::sync::Mutex;

/// What one trial produced: its record, made once where the trial ends and carried into the
/// report as it is, and the lists the report keeps for the whole run (the record then points
/// into them).
#[derive(Debug)]
pub struct TrialResult {
    /// The trial's record, its indices still empty (the report fills them).
    pub record: crate::report::TrialRecord,
    /// What the record's indices will point at.
    pub lists: TrialLists,
    /// What a migration trial saw, for the migration table.
    pub evidence: Vec<crate::outcome::MigrationEvidence>,
    /// Notes for the report.
    pub notes: Vec<String>,
}

/// The items of one trial that the report lists run-wide.
#[derive(Debug, Default)]
pub struct TrialLists {
    /// Drift found.
    pub findings: Vec<Finding>,
    /// Positions the target reads otherwise (not drift under the run's `--positions`).
    pub observations: Vec<Finding>,
    /// Requests that got no usable answer.
    pub transport: Vec<TransportProblem>,
    /// Answers that differ from their recording.
    pub changes: Vec<crate::report::BehaviourChange>,
    /// Findings the baseline accepts (not in `findings`).
    pub accepted: Vec<crate::report::AcceptedFinding>,
}

impl TrialLists {
    /// How a trial with these items and this skip reason ended: drift first, then a changed
    /// answer, accepted drift, transport, a position read otherwise, skipped, passed.
    pub fn outcome(&self, skipped: bool) -> crate::report::TrialOutcome {
        use crate::report::TrialOutcome;
        if !self.findings.is_empty() {
            TrialOutcome::Drift
        } else if !self.changes.is_empty() {
            TrialOutcome::Changed
        } else if !self.accepted.is_empty() {
            TrialOutcome::Accepted
        } else if !self.transport.is_empty() {
            TrialOutcome::Transport
        } else if !self.observations.is_empty() {
            TrialOutcome::Observed
        } else if skipped {
            TrialOutcome::Skipped
        } else {
            TrialOutcome::Passed
        }
    }
}

/// Shared by every trial of a run.
#[derive(Debug)]
pub struct RunContext {
    /// Runs the async work of every trial (and the embedded mock).
    pub runtime: tokio::runtime::Runtime,
    /// The client.
    pub client: HttpClient,
    /// Policies.
    pub policies: Policies,
    /// Enabled checks.
    pub selection: CheckSelection,
    /// Walks of list operations.
    pub walks: WalkCache,
    /// Generation seed.
    pub seed: u64,
    /// Generated cases per operation and polarity.
    pub cases: u64,
    /// The cases of each generated trial under `--plan coverage` (`None`: every case).
    pub cover: Option<super::cover::CoverPlan>,
    /// Requests in flight within a trial.
    pub concurrency: usize,
    /// Failing seeds.
    pub regressions: RegressionStore,
    /// Where scenario answers are recorded (`--record`).
    pub record: Option<std::path::PathBuf>,
    /// The recording scenario answers are compared with (`--against-recording`).
    pub against_recording: Option<std::path::PathBuf>,
    /// Accepted drift (`--baseline`) and the day its expiry dates are judged against.
    pub baseline: Option<(crate::baseline::Baseline, chrono::NaiveDate)>,
    /// Hand-written scenarios.
    pub scenarios: Vec<Scenario>,
    /// Operations the preflight found unusable (credential refused, or not served): their
    /// trials are not run, and say why.
    pub refused: std::collections::BTreeMap<crate::spec::OperationId, crate::outcome::NotExercised>,
    /// Results, in completion order.
    pub results: Mutex<Vec<TrialResult>>,
    /// The progress line on a terminal (hidden otherwise).
    pub progress: super::progress::Progress,
}
