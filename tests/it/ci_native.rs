//! CI-native output, end to end against the embedded mock with many drifts: inside a GitHub
//! Actions step the run appends its Markdown report to the step summary and prints at most ten
//! `::error` annotations (one per finding group, the rest counted in the summary), on stderr
//! under `--format json`; outside one nothing of it appears. Every report format counts the
//! same run the same way, the CTRF report has the shape its schema requires, and the Markdown
//! report of a huge run stays under a comment's size limit.

use partner_conformance::outcome::location_pattern;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Drifts on every operation, each finding a group of its own (more than GitHub annotates).
const DRIFTS: &[&str] = &[
    "renamed-customer-id",
    "count-as-string",
    "undocumented-record-field",
    "time-with-offset",
    "wrong-content-type",
    "null-domain-name",
    "overlong-corp-name",
    "undocumented-cooperation-type",
    "missing-error-msg",
    "credentials-ignored",
    "budget-amount-as-string",
    "budget-currency-unknown",
    "budget-extra-field",
    "aicc-unmasked-phone",
    "aicc-create-date-string",
    "aicc-missing-portal-url",
    "aicc-401-as-object",
    "v2-renamed-account-name",
];

/// GitHub's cap on error annotations per step.
const ANNOTATED: usize = partner_conformance::report::github::MAX_ANNOTATIONS;

/// Runs the drifted mock with `extra` arguments; `github` is the step summary file when the run
/// is inside a GitHub Actions step. Reports go to `dir`.
fn drifted_run(dir: &Path, extra: &[&str], github: Option<&Path>, cases: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .args(["run", "--no-regressions", "--no-run-dir", "--seed", "3"])
        .args(["--cases", cases, "--test-threads", "2"])
        .args(DRIFTS.iter().flat_map(|d| ["--mock-drift", d]))
        .args(extra)
        .current_dir(dir)
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("AICC_TOKEN");
    match github {
        Some(summary) => command
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", summary),
        None => command
            .env_remove("GITHUB_ACTIONS")
            .env("GITHUB_STEP_SUMMARY", dir.join("untouched.md")),
    };
    let output = command.output().expect("binary runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// Finding groups as the reports collapse them: operation, category, check, location pattern.
fn groups(report: &Value) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["operation"].to_string(),
                f["category"].to_string(),
                f["check"].to_string(),
                location_pattern(f["location"].as_str().unwrap()),
            )
        })
        .collect::<BTreeSet<_>>()
        .len()
}

fn annotations(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("::error ")).collect()
}

#[test]
fn a_github_actions_step_gets_the_summary_and_ten_annotations() {
    let dir = crate::fixtures::tempdir();
    let summary = dir.join("step-summary.md");
    std::fs::write(&summary, "an earlier step's summary\n").unwrap();
    let output = drifted_run(&dir, &["--report", "json=r.json"], Some(&summary), "8");
    let report = json(&dir.join("r.json"));
    let groups = groups(&report);
    assert!(groups > ANNOTATED, "{groups} finding groups");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines = annotations(&stdout);
    assert_eq!(lines.len(), ANNOTATED, "{stdout}");
    for line in &lines {
        assert!(
            line.starts_with("::error title=partner-conformance%3A "),
            "{line}"
        );
        let (_, message) = line.split_once("::").unwrap().1.split_once("::").unwrap();
        assert!(message.contains("%0Aexpected: "), "{line}");
    }
    // The most severe first: the ignored credentials.
    assert!(lines[0].contains(" auth at "), "{}", lines[0]);

    let written = read(&summary);
    assert!(
        written.starts_with("an earlier step's summary\n### partner-conformance: "),
        "appended: {written}"
    );
    assert_eq!(written.matches("### partner-conformance: ").count(), 1);
    let more = format!("\n{} more finding groups not annotated", groups - ANNOTATED);
    assert!(written.contains(&more), "{more} in {written}");
    assert!(!dir.join("untouched.md").exists());

    // Under --format json, stdout is JSON events only and the annotations go to stderr.
    let summary = dir.join("json-step-summary.md");
    let output = drifted_run(&dir, &["--format", "json"], Some(&summary), "8");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(annotations(&stderr).len(), ANNOTATED, "{stderr}");
    assert!(read(&summary).contains("### partner-conformance: "));
}

#[test]
fn outside_github_actions_nothing_of_it_appears() {
    let dir = crate::fixtures::tempdir();
    let output = drifted_run(&dir, &[], None, "8");
    for text in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(text);
        assert!(!text.contains("::error"), "{text}");
        assert!(!text.contains("not annotated"), "{text}");
    }
    assert!(!dir.join("untouched.md").exists());
}

/// `N things` at the start of `text`, as the reports write counts.
fn leading_count(text: &str) -> usize {
    text.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count at the start of {text:?}"))
}

#[test]
fn every_format_counts_a_drifted_run_the_same() {
    let dir = crate::fixtures::tempdir();
    let paths: Vec<PathBuf> = ["r.json", "r.md", "r.xml", "r.ctrf.json", "r.html"]
        .iter()
        .map(|name| dir.join(name))
        .collect();
    drifted_run(
        &dir,
        &[
            "--report",
            "json=r.json",
            "--report",
            "markdown=r.md",
            "--report",
            "junit=r.xml",
            "--report",
            "ctrf=r.ctrf.json",
            "--report",
            "html=r.html",
        ],
        None,
        "32",
    );
    let report = json(&paths[0]);
    let findings = report["findings"].as_array().unwrap().len();
    assert_eq!(report["summary"]["findings"], findings);
    let trials = report["trials"].as_array().unwrap();
    let outcome = |name: &str| trials.iter().filter(|t| t["outcome"] == name).count();
    let (passed, drift, skipped) = (outcome("passed"), outcome("drift"), outcome("skipped"));
    assert!(drift > 0 && passed > 0, "{}", report["summary"]);
    assert_eq!(
        passed + drift + skipped + outcome("transport") + outcome("observed"),
        trials.len(),
        "only these outcomes in this run"
    );

    // Markdown: the heading counts the findings, the run line the trials by outcome, and the
    // whole is under a comment's limit though the run found thousands.
    let md = read(&paths[1]);
    assert!(md.len() < 65_536, "{} characters", md.len());
    assert!(
        md.starts_with(&format!("### partner-conformance: {findings} findings\n")),
        "{}",
        &md[..200]
    );
    assert!(
        md.contains(&format!(
            "{} trials ({passed} passed, {drift} drift, ",
            trials.len()
        )),
        "{md}"
    );
    assert!(
        md.contains(" more "),
        "the cut or the collapsed rows say so"
    );

    // JUnit: one case per trial, a failure per drifted trial whose message counts its findings.
    let xml = read(&paths[2]);
    assert_eq!(xml.matches("<testcase ").count(), trials.len());
    let failures: Vec<&str> = xml
        .split("<failure message=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(failures.len(), drift);
    assert_eq!(
        failures.iter().map(|m| leading_count(m)).sum::<usize>(),
        findings
    );
    assert_eq!(xml.matches("<skipped").count(), skipped);

    // CTRF: the summary and the tests agree with the JSON report.
    let ctrf = json(&paths[3]);
    let results = &ctrf["results"];
    let summary = &results["summary"];
    assert_eq!(summary["tests"], trials.len());
    assert_eq!(summary["passed"], passed + outcome("observed"));
    assert_eq!(summary["failed"], drift);
    assert_eq!(summary["skipped"], skipped);
    assert_eq!(summary["other"], outcome("transport"));
    assert_eq!(summary["pending"], 0);
    let tests = results["tests"].as_array().unwrap();
    let failed_findings: usize = tests
        .iter()
        .filter(|t| t["status"] == "failed")
        .map(|t| leading_count(t["message"].as_str().unwrap()))
        .sum();
    assert_eq!(failed_findings, findings);
    for (test, trial) in tests.iter().zip(trials) {
        assert_eq!(test["name"], trial["name"]);
        assert_eq!(test["rawStatus"], trial["outcome"]);
    }
    assert_ctrf_shape(&ctrf);

    // HTML: the figures the page shows as written (the browser test checks them once its
    // script has run, in tests/it/html_report.rs).
    let html = read(&paths[4]);
    let shown = |key: &str| crate::html_report::shown(&html, key);
    assert_eq!(shown("findings"), findings.to_string());
    assert_eq!(shown("trials"), trials.len().to_string());
    for (name, count) in [("passed", passed), ("drift", drift), ("skipped", skipped)] {
        assert_eq!(
            shown(&format!("trials.{name}")),
            count.to_string(),
            "{name}"
        );
    }
}

/// The fields the CTRF schema requires, with their types, and no status outside its list.
fn assert_ctrf_shape(ctrf: &Value) {
    assert_eq!(ctrf["reportFormat"], "CTRF");
    let version = ctrf["specVersion"].as_str().unwrap();
    assert_eq!(version.split('.').count(), 3, "{version}");
    assert!(version.split('.').all(|n| n.parse::<u32>().is_ok()));
    let results = &ctrf["results"];
    assert!(results["tool"]["name"]
        .as_str()
        .is_some_and(|n| !n.is_empty()));
    let summary = &results["summary"];
    for key in [
        "tests", "passed", "failed", "pending", "skipped", "other", "start", "stop",
    ] {
        assert!(summary[key].is_u64(), "summary.{key}: {summary}");
    }
    let counted: u64 = ["passed", "failed", "pending", "skipped", "other"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum();
    assert_eq!(counted, summary["tests"].as_u64().unwrap());
    assert!(summary["start"].as_u64() <= summary["stop"].as_u64());
    for test in results["tests"].as_array().unwrap() {
        assert!(
            test["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{test}"
        );
        assert!(test["duration"].is_u64(), "{test}");
        let status = test["status"].as_str().unwrap();
        assert!(
            ["passed", "failed", "skipped", "pending", "other"].contains(&status),
            "{test}"
        );
        if status == "failed" {
            assert!(test["message"].is_string(), "{test}");
        }
        if let Some(suite) = test.get("suite") {
            assert!(!suite.as_array().unwrap().is_empty(), "{test}");
        }
    }
}

#[test]
fn a_markdown_report_written_to_the_step_summary_is_refused_before_the_run() {
    let dir = crate::fixtures::tempdir();
    let summary = dir.join("step-summary.md");
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["run", "--no-regressions", "--no-run-dir", "--cases", "1"])
        .arg("--report")
        .arg(format!("markdown={}", summary.display()))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("GITHUB_STEP_SUMMARY"), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(!summary.exists());
}

/// A run that ends early (an unusable target, exit 3) still writes the step summary.
#[test]
fn an_unusable_target_still_gets_its_step_summary() {
    let dir = crate::fixtures::tempdir();
    let summary = dir.join("step-summary.md");
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["run", "--no-regressions", "--no-run-dir", "--cases", "1"])
        .args(["--target", &format!("http://127.0.0.1:{port}")])
        .args(["--partner-id", "p", "--retries", "0"])
        .env("HUAWEICLOUD_TOKEN", "t-unusable-1")
        .env("AICC_TOKEN", "t-unusable-2")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let written = read(&summary);
    assert!(
        written.starts_with("### partner-conformance: no drift found, but the target was unusable"),
        "{written}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("::error"));
}
