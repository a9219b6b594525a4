//! Findings, observations and accepted findings in the HTML report, grouped as the human
//! summary groups them: by operation, by category (most severe first), and look-alikes (same
//! check, same location up to array indices, see [`Finding::group_key`]) collapsed into one
//! folded block. A block opens to what was expected and observed, the rule and what it says,
//! the documentation row quoted in English and Chinese, the trial, the curl line, and where
//! else the same drift was seen. Each block carries `data-group` (operation, category, check,
//! location pattern) and `data-count`, so every group can be found in the page.

use super::markup::Page;
use super::Catalogue;
use crate::checks::Finding;
use crate::report::human::severity_rank;
use crate::report::model::Report;
use crate::report::{observations, plural};

/// Other locations a block lists for its look-alikes before saying how many more: enough to
/// see the spread, few enough to keep a block readable. The JSON report has all of them.
const ALSO_AT: usize = 20;

/// Findings that are one drift seen at several places: the first (whose values are shown)
/// and the others.
struct Group<'a> {
    first: &'a Finding,
    rest: Vec<&'a Finding>,
    pattern: String,
}

impl Group<'_> {
    fn count(&self) -> usize {
        1 + self.rest.len()
    }
}

/// The `data-group` value of a finding's block: operation, category, check and location
/// pattern, joined by `|` (what makes findings "of one kind", [`Finding::group_key`]).
pub fn group_label(finding: &Finding) -> String {
    let (operation, category, check, pattern) = finding.group_key();
    format!("{operation}|{category}|{check}|{pattern}")
}

/// Collapses findings into groups in order of first appearance, then orders them by location
/// pattern and check, as the human summary does.
fn groups<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = Vec::new();
    for finding in findings {
        let key = finding.group_key();
        match out.iter_mut().find(|g| g.first.group_key() == key) {
            Some(group) => group.rest.push(finding),
            None => out.push(Group {
                first: finding,
                rest: Vec::new(),
                pattern: key.3,
            }),
        }
    }
    out.sort_by(|a, b| {
        (a.pattern.as_str(), a.first.check.as_str())
            .cmp(&(b.pattern.as_str(), b.first.check.as_str()))
    });
    out
}

/// The findings section: a filter and expand/fold buttons, then per operation and category
/// the folded groups.
pub(super) fn push_findings(page: &mut Page, report: &Report, catalogue: &Catalogue) {
    page.raw("<section id=\"findings\"><h2>Findings: ")
        .text(&plural(report.findings.len(), "finding"))
        .raw("</h2>\n");
    if report.findings.is_empty() {
        page.element("p", "", "No drift: no documented rule was found broken.")
            .raw("</section>\n");
        return;
    }
    push_tools(page, "#findings");
    for operation in crate::report::markdown::operations(report) {
        let mine: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.operation == operation)
            .collect();
        if mine.is_empty() {
            continue;
        }
        page.raw("<h3")
            .attr("id", &format!("findings-{operation}"))
            .raw("><code>")
            .text(operation.as_str())
            .raw("</code>: ")
            .text(&plural(mine.len(), "finding"))
            .raw("</h3>\n");
        let mut categories: Vec<_> = mine.iter().map(|f| f.category).collect();
        categories.sort_by_key(|c| severity_rank(*c));
        categories.dedup();
        for category in categories {
            let list: Vec<&Finding> = mine
                .iter()
                .copied()
                .filter(|f| f.category == category)
                .collect();
            page.raw("<h4><code>")
                .text(category.as_str())
                .raw("</code> (")
                .num(list.len())
                .raw(")</h4>\n");
            for group in groups(list) {
                push_block(page, "finding", &group, catalogue, &[]);
            }
        }
    }
    page.raw("</section>\n");
}

/// The observations section: positions this target reads otherwise, never a failure.
pub(super) fn push_observations(page: &mut Page, list: &[Finding], catalogue: &Catalogue) {
    let Some(line) = observations::summary_line(list) else {
        return;
    };
    page.raw("<section id=\"observations\"><h2>")
        .text(observations::HEADING)
        .raw("</h2>\n");
    page.element("p", "", &format!("{line}."));
    push_tools(page, "#observations");
    let mut list = groups(list);
    // By position number (A2 before A13), as the other formats order them.
    list.sort_by_key(|g| {
        g.first
            .position
            .as_ref()
            .and_then(|p| p.as_str().trim_start_matches('A').parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    });
    for group in list {
        push_block(page, "observation", &group, catalogue, &[]);
    }
    page.raw("</section>\n");
}

/// What the baseline accepted (shown, not failing), what it no longer needs and what expired.
pub(super) fn push_accepted(page: &mut Page, report: &Report, catalogue: &Catalogue) {
    let Some(baseline) = &report.baseline else {
        return;
    };
    page.raw("<section id=\"accepted\"><h2>Baseline <code>")
        .text(&baseline.file)
        .raw("</code>: ")
        .text(&plural(report.accepted.len(), "finding"))
        .raw(" accepted</h2>\n");
    let accepted: Vec<&Finding> = report.accepted.iter().map(|a| &a.finding).collect();
    for group in groups(accepted) {
        let entry = report
            .accepted
            .iter()
            .find(|a| std::ptr::eq(&a.finding, group.first));
        let mut extra = Vec::new();
        if let Some(entry) = entry {
            extra.push(("fingerprint", entry.fingerprint.clone()));
            if let Some(reason) = &entry.reason {
                extra.push(("reason", reason.clone()));
            }
        }
        push_block(page, "accepted", &group, catalogue, &extra);
    }
    let notes = [
        (
            "resolved (no longer occurs; --prune-baseline drops it)",
            &baseline.resolved,
        ),
        ("expired (its findings count as new)", &baseline.expired),
    ];
    for (label, entries) in notes {
        if entries.is_empty() {
            continue;
        }
        page.element("h3", "", &format!("{label}: {}", entries.len()))
            .raw("<ul>\n");
        for note in entries {
            let mut line = note.fingerprint.clone();
            if let Some(expires) = &note.expires {
                line.push_str(&format!(" (expires {expires})"));
            }
            page.element("li", "", &line);
        }
        page.raw("</ul>\n");
    }
    page.raw("</section>\n");
}

/// The filter and the expand/fold buttons of a section (hidden until the script shows them).
fn push_tools(page: &mut Page, scope: &str) {
    page.raw("<div class=\"tools\" hidden><input type=\"search\" placeholder=\"filter: text in a block\"")
        .attr("data-filter", scope)
        .raw("> <button type=\"button\" data-open=\"yes\"")
        .attr("data-scope", scope)
        .raw(">expand all</button><button type=\"button\" data-open=\"no\"")
        .attr("data-scope", scope)
        .raw(">fold all</button></div>\n");
}

/// One group as a folded block; `extra` adds fields after the trial (a baseline's fingerprint).
fn push_block(
    page: &mut Page,
    kind: &str,
    group: &Group<'_>,
    catalogue: &Catalogue,
    extra: &[(&str, String)],
) {
    let f = group.first;
    let id = page.next_id(kind);
    page.raw("<details")
        .attr("id", &id)
        .attr("class", &format!("block {kind}"))
        .attr("data-group", &group_label(f))
        .attr("data-count", &group.count().to_string());
    // The first finding of the page is open: a reader sees at once what a block holds.
    if id == "finding-1" {
        page.raw(" open");
    }
    page.raw("><summary>");
    if let Some(position) = &f.position {
        page.element("span", "badge", position.as_str()).raw(" ");
    }
    page.element("span", "badge", &f.code)
        .raw(" ")
        .element("code", "", &f.check)
        .raw(" ")
        .element("code", "", &f.location);
    if group.count() > 1 {
        page.raw(" ").element(
            "span",
            "more",
            &format!("and {} more like it", group.count() - 1),
        );
    }
    page.raw("</summary>\n<dl class=\"fields\">\n");
    let (expected, observed) = match f.position {
        Some(_) => ("this suite expects", "the target did"),
        None => ("expected", "observed"),
    };
    field(page, expected, &f.expected);
    field(page, observed, &f.observed);
    push_rule(page, f, catalogue);
    field(page, "trial", &f.trial);
    for (label, value) in extra {
        field(page, label, value);
    }
    page.raw("<dt>reproduce</dt><dd><pre class=\"curl\">")
        .text(&f.reproduce)
        .raw("</pre></dd>\n");
    if !group.rest.is_empty() {
        page.raw("<dt>also at</dt><dd><ul>");
        for other in group.rest.iter().take(ALSO_AT) {
            page.raw("<li><code>")
                .text(&other.location)
                .raw("</code> ")
                .text(&other.trial)
                .raw("</li>");
        }
        if group.rest.len() > ALSO_AT {
            page.element(
                "li",
                "",
                &format!(
                    "{} more (see --report json=PATH)",
                    group.rest.len() - ALSO_AT
                ),
            );
        }
        page.raw("</ul></dd>\n");
    }
    page.raw("</dl></details>\n");
}

/// A `dt`/`dd` pair with the value as preformatted text (answers keep their line breaks).
fn field(page: &mut Page, label: &str, value: &str) {
    page.element("dt", "", label)
        .raw("<dd><pre>")
        .text(value)
        .raw("</pre></dd>\n");
}

/// The rule a finding breaks, what it says, and the documentation row it quotes, in English
/// and Chinese where the Chinese page exists.
fn push_rule(page: &mut Page, f: &Finding, catalogue: &Catalogue) {
    let requirement = catalogue.get(f.rule.as_str());
    page.raw("<dt>rule</dt><dd><code>")
        .text(f.rule.as_str())
        .raw("</code>");
    if let Some(requirement) = requirement {
        page.raw(": ").text(&requirement.statement);
    }
    page.raw("</dd>\n");
    let quotes = requirement.and_then(|r| r.doc.as_ref());
    let source = quotes.map(|q| q.source.as_str()).or(f.doc.as_deref());
    let Some(source) = source else {
        return;
    };
    page.raw("<dt>documentation</dt><dd>").text(source);
    if let Some(quotes) = quotes {
        page.raw("<blockquote lang=\"en\"><span class=\"lang\">en</span>")
            .text(&quotes.en)
            .raw("</blockquote>");
        if let Some(zh) = &quotes.zh {
            page.raw("<blockquote lang=\"zh\"><span class=\"lang\">中文</span>")
                .text(zh)
                .raw("</blockquote>");
        }
    }
    page.raw("</dd>\n");
}
