//! The libtest-mimic trial of each planned trial: runs it, records what it found, and says
//! pass, fail or ignored, telling the progress line when it starts and ends.

use super::compose::split_accepted;
use super::{execute, PlannedTrial, RunContext, TrialLists, TrialResult};
use crate::checks::{Finding, Recorder};
use crate::outcome::{NotExercised, Reason};
use crate::report::TrialRecord;
use libtest_mimic::{Completion, Failed, Trial};
use std::sync::Arc;
use std::time::Instant;

/// Runs a trial's future as a task of the run's runtime and waits for it. On the runtime's
/// workers, beside the connections it drives (and the embedded mock), a request's answer wakes
/// the trial without waking another thread first: polled from the libtest thread instead, a
/// loopback run spent about a tenth of its CPU switching between threads. A panic in the trial
/// goes on as the trial's own, as it did when polled here.
fn run_on_workers(
    ctx: &Arc<RunContext>,
    planned: &PlannedTrial,
    recorder: &Arc<Recorder>,
) -> Option<NotExercised> {
    let (task_ctx, task_trial, task_recorder) =
        (Arc::clone(ctx), planned.clone(), Arc::clone(recorder));
    let task = ctx
        .runtime
        .spawn(async move { execute::execute(&task_ctx, &task_trial, &task_recorder).await });
    match ctx.runtime.block_on(task) {
        Ok(skip_reason) => skip_reason,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Only a runtime shutting down cancels a task, and the run's outlives its trials.
        Err(error) => Some(NotExercised::new(Reason::Interrupted, error.to_string())),
    }
}

/// A libtest-mimic trial around one planned trial.
pub(super) fn trial(ctx: &Arc<RunContext>, planned: PlannedTrial) -> Trial {
    let ctx = Arc::clone(ctx);
    let name = planned.name.clone();
    Trial::ignorable_test(name, move || {
        ctx.progress
            .trial_started(&planned.name, ctx.client.stats().sent);
        let started = Instant::now();
        let recorder = Arc::new(Recorder::default());
        let stop = ctx.client.stop_switch();
        let skip_reason = if stop.is_stopped() {
            // Not started: a stopped run only finishes what it had begun.
            recorder.cut_short();
            None
        } else {
            run_on_workers(&ctx, &planned, &recorder)
        };
        let recorded = recorder.take();
        let (drift, observations) =
            crate::outcome::split_observations(recorded.findings, ctx.policies.positions);
        let skip_reason = skip_reason.or(recorded.skipped).or_else(|| {
            (recorded.cut_short && drift.is_empty() && observations.is_empty()).then(|| match stop
                .reason()
            {
                Some(reason) => {
                    NotExercised::new(Reason::Interrupted, format!("cut short: {reason}"))
                }
                None => NotExercised::new(
                    Reason::BudgetCut,
                    "cut short: the run's request or time budget was spent",
                ),
            })
        });
        let (findings, accepted) = split_accepted(ctx.baseline.as_ref(), drift);
        // libtest prints this message: it quotes the target, so it is redacted like the reports.
        let secrets = ctx.client.credentials().secret_values();
        let message = failure_message(&findings, recorded.transport.len(), recorded.changes.len())
            .map(|m| crate::secret::redact(&m, &secrets));
        let completion = match (&skip_reason, accepted.is_empty()) {
            (Some(reason), _) => Completion::ignored_with(reason.to_string()),
            (None, false) => Completion::ignored_with(format!(
                "{} findings accepted by the baseline",
                accepted.len()
            )),
            (None, true) => Completion::Completed,
        };
        // Transport problems alone are not drift: libtest shows them as ignored, not failed.
        let (message, completion) = match message {
            Some(_) if findings.is_empty() && recorded.changes.is_empty() => (
                None,
                Completion::ignored_with(format!(
                    "{} requests got no usable answer (transport, not drift)",
                    recorded.transport.len()
                )),
            ),
            other => (other, completion),
        };
        ctx.progress
            .trial_finished(&planned.name, ctx.client.stats().sent);
        let lists = TrialLists {
            findings,
            observations,
            transport: recorded.transport,
            changes: recorded.changes,
            accepted,
        };
        let record = TrialRecord {
            outcome: lists.outcome(skip_reason.is_some()),
            name: planned.name,
            operation: Some(planned.operation),
            requests: recorded.requests,
            duration_ms: started.elapsed().as_millis() as u64,
            skip_reason,
            not_exercised: recorded.not_exercised,
            exercised: recorded.exercised,
            ..TrialRecord::default()
        };
        if let Ok(mut results) = ctx.results.lock() {
            results.push(TrialResult {
                record,
                lists,
                evidence: recorded.evidence,
                notes: recorded.notes,
            });
        }
        match message {
            None => Ok(completion),
            Some(message) => Err(Failed::from(message)),
        }
    })
}

/// The libtest failure message: a line per distinct finding (at most ten), then behaviour
/// changes and transport.
pub(super) fn failure_message(
    findings: &[Finding],
    transport: usize,
    changes: usize,
) -> Option<String> {
    if findings.is_empty() && transport == 0 && changes == 0 {
        return None;
    }
    let mut lines: Vec<String> = Vec::new();
    for f in findings {
        let line = format!(
            "[{} {}] {} {}: expected {}; observed {}",
            f.code, f.category, f.operation, f.location, f.expected, f.observed
        );
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let total = lines.len();
    lines.truncate(10);
    if total > 10 {
        lines.push(format!("... and {} more", total - 10));
    }
    if transport > 0 {
        lines.push(format!(
            "{transport} requests failed at transport (not drift)"
        ));
    }
    Some(lines.join("\n"))
}
