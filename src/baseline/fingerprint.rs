//! A finding's fingerprint, the one thing a baseline entry matches on (see the module
//! documentation of [`super`] for its format), the version 1 form without the rule, and the
//! checks that tell a hand-written fingerprint that could never match.

use crate::checks::{Category, Finding};
use crate::spec::{OperationId, RuleId};

/// The file format version this build writes; it also reads version 1 (see the documentation
/// of [`crate::baseline`]), and refuses any other rather than half understand it.
pub const BASELINE_VERSION: u32 = 2;
/// The version whose fingerprints have no rule.
pub(super) const LEGACY_VERSION: u32 = 1;

/// The stable identity of a finding, used to match it against baseline entries: operation,
/// check, category, the rule violated and normalised location (see the module documentation).
/// Expected and observed text are left out on purpose, since they carry generated values and
/// wording that change from run to run.
pub fn fingerprint(finding: &Finding) -> String {
    format!(
        "{} {} {} {} {}",
        finding.operation.as_str(),
        finding.check,
        finding.category.as_str(),
        finding.rule,
        normalise_location(&finding.location)
    )
}

/// The version 1 fingerprint of a finding (no rule), which version 1 entries match.
pub(super) fn legacy_fingerprint(finding: &Finding) -> String {
    format!(
        "{} {} {} {}",
        finding.operation.as_str(),
        finding.check,
        finding.category.as_str(),
        normalise_location(&finding.location)
    )
}

/// The location part of a fingerprint: the location pattern findings are grouped by
/// ([`crate::outcome::location_pattern`]: indices as `[*]`, quoted values as `*`, whitespace as
/// `_`), empty as `-`. Idempotent, which is how [`super::Baseline::parse`] tells a hand-written
/// location that could never match.
pub(super) fn normalise_location(location: &str) -> String {
    let pattern = crate::outcome::location_pattern(location);
    if pattern.is_empty() {
        "-".to_string()
    } else {
        pattern
    }
}

/// Why a fingerprint can never match a finding, or `None` when it is well formed. Catching
/// this when the file is read keeps a typo from silently accepting nothing.
pub(super) fn fingerprint_problem(fingerprint: &str, version: u32) -> Option<String> {
    let parts: Vec<&str> = fingerprint.split(' ').collect();
    let (operation, check, category, rule, location) = match (version, parts.as_slice()) {
        (LEGACY_VERSION, [operation, check, category, location]) => {
            (operation, check, category, None, location)
        }
        (BASELINE_VERSION, [operation, check, category, rule, location]) => {
            (operation, check, category, Some(rule), location)
        }
        _ => {
            let form = if version == LEGACY_VERSION {
                "4: \"<operation> <check> <category> <location>\""
            } else {
                "5: \"<operation> <check> <category> <rule> <location>\""
            };
            return Some(format!(
                "{:?} has {} space-separated parts; a version {version} fingerprint has {form}",
                fingerprint,
                parts.len()
            ));
        }
    };
    if let Some(rule) = rule {
        if RuleId::parse(rule).is_none_or(|id| !id.as_str().starts_with(&format!("{operation}."))) {
            return Some(format!(
                "rule `{rule}` in {fingerprint:?} is not a rule id of {operation} \
                 (such as `{operation}.query.page_size.maximum`)"
            ));
        }
    }
    if let Err(err) = operation.parse::<OperationId>() {
        return Some(format!("{err} in {fingerprint:?}"));
    }
    if check.is_empty()
        || !check
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Some(format!(
            "check name {check:?} in {fingerprint:?} is not a snake_case check name"
        ));
    }
    if !Category::ALL.iter().any(|c| c.as_str() == *category) {
        let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        return Some(format!(
            "unknown category `{category}` in {fingerprint:?} (known: {})",
            known.join(", ")
        ));
    }
    let normalised = normalise_location(location);
    if normalised != *location {
        return Some(format!(
            "location `{location}` in {fingerprint:?} is not normalised and would never match; \
             write `{normalised}`"
        ));
    }
    None
}
