//! The conformance run: plans trials from the contract, starts the embedded mock when no target
//! is given, checks the target is usable, runs every trial under libtest-mimic (filters, `--list`,
//! `--exact`, `--skip`, `--test-threads`), and turns the results into a [`Report`], which it
//! writes even when the run is interrupted (SIGINT, SIGTERM) or the target is unusable.
//! The main entry is [`run`].

mod context;
mod execute;
mod interrupt;
mod plan;
mod preflight;
mod publish;
mod recording;
mod regressions;
mod replay;
mod scenarios;

pub use context::{RunContext, TrialResult};
pub use execute::expectation_for;
pub use plan::{migration_plan, plan, PlannedTrial, TrialKind};
pub use regressions::{Regression, RegressionStore};

/// The folder, in the working directory, of what runs leave behind: run directories
/// (`<time>/`) and kept seeds (`regressions/`). Ignored by git; nothing in it is compiled in.
pub const RUNS_DIR: &str = "partner-conformance-runs";
pub use replay::{
    exit_code as replay_exit_code, load as load_run, replay, same_target, save as save_run,
    ReplayLine, ReplayVerdict, RunManifest, StoredRequest, MANIFEST, RUN_DIR_VERSION,
};
pub use scenarios::{
    load as load_scenarios, load_embedded as load_embedded_scenarios, other_partner, Scenario,
    ScenarioError,
};

use crate::baseline::{fingerprint, Baseline, Verdict};
use crate::checks::{Category, CheckSelection, Finding, Policies, Recorder, WalkCache};
use crate::client::{HttpClient, Limits, Target, TargetCredentials};
use crate::exit::{self, ExitError, RunVerdict, StopSignal};
use crate::mock::{Credentials, Fixtures, MockServer, MockState};
use crate::report::{AcceptedFinding, BaselineEntryNote, BaselineSummary};
use crate::report::{Report, ReportRequest, Summary, TrialOutcome, TrialRecord};
use crate::spec::{OperationId, Spec};
use anyhow::anyhow;
use libtest_mimic::{Completion, Failed, Trial};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where the run sends its requests.
#[derive(Debug, Clone)]
pub enum TargetChoice {
    /// The embedded mock on an ephemeral loopback port, with optional replacement fixtures.
    Embedded {
        /// `--fixtures`.
        fixtures: Option<PathBuf>,
        /// `--mock-drift`: deviations the embedded mock makes.
        drifts: crate::mock::DriftSet,
        /// `--mock-fault`: a transport fault served instead of the mock.
        fault: Option<crate::mock::Fault>,
    },
    /// An endpoint given with `--target`.
    External {
        /// BSS base URL.
        bss: String,
        /// AICC base URL.
        aicc: String,
        /// Partner id.
        partner_id: Option<String>,
    },
}

/// Everything a run needs, from the command line.
#[derive(Debug)]
pub struct RunConfig {
    /// The contract.
    pub spec: Arc<Spec>,
    /// The target.
    pub target: TargetChoice,
    /// Operations to run.
    pub operations: Vec<OperationId>,
    /// Generation seed.
    pub seed: u64,
    /// Generated cases per operation and polarity.
    pub cases: u64,
    /// Page bound of walks.
    pub max_pages: u64,
    /// Policies.
    pub policies: Policies,
    /// Enabled checks.
    pub selection: CheckSelection,
    /// Traffic bounds.
    pub limits: Limits,
    /// How servers are trusted.
    pub tls: crate::client::TlsOptions,
    /// How BSS operations authenticate.
    pub bss_auth: crate::spec::AuthScheme,
    /// Where failing seeds are kept (`None`: nowhere).
    pub regressions: Option<PathBuf>,
    /// Report files to write.
    pub reports: Vec<ReportRequest>,
    /// libtest arguments (filters, `--list`...).
    pub libtest: libtest_mimic::Arguments,
    /// Colour in the human summary.
    pub color: bool,
    /// Show a progress bar.
    pub progress: bool,
    /// Write every request sent (sorted, no credentials) to this file.
    pub request_log: Option<PathBuf>,
    /// Record the scenarios' answers in this directory.
    pub record: Option<PathBuf>,
    /// Compare the scenarios' answers with the recording in this directory.
    pub against_recording: Option<PathBuf>,
    /// Accept the findings of this baseline file.
    pub baseline: Option<PathBuf>,
    /// Where the requests behind findings are stored for `replay` (only when there are any).
    pub run_dir: Option<PathBuf>,
    /// Store this run's findings in this baseline file (merged with it when it exists).
    pub write_baseline: Option<PathBuf>,
    /// Drop the resolved entries of `baseline` from the file.
    pub prune_baseline: bool,
    /// Compare each new-generation operation with the one it replaces instead of running the
    /// conformance trials (`partner-conformance migrate`).
    pub migrate: bool,
    /// Also write the migration table to this file (`migrate --table`).
    pub table: Option<PathBuf>,
}

/// What a run ends with.
#[derive(Debug)]
pub struct RunOutcome {
    /// The report (`None` for `--list`).
    pub report: Option<Report>,
    /// The process exit code.
    pub exit_code: i32,
}

/// Runs the conformance suite.
pub fn run(mut config: RunConfig) -> Result<RunOutcome, ExitError> {
    let started = Instant::now();
    let spec = Arc::clone(&config.spec);
    let migration_of = config.operations.clone();
    if config.migrate {
        config.operations = crate::migrate::operations_involved(&spec, &config.operations);
        if config.operations.is_empty() {
            return Err(ExitError::Usage(anyhow!(
                "migrate: none of the selected operations has a replacement in the contract"
            )));
        }
    }
    let scenarios = scenarios::load_embedded().map_err(|e| ExitError::Usage(e.into()))?;
    let store = RegressionStore::new(config.regressions.clone());
    let today = chrono::Local::now().date_naive();
    // A baseline that does not exist yet accepts nothing: the run is as strict as without one,
    // so starting from a profile that names it (and creating it with --write-baseline) works.
    let (baseline, baseline_note) = match &config.baseline {
        Some(path) if !path.exists() && std::fs::symlink_metadata(path).is_err() => (
            Some(Baseline::default()),
            Some(format!(
                "baseline {} does not exist yet: no finding is accepted (create it with --write-baseline {})",
                path.display(),
                path.display()
            )),
        ),
        Some(path) => (
            Some(Baseline::load(path).map_err(|e| ExitError::Usage(e.into()))?),
            None,
        ),
        None => (None, None),
    };
    let mut kept = BTreeMap::new();
    for &op in &config.operations {
        let entries = store.load(op).map_err(|e| ExitError::Usage(anyhow!(e)))?;
        kept.insert(op, !entries.is_empty());
    }
    let named: Vec<(OperationId, String)> = scenarios
        .iter()
        .map(|s| (s.operation, s.name.clone()))
        .collect();
    let planned = if config.migrate {
        migration_plan(&spec, &migration_of)
    } else {
        plan(
            &spec,
            &config.operations,
            &config.selection,
            &named,
            &|op| kept.get(&op).copied().unwrap_or(false),
        )
    };
    // A filter that selects nothing would check nothing: say so before sending a request.
    let selected = planned
        .iter()
        .filter(|p| {
            !config
                .libtest
                .is_filtered_out(&Trial::test(p.name.clone(), || Ok(())))
        })
        .count();
    if selected == 0 && !config.libtest.list {
        return Err(ExitError::Usage(anyhow!(
            "no trial matches the filter{} (none of the {} planned trials would run; see them with --list)",
            config
                .libtest
                .filter
                .as_ref()
                .map(|f| format!(" `{f}`"))
                .unwrap_or_default(),
            planned.len()
        )));
    }
    if config.libtest.list {
        let trials = planned
            .iter()
            .map(|p| Trial::test(p.name.clone(), || Ok(())))
            .collect();
        let _listed = libtest_mimic::run(&config.libtest, trials);
        return Ok(RunOutcome {
            report: None,
            exit_code: exit::SUCCESS,
        });
    }
    // Refused now, an output that cannot be written costs nothing; found at the end, a run.
    crate::report::emit::check_outputs(&publish::outputs(&config))
        .map_err(|e| ExitError::Usage(anyhow!(e)))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ExitError::Usage(anyhow!("failed to start the async runtime: {e}")))?;
    let interrupt = interrupt::Interrupt::install(&runtime, config.limits.timeout)
        .map_err(|e| ExitError::Usage(anyhow!("failed to install signal handlers: {e}")))?;
    let (target, credentials, mock) = runtime.block_on(start_target(&spec, &config.target))?;
    let credentials = credentials.with_bss_auth(config.bss_auth);
    let target = Arc::new(target);
    let mut client = HttpClient::new(
        Arc::clone(&spec),
        Arc::clone(&target),
        Arc::new(credentials),
        config.limits,
        &config.tls,
    )
    .map_err(|e| ExitError::Usage(anyhow!("failed to set up the HTTP client: {e}")))?
    .with_stop(interrupt.switch());
    if config.request_log.is_some() {
        client = client.with_request_log();
    }
    let preflight_notes = match runtime.block_on(preflight::preflight(
        &client,
        &config.operations,
        config.tls.ca_cert.as_deref(),
    )) {
        Ok(notes) => notes,
        // Interrupted during the preflight: the trials are cut short and the reports say so.
        Err(_) if interrupt.caught().is_some() => Vec::new(),
        Err(unusable) => {
            let sentence = unusable.sentence.clone();
            let mut report = build_report(
                &config,
                target.label(),
                &[],
                Vec::new(),
                vec![sentence.clone()],
                started.elapsed().as_millis() as u64,
            );
            unusable.fill(&config.operations, &mut report);
            report.redact(&client.credentials().secret_values());
            let verdict = RunVerdict {
                target_unusable: true,
                ..RunVerdict::default()
            };
            let publisher = crate::report::emit::Publisher::new(verdict, &mut report);
            publish::publish(&config, &client, &mut report, &[], publisher);
            if let Some(mock) = mock {
                runtime.block_on(mock.stop());
            }
            return Err(ExitError::TargetUnusable(anyhow!(sentence)));
        }
    };
    let progress = progress_bar(config.progress);
    let ctx = Arc::new(RunContext {
        runtime,
        client,
        policies: config.policies,
        selection: config.selection.clone(),
        walks: WalkCache::new(config.max_pages),
        seed: config.seed,
        cases: config.cases,
        concurrency: config.limits.concurrency,
        regressions: store,
        record: config.record.clone(),
        against_recording: config.against_recording.clone(),
        baseline: baseline.clone().map(|b| (b, today)),
        scenarios,
        results: Mutex::new(Vec::new()),
        progress,
    });
    let trials = planned.iter().map(|p| trial(&ctx, p.clone())).collect();
    let _conclusion = libtest_mimic::run(&config.libtest, trials);
    let stopped_by = interrupt.finish();
    ctx.progress.finish_and_clear();
    let results = std::mem::take(&mut *ctx.results.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(mock) = mock {
        ctx.runtime.block_on(mock.stop());
    }
    let mut notes = config.policies.notes();
    notes.extend(stopped_by.map(|signal| interruption_note(signal, &ctx.client)));
    notes.extend(baseline_note);
    notes.extend(preflight_notes);
    let stats = ctx.client.stats();
    if stats.refused_by_budget > 0 {
        notes.push(format!(
            "stopped early: the request or time budget (--max-requests/--max-duration) was spent; {} requests were not sent, so the skipped trials were not fully covered",
            stats.refused_by_budget
        ));
    }
    if stats.retried > 0 {
        notes.push(format!(
            "{} requests were retried after a transport error, 429 or 503",
            stats.retried
        ));
    }
    if config.tls.insecure {
        notes.push(
            "--insecure: TLS certificates were NOT verified; findings may come from an impostor"
                .into(),
        );
    }
    if let TargetChoice::Embedded { drifts, .. } = &config.target {
        for drift in drifts.iter() {
            notes.push(format!(
                "the embedded mock injects drift `{drift}`: {}",
                drift.info().description
            ));
        }
    }
    if !config.selection.is_enabled("response_schema_conformance") {
        notes.push(
            "response_schema_conformance is excluded: bodies were not checked against the tables"
                .into(),
        );
    }
    let observations: Vec<crate::outcome::MigrationEvidence> = results
        .iter()
        .flat_map(|r| r.observations.iter().cloned())
        .collect();
    notes.extend(results.iter().flat_map(|r| r.notes.iter().cloned()));
    let mut report = build_report(
        &config,
        target.label(),
        &planned,
        results,
        notes,
        started.elapsed().as_millis() as u64,
    );
    if config.migrate {
        let pairs = crate::migrate::pairs(&spec, &migration_of);
        report.migration = crate::migrate::rows(&spec, &pairs, &observations);
    }
    report.summary.interrupted = stopped_by.is_some();
    let baseline_failed = settle_baseline(&config, baseline.as_ref(), today, &mut report).err();
    let secrets = ctx.client.credentials().secret_values();
    report.redact(&secrets);
    let mut publisher =
        crate::report::emit::Publisher::new(verdict(&report, stopped_by), &mut report);
    if let Some(error) = baseline_failed {
        publisher.failed(&mut report, "the baseline", &error);
    }
    let all = all_findings(&report);
    let exit_code = publish::publish(&config, &ctx.client, &mut report, &all, publisher);
    Ok(RunOutcome {
        report: Some(report),
        exit_code,
    })
}

/// What the report of a run says about its interruption.
fn interruption_note(signal: StopSignal, client: &HttpClient) -> String {
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
fn verdict(report: &Report, interrupted: Option<StopSignal>) -> RunVerdict {
    let requests = report.summary.requests;
    RunVerdict {
        interrupted,
        drift: !report.findings.is_empty() || !report.behaviour_changes.is_empty(),
        target_unusable: requests > 0 && report.transport.len() as u64 >= requests,
        output_failed: false,
        // Exit 0 says something was checked and held: a run whose trials were all skipped (a
        // budget spent before the first check, every trial without data) checked nothing.
        nothing_checked: !report.trials.iter().any(|t| {
            matches!(
                t.outcome,
                TrialOutcome::Passed | TrialOutcome::Accepted | TrialOutcome::Drift
            )
        }),
    }
}

/// Starts the embedded mock or describes the external target.
async fn start_target(
    spec: &Arc<Spec>,
    choice: &TargetChoice,
) -> Result<(Target, TargetCredentials, Option<MockServer>), ExitError> {
    match choice {
        TargetChoice::Embedded {
            fixtures,
            drifts,
            fault,
        } => {
            let fixtures = match fixtures {
                Some(path) => Fixtures::from_file(spec, path),
                None => Fixtures::embedded(spec),
            }
            .map_err(|e| ExitError::Usage(e.into()))?;
            let credentials = Credentials::random(spec);
            let target_credentials = TargetCredentials::from_lookup(spec, |name| {
                credentials.get(name).map(|s| s.expose().to_string())
            });
            let partner_id = fixtures.partner_id.clone();
            let state = Arc::new(MockState {
                spec: Arc::clone(spec),
                credentials,
                fixtures,
                drifts: drifts.clone(),
            });
            let loopback = ([127, 0, 0, 1], 0).into();
            let server = match fault {
                Some(fault) => MockServer::start_fault(*fault, loopback).await,
                None => MockServer::start(state, loopback).await,
            }
            .map_err(|e| ExitError::Usage(anyhow!("failed to start the embedded mock: {e}")))?;
            let base = server.base_url();
            Ok((
                Target {
                    bss_base: base.clone(),
                    aicc_base: base,
                    partner_id,
                    embedded: true,
                },
                target_credentials,
                Some(server),
            ))
        }
        TargetChoice::External {
            bss,
            aicc,
            partner_id,
        } => {
            let credentials = TargetCredentials::from_lookup(spec, |name| std::env::var(name).ok());
            Ok((
                Target {
                    bss_base: bss.trim_end_matches('/').to_string(),
                    aicc_base: aicc.trim_end_matches('/').to_string(),
                    partner_id: partner_id.clone().unwrap_or_default(),
                    embedded: false,
                },
                credentials,
                None,
            ))
        }
    }
}

fn progress_bar(show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {pos} generated requests sent, {elapsed}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// A libtest-mimic trial around one planned trial.
fn trial(ctx: &Arc<RunContext>, planned: PlannedTrial) -> Trial {
    let ctx = Arc::clone(ctx);
    let name = planned.name.clone();
    Trial::ignorable_test(name, move || {
        let started = Instant::now();
        let recorder = Recorder::default();
        let stop = ctx.client.stop_switch();
        let skip_reason = if stop.is_stopped() {
            // Not started: a stopped run only finishes what it had begun.
            recorder.cut_short();
            None
        } else {
            ctx.runtime
                .block_on(execute::execute(&ctx, &planned, &recorder))
        };
        let recorded = recorder.take();
        let skip_reason = skip_reason.or_else(|| {
            (recorded.cut_short && recorded.findings.is_empty()).then(|| match stop.reason() {
                Some(reason) => format!("cut short: {reason}"),
                None => "cut short: the run's request or time budget was spent".to_string(),
            })
        });
        let (findings, accepted) = split_accepted(ctx.baseline.as_ref(), recorded.findings);
        // libtest prints this message: it quotes the target, so it is redacted like the reports.
        let secrets = ctx.client.credentials().secret_values();
        let message = failure_message(&findings, recorded.transport.len(), recorded.changes.len())
            .map(|m| crate::secret::redact(&m, &secrets));
        let completion = match (&skip_reason, accepted.is_empty()) {
            (Some(reason), _) => Completion::ignored_with(reason),
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
        if let Ok(mut results) = ctx.results.lock() {
            results.push(TrialResult {
                planned,
                findings,
                transport: recorded.transport,
                changes: recorded.changes,
                accepted,
                requests: recorded.requests,
                duration: started.elapsed(),
                skip_reason,
                observations: recorded.observations,
                notes: recorded.notes,
            });
        }
        match message {
            None => Ok(completion),
            Some(message) => Err(Failed::from(message)),
        }
    })
}

/// Splits findings into new ones and those the baseline accepts.
fn split_accepted(
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

/// The libtest failure message: a line per distinct finding (at most ten), then behaviour
/// changes and transport.
fn failure_message(findings: &[Finding], transport: usize, changes: usize) -> Option<String> {
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

/// Turns trial results into the report, trials in plan order.
fn build_report(
    config: &RunConfig,
    target: String,
    planned: &[PlannedTrial],
    mut results: Vec<TrialResult>,
    notes: Vec<String>,
    duration_ms: u64,
) -> Report {
    let order: BTreeMap<&str, usize> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    results.sort_by_key(|r| {
        order
            .get(r.planned.name.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    let mut findings = Vec::new();
    let mut transport = Vec::new();
    let mut changes = Vec::new();
    let mut accepted = Vec::new();
    let mut trials = Vec::new();
    let mut requests = 0;
    for result in results {
        requests += result.requests;
        let finding_ids = (findings.len()..findings.len() + result.findings.len()).collect();
        let transport_ids = (transport.len()..transport.len() + result.transport.len()).collect();
        let change_ids = (changes.len()..changes.len() + result.changes.len()).collect();
        let accepted_ids = (accepted.len()..accepted.len() + result.accepted.len()).collect();
        let outcome = if !result.findings.is_empty() {
            TrialOutcome::Drift
        } else if !result.changes.is_empty() {
            TrialOutcome::Changed
        } else if !result.accepted.is_empty() {
            TrialOutcome::Accepted
        } else if !result.transport.is_empty() {
            TrialOutcome::Transport
        } else if result.skip_reason.is_some() {
            TrialOutcome::Skipped
        } else {
            TrialOutcome::Passed
        };
        findings.extend(result.findings);
        transport.extend(result.transport);
        changes.extend(result.changes);
        accepted.extend(result.accepted);
        trials.push(TrialRecord {
            name: result.planned.name,
            operation: Some(result.planned.operation),
            outcome,
            requests: result.requests,
            duration_ms: result.duration.as_millis() as u64,
            findings: finding_ids,
            transport: transport_ids,
            accepted: accepted_ids,
            changes: change_ids,
            skip_reason: result.skip_reason,
        });
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
        summary: Summary {
            target,
            operations: config.operations.clone(),
            seed: config.seed,
            cases_per_operation: config.cases,
            requests,
            trials: outcomes,
            findings: findings.len() as u64,
            by_category,
            by_operation,
            transport_problems: transport.len() as u64,
            accepted: accepted.len() as u64,
            behaviour_changes: changes.len() as u64,
            duration_ms,
            notes,
            exit_code: exit::SUCCESS,
            interrupted: false,
        },
        findings,
        transport,
        accepted,
        behaviour_changes: changes,
        baseline: None,
        trials,
    };
    report.summary.exit_code = verdict(&report, None).code();
    report
}

/// Why a run did not cover every check of every operation, if it did not: pruning a baseline
/// after such a run would drop entries that were never tested.
fn coverage_gap(config: &RunConfig, report: &Report) -> Option<String> {
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
        t.skip_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("cut short"))
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
fn all_findings(report: &Report) -> Vec<Finding> {
    report
        .findings
        .iter()
        .cloned()
        .chain(report.accepted.iter().map(|a| a.finding.clone()))
        .collect()
}

/// Fills in what the baseline did, and writes or prunes baseline files as asked.
fn settle_baseline(
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
