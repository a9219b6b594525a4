//! From what the trials recorded to the report: findings split by the baseline, the summary
//! and its exit-code facts, the baseline written or pruned as asked.

use super::{interrupt, PlannedTrial, RunConfig, TrialResult};
use crate::baseline::{fingerprint, Baseline, Verdict};
use crate::checks::{Category, CheckSelection, Finding};
use crate::client::HttpClient;
use crate::exit::{self, ExitError, RunVerdict, StopSignal};
use crate::report::{AcceptedFinding, BaselineEntryNote, BaselineSummary};
use crate::report::{Report, Summary, TrialOutcome, TrialRecord};
use crate::spec::OperationId;
use std::collections::BTreeMap;

/// What the report of a run says about its interruption.
pub(super) fn interruption_note(signal: StopSignal, client: &HttpClient) -> String {
    let stop = client.stop_switch();
    format!(
        "interrupted by {}: no request was sent after it ({} not sent) and {} in flight were given up after a grace of {} s; the trials it cut short are skipped, so this report covers only what completed",
        signal.name(),
        stop.not_sent(),
        stop.abandoned(),
        client.limits().timeout.min(interrupt::MAX_GRACE).as_secs_f32()
    )
}

/// The facts of a report the exit code follows from (see [`RunVerdict::code`]).
pub(super) fn verdict(report: &Report, interrupted: Option<StopSignal>) -> RunVerdict {
    let requests = report.summary.requests;
    // Exit 0 says something was checked and held: a run whose trials were all skipped (a
    // budget spent before the first check, every trial without data) checked nothing.
    let nothing_checked = report.summary.requests == 0
        || !report.trials.iter().any(|t| {
            matches!(
                t.outcome,
                TrialOutcome::Passed
                    | TrialOutcome::Accepted
                    | TrialOutcome::Drift
                    | TrialOutcome::Observed
            )
        });
    // Trials ran, yet not one rule of the documentation was verified (the enabled checks verify
    // none on this target): as empty as a run whose trials were all skipped. Only once the
    // coverage is computed (an unusable target's report has none).
    let coverage = &report.coverage;
    let nothing_verified = !coverage.requirements.is_empty()
        && coverage.overall.verified + coverage.overall.positions_held == 0
        && report.findings.is_empty()
        && report.observations.is_empty()
        && report.accepted.is_empty();
    let nothing_checked = nothing_checked || nothing_verified;
    // Nothing exercised because a credential was refused: the target could not be used.
    let refused = report.trials.iter().any(|t| {
        t.skip_reason
            .as_ref()
            .is_some_and(|r| r.reason == crate::outcome::Reason::CredentialRefused)
    });
    RunVerdict {
        interrupted,
        drift: !report.findings.is_empty() || !report.behaviour_changes.is_empty(),
        target_unusable: (requests > 0 && report.transport.len() as u64 >= requests)
            || (nothing_checked && refused),
        output_failed: false,
        nothing_checked,
        coverage_below: coverage.gate.as_ref().is_some_and(|g| !g.below.is_empty()),
    }
}

/// Splits findings into new ones and those the baseline accepts.
pub(super) fn split_accepted(
    baseline: Option<&(Baseline, chrono::NaiveDate)>,
    findings: Vec<Finding>,
) -> (Vec<Finding>, Vec<AcceptedFinding>) {
    let Some((baseline, today)) = baseline else {
        return (findings, Vec::new());
    };
    let applied = baseline.apply(&findings, *today);
    let mut new = Vec::new();
    let mut accepted = Vec::new();
    for (finding, verdict) in findings.into_iter().zip(applied.verdicts) {
        match verdict {
            Verdict::New => new.push(finding),
            Verdict::Accepted { reason } => accepted.push(AcceptedFinding {
                fingerprint: fingerprint(&finding),
                finding,
                reason,
            }),
        }
    }
    (new, accepted)
}

/// Moves a trial's items onto the run's list, returning where they landed (the record's indices).
fn append<T>(all: &mut Vec<T>, items: Vec<T>) -> Vec<usize> {
    let start = all.len();
    all.extend(items);
    (start..all.len()).collect()
}

/// Puts trial results, which come as trials end, in the plan's order: what is gathered from
/// them (findings, notes, migration evidence) is then the same from run to run.
fn in_plan_order(planned: &[PlannedTrial], results: &mut [TrialResult]) {
    let order: BTreeMap<&str, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    results.sort_by_key(|r| {
        order
            .get(r.record.name.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
}

/// The trials' notes and migration evidence, in the plan's order; the results are left in it
/// for [`build_report`].
pub(super) fn gathered(
    planned: &[PlannedTrial],
    results: &mut [TrialResult],
) -> (Vec<String>, Vec<crate::outcome::MigrationEvidence>) {
    in_plan_order(planned, results);
    let notes = results.iter().flat_map(|r| r.notes.iter().cloned());
    let evidence = results.iter().flat_map(|r| r.evidence.iter().cloned());
    (notes.collect(), evidence.collect())
}

/// Turns trial results, in plan order (as [`gathered`] leaves them), into the report.
pub(super) fn build_report(
    config: &RunConfig,
    target: String,
    results: Vec<TrialResult>,
    notes: Vec<String>,
    duration_ms: u64,
) -> Report {
    let mut findings = Vec::new();
    let mut observations = Vec::new();
    let mut transport = Vec::new();
    let mut changes = Vec::new();
    let mut accepted = Vec::new();
    let mut trials = Vec::new();
    let mut requests = 0;
    for TrialResult {
        mut record, lists, ..
    } in results
    {
        requests += record.requests;
        record.findings = append(&mut findings, lists.findings);
        record.observations = append(&mut observations, lists.observations);
        record.transport = append(&mut transport, lists.transport);
        record.changes = append(&mut changes, lists.changes);
        record.accepted = append(&mut accepted, lists.accepted);
        trials.push(record);
    }
    let mut by_category: BTreeMap<Category, u64> = BTreeMap::new();
    let mut by_operation: BTreeMap<OperationId, u64> = BTreeMap::new();
    for f in &findings {
        *by_category.entry(f.category).or_default() += 1;
        *by_operation.entry(f.operation).or_default() += 1;
    }
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for t in &trials {
        let key = serde_json::to_value(t.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *outcomes.entry(key).or_default() += 1;
    }
    let mut report = Report {
        migration: Vec::new(),
        coverage: Default::default(),
        summary: Summary {
            target,
            operations: config.operations.clone(),
            seed: config.seed,
            cases_per_operation: config.cases,
            requests,
            trials: outcomes,
            findings: findings.len() as u64,
            observations: observations.len() as u64,
            positions: config.policies.positions,
            by_category,
            by_operation,
            transport_problems: transport.len() as u64,
            accepted: accepted.len() as u64,
            behaviour_changes: changes.len() as u64,
            duration_ms,
            notes,
            exit_code: exit::SUCCESS,
            interrupted: false,
            not_exercised: crate::report::not_exercised_counts(&trials),
            tool: crate::build_info::ToolInfo::new(config.spec.sha256()),
            started: String::new(),
            partner_id: String::new(),
            serve: None,
            plan: None,
        },
        findings,
        observations,
        transport,
        accepted,
        behaviour_changes: changes,
        baseline: None,
        trials,
    };
    report.summary.exit_code = verdict(&report, None).code();
    report
}

/// Says in `report` when the run started, for which partner, and (against the embedded mock)
/// the `serve` command its reproduce lines need, on the summary and on every finding.
pub(super) fn stamp(
    report: &mut Report,
    started: &chrono::DateTime<chrono::Utc>,
    target: &crate::client::Target,
    serve: Option<&String>,
) {
    report.summary.started = started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    report.summary.partner_id = target.partner_id.clone();
    report.summary.serve = serve.cloned();
    for finding in report
        .findings
        .iter_mut()
        .chain(report.observations.iter_mut())
        .chain(report.accepted.iter_mut().map(|a| &mut a.finding))
    {
        finding.serve = serve.cloned();
    }
}

/// Why a run did not cover every check of every operation, if it did not: pruning a baseline
/// after such a run would drop entries that were never tested.
pub(super) fn coverage_gap(config: &RunConfig, report: &Report) -> Option<String> {
    if report.summary.interrupted {
        return Some("the run was interrupted".into());
    }
    if config.operations.len() < OperationId::ALL.len() {
        return Some("--operations selected only some operations".into());
    }
    if config.selection != CheckSelection::default() {
        return Some("--checks/--exclude-checks selected only some checks".into());
    }
    if config.libtest.filter.is_some() || !config.libtest.skip.is_empty() {
        return Some("a trial filter or --skip selected only some trials".into());
    }
    let cut_short = |t: &TrialRecord| {
        t.skip_reason.as_ref().is_some_and(|r| {
            matches!(
                r.reason,
                crate::outcome::Reason::BudgetCut | crate::outcome::Reason::Interrupted
            )
        })
    };
    if report.trials.iter().any(cut_short) {
        return Some("the request or time budget cut trials short".into());
    }
    if !report.transport.is_empty() {
        return Some("some requests got no usable answer".into());
    }
    None
}

/// Every finding of a report, new and accepted, in report order.
pub(super) fn all_findings(report: &Report) -> Vec<Finding> {
    report
        .findings
        .iter()
        .cloned()
        .chain(report.accepted.iter().map(|a| a.finding.clone()))
        .collect()
}

/// Fills in what the baseline did, and writes or prunes baseline files as asked.
pub(super) fn settle_baseline(
    config: &RunConfig,
    baseline: Option<&Baseline>,
    today: chrono::NaiveDate,
    report: &mut Report,
) -> Result<(), ExitError> {
    let all = all_findings(report);
    if let (Some(path), Some(baseline)) = (&config.baseline, baseline) {
        if baseline.legacy {
            report.summary.notes.push(format!(
                "baseline {} is version 1: its fingerprints do not name the violated rule, so each entry accepts every drift of its check and place; rewrite it with --write-baseline {} (reasons and dates are kept)",
                path.display(),
                path.display()
            ));
        }
        let applied = baseline.apply(&all, today);
        let note = |e: &crate::baseline::Entry| BaselineEntryNote {
            fingerprint: e.fingerprint.clone(),
            reason: e.reason.clone(),
            expires: e.expires.map(|d| d.to_string()),
        };
        report.baseline = Some(BaselineSummary {
            file: path.display().to_string(),
            accepted: report.accepted.len() as u64,
            resolved: applied.resolved.iter().map(note).collect(),
            expired: applied.expired.iter().map(note).collect(),
        });
        let coverage_gap = coverage_gap(config, report);
        if config.prune_baseline && !applied.resolved.is_empty() && coverage_gap.is_some() {
            report.summary.notes.push(format!(
                "--prune-baseline: nothing dropped, because {}: an entry that matched nothing may simply not have been tested",
                coverage_gap.unwrap_or_default()
            ));
        } else if config.prune_baseline && !applied.resolved.is_empty() {
            baseline
                .pruned(&applied)
                .save(path)
                .map_err(|e| ExitError::Usage(e.into()))?;
            report.summary.notes.push(format!(
                "--prune-baseline: {} resolved entries dropped from {}",
                applied.resolved.len(),
                path.display()
            ));
        }
    }
    if let Some(path) = &config.write_baseline {
        let existing = if path.exists() {
            Baseline::load(path).map_err(|e| ExitError::Usage(e.into()))?
        } else {
            Baseline::default()
        };
        let written = existing.merged_with(&all);
        let left_out = existing.not_upgraded(&all);
        if !left_out.is_empty() {
            report.summary.notes.push(format!(
                "--write-baseline: {} version 1 entries matched nothing in this run and could not be upgraded, so {} no longer holds them: {}",
                left_out.len(),
                path.display(),
                left_out
                    .iter()
                    .map(|e| e.fingerprint.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        written.save(path).map_err(|e| ExitError::Usage(e.into()))?;
        report.summary.notes.push(format!(
            "--write-baseline: {} entries in {}",
            written.entries.len(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{TrialKind, TrialLists};
    use crate::spec::OperationId;

    fn planned(name: &str) -> PlannedTrial {
        PlannedTrial {
            name: name.into(),
            operation: OperationId::CustomersV1,
            kind: TrialKind::Regressions,
        }
    }

    fn result(name: &str) -> TrialResult {
        TrialResult {
            record: crate::report::TrialRecord {
                name: name.into(),
                ..Default::default()
            },
            lists: TrialLists::default(),
            evidence: Vec::new(),
            notes: vec![format!("note of {name}")],
        }
    }

    #[test]
    fn notes_come_in_plan_order_whatever_order_the_trials_ended_in() {
        let plan = [planned("a"), planned("b"), planned("c")];
        let mut ended = vec![result("c"), result("a"), result("b")];
        let (notes, _) = gathered(&plan, &mut ended);
        assert_eq!(notes, ["note of a", "note of b", "note of c"]);
        // Left in plan order for `build_report`, which no longer sorts them itself.
        let names: Vec<&str> = ended.iter().map(|r| r.record.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
