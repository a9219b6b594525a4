//! The report model every writer reads: a summary, the findings (drift), the transport problems
//! (not drift) and one record per trial. Writers only format it.

use crate::checks::{Category, Finding};
pub use crate::outcome::{BehaviourChange, NotExercised, TransportProblem};
use crate::spec::OperationId;
use serde::Serialize;
use std::collections::BTreeMap;

/// A finding the baseline accepts: shown, counted, but not failing the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptedFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// Its fingerprint (the baseline key).
    pub fingerprint: String,
    /// The baseline entry's reason, if it has one.
    pub reason: Option<String>,
}

/// A baseline entry that matched nothing (resolved) or no longer accepts (expired).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineEntryNote {
    /// The fingerprint.
    pub fingerprint: String,
    /// The entry's reason.
    pub reason: Option<String>,
    /// The entry's expiry date (YYYY-MM-DD).
    pub expires: Option<String>,
}

/// What the baseline did in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineSummary {
    /// The baseline file.
    pub file: String,
    /// Findings accepted.
    pub accepted: u64,
    /// Entries that matched no finding: the drift is gone.
    pub resolved: Vec<BaselineEntryNote>,
    /// Entries past their expiry date: their findings count as new.
    pub expired: Vec<BaselineEntryNote>,
}

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialOutcome {
    /// Every check held.
    Passed,
    /// At least one new finding.
    Drift,
    /// Findings, all accepted by the baseline.
    Accepted,
    /// No finding, but the answer differs from its recording.
    Changed,
    /// No finding, but at least one request failed at transport.
    Transport,
    /// No finding; the target reads a position (an A-number of `schemas/README.md`) otherwise
    /// than this suite: see the report's observations. Not a failure.
    Observed,
    /// Not run (filtered out, or nothing to check against this target). A record nobody
    /// filled in says this, never "passed".
    #[default]
    Skipped,
}

/// One trial's record: made once where the trial ends, then carried into the report, which
/// only fills in its indices.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrialRecord {
    /// Trial name (`generated::customers_v1::valid`...).
    pub name: String,
    /// The operation it exercises, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<OperationId>,
    /// Outcome.
    pub outcome: TrialOutcome,
    /// Requests it sent.
    pub requests: u64,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Indices into [`Report::findings`].
    pub findings: Vec<usize>,
    /// Indices into [`Report::observations`].
    pub observations: Vec<usize>,
    /// Indices into [`Report::transport`].
    pub transport: Vec<usize>,
    /// Indices into [`Report::accepted`].
    pub accepted: Vec<usize>,
    /// Indices into [`Report::behaviour_changes`].
    pub changes: Vec<usize>,
    /// Why it was skipped, when it was: `{reason, detail}`, the reason from the fixed list of
    /// [`crate::outcome::Reason`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<NotExercised>,
    /// Parts of its statement it could not exercise (the rest it did), each with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_exercised: Vec<NotExercised>,
    /// What it exercised: evidence per requirement id (see [`crate::outcome::Evidence`]).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub exercised: crate::outcome::Exercised,
}

/// Totals and settings of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// What was tested.
    pub target: String,
    /// Operations run.
    pub operations: Vec<OperationId>,
    /// Generation seed (rerun with `--seed`).
    pub seed: u64,
    /// Generated cases per operation.
    pub cases_per_operation: u64,
    /// Requests that went out, the preflight's and retries included (what `--max-requests`
    /// bounds); the trials' own counts leave those out.
    pub requests: u64,
    /// Trials by outcome.
    pub trials: BTreeMap<String, u64>,
    /// Number of findings.
    pub findings: u64,
    /// Number of observations: positions this target reads otherwise (not drift).
    pub observations: u64,
    /// Whether positions were held strictly (`strict`: a position read otherwise is a finding)
    /// or observed (`observe`).
    pub positions: crate::outcome::PositionMode,
    /// Findings per category (categories with none are left out).
    pub by_category: BTreeMap<Category, u64>,
    /// Findings per operation.
    pub by_operation: BTreeMap<OperationId, u64>,
    /// Number of transport problems.
    pub transport_problems: u64,
    /// Findings the baseline accepted.
    pub accepted: u64,
    /// Behaviour changes against a recording.
    pub behaviour_changes: u64,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Settings a reader needs to interpret the findings (policies, `--insecure`...).
    pub notes: Vec<String>,
    /// The process exit code this run ends with.
    pub exit_code: i32,
    /// Whether a signal (SIGINT, SIGTERM) stopped the run before it finished: the results cover
    /// only what completed, and `exit_code` is 130 or 143.
    pub interrupted: bool,
    /// What was not exercised (skipped trials and parts of trials left out) by reason; the
    /// trials say what exactly. Reasons with none are left out.
    pub not_exercised: BTreeMap<crate::outcome::Reason, u64>,
    /// Which build and which contract produced this report: version, git commit, schemas hash.
    pub tool: crate::build_info::ToolInfo,
    /// When the run started (RFC 3339, UTC, to the second): the date a migration table or a
    /// change request quotes.
    pub started: String,
    /// The partner id the requests carried (empty when no operation needs one).
    pub partner_id: String,
    /// For a run against the embedded mock, the `partner-conformance serve` command that starts
    /// the same mock (drifts, readings, fault, fixtures, schemas) on the port the reproduce
    /// lines name, since the embedded one stops with the run; `None` for any other target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serve: Option<String>,
    /// Which requests the run planned (`--plan`), and what they verified per request; absent
    /// for `migrate`, whose trials are its comparisons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanSummary>,
}

/// The plan a run followed, for the summary: off loopback, requests are what a run costs, so
/// the report says how many it planned and how much of the documentation each one verified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanSummary {
    /// `coverage` or `full` (`--plan`).
    pub mode: crate::settings::PlanMode,
    /// Generated cases the plan sends.
    pub generated_cases: u64,
    /// Generated cases the full plan sends (`--cases` per operation and polarity).
    pub generated_pool: u64,
    /// Requests expected before the run (the stateful checks' share is a guess: they follow
    /// the target's data).
    pub estimated_requests: u64,
    /// Documented requirements verified per request sent (0 when none was sent).
    pub verified_per_request: f64,
}

/// Everything a run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Totals.
    pub summary: Summary,
    /// New drift: what fails the run.
    pub findings: Vec<Finding>,
    /// How this target reads what the documentation leaves open: findings about a position (an
    /// A-number of `schemas/README.md`) the target reads otherwise. Never a failure.
    pub observations: Vec<Finding>,
    /// Not drift.
    pub transport: Vec<TransportProblem>,
    /// Drift accepted by the baseline.
    pub accepted: Vec<AcceptedFinding>,
    /// Changes against a recording.
    pub behaviour_changes: Vec<BehaviourChange>,
    /// What the baseline did, when one was given.
    pub baseline: Option<BaselineSummary>,
    /// One record per trial, in run order.
    pub trials: Vec<TrialRecord>,
    /// Which documented requirements this run verified on its target, per requirement, per
    /// operation and overall.
    pub coverage: crate::outcome::Coverage,
    /// The migration table (`migrate` only; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub migration: Vec<crate::migrate::MigrationRow>,
}

impl Report {
    /// The findings a trial's record points at.
    pub fn findings_of<'a>(&'a self, trial: &'a TrialRecord) -> Vec<&'a Finding> {
        trial
            .findings
            .iter()
            .filter_map(|&i| self.findings.get(i))
            .collect()
    }

    /// The transport problems a trial's record points at.
    pub fn transport_of<'a>(&'a self, trial: &'a TrialRecord) -> Vec<&'a TransportProblem> {
        trial
            .transport
            .iter()
            .filter_map(|&i| self.transport.get(i))
            .collect()
    }

    /// The behaviour changes a trial's record points at.
    pub fn changes_of<'a>(&'a self, trial: &'a TrialRecord) -> Vec<&'a BehaviourChange> {
        trial
            .changes
            .iter()
            .filter_map(|&i| self.behaviour_changes.get(i))
            .collect()
    }

    /// Replaces every secret value in every text of the report with `[REDACTED]`. Reports quote
    /// what a target sent (codes, messages, bodies); a hostile target could echo a credential.
    pub fn redact(&mut self, secrets: &[String]) {
        if secrets.is_empty() {
            return;
        }
        let r = |text: &mut String| *text = crate::secret::redact(text, secrets);
        for f in self
            .findings
            .iter_mut()
            .chain(self.observations.iter_mut())
            .chain(self.accepted.iter_mut().map(|a| &mut a.finding))
        {
            r(&mut f.location);
            r(&mut f.expected);
            r(&mut f.observed);
            r(&mut f.reproduce);
        }
        for t in &mut self.transport {
            r(&mut t.message);
            r(&mut t.reproduce);
        }
        for c in &mut self.behaviour_changes {
            c.locations.iter_mut().for_each(r);
            r(&mut c.recorded);
            r(&mut c.observed);
            r(&mut c.reproduce);
        }
        self.summary.notes.iter_mut().for_each(r);
        r(&mut self.summary.target);
        for row in &mut self.migration {
            row.showed.iter_mut().for_each(r);
        }
    }
}
