//! What `x-filter` match kinds mean on record values. The mock selects with it and the checks
//! judge with it, so the two cannot disagree about a documented rule.

use super::vocabulary::MatchKind;

/// Parses the documented UTC time format (`yyyy-MM-ddTHH:mm:ssZ`).
pub fn parse_time(text: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ").ok()
}

impl MatchKind {
    /// Whether a record's field text satisfies a filter value, comparing letters exactly.
    pub fn matches(self, have: &str, wanted: &str) -> bool {
        match self {
            MatchKind::Substring => have.contains(wanted),
            MatchKind::Equals => have == wanted,
            MatchKind::AtOrAfter => match (parse_time(have), parse_time(wanted)) {
                (Some(h), Some(w)) => h >= w,
                _ => false,
            },
            MatchKind::AtOrBefore => match (parse_time(have), parse_time(wanted)) {
                (Some(h), Some(w)) => h <= w,
                _ => false,
            },
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
