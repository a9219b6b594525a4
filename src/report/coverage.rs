//! The coverage of the documentation as every writer shows it (issue #15): how many documented
//! rules the run verified on its target, why the others were not exercised, how the positions
//! fared, and, when asked, the coverage gate and the comparison with a previous run. "No
//! drift" alone says nothing about what was looked at; these lines say it.
//!
//! The figures are computed before the writers are called ([`Coverage`], in `crate::outcome`);
//! here they are only put into words: one line and its details for the human summary
//! ([`push_human`]), a summary and a table per operation for Markdown ([`push_markdown`]), and
//! properties for JUnit ([`junit_properties`]). The JSON report carries the full list as it is.

use super::text::{clean, code_cell, inline_text, plural, push_table, text_cell};
use crate::outcome::{
    format_percent, Basis, Coverage, CoverageComparison, CoverageGate, CoverageStatus,
    CoverageTotals, Evidence, LostRequirement, OperationCoverage, Reason, RequirementCoverage,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Reasons named before the rest are summed up: the main ones say what to do next (load data,
/// deploy an operation, enable a check); a long tail would push the figure off the line.
const MAIN_REASONS: usize = 4;

/// Requirements of one operation not exercised for the same reason and sentence listed before
/// the rest of them are counted in one row: a target that answered nothing gives every rule the
/// same sentence, and a table of them all would say it a hundred times.
const SAME_REASON_LISTED: usize = 3;

/// Lost requirements the human summary names before saying how many more: enough to see what
/// went, few enough to keep the verdict and the exit code on one screen.
const LOST_NAMED: usize = 10;

/// The figure and the main reasons in one line: "211 of 248 documented rules verified (85.0%),
/// 2 violated; 37 not exercised: 18 no data on the target, 12 operation missing on the target".
pub(super) fn figure(totals: &CoverageTotals) -> String {
    let mut line = totals.headline();
    if totals.violated > 0 {
        let _ = write!(line, ", {} violated", totals.violated);
    }
    let missing: u64 = totals.not_exercised.values().sum();
    if missing > 0 {
        let _ = write!(
            line,
            "; {missing} not exercised: {}",
            main_reasons(&totals.not_exercised)
        );
    }
    line
}

/// "18 no data on the target, 12 operation missing on the target, 3 for 2 other reasons": the
/// reasons by count (most first, then in the order of [`Reason::ALL`]), the tail summed.
pub(super) fn main_reasons(counts: &BTreeMap<Reason, u64>) -> String {
    let mut by_count: Vec<(Reason, u64)> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| (*r, *n))
        .collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut parts: Vec<String> = by_count
        .iter()
        .take(MAIN_REASONS)
        .map(|(reason, n)| format!("{n} {}", reason.describe()))
        .collect();
    let rest = &by_count[by_count.len().min(MAIN_REASONS)..];
    if !rest.is_empty() {
        let n: u64 = rest.iter().map(|(_, n)| n).sum();
        parts.push(format!("{n} for {}", plural(rest.len(), "other reason")));
    }
    parts.join(", ")
}

/// "52 held, 3 read otherwise", when the operations have positions at all.
pub(super) fn positions(totals: &CoverageTotals) -> Option<String> {
    (totals.positions_held + totals.positions_observed > 0).then(|| {
        format!(
            "{} held, {} read otherwise",
            totals.positions_held, totals.positions_observed
        )
    })
}

/// "95.0% for the overall figure and every selected operation, 80.0% for customers_v1".
fn minimums(gate: &CoverageGate) -> String {
    let mut parts = Vec::new();
    if let Some(minimum) = gate.minimum {
        parts.push(format!(
            "{} for the overall figure and every selected operation",
            format_percent(minimum)
        ));
    }
    for (op, minimum) in &gate.operations {
        parts.push(format!("{} for {op}", format_percent(*minimum)));
    }
    if parts.is_empty() {
        return "none".to_string();
    }
    parts.join(", ")
}

/// "coverage gate failed (minimum ...): overall: 85.0% < 95.0%; ..." or "coverage gate held
/// (minimum ...)".
pub(super) fn gate_sentence(gate: &CoverageGate) -> String {
    if gate.below.is_empty() {
        format!("coverage gate held (minimum {})", minimums(gate))
    } else {
        format!(
            "coverage gate failed (minimum {}): {}",
            minimums(gate),
            gate.below.join("; ")
        )
    }
}

/// "compared with prev.json (99.7% then): 3 lost (1 violated, 2 no data on the target), 1
/// gained".
pub(super) fn compared_sentence(compared: &CoverageComparison) -> String {
    let mut by_kind: BTreeMap<(u8, &str), u64> = BTreeMap::new();
    for lost in &compared.lost {
        *by_kind.entry(lost_kind(lost)).or_default() += 1;
    }
    let mut kinds: Vec<((u8, &str), u64)> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut parts: Vec<String> = kinds
        .iter()
        .take(MAIN_REASONS)
        .map(|((_, kind), n)| format!("{n} {kind}"))
        .collect();
    let rest = &kinds[kinds.len().min(MAIN_REASONS)..];
    if !rest.is_empty() {
        let n: u64 = rest.iter().map(|(_, n)| n).sum();
        parts.push(format!("{n} otherwise"));
    }
    let lost = match parts.is_empty() {
        true => "0 lost".to_string(),
        false => format!("{} lost ({})", compared.lost.len(), parts.join(", ")),
    };
    let mut sentence = format!(
        "compared with {} ({} then): {lost}, {} gained",
        compared.previous,
        format_percent(compared.previous_percent),
        compared.gained
    );
    if compared.not_in_catalogue > 0 {
        let _ = write!(
            sentence,
            "; {} it verified are not in this version's catalogue",
            compared.not_in_catalogue
        );
    }
    sentence
}

/// How a lost requirement stands, as a sort key and words: violated and read otherwise first,
/// then not exercised by reason, an operation left out of the run last (the least news).
fn lost_kind(lost: &LostRequirement) -> (u8, &'static str) {
    match (lost.status, lost.reason.as_ref().map(|gap| gap.reason)) {
        (CoverageStatus::Violated, _) => (0, "violated"),
        (CoverageStatus::Observed, _) => (1, "read otherwise"),
        (_, Some(Reason::OperationNotSelected)) => (3, Reason::OperationNotSelected.describe()),
        (_, Some(reason)) => (2, reason.describe()),
        (_, None) => (2, "not exercised"),
    }
}

/// The lost requirements in the order they are named: the news first (see [`lost_kind`]),
/// then by id.
pub(super) fn lost_in_order(compared: &CoverageComparison) -> Vec<&LostRequirement> {
    let mut list: Vec<&LostRequirement> = compared.lost.iter().collect();
    list.sort_by_key(|lost| lost_kind(lost).0);
    list
}

/// Where a lost requirement stands now: "not_exercised (no data on the target)", "violated".
pub(super) fn now(status: CoverageStatus, reason: Option<&crate::outcome::NotExercised>) -> String {
    match reason {
        Some(gap) => format!("{} ({})", status.as_str(), gap.reason.describe()),
        None => status.as_str().to_string(),
    }
}

/// The coverage lines of the human summary, under the verdict: the figure with the main
/// reasons, then the positions, the gate and the lost requirements when there are any. A
/// report without a catalogue (the target was unusable before any trial) has none.
pub(super) fn push_human(out: &mut String, coverage: &Coverage) {
    if coverage.requirements.is_empty() {
        return;
    }
    let _ = writeln!(out, "Coverage: {}", figure(&coverage.overall));
    if let Some(positions) = positions(&coverage.overall) {
        let _ = writeln!(out, "  positions (outside the figure): {positions}");
    }
    if let Some(gate) = &coverage.gate {
        let _ = writeln!(out, "  {}", clean(&gate_sentence(gate)));
    }
    if let Some(compared) = &coverage.compared {
        let _ = writeln!(out, "  {}", clean(&compared_sentence(compared)));
        for lost in lost_in_order(compared).into_iter().take(LOST_NAMED) {
            let _ = writeln!(
                out,
                "    {}: now {}",
                clean(lost.id.as_str()),
                now(lost.status, lost.reason.as_ref())
            );
        }
        if compared.lost.len() > LOST_NAMED {
            let _ = writeln!(
                out,
                "    ... and {} more (see --report json=PATH)",
                compared.lost.len() - LOST_NAMED
            );
        }
    }
}

/// What the run's plan cost and bought: off loopback, requests are the price of a verdict.
pub(super) fn plan_line(plan: &crate::report::PlanSummary, requests: u64) -> String {
    format!(
        "plan {}: {} of {} generated cases, {requests} requests, {:.2} documented rules verified per request",
        plan.mode.as_str(),
        plan.generated_cases,
        plan.generated_pool,
        plan.verified_per_request
    )
}

/// The one line the Markdown report gives coverage under its run line; nothing without a
/// catalogue.
pub(super) fn markdown_line(coverage: &Coverage) -> Option<String> {
    if coverage.requirements.is_empty() {
        return None;
    }
    let mut line = format!("**Coverage:** {}", inline_text(&figure(&coverage.overall)));
    if let Some(gate) = coverage.gate.as_ref().filter(|g| !g.below.is_empty()) {
        let _ = write!(
            line,
            ". **Gate failed:** {}.",
            inline_text(&gate.below.join("; "))
        );
    }
    Some(line)
}

/// The coverage section of the Markdown report: the figure, positions, gate and comparison;
/// a summary table per selected operation; then per operation a table of every requirement
/// that counts and is not verified (and every position read otherwise; beyond a few left out
/// for the same reason and sentence, the rest counted in one row), the verified ones and
/// those outside the figure summed up in a sentence, so the section stays the size of a
/// pull-request comment whatever the catalogue. The JSON report has every entry.
pub(super) fn push_markdown(out: &mut String, coverage: &Coverage) {
    if coverage.requirements.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "#### Coverage of the documentation: {}\n",
        inline_text(&coverage.overall.headline())
    );
    let mut said = Vec::new();
    let overall = &coverage.overall;
    if overall.violated > 0 {
        said.push(format!("{} violated.", overall.violated));
    }
    let missing: u64 = overall.not_exercised.values().sum();
    if missing > 0 {
        said.push(format!(
            "{missing} not exercised: {}.",
            main_reasons(&overall.not_exercised)
        ));
    }
    if let Some(positions) = positions(overall) {
        said.push(format!(
            "Positions (readings of this suite where the pages are silent, outside the figure): {positions}."
        ));
    }
    let outside = outside_by_reason(coverage.requirements.iter().filter(|r| {
        coverage
            .operations
            .iter()
            .any(|o| o.selected && o.operation == r.operation)
    }));
    let outside_total: u64 = outside.values().sum();
    if outside_total > 0 {
        said.push(format!(
            "Outside the figure and not exercised: {outside_total} ({}).",
            main_reasons(&outside)
        ));
    }
    if !said.is_empty() {
        let _ = writeln!(out, "{}\n", inline_text(&said.join(" ")));
    }
    if let Some(gate) = &coverage.gate {
        let _ = writeln!(
            out,
            "{}.\n",
            inline_text(&capitalised(&gate_sentence(gate)))
        );
    }
    let selected: Vec<&OperationCoverage> =
        coverage.operations.iter().filter(|o| o.selected).collect();
    let rows = selected
        .iter()
        .map(|o| {
            let t = &o.totals;
            vec![
                code_cell(o.operation.as_str()),
                t.verified.to_string(),
                t.documented.to_string(),
                format_percent(t.percent),
                text_cell(&main_reasons(&t.not_exercised)),
            ]
        })
        .collect();
    let headers = [
        "operation",
        "verified",
        "documented",
        "coverage",
        "not exercised",
    ];
    push_table(out, &headers, rows);
    push_not_selected(out, coverage);
    // An operation with nothing to list is told by the summary table alone.
    for operation in selected {
        push_operation(out, coverage, operation);
    }
    if let Some(compared) = &coverage.compared {
        push_lost(out, compared);
    }
}

/// One sentence naming the operations the run did not select, whose requirements stay
/// outside the figure.
fn push_not_selected(out: &mut String, coverage: &Coverage) {
    let names: Vec<String> = coverage
        .operations
        .iter()
        .filter(|o| !o.selected)
        .map(|o| code_cell(o.operation.as_str()))
        .collect();
    if names.is_empty() {
        return;
    }
    let count = coverage
        .requirements
        .iter()
        .filter(|r| {
            coverage
                .operations
                .iter()
                .any(|o| !o.selected && o.operation == r.operation)
        })
        .count();
    let _ = writeln!(
        out,
        "Not selected (`--operations`): {} ({} outside the figure).\n",
        names.join(", "),
        plural(count, "requirement")
    );
}

/// Whether a requirement gets a row of its operation's table: it counts and is not verified,
/// or it was read otherwise than the documentation or a position says.
fn listed(r: &RequirementCoverage) -> bool {
    match r.status {
        CoverageStatus::Verified => false,
        CoverageStatus::Violated | CoverageStatus::Observed => true,
        CoverageStatus::NotExercised => r.counted,
    }
}

/// One operation with something to list: its heading, the table of what it did not verify,
/// and the sentence on the rest.
fn push_operation(out: &mut String, coverage: &Coverage, operation: &OperationCoverage) {
    let requirements: Vec<&RequirementCoverage> = coverage
        .requirements
        .iter()
        .filter(|r| r.operation == operation.operation)
        .collect();
    let mut rows: Vec<&RequirementCoverage> =
        requirements.iter().copied().filter(|r| listed(r)).collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "##### {}: {}\n",
        operation.operation,
        inline_text(&operation.totals.headline())
    );
    // Violations first, then positions read otherwise, then what was not exercised; each in
    // catalogue order (the sort is stable).
    rows.sort_by_key(|r| r.status);
    let mut cells = Vec::new();
    for group in same_reason_groups(&rows) {
        for r in group.iter().take(SAME_REASON_LISTED) {
            cells.push(row(&code_cell(r.id.as_str()), r));
        }
        if group.len() > SAME_REASON_LISTED {
            let more = format!("({} more)", group.len() - SAME_REASON_LISTED);
            cells.push(row(&more, group[0]));
        }
    }
    let headers = ["requirement", "status", "basis", "reason or evidence"];
    push_table(out, &headers, cells);
    let rest = not_listed(&requirements);
    if !rest.is_empty() {
        let _ = writeln!(out, "Not listed: {}.\n", inline_text(&rest));
    }
}

/// One row: the first cell given (the id, or how many more), then status, basis and reason or
/// evidence.
fn row(first: &str, r: &RequirementCoverage) -> Vec<String> {
    vec![
        first.to_string(),
        code_cell(r.status.as_str()),
        text_cell(basis(&r.basis)),
        text_cell(&reason_or_evidence(r)),
    ]
}

/// The rows in groups, in order of first appearance: requirements not exercised for the same
/// reason and sentence (every rule of an operation whose requests got no usable answer) form
/// one group; every other row is a group of its own.
fn same_reason_groups<'a>(rows: &[&'a RequirementCoverage]) -> Vec<Vec<&'a RequirementCoverage>> {
    let mut groups: Vec<Vec<&'a RequirementCoverage>> = Vec::new();
    for r in rows {
        let same = |other: &RequirementCoverage| {
            r.status == CoverageStatus::NotExercised
                && other.status == r.status
                && other.basis == r.basis
                && other.reason.is_some()
                && other.reason == r.reason
        };
        match groups.iter_mut().find(|g| same(g[0])) {
            Some(group) => group.push(r),
            None => groups.push(vec![r]),
        }
    }
    groups
}

/// "doc" for a documented rule, the A-number for a position.
pub(super) fn basis(basis: &Basis) -> &str {
    match basis {
        Basis::Documented => "doc",
        Basis::Position(number) => number,
    }
}

/// The last cell of a row: why it was not exercised, or how many findings and what evidence.
pub(super) fn reason_or_evidence(r: &RequirementCoverage) -> String {
    if let Some(gap) = &r.reason {
        return format!("{}: {}", gap.reason.describe(), gap.detail);
    }
    let noun = if r.status == CoverageStatus::Observed {
        "observation"
    } else {
        "finding"
    };
    let count = usize::try_from(r.findings).unwrap_or(usize::MAX);
    let mut text = plural(count, noun);
    let evidence = evidence(r);
    if !evidence.is_empty() {
        let _ = write!(text, "; evidence: {evidence}");
    }
    text
}

/// "refused 7, accepted 136": the evidence kinds seen, in [`Evidence::ALL`] order.
fn evidence(r: &RequirementCoverage) -> String {
    Evidence::ALL
        .iter()
        .filter(|e| r.evidence.get(**e) > 0)
        .map(|e| format!("{} {}", e.as_str(), r.evidence.get(*e)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an operation's table leaves out, summed: "100 verified, 22 positions held, 8 outside
/// the figure and not exercised (6 cannot be provoked by a client, 2 ...)".
fn not_listed(requirements: &[&RequirementCoverage]) -> String {
    let verified = |position: bool| {
        requirements
            .iter()
            .filter(|r| {
                r.status == CoverageStatus::Verified
                    && matches!(r.basis, Basis::Position(_)) == position
            })
            .count()
    };
    let outside = outside_by_reason(requirements.iter().copied());
    let mut parts = Vec::new();
    let (documented, held) = (verified(false), verified(true));
    if documented > 0 {
        parts.push(format!("{documented} verified"));
    }
    if held > 0 {
        parts.push(format!("{} held", plural(held, "position")));
    }
    let outside_total: u64 = outside.values().sum();
    if outside_total > 0 {
        parts.push(format!(
            "{outside_total} outside the figure and not exercised ({})",
            main_reasons(&outside)
        ));
    }
    parts.join(", ")
}

/// The requirements outside the figure that were not exercised (what no client can provoke,
/// positions left unexercised), by reason.
fn outside_by_reason<'a>(
    requirements: impl IntoIterator<Item = &'a RequirementCoverage>,
) -> BTreeMap<Reason, u64> {
    let mut outside: BTreeMap<Reason, u64> = BTreeMap::new();
    for r in requirements.into_iter().filter(|r| !listed(r)) {
        if let (CoverageStatus::NotExercised, Some(gap)) = (r.status, &r.reason) {
            *outside.entry(gap.reason).or_default() += 1;
        }
    }
    outside
}

/// The requirements a previous run verified and this one did not, with where they stand now.
fn push_lost(out: &mut String, compared: &CoverageComparison) {
    let _ = writeln!(
        out,
        "##### {}\n",
        inline_text(&capitalised(&compared_sentence(compared)))
    );
    let rows = lost_in_order(compared)
        .into_iter()
        .map(|lost| {
            let reason = lost
                .reason
                .as_ref()
                .map(|gap| format!("{}: {}", gap.reason.describe(), gap.detail))
                .unwrap_or_default();
            vec![
                code_cell(lost.id.as_str()),
                code_cell(lost.status.as_str()),
                text_cell(&reason),
            ]
        })
        .collect();
    push_table(out, &["requirement", "now", "reason"], rows);
}

/// The sentence with its first letter in capitals, for a heading or a paragraph.
pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A percentage as a JUnit property value: one decimal, never rounded up, without the sign.
fn percent_value(percent: f64) -> String {
    format_percent(percent).trim_end_matches('%').to_string()
}

/// The coverage as JUnit properties (every suite carries them, as it carries the target and
/// the seed, so a CI page shows the figure whichever suite it opens): `coverage.documented`,
/// `coverage.verified`, `coverage.violated`, `coverage.percent`, `coverage.<op>.percent` per
/// selected operation, `coverage.not_exercised.<reason>`, the positions, the gate
/// (`coverage.gate` held or failed, its minimums, one `coverage.gate.below` per figure below)
/// and the comparison (`coverage.lost`, `coverage.gained`, `coverage.compared.*`). Nothing
/// without a catalogue.
pub(super) fn junit_properties(coverage: &Coverage) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if coverage.requirements.is_empty() {
        return out;
    }
    let mut add = |name: String, value: String| out.push((name, value));
    let overall = &coverage.overall;
    add("coverage.documented".into(), overall.documented.to_string());
    add("coverage.verified".into(), overall.verified.to_string());
    add("coverage.violated".into(), overall.violated.to_string());
    add("coverage.percent".into(), percent_value(overall.percent));
    for op in coverage.operations.iter().filter(|o| o.selected) {
        add(
            format!("coverage.{}.percent", op.operation),
            percent_value(op.totals.percent),
        );
    }
    for (reason, n) in &overall.not_exercised {
        add(format!("coverage.not_exercised.{reason}"), n.to_string());
    }
    if overall.positions_held + overall.positions_observed > 0 {
        add(
            "coverage.positions.held".into(),
            overall.positions_held.to_string(),
        );
        add(
            "coverage.positions.read_otherwise".into(),
            overall.positions_observed.to_string(),
        );
    }
    if let Some(gate) = &coverage.gate {
        let verdict = if gate.below.is_empty() {
            "held"
        } else {
            "failed"
        };
        add("coverage.gate".into(), verdict.into());
        if let Some(minimum) = gate.minimum {
            add("coverage.gate.minimum".into(), percent_value(minimum));
        }
        for (op, minimum) in &gate.operations {
            add(
                format!("coverage.gate.{op}.minimum"),
                percent_value(*minimum),
            );
        }
        for below in &gate.below {
            add("coverage.gate.below".into(), below.clone());
        }
    }
    if let Some(compared) = &coverage.compared {
        add(
            "coverage.compared.previous".into(),
            compared.previous.clone(),
        );
        add(
            "coverage.compared.previous_percent".into(),
            percent_value(compared.previous_percent),
        );
        add("coverage.lost".into(), compared.lost.len().to_string());
        add("coverage.gained".into(), compared.gained.to_string());
        add(
            "coverage.compared.not_in_catalogue".into(),
            compared.not_in_catalogue.to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::{empty_report, sample_coverage, sample_report};
    use super::*;
    use crate::outcome::{LostRequirement, NotExercised};
    use crate::spec::RuleId;

    /// The sample's coverage with a failed gate and a comparison naming `lost` requirements.
    fn gated_and_compared(lost: usize) -> Coverage {
        let mut coverage = sample_coverage();
        coverage.gate = Some(CoverageGate {
            minimum: Some(95.0),
            operations: [(crate::spec::OperationId::BudgetV1, 50.0)]
                .into_iter()
                .collect(),
            below: vec![
                "overall: 33.3% < 95.0%".to_string(),
                "customers_v1: 33.3% < 95.0%".to_string(),
            ],
        });
        coverage.compared = Some(CoverageComparison {
            previous: "prev|report.json".to_string(),
            previous_percent: 99.95,
            lost: (0..lost)
                .map(|i| LostRequirement {
                    id: RuleId::parse(&format!("customers_v1.query.field_{i}.maxLength")).unwrap(),
                    status: CoverageStatus::NotExercised,
                    reason: Some(NotExercised::new(Reason::NoData, "0 customers")),
                })
                .collect(),
            gained: 2,
            not_in_catalogue: 0,
        });
        coverage
    }

    #[test]
    fn the_figure_names_the_violations_and_the_main_reasons() {
        let coverage = sample_coverage();
        assert_eq!(
            figure(&coverage.overall),
            "2 of 6 documented rules verified (33.3%), 2 violated; 2 not exercised: 1 check excluded, 1 no data on the target"
        );
        // Beyond the main reasons the tail is summed.
        let counts: BTreeMap<Reason, u64> = [
            (Reason::NoData, 18),
            (Reason::OperationMissing, 12),
            (Reason::CheckExcluded, 7),
            (Reason::BudgetCut, 3),
            (Reason::Interrupted, 2),
            (Reason::NoUsableAnswer, 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            main_reasons(&counts),
            "18 no data on the target, 12 operation missing on the target, 7 check excluded, 3 request budget cut, 3 for 2 other reasons"
        );
    }

    #[test]
    fn the_human_summary_has_the_coverage_line_under_the_verdict() {
        let text = crate::report::write_human(&sample_report(), false);
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("Drift: "), "{text}");
        assert_eq!(
            lines.next().unwrap(),
            "Coverage: 2 of 6 documented rules verified (33.3%), 2 violated; 2 not exercised: 1 check excluded, 1 no data on the target"
        );
        assert_eq!(
            lines.next().unwrap(),
            "  positions (outside the figure): 1 held, 1 read otherwise"
        );
        // A report without a catalogue (an unusable target) has no coverage line.
        assert!(!crate::report::write_human(&empty_report(), false).contains("Coverage"));
    }

    #[test]
    fn the_human_summary_says_which_figures_fell_below_and_what_was_lost() {
        let mut report = sample_report();
        report.coverage = gated_and_compared(LOST_NAMED + 3);
        let text = crate::report::write_human(&report, false);
        assert!(
            text.contains("\n  coverage gate failed (minimum 95.0% for the overall figure and every selected operation, 50.0% for budget_v1): overall: 33.3% < 95.0%; customers_v1: 33.3% < 95.0%\n"),
            "{text}"
        );
        assert!(
            text.contains("\n  compared with prev|report.json (99.9% then): 13 lost (13 no data on the target), 2 gained\n    customers_v1.query.field_0.maxLength: now not_exercised (no data on the target)\n"),
            "{text}"
        );
        assert_eq!(text.matches(": now not_exercised").count(), LOST_NAMED);
        assert!(
            text.contains("    ... and 3 more (see --report json=PATH)\n"),
            "{text}"
        );
        report.coverage.gate.as_mut().unwrap().below.clear();
        let text = crate::report::write_human(&report, false);
        assert!(text.contains("\n  coverage gate held (minimum 95.0% for the overall figure and every selected operation, 50.0% for budget_v1)\n"), "{text}");
    }

    #[test]
    fn markdown_lists_what_was_not_verified_and_counts_the_rest() {
        let md = crate::report::write_markdown(&sample_report());
        assert!(md.contains("\n**Coverage:** 2 of 6 documented rules verified (33.3%), 2 violated; 2 not exercised: 1 check excluded, 1 no data on the target\n"), "{md}");
        let section = &md[md
            .find("#### Coverage of the documentation: 2 of 6 documented rules verified (33.3%)\n")
            .expect(&md)..];
        for expected in [
            "| `customers_v1` | 1 | 3 | 33.3% | 1 no data on the target |",
            "| `budget_v1` | 1 | 3 | 33.3% | 1 check excluded |",
            "Not selected (`--operations`): `aicc_tenant`, `customers_v2`, `budget_v2` (1 requirement outside the figure).",
            "Outside the figure and not exercised: 1 (1 cannot be provoked by a client).",
            "##### customers_v1: 1 of 3 documented rules verified (33.3%)",
            // Violations first, with their findings and evidence.
            "| `customers_v1.response.200.customer_info_list.corp_name.required` | `violated` | doc | 3 findings; evidence: seen 1 |\n| `customers_v1.semantic.pagination` | `not_exercised` | doc | no data on the target: the target lists 0 customers |",
            "Not listed: 1 verified, 1 position held, 1 outside the figure and not exercised (1 cannot be provoked by a client).",
            "| `budget_v1.query.customer_id.type` | `observed` | A15 | 2 observations; evidence: seen 1 |",
            // The pipe and the backticks of a sentence stay inside their cell.
            "| `budget_v1.query.customer_id.maxLength` | `not_exercised` | doc | check excluded: left out by \\`--exclude-checks a\\|b\\` |",
        ] {
            assert!(section.contains(expected), "missing {expected}\n{section}");
        }
        // Verified requirements and what no client can provoke get no row.
        assert!(!section.contains("page_size.maximum"), "{section}");
        assert!(!section.contains("partner_id.minLength"), "{section}");
        for row in section.lines().filter(|l| l.starts_with("| `")) {
            let cells = row.replace("\\|", "").matches('|').count();
            assert!(cells == 5 || cells == 6, "{row}");
        }
        assert!(!crate::report::write_markdown(&empty_report()).contains("Coverage"));
    }

    #[test]
    fn lost_requirements_are_named_news_first() {
        let mut compared = gated_and_compared(3).compared.unwrap();
        compared.lost[0].reason = Some(NotExercised::new(Reason::OperationNotSelected, "left out"));
        compared.lost.push(LostRequirement {
            id: RuleId::parse("budget_v1.semantic.auth_required").unwrap(),
            status: CoverageStatus::Violated,
            reason: None,
        });
        let order: Vec<&str> = lost_in_order(&compared)
            .iter()
            .map(|l| l.id.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "budget_v1.semantic.auth_required",
                "customers_v1.query.field_1.maxLength",
                "customers_v1.query.field_2.maxLength",
                "customers_v1.query.field_0.maxLength",
            ]
        );
        assert_eq!(
            compared_sentence(&compared),
            "compared with prev|report.json (99.9% then): 4 lost (2 no data on the target, 1 violated, 1 operation not selected), 2 gained"
        );
        compared.not_in_catalogue = 3;
        assert!(compared_sentence(&compared)
            .ends_with(", 2 gained; 3 it verified are not in this version's catalogue"));
    }

    #[test]
    fn markdown_counts_requirements_left_out_for_the_same_reason_after_a_few() {
        let mut requirements = sample_coverage().requirements;
        let template = requirements
            .iter()
            .find(|r| r.id.as_str() == "customers_v1.semantic.pagination")
            .unwrap()
            .clone();
        for i in 0..SAME_REASON_LISTED + 2 {
            let mut r = template.clone();
            r.id = RuleId::parse(&format!("customers_v1.query.field_{i}.maxLength")).unwrap();
            r.reason = Some(NotExercised::new(
                Reason::NoUsableAnswer,
                "no usable answer",
            ));
            requirements.push(r);
        }
        let coverage =
            Coverage::from_requirements(requirements, &[crate::spec::OperationId::CustomersV1]);
        let mut report = sample_report();
        report.coverage = coverage;
        let md = crate::report::write_markdown(&report);
        assert!(md.contains("| `customers_v1.query.field_2.maxLength` | `not_exercised` | doc | no usable answer: no usable answer |\n| (2 more) | `not_exercised` | doc | no usable answer: no usable answer |\n"), "{md}");
        assert!(!md.contains("field_3"), "{md}");
        // Rows of other reasons and sentences are listed one by one.
        assert!(
            md.contains("| `customers_v1.semantic.pagination` |"),
            "{md}"
        );
    }

    #[test]
    fn markdown_says_the_gate_and_tables_the_lost_requirements() {
        let mut report = sample_report();
        report.coverage = gated_and_compared(2);
        let md = crate::report::write_markdown(&report);
        assert!(
            md.contains(
                "**Gate failed:** overall: 33.3% \\< 95.0%; customers\\_v1: 33.3% \\< 95.0%."
            ),
            "{md}"
        );
        assert!(md.contains("\nCoverage gate failed (minimum 95.0% for the overall figure and every selected operation, 50.0% for budget\\_v1): "), "{md}");
        assert!(
            md.contains("##### Compared with prev\\|report.json (99.9% then): 2 lost (2 no data on the target), 2 gained\n\n| requirement | now | reason |\n|---|---|---|\n| `customers_v1.query.field_0.maxLength` | `not_exercised` | no data on the target: 0 customers |\n"),
            "{md}"
        );
    }

    #[test]
    fn junit_carries_the_figures_reasons_and_gate_as_properties() {
        let mut report = sample_report();
        report.coverage = gated_and_compared(2);
        let properties = junit_properties(&report.coverage);
        let value = |name: &str| {
            properties
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(value("coverage.documented"), ["6"]);
        assert_eq!(value("coverage.verified"), ["2"]);
        assert_eq!(value("coverage.percent"), ["33.3"]);
        assert_eq!(value("coverage.customers_v1.percent"), ["33.3"]);
        assert_eq!(value("coverage.budget_v1.percent"), ["33.3"]);
        assert!(value("coverage.customers_v2.percent").is_empty());
        assert_eq!(value("coverage.not_exercised.no_data"), ["1"]);
        assert_eq!(value("coverage.not_exercised.check_excluded"), ["1"]);
        assert_eq!(value("coverage.gate"), ["failed"]);
        assert_eq!(value("coverage.gate.minimum"), ["95.0"]);
        assert_eq!(value("coverage.gate.budget_v1.minimum"), ["50.0"]);
        assert_eq!(value("coverage.gate.below").len(), 2);
        assert_eq!(value("coverage.lost"), ["2"]);
        assert_eq!(value("coverage.gained"), ["2"]);
        assert_eq!(value("coverage.compared.not_in_catalogue"), ["0"]);
        let xml = crate::report::write_junit(&report);
        // Every suite carries them, escaped like any property.
        assert_eq!(
            xml.matches("<property name=\"coverage.percent\" value=\"33.3\"/>")
                .count(),
            3,
            "{xml}"
        );
        assert!(
            xml.contains(
                "<property name=\"coverage.gate.below\" value=\"overall: 33.3% &lt; 95.0%\"/>"
            ),
            "{xml}"
        );
        assert!(junit_properties(&empty_report().coverage).is_empty());
    }
}
