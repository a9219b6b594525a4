//! The Markdown report, sized for a pull-request comment: a verdict heading, a table per
//! operation (look-alike findings collapsed into one row, as the human summary does), the curl
//! lines folded away in `<details>`, transport problems and notes apart, and the coverage of
//! the documentation (its section is written in `coverage.rs`). Every cell is escaped (data
//! comes from the target and must not turn into markup) and capped, and the whole stays under
//! a comment's size limit, cut by whole rows and sections (see `fit.rs`). The main function is
//! [`write_markdown`].

use super::fit::Doc;
use super::human::{exit_meaning, normalise_location, severity_rank, transport_kinds};
use super::model::{Report, TransportProblem, TrialOutcome};
use super::text::{
    code_cell, inline_text, longest_run, one_line, plural, push_table, text_cell, MAX_ROWS,
};
use crate::checks::{Category, Finding};
use crate::exit;
use crate::spec::OperationId;
use std::fmt::Write as _;

/// Formats the report as Markdown for a pull-request comment.
pub fn write_markdown(report: &Report) -> String {
    let mut doc = Doc::default();
    let out = &mut doc.head;
    let _ = writeln!(out, "### partner-conformance: {}\n", verdict(report));
    if report.summary.interrupted {
        let _ = writeln!(out, "**{}**\n", super::human::INTERRUPTED);
    }
    let _ = writeln!(out, "{}\n", run_line(report));
    if let Some(line) = super::coverage::markdown_line(&report.coverage) {
        let _ = writeln!(out, "{line}\n");
    }
    if let Some(sentence) = super::human::serve_sentence(report, |c| {
        let fence = "`".repeat(longest_run(c, '`') + 1);
        let pad = if c.starts_with('`') || c.ends_with('`') {
            " "
        } else {
            ""
        };
        format!("{fence}{pad}{}{pad}{fence}", one_line(c))
    }) {
        let _ = writeln!(out, "{sentence}\n");
    }
    push_summary_table(out, report);
    for operation in operations(report) {
        let findings = sorted_findings(&report.findings, operation);
        if !findings.is_empty() {
            push_operation(&mut doc, operation, &findings);
        }
    }
    let mut observations = String::new();
    super::observations::push_markdown(&mut observations, &report.observations, &text_cell);
    doc.whole("Observations", observations);
    push_changes(&mut doc, report);
    push_baseline(&mut doc, report);
    push_transport(&mut doc, &report.transport);
    push_not_exercised(&mut doc, report);
    let mut coverage = String::new();
    super::coverage::push_markdown(&mut coverage, &report.coverage);
    doc.whole("Coverage of the documentation", coverage);
    push_notes(&mut doc, &report.summary.notes);
    if !report.migration.is_empty() {
        // `migrate`: the table a partner attaches to a change request.
        let table = format!(
            "\n#### Migration table\n\n{}\n",
            crate::migrate::markdown(&report.migration)
        );
        doc.whole("Migration table (in full in --table)", table);
    }
    doc.finish()
}

/// Behaviour changes against a recording, apart from drift.
fn push_changes(doc: &mut Doc, report: &Report) {
    let rows = report
        .behaviour_changes
        .iter()
        .map(|change| {
            vec![
                text_cell(&change.trial),
                text_cell(&change.locations.join(", ")),
                text_cell(&change.recorded),
                text_cell(&change.observed),
            ]
        })
        .collect();
    doc.table(
        "Behaviour changes",
        "#### Behaviour changes against the recording (not spec drift)\n\n",
        &["scenario", "changed", "recorded", "observed"],
        rows,
    );
}

/// What the baseline accepted, resolved and let expire.
fn push_baseline(doc: &mut Doc, report: &Report) {
    let Some(baseline) = &report.baseline else {
        return;
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#### Baseline `{}`: {} accepted\n",
        baseline.file.replace('`', "'"),
        plural(report.accepted.len(), "finding")
    );
    for note in &baseline.resolved {
        let _ = writeln!(
            out,
            "- resolved (no longer occurs): {}",
            text_cell(&note.fingerprint)
        );
    }
    for note in &baseline.expired {
        let _ = writeln!(
            out,
            "- expired {}: {}",
            text_cell(note.expires.as_deref().unwrap_or("?")),
            text_cell(&note.fingerprint)
        );
    }
    out.push('\n');
    doc.whole("Baseline", out);
}

/// The heading's verdict: the finding count, or why there is none.
pub(super) fn verdict(report: &Report) -> String {
    match (report.findings.len(), report.summary.exit_code) {
        (0, _) if report.summary.interrupted => {
            "interrupted, no drift in what completed".to_string()
        }
        (n, _) if report.summary.interrupted => {
            format!("{} (interrupted)", plural(n, "finding"))
        }
        (0, _) if !report.behaviour_changes.is_empty() => {
            format!(
                "no drift, {} against the recording",
                plural(report.behaviour_changes.len(), "behaviour change")
            )
        }
        (0, exit::TARGET_UNUSABLE) => "no drift found, but the target was unusable".to_string(),
        (0, _) => "no drift".to_string(),
        (n, _) => plural(n, "finding"),
    }
}

/// One line of context: target, seed, requests, trials by outcome, exit code.
fn run_line(report: &Report) -> String {
    let s = &report.summary;
    let outcomes = [
        (TrialOutcome::Passed, "passed"),
        (TrialOutcome::Drift, "drift"),
        (TrialOutcome::Accepted, "accepted"),
        (TrialOutcome::Changed, "changed"),
        (TrialOutcome::Observed, "observed"),
        (TrialOutcome::Transport, "transport"),
        (TrialOutcome::Skipped, "skipped"),
    ]
    .iter()
    .filter_map(|(outcome, label)| {
        let n = report
            .trials
            .iter()
            .filter(|t| t.outcome == *outcome)
            .count();
        // Outcomes only some runs have (baseline, recording) are shown when they occur.
        let optional = matches!(
            outcome,
            TrialOutcome::Accepted | TrialOutcome::Changed | TrialOutcome::Observed
        );
        (n > 0 || !optional).then(|| format!("{n} {label}"))
    })
    .collect::<Vec<_>>()
    .join(", ");
    format!(
        "Target {}, seed {}, {} requests, {} ({outcomes}); exit code {} ({}).",
        inline_text(&s.target),
        s.seed,
        s.requests,
        plural(report.trials.len(), "trial"),
        s.exit_code,
        exit_meaning(s.exit_code)
    )
}

/// Operations to report: those run, in run order, then any other a finding names.
pub(super) fn operations(report: &Report) -> Vec<OperationId> {
    let mut ops = report.summary.operations.clone();
    let mut extra: Vec<OperationId> = report
        .findings
        .iter()
        .map(|f| f.operation)
        .filter(|op| !ops.contains(op))
        .collect();
    extra.sort();
    extra.dedup();
    ops.extend(extra);
    ops
}

/// One operation's findings, most severe category first, then by location pattern; findings
/// that compare equal keep report order.
fn sorted_findings(findings: &[Finding], operation: OperationId) -> Vec<&Finding> {
    let mut list: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.operation == operation)
        .collect();
    list.sort_by_cached_key(|f| (severity_rank(f.category), normalise_location(&f.location)));
    list
}

/// Distinct categories, most severe first.
fn categories(findings: &[&Finding]) -> Vec<Category> {
    let mut list: Vec<Category> = findings.iter().map(|f| f.category).collect();
    list.sort_by_key(|c| severity_rank(*c));
    list.dedup();
    list
}

/// operation | findings | categories.
fn push_summary_table(out: &mut String, report: &Report) {
    let rows: Vec<Vec<String>> = operations(report)
        .into_iter()
        .map(|op| {
            let findings = sorted_findings(&report.findings, op);
            let names: Vec<&str> = categories(&findings).iter().map(|c| c.as_str()).collect();
            vec![
                code_cell(op.as_str()),
                findings.len().to_string(),
                text_cell(&names.join(", ")),
            ]
        })
        .collect();
    push_table(out, &["operation", "findings", "categories"], rows);
}

/// One operation: its findings table, one row per group of look-alikes (same check and
/// location up to array indices, as the human summary groups them), then its reproduce lines
/// folded away.
fn push_operation(doc: &mut Doc, operation: OperationId, findings: &[&Finding]) {
    let section = format!("{operation} findings");
    let intro = format!(
        "#### {operation}: {}\n\n",
        plural(findings.len(), "finding")
    );
    let rows = groups(findings)
        .into_iter()
        .map(|(f, count)| {
            let mut location = code_cell(&f.location);
            if count > 1 {
                let _ = write!(location, " (and {} more like it)", count - 1);
            }
            vec![
                code_cell(&f.check),
                code_cell(f.category.as_str()),
                location,
                text_cell(&f.expected),
                text_cell(&f.observed),
            ]
        })
        .collect();
    let headers = ["check", "category", "location", "expected", "observed"];
    doc.table(&section, &intro, &headers, rows);
    let commands = reproduce_commands(findings);
    let summary = format!(
        "Reproduce {operation} ({})",
        plural(commands.len(), "command")
    );
    doc.whole(
        &format!("Reproduce {operation}"),
        details(&summary, &commands),
    );
}

/// The first finding of each group, in the order given, and how many the group holds.
fn groups<'a>(findings: &[&'a Finding]) -> Vec<(&'a Finding, usize)> {
    let mut index: std::collections::HashMap<crate::outcome::GroupKey, usize> =
        std::collections::HashMap::new();
    let mut groups: Vec<(&Finding, usize)> = Vec::new();
    for f in findings {
        match index.entry(f.group_key()) {
            std::collections::hash_map::Entry::Occupied(at) => groups[*at.get()].1 += 1,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push((f, 1));
            }
        }
    }
    groups
}

/// Distinct curl lines in table order, each under a comment naming what it shows.
fn reproduce_commands(findings: &[&Finding]) -> Vec<(String, String)> {
    let mut commands: Vec<(String, String, usize)> = Vec::new();
    for f in findings {
        match commands
            .iter_mut()
            .find(|(_, curl, _)| *curl == f.reproduce)
        {
            Some(entry) => entry.2 += 1,
            None => {
                let comment = format!("{} {} {}", f.code, f.check, f.location);
                commands.push((comment, f.reproduce.clone(), 0));
            }
        }
    }
    commands
        .into_iter()
        .map(|(comment, curl, more)| match more {
            0 => (comment, curl),
            n => (format!("{comment} (and {n} more)"), curl),
        })
        .collect()
}

/// Transport problems by kind, with the first example's curl folded away.
fn push_transport(doc: &mut Doc, transport: &[TransportProblem]) {
    if transport.is_empty() {
        return;
    }
    let kinds = transport_kinds(transport);
    let rows = kinds
        .iter()
        .map(|(kind, count, first)| {
            let status = first
                .status
                .map(|s| format!(" [HTTP {s}]"))
                .unwrap_or_default();
            let example = format!(
                "{} {}{status}: {}",
                first.operation, first.trial, first.message
            );
            vec![code_cell(kind), count.to_string(), text_cell(&example)]
        })
        .collect();
    doc.table(
        "Transport problems",
        "#### Transport problems (not drift)\n\n",
        &["kind", "count", "first example"],
        rows,
    );
    let commands: Vec<(String, String)> = kinds
        .iter()
        .take(MAX_ROWS)
        .map(|(kind, _, first)| (format!("{kind}: {}", first.trial), first.reproduce.clone()))
        .collect();
    doc.whole(
        "Reproduce transport problems",
        details("Reproduce transport problems", &commands),
    );
}

/// What was not exercised: one row per trial (or part of one), by reason.
fn push_not_exercised(doc: &mut Doc, report: &Report) {
    let Some(heading) = super::not_exercised::heading(report) else {
        return;
    };
    let rows = super::not_exercised::by_reason(report)
        .into_iter()
        .flat_map(|(reason, gaps)| {
            gaps.into_iter().map(move |gap| {
                let scope = if gap.whole { "trial" } else { "part" };
                vec![
                    code_cell(reason.as_str()),
                    code_cell(gap.trial),
                    scope.to_string(),
                    text_cell(&gap.item.detail),
                ]
            })
        })
        .collect();
    doc.table(
        "Not exercised",
        &format!("#### {}\n\n", inline_text(&heading)),
        &["reason", "trial", "scope", "what"],
        rows,
    );
}

/// The run's notes as a list.
fn push_notes(doc: &mut Doc, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    let mut out = String::from("#### Notes\n\n");
    for note in notes {
        let _ = writeln!(out, "- {}", inline_text(note));
    }
    out.push('\n');
    doc.whole("Notes", out);
}

/// A `<details>` block with `(comment, command)` pairs in a `sh` code block, at most
/// [`MAX_ROWS`] of them; nothing for no commands.
fn details(summary: &str, commands: &[(String, String)]) -> String {
    if commands.is_empty() {
        return String::new();
    }
    let mut body = String::new();
    for (comment, command) in commands.iter().take(MAX_ROWS) {
        let _ = writeln!(body, "# {}", one_line(comment));
        let _ = writeln!(body, "{command}");
    }
    if commands.len() > MAX_ROWS {
        let _ = writeln!(body, "# {} more not shown", commands.len() - MAX_ROWS);
    }
    let fence = "`".repeat(longest_run(&body, '`').max(2) + 1);
    // The `<details>` line is an HTML block: backslash escapes do not apply there.
    format!(
        "<details><summary>{}</summary>\n\n{fence}sh\n{body}{fence}\n\n</details>\n\n",
        html_escape(summary)
    )
}

/// Text for inside an HTML element, where Markdown escapes are not processed.
fn html_escape(text: &str) -> String {
    one_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::{empty_report, finding, sample_report};
    use super::super::text::MAX_CELL;
    use super::*;

    #[test]
    fn heading_and_summary_table() {
        let md = write_markdown(&sample_report());
        assert!(
            md.starts_with("### partner-conformance: 6 findings\n\n"),
            "{md}"
        );
        assert!(
            md.contains("| `customers_v1` | 5 | status\\_code, missing\\_field, format |"),
            "{md}"
        );
        assert!(md.contains("| `budget_v1` | 1 | auth |"), "{md}");
        assert!(md.contains("exit code 1 (drift found)"), "{md}");
        assert!(
            md.contains("5 trials (1 passed, 2 drift, 1 transport, 1 skipped)"),
            "{md}"
        );
    }

    #[test]
    fn an_interrupted_run_says_so_under_the_heading() {
        let mut report = sample_report();
        report.summary.interrupted = true;
        report.summary.exit_code = exit::INTERRUPTED_SIGINT;
        let md = write_markdown(&report);
        assert!(
            md.starts_with("### partner-conformance: 6 findings (interrupted)\n\n**Interrupted: the run was stopped before it finished"),
            "{md}"
        );
        assert!(md.contains("exit code 130 (interrupted by SIGINT"), "{md}");
    }

    #[test]
    fn findings_tables_escape_pipes_and_newlines() {
        let md = write_markdown(&sample_report());
        assert!(md.contains("#### customers_v1: 5 findings\n"), "{md}");
        assert!(
            md.contains("| `status_code` | `status_code` | `status` | documented status\\_code | 500 \\| internal |"),
            "{md}"
        );
        assert!(md.contains("| 2024/01/01<br>(slashes) |"), "{md}");
        // Every table row has exactly the header's cell count: no stray pipe split a cell.
        for line in md.lines().filter(|l| l.starts_with("| `response_schema`")) {
            let unescaped = line.replace("\\|", "");
            assert_eq!(unescaped.matches('|').count(), 6, "{line}");
        }
    }

    #[test]
    fn reproduce_lines_are_folded_per_operation() {
        let md = write_markdown(&sample_report());
        assert!(
            md.contains("<details><summary>Reproduce customers_v1 (1 command)</summary>\n\n```sh\n# SC001 status_code status (and 4 more)\ncurl -sS "),
            "{md}"
        );
        assert!(md.contains("\n```\n\n</details>\n"), "{md}");
    }

    #[test]
    fn transport_and_notes_have_their_own_sections() {
        let md = write_markdown(&sample_report());
        let transport = md.find("#### Transport problems (not drift)").unwrap();
        let notes = md.find("#### Notes").unwrap();
        assert!(
            md.find("#### budget_v1").unwrap() < transport && transport < notes,
            "{md}"
        );
        assert!(md.contains("| `timeout` | 1 | budget\\_v1 generated::budget\\_v1::valid: no response within 10s |"), "{md}");
        assert!(
            md.contains("- null policy: lenient (null accepted for optional fields)\n"),
            "{md}"
        );
    }

    #[test]
    fn cells_are_truncated_and_markup_neutralised() {
        let long = "x".repeat(300);
        let cell = text_cell(&long);
        assert_eq!(cell.chars().count(), MAX_CELL);
        assert!(cell.ends_with('…'));
        assert_eq!(text_cell("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(code_cell("a|b`c"), "``a\\|b`c``");
        assert_eq!(html_escape("<b>&\n"), "&lt;b&gt;&amp; ");
        let long_note = "n".repeat(200);
        assert!(
            inline_text(&long_note).len() == 200,
            "notes are not truncated"
        );
    }

    #[test]
    fn tables_are_capped() {
        let mut report = empty_report();
        report.findings = (0..60)
            .map(|i| {
                finding(
                    OperationId::BudgetV1,
                    "response_schema",
                    Category::Enum,
                    &format!("body.items{i}.state"),
                    "unknown",
                    "t",
                )
            })
            .collect();
        let md = write_markdown(&report);
        assert_eq!(
            md.matches("| `response_schema` |").count(),
            MAX_ROWS,
            "{md}"
        );
        assert!(
            md.contains("\n10 more not shown (see --report json=PATH).\n"),
            "{md}"
        );
    }

    #[test]
    fn look_alikes_are_one_row_and_the_report_fits_a_comment() {
        let mut report = empty_report();
        let long = "v".repeat(400);
        // 50 findings differing only by index, then distinct ones by the thousand.
        report.findings = (0..50)
            .map(|i| {
                finding(
                    OperationId::BudgetV1,
                    "response_schema",
                    Category::Enum,
                    &format!("body.items[{i}].state"),
                    "unknown",
                    "t",
                )
            })
            .chain(OperationId::ALL.iter().flat_map(|&op| {
                let long = long.clone();
                (0..1000).map(move |i| {
                    let mut f = finding(
                        op,
                        "response_schema",
                        Category::Consistency,
                        &format!("body.f{i}|x`y`"),
                        &long,
                        "t",
                    );
                    f.reproduce = format!("curl -sS 'http://127.0.0.1/{i}/{long}'");
                    f
                })
            }))
            .collect();
        report.summary.notes = vec!["a note".into()];
        let md = write_markdown(&report);
        assert!(md.len() < super::super::fit::MAX_CHARS, "{}", md.len());
        assert!(
            md.contains("`body.items[0].state` (and 49 more like it)"),
            "{md}"
        );
        assert_eq!(md.matches("body.items[").count(), 1);
        let closing = md.lines().last().unwrap();
        assert!(closing.contains(" more not shown** "), "{closing}");
        assert!(closing.contains("Notes"), "{closing}");
        assert!(closing.contains("--report json=PATH"), "{closing}");
        // Every kept row of a findings table has its five cells.
        for line in md.lines().filter(|l| l.starts_with("| `response_schema`")) {
            let unescaped = line.replace("\\|", "");
            assert_eq!(unescaped.matches('|').count(), 6, "{line}");
        }
    }

    #[test]
    fn a_backslash_before_a_pipe_does_not_split_a_cell() {
        assert_eq!(code_cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn empty_report_is_a_bare_verdict() {
        let md = write_markdown(&empty_report());
        assert!(
            md.starts_with("### partner-conformance: no drift\n"),
            "{md}"
        );
        assert!(!md.contains('|'), "{md}");
        assert!(!md.contains("<details>"), "{md}");
        assert!(!md.contains("####"), "{md}");
    }
}
