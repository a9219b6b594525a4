//! The migration table as `migrate` prints it and writes it to `--table`: a file a partner
//! attaches to a change request, so it says on its own what it is about (target, partner, date,
//! seed, the build that made it) and what it concludes (ready, differs, not ready), then the
//! table of fields with a "same or differs" cell per compared field, then the notes.

use super::model::Report;
use super::text::{inline_text, plural};
use crate::checks::Category;
use crate::exit;
use std::fmt::Write as _;

/// The migration table of `report`: header, verdict, table, notes.
pub fn migration_table(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::from("## Migration table\n\n");
    out.push_str("| | |\n|---|---|\n");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "| {name} | {value} |");
    };
    row("Target", inline_text(&s.target));
    row(
        "Partner",
        if s.partner_id.is_empty() {
            "—".into()
        } else {
            format!("`{}`", s.partner_id.replace('`', ""))
        },
    );
    row("Date", inline_text(&s.started));
    row("Seed", s.seed.to_string());
    row("Tool", inline_text(&s.tool.line()));
    row("Verdict", inline_text(&verdict(report)));
    out.push('\n');
    out.push_str(&crate::migrate::markdown(&report.migration));
    if !s.notes.is_empty() {
        out.push_str("Notes:\n\n");
        for note in &s.notes {
            let _ = writeln!(out, "- {}", note.replace('\n', " "));
        }
    }
    out
}

/// What the table concludes, in one sentence that starts with the word a change request needs:
/// ready, differs, not ready (the target lacks the new APIs or cannot be used), or interrupted.
fn verdict(report: &Report) -> String {
    let s = &report.summary;
    if s.interrupted {
        return "interrupted: the comparison did not finish, so this table is incomplete".into();
    }
    match s.exit_code {
        exit::TARGET_UNUSABLE => {
            let why = s
                .notes
                .first()
                .map(String::as_str)
                .unwrap_or("target unusable");
            if why.starts_with("not ready") {
                why.to_string()
            } else {
                format!("not ready: the target could not be used: {why}")
            }
        }
        _ if !report.findings.is_empty() => {
            let differences = report
                .findings
                .iter()
                .filter(|f| f.category == Category::Consistency)
                .count();
            format!(
                "differs: {} between the generations ({} in all); read the rows marked differs before switching",
                plural(differences, "difference"),
                plural(report.findings.len(), "finding")
            )
        }
        exit::SUCCESS => {
            "ready: the new APIs answered as the old ones for this partner in everything compared"
                .into()
        }
        code => format!(
            "not judged: exit code {code}, {}",
            super::human::exit_meaning(code)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::empty_report;
    use super::*;

    #[test]
    fn the_header_says_what_the_table_is_about_and_concludes() {
        let mut report = empty_report();
        report.summary.exit_code = exit::SUCCESS;
        let table = migration_table(&report);
        for line in [
            "| Target | http://127.0.0.1:8080 |",
            "| Partner | `0a1b2c3d4e5f60718293a4b5c6d7e8f9` |",
            "| Date | 2026-12-07T01:00:00Z |",
            "| Seed | 7 |",
            "| Verdict | ready: the new APIs answered as the old ones",
        ] {
            assert!(table.contains(line), "{line} not in\n{table}");
        }
        assert!(table.contains("| Tool | partner-conformance "), "{table}");
        report.summary.exit_code = exit::TARGET_UNUSABLE;
        report.summary.notes = vec![
            "not ready to migrate: the target (x) does not serve the new API customers_v2".into(),
        ];
        let table = migration_table(&report);
        assert!(
            table.contains("| Verdict | not ready to migrate: "),
            "{table}"
        );
    }
}
