//! What a run writes, in one place: the outputs it is asked for ([`outputs`], checked before
//! anything is sent) and the writing of them at the end ([`publish`]): the run directory, the
//! request log, the reports and the migration table, each complete or not at all, none lost for
//! another's failure (see [`crate::report::emit`]).

use super::replay::{save as save_run, RunManifest, RUN_DIR_VERSION};
use super::RunConfig;
use crate::checks::Finding;
use crate::client::HttpClient;
use crate::report::emit::{publish_dir, Output, OutputKind, Publisher, Render};
use crate::report::{distinct_findings, plural, Report, ReportFormat};

/// Every path the run will write, with the option that asked for it.
pub(super) fn outputs(config: &RunConfig) -> Vec<Output> {
    let mut outputs: Vec<Output> = config
        .reports
        .iter()
        .map(|r| {
            let format = match r.format {
                ReportFormat::Json => "json",
                ReportFormat::Junit => "junit",
                ReportFormat::Markdown => "markdown",
                ReportFormat::Html => "html",
                ReportFormat::Ctrf => "ctrf",
            };
            Output::new(format!("--report {format}"), &r.path, OutputKind::File)
        })
        .collect();
    let mut add = |option: &str, path: &Option<std::path::PathBuf>, kind| {
        if let Some(path) = path {
            outputs.push(Output::new(option, path, kind));
        }
    };
    add("--request-log", &config.request_log, OutputKind::File);
    // Inside GitHub Actions the step summary is written too: checked like the others, so a
    // `--report markdown=$GITHUB_STEP_SUMMARY` (the report twice in one summary) is refused.
    let summary = crate::report::github::Actions::from_env(false).and_then(|a| a.summary);
    add(
        "the GitHub step summary (GITHUB_STEP_SUMMARY)",
        &summary,
        OutputKind::File,
    );
    add("--table", &config.table, OutputKind::File);
    add("--write-baseline", &config.write_baseline, OutputKind::File);
    if config.prune_baseline {
        add("--prune-baseline", &config.baseline, OutputKind::File);
    }
    add("--run-dir", &config.run_dir, OutputKind::RunDir);
    add("--record", &config.record, OutputKind::Dir);
    add(
        "--logfile",
        &config
            .libtest
            .logfile
            .as_ref()
            .map(std::path::PathBuf::from),
        OutputKind::File,
    );
    outputs
}

/// Writes the run's outputs for `report` (already redacted) and returns the exit code, which
/// accounts for any output that could not be written. `all` is every finding, new and
/// accepted: the run directory keeps one request per distinct one.
pub(super) fn publish(
    config: &RunConfig,
    client: &HttpClient,
    report: &mut Report,
    all: &[Finding],
    mut publisher: Publisher,
) -> i32 {
    let secrets = client.credentials().secret_values();
    if let (Some(dir), false) = (&config.run_dir, all.is_empty()) {
        let target = client.target();
        let manifest = RunManifest {
            version: RUN_DIR_VERSION,
            bss_url: target.bss_base.clone(),
            aicc_url: target.aicc_base.clone(),
            partner_id: target.partner_id.clone(),
            embedded: target.embedded,
            auth: config.bss_auth,
            created: chrono::Utc::now().to_rfc3339(),
            seed: config.seed,
            policies: config.policies,
            checks: config.selection.names(),
        };
        // The group the summary collapses to needs one request to be replayed, not one per
        // look-alike: a systematic drift would otherwise store one file per generated case.
        let distinct: Vec<Finding> = distinct_findings(all.iter().filter(|f| f.origin.is_some()))
            .into_iter()
            .cloned()
            .collect();
        match publish_dir(dir, |fresh| save_run(fresh, &manifest, &distinct, &secrets)) {
            Ok(saved) => report.summary.notes.push(format!(
                "the requests behind the findings are in {}, one per distinct finding: {} for {} ({} in all). `partner-conformance replay {}` re-sends them",
                dir.display(),
                plural(saved, "request"),
                plural(distinct.len(), "distinct finding"),
                all.len(),
                dir.display()
            )),
            Err(error) => publisher.failed(
                report,
                &format!("the run directory {}", dir.display()),
                &error,
            ),
        }
    }
    if let (Some(path), Some(log)) = (&config.request_log, client.request_log()) {
        publisher.lines(report, path, log);
    }
    let table = config.table.as_deref().map(|path| {
        let render: Render = crate::report::migration_table;
        (path, render)
    });
    // Under `--format json` stdout carries JSON events only: annotations go to stderr, which
    // the runner reads for workflow commands as well.
    let json = matches!(
        config.libtest.format,
        Some(libtest_mimic::FormatSetting::Json)
    );
    let github = crate::report::github::Actions::from_env(json);
    publisher.reports(report, &config.reports, table, github.as_ref());
    publisher.exit_code()
}
