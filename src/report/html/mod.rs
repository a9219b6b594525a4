//! The HTML report: one self-contained file to open offline or attach as a CI artifact. It
//! holds no link to anything outside itself (its style and its small script are inline, and a
//! Content-Security-Policy naming their hashes forbids every other resource), and it reads
//! without the script: findings fold into `<details>` elements the browser opens by itself.
//!
//! From the top: the verdict and the run (target, seed, tool version, commit and schemas hash,
//! when the run started and when the page was written, exit code), the counts, the coverage of
//! the documentation as a colour matrix per operation and requirement (`coverage.rs`), the
//! findings grouped and folded as the
//! human summary groups them, each with expected, observed, the documentation quote in English
//! and Chinese and the curl line (`findings.rs`), then observations, baseline, transport
//! problems, what was not exercised, notes, the migration table and every trial
//! (`sections.rs`). Every text goes through the escaping of `markup.rs`; the file itself is
//! written through the redacting writer like every report. The main function is
//! [`write_html`].

mod coverage;
mod findings;
mod markup;
mod sections;

use super::human::exit_meaning;
use super::model::{Report, TrialOutcome};
use crate::spec::Requirement;
use markup::Page;
use std::collections::HashMap;

pub use findings::group_label;

/// The requirements catalogue by id: what a rule says and the documentation it quotes, for
/// the findings and the coverage lists.
type Catalogue = HashMap<String, Requirement>;

/// The catalogue of the contract the run judged with, when it is the embedded one (the report
/// names its contract by hash, `summary.tool.schemas_sha256`); empty for a run with
/// `--schemas DIR`, whose quotes the report does not carry: the page then names the
/// documentation row without quoting it, rather than quote another contract.
fn catalogue(report: &Report) -> Catalogue {
    if report.summary.tool.schemas_sha256 != crate::spec::embedded_sha256() {
        return Catalogue::new();
    }
    let Ok(spec) = crate::spec::Spec::embedded() else {
        return Catalogue::new();
    };
    crate::checks::support::coverage::catalogue(&spec)
        .into_iter()
        .map(|r| (r.id.as_str().to_string(), r))
        .collect()
}

/// The page's style, inlined.
const STYLE: &str = include_str!("page.css");

/// The page's script, inlined: links into folded sections, expand and fold all, a text filter,
/// the coverage status switches. Nothing is lost without it.
const SCRIPT: &str = include_str!("page.js");

/// Every trial outcome with the word the page uses, in the order the counts show them.
pub(super) const OUTCOMES: [(TrialOutcome, &str); 7] = [
    (TrialOutcome::Passed, "passed"),
    (TrialOutcome::Drift, "drift"),
    (TrialOutcome::Accepted, "accepted"),
    (TrialOutcome::Changed, "changed"),
    (TrialOutcome::Observed, "observed"),
    (TrialOutcome::Transport, "transport"),
    (TrialOutcome::Skipped, "skipped"),
];

/// Formats the report as one HTML page (see the module documentation).
pub fn write_html(report: &Report) -> String {
    write_html_at(
        report,
        &chrono::Utc::now()
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
    )
}

/// [`write_html`] with the time it says it was written, so tests get a fixed page.
fn write_html_at(report: &Report, written: &str) -> String {
    let mut page = Page::default();
    let verdict = super::markdown::verdict(report);
    page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .raw("<meta http-equiv=\"Content-Security-Policy\"")
        .attr("content", &policy())
        .raw(">\n<title>partner-conformance: ")
        .text(&verdict)
        .raw("</title>\n<style>")
        .raw(STYLE)
        .raw("</style>\n</head>\n<body>\n");
    push_header(&mut page, report, &verdict);
    push_nav(&mut page, report);
    push_run(&mut page, report, written);
    push_counts(&mut page, report);
    let catalogue = catalogue(report);
    coverage::push(&mut page, &report.coverage, &catalogue);
    findings::push_findings(&mut page, report, &catalogue);
    findings::push_observations(&mut page, &report.observations, &catalogue);
    findings::push_accepted(&mut page, report, &catalogue);
    sections::push_changes(&mut page, report);
    sections::push_transport(&mut page, report);
    sections::push_not_exercised(&mut page, report);
    sections::push_notes(&mut page, &report.summary.notes);
    sections::push_migration(&mut page, report);
    sections::push_trials(&mut page, report);
    page.raw("<footer>")
        .text(&report.summary.tool.line())
        .raw("</footer>\n<script>")
        .raw(SCRIPT)
        .raw("</script>\n</body>\n</html>\n");
    page.finish()
}

/// The page's Content-Security-Policy: nothing may load, only the inline style and script
/// whose hashes it names may apply. A page that reaches for the network, or markup slipped in
/// from a target's text, is refused by the browser (and the browser test sees the refusal).
fn policy() -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// `sha256-<base64>` of an inline element's text, as a Content-Security-Policy names it.
fn csp_hash(text: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The verdict banner: green for exit 0, red when there is drift or a behaviour change, amber
/// for the rest (interrupted, unusable target, a coverage gate, an output lost).
fn push_header(page: &mut Page, report: &Report, verdict: &str) {
    let s = &report.summary;
    let class = if s.exit_code == 0 {
        "verdict pass"
    } else if !report.findings.is_empty() || !report.behaviour_changes.is_empty() {
        "verdict fail"
    } else {
        "verdict warn"
    };
    page.raw("<header")
        .attr("class", class)
        .raw(" id=\"verdict\"><h1>partner-conformance: ")
        .text(verdict)
        .raw("</h1>\n");
    if s.interrupted {
        page.element("p", "interrupted", super::human::INTERRUPTED);
    }
    page.raw("<p>exit code <b data-count=\"exit_code\">")
        .num(s.exit_code)
        .raw("</b>: ")
        .text(exit_meaning(s.exit_code))
        .raw("</p>\n</header>\n");
}

/// Links to the sections the page has.
fn push_nav(page: &mut Page, report: &Report) {
    let sections = [
        ("run", "Run", true),
        (
            "coverage",
            "Coverage",
            !report.coverage.requirements.is_empty(),
        ),
        ("findings", "Findings", true),
        (
            "observations",
            "Observations",
            !report.observations.is_empty(),
        ),
        ("accepted", "Baseline", report.baseline.is_some()),
        (
            "changes",
            "Behaviour changes",
            !report.behaviour_changes.is_empty(),
        ),
        ("transport", "Transport", !report.transport.is_empty()),
        (
            "not-exercised",
            "Not exercised",
            super::not_exercised::heading(report).is_some(),
        ),
        ("notes", "Notes", !report.summary.notes.is_empty()),
        ("migration", "Migration", !report.migration.is_empty()),
        ("trials", "Trials", !report.trials.is_empty()),
    ];
    page.raw("<nav>");
    for (id, label, shown) in sections {
        if shown {
            page.raw("<a href=\"#")
                .raw(id)
                .raw("\">")
                .text(label)
                .raw("</a>");
        }
    }
    page.raw("</nav>\n");
}

/// What was run, with what, by which build and when.
fn push_run(page: &mut Page, report: &Report, written: &str) {
    let s = &report.summary;
    let operations: Vec<&str> = s.operations.iter().map(|o| o.as_str()).collect();
    let tool = &s.tool;
    let seed = format!("{} (rerun with --seed {})", s.seed, s.seed);
    let started = match s.started.as_str() {
        "" => "unknown".to_string(),
        started => started.to_string(),
    };
    let rows: [(&str, String); 13] = [
        ("target", s.target.clone()),
        ("operations", operations.join(", ")),
        ("seed", seed),
        ("cases per operation", s.cases_per_operation.to_string()),
        ("requests", s.requests.to_string()),
        (
            "duration",
            format!("{:.1} s", s.duration_ms as f64 / 1000.0),
        ),
        ("positions", s.positions.as_str().to_string()),
        ("tool version", tool.version.clone()),
        (
            "commit",
            tool.commit
                .clone()
                .unwrap_or_else(|| "unknown (not built from a git checkout)".into()),
        ),
        ("schemas sha256", tool.schemas_sha256.clone()),
        ("started", started),
        ("written", written.to_string()),
        (
            "exit code",
            format!("{} ({})", s.exit_code, exit_meaning(s.exit_code)),
        ),
    ];
    page.raw("<section id=\"run\"><h2>Run</h2>\n<dl class=\"meta\">\n");
    for (label, value) in rows {
        page.element("dt", "", label)
            .element("dd", "", &value)
            .raw("\n");
    }
    page.raw("</dl>\n</section>\n");
}

/// The counts a reader compares first, each marked with `data-count` so a test (or a script)
/// reads the figure the page shows.
fn push_counts(page: &mut Page, report: &Report) {
    let tone = |n: usize, bad: &'static str| if n == 0 { "good" } else { bad };
    let overall = &report.coverage.overall;
    let (findings, observations) = (report.findings.len(), report.observations.len());
    let (transport, changes) = (report.transport.len(), report.behaviour_changes.len());
    let mut tiles: Vec<(String, String, String, &str)> = vec![
        tile("findings", "findings", findings, tone(findings, "bad")),
        tile(
            "observations",
            "observations (not drift)",
            observations,
            tone(observations, "note"),
        ),
        tile(
            "transport",
            "transport problems",
            transport,
            tone(transport, "note"),
        ),
        tile(
            "accepted",
            "accepted by the baseline",
            report.accepted.len(),
            "",
        ),
        tile(
            "behaviour_changes",
            "behaviour changes",
            changes,
            tone(changes, "bad"),
        ),
        tile(
            "coverage.verified",
            "documented rules verified",
            overall.verified,
            "",
        ),
        tile(
            "coverage.documented",
            "documented rules counted",
            overall.documented,
            "",
        ),
        tile(
            "coverage.percent",
            "coverage",
            crate::outcome::format_percent(overall.percent),
            "",
        ),
        tile("trials", "trials", report.trials.len(), ""),
    ];
    for (outcome, word) in OUTCOMES {
        let n = report
            .trials
            .iter()
            .filter(|t| t.outcome == outcome)
            .count();
        let tone = match outcome {
            TrialOutcome::Drift | TrialOutcome::Changed if n > 0 => "bad",
            TrialOutcome::Transport | TrialOutcome::Observed if n > 0 => "note",
            _ => "",
        };
        tiles.push(tile(
            &format!("trials.{word}"),
            &format!("trials {word}"),
            n,
            tone,
        ));
    }
    page.raw("<section id=\"counts\" class=\"tiles\">\n");
    for (key, label, value, tone) in tiles {
        page.raw("<div")
            .attr("class", &format!("tile {tone}"))
            .raw("><b")
            .attr("data-count", &key)
            .raw(">")
            .text(&value)
            .raw("</b><span>")
            .text(&label)
            .raw("</span></div>\n");
    }
    page.raw("</section>\n");
}

/// One count: its key, its label, its value and its tone (a CSS class).
fn tile<'t>(
    key: &str,
    label: &str,
    value: impl std::fmt::Display,
    tone: &'t str,
) -> (String, String, String, &'t str) {
    (key.to_string(), label.to_string(), value.to_string(), tone)
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::{empty_report, finding, sample_report};
    use super::*;
    use crate::checks::Category;
    use crate::spec::OperationId;

    fn page(report: &Report) -> String {
        write_html_at(report, "2026-01-02 03:04:05 UTC")
    }

    /// The value of the first `data-count="key"` element.
    fn count(html: &str, key: &str) -> String {
        let marker = format!("data-count=\"{key}\">");
        let start = html.find(&marker).expect(&marker) + marker.len();
        html[start..].split('<').next().unwrap().to_string()
    }

    #[test]
    fn the_page_is_self_contained_and_its_policy_names_its_own_style_and_script() {
        let html = page(&sample_report());
        assert!(html.starts_with("<!DOCTYPE html>\n"), "{html}");
        // The attribute escapes the quotes; the browser reads them back.
        assert!(html.contains(&format!("script-src &#39;{}&#39;", csp_hash(SCRIPT))));
        assert!(html.contains(&format!("style-src &#39;{}&#39;", csp_hash(STYLE))));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        // Nothing is loaded from anywhere: no source, stylesheet or image reference.
        for reference in [" src=", "<link", "url(", "@import", "href=\"http"] {
            assert!(!html.contains(reference), "{reference}");
        }
    }

    #[test]
    fn verdict_run_and_counts_are_at_the_top() {
        let report = sample_report();
        let html = page(&report);
        assert!(
            html.contains("<h1>partner-conformance: 6 findings</h1>"),
            "{html}"
        );
        assert!(html.contains("<header class=\"verdict fail\""));
        assert!(html.contains("<dt>started</dt><dd>2026-12-07T01:00:00Z</dd>"));
        assert!(html.contains("<dt>written</dt><dd>2026-01-02 03:04:05 UTC</dd>"));
        assert!(html.contains("<dt>commit</dt><dd>abc1234</dd>"));
        assert!(html.contains(&format!("<dd>{}</dd>", "0".repeat(64))));
        assert_eq!(count(&html, "findings"), "6");
        assert_eq!(count(&html, "trials"), "5");
        assert_eq!(count(&html, "trials.drift"), "2");
        assert_eq!(count(&html, "trials.skipped"), "1");
        assert_eq!(count(&html, "exit_code"), "1");
        let overall = &report.coverage.overall;
        assert_eq!(
            count(&html, "coverage.verified"),
            overall.verified.to_string()
        );
        assert_eq!(
            count(&html, "coverage.documented"),
            overall.documented.to_string()
        );
        assert!(html.find("id=\"run\"").unwrap() < html.find("id=\"coverage\"").unwrap());
    }

    #[test]
    fn every_group_of_findings_is_one_folded_block() {
        let report = sample_report();
        let html = page(&report);
        let distinct = crate::report::distinct_findings(&report.findings);
        for f in &distinct {
            let label = markup::escape(&group_label(f));
            assert!(html.contains(&format!("data-group=\"{label}\"")), "{label}");
        }
        assert_eq!(
            html.matches("<details id=\"finding-").count(),
            distinct.len()
        );
        let total: usize = html
            .split("class=\"block finding\" data-group=")
            .skip(1)
            .map(|rest| {
                let value = rest.split("data-count=\"").nth(1).unwrap();
                value.split('"').next().unwrap().parse::<usize>().unwrap()
            })
            .sum();
        assert_eq!(total, report.findings.len());
        assert!(html.contains("<details id=\"finding-1\" class=\"block finding\""));
        assert!(html.contains(
            "<pre class=\"curl\">curl -sS -H &#39;X-Auth-Token: $HUAWEICLOUD_TOKEN&#39;"
        ));
    }

    #[test]
    fn a_finding_quotes_its_documentation_in_english_and_chinese() {
        let spec = crate::spec::Spec::embedded().unwrap();
        let requirement = crate::checks::support::coverage::catalogue(&spec)
            .into_iter()
            .find(|r| r.doc.as_ref().is_some_and(|d| d.zh.is_some()))
            .expect("a requirement quoting both pages");
        let mut report = empty_report();
        report.summary.tool.schemas_sha256 = crate::spec::embedded_sha256();
        let mut f = finding(
            requirement.operation,
            "response_schema_conformance",
            Category::Type,
            "body.count",
            "a string",
            "t",
        );
        f.rule = requirement.id.clone();
        report.findings.push(f);
        let html = page(&report);
        let quotes = requirement.doc.as_ref().unwrap();
        assert!(html.contains(&markup::escape(&quotes.en)), "{html}");
        assert!(html.contains(&markup::escape(quotes.zh.as_ref().unwrap())));
        assert!(html.contains("<blockquote lang=\"zh\">"));
        assert!(html.contains(&markup::escape(&requirement.statement)));
    }

    #[test]
    fn another_contract_is_not_quoted_from_the_embedded_one() {
        let spec = crate::spec::Spec::embedded().unwrap();
        let requirement = crate::checks::support::coverage::catalogue(&spec)
            .into_iter()
            .find(|r| r.doc.is_some())
            .unwrap();
        let mut report = empty_report();
        let mut f = finding(
            requirement.operation,
            "response_schema_conformance",
            Category::Type,
            "body.count",
            "a string",
            "t",
        );
        f.rule = requirement.id.clone();
        report.findings.push(f);
        let html = page(&report);
        assert!(!html.contains("<blockquote"), "{html}");
        assert!(
            html.contains("<dt>documentation</dt><dd>"),
            "the row is still named"
        );
    }

    #[test]
    fn text_from_the_target_never_becomes_markup() {
        let mut report = empty_report();
        report.findings.push(finding(
            OperationId::CustomersV1,
            "response_schema_conformance",
            Category::Enum,
            "body.x</summary><script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>\u{1b}[31m",
            "t",
        ));
        report.summary.notes.push("<b>note</b> & 'quote'".into());
        let html = page(&report);
        assert_eq!(html.matches("<script>").count(), 1, "only the page's own");
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;/summary&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("\\u{1b}[31m"));
        assert!(html.contains("<li>&lt;b&gt;note&lt;/b&gt; &amp; &#39;quote&#39;</li>"));
    }

    #[test]
    fn coverage_is_a_matrix_of_every_requirement_linked_to_its_row() {
        let report = sample_report();
        let html = page(&report);
        let requirements = &report.coverage.requirements;
        assert_eq!(html.matches("<a class=\"c s-").count(), requirements.len());
        for (i, r) in requirements.iter().enumerate() {
            assert!(html.contains(&format!("href=\"#req-{i}\"")));
            assert!(html.contains(&format!(
                "<tr id=\"req-{i}\" class=\"s-{}\">",
                r.status.as_str()
            )));
        }
        assert!(html.contains("class=\"c s-violated\""));
        assert!(html.contains(" uncounted\""));
    }

    #[test]
    fn an_empty_run_says_no_drift_and_has_no_empty_sections() {
        let html = page(&empty_report());
        assert!(html.contains("<header class=\"verdict pass\""));
        assert!(html.contains("No drift: no documented rule was found broken."));
        for section in [
            "id=\"coverage\"",
            "id=\"transport\"",
            "id=\"migration\"",
            "id=\"trials\"",
        ] {
            assert!(!html.contains(section), "{section}");
        }
    }
}
