//! What `x-filter` match kinds mean on record values. The mock selects with it and the checks
//! judge with it, so the two cannot disagree about a documented rule.

use super::vocabulary::MatchKind;

/// Parses the documented UTC time format (`yyyy-MM-ddTHH:mm:ssZ`).
pub fn parse_time(text: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ").ok()
}

/// Whether a text has the fixed-width shape of the documented time (`yyyy-MM-ddTHH:mm:ssZ`, all
/// digits where digits go): two such texts order as their instants do, so no parsing is needed
/// (and the mock's index of times can order them as text).
pub fn is_canonical_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 20
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            19 => *b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

/// Orders two documented times; `None` when either is not a time.
fn compare_times(have: &str, wanted: &str) -> Option<std::cmp::Ordering> {
    if is_canonical_time(have) && is_canonical_time(wanted) {
        return Some(have.cmp(wanted));
    }
    Some(parse_time(have)?.cmp(&parse_time(wanted)?))
}

impl MatchKind {
    /// Whether a record's field text satisfies a filter value, comparing letters exactly.
    pub fn matches(self, have: &str, wanted: &str) -> bool {
        match self {
            MatchKind::Substring => have.contains(wanted),
            MatchKind::Equals => have == wanted,
            MatchKind::AtOrAfter => compare_times(have, wanted).is_some_and(|o| o.is_ge()),
            MatchKind::AtOrBefore => compare_times(have, wanted).is_some_and(|o| o.is_le()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_kinds() {
        assert!(MatchKind::Substring.matches("priya_aperture", "ape"));
        assert!(!MatchKind::Substring.matches("VIP", "vip"));
        assert!(MatchKind::Equals.matches("3", "3"));
        assert!(MatchKind::AtOrAfter.matches("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"));
        assert!(!MatchKind::AtOrBefore.matches("2020-01-01T00:00:01Z", "2020-01-01T00:00:00Z"));
        assert!(!MatchKind::AtOrAfter.matches("garbage", "2020-01-01T00:00:00Z"));
    }
}
