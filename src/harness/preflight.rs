//! The preflight: one request per operation before the run. A target that cannot be reached,
//! that answers nothing usable, that has none of the documented APIs, or that refuses every
//! credential ends the run with exit 3 and one sentence; its reports then hold one trial per
//! operation (`preflight::<op>`) with what that operation got, so a CI test tab shows one error
//! per operation rather than an empty suite that reads as "no tests". An operation whose
//! credential alone is refused is not run: a refused credential is not drift
//! ([`Preflight::refused`]).

/// What the preflight found on a usable target.
#[derive(Debug, Default)]
pub(super) struct Preflight {
    /// Notes for the report (an operation missing, a partner id refused, a credential refused).
    pub notes: Vec<String>,
    /// Operations not run, with what their trials then say: those whose credential the target
    /// refused (every answer would be the refusal, not the documented behaviour) and those it
    /// does not serve (every answer would be the gateway's "no such API").
    pub refused: BTreeMap<OperationId, NotExercised>,
}

/// The environment variable(s) an operation's credential comes from, as a person sets them.
fn credential_variable(client: &HttpClient, op: &crate::spec::Operation) -> String {
    if client.credentials().signs(op) {
        format!("{}/{}", crate::client::AK_ENV, crate::client::SK_ENV)
    } else {
        op.meta.token_env.clone()
    }
}

use crate::client::{HttpClient, PreparedRequest, TransportKind};
use crate::outcome::{NotExercised, Reason};
use crate::report::{Report, TransportProblem, TrialOutcome, TrialRecord};
use crate::spec::{ErrorRole, OperationId};
use std::collections::BTreeMap;

/// Why a target cannot be used, with what the preflight saw.
pub(super) struct Unusable {
    /// One sentence: what is wrong and what to check.
    pub sentence: String,
    /// What each operation got, in operation order: a transport problem, or an answer that
    /// makes it unusable (`no_such_api`, `credentials_refused`).
    pub problems: Vec<TransportProblem>,
}

impl Unusable {
    /// Puts what the preflight saw into `report`: the problems, and one trial per operation
    /// holding that operation's problems.
    pub fn fill(self, operations: &[OperationId], report: &mut Report) {
        let mut trials = Vec::new();
        for &op in operations {
            let indices: Vec<usize> = (0..self.problems.len())
                .filter(|&i| self.problems[i].operation == op)
                .collect();
            trials.push(TrialRecord {
                name: trial_name(op),
                operation: Some(op),
                outcome: if indices.is_empty() {
                    TrialOutcome::Skipped
                } else {
                    TrialOutcome::Transport
                },
                requests: 1,
                duration_ms: 0,
                skip_reason: indices.is_empty().then(|| {
                    NotExercised::new(Reason::NoUsableAnswer, "not judged: the target is unusable")
                }),
                transport: indices,
                ..TrialRecord::default()
            });
        }
        let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
        for trial in &trials {
            let key = match trial.outcome {
                TrialOutcome::Transport => "transport",
                _ => "skipped",
            };
            *outcomes.entry(key.to_string()).or_default() += 1;
        }
        report.summary.requests = operations.len() as u64;
        report.summary.trials = outcomes;
        report.summary.transport_problems = self.problems.len() as u64;
        report.transport = self.problems;
        report.summary.not_exercised = crate::report::not_exercised_counts(&trials);
        report.trials = trials;
    }
}

/// The name of an operation's preflight trial.
fn trial_name(op: OperationId) -> String {
    format!("preflight::{op}")
}

/// One request per operation before the run; see the module documentation. Returns notes for
/// the report (an operation missing, or refusing the partner id) and the operations whose
/// credential was refused when the target is usable. A request the run's stop turned away is
/// nobody's problem: an interrupted preflight never makes the target unusable.
pub(super) async fn preflight(
    client: &HttpClient,
    operations: &[OperationId],
    ca_cert: Option<&std::path::Path>,
) -> Result<Preflight, Unusable> {
    let mut notes = Vec::new();
    let mut refused_ops = BTreeMap::new();
    let spec = client.spec();
    let mut problems = Vec::new();
    // Answers that make an operation unusable, kept apart: they count only when every
    // operation is unusable the same way.
    let mut missing = Vec::new();
    let mut refused = Vec::new();
    // One request per operation, all at once: against a stalling target the preflight costs
    // one timeout (with its retries), not one per operation.
    let requests: Vec<(OperationId, PreparedRequest)> = operations
        .iter()
        .map(|&op| {
            (
                op,
                PreparedRequest::new(spec.operation(op), client.target()),
            )
        })
        .collect();
    let answers =
        futures_util::future::join_all(requests.iter().map(|(_, r)| client.send(r))).await;
    for ((op, request), answer) in requests.iter().zip(answers) {
        let (op, operation) = (*op, spec.operation(*op));
        let problem = |kind: &str, message: String, status: Option<u16>| TransportProblem {
            operation: op,
            trial: trial_name(op),
            kind: kind.into(),
            message,
            status,
            reproduce: crate::client::curl_line(
                request,
                operation,
                client.target(),
                client.credentials(),
            ),
        };
        match answer {
            Err(error) if error.kind == TransportKind::Interrupted => {}
            Err(error) => problems.push(problem(
                error.kind.as_str(),
                error.message.clone(),
                error.status,
            )),
            Ok(answer) => {
                let code = answer
                    .body
                    .get("error_code")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                let unauthenticated = operation
                    .error_for(ErrorRole::Unauthenticated)
                    .map(|e| e.status);
                if Some(answer.status) == unauthenticated {
                    let variable = credential_variable(client, operation);
                    refused.push(problem(
                        "credentials_refused",
                        format!(
                            "answered {} {code}: the credentials were refused (check {variable})",
                            answer.status
                        ),
                        Some(answer.status),
                    ));
                    refused_ops.insert(
                        op,
                        NotExercised::new(
                            Reason::CredentialRefused,
                            format!(
                                "the target refused the credential in {variable} for {op} ({}), so none of {op} was run",
                                format!("{} {code}", answer.status).trim_end()
                            ),
                        ),
                    );
                }
                let no_such_api = spec.gateway_error(ErrorRole::NoSuchApi).is_some_and(|e| {
                    e.status == answer.status && !code.is_empty() && e.has_code(code)
                });
                if no_such_api {
                    missing.push(problem(
                        "no_such_api",
                        format!(
                            "answered {} {code}: no API `{} {}` under this base URL",
                            answer.status, operation.meta.method, operation.meta.path
                        ),
                        Some(answer.status),
                    ));
                    notes.push(format!(
                        "{op} was not run: it answered {} as an API that does not exist, so the target may not serve `{} {}` (yet); an operation missing is not drift",
                        answer.status, operation.meta.method, operation.meta.path
                    ));
                }
                let entry = crate::checks::observed_entry(operation, answer.status, &answer.body);
                if entry.is_some_and(|e| e.role == ErrorRole::PartnerMismatch) {
                    notes.push(format!(
                        "{op} refused the partner id `{}` ({} {}): check --partner-id; its findings may all follow from that",
                        client.target().partner_id,
                        answer.status,
                        entry.and_then(|e| e.error_code.as_deref()).unwrap_or("")
                    ));
                }
            }
        }
    }
    if operations.is_empty() {
        return Ok(Preflight {
            notes,
            refused: refused_ops,
        });
    }
    let in_order = |mut list: Vec<TransportProblem>| {
        list.sort_by_key(|p| operations.iter().position(|op| *op == p.operation));
        list
    };
    if problems.len() == operations.len() {
        let first = &problems[0];
        let sentence = if first.kind == "tls" {
            format!(
                "the target's TLS certificate is not trusted ({}): {}",
                client.target().label(),
                crate::client::describe_certificate_problem(&first.message, ca_cert)
            )
        } else if first.kind == "connect" {
            format!(
                "could not reach the target ({}): check --target/--aicc-target, the network and TLS. First error: {}",
                client.target().label(),
                first.message
            )
        } else {
            format!(
                "the target ({}) gave no usable answer to any operation ({}: {}): it is up but broken, or not the API",
                client.target().label(),
                first.kind,
                first.message
            )
        };
        return Err(Unusable {
            sentence,
            problems: in_order(problems),
        });
    }
    if missing.len() + problems.len() == operations.len() {
        return Err(Unusable {
            sentence: format!(
                "the target ({}) answered every selected operation as an API that does not exist: check --target (the base URL, without a path), or whether the target serves these APIs yet",
                client.target().label()
            ),
            problems: in_order(problems.into_iter().chain(missing).collect()),
        });
    }
    let variables = || -> String {
        refused_ops
            .keys()
            .map(|op| credential_variable(client, spec.operation(*op)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ")
    };
    if refused.len() + problems.len() == operations.len() {
        return Err(Unusable {
            sentence: format!(
                "the target refused the credentials of every operation: check {}",
                variables()
            ),
            problems: in_order(problems.into_iter().chain(refused).collect()),
        });
    }
    // Nothing left to exercise: some operations refuse the credential, the others are missing.
    if !refused.is_empty() && refused.len() + missing.len() + problems.len() == operations.len() {
        return Err(Unusable {
            sentence: format!(
                "nothing could be exercised: the target refused {} and answers the other operations as APIs that do not exist",
                variables()
            ),
            problems: in_order(problems.into_iter().chain(refused).chain(missing).collect()),
        });
    }
    for op in refused_ops.keys() {
        notes.push(format!(
            "{op} was not run: the target refused the credential in {} (a refused credential is not drift; check the variable)",
            credential_variable(client, spec.operation(*op))
        ));
    }
    // An operation the target does not serve is not run: its rules are `operation_missing`,
    // not drift (the new APIs on a staging that has only the old ones).
    let mut not_run = refused_ops;
    for problem in &missing {
        not_run.entry(problem.operation).or_insert_with(|| {
            NotExercised::new(
                Reason::OperationMissing,
                format!(
                    "the target does not serve {}: {}",
                    problem.operation, problem.message
                ),
            )
        });
    }
    Ok(Preflight {
        notes,
        refused: not_run,
    })
}
