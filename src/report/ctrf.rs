//! The CTRF report (Common Test Report Format, <https://ctrf.io>): one JSON document that the
//! CTRF tools (GitHub and GitLab reporters, dashboards, chat plugins) read whatever framework
//! produced it. One test per trial, with the same verdicts the JUnit report gives: drift and a
//! behaviour change are `failed` (the findings in `message`, their reproduce lines in
//! `trace`), a transport problem is `other` (the test could not judge), a skipped trial and
//! drift the baseline accepts are `skipped`, everything else `passed`. Each test keeps this
//! suite's own outcome in `rawStatus`, so no distinction is lost. The main function is
//! [`write_ctrf`].

use super::human::severity_rank;
use super::model::{Report, TransportProblem, TrialOutcome, TrialRecord};
use super::text::plural;
use crate::checks::Finding;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// The tool name CTRF readers show, and the top of every test's suite path.
const TOOL: &str = "partner-conformance";

/// The CTRF specification version this writer follows.
const SPEC_VERSION: &str = "0.1.0";

/// The suite of trials that exercise no single operation (as in the JUnit report).
const RUN_SUITE: &str = "run";

/// A CTRF status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Passed,
    Failed,
    Skipped,
    Other,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::Other => "other",
        }
    }
}

/// Formats the report as CTRF JSON: `reportFormat`, `specVersion` and `results` with the tool,
/// the summary counts (`start`/`stop` in milliseconds since the epoch, the run ending now) and
/// one test per trial in run order.
pub fn write_ctrf(report: &Report) -> String {
    let tests: Vec<(Status, Value)> = report.trials.iter().map(|t| test(report, t)).collect();
    let count = |status: Status| tests.iter().filter(|(s, _)| *s == status).count();
    let stop = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let start = stop.saturating_sub(report.summary.duration_ms);
    let summary = &report.summary;
    let tool = &summary.tool;
    let mut tool_extra = Map::new();
    if let Some(commit) = &tool.commit {
        tool_extra.insert("commit".into(), commit.as_str().into());
    }
    tool_extra.insert("schemas_sha256".into(), tool.schemas_sha256.as_str().into());
    let document = json!({
        "reportFormat": "CTRF",
        "specVersion": SPEC_VERSION,
        "generatedBy": TOOL,
        "results": {
            "tool": {"name": TOOL, "version": tool.version, "extra": tool_extra},
            "summary": {
                "tests": tests.len(),
                "passed": count(Status::Passed),
                "failed": count(Status::Failed),
                "pending": 0,
                "skipped": count(Status::Skipped),
                "other": count(Status::Other),
                "start": start,
                "stop": stop,
                "duration": summary.duration_ms,
                "extra": {
                    "target": summary.target,
                    "seed": summary.seed,
                    "requests": summary.requests,
                    "findings": report.findings.len(),
                    "transport_problems": report.transport.len(),
                    "accepted": report.accepted.len(),
                    "exit_code": summary.exit_code,
                    "interrupted": summary.interrupted,
                    "notes": summary.notes,
                },
            },
            "tests": tests.into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
        },
    });
    match serde_json::to_string_pretty(&document) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Plain values only: this cannot happen; the file would still parse and say why.
        Err(err) => format!("{{\"error\": {}}}\n", Value::String(err.to_string())),
    }
}

/// One trial as a CTRF test, with its status (for the summary counts).
fn test(report: &Report, trial: &TrialRecord) -> (Status, Value) {
    let findings = report.findings_of(trial);
    let transport = report.transport_of(trial);
    // The JUnit report's order of precedence: drift decides, then a change, then transport.
    let (status, message, trace) = if trial.outcome == TrialOutcome::Drift || !findings.is_empty() {
        let (message, trace) = failure(&findings);
        (Status::Failed, Some(message), Some(trace))
    } else if trial.outcome == TrialOutcome::Changed {
        let (message, trace) = super::junit::changed_message(report, trial);
        (Status::Failed, Some(message), Some(trace))
    } else if trial.outcome == TrialOutcome::Transport || !transport.is_empty() {
        let (message, trace) = broken(&transport);
        (Status::Other, Some(message), Some(trace))
    } else if trial.outcome == TrialOutcome::Skipped {
        let reason = trial.skip_reason.as_ref().map(ToString::to_string);
        (Status::Skipped, reason, None)
    } else if trial.outcome == TrialOutcome::Accepted {
        (
            Status::Skipped,
            Some(super::junit::accepted_message(report, trial)),
            None,
        )
    } else {
        (Status::Passed, None, None)
    };
    let suite = trial.operation.map_or(RUN_SUITE, |op| op.as_str());
    let mut test = Map::new();
    test.insert("name".into(), trial.name.as_str().into());
    test.insert("status".into(), status.as_str().into());
    test.insert("duration".into(), trial.duration_ms.into());
    test.insert(
        "rawStatus".into(),
        serde_json::to_value(trial.outcome).unwrap_or(Value::Null),
    );
    test.insert("suite".into(), json!([TOOL, suite]));
    if let Some(message) = message {
        test.insert("message".into(), message.into());
    }
    if let Some(trace) = trace.filter(|t| !t.is_empty()) {
        test.insert("trace".into(), trace.into());
    }
    let mut extra = Map::new();
    extra.insert("requests".into(), trial.requests.into());
    extra.insert("findings".into(), findings.len().into());
    if !trial.not_exercised.is_empty() {
        let parts: Vec<String> = trial.not_exercised.iter().map(|p| p.to_string()).collect();
        extra.insert("not_exercised".into(), parts.into());
    }
    test.insert("extra".into(), extra.into());
    (status, Value::Object(test))
}

/// A failed trial's message (how many findings, of which categories, then one line per group of
/// look-alikes as the human summary collapses them) and trace (each group's reproduce line).
fn failure(findings: &[&Finding]) -> (String, String) {
    let mut sorted = findings.to_vec();
    sorted.sort_by_key(|f| severity_rank(f.category));
    let categories: BTreeSet<(u8, &str)> = sorted
        .iter()
        .map(|f| (severity_rank(f.category), f.category.as_str()))
        .collect();
    let names: Vec<&str> = categories.into_iter().map(|(_, name)| name).collect();
    let mut counts: HashMap<crate::outcome::GroupKey, usize> = HashMap::new();
    for f in &sorted {
        *counts.entry(f.group_key()).or_default() += 1;
    }
    let mut message = format!(
        "{}: {}",
        plural(findings.len(), "finding"),
        names.join(", ")
    );
    let mut trace = String::new();
    for f in super::distinct_findings(sorted) {
        let more = match counts.get(&f.group_key()).copied().unwrap_or(1) {
            1 => String::new(),
            n => format!(" (and {} more like it)", n - 1),
        };
        message.push_str(&format!(
            "\n{} {} {}{more}: expected {}; observed {}",
            f.code, f.check, f.location, f.expected, f.observed
        ));
        trace.push_str(&format!("{} {}: {}\n", f.code, f.location, f.reproduce));
    }
    (message, trace)
}

/// Transport problems: how many, of which kinds; each with its reproduce line.
fn broken(transport: &[&TransportProblem]) -> (String, String) {
    let kinds: BTreeSet<&str> = transport.iter().map(|p| p.kind.as_str()).collect();
    let mut message = format!(
        "{}: {}",
        plural(transport.len(), "transport problem"),
        kinds.into_iter().collect::<Vec<_>>().join(", ")
    );
    let mut trace = String::new();
    for p in transport {
        let status = p.status.map(|s| format!(" [HTTP {s}]")).unwrap_or_default();
        message.push_str(&format!("\n{}{status}: {}", p.kind, p.message));
        trace.push_str(&format!("{}: {}\n", p.kind, p.reproduce));
    }
    (message, trace)
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::{empty_report, sample_report};
    use super::*;

    fn parse(report: &Report) -> Value {
        serde_json::from_str(&write_ctrf(report)).expect("CTRF is JSON")
    }

    #[test]
    fn the_document_has_the_required_fields() {
        let value = parse(&sample_report());
        assert_eq!(value["reportFormat"], "CTRF");
        assert_eq!(value["specVersion"], SPEC_VERSION);
        let results = &value["results"];
        assert_eq!(results["tool"]["name"], TOOL);
        for key in [
            "tests", "passed", "failed", "pending", "skipped", "other", "start", "stop",
        ] {
            assert!(results["summary"][key].is_u64(), "summary.{key}");
        }
        let tests = results["tests"].as_array().unwrap();
        assert_eq!(tests.len(), sample_report().trials.len());
        for test in tests {
            assert!(test["name"].as_str().is_some_and(|n| !n.is_empty()));
            assert!(["passed", "failed", "skipped", "pending", "other"]
                .contains(&test["status"].as_str().unwrap()));
            assert!(test["duration"].is_u64());
        }
        assert!(
            results["summary"]["start"].as_u64() <= results["summary"]["stop"].as_u64(),
            "{results}"
        );
    }

    #[test]
    fn statuses_follow_the_junit_verdicts_and_keep_the_outcome() {
        let report = sample_report();
        let value = parse(&report);
        let tests = value["results"]["tests"].as_array().unwrap();
        let summary = &value["results"]["summary"];
        assert_eq!(summary["tests"], 5);
        assert_eq!(summary["passed"], 1);
        assert_eq!(summary["failed"], 2);
        assert_eq!(summary["other"], 1);
        assert_eq!(summary["skipped"], 1);
        let failed = tests.iter().find(|t| t["status"] == "failed").unwrap();
        assert_eq!(failed["rawStatus"], "drift");
        let message = failed["message"].as_str().unwrap();
        assert!(message.contains("finding"), "{message}");
        assert!(
            failed["trace"].as_str().unwrap().contains("curl "),
            "{failed}"
        );
        let other = tests.iter().find(|t| t["status"] == "other").unwrap();
        assert!(
            other["message"].as_str().unwrap().contains("timeout"),
            "{other}"
        );
        let skipped = tests.iter().find(|t| t["status"] == "skipped").unwrap();
        assert_eq!(skipped["suite"], json!([TOOL, RUN_SUITE]));
    }

    #[test]
    fn an_empty_run_is_an_empty_list() {
        let value = parse(&empty_report());
        assert_eq!(value["results"]["tests"], json!([]));
        assert_eq!(value["results"]["summary"]["tests"], 0);
    }
}
