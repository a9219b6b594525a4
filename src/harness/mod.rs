//! The conformance run: plans trials from the contract, starts the embedded mock when no target
//! is given, checks the target is usable, runs every trial under libtest-mimic (filters, `--list`,
//! `--exact`, `--skip`, `--test-threads`), and turns the results into a [`Report`], which it
//! writes even when the run is interrupted (SIGINT, SIGTERM) or the target is unusable.
//! The main entry is [`run`].

mod compose;
mod context;
mod cover;
pub mod coverage;
mod execute;
mod interrupt;
mod plan;
mod preflight;
mod progress;
mod publish;
mod recording;
mod regressions;
mod replay;
mod scenarios;
mod target;
mod trials;

pub use context::{RunContext, TrialLists, TrialResult};
pub use execute::expectation_for;
pub use interrupt::RunStart;
pub use plan::{migration_plan, plan, PlannedTrial, TrialKind};
pub use regressions::{Regression, RegressionStore};
pub use target::start_target;

/// The folder, in the working directory, of what runs leave behind: run directories
/// (`<time>/`) and kept seeds (`regressions/`). Ignored by git; nothing in it is compiled in.
pub const RUNS_DIR: &str = "partner-conformance-runs";

/// Most trial threads a run may ask for: a run has a few hundred trials at most.
const MAX_TEST_THREADS: usize = 512;
pub use replay::{
    exit_code as replay_exit_code, load as load_run, replay, same_target, save as save_run,
    ReplayLine, ReplayVerdict, RunManifest, StoredRequest, MANIFEST, RUN_DIR_VERSION,
};
pub use scenarios::{
    load as load_scenarios, load_embedded as load_embedded_scenarios, other_partner, Scenario,
    ScenarioError,
};

use crate::baseline::Baseline;
use crate::checks::{CheckSelection, Policies, WalkCache};
use crate::client::{HttpClient, Limits};
use crate::exit::{self, ExitError, RunVerdict};
use crate::report::{Report, ReportRequest};
use crate::settings::PlanMode;
use crate::spec::{OperationId, Spec};
use anyhow::anyhow;
use compose::{all_findings, build_report, interruption_note, settle_baseline, verdict};
use libtest_mimic::Trial;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use trials::trial;

/// Where the run sends its requests.
#[derive(Debug, Clone)]
pub enum TargetChoice {
    /// The embedded mock on an ephemeral loopback port, with optional replacement fixtures.
    Embedded {
        /// `--fixtures`.
        fixtures: Option<PathBuf>,
        /// `--schemas`, when the contract came from a directory: the `serve` command that
        /// recreates the mock names it too (see [`target::serve_command`]).
        schemas: Option<PathBuf>,
        /// `--mock-drift`: deviations the embedded mock makes.
        drifts: crate::mock::DriftSet,
        /// `--mock-reading`: other defensible readings the embedded mock takes.
        readings: crate::mock::ReadingSet,
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
    /// Which requests the run sends (`--plan`).
    pub plan: crate::settings::PlanMode,
    /// The coverage gate (`--min-coverage`); empty: none.
    pub min_coverage: Vec<crate::settings::CoverageMinimum>,
    /// A previous run's coverage to compare with (`--compare-coverage`), read before the run.
    pub compare_coverage: Option<coverage::PreviousCoverage>,
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

/// Runs the conformance suite on the runtime of `start`, whose signal handlers were installed
/// before anything else of the run (see [`RunStart`]).
pub fn run(mut config: RunConfig, start: RunStart) -> Result<RunOutcome, ExitError> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
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
        // symlink_metadata: a dangling link is a broken baseline, not one that does not exist yet.
        Some(path) if std::fs::symlink_metadata(path).is_err() => (
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
        kept.insert(op, entries.len() as u64);
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
            &|op| kept.get(&op).is_some_and(|n| *n > 0),
        )
    };
    if !config.libtest.list {
        nothing_to_check(&config, &planned, &scenarios)?;
    }
    // More threads than trials only costs: thousands of threads take minutes to start and stop.
    if config
        .libtest
        .test_threads
        .is_some_and(|n| n > MAX_TEST_THREADS)
    {
        return Err(ExitError::Usage(anyhow!(
            "--test-threads must be from 1 to {MAX_TEST_THREADS}"
        )));
    }
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
    let RunStart { runtime, interrupt } = start;
    interrupt.set_timeout(config.limits.timeout);
    let (target, credentials, mock) = runtime.block_on(start_target(&spec, &config.target))?;
    let serve = target::serve_command(&config.target, &target.bss_base);
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
    let preflight = runtime.block_on(preflight::preflight(
        &client,
        &config.operations,
        config.tls.ca_cert.as_deref(),
    ));
    let preflight = match preflight.and_then(|p| match config.migrate {
        true => p.ready_to_migrate(&client),
        false => Ok(p),
    }) {
        Ok(preflight) => preflight,
        // Interrupted during the preflight: the trials are cut short and the reports say so.
        Err(_) if interrupt.caught().is_some() => preflight::Preflight::default(),
        Err(unusable) => {
            let sentence = unusable.sentence.clone();
            let mut report = build_report(
                &config,
                target.label(),
                Vec::new(),
                vec![sentence.clone()],
                started.elapsed().as_millis() as u64,
            );
            unusable.fill(&config.operations, &mut report);
            compose::stamp(&mut report, &started_at, &target, serve.as_ref());
            if config.migrate {
                // The table a change request waits for: its rows, and why none was compared.
                let pairs = crate::migrate::pairs(&spec, &migration_of);
                report.migration = crate::migrate::rows(&spec, &pairs, &[]);
            }
            // Nothing verified, and each rule says why (no usable answer, a refused
            // credential, an operation missing), so a coverage gate reads the same here.
            coverage::compute(
                &coverage::CoverageInputs {
                    spec: &spec,
                    operations: &config.operations,
                    selection: &config.selection,
                    scenarios: &scenarios,
                },
                &mut report,
            );
            coverage::apply_gate(&config.min_coverage, &mut report.coverage);
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
    let cover = (config.plan == PlanMode::Coverage && !config.migrate).then(|| {
        cover::CoverPlan::new(
            &spec,
            &config.operations,
            config.seed,
            config.cases,
            client.target(),
        )
    });
    let estimates: Vec<(String, u64)> = planned
        .iter()
        .filter(|p| {
            !config
                .libtest
                .is_filtered_out(&Trial::test(p.name.clone(), || Ok(())))
        })
        .map(|p| {
            let kept = kept.get(&p.operation).copied().unwrap_or(0);
            let cases = match (&cover, &p.kind) {
                (Some(cover), TrialKind::Generated(polarity)) => {
                    cover.cases(p.operation, *polarity).len() as u64
                }
                _ => config.cases,
            };
            (p.name.clone(), progress::request_estimate(p, cases, kept))
        })
        .collect();
    let plan_summary = (!config.migrate).then(|| {
        cover::summary(
            &spec,
            config.plan,
            cover.as_ref(),
            &planned,
            &estimates,
            config.cases,
            client.stats().sent,
        )
    });
    if let Some(plan) = &plan_summary {
        eprintln!("{}", cover::announce(plan, config.limits.rate));
    }
    let progress = progress::Progress::new(
        config.progress,
        estimates,
        config.limits.rate,
        config.limits.max_requests,
    );
    let ctx = Arc::new(RunContext {
        runtime,
        client,
        policies: config.policies,
        selection: config.selection.clone(),
        // Another operation's walk helps a check only where the run can use that operation:
        // selected, and neither refused nor missing on the target (its answers would be the
        // refusal or the gateway's "no such API", not data).
        walks: WalkCache::new(config.max_pages).with_operations(
            &config
                .operations
                .iter()
                .copied()
                .filter(|op| !preflight.refused.contains_key(op))
                .collect::<Vec<_>>(),
        ),
        seed: config.seed,
        cases: config.cases,
        cover,
        concurrency: config.limits.concurrency,
        regressions: store,
        record: config.record.clone(),
        against_recording: config.against_recording.clone(),
        baseline: baseline.clone().map(|b| (b, today)),
        scenarios,
        refused: preflight.refused,
        results: Mutex::new(Vec::new()),
        progress,
    });
    let trials = planned.iter().map(|p| trial(&ctx, p.clone())).collect();
    let ticker = progress::ticker(Arc::clone(&ctx));
    // Under a progress line, libtest's lines go through it (see `progress::Relay`), in the
    // colours they would have had on stdout.
    let relay = (ticker.is_some() && config.libtest.logfile.is_none())
        .then(|| progress::Relay::start(&ctx.progress))
        .flatten();
    let mut libtest = config.libtest.clone();
    if let Some(relay) = &relay {
        libtest.logfile = Some(relay.path().to_string());
        libtest.color = Some(if config.color {
            libtest_mimic::ColorSetting::Always
        } else {
            libtest_mimic::ColorSetting::Never
        });
    }
    let _conclusion = libtest_mimic::run(&libtest, trials);
    if let Some(relay) = relay {
        relay.finish();
    }
    let stopped_by = interrupt.finish();
    ctx.progress.finish();
    if let Some(ticker) = ticker {
        let _ = ticker.join();
    }
    let mut results = std::mem::take(&mut *ctx.results.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(mock) = mock {
        ctx.runtime.block_on(mock.stop());
    }
    let mut notes = config.policies.notes();
    notes.extend(stopped_by.map(|signal| interruption_note(signal, &ctx.client)));
    notes.extend(baseline_note);
    notes.extend(preflight.notes);
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
    if let TargetChoice::Embedded {
        drifts, readings, ..
    } = &config.target
    {
        for drift in drifts.iter() {
            notes.push(format!(
                "the embedded mock injects drift `{drift}`: {}",
                drift.info().description
            ));
        }
        for reading in readings.iter() {
            notes.push(format!(
                "the embedded mock takes reading `{reading}`: {}",
                reading.info().description
            ));
        }
    }
    if !config.selection.is_enabled("response_schema_conformance") {
        notes.push(
            "response_schema_conformance is excluded: bodies were not checked against the tables"
                .into(),
        );
    }
    let (trial_notes, evidence) = compose::gathered(&planned, &mut results);
    notes.extend(trial_notes);
    let mut report = build_report(
        &config,
        target.label(),
        results,
        notes,
        started.elapsed().as_millis() as u64,
    );
    compose::stamp(&mut report, &started_at, &target, serve.as_ref());
    // Every request that went out, the preflight's and retries included: what --max-requests
    // bounds, and what a rate-limited target counted (the trials' own counts leave those out).
    report.summary.requests = report.summary.requests.max(stats.sent);
    if config.migrate {
        let pairs = crate::migrate::pairs(&spec, &migration_of);
        report.migration = crate::migrate::rows(&spec, &pairs, &evidence);
    }
    report.summary.interrupted = stopped_by.is_some();
    let baseline_failed = settle_baseline(&config, baseline.as_ref(), today, &mut report).err();
    coverage::compute(
        &coverage::CoverageInputs {
            spec: &spec,
            operations: &config.operations,
            selection: &config.selection,
            scenarios: &ctx.scenarios,
        },
        &mut report,
    );
    coverage::apply_gate(&config.min_coverage, &mut report.coverage);
    report.summary.plan = plan_summary.map(|plan| cover::settle(plan, &report));
    if let Some(previous) = &config.compare_coverage {
        coverage::compare(previous, &mut report.coverage);
    }
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

/// Refuses, before anything is sent, a run whose selections leave nothing to check: checks
/// chosen with `--checks` that apply to none of the chosen operations, or `--against-recording`
/// with no recording of any planned scenario. Either would end green having verified nothing.
fn nothing_to_check(
    config: &RunConfig,
    planned: &[PlannedTrial],
    scenarios: &[Scenario],
) -> Result<(), ExitError> {
    use crate::checks::{Runner, CHECKS};
    if !config.migrate && config.selection != CheckSelection::default() {
        let exercised = CHECKS
            .iter()
            .filter(|c| config.selection.is_enabled(c.name))
            .any(|c| match c.runner {
                Runner::PerResponse(_) => true,
                Runner::Stateful { .. } => planned
                    .iter()
                    .any(|p| p.kind == TrialKind::Stateful(c.name)),
                Runner::Migration => false,
            });
        if !exercised {
            return Err(ExitError::Usage(anyhow!(
                "the selected checks apply to none of the selected operations (see `partner-conformance list checks`)"
            )));
        }
    }
    if let (Some(compared), Some(recorded)) = (&config.against_recording, &config.record) {
        let same = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
        if same(compared) == same(recorded) {
            return Err(ExitError::Usage(anyhow!(
                "--record and --against-recording name the same folder: the comparison would be overwritten by what it compared"
            )));
        }
    }
    if let Some(dir) = &config.against_recording {
        // A recording that cannot be read compares nothing, like a missing one: when no
        // planned scenario has a readable recording, the first unreadable one is named.
        let mut unreadable = None;
        let readable = planned.iter().any(|p| match p.kind {
            TrialKind::Scenario(index) => {
                let scenario = &scenarios[index];
                let path =
                    recording::snapshot_path(dir, scenario.operation.as_str(), &scenario.name);
                match recording::read(&path) {
                    Ok(found) => found.is_some(),
                    Err(error) => {
                        unreadable.get_or_insert(error);
                        false
                    }
                }
            }
            _ => false,
        });
        if !readable {
            return Err(ExitError::Usage(match unreadable {
                Some(error) => anyhow!(
                    "--against-recording {}: no recording of the selected operations can be read ({error}); record them again with --record",
                    dir.display()
                ),
                None => anyhow!(
                    "--against-recording {}: no recording of any scenario of the selected operations; record them with --record",
                    dir.display()
                ),
            }));
        }
    }
    Ok(())
}
