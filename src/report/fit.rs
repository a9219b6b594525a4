//! Fitting the Markdown report into a pull-request comment: GitHub refuses a comment (and shows
//! no step summary part) over [`MAX_CHARS`] characters, and a report cut at an arbitrary byte
//! breaks its tables. The report is built as [`Doc`] parts (a section's head, one table row, a
//! folded block), and when the whole is too long, [`Doc::finish`] keeps the parts in order while
//! they fit, leaves out the rest whole, and ends with a line saying how many rows and which
//! sections were left out and that the JSON report has them all.

use super::text::{inline_text, plural, MAX_ROWS};
use std::fmt::Write as _;

/// Characters a GitHub comment may hold (its body limit); the report stays under it.
pub(super) const MAX_CHARS: usize = 65_536;

/// Room kept for the closing line that says what was left out.
const CLOSING_ROOM: usize = 4_096;

/// Sections named one by one in the closing line; the others are counted.
const NAMED_SECTIONS: usize = 24;

/// One piece, kept or left out whole.
struct Part {
    text: String,
    /// The section it belongs to, as the closing line names it.
    section: String,
    /// The rows of that section it stands for (a table row: 1, a "more not shown" line: how
    /// many); 0 for a section's head (left out, the whole section is named).
    rows: usize,
}

/// A Markdown report under construction: the opening (always kept) and the parts after it.
#[derive(Default)]
pub(super) struct Doc {
    /// Verdict, run line and summary table: kept whatever the size.
    pub(super) head: String,
    parts: Vec<Part>,
}

impl Doc {
    /// A section kept or left out as one piece (a list, a folded block, another writer's
    /// section).
    pub(super) fn whole(&mut self, section: &str, text: String) {
        if !text.is_empty() {
            self.parts.push(Part {
                text,
                section: section.to_string(),
                rows: 0,
            });
        }
    }

    /// A table under `intro` (its heading), at most [`MAX_ROWS`] rows and how many more there
    /// are; cut row by row. No rows, no table.
    pub(super) fn table(
        &mut self,
        section: &str,
        intro: &str,
        headers: &[&str],
        rows: Vec<Vec<String>>,
    ) {
        if rows.is_empty() {
            return;
        }
        let total = rows.len();
        let mut rows = rows.into_iter().take(MAX_ROWS).map(|r| row(&r));
        let mut head = intro.to_string();
        let _ = writeln!(head, "| {} |", headers.join(" | "));
        let _ = writeln!(head, "|{}", "---|".repeat(headers.len()));
        head.push_str(&rows.next().unwrap_or_default());
        self.whole(section, head);
        for text in rows {
            self.parts.push(Part {
                text,
                section: section.to_string(),
                rows: 1,
            });
        }
        let hidden = total.saturating_sub(MAX_ROWS);
        let mut end = String::from("\n");
        if hidden > 0 {
            let _ = writeln!(end, "{hidden} more not shown (see --report json=PATH).\n");
        }
        self.parts.push(Part {
            text: end,
            section: section.to_string(),
            rows: hidden,
        });
    }

    /// The report: everything when it fits in [`MAX_CHARS`], else the parts that fit in order
    /// and the closing line.
    pub(super) fn finish(self) -> String {
        let total = self.head.len() + self.parts.iter().map(|p| p.text.len()).sum::<usize>();
        let mut out = self.head;
        if total < MAX_CHARS {
            self.parts.iter().for_each(|p| out.push_str(&p.text));
            return out;
        }
        let budget = MAX_CHARS - CLOSING_ROOM;
        // (section, rows left out of it; None when the whole section was)
        let mut left: Vec<(String, Option<usize>)> = Vec::new();
        let mut cut = false;
        for part in self.parts {
            if !cut && out.len() + part.text.len() <= budget {
                out.push_str(&part.text);
                continue;
            }
            if !cut {
                // A blank line ends a table cut short.
                out.push('\n');
                cut = true;
            }
            match left.iter_mut().find(|(s, _)| *s == part.section) {
                Some((_, None)) => {}
                Some((_, Some(rows))) => *rows += part.rows,
                None if part.rows == 0 => left.push((part.section, None)),
                None => left.push((part.section, Some(part.rows))),
            }
        }
        out.push_str(&closing(&left));
        out
    }
}

/// One table row.
fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

/// "N more not shown ...": the rows and sections left out, and where they all are.
fn closing(left: &[(String, Option<usize>)]) -> String {
    let rows: usize = left.iter().filter_map(|(_, rows)| *rows).sum();
    let sections: Vec<&str> = left
        .iter()
        .filter(|(_, rows)| rows.is_none())
        .map(|(s, _)| s.as_str())
        .collect();
    let mut what = Vec::new();
    if rows > 0 {
        let tables: Vec<String> = left
            .iter()
            .filter_map(|(s, rows)| rows.filter(|&n| n > 0).map(|n| format!("{n} in {s}")))
            .collect();
        what.push(format!(
            "{} ({})",
            plural(rows, "row"),
            inline_text(&tables.join(", "))
        ));
    }
    if !sections.is_empty() {
        let mut named: Vec<String> = sections
            .iter()
            .take(NAMED_SECTIONS)
            .map(|s| inline_text(s))
            .collect();
        if sections.len() > NAMED_SECTIONS {
            named.push(format!("{} more", sections.len() - NAMED_SECTIONS));
        }
        what.push(format!(
            "{}: {}",
            plural(sections.len(), "section"),
            named.join(", ")
        ));
    }
    format!(
        "---\n\n**{} more not shown** to keep this report under {MAX_CHARS} characters (a pull-request comment's limit): {}. The full list is in the JSON report (`--report json=PATH`).\n",
        rows + sections.len(),
        what.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_that_fits_is_left_whole() {
        let mut doc = Doc {
            head: "# head\n\n".into(),
            ..Doc::default()
        };
        doc.table(
            "t",
            "#### t\n\n",
            &["a", "b"],
            vec![vec!["1".into(), "2".into()]],
        );
        doc.whole("notes", "- note\n".into());
        assert_eq!(
            doc.finish(),
            "# head\n\n#### t\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- note\n"
        );
    }

    #[test]
    fn a_long_report_is_cut_by_whole_rows_and_sections_and_says_so() {
        let mut doc = Doc::default();
        for table in 0..40 {
            let rows = (0..MAX_ROWS + 3)
                .map(|i| vec![format!("{table}-{i}"), "x".repeat(100)])
                .collect();
            doc.table(&format!("table {table}"), "#### t\n\n", &["a", "b"], rows);
        }
        doc.whole("Notes", "- a note\n".into());
        let text = doc.finish();
        assert!(text.len() < MAX_CHARS, "{}", text.len());
        let closing = text.lines().last().unwrap();
        assert!(closing.starts_with("**"), "{closing}");
        assert!(
            closing.contains(" more not shown** to keep this report under 65536 characters"),
            "{closing}"
        );
        assert!(
            closing.contains("sections: table 11, table 12"),
            "{closing}"
        );
        assert!(closing.contains(", 6 more. The full list"), "{closing}");
        assert!(closing.contains("JSON report"), "{closing}");
        // Every row kept is whole: each line of a table has both its cells.
        for line in text.lines().filter(|l| l.starts_with('|')) {
            assert_eq!(line.matches('|').count(), 3, "{line}");
        }
    }
}
