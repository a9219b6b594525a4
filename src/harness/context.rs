//! The state every trial of a run shares: the runtime, the client, the selections, the walks,
//! the regression store, the scenarios and the results gathered so far.

use super::plan::PlannedTrial;
use super::regressions::RegressionStore;
use super::scenarios::Scenario;
use crate::checks::{CheckSelection, Finding, Policies, WalkCache};
use crate::client::HttpClient;
use crate::outcome::TransportProblem;
use std::sync::Mutex;
use std::time::Duration;

/// What one trial produced.
#[derive(Debug)]
pub struct TrialResult {
    /// The trial.
    pub planned: PlannedTrial,
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
    /// Requests sent.
    pub requests: u64,
    /// Wall time.
    pub duration: Duration,
    /// Why nothing was checked, when nothing was.
    pub skip_reason: Option<crate::outcome::NotExercised>,
    /// Parts of the trial's statement that could not be exercised, each with its reason.
    pub not_exercised: Vec<crate::outcome::NotExercised>,
    /// What a migration trial saw, for the migration table.
    pub evidence: Vec<crate::outcome::MigrationEvidence>,
    /// Notes for the report.
    pub notes: Vec<String>,
    /// Evidence per requirement id.
    pub exercised: crate::outcome::Exercised,
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
