//! The JUnit XML report, for CI test views (GitLab, Jenkins, GitHub test reporters). One
//! `<testsuite>` per operation, one `<testcase>` per trial. Drift is a `<failure>` (the test
//! ran and the target disagreed with the documentation); a transport problem is an `<error>`
//! (the test could not judge); a skipped trial is `<skipped>`. Every suite carries the run's
//! target, seed, notes and coverage of the documentation (`coverage.*`) as properties. The XML
//! itself is quick-junit's. The main function is [`write_junit`].

use super::human::severity_rank;
use super::model::{Report, TransportProblem, TrialOutcome, TrialRecord};
use super::text::plural;
use crate::checks::Finding;
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

/// The report and classname prefix, so CI groups our cases under the tool's name.
const TOOL: &str = "partner-conformance";

/// The suite for trials that exercise no single operation.
const RUN_SUITE: &str = "run";

/// Formats the report as JUnit XML: suites in order of first appearance among the trials, each
/// with the target and seed as properties so a failure can be rerun from the CI page alone.
pub fn write_junit(report: &Report) -> String {
    let mut junit = quick_junit::Report::new(TOOL);
    junit.set_time(Duration::from_millis(report.summary.duration_ms));
    for (name, trials) in trials_by_suite(&report.trials) {
        junit.add_test_suite(test_suite(report, name, &trials));
    }
    match junit.to_string() {
        Ok(xml) => xml,
        Err(err) => serialization_failure(&err),
    }
}

/// Trials grouped by suite name, suites in order of first appearance, trials in run order.
fn trials_by_suite(trials: &[TrialRecord]) -> Vec<(&'static str, Vec<&TrialRecord>)> {
    let mut suites: Vec<(&'static str, Vec<&TrialRecord>)> = Vec::new();
    for trial in trials {
        let name = trial.operation.map_or(RUN_SUITE, |op| op.as_str());
        match suites.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(trial),
            None => suites.push((name, vec![trial])),
        }
    }
    suites
}

/// One suite with its properties, cases and the standard `skipped` count.
fn test_suite(report: &Report, name: &str, trials: &[&TrialRecord]) -> TestSuite {
    let mut suite = TestSuite::new(name);
    suite.add_property(Property::new("target", report.summary.target.as_str()));
    suite.add_property(Property::new("seed", report.summary.seed.to_string()));
    // The embedded mock's port closed with the run: what brings it back for the reproduce lines.
    if let Some(serve) = &report.summary.serve {
        suite.add_property(Property::new("serve", serve.as_str()));
    }
    // Which build and contract judged the target, so a CI page alone says it.
    let tool = &report.summary.tool;
    suite.add_property(Property::new("tool_version", tool.version.as_str()));
    if let Some(commit) = &tool.commit {
        suite.add_property(Property::new("tool_commit", commit.as_str()));
    }
    suite.add_property(Property::new(
        "schemas_sha256",
        tool.schemas_sha256.as_str(),
    ));
    suite.add_property(Property::new(
        "positions",
        report.summary.positions.as_str(),
    ));
    let observed = trials.iter().map(|t| t.observations.len()).sum::<usize>();
    if observed > 0 {
        suite.add_property(Property::new("observations", observed.to_string()));
    }
    // A run stopped by a signal: what the suite shows is partial.
    if report.summary.interrupted {
        suite.add_property(Property::new("interrupted", "true"));
    }
    // Notes change how findings read (policies, --insecure, a budget cut): every suite says them.
    for note in &report.summary.notes {
        suite.add_property(Property::new("note", note.as_str()));
    }
    // How much of the documentation the run verified: every suite says it too.
    for (name, value) in super::coverage::junit_properties(&report.coverage) {
        suite.add_property(Property::new(name, value));
    }
    let millis: u64 = trials.iter().map(|t| t.duration_ms).sum();
    suite.set_time(Duration::from_millis(millis));
    for trial in trials {
        suite.add_test_case(test_case(report, name, trial));
    }
    // quick-junit counts skips as `disabled`; most readers (Jenkins, GitLab, the Ant schema)
    // look for `skipped`, so both are written.
    let skipped = suite.disabled.to_string();
    suite.extra.insert("skipped".into(), skipped.into());
    suite
}

/// One trial as a test case.
fn test_case(report: &Report, suite: &str, trial: &TrialRecord) -> TestCase {
    let findings = report.findings_of(trial);
    let transport = report.transport_of(trial);
    let drift = trial.outcome == TrialOutcome::Drift || !findings.is_empty();
    let broken = trial.outcome == TrialOutcome::Transport || !transport.is_empty();
    let status = if drift {
        failure(&findings)
    } else if trial.outcome == TrialOutcome::Changed {
        changed(report, trial)
    } else if broken {
        error(&transport)
    } else if trial.outcome == TrialOutcome::Skipped {
        skipped(trial)
    } else if trial.outcome == TrialOutcome::Accepted {
        accepted(report, trial)
    } else {
        TestCaseStatus::success()
    };
    let mut case = TestCase::new(trial.name.as_str(), status);
    case.set_classname(format!("{TOOL}.{suite}"));
    case.set_time(Duration::from_millis(trial.duration_ms));
    if drift && !transport.is_empty() {
        // Drift decides the verdict; the transport trouble of the same trial stays visible.
        case.set_system_err(transport_text(&transport));
    }
    // Observations never fail a case: they are told in its output, in a section of their own.
    let observations: Vec<crate::outcome::Finding> = trial
        .observations
        .iter()
        .filter_map(|&i| report.observations.get(i).cloned())
        .collect();
    let mut text = String::new();
    super::observations::push_human(&mut text, &observations);
    if !text.is_empty() {
        case.set_system_out(text.trim_start());
    }
    // A part of the trial left out is not a failure, but a passed case must not hide it.
    for part in &trial.not_exercised {
        case.add_property(Property::new("not_exercised", part.to_string()));
    }
    case
}

/// Drift the baseline accepts is `<skipped>`, never passed: the trial did not conform.
fn accepted(report: &Report, trial: &TrialRecord) -> TestCaseStatus {
    let mut status = TestCaseStatus::skipped();
    status.set_message(accepted_message(report, trial));
    status
}

/// Drift the baseline accepts, in one sentence: how many findings, and the entries' reasons
/// (JUnit and CTRF say it alike).
pub(super) fn accepted_message(report: &Report, trial: &TrialRecord) -> String {
    let accepted: Vec<_> = trial
        .accepted
        .iter()
        .filter_map(|&i| report.accepted.get(i))
        .collect();
    let reasons: Vec<&str> = accepted
        .iter()
        .filter_map(|a| a.reason.as_deref())
        .collect();
    let mut message = format!(
        "{} accepted by the baseline",
        plural(accepted.len(), "finding")
    );
    if !reasons.is_empty() {
        message.push_str(": ");
        message.push_str(&reasons.join("; "));
    }
    message
}

/// A behaviour change against a recording is a `<failure>` of type `behaviour_change`.
fn changed(report: &Report, trial: &TrialRecord) -> TestCaseStatus {
    let (message, description) = changed_message(report, trial);
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_type("behaviour_change");
    status.set_message(message);
    status.set_description(description);
    status
}

/// What a trial changed against a recording: the locations (the message), then what was
/// recorded and observed at each with its reproduce line (the detail); JUnit and CTRF say the
/// same.
pub(super) fn changed_message(report: &Report, trial: &TrialRecord) -> (String, String) {
    let changes = report.changes_of(trial);
    let locations: Vec<&str> = changes
        .iter()
        .flat_map(|c| c.locations.iter().map(String::as_str))
        .collect();
    let detail: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "recorded: {}\nobserved: {}\nreproduce: {}",
                c.recorded, c.observed, c.reproduce
            )
        })
        .collect();
    (
        format!(
            "answer differs from the recording: {}",
            locations.join(", ")
        ),
        detail.join("\n\n"),
    )
}

/// A `<failure>`: message "N findings: categories", type the most severe category.
fn failure(findings: &[&Finding]) -> TestCaseStatus {
    let mut sorted = findings.to_vec();
    sorted.sort_by_key(|f| severity_rank(f.category));
    // One rank per category, so after the sort equal categories are adjacent.
    let mut categories: Vec<&str> = sorted.iter().map(|f| f.category.as_str()).collect();
    categories.dedup();
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_message(format!(
        "{}: {}",
        plural(sorted.len(), "finding"),
        categories.join(", ")
    ));
    if let Some(first) = categories.first() {
        status.set_type(*first);
    }
    status.set_description(findings_text(&sorted));
    status
}

/// Each finding as `CODE check location: expected ...; observed ...` and its reproduce line.
fn findings_text(findings: &[&Finding]) -> String {
    let mut text = String::new();
    for f in findings {
        let _ = writeln!(
            text,
            "{} {} {}: expected {}; observed {}",
            f.code, f.check, f.location, f.expected, f.observed
        );
        let _ = writeln!(text, "  reproduce: {}", f.reproduce);
    }
    text
}

/// An `<error>`: message "N transport problems: kinds", type the first problem's kind.
fn error(transport: &[&TransportProblem]) -> TestCaseStatus {
    let kinds: BTreeSet<&str> = transport.iter().map(|p| p.kind.as_str()).collect();
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_message(format!(
        "{}: {}",
        plural(transport.len(), "transport problem"),
        kinds.into_iter().collect::<Vec<_>>().join(", ")
    ));
    if let Some(first) = transport.first() {
        status.set_type(first.kind.as_str());
    }
    status.set_description(transport_text(transport));
    status
}

/// Each problem as `kind [HTTP status]: message` and its reproduce line.
fn transport_text(transport: &[&TransportProblem]) -> String {
    let mut text = String::new();
    for p in transport {
        let status = p.status.map(|s| format!(" [HTTP {s}]")).unwrap_or_default();
        let _ = writeln!(text, "{}{status}: {}", p.kind, p.message);
        let _ = writeln!(text, "  reproduce: {}", p.reproduce);
    }
    text
}

/// A `<skipped>` with the reason, when the model has one.
fn skipped(trial: &TrialRecord) -> TestCaseStatus {
    let mut status = TestCaseStatus::skipped();
    if let Some(reason) = &trial.skip_reason {
        status.set_message(reason.to_string());
    }
    status
}

/// Serializing into memory does not fail in practice; should it, CI still gets a parseable
/// report with one error saying why, instead of an empty file that reads as "no tests".
fn serialization_failure(err: &quick_junit::SerializeError) -> String {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_message(format!("cannot write the JUnit report: {err}"));
    let mut suite = TestSuite::new(RUN_SUITE);
    suite.add_test_case(TestCase::new("report", status));
    let mut junit = quick_junit::Report::new(TOOL);
    junit.add_test_suite(suite);
    junit.to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::{empty_report, sample_report};
    use super::*;

    /// The text of the element that starts at the first occurrence of `open`, up to `close`.
    fn element<'a>(xml: &'a str, open: &str, close: &str) -> &'a str {
        let start = xml.find(open).unwrap_or_else(|| panic!("{open} in {xml}"));
        let end = xml[start..]
            .find(close)
            .unwrap_or_else(|| panic!("{close} in {xml}"));
        &xml[start..start + end + close.len()]
    }

    #[test]
    fn one_testcase_per_trial_in_one_suite_per_operation() {
        let report = sample_report();
        let xml = write_junit(&report);
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        assert_eq!(
            xml.matches("<testcase ").count(),
            report.trials.len(),
            "{xml}"
        );
        assert_eq!(xml.matches("<testsuite ").count(), 3, "{xml}");
        assert!(
            xml.contains(
                "<testsuites name=\"partner-conformance\" tests=\"5\" failures=\"2\" errors=\"1\""
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"customers_v1\" tests=\"2\""),
            "{xml}"
        );
        assert!(xml.contains("<testsuite name=\"run\" tests=\"1\" disabled=\"1\" errors=\"0\" failures=\"0\" time=\"1.500\" skipped=\"1\">"), "{xml}");
        assert!(
            xml.contains("<property name=\"target\" value=\"http://127.0.0.1:8080\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<property name=\"seed\" value=\"42\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("classname=\"partner-conformance.customers_v1\" time=\"1.500\""),
            "{xml}"
        );
    }

    #[test]
    fn drift_is_a_failure_typed_by_its_most_severe_category() {
        let xml = write_junit(&sample_report());
        let case = element(
            &xml,
            "<testcase name=\"generated::customers_v1::valid\"",
            "</testcase>",
        );
        assert!(case.contains("<failure message=\"5 findings: status_code, missing_field, format\" type=\"status_code\">"), "{case}");
        assert!(case.contains("SC001 status_code status: expected documented status_code; observed 500 | internal"), "{case}");
        assert!(
            case.contains("RS001 response_schema body.customer_info_list[12].corp_name: expected"),
            "{case}"
        );
        assert!(
            case.contains("  reproduce: curl -sS -H &apos;X-Auth-Token: $HUAWEICLOUD_TOKEN&apos;"),
            "{case}"
        );
        assert!(!case.contains("<system-err>"), "{case}");
    }

    #[test]
    fn transport_is_an_error_and_skips_are_skipped() {
        let xml = write_junit(&sample_report());
        let case = element(
            &xml,
            "<testcase name=\"generated::budget_v1::valid\"",
            "</testcase>",
        );
        assert!(case.contains("<error message=\"1 transport problem: timeout\" type=\"timeout\">timeout: no response within 10s"), "{case}");
        let case = element(
            &xml,
            "<testcase name=\"ambiguities::page_size_zero\"",
            "</testcase>",
        );
        assert!(
            case.contains("classname=\"partner-conformance.run\""),
            "{case}"
        );
        assert!(
            case.contains("<skipped message=\"no_data: no fixture for this target\"/>"),
            "{case}"
        );
        let passed = element(&xml, "<testcase name=\"cases::customers_v1::paging\"", "/>");
        assert!(!passed.contains("<failure"), "{passed}");
        assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
        assert_eq!(xml.matches("<error ").count(), 1, "{xml}");
    }

    #[test]
    fn drift_with_transport_reports_the_failure_and_keeps_transport_in_system_err() {
        let mut report = sample_report();
        report.trials[0].transport = vec![0];
        let xml = write_junit(&report);
        let case = element(
            &xml,
            "<testcase name=\"generated::customers_v1::valid\"",
            "</testcase>",
        );
        assert!(case.contains("<failure "), "{case}");
        assert!(!case.contains("<error "), "{case}");
        assert!(
            case.contains("<system-err>timeout: no response within 10s"),
            "{case}"
        );
    }

    #[test]
    fn markup_in_data_is_escaped() {
        let mut report = sample_report();
        report.findings[1].observed = "<html>&\"</html>".to_string();
        let xml = write_junit(&report);
        assert!(xml.contains("observed &lt;html&gt;&amp;"), "{xml}");
        assert!(!xml.contains("<html>"), "{xml}");
    }

    #[test]
    fn an_interrupted_run_is_a_property_of_every_suite() {
        let mut report = sample_report();
        assert!(!write_junit(&report).contains("interrupted"));
        report.summary.interrupted = true;
        let xml = write_junit(&report);
        assert_eq!(
            xml.matches("<property name=\"interrupted\" value=\"true\"/>")
                .count(),
            3,
            "{xml}"
        );
    }

    #[test]
    fn the_serve_line_of_an_embedded_mock_is_a_property_of_every_suite() {
        let mut report = sample_report();
        assert!(!write_junit(&report).contains("name=\"serve\""));
        report.summary.serve =
            Some("partner-conformance serve --addr 127.0.0.1:4 --drift x".into());
        let xml = write_junit(&report);
        assert_eq!(
            xml.matches("<property name=\"serve\" value=\"partner-conformance serve --addr 127.0.0.1:4 --drift x\"/>")
                .count(),
            3,
            "{xml}"
        );
    }

    #[test]
    fn empty_report_has_no_suites() {
        let xml = write_junit(&empty_report());
        assert!(!xml.contains("<testsuite "), "{xml}");
        assert!(
            xml.contains("tests=\"0\" failures=\"0\" errors=\"0\""),
            "{xml}"
        );
    }
}
