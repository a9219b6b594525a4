//! The JSON report has a schema, `docs/report.schema.json` (JSON Schema 2020-12), and real
//! reports meet it: the default run on the embedded mock, a run with drift and observations, the
//! same drift accepted by a baseline, a run against a target that cannot be used (exit 3),
//! `migrate` (the migration table), a run of one operation (the others not selected), and a
//! gated run compared with an earlier report.
//! Objects of a fixed shape refuse unknown properties, so a field renamed in the model fails
//! here until the schema says it; the schema's closed lists are the crate's own.

use crate::run_suite::{migrate, run, RunResult};
use partner_conformance::outcome::{Category, Evidence, Reason};
use partner_conformance::spec::OperationId;
use serde_json::Value;
use std::process::Command;

/// The schema, parsed.
fn schema() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let text = std::fs::read_to_string(&path).expect("docs/report.schema.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// A validator of the schema (itself checked against the 2020-12 meta-schema first).
fn validator() -> jsonschema::Validator {
    let schema = schema();
    if let Err(error) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("docs/report.schema.json is not a 2020-12 schema: {error}");
    }
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

/// Every way `report` breaks the schema, one line each with where.
fn violations(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .take(20)
        .collect()
}

/// Asserts that a finished run wrote a report and that it meets the schema.
fn assert_valid(validator: &jsonschema::Validator, what: &str, result: &RunResult) {
    assert!(
        result.report.is_object(),
        "{what}: no JSON report (exit {})\n{}\n{}",
        result.code,
        result.stdout,
        result.stderr
    );
    let problems = violations(validator, &result.report);
    assert!(
        problems.is_empty(),
        "{what}: the report breaks docs/report.schema.json:\n{}",
        problems.join("\n")
    );
}

/// A run against a port nothing listens on, with credentials so it gets as far as the target:
/// exit 3, and a report all the same.
fn run_against_nothing() -> RunResult {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = crate::fixtures::tempdir();
    let report = dir.join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args([
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--partner-id",
            "p",
        ])
        .arg("--target")
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .env("HUAWEICLOUD_TOKEN", "report-schema-token")
        .env("AICC_TOKEN", "report-schema-token")
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .output()
        .expect("binary runs");
    let text = std::fs::read_to_string(&report).unwrap_or_else(|_| "null".into());
    RunResult {
        code: output.status.code().unwrap_or(-1),
        report: serde_json::from_str(&text).unwrap_or(Value::Null),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn real_reports_meet_the_report_schema() {
    let validator = validator();
    let clean = run(&["--seed", "11"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert_valid(&validator, "the default run", &clean);

    // Drift (findings) and a position read otherwise (observations), kept in a baseline.
    let dir = crate::fixtures::tempdir();
    let baseline = dir.join("baseline.toml");
    let drifted = [
        "--seed",
        "11",
        "--mock-drift",
        "count-as-string",
        "--mock-drift",
        "partner-ignored",
    ];
    let write_baseline = ["--write-baseline", baseline.to_str().unwrap()];
    let drift = run(&[&drifted[..], &write_baseline[..]].concat());
    assert_eq!(drift.code, 1, "{}", drift.stdout);
    assert!(drift.findings().count() > 0);
    assert!(
        drift.report["observations"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        "{}",
        drift.stdout
    );
    assert_valid(&validator, "a run with drift", &drift);
    let mut extra = drift.report.clone();
    extra["findings"][0]["severity"] = "high".into();
    assert!(!violations(&validator, &extra).is_empty());

    // The same drift accepted by the baseline.
    let use_baseline = ["--baseline", baseline.to_str().unwrap()];
    let accepted = run(&[&drifted[..], &use_baseline[..]].concat());
    assert_eq!(accepted.code, 0, "{}", accepted.stdout);
    assert!(accepted.report["accepted"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    assert!(accepted.report["baseline"].is_object());
    assert_valid(&validator, "a run with a baseline", &accepted);

    let unusable = run_against_nothing();
    assert_eq!(unusable.code, 3, "{}", unusable.stderr);
    assert!(unusable.report["transport"]
        .as_array()
        .is_some_and(|t| !t.is_empty()));
    assert_valid(&validator, "a run against an unusable target", &unusable);

    let migration = migrate(&["--seed", "11"]);
    assert_eq!(migration.code, 0, "{}", migration.stdout);
    assert!(migration.report["migration"]
        .as_array()
        .is_some_and(|rows| !rows.is_empty()));
    assert_valid(&validator, "migrate", &migration);

    let one = run(&["--seed", "11", "--operations", "customers_v1"]);
    assert_eq!(one.code, 0, "{}", one.stdout);
    let not_selected = one.report["coverage"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reason"]["reason"] == "operation_not_selected")
        .count();
    assert!(not_selected > 0, "{}", one.stdout);
    assert_valid(&validator, "a run of one operation", &one);

    // The gate and the comparison, filled: below the minimum (exit 4) and lost requirements.
    let previous = dir.join("previous.json");
    std::fs::write(&previous, clean.report.to_string()).unwrap();
    let gated = run(&[
        "--seed",
        "11",
        "--operations",
        "customers_v1",
        "--min-coverage",
        "100",
        "--min-coverage",
        "customers_v1=99.5",
        "--compare-coverage",
        previous.to_str().unwrap(),
    ]);
    assert_eq!(gated.code, 4, "{}", gated.stdout);
    let coverage = &gated.report["coverage"];
    assert!(coverage["gate"]["below"]
        .as_array()
        .is_some_and(|b| !b.is_empty()));
    assert!(coverage["compared"]["lost"]
        .as_array()
        .is_some_and(|l| !l.is_empty()));
    assert_valid(&validator, "a gated and compared run", &gated);

    // A field renamed, added or given another type in the model fails.
    let mut renamed = clean.report.clone();
    let summary = renamed["summary"].as_object_mut().unwrap();
    let findings = summary.remove("findings").unwrap();
    summary.insert("finding_count".into(), findings);
    assert!(!violations(&validator, &renamed).is_empty());
    let mut added = clean.report.clone();
    added["coverage"]["requirements"][0]["state"] = "verified".into();
    assert!(!violations(&validator, &added).is_empty());
    let mut retyped = clean.report.clone();
    retyped["coverage"]["overall"]["percent"] = "100".into();
    assert!(!violations(&validator, &retyped).is_empty());
    let mut unknown_reason = one.report.clone();
    unknown_reason["summary"]["not_exercised"]["no_such_reason"] = 1.into();
    assert!(!violations(&validator, &unknown_reason).is_empty());
}

/// The `enum` of one `$defs` entry of the schema.
fn enumeration(schema: &Value, name: &str) -> Vec<String> {
    schema["$defs"][name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("$defs/{name} has an enum"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Each serialized as the reports write it.
fn names<T: serde::Serialize>(items: &[T]) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            serde_json::to_value(item)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn the_closed_lists_of_the_schema_are_the_crates_own() {
    let schema = schema();
    assert_eq!(enumeration(&schema, "reason"), names(Reason::ALL));
    assert_eq!(enumeration(&schema, "category"), names(Category::ALL));
    let operations: Vec<String> = OperationId::ALL
        .iter()
        .map(|op| op.as_str().to_string())
        .collect();
    assert_eq!(enumeration(&schema, "operation"), operations);
    let evidence: Vec<String> = schema["$defs"]["tally"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut expected = names(Evidence::ALL);
    expected.sort();
    let mut evidence_sorted = evidence;
    evidence_sorted.sort();
    assert_eq!(evidence_sorted, expected);
}
