//! The coverage section of the HTML report: the figure and its reasons in words (the sentences
//! of `report/coverage.rs`, shared with the other formats), a table per operation, a colour
//! matrix with one cell per requirement (verified, violated, read otherwise, not exercised;
//! requirements outside the figure paler), and per operation the folded list of every
//! requirement with its status, reason or evidence. A cell links to its row.

use super::markup::Page;
use super::Catalogue;
use crate::outcome::{format_percent, Coverage, CoverageStatus, RequirementCoverage};
use crate::report::coverage as words;

/// The statuses in the order the legend and the switches show them.
const STATUSES: [(CoverageStatus, &str); 4] = [
    (CoverageStatus::Verified, "verified"),
    (CoverageStatus::Violated, "violated"),
    (CoverageStatus::Observed, "read otherwise (position)"),
    (CoverageStatus::NotExercised, "not exercised"),
];

/// The whole section; nothing when the report has no catalogue (an unusable target).
pub(super) fn push(page: &mut Page, coverage: &Coverage, catalogue: &Catalogue) {
    if coverage.requirements.is_empty() {
        return;
    }
    page.raw("<section id=\"coverage\"><h2>Coverage of the documentation: ")
        .text(&coverage.overall.headline())
        .raw("</h2>\n<p>")
        .text(&words::figure(&coverage.overall))
        .raw(".</p>\n");
    if let Some(positions) = words::positions(&coverage.overall) {
        page.element(
            "p",
            "",
            &format!("Positions (readings of this suite where the pages are silent, outside the figure): {positions}."),
        );
    }
    if let Some(gate) = &coverage.gate {
        let class = if gate.below.is_empty() { "" } else { "bad" };
        page.element(
            "p",
            class,
            &format!("{}.", words::capitalised(&words::gate_sentence(gate))),
        );
    }
    push_operations(page, coverage);
    push_matrix(page, coverage);
    push_lists(page, coverage, catalogue);
    push_lost(page, coverage);
    page.raw("</section>\n");
}

/// One row per operation: verified of documented, the figure, violated, not exercised.
fn push_operations(page: &mut Page, coverage: &Coverage) {
    page.raw("<table class=\"operations\">")
        .head(&[
            "operation",
            "verified",
            "documented",
            "coverage",
            "violated",
            "not exercised",
            "positions",
        ])
        .raw("<tbody>\n");
    for operation in &coverage.operations {
        let t = &operation.totals;
        page.raw("<tr>")
            .raw("<td><a")
            .attr("href", &format!("#cov-{}", operation.operation))
            .raw("><code>")
            .text(operation.operation.as_str())
            .raw("</code></a>");
        if !operation.selected {
            page.raw(" <span class=\"badge\">not selected</span>");
        }
        page.raw("</td><td class=\"n\">")
            .num(t.verified)
            .raw("</td><td class=\"n\">")
            .num(t.documented)
            .raw("</td><td class=\"n\"><meter min=\"0\"")
            .attr("max", &crate::outcome::FULL_PERCENT.to_string())
            .attr("value", &format!("{:.1}", t.percent))
            .raw("></meter> ")
            .text(&format_percent(t.percent))
            .raw("</td><td class=\"n\">")
            .num(t.violated)
            .raw("</td>");
        page.element("td", "", &words::main_reasons(&t.not_exercised));
        page.element("td", "", &words::positions(t).unwrap_or_default());
        page.raw("</tr>\n");
    }
    page.raw("</tbody></table>\n");
}

/// The colour matrix: a legend with the count of each status, then one line of cells per
/// operation, one cell per requirement in catalogue order.
fn push_matrix(page: &mut Page, coverage: &Coverage) {
    page.raw("<div class=\"legend\">");
    for (status, label) in STATUSES {
        let n = coverage
            .requirements
            .iter()
            .filter(|r| r.status == status)
            .count();
        page.raw("<span")
            .attr("class", &format!("sw s-{}", status.as_str()))
            .raw("></span>")
            .text(&format!("{label} "))
            .raw("<b")
            .attr("data-count", &format!("requirements.{}", status.as_str()))
            .raw(">")
            .num(n)
            .raw("</b>");
    }
    page.raw(
        " <span class=\"badge\">pale: outside the figure</span></div>\n<div class=\"matrix\">\n",
    );
    for operation in &coverage.operations {
        page.raw("<div class=\"op\"><code>")
            .text(operation.operation.as_str())
            .raw("</code><div class=\"cells\">");
        for (index, r) in indexed(coverage).filter(|(_, r)| r.operation == operation.operation) {
            let mut class = format!("c s-{}", r.status.as_str());
            if !r.counted {
                class.push_str(" uncounted");
            }
            let label = cell_label(r);
            page.raw("<a")
                .attr("class", &class)
                .attr("href", &format!("#req-{index}"))
                .attr("title", &label)
                .attr("aria-label", &label)
                .raw("></a>");
        }
        page.raw("</div></div>\n");
    }
    page.raw("</div>\n");
}

/// The requirements with their index in the report, which names their row (`req-N`).
fn indexed(coverage: &Coverage) -> impl Iterator<Item = (usize, &RequirementCoverage)> {
    coverage.requirements.iter().enumerate()
}

/// A cell's tooltip: the id, the status and why.
fn cell_label(r: &RequirementCoverage) -> String {
    let mut label = format!("{}: {}", r.id.as_str(), r.status.as_str());
    if let Some(gap) = &r.reason {
        label.push_str(&format!(" ({}: {})", gap.reason.describe(), gap.detail));
    }
    if !r.counted {
        label.push_str(", outside the figure");
    }
    label
}

/// Per operation, folded: every requirement with its status, basis, whether it counts, what
/// it says, and its reason or evidence. Switches (shown when the script runs) hide a status.
fn push_lists(page: &mut Page, coverage: &Coverage, catalogue: &Catalogue) {
    page.raw("<div class=\"tools\" hidden>Show: ");
    for (status, label) in STATUSES {
        page.raw("<label><input type=\"checkbox\" checked")
            .attr("data-status", status.as_str())
            .raw("> ")
            .text(label)
            .raw("</label> ");
    }
    page.raw("</div>\n");
    for operation in &coverage.operations {
        let rows: Vec<(usize, &RequirementCoverage)> = indexed(coverage)
            .filter(|(_, r)| r.operation == operation.operation)
            .collect();
        page.raw("<details")
            .attr("id", &format!("cov-{}", operation.operation))
            .raw("><summary><code>")
            .text(operation.operation.as_str())
            .raw("</code>: ")
            .text(&operation.totals.headline())
            .text(&format!(", {} in all", rows.len()))
            .raw("</summary>\n<table>")
            .head(&[
                "requirement",
                "status",
                "basis",
                "counted",
                "what it says",
                "reason or evidence",
            ])
            .raw("<tbody>\n");
        for (index, r) in rows {
            let statement = catalogue
                .get(r.id.as_str())
                .map(|q| q.statement.as_str())
                .unwrap_or("");
            page.raw("<tr")
                .attr("id", &format!("req-{index}"))
                .attr("class", &format!("s-{}", r.status.as_str()))
                .raw("><td><code>")
                .text(r.id.as_str())
                .raw("</code></td>");
            page.element("td", "", r.status.as_str())
                .element("td", "", words::basis(&r.basis))
                .element("td", "", if r.counted { "yes" } else { "no" })
                .element("td", "", statement)
                .element("td", "", &words::reason_or_evidence(r))
                .raw("</tr>\n");
        }
        page.raw("</tbody></table></details>\n");
    }
}

/// The requirements a previous run verified and this one did not (`--compare-coverage`).
fn push_lost(page: &mut Page, coverage: &Coverage) {
    let Some(compared) = &coverage.compared else {
        return;
    };
    page.element(
        "h3",
        "",
        &words::capitalised(&words::compared_sentence(compared)),
    );
    if compared.lost.is_empty() {
        return;
    }
    page.raw("<table>")
        .head(&["requirement", "now", "reason"])
        .raw("<tbody>\n");
    for lost in words::lost_in_order(compared) {
        let reason = lost
            .reason
            .as_ref()
            .map(|gap| format!("{}: {}", gap.reason.describe(), gap.detail))
            .unwrap_or_default();
        page.row(&[lost.id.as_str(), lost.status.as_str(), &reason]);
    }
    page.raw("</tbody></table>\n");
}
