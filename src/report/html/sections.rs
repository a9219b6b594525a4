//! The other sections of the HTML report, each a table or a list over the model: behaviour
//! changes against a recording, transport problems (not drift) by kind with their curl lines,
//! what was not exercised by reason, the run's notes, the migration table (`migrate`) and every
//! trial with its outcome.

use super::markup::Page;
use crate::report::human::transport_kinds;
use crate::report::model::Report;
use crate::report::not_exercised;
use crate::report::plural;

/// Rows a long table shows before saying how many more: a page stays quick to open. The JSON
/// report has every row.
const MAX_ROWS: usize = 1500;

/// Behaviour changes against a recording: not spec drift, but not what the target did before.
pub(super) fn push_changes(page: &mut Page, report: &Report) {
    if report.behaviour_changes.is_empty() {
        return;
    }
    page.raw(
        "<section id=\"changes\"><h2>Behaviour changes against the recording (not spec drift): ",
    )
    .num(report.behaviour_changes.len())
    .raw("</h2>\n<table>")
    .head(&[
        "operation",
        "scenario",
        "changed",
        "recorded",
        "observed",
        "reproduce",
    ])
    .raw("<tbody>\n");
    for change in report.behaviour_changes.iter().take(MAX_ROWS) {
        page.row(&[
            change.operation.as_str(),
            &change.trial,
            &change.locations.join(", "),
            &change.recorded,
            &change.observed,
            &change.reproduce,
        ]);
    }
    page.raw("</tbody></table>\n");
    more(page, report.behaviour_changes.len());
    page.raw("</section>\n");
}

/// Transport problems by kind (most frequent first), each folded with its first example and
/// curl line, then every problem in a folded table.
pub(super) fn push_transport(page: &mut Page, report: &Report) {
    let transport = &report.transport;
    if transport.is_empty() {
        return;
    }
    page.raw("<section id=\"transport\"><h2>Transport problems (not drift): ")
        .num(transport.len())
        .raw("</h2>\n");
    for (kind, count, first) in transport_kinds(transport) {
        let status = first
            .status
            .map(|s| format!(" [HTTP {s}]"))
            .unwrap_or_default();
        page.raw("<details class=\"block transport\"")
            .attr("data-group", kind)
            .attr("data-count", &count.to_string())
            .raw("><summary><code>")
            .text(kind)
            .raw("</code> ")
            .element("span", "more", &format!("({count})"))
            .raw("</summary>\n<dl class=\"fields\"><dt>first</dt><dd><pre>")
            .text(&format!(
                "{} {}{status}: {}",
                first.operation, first.trial, first.message
            ))
            .raw("</pre></dd><dt>reproduce</dt><dd><pre class=\"curl\">")
            .text(&first.reproduce)
            .raw("</pre></dd></dl></details>\n");
    }
    page.raw("<details><summary>Every transport problem</summary><table>")
        .head(&["kind", "operation", "trial", "status", "message"])
        .raw("<tbody>\n");
    for problem in transport.iter().take(MAX_ROWS) {
        let status = problem.status.map(|s| s.to_string()).unwrap_or_default();
        page.row(&[
            &problem.kind,
            problem.operation.as_str(),
            &problem.trial,
            &status,
            &problem.message,
        ]);
    }
    page.raw("</tbody></table></details>\n");
    more(page, transport.len());
    page.raw("</section>\n");
}

/// What was not exercised, by reason: each reason folded over its trials and parts of trials.
pub(super) fn push_not_exercised(page: &mut Page, report: &Report) {
    let Some(heading) = not_exercised::heading(report) else {
        return;
    };
    page.raw("<section id=\"not-exercised\"><h2>")
        .text(&heading)
        .raw("</h2>\n");
    for (reason, gaps) in not_exercised::by_reason(report) {
        page.raw("<details class=\"block gap\"")
            .attr("data-group", reason.as_str())
            .attr("data-count", &gaps.len().to_string())
            .raw("><summary><code>")
            .text(reason.as_str())
            .raw("</code> ")
            .text(&format!("({}): {}", reason.describe(), gaps.len()))
            .raw("</summary>\n<table>")
            .head(&["trial", "scope", "what"])
            .raw("<tbody>\n");
        for gap in gaps.iter().take(MAX_ROWS) {
            let scope = if gap.whole { "trial" } else { "part" };
            page.row(&[gap.trial, scope, &gap.item.detail]);
        }
        page.raw("</tbody></table>");
        more(page, gaps.len());
        page.raw("</details>\n");
    }
    page.raw("</section>\n");
}

/// The run's notes (policies, `--insecure`, injected drifts...), which a reader needs to
/// weigh the findings.
pub(super) fn push_notes(page: &mut Page, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    page.raw("<section id=\"notes\"><h2>Notes</h2>\n<ul>\n");
    for note in notes {
        page.element("li", "", note).raw("\n");
    }
    page.raw("</ul></section>\n");
}

/// The migration table of `migrate`: per pair of operations, every field with its change,
/// the note a migrating partner needs and what the target showed.
pub(super) fn push_migration(page: &mut Page, report: &Report) {
    let rows = &report.migration;
    if rows.is_empty() {
        return;
    }
    page.raw("<section id=\"migration\"><h2>Migration table</h2>\n");
    let mut pairs = Vec::new();
    for row in rows {
        if !pairs.contains(&(row.old_operation, row.new_operation)) {
            pairs.push((row.old_operation, row.new_operation));
        }
    }
    for (old, new) in pairs {
        page.element("h3", "", &format!("{old} → {new}"))
            .raw("<table>")
            .head(&[
                "",
                "old field",
                "new field",
                "change",
                "note",
                "what the target showed",
            ])
            .raw("<tbody>\n");
        for row in rows
            .iter()
            .filter(|r| r.old_operation == old && r.new_operation == new)
        {
            let part = row.part.as_str();
            page.row(&[
                part,
                row.old.as_deref().unwrap_or("—"),
                row.new.as_deref().unwrap_or("—"),
                row.change.label(),
                row.note.as_deref().unwrap_or(""),
                row.showed.as_deref().unwrap_or("not exercised by migrate"),
            ]);
        }
        page.raw("</tbody></table>\n");
    }
    page.raw("</section>\n");
}

/// Every trial, folded: name, operation, outcome, requests, time, and what it found.
pub(super) fn push_trials(page: &mut Page, report: &Report) {
    if report.trials.is_empty() {
        return;
    }
    page.raw("<section id=\"trials\"><h2>Trials</h2>\n<details><summary>")
        .text(&plural(report.trials.len(), "trial"))
        .raw("</summary><table>")
        .head(&[
            "trial",
            "operation",
            "outcome",
            "requests",
            "ms",
            "findings",
            "why skipped",
        ])
        .raw("<tbody>\n");
    for trial in report.trials.iter().take(MAX_ROWS) {
        let outcome = super::OUTCOMES
            .iter()
            .find(|(o, _)| *o == trial.outcome)
            .map_or("", |(_, word)| word);
        let operation = trial.operation.map(|o| o.as_str()).unwrap_or("");
        let skipped = trial
            .skip_reason
            .as_ref()
            .map(|gap| format!("{}: {}", gap.reason, gap.detail))
            .unwrap_or_default();
        page.raw("<tr><td><code>")
            .text(&trial.name)
            .raw("</code></td>")
            .element("td", "", operation)
            .element("td", &format!("outcome-{outcome}"), outcome)
            .raw("<td class=\"n\">")
            .num(trial.requests)
            .raw("</td><td class=\"n\">")
            .num(trial.duration_ms)
            .raw("</td><td class=\"n\">")
            .num(trial.findings.len())
            .raw("</td>")
            .element("td", "", &skipped)
            .raw("</tr>\n");
    }
    page.raw("</tbody></table></details>\n");
    more(page, report.trials.len());
    page.raw("</section>\n");
}

/// "N more (see --report json=PATH)" under a table cut at [`MAX_ROWS`].
fn more(page: &mut Page, total: usize) {
    if total > MAX_ROWS {
        page.element(
            "p",
            "",
            &format!("{} more (see --report json=PATH)", total - MAX_ROWS),
        );
    }
}
