//! Text helpers the writers share: a target's text made safe for a terminal and the indented
//! `label: value` lines of a block (the human summary, the observations section), English
//! plurals, and Markdown cells and tables escaped and capped (the Markdown report and its
//! coverage section). Here once, so no two writers import each other for them.

use std::fmt::Write as _;

/// A `label: value` line of a block; continuation lines of a multi-line value stay indented.
pub(super) fn push_field(out: &mut String, label: &str, value: &str) {
    let value = clean(value);
    let mut lines = value.lines();
    let _ = writeln!(out, "      {label}: {}", lines.next().unwrap_or(""));
    for line in lines {
        let _ = writeln!(out, "        {line}");
    }
}

/// Text from the model with control characters (ANSI escapes from a hostile target included)
/// shown escaped, so nothing but our own colours reaches the terminal. Newlines and tabs stay.
pub(super) fn clean(text: &str) -> String {
    if !text.chars().any(is_unsafe_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_unsafe_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A control character other than newline and tab.
fn is_unsafe_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `1 finding`, `2 findings`, `2 categories`: enough English for the nouns used here.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {noun}s"),
    }
}

/// Rows per table: a comment stays readable and under the forges' size limits.
pub(super) const MAX_ROWS: usize = 50;

/// Characters per cell before truncation.
pub(super) const MAX_CELL: usize = 120;

/// A table of at most [`MAX_ROWS`] rows, then how many were left out. No rows, no table.
pub(super) fn push_table(out: &mut String, headers: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
    let total = rows.len();
    for row in rows.into_iter().take(MAX_ROWS) {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    if total > MAX_ROWS {
        let _ = writeln!(
            out,
            "\n{} more not shown (see --report json=PATH).",
            total - MAX_ROWS
        );
    }
    out.push('\n');
}

/// Plain-text cell: truncated to [`MAX_CELL`] characters, then escaped as [`inline_text`].
pub(super) fn text_cell(text: &str) -> String {
    inline_text(&truncate(text))
}

/// Inline text with Markdown and HTML punctuation backslash-escaped (so `|` cannot end a cell
/// and `<img>` cannot become markup) and line breaks as `<br>`.
pub(super) fn inline_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Code-span cell for identifiers and locations: truncated, on one line, `|` escaped (GitHub
/// honours `\|` inside code spans in tables), fenced with more backticks than it holds. A
/// backslash before a pipe cannot be kept in a code span (the table reads `\\` as an escaped
/// backslash, so the pipe after it would end the cell): such text is a [`text_cell`].
pub(super) fn code_cell(text: &str) -> String {
    if text.contains("\\|") {
        return text_cell(text);
    }
    let text = one_line(&truncate(text)).replace('|', "\\|");
    if text.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// At most [`MAX_CELL`] characters, the last one `…` when something was cut.
pub(super) fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_CELL {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_CELL - 1).collect();
    cut.push('…');
    cut
}

/// Line breaks and other control characters as spaces.
pub(super) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The longest run of `c` in `text`.
pub(super) fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut current) = (0, 0);
    for ch in text.chars() {
        current = if ch == c { current + 1 } else { 0 };
        longest = longest.max(current);
    }
    longest
}
