//! What checks see. [`ResponseContext`] is one exchange and what it called for;
//! [`StatefulContext`] lets a stateful check send requests (each answer also goes through the
//! per-response checks) and report findings. Both build findings the same way.

use super::policy::Policies;
use super::selection::CheckSelection;
use super::walk::WalkCache;
use crate::client::{curl_line, Exchange, HttpClient, PreparedRequest, TransportError};
use crate::outcome::Expectation;
use crate::outcome::{BehaviourChange, TransportProblem};
use crate::outcome::{Category, Finding, NotExercised};
use crate::spec::{DocRef, Operation, Position, RuleId, Spec};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// One answer and what its request called for.
#[derive(Debug)]
pub struct ResponseContext<'a> {
    /// The contract.
    pub spec: &'a Spec,
    /// The operation called.
    pub op: &'a Operation,
    /// The request and the answer.
    pub exchange: &'a Exchange,
    /// What the request called for.
    pub expectation: &'a Expectation,
    /// Run policies.
    pub policies: &'a Policies,
    /// The reproduce line of the request, made when a finding first needs it.
    pub reproduce: &'a Reproduce<'a>,
    /// The trial name.
    pub trial: &'a str,
    /// The rule the request tests (a parameter's constraint, a scenario, a semantic): what a
    /// wrong status or error code for it violates.
    pub rule: &'a RuleId,
    /// The position that rule rests on (`None` when documented): findings about what the
    /// request called for carry it.
    pub position: Option<&'a Position>,
}

impl ResponseContext<'_> {
    /// A finding of `check` about this exchange.
    pub fn finding(
        &self,
        check: &str,
        category: Category,
        location: impl Into<String>,
        expected: impl Into<String>,
        observed: impl Into<String>,
        doc: Option<String>,
    ) -> Finding {
        Finding::new(
            check,
            crate::checks::info(check).code,
            category,
            self.rule.clone(),
            (location.into(), expected.into(), observed.into()),
            self.reproduce.line().to_string(),
            doc,
            self.trial,
            crate::outcome::FindingOrigin {
                request: self.exchange.request.clone(),
                expectation: self.expectation.clone(),
            },
        )
        .resting_on(self.position)
    }
}

/// The reproduce line of a request, made the first time a finding about its answer needs it:
/// most answers have no finding, and quoting a request for a shell cost about as much as a
/// per-response check on every answer.
pub struct Reproduce<'a> {
    line: std::sync::OnceLock<String>,
    make: Box<dyn Fn() -> String + Send + Sync + 'a>,
}

impl<'a> Reproduce<'a> {
    /// A line `make` writes when it is first asked for.
    pub fn new(make: impl Fn() -> String + Send + Sync + 'a) -> Self {
        Reproduce {
            line: std::sync::OnceLock::new(),
            make: Box::new(make),
        }
    }

    /// The line (made once).
    pub fn line(&self) -> &str {
        self.line.get_or_init(|| (self.make)())
    }
}

impl std::fmt::Debug for Reproduce<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Reproduce").field(&self.line.get()).finish()
    }
}

/// Formats a documentation reference for a finding: `file · table · row`.
pub fn doc_label(doc: &DocRef) -> String {
    format!("{} · {} · {}", doc.en.file, doc.en.table, doc.en.row)
}

/// Everything a trial records: findings, transport problems, behaviour changes and the number
/// of requests.
#[derive(Debug, Default)]
pub struct Recorder {
    findings: Mutex<Vec<Finding>>,
    transport: Mutex<Vec<TransportProblem>>,
    changes: Mutex<Vec<BehaviourChange>>,
    requests: AtomicU64,
    cut_short: std::sync::atomic::AtomicBool,
    evidence: Mutex<Vec<crate::outcome::MigrationEvidence>>,
    /// How many findings of each kind (operation, category, check, location pattern) came.
    kinds: Mutex<std::collections::HashMap<crate::outcome::GroupKey, u64>>,
    notes: Mutex<Vec<String>>,
    skipped: Mutex<Option<NotExercised>>,
    not_exercised: Mutex<Vec<NotExercised>>,
    exercised: Mutex<crate::outcome::Exercised>,
}

/// What a recorder held.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Drift.
    pub findings: Vec<Finding>,
    /// Requests without a usable answer.
    pub transport: Vec<TransportProblem>,
    /// Answers that differ from a recording.
    pub changes: Vec<BehaviourChange>,
    /// Requests sent.
    pub requests: u64,
    /// Whether requests were not sent because the run's budget was spent or it was stopped.
    pub cut_short: bool,
    /// What a migration trial saw, for the migration table.
    pub evidence: Vec<crate::outcome::MigrationEvidence>,
    /// Sentences for the report's notes (documented meaning changes).
    pub notes: Vec<String>,
    /// Why none of the trial's statement could be exercised, when none could.
    pub skipped: Option<NotExercised>,
    /// Parts of the trial's statement that could not be exercised, each with its reason.
    pub not_exercised: Vec<NotExercised>,
    /// Evidence per requirement id: what the trial exercised.
    pub exercised: crate::outcome::Exercised,
}

/// Findings of one kind a trial keeps; more are counted, and a note says how many. A drift every
/// generated case shows would otherwise hold one finding per case (millions in a long run).
pub const MAX_FINDINGS_OF_A_KIND: u64 = 50;

/// Adds items to a shared list; a poisoned lock (a panicked trial) drops them rather than
/// spreading the panic.
fn append<T>(list: &Mutex<Vec<T>>, items: impl IntoIterator<Item = T>) {
    if let Ok(mut all) = list.lock() {
        all.extend(items);
    }
}

impl Recorder {
    /// Adds findings.
    pub fn findings(&self, findings: impl IntoIterator<Item = Finding>) {
        let Ok(mut kinds) = self.kinds.lock() else {
            return;
        };
        let kept: Vec<Finding> = findings
            .into_iter()
            .filter(|f| {
                let seen = kinds.entry(f.group_key()).or_default();
                *seen += 1;
                *seen <= MAX_FINDINGS_OF_A_KIND
            })
            .collect();
        drop(kinds);
        append(&self.findings, kept);
    }

    /// Adds a transport problem.
    pub fn transport(&self, problem: TransportProblem) {
        append(&self.transport, [problem]);
    }

    /// Notes that a request was not sent (or given up) because the run's budget was spent or
    /// the run was stopped.
    pub fn cut_short(&self) {
        self.cut_short.store(true, Ordering::Relaxed);
    }

    /// Whether the run's budget stopped a request of this trial: a trial sending many cases
    /// stops making them then.
    pub fn is_cut_short(&self) -> bool {
        self.cut_short.load(Ordering::Relaxed)
    }

    /// Adds a behaviour change.
    pub fn change(&self, change: BehaviourChange) {
        append(&self.changes, [change]);
    }

    /// Adds an observation for the migration table.
    pub fn migration_evidence(&self, evidence: crate::outcome::MigrationEvidence) {
        append(&self.evidence, [evidence]);
    }

    /// Adds a note for the report (not drift).
    pub fn note(&self, note: String) {
        append(&self.notes, [note]);
    }

    /// Notes that nothing of the trial's statement could be exercised, and why (the first
    /// reason given is kept): the trial is then skipped, not passed.
    pub fn skip(&self, reason: NotExercised) {
        if let Ok(mut skipped) = self.skipped.lock() {
            skipped.get_or_insert(reason);
        }
    }

    /// Whether the trial was skipped (nothing of its statement exercised).
    pub fn is_skipped(&self) -> bool {
        self.skipped.lock().map(|s| s.is_some()).unwrap_or(true)
    }

    /// Whether a part of the trial's statement could not be exercised for one of `reasons`.
    pub fn has_gap(&self, reasons: &[crate::outcome::Reason]) -> bool {
        self.not_exercised
            .lock()
            .map(|parts| parts.iter().any(|p| reasons.contains(&p.reason)))
            .unwrap_or(true)
    }

    /// Notes a part of the trial's statement that could not be exercised, and why: the rest
    /// was, and the reports name the part left out.
    pub fn not_exercised(&self, part: NotExercised) {
        if let Ok(mut parts) = self.not_exercised.lock() {
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
    }

    /// Counts evidence about requirements (the coverage of the documentation).
    pub fn exercised(
        &self,
        evidence: impl IntoIterator<Item = (RuleId, crate::outcome::Evidence)>,
    ) {
        if let Ok(mut all) = self.exercised.lock() {
            for (rule, kind) in evidence {
                all.entry(rule).or_default().add(kind);
            }
        }
    }

    /// Counts one request.
    pub fn count_request(&self) {
        self.add_requests(1);
    }

    /// Counts requests sent on this recorder's behalf by another.
    pub fn add_requests(&self, n: u64) {
        self.requests.fetch_add(n, Ordering::Relaxed);
    }

    /// Everything recorded, leaving the recorder empty.
    pub fn take(&self) -> Recorded {
        fn drain<T>(m: &Mutex<Vec<T>>) -> Vec<T> {
            m.lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default()
        }
        Recorded {
            findings: drain(&self.findings),
            transport: drain(&self.transport),
            changes: drain(&self.changes),
            requests: self.requests.swap(0, Ordering::Relaxed),
            cut_short: self.cut_short.swap(false, Ordering::Relaxed),
            evidence: drain(&self.evidence),
            skipped: self.skipped.lock().ok().and_then(|mut s| s.take()),
            not_exercised: drain(&self.not_exercised),
            exercised: self
                .exercised
                .lock()
                .map(|mut e| std::mem::take(&mut *e))
                .unwrap_or_default(),
            notes: {
                let mut notes = drain(&self.notes);
                let kinds = self
                    .kinds
                    .lock()
                    .map(|mut k| std::mem::take(&mut *k))
                    .unwrap_or_default();
                let mut over: Vec<_> = kinds
                    .into_iter()
                    .filter(|(_, n)| *n > MAX_FINDINGS_OF_A_KIND)
                    .collect();
                over.sort();
                for ((operation, _, check, pattern), n) in over {
                    notes.push(format!(
                        "{} more findings of {check} at {operation} {pattern} were counted but not kept (the first {MAX_FINDINGS_OF_A_KIND} are listed)",
                        n - MAX_FINDINGS_OF_A_KIND
                    ));
                }
                notes
            },
        }
    }
}

/// What a trial gives its checks: a client, the policies, the selection, the shared walks and a
/// recorder. Every request it sends is counted, and its answer is judged by the per-response
/// checks before the caller sees it.
#[derive(Debug)]
pub struct StatefulContext<'a> {
    /// The shared client.
    pub client: &'a HttpClient,
    /// Run policies.
    pub policies: &'a Policies,
    /// Enabled checks.
    pub selection: &'a CheckSelection,
    /// Walks of list operations, shared by every trial of a run.
    pub walks: &'a WalkCache,
    /// Where results go.
    pub recorder: &'a Recorder,
    /// Where the evidence for the coverage of the documentation goes: `recorder`, except for a
    /// generated case, whose findings are held apart (to shrink it) while its evidence goes
    /// straight to its trial's tally, not through a tally of its own.
    pub coverage: &'a Recorder,
    /// The trial name.
    pub trial: String,
    /// The rule the requests it sends test, for findings of the per-response checks about
    /// them (a generated case's constraint, a scenario, the stateful check's semantic).
    pub rule: RuleId,
    /// The position that rule rests on, when it is not documented: the findings of the
    /// per-response checks about what a request called for, and the check's own, carry it.
    pub position: Option<Position>,
}

impl StatefulContext<'_> {
    /// The contract.
    pub fn spec(&self) -> &Spec {
        self.client.spec()
    }

    /// The reproduce line of a request.
    pub fn curl(&self, request: &PreparedRequest) -> String {
        let op = self.spec().operation(request.operation);
        curl_line(request, op, self.client.target(), self.client.credentials())
    }

    /// Sends a request, runs the per-response checks with `expectation`, and returns the answer;
    /// `None` when it failed at transport (recorded as such).
    pub async fn send(
        &self,
        request: &PreparedRequest,
        expectation: &Expectation,
    ) -> Option<Exchange> {
        let result = self.client.send(request).await;
        if !matches!(&result, Err(e) if e.kind.is_cut_short()) {
            self.recorder.count_request();
        }
        match result {
            Ok(exchange) => {
                let spec = self.spec();
                let reproduce = Reproduce::new(|| self.curl(request));
                let ctx = ResponseContext {
                    spec,
                    op: spec.operation(request.operation),
                    exchange: &exchange,
                    expectation,
                    policies: self.policies,
                    reproduce: &reproduce,
                    trial: &self.trial,
                    rule: &self.rule,
                    position: self.position.as_ref(),
                };
                let findings = crate::checks::check_response(&ctx, self.selection);
                self.coverage.exercised(super::coverage::exchange_evidence(
                    spec,
                    &exchange,
                    expectation,
                    &self.rule,
                    &findings,
                    self.selection,
                ));
                self.recorder.findings(findings);
                Some(exchange)
            }
            Err(error) if error.kind.is_cut_short() => {
                self.recorder.cut_short();
                None
            }
            Err(error) => {
                self.transport_problem(request, &error);
                None
            }
        }
    }

    /// Records a transport problem for a request.
    pub fn transport_problem(&self, request: &PreparedRequest, error: &TransportError) {
        self.recorder.transport(TransportProblem {
            operation: request.operation,
            trial: self.trial.clone(),
            kind: error.kind.as_str().to_string(),
            message: error.message.clone(),
            status: error.status,
            reproduce: self.curl(request),
        });
    }

    /// Records a finding of `check` about `request`.
    #[expect(clippy::too_many_arguments, reason = "a finding has this many parts")]
    pub fn report(
        &self,
        check: &str,
        category: Category,
        location: impl Into<String>,
        expected: impl Into<String>,
        observed: impl Into<String>,
        request: &PreparedRequest,
        doc: Option<String>,
    ) {
        let said = (location.into(), expected.into(), observed.into());
        self.record(check, category, said, self.curl(request), request, doc);
    }

    /// Records a finding that two requests together show (a migration difference): about
    /// `new_request`, reproduced by both curl lines, old first.
    #[expect(clippy::too_many_arguments, reason = "a finding has this many parts")]
    pub fn report_pair(
        &self,
        check: &str,
        category: Category,
        location: impl Into<String>,
        expected: impl Into<String>,
        observed: impl Into<String>,
        old_request: &PreparedRequest,
        new_request: &PreparedRequest,
        doc: Option<String>,
    ) {
        let said = (location.into(), expected.into(), observed.into());
        let reproduce = format!("{}\n{}", self.curl(old_request), self.curl(new_request));
        self.record(check, category, said, reproduce, new_request, doc);
    }

    /// Records a finding of a stateful check (its requests are judged as documented), about the
    /// rule the trial tests narrowed to the statement it expected (see [`RuleId::narrowed`]).
    fn record(
        &self,
        check: &str,
        category: Category,
        said: (String, String, String),
        reproduce: String,
        request: &PreparedRequest,
        doc: Option<String>,
    ) {
        self.recorder.findings([Finding::new(
            check,
            crate::checks::info(check).code,
            category,
            self.rule.narrowed(&said.1),
            said,
            reproduce,
            doc,
            &self.trial,
            crate::outcome::FindingOrigin {
                request: request.clone(),
                expectation: Expectation::Documented,
            },
        )
        .resting_on(self.position.as_ref())]);
    }

    /// The same context for statements that rest on `position` (when it is `Some`): a stateful
    /// check calls this with the position of the schema keyword a statement relies on, read
    /// from the contract (`Parameter::position_of`), never typed.
    pub fn resting_on(&self, position: Option<&Position>) -> StatefulContext<'_> {
        StatefulContext {
            client: self.client,
            policies: self.policies,
            selection: self.selection,
            walks: self.walks,
            recorder: self.recorder,
            coverage: self.coverage,
            trial: self.trial.clone(),
            rule: self.rule.clone(),
            position: position.or(self.position.as_ref()).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::testing::{answer, run, spec};
    use crate::checks::Policies;
    use crate::spec::OperationId;

    #[test]
    fn a_trial_keeps_a_bounded_number_of_findings_of_a_kind_and_counts_the_rest() {
        let spec = spec();
        let exchange = answer(
            &spec,
            OperationId::CustomersV1,
            200,
            serde_json::json!({"count": "x"}),
        );
        let finding = run(
            &spec,
            crate::checks::CHECKS
                .iter()
                .find(|c| c.name == "response_schema_conformance")
                .expect("a registered check")
                .runner_per_response(),
            &exchange,
            &Expectation::Success,
            &Policies::default(),
        )
        .into_iter()
        .find(|f| f.location == "body.count")
        .expect("count as a string is a finding");
        let recorder = Recorder::default();
        let extra = 150;
        recorder.findings(std::iter::repeat_n(
            finding,
            (MAX_FINDINGS_OF_A_KIND + extra) as usize,
        ));
        let recorded = recorder.take();
        assert_eq!(recorded.findings.len() as u64, MAX_FINDINGS_OF_A_KIND);
        assert!(
            recorded.notes.iter().any(|n| n.starts_with(&format!(
                "{extra} more findings of response_schema_conformance"
            ))),
            "{:?}",
            recorded.notes
        );
    }
}
