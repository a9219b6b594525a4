//! Text helpers the human summary and the observations section share: a target's text made
//! safe for a terminal, and the indented `label: value` lines of a block.

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
