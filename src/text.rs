//! Small text helpers for messages about what a person wrote: where in a file an offset is, and
//! which known name a misspelt one most likely meant ("did you mean"). They sit below every other
//! module (they import nothing from the crate), so the config file, the baseline file, the
//! contract loader and the command line can all say these things the same way.

/// Lowercase without `_`, `-`, `.` and spaces, so `bss-url`, `bssUrl` and `BSS_URL` compare equal.
pub(crate) fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The candidate `given` most likely meant: equal up to case and separators, a prefix either
/// way (4 characters at least), or within a small edit distance. The one "did you mean" of the
/// crate: an error naming something unknown offers the nearest known name through this.
pub(crate) fn suggest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let g = normalise(given);
    if g.is_empty() {
        return None;
    }
    if let Some(c) = candidates.iter().find(|c| normalise(c) == g) {
        return Some(c);
    }
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let n = normalise(c);
        let distance = levenshtein(&g, &n);
        let shorter = g.chars().count().min(n.chars().count());
        let prefix = shorter >= 4 && (n.starts_with(&g) || g.starts_with(&n));
        let limit = (n.chars().count() / 3).clamp(1, 3);
        if (distance <= limit || prefix) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance in characters (insertions, deletions, substitutions).
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `line` and `column` (both from 1, the column in characters) of a byte offset in `text`, so
/// errors about a file the user edits point at the place to fix.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
