//! `run` and `migrate`: the conformance suite, or the comparison of each new API with the old
//! one it replaces, against the embedded mock or a target; flags, the profile that fills the
//! ones left unset, and the run configuration handed to the harness.

use super::config::ProfileArgs;
use super::target::{check_url, is_loopback, TargetArgs};
use super::{env_is_set, load_spec};
use crate::exit::ExitError;
use crate::settings::WholeSetting as _;
use crate::spec::OperationId;
use std::path::PathBuf;

/// Arguments of `migrate`: the target and report options of `run`, plus where the table goes.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Also write the migration table (Markdown) to this file.
    #[arg(long, value_name = "PATH")]
    pub table: Option<PathBuf>,
    /// Target, credentials, politeness and report options, as for `run`.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Where requests go and how TLS is checked: --target, --aicc-target, --partner-id, --auth,
    /// --mock-drift, --ca-cert, --insecure (shared with `replay`).
    #[command(flatten)]
    pub endpoint: TargetArgs,
    /// Operations to run, comma-separated, each once (default: all).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub operations: Vec<OperationId>,
    /// Generation seed (default: random, printed; rerun with it to get the same requests).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Generated cases per operation, for valid and for invalid requests each.
    #[arg(long, default_value_t = 256)]
    pub cases: u64,
    /// Most pages a walk of a list fetches.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pages: u64,
    /// Run only these checks (names or codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub checks: Vec<String>,
    /// Do not run these checks.
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub exclude_checks: Vec<String>,
    /// Write a report: json=PATH, junit=PATH, markdown=PATH, html=PATH or ctrf=PATH (repeatable).
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<crate::report::ReportRequest>,
    /// Null in documented-mandatory fields whose example is null (schemas/README.md A11).
    #[arg(long, value_enum, default_value_t)]
    pub null_policy: crate::checks::NullPolicy,
    /// Undocumented response fields (A14).
    #[arg(long, value_enum, default_value_t)]
    pub unknown_fields: crate::checks::Toggle,
    /// Body of a query that matches nothing (A5).
    #[arg(long, value_enum, default_value_t)]
    pub not_found_body: crate::checks::NotFoundPolicy,
    /// A space in a fuzzy value: strict expects 400, lenient also accepts no match (A9).
    #[arg(long, value_enum, default_value_t)]
    pub fuzzy_spaces: crate::checks::Toggle,
    /// What `""` and null select in an old-API fuzzy filter: records with an empty field, or any answer (A1).
    #[arg(long, value_enum, default_value_t)]
    pub empty_filter: crate::checks::EmptyFilterPolicy,
    /// A documented-but-unsupported enum value: strict expects 400, lenient also accepts no match (A10).
    #[arg(long, value_enum, default_value_t)]
    pub unsupported_enum: crate::checks::Toggle,
    /// A position (schemas/README.md A-numbers) the target reads otherwise: an observation
    /// (`observe`), or a finding (`strict`). Default: strict against the unmodified embedded mock,
    /// which implements every position; observe against anything else.
    #[arg(long, value_enum, value_name = "MODE")]
    pub positions: Option<crate::outcome::PositionMode>,
    /// Exit 4 when less of the documentation is verified than this: a percentage for the overall
    /// figure and every selected operation (`95`), or for one operation (`customers_v1=80`);
    /// repeatable. Positions and what no client can provoke stay outside the figure.
    #[arg(long = "min-coverage", value_name = "PERCENT|OP=PERCENT")]
    pub min_coverage: Vec<crate::settings::CoverageMinimum>,
    /// Which requests to send: `coverage`, the fewest generated cases that call for every rule
    /// the full set calls for, or `full`, every case [default: full on loopback, coverage
    /// elsewhere]. The run says which it used.
    #[arg(long, value_enum, value_name = "PLAN")]
    pub plan: Option<crate::settings::PlanMode>,
    /// A previous run's JSON report (`--report json=FILE`): name the documented rules it
    /// verified and this run did not.
    #[arg(long = "compare-coverage", value_name = "REPORT.json")]
    pub compare_coverage: Option<PathBuf>,
    /// Fixtures of the embedded mock.
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// A schemas/ directory replacing the embedded contract.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Replace the embedded mock with a server making a transport fault (see `list faults`).
    #[arg(
        long = "mock-fault",
        value_name = "NAME",
        conflicts_with_all = ["mock_drifts", "mock_readings"]
    )]
    pub mock_fault: Option<crate::mock::Fault>,
    /// Where failing seeds are kept and replayed from (default: partner-conformance-runs/regressions).
    #[arg(long, value_name = "DIR")]
    pub regressions: Option<PathBuf>,
    /// Keep no failing seeds.
    #[arg(long, conflicts_with = "regressions")]
    pub no_regressions: bool,
    /// Requests in flight at once [default: 16 on loopback, 2 elsewhere].
    #[arg(long)]
    pub concurrency: Option<crate::settings::Concurrency>,
    /// Requests per second at most [default: unlimited on loopback, 5 elsewhere].
    #[arg(long)]
    pub rate: Option<crate::settings::Rate>,
    /// Retries of an idempotent request after a transport error, 429 or 503.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Send at most this many requests, then report what was covered.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<crate::settings::MaxRequests>,
    /// Run at most this many seconds, then report what was covered.
    #[arg(long, value_name = "SECS")]
    pub max_duration: Option<crate::settings::MaxDurationSeconds>,
    /// Accept the drift listed in this baseline file: only new drift fails the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Store this run's findings in FILE (existing entries keep their reasons and expiry dates).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Drop the entries of --baseline (or the profile's baseline) that no longer occur.
    #[arg(long)]
    pub prune_baseline: bool,
    /// Record every scenario's answer (redacted) as an insta snapshot in DIR.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Compare every scenario's answer with the recording in DIR; differences are behaviour changes.
    #[arg(long, value_name = "DIR")]
    pub against_recording: Option<PathBuf>,
    /// Write every request sent to FILE, one line each, sorted, without credentials.
    #[arg(long, value_name = "FILE")]
    pub request_log: Option<PathBuf>,
    /// Seconds one request may take, connect to last byte.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<crate::settings::TimeoutSeconds>,
    /// The config file and the profile to take settings from: --config, --profile (shared
    /// with `replay`).
    #[command(flatten)]
    pub profiles: ProfileArgs,
    /// Where the requests behind findings are stored for `replay`
    /// [default: partner-conformance-runs/<time> when there are findings].
    #[arg(long, value_name = "DIR")]
    pub run_dir: Option<PathBuf>,
    /// Store no request files.
    #[arg(long, conflicts_with = "run_dir")]
    pub no_run_dir: bool,
    /// libtest options: [FILTER] --exact --skip --list --test-threads --format ...
    #[command(flatten)]
    pub libtest: super::libtest::LibtestArgs,
}

/// Fills the flags the command line left unset from the selected profile of the config file.
fn apply_profile(args: &mut RunArgs) -> Result<(), ExitError> {
    let Some((config, profile)) = args.profiles.selected()? else {
        return Ok(());
    };
    let Some(profile) = profile else {
        // A file named with --config is meant to be used: running the embedded mock instead,
        // and passing, would be a false green.
        if args.profiles.config.is_some() {
            let names: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
            return Err(ExitError::Usage(anyhow::anyhow!(
                "{}: no default_profile, so choose one with --profile NAME (the file defines: {})",
                config.file.display(),
                names.join(", ")
            )));
        }
        // A file found in the working directory is not ignored in silence: a CI job relying on
        // it would otherwise go green against the embedded mock without a word.
        eprintln!(
            "warning: {} has no default_profile and no --profile was given: none of its profiles is used",
            config.file.display()
        );
        return Ok(());
    };
    args.endpoint.fill_from(&profile);
    args.rate = args.rate.or(profile.rate);
    args.concurrency = args.concurrency.or(profile.concurrency);
    args.timeout = args.timeout.or(profile.timeout_seconds);
    if args.operations.is_empty() {
        args.operations = profile.operations.unwrap_or_default();
    }
    args.baseline = args.baseline.take().or(profile.baseline);
    args.max_requests = args.max_requests.or(profile.max_requests);
    args.max_duration = args.max_duration.or(profile.max_duration_seconds);
    args.positions = args.positions.or(profile.positions);
    args.plan = args.plan.or(profile.plan);
    if args.min_coverage.is_empty() {
        args.min_coverage = profile.min_coverage;
    }
    Ok(())
}

/// `run`, or `migrate` when `migrate` holds the optional table path.
pub(super) fn run(mut args: RunArgs, migrate: Option<Option<PathBuf>>) -> Result<i32, ExitError> {
    use crate::harness::{RunConfig, TargetChoice};
    use std::io::IsTerminal;
    // First of all: a signal from here on ends in the reports, not in a killed process.
    let start = crate::harness::RunStart::begin()?;
    apply_profile(&mut args)?;
    let usage = |message: String| ExitError::Usage(anyhow::anyhow!(message));
    if args.libtest.test_threads == Some(0) {
        return Err(usage(
            "--test-threads must be at least 1 (0 would run no trial and wait for ever)".into(),
        ));
    }
    if args.prune_baseline && args.baseline.is_none() {
        return Err(usage(
            "--prune-baseline needs a baseline: --baseline FILE or a profile's `baseline`".into(),
        ));
    }
    let spec = load_spec(args.schemas.as_ref())?;
    // Read now: a previous report that cannot be used is refused before anything is sent.
    let compare_coverage = args
        .compare_coverage
        .as_deref()
        .map(crate::harness::coverage::PreviousCoverage::read)
        .transpose()
        .map_err(|e| usage(format!("--compare-coverage: {e}")))?;
    let operations: Vec<OperationId> = if args.operations.is_empty() {
        OperationId::ALL.to_vec()
    } else {
        // As a profile's `operations` key: each once.
        if let Some(twice) = args
            .operations
            .iter()
            .enumerate()
            .find_map(|(i, op)| args.operations[..i].contains(op).then_some(op))
        {
            return Err(usage(format!("--operations: `{twice}` is listed twice")));
        }
        args.operations.clone()
    };
    // A minimum for an operation the run does not select could never be met: say so now.
    if let Some(op) = args
        .min_coverage
        .iter()
        .filter_map(|m| m.operation)
        .find(|op| !operations.contains(op))
    {
        return Err(usage(format!(
            "--min-coverage {op}=…: {op} is not among the selected operations (--operations)"
        )));
    }
    if migrate.is_some() && (!args.checks.is_empty() || !args.exclude_checks.is_empty()) {
        eprintln!("warning: --checks and --exclude-checks do not apply to migrate: its trials are its four comparisons");
    }
    // What is called: a migration calls both generations of what it compares.
    let called = if migrate.is_some() {
        crate::migrate::operations_involved(&spec, &operations)
    } else {
        operations.clone()
    };
    let selection = crate::checks::CheckSelection::new(&args.checks, &args.exclude_checks)
        .map_err(|e| usage(e.to_string()))?;
    let bss_auth = crate::client::bss_auth_for(
        &spec,
        args.endpoint.auth,
        args.endpoint.target.is_some(),
        &env_is_set,
    );
    let target = match &args.endpoint.target {
        None => {
            if args.endpoint.aicc_target.is_some() || args.endpoint.partner_id.is_some() {
                return Err(usage(
                    "--aicc-target and --partner-id go with --target".into(),
                ));
            }
            TargetChoice::Embedded {
                fixtures: args.fixtures.clone(),
                schemas: args.schemas.clone(),
                drifts: crate::mock::DriftSet::new(args.endpoint.mock_drifts.iter().copied()),
                readings: crate::mock::ReadingSet::new(args.endpoint.mock_readings.iter().copied()),
                fault: args.mock_fault,
            }
        }
        Some(bss) => {
            if !args.endpoint.mock_drifts.is_empty()
                || !args.endpoint.mock_readings.is_empty()
                || args.fixtures.is_some()
            {
                return Err(usage(
                    "--mock-drift, --mock-reading and --fixtures apply to the embedded mock, not to --target"
                        .into(),
                ));
            }
            check_url(bss).map_err(usage)?;
            let aicc = args
                .endpoint
                .aicc_target
                .clone()
                .unwrap_or_else(|| bss.clone());
            check_url(&aicc).map_err(usage)?;
            let needs_partner = called
                .iter()
                .any(|op| spec.operation(*op).meta.path.contains("{partner_id}"));
            if needs_partner && args.endpoint.partner_id.is_none() {
                return Err(usage(
                    "--partner-id is required with --target for the v1 operations".into(),
                ));
            }
            let credentials =
                crate::client::TargetCredentials::from_lookup(&spec, |n| std::env::var(n).ok())
                    .with_bss_auth(bss_auth);
            let missing = credentials.missing(called.iter().map(|op| spec.operation(*op)));
            if !missing.is_empty() {
                return Err(usage(format!(
                    "set {} in the environment (credentials are never taken from the command line)",
                    missing.join(" and ")
                )));
            }
            TargetChoice::External {
                bss: bss.clone(),
                aicc,
                partner_id: args.endpoint.partner_id.clone(),
            }
        }
    };
    if args.endpoint.insecure {
        eprintln!("warning: --insecure: TLS certificates will not be verified; anyone on the path can impersonate the target");
    }
    let loopback = args.endpoint.target.as_deref().is_none_or(is_loopback)
        && args.endpoint.aicc_target.as_deref().is_none_or(is_loopback);
    let seed = args.seed.unwrap_or_else(rand::random);
    let regressions = if args.no_regressions {
        None
    } else {
        // Beside the run directories (ignored by git), never under cases/, which is compiled
        // into the binary: keeping a seed must not make the next build start over.
        Some(
            args.regressions
                .clone()
                .unwrap_or_else(|| PathBuf::from(crate::harness::RUNS_DIR).join("regressions")),
        )
    };
    let in_ci = std::env::var_os("CI").is_some();
    // With `--format json`, stdout carries the trials' JSON events and nothing else: the
    // summary goes to stderr, and is coloured if that is a terminal.
    let json = args.libtest.json();
    let summary_on_terminal = if json {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let color = match args.libtest.color {
        Some(super::libtest::Color::Always) => true,
        Some(super::libtest::Color::Never) => false,
        _ => summary_on_terminal && std::env::var_os("NO_COLOR").is_none() && !in_ci,
    };
    let progress = std::io::stderr().is_terminal() && !in_ci && !args.libtest.list;
    let config = RunConfig {
        spec,
        target,
        operations,
        seed,
        cases: args.cases,
        max_pages: args.max_pages,
        min_coverage: args.min_coverage.clone(),
        plan: args
            .plan
            .unwrap_or(crate::settings::PlanMode::default_for(loopback)),
        compare_coverage,
        policies: crate::checks::Policies {
            null: args.null_policy,
            unknown_fields: args.unknown_fields,
            not_found: args.not_found_body,
            fuzzy_spaces: args.fuzzy_spaces,
            unsupported_enum: args.unsupported_enum,
            empty_filter: args.empty_filter,
            positions: args.positions.unwrap_or({
                let unmodified_mock = args.endpoint.target.is_none()
                    && args.endpoint.mock_drifts.is_empty()
                    && args.endpoint.mock_readings.is_empty()
                    && args.mock_fault.is_none();
                if unmodified_mock {
                    crate::outcome::PositionMode::Strict
                } else {
                    crate::outcome::PositionMode::Observe
                }
            }),
        },
        selection,
        limits: crate::client::Limits {
            retries: args.retries,
            max_requests: args.max_requests.map(|n| n.get()),
            max_duration: args
                .max_duration
                .map(|d| std::time::Duration::from_secs(d.get())),
            ..crate::client::Limits::polite(loopback, args.concurrency, args.rate, args.timeout)
        },
        bss_auth,
        regressions,
        tls: crate::client::TlsOptions {
            ca_cert: args.endpoint.ca_cert.clone(),
            insecure: args.endpoint.insecure,
        },
        reports: args.report.clone(),
        libtest: args.libtest.into_libtest(),
        color,
        progress,
        request_log: args.request_log.clone(),
        record: args.record.clone(),
        against_recording: args.against_recording.clone(),
        baseline: args.baseline.clone(),
        run_dir: if args.no_run_dir {
            None
        } else {
            Some(args.run_dir.clone().unwrap_or_else(|| {
                // The second and the process: runs started in one second (in parallel CI jobs,
                // or one after another) never share, and so never replace, a directory.
                PathBuf::from(crate::harness::RUNS_DIR).join(format!(
                    "{}-{}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
                    std::process::id()
                ))
            }))
        },
        write_baseline: args.write_baseline.clone(),
        prune_baseline: args.prune_baseline,
        migrate: migrate.is_some(),
        table: migrate.clone().flatten(),
    };
    let outcome = crate::harness::run(config, start)?;
    if let Some(report) = &outcome.report {
        let mut text = String::new();
        if migrate.is_some() {
            text.push_str(&format!("\n{}\n", crate::report::migration_table(report)));
        }
        text.push('\n');
        text.push_str(&crate::report::write_human(report, color));
        if json {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    Ok(outcome.exit_code)
}
