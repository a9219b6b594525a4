//! The human summary printed on stdout after a run: one verdict line, the coverage of the
//! documentation under it, the findings grouped by operation and category (most severe first,
//! near-duplicates collapsed, each category capped), transport problems apart from drift, the
//! notes, and the exit code with its meaning.
//!
//! The main function is [`write_human`]. It also holds [`severity_rank`], the category order the
//! other writers share, so "most useful first" means the same thing in every format.

use super::model::{Report, TransportProblem};
use super::text::{clean, plural, push_field};
use crate::checks::{Category, Finding};
use crate::exit;
use crate::spec::OperationId;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Blocks shown per category before the rest is summarised: enough to see the pattern, short
/// enough that the verdict and the exit code stay on one screen.
const BLOCKS_PER_CATEGORY: usize = 5;

/// Formats the run summary a person reads after a run. With `color`, the verdict and the
/// transport heading are coloured; without it the text holds no escape code at all (data from
/// the target included: control characters are shown escaped, never sent to the terminal).
pub fn write_human(report: &Report, color: bool) -> String {
    let paint = Paint { enabled: color };
    let mut out = String::new();
    if report.summary.interrupted {
        out.push_str(&paint.yellow(INTERRUPTED));
        out.push('\n');
    }
    out.push_str(&verdict_line(report, paint));
    out.push('\n');
    super::coverage::push_human(&mut out, &report.coverage);
    if let Some(plan) = &report.summary.plan {
        let _ = writeln!(
            out,
            "  {}",
            super::coverage::plan_line(plan, report.summary.requests)
        );
    }
    push_findings(&mut out, &report.findings);
    super::observations::push_human(&mut out, &report.observations);
    push_changes(&mut out, report);
    push_baseline(&mut out, report);
    push_transport(&mut out, &report.transport, paint);
    push_not_exercised(&mut out, report);
    push_notes(&mut out, &report.summary.notes);
    out.push('\n');
    let _ = writeln!(out, "{}", report.summary.tool.line());
    let code = report.summary.exit_code;
    let _ = writeln!(out, "exit code {code}: {}", exit_meaning(code));
    out
}

/// What an interrupted run's summary says first, in words (the JSON says `interrupted: true`).
pub(super) const INTERRUPTED: &str =
    "Interrupted: the run was stopped before it finished; what follows covers only what completed.";

/// One finding per group the summary collapses to (same operation, category, check and
/// location up to array indices), the first of each in the order given: the one the summary
/// shows. A run directory keeps the request of each, not of every look-alike.
pub fn distinct_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<&'a Finding> {
    let mut seen = std::collections::HashSet::new();
    findings
        .into_iter()
        .filter(|f| seen.insert(f.group_key()))
        .collect()
}

/// Where a category stands in reports: lower is shown first. Ranked by how much a partner
/// integration breaks (ignored credentials and wrong statuses before cosmetic differences).
/// The match is exhaustive so a new category does not compile until it is ranked.
pub(super) fn severity_rank(category: Category) -> u8 {
    match category {
        Category::Auth => 0,
        Category::StatusCode => 1,
        Category::ErrorCode => 2,
        Category::MissingField => 3,
        Category::Type => 4,
        Category::NullHandling => 5,
        Category::FieldLength => 6,
        Category::Enum => 7,
        Category::Format => 8,
        Category::UnexpectedField => 9,
        Category::ContentType => 10,
        Category::DefaultValue => 11,
        Category::Pagination => 12,
        Category::FilterSemantics => 13,
        Category::Consistency => 14,
    }
}

/// The location pattern findings are grouped by (see [`crate::outcome::location_pattern`]).
pub(super) fn normalise_location(location: &str) -> String {
    crate::outcome::location_pattern(location)
}

/// Findings that are the same drift seen at several array elements: shown as one block.
struct Group<'a> {
    /// The first finding, in report order: its values and curl are the ones shown.
    first: &'a Finding,
    /// How many findings the group holds, `first` included.
    count: usize,
    /// The location with indices normalised; part of the grouping key.
    pattern: String,
}

/// Collapses findings (all of one operation and category) that share check and normalised
/// location, then orders the groups by location and check.
fn group_findings<'a>(findings: &[&'a Finding]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for finding in findings {
        let pattern = normalise_location(&finding.location);
        match groups
            .iter_mut()
            .find(|g| g.pattern == pattern && g.first.check == finding.check)
        {
            Some(group) => group.count += 1,
            None => groups.push(Group {
                first: finding,
                count: 1,
                pattern,
            }),
        }
    }
    groups.sort_by(|a, b| {
        (a.pattern.as_str(), a.first.check.as_str())
            .cmp(&(b.pattern.as_str(), b.first.check.as_str()))
    });
    groups
}

/// Findings by operation, then by category in severity order; each list keeps report order.
fn by_operation_and_category(
    findings: &[Finding],
) -> BTreeMap<OperationId, BTreeMap<(u8, Category), Vec<&Finding>>> {
    let mut map: BTreeMap<OperationId, BTreeMap<(u8, Category), Vec<&Finding>>> = BTreeMap::new();
    for finding in findings {
        map.entry(finding.operation)
            .or_default()
            .entry((severity_rank(finding.category), finding.category))
            .or_default()
            .push(finding);
    }
    map
}

/// The first line: the verdict and what it rests on.
fn verdict_line(report: &Report, paint: Paint) -> String {
    let summary = &report.summary;
    let context = format!(
        "{}, {} against {} (seed {})",
        plural(
            usize::try_from(summary.requests).unwrap_or(usize::MAX),
            "request"
        ),
        plural(report.trials.len(), "trial"),
        clean(&summary.target),
        summary.seed
    );
    let operations_run = plural(summary.operations.len(), "operation");
    if report.findings.is_empty() && summary.interrupted {
        // Green "No drift" would pass for a complete run.
        let line = format!("No drift in what completed: {operations_run}, {context}.");
        return paint.yellow(&line);
    }
    if report.findings.is_empty() && summary.exit_code == exit::TARGET_UNUSABLE {
        // "No drift" in green would reassure about a target that could not be checked.
        let line =
            format!("No drift found, but the target was unusable: {operations_run}, {context}.");
        return paint.yellow(&line);
    }
    if report.findings.is_empty() && !report.behaviour_changes.is_empty() {
        let line = format!(
            "No drift, but {} against the recording: {operations_run}, {context}.",
            plural(report.behaviour_changes.len(), "behaviour change")
        );
        return paint.red(&line);
    }
    if report.findings.is_empty() && !report.accepted.is_empty() {
        let accepted = plural(report.accepted.len(), "finding");
        return paint.green(&format!(
            "No new drift ({accepted} accepted by the baseline): {operations_run}, {context}."
        ));
    }
    if report.findings.is_empty() {
        return paint.green(&format!("No drift: {operations_run}, {context}."));
    }
    let categories = report
        .findings
        .iter()
        .map(|f| f.category)
        .collect::<BTreeSet<_>>()
        .len();
    let operations = report
        .findings
        .iter()
        .map(|f| f.operation)
        .collect::<BTreeSet<_>>()
        .len();
    let line = format!(
        "Drift: {} in {} across {}: {context}.",
        plural(report.findings.len(), "finding"),
        plural(categories, "category"),
        plural(operations, "operation"),
    );
    paint.red(&line)
}

/// The findings section: operation heading, category heading, at most
/// [`BLOCKS_PER_CATEGORY`] blocks, then how many were left out.
fn push_findings(out: &mut String, findings: &[Finding]) {
    for (operation, categories) in by_operation_and_category(findings) {
        let total: usize = categories.values().map(Vec::len).sum();
        let _ = writeln!(out, "\n{operation}: {}", plural(total, "finding"));
        for ((_, category), list) in categories {
            let _ = writeln!(out, "  {category} ({})", list.len());
            let groups = group_findings(&list);
            for group in groups.iter().take(BLOCKS_PER_CATEGORY) {
                push_block(out, group);
            }
            let hidden: usize = groups
                .iter()
                .skip(BLOCKS_PER_CATEGORY)
                .map(|g| g.count)
                .sum();
            if hidden > 0 {
                let _ = writeln!(out, "    ... {hidden} more (see --report json=PATH)");
            }
        }
    }
}

/// Behaviour changes against a recording: not drift, but not what the target did before.
fn push_changes(out: &mut String, report: &Report) {
    if report.behaviour_changes.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nBehaviour changes against the recording (not spec drift): {}",
        report.behaviour_changes.len()
    );
    for change in &report.behaviour_changes {
        let _ = writeln!(out, "  {} {}", change.operation, clean(&change.trial));
        push_field(out, "changed", &change.locations.join(", "));
        push_field(out, "recorded", &change.recorded);
        push_field(out, "observed", &change.observed);
        push_field(out, "reproduce", &change.reproduce);
    }
}

/// What the baseline accepted, resolved and let expire.
fn push_baseline(out: &mut String, report: &Report) {
    let Some(baseline) = &report.baseline else {
        return;
    };
    let fingerprints: BTreeSet<&str> = report
        .accepted
        .iter()
        .map(|a| a.fingerprint.as_str())
        .collect();
    let _ = writeln!(
        out,
        "\nBaseline {}: {} accepted ({})",
        clean(&baseline.file),
        plural(report.accepted.len(), "finding"),
        plural(fingerprints.len(), "entry")
    );
    for note in &baseline.resolved {
        let _ = writeln!(
            out,
            "  resolved (no longer occurs; --prune-baseline drops it): {}",
            clean(&note.fingerprint)
        );
    }
    for note in &baseline.expired {
        let _ = writeln!(
            out,
            "  expired on {} (its findings count as new): {}",
            note.expires.as_deref().unwrap_or("?"),
            clean(&note.fingerprint)
        );
    }
}

/// One finding (or group of look-alikes) as a short block.
fn push_block(out: &mut String, group: &Group<'_>) {
    let f = group.first;
    let _ = write!(
        out,
        "    [{} {}] {}",
        clean(&f.code),
        clean(&f.check),
        clean(&f.location)
    );
    if group.count > 1 {
        let _ = write!(out, " (and {} more like it)", group.count - 1);
    }
    out.push('\n');
    push_field(out, "expected", &f.expected);
    push_field(out, "observed", &f.observed);
    if let Some(doc) = &f.doc {
        push_field(out, "doc", doc);
    }
    push_field(out, "reproduce", &f.reproduce);
}

/// The transport section: problems by kind (most frequent first), each with its first example.
fn push_transport(out: &mut String, transport: &[TransportProblem], paint: Paint) {
    if transport.is_empty() {
        return;
    }
    let heading = format!("Transport problems (not drift): {}", transport.len());
    let _ = writeln!(out, "\n{}", paint.yellow(&heading));
    for (kind, count, first) in transport_kinds(transport) {
        let _ = writeln!(out, "  {} ({count})", clean(kind));
        let status = first
            .status
            .map(|s| format!(" [HTTP {s}]"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    first: {} {}{status}: {}",
            first.operation,
            clean(&first.trial),
            clean(&first.message)
        );
        let _ = writeln!(out, "    reproduce: {}", clean(&first.reproduce));
    }
}

/// What was not exercised, by reason: each reason with its count, then at most
/// [`BLOCKS_PER_CATEGORY`] trials with their sentence and how many more.
fn push_not_exercised(out: &mut String, report: &Report) {
    let Some(heading) = super::not_exercised::heading(report) else {
        return;
    };
    let _ = writeln!(out, "\n{heading}");
    for (reason, gaps) in super::not_exercised::by_reason(report) {
        let _ = writeln!(out, "  {reason} ({}): {}", reason.describe(), gaps.len());
        let lines = super::not_exercised::folded_lines(&gaps);
        for line in lines.iter().take(BLOCKS_PER_CATEGORY) {
            let _ = writeln!(out, "    {}", clean(line));
        }
        if lines.len() > BLOCKS_PER_CATEGORY {
            let _ = writeln!(
                out,
                "    ... and {} more",
                lines.len() - BLOCKS_PER_CATEGORY
            );
        }
    }
}

/// The run's notes (policies, `--insecure`...), which a reader needs to weigh the findings.
fn push_notes(out: &mut String, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    out.push('\n');
    for note in notes {
        let _ = writeln!(out, "note: {}", clean(note));
    }
}

/// Transport problems by kind: the kind, how many, the first one; most frequent first.
pub(super) fn transport_kinds(
    transport: &[TransportProblem],
) -> Vec<(&str, usize, &TransportProblem)> {
    let mut kinds: Vec<(&str, usize, &TransportProblem)> = Vec::new();
    for problem in transport {
        match kinds.iter_mut().find(|(k, _, _)| *k == problem.kind) {
            Some(entry) => entry.1 += 1,
            None => kinds.push((problem.kind.as_str(), 1, problem)),
        }
    }
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    kinds
}

/// What an exit code means, in the words of [`crate::exit`].
pub(super) fn exit_meaning(code: i32) -> &'static str {
    exit::meaning(code)
}

/// ANSI colours, applied only when enabled.
#[derive(Clone, Copy)]
struct Paint {
    enabled: bool,
}

impl Paint {
    fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }

    fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }

    fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }

    fn wrap(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[1;{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// A small report every writer's tests share: two operations with findings of several
/// categories (three differing only by array index), one transport problem, a passed trial and a
/// skipped trial without an operation.
#[cfg(test)]
pub(super) mod fixture {
    use super::super::model::{Report, Summary, TransportProblem, TrialOutcome, TrialRecord};
    use crate::checks::{Category, Finding};
    use crate::spec::OperationId;
    use std::collections::BTreeMap;

    /// A finding with the given essentials and fixed doc and curl.
    pub(in crate::report) fn finding(
        operation: OperationId,
        check: &str,
        category: Category,
        location: &str,
        observed: &str,
        trial: &str,
    ) -> Finding {
        Finding {
            operation,
            check: check.to_string(),
            code: code_for(check).to_string(),
            category,
            rule: crate::spec::RuleId::semantic(operation, check),
            location: location.to_string(),
            expected: format!("documented {category}"),
            observed: observed.to_string(),
            reproduce: format!("curl -sS -H 'X-Auth-Token: $HUAWEICLOUD_TOKEN' 'http://127.0.0.1:8080/{operation}?t={trial}'"),
            doc: Some(format!("{operation}: response table")),
            trial: trial.to_string(),
            position: None,
            origin: None,
        }
    }

    /// A stable code per check name, as the checks catalogue would give.
    fn code_for(check: &str) -> &'static str {
        match check {
            "status_code" => "SC001",
            "auth_required" => "AU001",
            _ => "RS001",
        }
    }

    /// A trial record.
    pub(in crate::report) fn trial(
        name: &str,
        operation: Option<OperationId>,
        outcome: TrialOutcome,
        findings: Vec<usize>,
        transport: Vec<usize>,
    ) -> TrialRecord {
        TrialRecord {
            name: name.to_string(),
            operation,
            outcome,
            requests: 3,
            duration_ms: 1500,
            findings,
            transport,
            skip_reason: (outcome == TrialOutcome::Skipped).then(|| {
                crate::outcome::NotExercised::new(
                    crate::outcome::Reason::NoData,
                    "no fixture for this target",
                )
            }),
            ..TrialRecord::default()
        }
    }

    /// A report with no findings, transport problems or trials.
    pub(in crate::report) fn empty_report() -> Report {
        Report {
            migration: Vec::new(),
            coverage: Default::default(),
            summary: Summary {
                target: "http://127.0.0.1:8080".to_string(),
                operations: Vec::new(),
                seed: 7,
                cases_per_operation: 16,
                requests: 0,
                trials: BTreeMap::new(),
                findings: 0,
                observations: 0,
                positions: crate::outcome::PositionMode::Observe,
                by_category: BTreeMap::new(),
                by_operation: BTreeMap::new(),
                transport_problems: 0,
                accepted: 0,
                behaviour_changes: 0,
                duration_ms: 0,
                notes: Vec::new(),
                exit_code: 0,
                interrupted: false,
                not_exercised: BTreeMap::new(),
                tool: crate::build_info::ToolInfo {
                    version: "0.0.0".to_string(),
                    commit: Some("abc1234".to_string()),
                    schemas_sha256: "0".repeat(64),
                },
                plan: None,
            },
            findings: Vec::new(),
            observations: Vec::new(),
            transport: Vec::new(),
            accepted: Vec::new(),
            behaviour_changes: Vec::new(),
            baseline: None,
            trials: Vec::new(),
        }
    }

    /// A requirement's coverage for the sample: the id, its basis, status, whether it counts,
    /// the reason when not exercised, and the findings about it.
    fn requirement(
        id: &str,
        basis: crate::outcome::Basis,
        status: crate::outcome::CoverageStatus,
        counted: bool,
        reason: Option<(crate::outcome::Reason, &str)>,
        findings: u64,
    ) -> crate::outcome::RequirementCoverage {
        let id = crate::spec::RuleId::parse(id).expect("a requirement id");
        let operation = id
            .as_str()
            .split('.')
            .next()
            .and_then(|op| op.parse().ok())
            .expect("an operation");
        let mut evidence = crate::outcome::Tally::default();
        if status != crate::outcome::CoverageStatus::NotExercised {
            evidence.add(crate::outcome::Evidence::Seen);
        }
        crate::outcome::RequirementCoverage {
            id,
            operation,
            basis,
            status,
            counted,
            reason: reason.map(|(r, detail)| crate::outcome::NotExercised::new(r, detail)),
            evidence,
            findings,
        }
    }

    /// A small coverage for the sample: of the six documented rules that count, two verified,
    /// two violated, one without data and one excluded (its sentence holds a pipe and
    /// backticks); a position held and one read otherwise; what no client can provoke and an
    /// operation not selected outside the figure.
    pub(in crate::report) fn sample_coverage() -> crate::outcome::Coverage {
        use crate::outcome::{Basis, Coverage, CoverageStatus as S, Reason};
        let doc = || Basis::Documented;
        let position = |a: &str| Basis::Position(a.to_string());
        let list = vec![
            requirement(
                "customers_v1.query.page_size.maximum",
                doc(),
                S::Verified,
                true,
                None,
                0,
            ),
            requirement(
                "customers_v1.response.200.customer_info_list.corp_name.required",
                doc(),
                S::Violated,
                true,
                None,
                3,
            ),
            requirement(
                "customers_v1.semantic.pagination",
                doc(),
                S::NotExercised,
                true,
                Some((Reason::NoData, "the target lists 0 customers")),
                0,
            ),
            requirement(
                "customers_v1.query.domain_name.pattern",
                position("A9"),
                S::Verified,
                false,
                None,
                0,
            ),
            requirement(
                "customers_v1.path.partner_id.minLength",
                doc(),
                S::NotExercised,
                false,
                Some((Reason::NotProvokable, "the run sends its own partner id")),
                0,
            ),
            requirement(
                "budget_v1.semantic.auth_required",
                doc(),
                S::Violated,
                true,
                None,
                1,
            ),
            requirement(
                "budget_v1.query.customer_id.maxLength",
                doc(),
                S::NotExercised,
                true,
                Some((Reason::CheckExcluded, "left out by `--exclude-checks a|b`")),
                0,
            ),
            requirement(
                "budget_v1.response.200.credit.type",
                doc(),
                S::Verified,
                true,
                None,
                0,
            ),
            requirement(
                "budget_v1.query.customer_id.type",
                position("A15"),
                S::Observed,
                false,
                None,
                2,
            ),
            requirement(
                "customers_v2.body.offset.minimum",
                doc(),
                S::NotExercised,
                false,
                Some((Reason::OperationNotSelected, "--operations left it out")),
                0,
            ),
        ];
        Coverage::from_requirements(list, &[OperationId::CustomersV1, OperationId::BudgetV1])
    }

    /// The shared sample.
    pub(in crate::report) fn sample_report() -> Report {
        use OperationId::{BudgetV1, CustomersV1};
        let valid = "generated::customers_v1::valid";
        let findings = vec![
            finding(
                CustomersV1,
                "response_schema",
                Category::MissingField,
                "body.customer_info_list[3].corp_name",
                "absent",
                valid,
            ),
            finding(
                CustomersV1,
                "status_code",
                Category::StatusCode,
                "status",
                "500 | internal",
                valid,
            ),
            finding(
                CustomersV1,
                "response_schema",
                Category::MissingField,
                "body.customer_info_list[12].corp_name",
                "absent",
                valid,
            ),
            finding(
                CustomersV1,
                "response_schema",
                Category::MissingField,
                "body.customer_info_list[0].corp_name",
                "absent",
                valid,
            ),
            finding(
                CustomersV1,
                "response_schema",
                Category::Format,
                "body.customer_info_list[0].created_at",
                "2024/01/01\n(slashes)",
                valid,
            ),
            finding(
                BudgetV1,
                "auth_required",
                Category::Auth,
                "status",
                "200 without credentials",
                "stateful::budget_v1::auth",
            ),
        ];
        let transport = vec![TransportProblem {
            operation: BudgetV1,
            trial: "generated::budget_v1::valid".to_string(),
            kind: "timeout".to_string(),
            message: "no response within 10s".to_string(),
            status: None,
            reproduce: "curl -sS 'http://127.0.0.1:8080/budget'".to_string(),
        }];
        let trials = vec![
            trial(
                valid,
                Some(CustomersV1),
                TrialOutcome::Drift,
                vec![0, 1, 2, 3, 4],
                vec![],
            ),
            trial(
                "cases::customers_v1::paging",
                Some(CustomersV1),
                TrialOutcome::Passed,
                vec![],
                vec![],
            ),
            trial(
                "stateful::budget_v1::auth",
                Some(BudgetV1),
                TrialOutcome::Drift,
                vec![5],
                vec![],
            ),
            trial(
                "generated::budget_v1::valid",
                Some(BudgetV1),
                TrialOutcome::Transport,
                vec![],
                vec![0],
            ),
            trial(
                "ambiguities::page_size_zero",
                None,
                TrialOutcome::Skipped,
                vec![],
                vec![],
            ),
        ];
        let mut report = empty_report();
        report.summary = Summary {
            operations: vec![CustomersV1, BudgetV1],
            seed: 42,
            requests: 15,
            trials: [
                ("drift", 2),
                ("passed", 1),
                ("skipped", 1),
                ("transport", 1),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            findings: 6,
            by_category: [
                (Category::StatusCode, 1),
                (Category::MissingField, 3),
                (Category::Format, 1),
                (Category::Auth, 1),
            ]
            .into_iter()
            .collect(),
            by_operation: [(CustomersV1, 5), (BudgetV1, 1)].into_iter().collect(),
            transport_problems: 1,
            duration_ms: 7500,
            notes: vec!["null policy: lenient (null accepted for optional fields)".to_string()],
            exit_code: 1,
            ..report.summary
        };
        report.findings = findings;
        report.transport = transport;
        report.trials = trials;
        report.coverage = sample_coverage();
        report
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{empty_report, finding, sample_report};
    use super::*;

    #[test]
    fn normalises_array_indices_only() {
        assert_eq!(
            normalise_location("body.customer_info_list[3].corp_name"),
            "body.customer_info_list[*].corp_name"
        );
        assert_eq!(normalise_location("body.a[10].b[0]"), "body.a[*].b[*]");
        assert_eq!(normalise_location("body.a[x].b[]"), "body.a[x].b[]");
        assert_eq!(normalise_location("query.page_size"), "query.page_size");
    }

    #[test]
    fn drift_report_groups_collapses_and_orders_by_severity() {
        let text = write_human(&sample_report(), false);
        assert!(
            text.starts_with("Drift: 6 findings in 4 categories across 2 operations: "),
            "{text}"
        );
        assert!(text.contains("(seed 42)"), "{text}");
        // Operations in report order, categories by severity within each.
        let customers = text.find("customers_v1: 5 findings").unwrap();
        let budget = text.find("budget_v1: 1 finding\n").unwrap();
        assert!(customers < budget, "{text}");
        let status = text.find("  status_code (1)").unwrap();
        let missing = text.find("  missing_field (3)").unwrap();
        let format = text.find("  format (1)").unwrap();
        assert!(status < missing && missing < format, "{text}");
        // The three index-only duplicates are one block, shown with the first one's location.
        assert!(
            text.contains(
                "[RS001 response_schema] body.customer_info_list[3].corp_name (and 2 more like it)"
            ),
            "{text}"
        );
        assert!(!text.contains("list[12].corp_name"), "{text}");
        assert!(
            text.contains("      expected: documented missing_field\n"),
            "{text}"
        );
        assert!(
            text.contains("      doc: customers_v1: response table\n"),
            "{text}"
        );
        assert!(text.contains("      reproduce: curl -sS "), "{text}");
        // Multi-line values stay inside their block.
        assert!(
            text.contains("observed: 2024/01/01\n        (slashes)\n"),
            "{text}"
        );
    }

    #[test]
    fn transport_notes_and_exit_code_follow_the_findings() {
        let text = write_human(&sample_report(), false);
        let transport = text.find("Transport problems (not drift): 1").unwrap();
        assert!(
            text.find("budget_v1: 1 finding").unwrap() < transport,
            "{text}"
        );
        assert!(text.contains("  timeout (1)\n"), "{text}");
        assert!(
            text.contains("first: budget_v1 generated::budget_v1::valid: no response within 10s"),
            "{text}"
        );
        assert!(
            text.contains("\n\nnote: null policy: lenient (null accepted for optional fields)\n\n"),
            "{text}"
        );
        assert!(text.ends_with("\nexit code 1: drift found\n"), "{text}");
    }

    #[test]
    fn no_escape_codes_without_color() {
        let mut report = sample_report();
        report.findings[1].observed = "500 \x1b[31mred\x1b[0m".to_string();
        let text = write_human(&report, false);
        assert!(!text.contains('\x1b'), "{text}");
        assert!(text.contains("500 \\u{1b}[31mred"), "{text}");
    }

    #[test]
    fn color_marks_the_verdict_only_when_asked() {
        let drift = write_human(&sample_report(), true);
        assert!(drift.starts_with("\x1b[1;31mDrift: "), "{drift}");
        assert!(drift.contains("\x1b[1;33mTransport problems"), "{drift}");
        let clean = write_human(&empty_report(), true);
        assert!(clean.starts_with("\x1b[1;32mNo drift: "), "{clean}");
    }

    #[test]
    fn unusable_target_is_not_reported_as_clean() {
        let mut report = empty_report();
        report.summary.exit_code = exit::TARGET_UNUSABLE;
        let text = write_human(&report, false);
        assert!(
            text.starts_with("No drift found, but the target was unusable: 0 operations, "),
            "{text}"
        );
        assert!(text.ends_with("exit code 3: target unusable\n"), "{text}");
    }

    #[test]
    fn empty_report_says_no_drift_and_nothing_else() {
        let text = write_human(&empty_report(), false);
        assert_eq!(
            text,
            "No drift: 0 operations, 0 requests, 0 trials against http://127.0.0.1:8080 (seed 7).\n\
             \npartner-conformance 0.0.0 (commit abc1234, schemas sha256 000000000000)\n\
             exit code 0: no drift\n"
        );
    }

    #[test]
    fn caps_blocks_per_category_and_counts_the_rest() {
        let mut report = empty_report();
        report.findings = (0..8)
            .map(|i| {
                finding(
                    OperationId::CustomersV1,
                    "response_schema",
                    Category::Type,
                    &format!("body.field_{i}"),
                    "string",
                    "t",
                )
            })
            .chain((0..3).map(|i| {
                finding(
                    OperationId::CustomersV1,
                    "response_schema",
                    Category::Type,
                    &format!("body.zz[{i}]"),
                    "string",
                    "t",
                )
            }))
            .collect();
        let text = write_human(&report, false);
        assert_eq!(text.matches("[RS001 response_schema]").count(), 5, "{text}");
        // Three single blocks and one collapsed block of three are left out.
        assert!(
            text.contains("    ... 6 more (see --report json=PATH)\n"),
            "{text}"
        );
    }

    #[test]
    fn every_category_has_a_distinct_rank() {
        let mut ranks: Vec<u8> = Category::ALL.iter().map(|c| severity_rank(*c)).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), Category::ALL.len());
    }

    #[test]
    fn an_interrupted_run_says_so_first_and_is_never_green() {
        let mut report = empty_report();
        report.summary.interrupted = true;
        report.summary.exit_code = exit::INTERRUPTED_SIGTERM;
        let text = write_human(&report, true);
        assert!(text.starts_with("\x1b[1;33mInterrupted: "), "{text}");
        assert!(
            text.contains("\x1b[1;33mNo drift in what completed: "),
            "{text}"
        );
        assert!(
            text.ends_with(
                "exit code 143: interrupted by SIGTERM; the reports cover what completed\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn distinct_findings_are_the_blocks_of_the_summary() {
        let report = sample_report();
        let distinct = distinct_findings(&report.findings);
        let blocks = write_human(&report, false).matches("\n    [").count();
        assert_eq!(distinct.len(), blocks);
        assert_eq!(distinct.len(), 4);
        assert_eq!(distinct[0].location, "body.customer_info_list[3].corp_name");
    }

    #[test]
    fn plural_forms() {
        assert_eq!(plural(1, "category"), "1 category");
        assert_eq!(plural(3, "category"), "3 categories");
        assert_eq!(plural(0, "finding"), "0 findings");
    }
}
