//! The body of each kind of trial. Every request goes through a [`StatefulContext`], so its
//! answer is judged by the per-response checks and counted; stateful checks add their own
//! findings. Nothing here decides an exit code.

use super::context::RunContext;
use super::plan::{PlannedTrial, TrialKind};
use super::recording;
use super::regressions::Regression;
use crate::checks::{self, Expectation, Finding, Policies, Recorder, StatefulContext, Toggle};
use crate::client::PreparedRequest;
use crate::generate::{self, CaseStrategy, GeneratedCase, Polarity, Scenario};
use crate::outcome::{NotExercised, Reason, TransportProblem};
use crate::spec::{ErrorRole, Operation, OperationId, Position, RuleId};
use futures_util::stream::{self, StreamExt};

/// Failing generated cases shrunk per trial (each shrink costs up to [`SHRINK_BUDGET`] requests).
const SHRINKS_PER_TRIAL: usize = 3;
/// Requests one shrink may send.
const SHRINK_BUDGET: usize = 48;

/// Runs one trial; returns why it was skipped, if it was.
pub async fn execute(
    ctx: &RunContext,
    trial: &PlannedTrial,
    recorder: &Recorder,
) -> Option<NotExercised> {
    // A refused credential is not drift: nothing the operation answers would show its rules.
    if let Some(refused) = ctx.refused.get(&trial.operation) {
        return Some(refused.clone());
    }
    let sctx = stateful_context(
        ctx,
        trial.name.clone(),
        (recorder, recorder),
        trial_rule(ctx, trial),
        trial_position(ctx, trial),
    );
    match &trial.kind {
        TrialKind::Scenario(index) => {
            let scenario = &ctx.scenarios[*index];
            let spec = ctx.client.spec();
            let mut request = scenario.prepare(spec, ctx.client.target());
            // A probe of how a credential is presented needs that credential: without it, the
            // request goes out bare and its 401 would pass the probe vacuously.
            let op = spec.operation(trial.operation);
            if let Some(variable) = request.missing_credential(op, ctx.client.credentials()) {
                return Some(NotExercised::new(
                    Reason::CredentialMissing,
                    format!(
                        "the scenario presents {variable} (auth `{}`), but no {variable} is configured: the run signs {} with the AK/SK pair, which this request cannot carry, so it would go out without credentials and its answer would prove nothing",
                        request.auth_label(),
                        op.id
                    ),
                ));
            }
            if let Some(discover) = scenario.discover {
                if let Err(gap) = discover_value(&sctx, &mut request, discover).await {
                    return Some(gap);
                }
            }
            let expectation = match scenario.expectation_under(&ctx.policies) {
                Ok(expectation) => expectation,
                // Unreachable: loading refuses a scenario without a valid expectation.
                Err(error) => {
                    return Some(NotExercised::new(Reason::NotApplicable, error.to_string()))
                }
            };
            let answer = sctx.send(&request, &expectation).await?;
            compare_with_recordings(ctx, &sctx, scenario, &request, &answer)
        }
        TrialKind::Generated(polarity) => {
            let op = ctx.client.spec().operation(trial.operation);
            let no_case = || {
                Some(NotExercised::new(
                    Reason::NotApplicable,
                    "no case to generate for this operation",
                ))
            };
            if let Some(cover) = &ctx.cover {
                let cases = cover.cases(op.id, *polarity);
                if cases.is_empty() {
                    return no_case();
                }
                run_cases(ctx, &sctx, op, *polarity, cases.iter().cloned(), true).await;
                return None;
            }
            let mut cases = generate::cases(op, *polarity, ctx.seed, ctx.cases).peekable();
            if cases.peek().is_none() {
                return no_case();
            }
            run_cases(ctx, &sctx, op, *polarity, cases, true).await;
            None
        }
        TrialKind::Regressions => {
            // A file of up to a few MiB, read and parsed off the workers the mock needs.
            let kept = tokio::task::block_in_place(|| ctx.regressions.load(trial.operation))
                .unwrap_or_default();
            let op = ctx.client.spec().operation(trial.operation);
            for polarity in [Polarity::Valid, Polarity::Invalid] {
                let Some(strategy) = CaseStrategy::new(op, polarity) else {
                    continue;
                };
                let cases: Vec<_> = kept
                    .iter()
                    .filter_map(Regression::decode)
                    .filter(|(p, _)| *p == polarity)
                    .filter_map(|(_, seed)| strategy.case(seed).map(|c| (seed, c)))
                    .collect();
                run_cases(ctx, &sctx, op, polarity, cases, false).await;
            }
            None
        }
        TrialKind::Migration(aspect) => {
            crate::migrate::run_aspect(&sctx, trial.operation, *aspect).await
        }
        TrialKind::Stateful(name) => {
            if let Some(reason) = walk_missing(&sctx, trial.operation, name).await {
                return Some(reason);
            }
            run_stateful(&sctx, trial.operation, name).await;
            // Ran to the end on data that could show a violation: the semantic is exercised. A
            // part left out because an earlier finding broke what it needs, or for want of an
            // answer or budget, leaves it unverified; a part without data of its own does not.
            let blocked = sctx.recorder.has_gap(&[
                Reason::BrokenByFinding,
                Reason::NoUsableAnswer,
                Reason::BudgetCut,
                Reason::Interrupted,
            ]);
            if !sctx.recorder.is_skipped() && !sctx.recorder.is_cut_short() && !blocked {
                sctx.coverage.exercised([(
                    RuleId::semantic(trial.operation, name),
                    crate::outcome::Evidence::Completed,
                )]);
            }
            None
        }
    }
}

/// Puts a value from the target's own list into a scenario's lookup parameter (`discover`): a
/// customer of the kind the scenario needs, its own value when the target lists that one.
async fn discover_value(
    sctx: &StatefulContext<'_>,
    request: &mut PreparedRequest,
    discover: super::scenarios::Discover,
) -> Result<(), NotExercised> {
    let operation = sctx.spec().operation(request.operation);
    let Some((name, lookup)) = operation
        .value_parameters()
        .find_map(|p| p.lookup.as_ref().map(|l| (p.name.clone(), l)))
    else {
        return Err(NotExercised::new(
            Reason::NotApplicable,
            format!("{} looks nothing up", operation.id),
        ));
    };
    let preferred = request.param(&name).map(str::to_string);
    let id = checks::support::lookup::pick(sctx, lookup, discover.eligible(), preferred.as_deref())
        .await?;
    match request.query.iter_mut().find(|(n, _)| *n == name) {
        Some((_, value)) => *value = id,
        None => request.query.push((name, id)),
    }
    Ok(())
}

/// Records a scenario's answer (`--record`) and compares it with the recording
/// (`--against-recording`); returns why the comparison could not be made, if it could not.
fn compare_with_recordings(
    ctx: &RunContext,
    sctx: &StatefulContext<'_>,
    scenario: &super::Scenario,
    request: &PreparedRequest,
    answer: &crate::client::Exchange,
) -> Option<NotExercised> {
    let unavailable =
        |detail: String| Some(NotExercised::new(Reason::RecordingUnavailable, detail));
    let op = scenario.operation.as_str();
    let value = recording::snapshot_value(answer);
    if let Some(dir) = &ctx.record {
        let path = recording::snapshot_path(dir, op, &scenario.name);
        let info = request.summary(ctx.client.spec().operation(scenario.operation));
        let secrets = ctx.client.credentials().secret_values();
        let written = tokio::task::block_in_place(|| {
            recording::write(&path, &scenario.description, &info, &value, &secrets)
        });
        if let Err(error) = written {
            return unavailable(format!("could not record to {}: {error}", path.display()));
        }
    }
    let dir = ctx.against_recording.as_ref()?;
    let path = recording::snapshot_path(dir, op, &scenario.name);
    let recorded = match tokio::task::block_in_place(|| recording::read(&path)) {
        Ok(Some(recorded)) => recorded,
        Ok(None) => return unavailable(format!("no recording at {}", path.display())),
        Err(error) => return unavailable(error),
    };
    let locations = recording::differences(&recorded, &value);
    if !locations.is_empty() {
        let short = |v: &serde_json::Value| {
            let text = v.to_string();
            if text.chars().count() > 200 {
                format!("{}…", text.chars().take(200).collect::<String>())
            } else {
                text
            }
        };
        sctx.recorder.change(crate::report::BehaviourChange {
            operation: scenario.operation,
            trial: sctx.trial.clone(),
            locations: locations.into_iter().take(10).collect(),
            recorded: short(&recorded),
            observed: short(&value),
            reproduce: sctx.curl(request),
        });
    }
    None
}

fn stateful_context<'a>(
    ctx: &'a RunContext,
    trial: String,
    (recorder, coverage): (&'a Recorder, &'a Recorder),
    rule: RuleId,
    position: Option<Position>,
) -> StatefulContext<'a> {
    StatefulContext {
        client: &ctx.client,
        policies: &ctx.policies,
        selection: &ctx.selection,
        walks: &ctx.walks,
        recorder,
        coverage,
        trial,
        rule,
        position,
    }
}

/// The position a trial's expected answers rest on: a scenario's own (its file's `basis`), or
/// the one of the catalogue entry it expects (`x-errors` `position`); stateful checks name
/// theirs per statement, and generated cases per case ([`GeneratedCase::position`]).
fn trial_position(ctx: &RunContext, trial: &PlannedTrial) -> Option<Position> {
    let TrialKind::Scenario(index) = &trial.kind else {
        return None;
    };
    let scenario = &ctx.scenarios[*index];
    let op = ctx.client.spec().operation(scenario.operation);
    scenario
        .position()
        .cloned()
        .or_else(|| match scenario.expectation() {
            Ok(Expectation::Role { role, .. }) => op.error_for(role)?.position.clone(),
            // A request that must be accepted may use a form or value whose acceptance is a
            // position (an example customer id the target does not know: A34).
            Ok(Expectation::Success | Expectation::NotInvalid) => {
                op.values_position(&scenario.request.query)
            }
            _ => None,
        })
}

/// comparison; generated trials name each case's own rule ([`GeneratedCase::rule`]).
fn trial_rule(ctx: &RunContext, trial: &PlannedTrial) -> RuleId {
    let op = trial.operation;
    match &trial.kind {
        TrialKind::Scenario(index) => RuleId::case(op, &ctx.scenarios[*index].name),
        TrialKind::Stateful(name) => RuleId::semantic(op, name),
        TrialKind::Migration(aspect) => RuleId::semantic(op, &format!("migration_{aspect}")),
        TrialKind::Generated(_) | TrialKind::Regressions => RuleId::valid_request(op),
    }
}

/// What a generated case calls for.
pub fn expectation_for(op: &Operation, case: &GeneratedCase, policies: &Policies) -> Expectation {
    if case.scenario == Scenario::Valid {
        return if op.parameters.iter().any(|p| p.lookup.is_some()) {
            Expectation::NotInvalid
        } else {
            Expectation::Success
        };
    }
    let lenient = match case.scenario {
        Scenario::SpaceInFuzzyValue => policies.fuzzy_spaces == Toggle::Lenient,
        Scenario::UnsupportedValue => policies.unsupported_enum == Toggle::Lenient,
        _ => false,
    };
    Expectation::Role {
        role: ErrorRole::InvalidParameter,
        or_empty_success: lenient,
    }
}

fn request_for(ctx: &RunContext, op: &Operation, case: &GeneratedCase) -> PreparedRequest {
    PreparedRequest::with_params(op, ctx.client.target(), &case.params)
}

/// Sends one case with its own recorder (so its findings are known apart) and counts the
/// request on the trial's; returns the case's findings and transport problems.
async fn send_case(
    ctx: &RunContext,
    trial: &StatefulContext<'_>,
    op: &Operation,
    case: &GeneratedCase,
) -> (Vec<Finding>, Vec<TransportProblem>) {
    let recorder = Recorder::default();
    let sctx = stateful_context(
        ctx,
        trial.trial.clone(),
        (&recorder, trial.coverage),
        case.rule(op),
        case.position(op),
    );
    let request = request_for(ctx, op, case);
    sctx.send(&request, &expectation_for(op, case, &ctx.policies))
        .await;
    let recorded = recorder.take();
    trial.recorder.add_requests(recorded.requests);
    if recorded.cut_short {
        trial.recorder.cut_short();
    }
    (recorded.findings, recorded.transport)
}

/// Sends cases concurrently; shrinks a few failing ones and keeps their seeds when `keep`.
async fn run_cases(
    ctx: &RunContext,
    sctx: &StatefulContext<'_>,
    op: &Operation,
    polarity: Polarity,
    cases: impl IntoIterator<Item = ([u8; 32], GeneratedCase)>,
    keep: bool,
) {
    // Cases are made as they are sent, and only those with something to report are kept, so
    // memory follows the findings, not the number of cases.
    // Made one at a time, and no longer once the run's budget is spent or the run is stopped.
    let stop = ctx.client.stop_switch();
    let cases = cases
        .into_iter()
        .take_while(|_| !sctx.recorder.is_cut_short() && !stop.is_stopped());
    // In case order (`buffered`), so the report is the same from run to run, and handed to the
    // trial's recorder as they come (which keeps a bounded number of each kind), so a drift
    // every case shows costs memory per kind of finding, not per case.
    let mut results = std::pin::pin!(stream::iter(cases)
        .map(|(seed, case)| async move {
            let (findings, transport) = send_case(ctx, sctx, op, &case).await;
            (seed, case, findings, transport)
        })
        .buffered(ctx.concurrency.max(1)));
    // The first failing cases are shrunk once every case has been sent: shrinking sends
    // requests of its own, which must not wait behind the permits of the cases in flight.
    let mut to_shrink = Vec::new();
    while let Some((seed, case, findings, transport)) = results.next().await {
        let drift = findings
            .iter()
            .any(|f| f.is_drift_under(ctx.policies.positions));
        if drift && to_shrink.len() < SHRINKS_PER_TRIAL {
            to_shrink.push((seed, case, findings, transport));
            continue;
        }
        sctx.recorder.findings(findings);
        for problem in transport {
            sctx.recorder.transport(problem);
        }
    }
    // Built only when a case is to be shrunk: most trials end without one.
    let strategy = match to_shrink.is_empty() {
        true => None,
        false => CaseStrategy::new(op, polarity),
    };
    let mut shrunk = 0;
    for (seed, case, mut findings, transport) in to_shrink {
        if !findings.is_empty() && shrunk < SHRINKS_PER_TRIAL {
            if let Some(strategy) = &strategy {
                shrunk += 1;
                let codes: Vec<String> = findings.iter().map(|f| f.code.clone()).collect();
                let (scenario, parameter) = (case.scenario, case.parameter.clone());
                let position = case.position(op);
                let simplest = generate::shrink(strategy, seed, SHRINK_BUDGET, |candidate| {
                    let codes = codes.clone();
                    // A simpler case only counts if it breaks the same constraint, and rests on
                    // the same position: a valid case refused for its reseller id (A23) is not
                    // the same failure as one refused for its non-ASCII name (A8).
                    let same = candidate.scenario == scenario
                        && candidate.parameter == parameter
                        && candidate.position(op) == position;
                    async move {
                        if !same {
                            return false;
                        }
                        let (found, _) = send_case(ctx, sctx, op, &candidate).await;
                        found.iter().any(|f| codes.contains(&f.code))
                    }
                })
                .await;
                if let Some(simplest) = simplest.filter(|s| *s != case) {
                    let (found, _) = send_case(ctx, sctx, op, &simplest).await;
                    if !found.is_empty() {
                        findings = found;
                    }
                }
                if keep {
                    let request = request_for(ctx, op, &case);
                    // The file lock may wait for another run: not on a worker the mock needs.
                    let regression = Regression {
                        polarity: polarity.as_str().into(),
                        seed: hex::encode(seed),
                        scenario: case.scenario.describe().into(),
                        check: findings
                            .first()
                            .map(|f| f.check.clone())
                            .unwrap_or_default(),
                        reproduce: sctx.curl(&request),
                    };
                    let kept =
                        tokio::task::block_in_place(|| ctx.regressions.keep(op.id, regression));
                    if let Err(error) = kept {
                        tracing::warn!(%error, "could not keep a failing seed");
                    }
                }
            }
        }
        sctx.recorder.findings(findings);
        for problem in transport {
            sctx.recorder.transport(problem);
        }
    }
}

/// Why a check that needs the full walk of a list cannot run, if the walk failed: the trial is
/// then skipped with that reason rather than shown as passed.
async fn walk_missing(
    sctx: &StatefulContext<'_>,
    op: OperationId,
    check: &str,
) -> Option<NotExercised> {
    let crate::checks::Runner::Stateful { walks, .. } = checks::check_info(check)?.runner else {
        return None;
    };
    let source = walks(sctx.spec(), sctx.spec().operation(op))?;
    match sctx.walk(source).await {
        Ok(_) => None,
        Err(error) => Some(error.not_exercised(source)),
    }
}

/// Runs a stateful check through its registry entry (the registry test holds every stateful
/// entry to a runner, so none can pass without running).
async fn run_stateful(sctx: &StatefulContext<'_>, op: OperationId, name: &str) {
    if let Some(crate::checks::Runner::Stateful { run, .. }) =
        checks::check_info(name).map(|c| c.runner)
    {
        run(sctx, op).await;
    }
}
