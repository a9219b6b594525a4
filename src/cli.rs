//! Command-line interface: argument definitions and the commands they run.

use crate::exit::ExitError;
use crate::mock::{CredentialSource, Credentials, Fixtures, MockState};
use crate::settings::WholeSetting as _;
use crate::spec::{OperationId, Spec};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

mod replay;

pub use replay::ReplayArgs;

/// Contract tests and a reference mock for the Huawei Cloud partner customer APIs.
#[derive(Debug, Parser)]
#[command(name = "partner-conformance", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suite (against the embedded mock unless --target is given).
    Run(Box<RunArgs>),
    /// Compare each new API with the old one it replaces, for one partner (against the embedded
    /// mock unless --target is given); prints the migration table.
    Migrate(Box<MigrateArgs>),
    /// Serve the documented APIs on loopback: the reference mock.
    Serve(ServeArgs),
    /// Explain a check: what it verifies, the documentation it rests on, how to reproduce.
    Explain {
        /// Check code (PC012) or name (fuzzy_filter).
        check: String,
    },
    /// Re-send the requests behind the findings of a run and say which findings still hold.
    Replay(ReplayArgs),
    /// Work with the config file of profiles.
    Config {
        /// What to do.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Export the contract for other tools.
    Export {
        /// What to export.
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// List checks, operations, drifts or faults.
    List {
        /// What to list.
        #[arg(value_enum)]
        what: ListWhat,
    },
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// An OpenAPI 3.1 document generated from schemas/ (for Schemathesis, Prism, Postman, code generators).
    Openapi {
        /// Write here instead of stdout.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// A schemas/ directory replacing the embedded contract.
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Validate the config file and show its profiles and the variables they need; sends nothing.
    Check {
        /// The config file [default: ./partner-conformance.toml].
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
}

/// What `list` prints.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ListWhat {
    /// Every check with its code, categories and kind.
    Checks,
    /// Every operation with its method and path.
    Operations,
    /// Every drift the mock can inject, with the category the suite must report for it.
    Drifts,
    /// Every transport fault a fault server can make, with how the suite classifies it.
    Faults,
}

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
    /// Base URL of the BSS endpoint under test (default: the embedded mock on a loopback port).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Base URL of the AICC endpoint (default: --target).
    #[arg(long, value_name = "URL")]
    pub aicc_target: Option<String>,
    /// Partner id for the {partner_id} path segment (required with --target for the v1 operations).
    #[arg(long, value_name = "ID")]
    pub partner_id: Option<String>,
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
    #[arg(long, default_value_t = 50)]
    pub max_pages: u64,
    /// Run only these checks (names or codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub checks: Vec<String>,
    /// Do not run these checks.
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub exclude_checks: Vec<String>,
    /// Write a report: json=PATH, junit=PATH or markdown=PATH (repeatable).
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
    /// A documented-but-unsupported enum value: strict expects 400, lenient also accepts no match (A10).
    #[arg(long, value_enum, default_value_t)]
    pub unsupported_enum: crate::checks::Toggle,
    /// Fixtures of the embedded mock.
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// A schemas/ directory replacing the embedded contract.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Make the embedded mock inject a named drift (repeatable; see `list drifts`).
    #[arg(long = "mock-drift", value_name = "NAME")]
    pub mock_drifts: Vec<crate::mock::Drift>,
    /// Replace the embedded mock with a server making a transport fault (see `list faults`).
    #[arg(
        long = "mock-fault",
        value_name = "NAME",
        conflicts_with = "mock_drifts"
    )]
    pub mock_fault: Option<crate::mock::Fault>,
    /// Where failing seeds are kept and replayed from (default: partner-conformance-runs/regressions).
    #[arg(long, value_name = "DIR")]
    pub regressions: Option<PathBuf>,
    /// Keep no failing seeds.
    #[arg(long, conflicts_with = "regressions")]
    pub no_regressions: bool,
    /// How BSS operations authenticate: token (HUAWEICLOUD_TOKEN) or aksk (HUAWEICLOUD_SDK_AK/SK)
    /// [default: token when HUAWEICLOUD_TOKEN is set, else aksk when both keys are]
    #[arg(long, value_enum)]
    pub auth: Option<crate::spec::AuthScheme>,
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
    /// A PEM file of extra CA certificates to trust (a staging CA).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (a warning goes to stderr and into every report).
    #[arg(long)]
    pub insecure: bool,
    /// Seconds one request may take, connect to last byte.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<crate::settings::TimeoutSeconds>,
    /// The config file with named profiles [default: ./partner-conformance.toml when it exists].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The profile of the config file to use; flags given on the command line override it.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Where the requests behind findings are stored for `replay`
    /// [default: partner-conformance-runs/<time> when there are findings].
    #[arg(long, value_name = "DIR")]
    pub run_dir: Option<PathBuf>,
    /// Store no request files.
    #[arg(long, conflicts_with = "run_dir")]
    pub no_run_dir: bool,
    /// libtest options: [FILTER] --exact --skip --list --test-threads ...
    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Fixtures file replacing the embedded data (same format as src/mock/data/fixtures.json).
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// A schemas/ directory replacing the embedded contract.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Inject a named drift (repeatable; see `partner-conformance list drifts`).
    #[arg(long = "drift", value_name = "NAME")]
    pub drifts: Vec<crate::mock::Drift>,
    /// Serve a transport fault on every connection instead of the mock (see `list faults`).
    #[arg(long, value_name = "NAME", conflicts_with = "drifts")]
    pub fault: Option<crate::mock::Fault>,
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32, ExitError> {
    match cli.command {
        Command::Run(args) => conformance_run(*args, None),
        Command::Migrate(args) => {
            let MigrateArgs { table, run } = *args;
            conformance_run(run, Some(table))
        }
        Command::Serve(args) => serve(args),
        Command::Explain { check } => {
            let spec = load_spec(None)?;
            match crate::checks::explain(&spec, &check) {
                Some(text) => {
                    print!("{text}");
                    Ok(crate::exit::SUCCESS)
                }
                None => Err(ExitError::Usage(anyhow::anyhow!(
                    "no check `{check}` (see `partner-conformance list checks`)"
                ))),
            }
        }
        Command::Replay(args) => replay::run(args),
        Command::Export {
            what: ExportWhat::Openapi { out, schemas },
        } => {
            let spec = load_spec(schemas.as_ref())?;
            let text = serde_json::to_string_pretty(&crate::export::openapi(&spec))
                .map_err(|e| ExitError::Usage(e.into()))?
                + "\n";
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("failed to write {}", path.display()))
                    .map_err(ExitError::Usage)?,
                None => print!("{text}"),
            }
            Ok(crate::exit::SUCCESS)
        }
        Command::Config {
            action: ConfigAction::Check { config },
        } => {
            let path = config.unwrap_or_else(|| PathBuf::from(crate::config::DEFAULT_FILE));
            let loaded =
                crate::config::Config::load(&path).map_err(|e| ExitError::Usage(e.into()))?;
            let spec = load_spec(None)?;
            print!("{}", loaded.describe(&spec, &env_is_set));
            println!("\n{}: valid", path.display());
            Ok(crate::exit::SUCCESS)
        }
        Command::List { what } => {
            let spec = load_spec(None)?;
            print!("{}", list(&spec, what));
            Ok(crate::exit::SUCCESS)
        }
    }
}

/// The text of `list checks` / `list operations`.
pub fn list(spec: &Spec, what: ListWhat) -> String {
    let mut out = String::new();
    match what {
        ListWhat::Checks => {
            for check in crate::checks::CHECKS {
                let categories: Vec<_> = check.categories.iter().map(|c| c.as_str()).collect();
                let kind = match check.kind() {
                    crate::checks::CheckKind::PerResponse => "per-response",
                    crate::checks::CheckKind::Stateful => "stateful",
                    crate::checks::CheckKind::Migration => "migrate",
                };
                out.push_str(&format!(
                    "{}  {:<28} {:<12} {}\n",
                    check.code,
                    check.name,
                    kind,
                    categories.join(", ")
                ));
            }
        }
        ListWhat::Drifts => {
            for drift in crate::mock::DRIFTS {
                let seen_by = match drift.seen_by {
                    crate::mock::SeenBy::Run => "run",
                    crate::mock::SeenBy::Migrate => "migrate",
                };
                out.push_str(&format!(
                    "{:<30} {:<13} {:<17} {:<8} {}\n",
                    drift.name,
                    drift.operation.as_str(),
                    drift.category.as_str(),
                    seen_by,
                    drift.description
                ));
            }
        }
        ListWhat::Faults => {
            for fault in crate::mock::FAULTS {
                out.push_str(&format!(
                    "{:<15} {:<15} {}\n",
                    fault.name, fault.kind, fault.description
                ));
            }
        }
        ListWhat::Operations => {
            for op in spec.operations() {
                out.push_str(&format!(
                    "{:<13} {} {}  ({})\n",
                    op.id, op.meta.method, op.meta.path, op.meta.title
                ));
            }
        }
    }
    out
}

/// `--against-recording` must name a folder holding recordings, and `--record` a folder (made
/// when missing): comparing with nothing, or recording into a file, would pass having done
/// neither.
fn check_recording_dirs(args: &RunArgs) -> Result<(), ExitError> {
    let usage = |message: String| Err(ExitError::Usage(anyhow::anyhow!(message)));
    if let Some(dir) = &args.against_recording {
        let recordings = std::fs::read_dir(dir).map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "snap"))
                .count()
        });
        match recordings {
            Err(e) => return usage(format!("--against-recording {}: {e}", dir.display())),
            Ok(0) => {
                return usage(format!(
                    "--against-recording {}: no recording (*.snap) in it; make one with --record",
                    dir.display()
                ))
            }
            Ok(_) => {}
        }
    }
    if let Some(dir) = &args.record {
        if dir.exists() && !dir.is_dir() {
            return usage(format!("--record {}: not a folder", dir.display()));
        }
        if let Err(e) = std::fs::create_dir_all(dir) {
            return usage(format!("--record {}: {e}", dir.display()));
        }
    }
    Ok(())
}

/// Whether an environment variable is set to something (an empty value counts as unset).
fn env_is_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty())
}

/// Fills the flags the command line left unset from the selected profile of the config file.
fn apply_profile(args: &mut RunArgs) -> Result<(), ExitError> {
    let config = crate::config::Config::discover(args.config.as_deref())
        .map_err(|e| ExitError::Usage(e.into()))?;
    let Some(config) = config else {
        if let Some(name) = &args.profile {
            return Err(ExitError::Usage(anyhow::anyhow!(
                "--profile {name}: no config file (give --config PATH or create {})",
                crate::config::DEFAULT_FILE
            )));
        }
        return Ok(());
    };
    let Some(profile) = config
        .profile(args.profile.as_deref())
        .map_err(|e| ExitError::Usage(e.into()))?
        .cloned()
    else {
        // A file named with --config is meant to be used: running the embedded mock instead,
        // and passing, would be a false green.
        if args.config.is_some() {
            let names: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
            return Err(ExitError::Usage(anyhow::anyhow!(
                "{}: no default_profile, so choose one with --profile NAME (the file defines: {})",
                config.file.display(),
                names.join(", ")
            )));
        }
        return Ok(());
    };
    args.target = args.target.take().or(profile.bss_url);
    args.aicc_target = args.aicc_target.take().or(profile.aicc_url);
    args.partner_id = args.partner_id.take().or(profile.partner_id);
    args.auth = args.auth.or(profile.auth);
    args.rate = args.rate.or(profile.rate);
    args.concurrency = args.concurrency.or(profile.concurrency);
    args.timeout = args.timeout.or(profile.timeout_seconds);
    args.ca_cert = args.ca_cert.take().or(profile.ca_cert);
    if args.operations.is_empty() {
        args.operations = profile.operations.unwrap_or_default();
    }
    args.baseline = args.baseline.take().or(profile.baseline);
    args.insecure |= profile.insecure;
    args.max_requests = args.max_requests.or(profile.max_requests);
    args.max_duration = args.max_duration.or(profile.max_duration_seconds);
    Ok(())
}

/// `run`, or `migrate` when `migrate` holds the optional table path.
fn conformance_run(mut args: RunArgs, migrate: Option<Option<PathBuf>>) -> Result<i32, ExitError> {
    use crate::harness::{RunConfig, TargetChoice};
    use std::io::IsTerminal;
    apply_profile(&mut args)?;
    let usage = |message: String| ExitError::Usage(anyhow::anyhow!(message));
    if args.libtest.test_threads == Some(0) {
        return Err(usage(
            "--test-threads must be at least 1 (0 would run no trial and wait for ever)".into(),
        ));
    }
    check_recording_dirs(&args)?;
    if args.prune_baseline && args.baseline.is_none() {
        return Err(usage(
            "--prune-baseline needs a baseline: --baseline FILE or a profile's `baseline`".into(),
        ));
    }
    let spec = load_spec(args.schemas.as_ref())?;
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
    let bss_auth =
        crate::client::bss_auth_for(&spec, args.auth, args.target.is_some(), &env_is_set);
    let target = match &args.target {
        None => {
            if args.aicc_target.is_some() || args.partner_id.is_some() {
                return Err(usage(
                    "--aicc-target and --partner-id go with --target".into(),
                ));
            }
            TargetChoice::Embedded {
                fixtures: args.fixtures.clone(),
                drifts: crate::mock::DriftSet::new(args.mock_drifts.iter().copied()),
                fault: args.mock_fault,
            }
        }
        Some(bss) => {
            if !args.mock_drifts.is_empty() || args.fixtures.is_some() {
                return Err(usage(
                    "--mock-drift and --fixtures apply to the embedded mock, not to --target"
                        .into(),
                ));
            }
            check_url(bss).map_err(usage)?;
            let aicc = args.aicc_target.clone().unwrap_or_else(|| bss.clone());
            check_url(&aicc).map_err(usage)?;
            let needs_partner = called
                .iter()
                .any(|op| spec.operation(*op).meta.path.contains("{partner_id}"));
            if needs_partner && args.partner_id.is_none() {
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
                partner_id: args.partner_id.clone(),
            }
        }
    };
    if args.insecure {
        eprintln!("warning: --insecure: TLS certificates will not be verified; anyone on the path can impersonate the target");
    }
    let loopback = args.target.as_deref().is_none_or(is_loopback)
        && args.aicc_target.as_deref().is_none_or(is_loopback);
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
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() && !in_ci;
    let progress = std::io::stderr().is_terminal() && !in_ci && !args.libtest.list;
    let outcome = crate::harness::run(RunConfig {
        spec,
        target,
        operations,
        seed,
        cases: args.cases,
        max_pages: args.max_pages.max(1),
        policies: crate::checks::Policies {
            null: args.null_policy,
            unknown_fields: args.unknown_fields,
            not_found: args.not_found_body,
            fuzzy_spaces: args.fuzzy_spaces,
            unsupported_enum: args.unsupported_enum,
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
            ca_cert: args.ca_cert.clone(),
            insecure: args.insecure,
        },
        reports: args.report.clone(),
        libtest: args.libtest,
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
                PathBuf::from(crate::harness::RUNS_DIR)
                    .join(chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string())
            }))
        },
        write_baseline: args.write_baseline.clone(),
        prune_baseline: args.prune_baseline,
        migrate: migrate.is_some(),
        table: migrate.clone().flatten(),
    })?;
    if let Some(report) = &outcome.report {
        if migrate.is_some() {
            println!("\n{}", crate::report::migration_table(report));
        }
        println!();
        print!("{}", crate::report::write_human(report, color));
    }
    Ok(outcome.exit_code)
}

/// Whether a base URL points at this machine (loopback runs unthrottled).
fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority
        .strip_prefix('[')
        .and_then(|h| h.split_once(']').map(|(h, _)| h))
        .unwrap_or_else(|| authority.rsplit_once(':').map_or(authority, |(h, _)| h));
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A base URL must be http(s) with a host.
fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("`{url}` has no host"));
    }
    Ok(())
}

/// Loads the contract from a directory or the embedded copy.
pub fn load_spec(dir: Option<&PathBuf>) -> Result<Arc<Spec>, ExitError> {
    match dir {
        Some(dir) => Spec::from_dir(dir)
            .map(Arc::new)
            .with_context(|| format!("failed to load schemas from {}", dir.display())),
        None => Spec::embedded().context("failed to load the embedded schemas"),
    }
    .map_err(ExitError::Usage)
}

fn serve(args: ServeArgs) -> Result<i32, ExitError> {
    let spec = load_spec(args.schemas.as_ref())?;
    let fixtures = match &args.fixtures {
        Some(path) => Fixtures::from_file(&spec, path),
        None => Fixtures::embedded(&spec),
    }
    .context("failed to load fixtures")
    .map_err(ExitError::Usage)?;
    let (credentials, sources) = Credentials::from_lookup(&spec, |name| std::env::var(name).ok());
    let runtime = tokio::runtime::Runtime::new()
        .context("failed to start the async runtime")
        .map_err(ExitError::Usage)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("failed to listen on {}", args.addr))
            .map_err(ExitError::Usage)?;
        let addr = listener
            .local_addr()
            .map_err(|e| ExitError::Usage(e.into()))?;
        let signals = crate::mock::ShutdownSignals::install()
            .context("failed to install signal handlers")
            .map_err(ExitError::Usage)?;
        if let Some(fault) = args.fault {
            println!("partner-conformance fault server listening on http://{addr}");
            println!(
                "fault {fault}: {} (every connection)",
                fault.info().description
            );
            println!("stop with Ctrl-C");
            crate::mock::serve_fault(listener, fault, signals.wait()).await;
            eprintln!("partner-conformance fault server stopped");
            return Ok(crate::exit::SUCCESS);
        }
        print_banner(&spec, addr, &fixtures, &credentials, &sources);
        for drift in &args.drifts {
            println!("injecting drift {drift}: {}", drift.info().description);
        }
        let state = Arc::new(MockState {
            spec,
            credentials,
            fixtures,
            drifts: crate::mock::DriftSet::new(args.drifts.iter().copied()),
        });
        crate::mock::serve_until_signal(state, listener, signals)
            .await
            .context("the mock server failed")
            .map_err(ExitError::Usage)?;
        eprintln!("partner-conformance mock stopped");
        Ok(crate::exit::SUCCESS)
    })
}

/// Prints where the mock listens and how to call it. Generated credentials are printed so the
/// user can call the mock; values taken from the environment are never echoed.
fn print_banner(
    spec: &Spec,
    addr: SocketAddr,
    fixtures: &Fixtures,
    credentials: &Credentials,
    sources: &[CredentialSource],
) {
    println!("partner-conformance mock listening on http://{addr}");
    println!("partner_id: {}", fixtures.partner_id);
    println!("customers:  {}", fixtures.customers.len());
    for source in sources {
        match source {
            CredentialSource::Environment(name) => {
                println!("{name}: (taken from the environment, not shown)")
            }
            CredentialSource::Generated(name) => {
                let value = credentials
                    .get(name)
                    .map(|s| s.expose())
                    .unwrap_or_default();
                println!("{name}={value}   (generated; export {name} to choose it)");
            }
        }
    }
    let customers = spec.operation(OperationId::CustomersV1);
    let path = customers
        .meta
        .path
        .replace("{partner_id}", &fixtures.partner_id);
    let generated = sources
        .iter()
        .any(|s| *s == CredentialSource::Generated("HUAWEICLOUD_TOKEN".into()));
    let new = spec.operation(OperationId::CustomersV2);
    println!("try:");
    if generated {
        println!("  export HUAWEICLOUD_TOKEN=...   (the generated value above)");
    }
    println!("  curl -H \"X-Auth-Token: $HUAWEICLOUD_TOKEN\" 'http://{addr}{path}?page_size=2'");
    println!(
        "  curl -X {} -H \"X-Auth-Token: $HUAWEICLOUD_TOKEN\" -H 'Content-Type: application/json' --data-raw '{{\"limit\":2}}' 'http://{addr}{}'",
        new.meta.method, new.meta.path
    );
    println!("stop with Ctrl-C");
}
